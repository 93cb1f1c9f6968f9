SELECT id, event_type, actor_id, target_type, target_id, metadata, created_at
FROM feed_events
WHERE id < $1
ORDER BY id DESC
LIMIT $2

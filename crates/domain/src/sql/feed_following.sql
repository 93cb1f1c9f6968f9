SELECT e.id, e.event_type, e.actor_id, e.target_type, e.target_id, e.metadata, e.created_at
FROM (
    SELECT candidate.id FROM (
        SELECT $1::varchar COLLATE "C" AS actor_id
        UNION ALL
        SELECT followee_id FROM follows WHERE follower_id = $1
    ) AS actors
    CROSS JOIN LATERAL (
        SELECT id FROM feed_events
        WHERE actor_id = actors.actor_id AND id < $2
        ORDER BY id DESC
        LIMIT $3
    ) AS candidate
    ORDER BY candidate.id DESC
    LIMIT $3
) AS page
-- LIMIT 1 keeps this a lookup by primary key per page row, whatever the planner thinks of a
-- small table.
CROSS JOIN LATERAL (
    SELECT f.id, f.event_type, f.actor_id, f.target_type, f.target_id, f.metadata, f.created_at
    FROM feed_events f
    WHERE f.id = page.id
    LIMIT 1
) AS e
ORDER BY e.id DESC

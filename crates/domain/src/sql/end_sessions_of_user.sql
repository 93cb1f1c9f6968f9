-- Ends every live session of a user and tells every instance, at commit: one notification, and
-- only when something ended.
WITH ended AS (
    UPDATE sessions
    SET ended_at = now()
    WHERE user_id = $1 AND ended_at IS NULL
    RETURNING id
)
SELECT pg_notify($2, 'u:' || $1) AS notified
FROM (SELECT 1 FROM ended LIMIT 1) AS any_ended

-- Ends the session of a refresh token (any of its rotations) and tells every instance, at commit.
WITH ended AS (
    UPDATE sessions s
    SET ended_at = now()
    FROM refresh_tokens t
    WHERE t.token_hash = $1 AND s.id = t.session_id AND s.ended_at IS NULL
    RETURNING s.id
)
SELECT ended.id AS session_id, pg_notify($2, 's:' || ended.id) AS notified
FROM ended

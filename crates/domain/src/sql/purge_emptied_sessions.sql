-- One batch of sessions with no refresh token left.
DELETE FROM sessions
WHERE id IN (
    SELECT s.id
    FROM sessions s
    WHERE NOT EXISTS (SELECT 1 FROM refresh_tokens t WHERE t.session_id = s.id)
    LIMIT $1
    FOR UPDATE SKIP LOCKED
)

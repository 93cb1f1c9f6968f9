-- One batch of expired refresh tokens, oldest first; rows a refresh holds locked are left for the
-- next run rather than waited for.
DELETE FROM refresh_tokens
WHERE id IN (
    SELECT id
    FROM refresh_tokens
    WHERE expires_at < now()
    ORDER BY expires_at
    LIMIT $1
    FOR UPDATE SKIP LOCKED
)

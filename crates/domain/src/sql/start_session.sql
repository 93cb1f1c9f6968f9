-- A new session and its first refresh token, in one statement.
WITH session AS (
    INSERT INTO sessions (id, user_id, created_at)
    VALUES ($1, $2, $3)
    RETURNING id, user_id, created_at
)
INSERT INTO refresh_tokens (id, user_id, session_id, token_hash, expires_at, created_at)
SELECT $4, session.user_id, session.id, $5, $6, session.created_at
FROM session

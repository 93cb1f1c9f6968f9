-- Without sessions, an ended session's refresh tokens would work again: revoke them first.
UPDATE refresh_tokens r
SET revoked_at = s.ended_at
FROM sessions s
WHERE r.session_id = s.id AND s.ended_at IS NOT NULL AND r.revoked_at IS NULL;

DROP INDEX IF EXISTS refresh_tokens_expires_at_idx;
DROP INDEX IF EXISTS refresh_tokens_session_id_idx;
ALTER TABLE refresh_tokens DROP COLUMN IF EXISTS session_id;
DROP TABLE IF EXISTS sessions;

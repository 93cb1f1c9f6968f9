-- A session is what one sign-in starts: its refresh token, every rotation of it, and every access
-- token issued with them (their `sid` claim names the session). Ending a session (logout,
-- logoutEverywhere, changePassword, a reused refresh token) sets ended_at; from then on its access
-- tokens are refused on every request, and its refresh tokens cannot be used. Deleting the user
-- deletes the rows, which refuses them the same way.
CREATE TABLE sessions (
    id         varchar(26) COLLATE "C" PRIMARY KEY,
    user_id    varchar(26) COLLATE "C" NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    created_at timestamptz NOT NULL DEFAULT now(),
    ended_at   timestamptz
);
-- "End every live session of this user".
CREATE INDEX sessions_user_live_idx ON sessions (user_id) WHERE ended_at IS NULL;

ALTER TABLE refresh_tokens ADD COLUMN session_id varchar(26) COLLATE "C";

-- The tokens issued before sessions existed: each chain of rotations (linked by replaced_by) is
-- one session, named after its first token, and live when one of its tokens still is, so nobody
-- is signed out by this migration.
WITH RECURSIVE chain (id, root) AS (
    SELECT t.id, t.id
    FROM refresh_tokens t
    WHERE NOT EXISTS (SELECT 1 FROM refresh_tokens p WHERE p.replaced_by = t.id)
    UNION ALL
    SELECT t.replaced_by, c.root
    FROM chain c
    JOIN refresh_tokens t ON t.id = c.id
    WHERE t.replaced_by IS NOT NULL
)
UPDATE refresh_tokens r SET session_id = c.root FROM chain c WHERE r.id = c.id;

INSERT INTO sessions (id, user_id, created_at, ended_at)
SELECT session_id,
       min(user_id),
       min(created_at),
       CASE WHEN bool_or(revoked_at IS NULL AND expires_at > now()) THEN NULL ELSE now() END
FROM refresh_tokens
GROUP BY session_id;

ALTER TABLE refresh_tokens
    ALTER COLUMN session_id SET NOT NULL,
    ADD CONSTRAINT refresh_tokens_session_id_fkey
        FOREIGN KEY (session_id) REFERENCES sessions (id) ON DELETE CASCADE;
CREATE INDEX refresh_tokens_session_id_idx ON refresh_tokens (session_id);
-- The purge deletes the expired rows oldest first.
CREATE INDEX refresh_tokens_expires_at_idx ON refresh_tokens (expires_at);

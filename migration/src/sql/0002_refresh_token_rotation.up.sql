-- Refresh-token rotation: a token replaced by its successor is remembered as such, so that
-- presenting it again is recognised as theft (every session of the user is revoked), while a
-- token that was merely logged out is just refused.
ALTER TABLE refresh_tokens
    ADD COLUMN replaced_by varchar(26) COLLATE "C" REFERENCES refresh_tokens (id) ON DELETE SET NULL;
CREATE INDEX refresh_tokens_replaced_by_idx ON refresh_tokens (replaced_by) WHERE replaced_by IS NOT NULL;
-- "Revoke every live session of this user" touches only the live ones.
CREATE INDEX refresh_tokens_user_live_idx ON refresh_tokens (user_id) WHERE revoked_at IS NULL;

DROP INDEX IF EXISTS refresh_tokens_user_live_idx;
DROP INDEX IF EXISTS refresh_tokens_replaced_by_idx;
ALTER TABLE refresh_tokens DROP COLUMN IF EXISTS replaced_by;

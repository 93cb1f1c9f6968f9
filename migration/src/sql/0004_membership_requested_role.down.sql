DROP INDEX IF EXISTS tribe_members_requested_role_idx;
ALTER TABLE tribe_members DROP COLUMN IF EXISTS requested_role_id;

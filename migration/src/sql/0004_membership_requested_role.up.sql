-- A request to join a tribe may name the open role it is for; approving it fills that role.
ALTER TABLE tribe_members
    ADD COLUMN requested_role_id varchar(26) COLLATE "C" REFERENCES tribe_open_roles (id) ON DELETE SET NULL;
CREATE INDEX tribe_members_requested_role_idx ON tribe_members (requested_role_id) WHERE requested_role_id IS NOT NULL;

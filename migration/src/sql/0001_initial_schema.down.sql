-- Reverses 0001_initial_schema.up.sql exactly: up, down, up leaves the same schema.
DROP TABLE IF EXISTS follows;
DROP TABLE IF EXISTS feed_events;
DROP TABLE IF EXISTS tribe_open_roles;
DROP TABLE IF EXISTS tribe_members;
DROP TABLE IF EXISTS tribes;
DROP TABLE IF EXISTS project_collaborators;
DROP TABLE IF EXISTS projects;
DROP TABLE IF EXISTS user_skills;
DROP TABLE IF EXISTS skills;
DROP TABLE IF EXISTS refresh_tokens;
DROP TABLE IF EXISTS users;

DROP FUNCTION IF EXISTS set_updated_at();

DROP TYPE IF EXISTS event_type;
DROP TYPE IF EXISTS member_status;
DROP TYPE IF EXISTS member_role;
DROP TYPE IF EXISTS tribe_status;
DROP TYPE IF EXISTS collaborator_status;
DROP TYPE IF EXISTS project_status;
DROP TYPE IF EXISTS skill_category;
DROP TYPE IF EXISTS availability_status;
DROP TYPE IF EXISTS user_role;

DROP EXTENSION IF EXISTS vector;

DROP FUNCTION IF EXISTS discovery_entry_matches(text, tsquery, text[], text);
DROP FUNCTION IF EXISTS discovery_prefix(text);
DROP FUNCTION IF EXISTS discovery_tsquery(text, text, text);
DROP TRIGGER IF EXISTS tribe_open_roles_embedding_stale ON tribe_open_roles;
DROP TRIGGER IF EXISTS tribes_embedding_stale ON tribes;
DROP TRIGGER IF EXISTS projects_embedding_stale ON projects;
DROP TRIGGER IF EXISTS user_skills_embedding_stale ON user_skills;
DROP TRIGGER IF EXISTS users_embedding_stale ON users;
DROP FUNCTION IF EXISTS open_roles_embedding_stale();
DROP FUNCTION IF EXISTS tribes_embedding_stale();
DROP FUNCTION IF EXISTS projects_embedding_stale();
DROP FUNCTION IF EXISTS user_skills_embedding_stale();
DROP FUNCTION IF EXISTS users_embedding_stale();
DROP FUNCTION IF EXISTS enqueue_embedding(text, text);
DROP TABLE IF EXISTS embedding_jobs;

CREATE OR REPLACE FUNCTION set_updated_at() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF to_jsonb(NEW) - 'updated_at' - 'search_vector'
       IS DISTINCT FROM to_jsonb(OLD) - 'updated_at' - 'search_vector' THEN
        NEW.updated_at := now();
    END IF;
    RETURN NEW;
END;
$$;

DROP INDEX IF EXISTS tribe_open_roles_embedding_idx;
DROP INDEX IF EXISTS tribes_embedding_idx;
ALTER TABLE tribe_open_roles DROP COLUMN IF EXISTS embedding_model, DROP COLUMN IF EXISTS embedding;
ALTER TABLE tribes DROP COLUMN IF EXISTS embedding_model, DROP COLUMN IF EXISTS embedding;
ALTER TABLE projects DROP COLUMN IF EXISTS embedding_model;
ALTER TABLE users DROP COLUMN IF EXISTS embedding_model;
ALTER TABLE users DROP COLUMN IF EXISTS discoverable;

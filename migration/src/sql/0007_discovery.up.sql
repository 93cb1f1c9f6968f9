-- Discovery (issue 10): embeddings that record their model, for builders, projects, tribes and
-- open roles; a jobs table that marks rows stale in the same transaction as the change; the
-- builder's `discoverable` switch; one SQL function that says when a skill or tech entry matches
-- a search.

-- A builder can leave discovery (search, candidates, suggestions, similar builders).
ALTER TABLE users ADD COLUMN discoverable boolean NOT NULL DEFAULT true;

-- Every vector records the model that produced it: vectors of two models are never compared.
-- A row whose model is set and whose embedding is NULL was embedded and had no text to embed.
ALTER TABLE users ADD COLUMN embedding_model varchar(100);
ALTER TABLE projects ADD COLUMN embedding_model varchar(100);
ALTER TABLE tribes ADD COLUMN embedding vector(1536), ADD COLUMN embedding_model varchar(100);
ALTER TABLE tribe_open_roles ADD COLUMN embedding vector(1536),
    ADD COLUMN embedding_model varchar(100);
CREATE INDEX tribes_embedding_idx ON tribes USING hnsw (embedding vector_cosine_ops);
CREATE INDEX tribe_open_roles_embedding_idx ON tribe_open_roles
    USING hnsw (embedding vector_cosine_ops);
-- No index on embedding_model: "rows of another model" is a rare full scan (a model change), and
-- such an index tempts the planner away from HNSW for `embedding_model = $m ORDER BY <=>`
-- (measured: a 20,000-project search read every vector instead of the index).

-- Embeddings are derived data: writing one is not an edit of the row, so updated_at stays.
CREATE OR REPLACE FUNCTION set_updated_at() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF to_jsonb(NEW) - 'updated_at' - 'search_vector' - 'embedding' - 'embedding_model'
       IS DISTINCT FROM to_jsonb(OLD) - 'updated_at' - 'search_vector' - 'embedding' - 'embedding_model' THEN
        NEW.updated_at := now();
    END IF;
    RETURN NEW;
END;
$$;

-- One row per stale target: a change inserts it (or bumps its version) in the writer's own
-- transaction, so no change is lost and no write waits for a model. Workers lease jobs
-- (FOR UPDATE SKIP LOCKED, then `leased_until`), embed outside any transaction, and delete a job
-- only if its version is still the one they embedded: an edit made meanwhile runs again.
CREATE TABLE embedding_jobs (
    target_type  varchar(10) NOT NULL,
    target_id    varchar(26) COLLATE "C" NOT NULL,
    version      bigint NOT NULL DEFAULT 1,
    attempts     integer NOT NULL DEFAULT 0,
    run_after    timestamptz NOT NULL DEFAULT now(),
    leased_until timestamptz,
    last_error   text,
    enqueued_at  timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (target_type, target_id),
    CONSTRAINT embedding_jobs_target_type_check
        CHECK (target_type IN ('user', 'project', 'tribe', 'open_role'))
);
CREATE INDEX embedding_jobs_run_after_idx ON embedding_jobs (run_after);

CREATE FUNCTION enqueue_embedding(kind text, id text) RETURNS void LANGUAGE sql AS $$
    INSERT INTO embedding_jobs (target_type, target_id) VALUES (kind, id)
    ON CONFLICT (target_type, target_id) DO UPDATE
        SET version = embedding_jobs.version + 1, run_after = now(), attempts = 0,
            last_error = NULL;
$$;

-- Triggers rather than calls in each writer: every writer (the API, the seed, a hand-written
-- UPDATE) marks the row stale, and none can forget to. Each fires only when an embedded field
-- really changed.
CREATE FUNCTION users_embedding_stale() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'INSERT' OR NEW.headline IS DISTINCT FROM OLD.headline
       OR NEW.bio IS DISTINCT FROM OLD.bio OR NEW.primary_role IS DISTINCT FROM OLD.primary_role THEN
        PERFORM enqueue_embedding('user', NEW.id);
    END IF;
    RETURN NULL;
END;
$$;
CREATE TRIGGER users_embedding_stale AFTER INSERT OR UPDATE ON users
    FOR EACH ROW EXECUTE FUNCTION users_embedding_stale();

-- A builder's skills are part of their text. Skills removed by the account's deletion enqueue
-- nothing (the builder is already gone).
CREATE FUNCTION user_skills_embedding_stale() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    target text := CASE WHEN TG_OP = 'DELETE' THEN OLD.user_id ELSE NEW.user_id END;
BEGIN
    IF EXISTS (SELECT 1 FROM users WHERE id = target) THEN
        PERFORM enqueue_embedding('user', target);
    END IF;
    RETURN NULL;
END;
$$;
CREATE TRIGGER user_skills_embedding_stale AFTER INSERT OR DELETE ON user_skills
    FOR EACH ROW EXECUTE FUNCTION user_skills_embedding_stale();

CREATE FUNCTION projects_embedding_stale() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'INSERT' OR NEW.title IS DISTINCT FROM OLD.title
       OR NEW.description IS DISTINCT FROM OLD.description
       OR NEW.tech_stack IS DISTINCT FROM OLD.tech_stack THEN
        PERFORM enqueue_embedding('project', NEW.id);
    END IF;
    RETURN NULL;
END;
$$;
CREATE TRIGGER projects_embedding_stale AFTER INSERT OR UPDATE ON projects
    FOR EACH ROW EXECUTE FUNCTION projects_embedding_stale();

CREATE FUNCTION tribes_embedding_stale() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'INSERT' OR NEW.name IS DISTINCT FROM OLD.name
       OR NEW.mission IS DISTINCT FROM OLD.mission THEN
        PERFORM enqueue_embedding('tribe', NEW.id);
    END IF;
    RETURN NULL;
END;
$$;
CREATE TRIGGER tribes_embedding_stale AFTER INSERT OR UPDATE ON tribes
    FOR EACH ROW EXECUTE FUNCTION tribes_embedding_stale();

CREATE FUNCTION open_roles_embedding_stale() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'INSERT' OR NEW.title IS DISTINCT FROM OLD.title
       OR NEW.skills_needed IS DISTINCT FROM OLD.skills_needed THEN
        PERFORM enqueue_embedding('open_role', NEW.id);
    END IF;
    RETURN NULL;
END;
$$;
CREATE TRIGGER tribe_open_roles_embedding_stale AFTER INSERT OR UPDATE ON tribe_open_roles
    FOR EACH ROW EXECUTE FUNCTION open_roles_embedding_stale();

-- Rows that exist before this migration are stale from the start.
INSERT INTO embedding_jobs (target_type, target_id) SELECT 'user', id FROM users;
INSERT INTO embedding_jobs (target_type, target_id) SELECT 'project', id FROM projects;
INSERT INTO embedding_jobs (target_type, target_id) SELECT 'tribe', id FROM tribes;
INSERT INTO embedding_jobs (target_type, target_id) SELECT 'open_role', id FROM tribe_open_roles;

-- When a skill or tech-stack entry ("Kubernetes", "Next.js", "User Research") matches a search:
-- the search matches it as a document, or the query names every word of it, or (while typing)
-- one of its words starts with the query's last, unfinished word. `words` are the lexemes of the
-- query's wanted words, `prefix` the stem of the last word (NULL when it is finished).
-- One definition for the ranking and for the reasons a hit shows.
CREATE FUNCTION discovery_entry_matches(entry text, query tsquery, words text[], prefix text)
RETURNS boolean LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT to_tsvector('english', entry) @@ query
        OR (cardinality(words) > 0
            AND tsvector_to_array(to_tsvector('english', entry)) <@ words
            AND length(to_tsvector('english', entry)) > 0)
        OR (prefix IS NOT NULL AND EXISTS (
                SELECT 1 FROM unnest(tsvector_to_array(to_tsvector('english', entry))) AS w
                WHERE starts_with(w, prefix)));
$$;

-- The tsquery of a search: `websearch_to_tsquery` of the whole text (phrases, `or`,
-- `-exclusion`; it never fails), or that text with its last word taken as a prefix while the
-- user is still typing it (`prefix` holds only letters and digits: the application checks, so
-- no operator can reach `to_tsquery`).
CREATE FUNCTION discovery_tsquery(full_text text, head text, prefix text)
RETURNS tsquery LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT CASE WHEN prefix IS NULL THEN websearch_to_tsquery('english', full_text)
                ELSE websearch_to_tsquery('english', full_text)
                     || (websearch_to_tsquery('english', head)
                         && to_tsquery('english', prefix || ':*'))
           END;
$$;

-- The stem a prefix is matched by (NULL for none, or for a stop word).
CREATE FUNCTION discovery_prefix(prefix text) RETURNS text
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT (tsvector_to_array(to_tsvector('english', coalesce(prefix, ''))))[1];
$$;

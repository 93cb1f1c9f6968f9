-- Discovery, faster: see docs/benchmarks.md, "Discovery".

-- The builders who left discovery are few: search hashes their ids once and checks every
-- candidate project against them, instead of joining each match with its owner.
CREATE INDEX users_hidden_idx ON users (id) WHERE NOT discoverable;

-- A skill's words, stemmed once when it is written rather than in every search.
ALTER TABLE skills
    ADD COLUMN lexemes tsvector GENERATED ALWAYS AS (to_tsvector('english', name)) STORED;

-- `discovery_entry_matches` for words already stemmed (`to_tsvector`): the entry's words match
-- the query, or all of them are among the wanted words, or one starts with the prefix.
CREATE FUNCTION discovery_lexemes_match(entry tsvector, query tsquery, words text[], prefix text)
RETURNS boolean LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT entry @@ query
        OR (cardinality(words) > 0 AND length(entry) > 0 AND tsvector_to_array(entry) <@ words)
        OR (prefix IS NOT NULL AND EXISTS (
                SELECT 1 FROM unnest(tsvector_to_array(entry)) AS w WHERE starts_with(w, prefix)));
$$;

CREATE OR REPLACE FUNCTION discovery_entry_matches(entry text, query tsquery, words text[], prefix text)
RETURNS boolean LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT discovery_lexemes_match(to_tsvector('english', entry), query, words, prefix);
$$;

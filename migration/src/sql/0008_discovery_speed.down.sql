CREATE OR REPLACE FUNCTION discovery_entry_matches(entry text, query tsquery, words text[], prefix text)
RETURNS boolean LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT to_tsvector('english', entry) @@ query
        OR (cardinality(words) > 0
            AND tsvector_to_array(to_tsvector('english', entry)) <@ words
            AND length(to_tsvector('english', entry)) > 0)
        OR (prefix IS NOT NULL AND EXISTS (
                SELECT 1 FROM unnest(tsvector_to_array(to_tsvector('english', entry))) AS w
                WHERE starts_with(w, prefix)));
$$;

DROP FUNCTION discovery_lexemes_match(tsvector, tsquery, text[], text);
ALTER TABLE skills DROP COLUMN lexemes;
DROP INDEX users_hidden_idx;

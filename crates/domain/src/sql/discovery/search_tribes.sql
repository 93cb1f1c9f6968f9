-- Tribes matching a search, with the evidence of each list they are in (the caller fuses the
-- lists of every kind by Reciprocal Rank Fusion, `discovery::search::fuse`): full text (rank over
-- name A, mission B; whether the name matched), nearest vectors (similarity), and how many skills
-- their unfilled open roles need that match.
-- $1 text, $2 text before the last word, $3 last word as a prefix (or NULL), $4 wanted words,
-- $5 query vector (or NULL), $6 model id, $7 statuses (NULL for any), $8 has an open role
-- (NULL for either), $9 the length of each list, $10 the least
-- similarity of a semantic match, $11 the excluded words ("a or b", or empty).
WITH q AS MATERIALIZED (
    SELECT discovery_tsquery($1, $2, $3) AS tsq,
           CASE WHEN $11 <> '' THEN websearch_to_tsquery('english', $11) END AS excluded,
           tsvector_to_array(to_tsvector('english', $4)) AS words,
           discovery_prefix($3) AS prefix
),
text_hits AS (
    SELECT t.id, ts_rank_cd(t.search_vector, q.tsq) AS text_rank,
           ts_filter(t.search_vector, '{a}') @@ q.tsq AS name_match
    FROM tribes t, q
    WHERE t.search_vector @@ q.tsq
      AND ($7::text[] IS NULL OR t.status::text = ANY($7))
      AND ($8::boolean IS NULL OR $8 = EXISTS (
          SELECT 1 FROM tribe_open_roles r WHERE r.tribe_id = t.id AND NOT r.filled))
    ORDER BY text_rank DESC, t.id
    LIMIT $9
),
nearest AS MATERIALIZED (
    SELECT t.id, t.embedding <=> $5::vector AS distance
    FROM tribes t
    WHERE $5::vector IS NOT NULL AND t.embedding_model = $6
      AND ($7::text[] IS NULL OR t.status::text = ANY($7))
      AND ($8::boolean IS NULL OR $8 = EXISTS (
          SELECT 1 FROM tribe_open_roles r WHERE r.tribe_id = t.id AND NOT r.filled))
    ORDER BY t.embedding <=> $5::vector
    LIMIT $9
),
semantic_hits AS (
    SELECT n.id, 1 - n.distance AS similarity
    FROM nearest n, q
    WHERE numnode(q.tsq) > 0 AND 1 - n.distance >= $10
),
found AS MATERIALIZED (
    SELECT id, t.text_rank, t.name_match, k.similarity
    FROM text_hits t
    FULL JOIN semantic_hits k USING (id)
    JOIN tribes tr USING (id)
    CROSS JOIN q
    -- Rows found by meaning honour the search's exclusions too.
    WHERE q.excluded IS NULL OR numnode(q.excluded) = 0 OR NOT tr.search_vector @@ q.excluded
),
-- The skills the found tribes' unfilled open roles need, and which of them match: each distinct
-- entry is matched once (matching stems its words), not once per role that names it.
entries AS MATERIALIZED (
    SELECT DISTINCT r.tribe_id AS id, lower(e) AS entry
    FROM tribe_open_roles r, jsonb_array_elements_text(r.skills_needed) e
    WHERE r.tribe_id IN (SELECT id FROM found) AND NOT r.filled
),
matching AS MATERIALIZED (
    SELECT d.entry
    FROM (SELECT DISTINCT entry FROM entries) d, q
    WHERE discovery_entry_matches(d.entry, q.tsq, q.words, q.prefix)
),
counts AS (
    SELECT e.id, count(*) AS matched
    FROM entries e JOIN matching m USING (entry)
    GROUP BY e.id
)
SELECT f.id, f.text_rank::float8 AS text_rank, coalesce(f.name_match, false) AS name_match,
       coalesce(c.matched, 0) AS skill_matches, f.similarity::float8 AS similarity
FROM found f
LEFT JOIN counts c USING (id)

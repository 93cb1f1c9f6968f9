-- Projects matching a search, with the evidence of each list they are in (the caller fuses the
-- lists of every kind by Reciprocal Rank Fusion, `discovery::search::fuse`): full text (rank over
-- title A, tech stack B, description C; whether the title matched), nearest vectors (similarity),
-- and how many tech-stack entries match.
-- $1 text, $2 text before the last word, $3 last word as a prefix (or NULL), $4 wanted words,
-- $5 query vector (or NULL), $6 model id, $7 statuses, $8 tech entries (all of them,
-- case-insensitive; each filter NULL for none), $9 the length of each list, $10 the least
-- similarity of a semantic match, $11 the excluded words ("a or b", or empty).
WITH q AS MATERIALIZED (
    SELECT discovery_tsquery($1, $2, $3) AS tsq,
           CASE WHEN $11 <> '' THEN websearch_to_tsquery('english', $11) END AS excluded,
           tsvector_to_array(to_tsvector('english', $4)) AS words,
           discovery_prefix($3) AS prefix
),
-- The builders who left discovery: few, so their ids are hashed once and every candidate
-- project is checked against them (a join with its owner per match is what would cost).
hidden AS MATERIALIZED (
    SELECT id FROM users WHERE NOT discoverable
),
text_hits AS (
    SELECT p.id, ts_rank_cd(p.search_vector, q.tsq) AS text_rank,
           ts_filter(p.search_vector, '{a}') @@ q.tsq AS name_match
    FROM projects p, q
    WHERE p.search_vector @@ q.tsq AND p.owner_id NOT IN (SELECT id FROM hidden)
      AND ($7::text[] IS NULL OR p.status::text = ANY($7))
      AND ($8::text[] IS NULL OR cardinality($8) = (
          SELECT count(DISTINCT lower(e)) FROM jsonb_array_elements_text(p.tech_stack) e
          WHERE lower(e) = ANY($8)))
    ORDER BY text_rank DESC, p.id
    LIMIT $9
),
nearest AS MATERIALIZED (
    SELECT p.id, p.embedding <=> $5::vector AS distance
    FROM projects p
    WHERE $5::vector IS NOT NULL AND p.embedding_model = $6
      AND p.owner_id NOT IN (SELECT id FROM hidden)
      AND ($7::text[] IS NULL OR p.status::text = ANY($7))
      AND ($8::text[] IS NULL OR cardinality($8) = (
          SELECT count(DISTINCT lower(e)) FROM jsonb_array_elements_text(p.tech_stack) e
          WHERE lower(e) = ANY($8)))
    ORDER BY p.embedding <=> $5::vector
    LIMIT $9
),
semantic_hits AS (
    SELECT n.id, 1 - n.distance AS similarity
    FROM nearest n, q
    WHERE numnode(q.tsq) > 0 AND 1 - n.distance >= $10
),
found AS MATERIALIZED (
    SELECT id, t.text_rank, t.name_match, k.similarity, p.tech_stack
    FROM text_hits t
    FULL JOIN semantic_hits k USING (id)
    JOIN projects p USING (id)
    CROSS JOIN q
    -- Rows found by meaning honour the search's exclusions too.
    WHERE q.excluded IS NULL OR numnode(q.excluded) = 0 OR NOT p.search_vector @@ q.excluded
),
-- The found projects' tech entries, and which of them match: each distinct entry is matched
-- once (matching stems its words), not once per project that names it.
entries AS MATERIALIZED (
    SELECT f.id, lower(e) AS entry FROM found f, jsonb_array_elements_text(f.tech_stack) e
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

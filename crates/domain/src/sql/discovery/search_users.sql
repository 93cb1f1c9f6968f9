-- Builders matching a search, with the evidence of each list they are in (the caller fuses the
-- lists of every kind by Reciprocal Rank Fusion, `discovery::search::fuse`): full text (rank,
-- and whether the name matched), skills (how many match) and nearest vectors (similarity).
-- $1 text, $2 text before the last word, $3 last word as a prefix (or NULL), $4 wanted words,
-- $5 query vector (or NULL), $6 model id, $7 roles, $8 availabilities, $9 skill slugs (all of
-- them; each filter NULL for none), $10 the length of each list, $11 the least similarity of a
-- semantic match, $12 the excluded words ("a or b", or empty).
WITH q AS MATERIALIZED (
    SELECT discovery_tsquery($1, $2, $3) AS tsq,
           websearch_to_tsquery('english', $12) AS excluded,
           tsvector_to_array(to_tsvector('english', $4)) AS words,
           discovery_prefix($3) AS prefix
),
eligible_skills AS MATERIALIZED (
    SELECT s.id FROM skills s, q
    WHERE numnode(q.tsq) > 0 AND discovery_entry_matches(s.name, q.tsq, q.words, q.prefix)
),
text_hits AS (
    SELECT u.id, ts_rank_cd(u.search_vector, q.tsq) AS text_rank,
           ts_filter(u.search_vector, '{a}') @@ q.tsq AS name_match
    FROM users u, q
    WHERE u.search_vector @@ q.tsq AND u.discoverable
      AND ($7::text[] IS NULL OR u.primary_role::text = ANY($7))
      AND ($8::text[] IS NULL OR u.availability_status::text = ANY($8))
      AND ($9::text[] IS NULL OR cardinality($9) = (
          SELECT count(*) FROM user_skills us JOIN skills s ON s.id = us.skill_id
          WHERE us.user_id = u.id AND s.slug = ANY($9)))
    ORDER BY text_rank DESC, u.id
    LIMIT $10
),
-- The builders with the most matching skills. Counted from user_skills alone; without filters
-- only the first 4 × $10 by count are checked against users (discoverable), which spares a join
-- with every builder for a popular skill; with filters every one is checked.
skill_counts AS (
    SELECT us.user_id AS id, count(*) AS matched
    FROM eligible_skills es
    JOIN user_skills us ON us.skill_id = es.id
    GROUP BY us.user_id
    ORDER BY count(*) DESC, us.user_id
    LIMIT CASE WHEN $7::text[] IS NULL AND $8::text[] IS NULL AND $9::text[] IS NULL
               THEN 4 * $10 END
),
skill_hits AS (
    SELECT c.id, c.matched
    FROM skill_counts c
    JOIN users u ON u.id = c.id
    WHERE u.discoverable
      AND ($7::text[] IS NULL OR u.primary_role::text = ANY($7))
      AND ($8::text[] IS NULL OR u.availability_status::text = ANY($8))
      AND ($9::text[] IS NULL OR cardinality($9) = (
          SELECT count(*) FROM user_skills us2 JOIN skills s ON s.id = us2.skill_id
          WHERE us2.user_id = u.id AND s.slug = ANY($9)))
    ORDER BY c.matched DESC, c.id
    LIMIT $10
),
-- Nearest vectors: kept to the index scan alone (no join, no window function at this level), so
-- the planner uses HNSW; the iterative scan (set by the caller) goes on past filtered-out rows.
nearest AS MATERIALIZED (
    SELECT u.id, u.embedding <=> $5::vector AS distance
    FROM users u
    WHERE $5::vector IS NOT NULL AND u.embedding_model = $6 AND u.discoverable
      AND ($7::text[] IS NULL OR u.primary_role::text = ANY($7))
      AND ($8::text[] IS NULL OR u.availability_status::text = ANY($8))
      AND ($9::text[] IS NULL OR cardinality($9) = (
          SELECT count(*) FROM user_skills us JOIN skills s ON s.id = us.skill_id
          WHERE us.user_id = u.id AND s.slug = ANY($9)))
    ORDER BY u.embedding <=> $5::vector
    LIMIT $10
),
semantic_hits AS (
    SELECT n.id, 1 - n.distance AS similarity
    FROM nearest n, q
    WHERE numnode(q.tsq) > 0 AND 1 - n.distance >= $11
)
SELECT id, t.text_rank::float8 AS text_rank, coalesce(t.name_match, false) AS name_match,
       s.matched AS skill_matches, k.similarity::float8 AS similarity
FROM text_hits t
FULL JOIN skill_hits s USING (id)
FULL JOIN semantic_hits k USING (id) AS hit
-- Rows found by skill or meaning honour the search's exclusions too ("python -tensorflow").
WHERE NOT EXISTS (
    SELECT 1 FROM users u, q
    WHERE u.id = hit.id AND numnode(q.excluded) > 0
      AND (u.search_vector @@ q.excluded
           OR EXISTS (SELECT 1 FROM user_skills us JOIN skills s ON s.id = us.skill_id
                      WHERE us.user_id = u.id AND to_tsvector('english', s.name) @@ q.excluded))
)

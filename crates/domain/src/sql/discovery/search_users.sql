-- Builders matching a search, with the evidence of each list they are in (the caller fuses the
-- lists of every kind by Reciprocal Rank Fusion, `discovery::search::fuse`): full text (rank,
-- and whether the name matched), skills (how many match) and nearest vectors (similarity).
-- $1 text, $2 text before the last word, $3 last word as a prefix (or NULL), $4 wanted words,
-- $5 query vector (or NULL), $6 model id, $7 roles, $8 availabilities, $9 skill slugs (all of
-- them; each filter NULL for none), $10 the length of each list, $11 the least similarity of a
-- semantic match, $12 the excluded words ("a or b", or empty).
WITH q AS MATERIALIZED (
    SELECT discovery_tsquery($1, $2, $3) AS tsq,
           CASE WHEN $12 <> '' THEN websearch_to_tsquery('english', $12) END AS excluded,
           tsvector_to_array(to_tsvector('english', $4)) AS words,
           discovery_prefix($3) AS prefix
),
eligible_skills AS MATERIALIZED (
    SELECT s.id FROM skills s, q
    WHERE numnode(q.tsq) > 0 AND discovery_lexemes_match(s.lexemes, q.tsq, q.words, q.prefix)
),
-- The builders with every skill of the filter, hashed once: checking each candidate with a
-- count of its skills is what would cost.
with_skills AS MATERIALIZED (
    SELECT us.user_id AS id
    FROM skills s JOIN user_skills us ON us.skill_id = s.id
    WHERE $9::text[] IS NOT NULL AND s.slug = ANY($9)
    GROUP BY us.user_id
    HAVING count(*) = cardinality($9)
),
text_hits AS (
    SELECT u.id, ts_rank_cd(u.search_vector, q.tsq) AS text_rank,
           ts_filter(u.search_vector, '{a}') @@ q.tsq AS name_match
    FROM users u, q
    WHERE u.search_vector @@ q.tsq AND u.discoverable
      AND ($7::text[] IS NULL OR u.primary_role::text = ANY($7))
      AND ($8::text[] IS NULL OR u.availability_status::text = ANY($8))
      AND ($9::text[] IS NULL OR u.id IN (SELECT id FROM with_skills))
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
    WHERE $9::text[] IS NULL OR us.user_id IN (SELECT id FROM with_skills)
    GROUP BY us.user_id
    ORDER BY count(*) DESC, us.user_id
    LIMIT CASE WHEN $7::text[] IS NULL AND $8::text[] IS NULL THEN 4 * $10 END
),
-- Each counted builder checked by primary key, as a scalar subquery so that the planner cannot
-- turn it into a join that reads every builder.
skill_hits AS (
    SELECT c.id, c.matched
    FROM skill_counts c
    WHERE (SELECT u.discoverable
                  AND ($7::text[] IS NULL OR u.primary_role::text = ANY($7))
                  AND ($8::text[] IS NULL OR u.availability_status::text = ANY($8))
           FROM users u WHERE u.id = c.id)
    ORDER BY c.matched DESC, c.id
    LIMIT $10
),
-- Nearest vectors. When the skill filter leaves few builders, exactly: their distances computed
-- and sorted (the `+ 0` keeps the index out), which beats an index scan that would have to walk
-- past thousands of filtered-out rows. Otherwise the HNSW index alone (no join, no window
-- function at this level, so the planner keeps it); its iterative scan (set by the caller) goes
-- on past filtered-out rows.
few_with_skills AS MATERIALIZED (
    SELECT $9::text[] IS NOT NULL AND (SELECT count(*) FROM with_skills) <= 5000 AS exact
),
nearest_exact AS MATERIALIZED (
    SELECT u.id, u.embedding <=> $5::vector AS distance
    FROM users u
    WHERE (SELECT exact FROM few_with_skills) AND $5::vector IS NOT NULL
      AND u.id IN (SELECT id FROM with_skills)
      AND u.embedding_model = $6 AND u.discoverable
      AND ($7::text[] IS NULL OR u.primary_role::text = ANY($7))
      AND ($8::text[] IS NULL OR u.availability_status::text = ANY($8))
    ORDER BY (u.embedding <=> $5::vector) + 0, u.id
    LIMIT $10
),
nearest_indexed AS MATERIALIZED (
    SELECT u.id, u.embedding <=> $5::vector AS distance
    FROM users u
    WHERE NOT (SELECT exact FROM few_with_skills) AND $5::vector IS NOT NULL
      AND u.embedding_model = $6 AND u.discoverable
      AND ($7::text[] IS NULL OR u.primary_role::text = ANY($7))
      AND ($8::text[] IS NULL OR u.availability_status::text = ANY($8))
      AND ($9::text[] IS NULL OR u.id IN (SELECT id FROM with_skills))
    ORDER BY u.embedding <=> $5::vector
    LIMIT $10
),
semantic_hits AS (
    SELECT n.id, 1 - n.distance AS similarity
    FROM (SELECT * FROM nearest_exact UNION ALL SELECT * FROM nearest_indexed) n, q
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
                      WHERE us.user_id = u.id AND s.lexemes @@ q.excluded))
)

-- Tribes matching a search (name, mission), fused from full text and nearest vectors by
-- Reciprocal Rank Fusion; a tribe with an open role needing what was searched gains one more
-- first place.
-- $1 text, $2 text before the last word, $3 last word as a prefix (or NULL), $4 wanted words,
-- $5 query vector (or NULL), $6 model id, $7 statuses (NULL for any), $8 has an open role
-- (NULL for either), $9 the length of each list, $10 the least similarity of a semantic match.
--
WITH q AS MATERIALIZED (
    SELECT discovery_tsquery($1, $2, $3) AS tsq,
           tsvector_to_array(to_tsvector('english', $4)) AS words,
           discovery_prefix($3) AS prefix
),
text_hits AS (
    SELECT t.id,
           row_number() OVER (ORDER BY ts_rank_cd(t.search_vector, q.tsq) DESC, t.id) AS position
    FROM tribes t, q
    WHERE t.search_vector @@ q.tsq
      AND ($7::text[] IS NULL OR t.status::text = ANY($7))
      AND ($8::boolean IS NULL OR $8 = EXISTS (
          SELECT 1 FROM tribe_open_roles r WHERE r.tribe_id = t.id AND NOT r.filled))
    ORDER BY position
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
    SELECT n.id, n.distance, row_number() OVER (ORDER BY n.distance, n.id) AS position
    FROM nearest n, q
    WHERE numnode(q.tsq) > 0 AND 1 - n.distance >= $10
),
fused AS (
    SELECT id, t.position AS text_position, k.position AS semantic_position, k.distance
    FROM text_hits t FULL JOIN semantic_hits k USING (id)
)
SELECT f.id,
       (coalesce(1.0 / (60 + f.text_position), 0) + coalesce(1.0 / (60 + f.semantic_position), 0)
        + CASE WHEN roles.matched THEN 1.0 / 61 ELSE 0 END)::float8 AS score,
       (f.text_position IS NOT NULL) AS by_text,
       roles.matched AS by_skill,
       (1 - f.distance)::float8 AS similarity
FROM fused f
CROSS JOIN q
CROSS JOIN LATERAL (
    SELECT EXISTS (SELECT 1 FROM tribe_open_roles r, jsonb_array_elements_text(r.skills_needed) e
                   WHERE r.tribe_id = f.id AND NOT r.filled
                     AND discovery_entry_matches(e, q.tsq, q.words, q.prefix)) AS matched
) roles
ORDER BY score DESC, f.id

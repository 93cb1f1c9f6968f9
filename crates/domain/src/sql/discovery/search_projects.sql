-- Projects matching a search, fused from two ranked lists (full text, which includes the tech
-- stack at weight B, and nearest vectors) by Reciprocal Rank Fusion; a project whose tech stack
-- names what was searched gains one more first place.
-- $1 text, $2 text before the last word, $3 last word as a prefix (or NULL), $4 wanted words,
-- $5 query vector (or NULL), $6 model id, $7 statuses, $8 tech entries (all of them,
-- case-insensitive; each filter NULL for none), $9 the length of each list, $10 the least
-- similarity of a semantic match.
WITH q AS MATERIALIZED (
    SELECT discovery_tsquery($1, $2, $3) AS tsq,
           tsvector_to_array(to_tsvector('english', $4)) AS words,
           discovery_prefix($3) AS prefix
),
text_hits AS (
    SELECT p.id,
           row_number() OVER (ORDER BY ts_rank_cd(p.search_vector, q.tsq) DESC, p.id) AS position
    FROM projects p
    JOIN users o ON o.id = p.owner_id, q
    WHERE p.search_vector @@ q.tsq AND o.discoverable
      AND ($7::text[] IS NULL OR p.status::text = ANY($7))
      AND ($8::text[] IS NULL OR cardinality($8) = (
          SELECT count(DISTINCT lower(e)) FROM jsonb_array_elements_text(p.tech_stack) e
          WHERE lower(e) = ANY($8)))
    ORDER BY position
    LIMIT $9
),
nearest AS MATERIALIZED (
    SELECT p.id, p.embedding <=> $5::vector AS distance
    FROM projects p
    WHERE $5::vector IS NOT NULL AND p.embedding_model = $6
      AND EXISTS (SELECT 1 FROM users o WHERE o.id = p.owner_id AND o.discoverable)
      AND ($7::text[] IS NULL OR p.status::text = ANY($7))
      AND ($8::text[] IS NULL OR cardinality($8) = (
          SELECT count(DISTINCT lower(e)) FROM jsonb_array_elements_text(p.tech_stack) e
          WHERE lower(e) = ANY($8)))
    ORDER BY p.embedding <=> $5::vector
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
        + CASE WHEN tech.matched THEN 1.0 / 61 ELSE 0 END)::float8 AS score,
       (f.text_position IS NOT NULL) AS by_text,
       tech.matched AS by_skill,
       (1 - f.distance)::float8 AS similarity
FROM fused f
JOIN projects p ON p.id = f.id
CROSS JOIN q
CROSS JOIN LATERAL (
    SELECT EXISTS (SELECT 1 FROM jsonb_array_elements_text(p.tech_stack) e
                   WHERE discovery_entry_matches(e, q.tsq, q.words, q.prefix)) AS matched
) tech
ORDER BY score DESC, f.id

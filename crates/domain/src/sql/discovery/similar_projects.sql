-- The projects nearest a project in meaning (same model), with the tech they share
-- (case-insensitive). Projects of builders who left discovery are left out.
-- $1 the project's id, $2 the model id, $3 how many.
WITH me AS MATERIALIZED (
    SELECT p.embedding, p.tech_stack FROM projects p WHERE p.id = $1 AND p.embedding_model = $2
),
nearest AS MATERIALIZED (
    SELECT p.id, p.tech_stack, p.embedding <=> (SELECT embedding FROM me) AS distance
    FROM projects p
    WHERE p.embedding_model = $2 AND p.id <> $1
      AND EXISTS (SELECT 1 FROM users o WHERE o.id = p.owner_id AND o.discoverable)
      AND (SELECT embedding FROM me) IS NOT NULL
    ORDER BY p.embedding <=> (SELECT embedding FROM me)
    LIMIT $3
)
SELECT n.id, (1 - n.distance)::float8 AS similarity,
       coalesce((SELECT array_agg(e ORDER BY ord)
                 FROM jsonb_array_elements_text(n.tech_stack) WITH ORDINALITY AS t(e, ord)
                 WHERE lower(e) IN (SELECT lower(x)
                                    FROM me, jsonb_array_elements_text(me.tech_stack) x)), '{}')
           AS shared
FROM nearest n
ORDER BY n.distance, n.id

-- The builders nearest a builder in meaning (same model), with the skills they share.
-- $1 the builder's id, $2 the model id, $3 how many.
WITH me AS MATERIALIZED (
    SELECT u.embedding FROM users u WHERE u.id = $1 AND u.embedding_model = $2
),
nearest AS MATERIALIZED (
    SELECT u.id, u.embedding <=> (SELECT embedding FROM me) AS distance
    FROM users u
    WHERE u.embedding_model = $2 AND u.discoverable AND u.id <> $1
      AND (SELECT embedding FROM me) IS NOT NULL
    ORDER BY u.embedding <=> (SELECT embedding FROM me)
    LIMIT $3
)
SELECT n.id, (1 - n.distance)::float8 AS similarity,
       coalesce((SELECT array_agg(s.name ORDER BY s.name)
                 FROM user_skills a JOIN user_skills b ON b.skill_id = a.skill_id
                 JOIN skills s ON s.id = a.skill_id
                 WHERE a.user_id = n.id AND b.user_id = $1), '{}') AS shared
FROM nearest n
ORDER BY n.distance, n.id

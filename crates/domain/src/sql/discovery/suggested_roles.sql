-- Open roles that fit a builder, best first, with the reasons: unfilled roles of tribes that are
-- not closed and have room, that the builder does not belong to (nor has asked to join).
-- $1 the builder's id, $2 the model id, $3 how many to consider from each source.
--
-- Sources: the roles needing the most of the builder's skills, and the roles nearest the
-- builder's profile in meaning. Score (0..1), no engagement signal:
--   0.6 × the share of the role's needed skills the builder has
-- + 0.4 × the cosine similarity of profile and role (0 without vectors of this model).
WITH me AS MATERIALIZED (
    SELECT u.id,
           CASE WHEN u.embedding_model = $2 THEN u.embedding END AS embedding,
           ARRAY(SELECT lower(s.name) FROM user_skills us JOIN skills s ON s.id = us.skill_id
                 WHERE us.user_id = u.id
                 UNION
                 SELECT s.slug FROM user_skills us JOIN skills s ON s.id = us.skill_id
                 WHERE us.user_id = u.id) AS skills
    FROM users u
    WHERE u.id = $1
),
open_roles AS MATERIALIZED (
    SELECT r.id
    FROM tribe_open_roles r
    JOIN tribes t ON t.id = r.tribe_id
    WHERE NOT r.filled AND t.status <> 'alumni' AND t.owner_id <> $1
      AND (SELECT count(*) FROM tribe_members m
           WHERE m.tribe_id = t.id AND m.status = 'active') < t.max_members
      AND NOT EXISTS (SELECT 1 FROM tribe_members m
                      WHERE m.tribe_id = t.id AND m.user_id = $1
                        AND m.status IN ('active', 'pending'))
),
by_skills AS (
    SELECT r.id
    FROM tribe_open_roles r
    JOIN open_roles o ON o.id = r.id, me
    WHERE EXISTS (SELECT 1 FROM jsonb_array_elements_text(r.skills_needed) x
                  WHERE lower(x) = ANY(me.skills))
    ORDER BY (SELECT count(*) FROM jsonb_array_elements_text(r.skills_needed) x
              WHERE lower(x) = ANY(me.skills)) DESC, r.id
    LIMIT $3
),
nearest AS MATERIALIZED (
    SELECT r.id
    FROM tribe_open_roles r
    WHERE r.embedding_model = $2 AND NOT r.filled
      AND r.id IN (SELECT id FROM open_roles)
      AND (SELECT embedding FROM me) IS NOT NULL
    ORDER BY r.embedding <=> (SELECT embedding FROM me)
    LIMIT $3
),
scored AS (
    SELECT r.id,
           coalesce((SELECT array_agg(x ORDER BY ord)
                     FROM jsonb_array_elements_text(r.skills_needed) WITH ORDINALITY AS n(x, ord)
                     WHERE lower(x) = ANY(me.skills)), '{}') AS matched_skills,
           jsonb_array_length(r.skills_needed) AS needed,
           CASE WHEN r.embedding_model = $2 AND me.embedding IS NOT NULL
                THEN 1 - (r.embedding <=> me.embedding) END AS similarity
    FROM (SELECT id FROM by_skills UNION SELECT id FROM nearest) c
    JOIN tribe_open_roles r ON r.id = c.id, me
)
SELECT id, matched_skills, similarity::float8 AS similarity,
       (0.6 * cardinality(matched_skills)::float8 / greatest(needed, 1)
        + 0.4 * greatest(coalesce(similarity, 0), 0))::float8 AS score
FROM scored
ORDER BY score DESC, id

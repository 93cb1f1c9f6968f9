-- The builders who fit an open role, best first, with their reasons.
-- $1 the role's id, $2 the model id, $3 how many to consider from each source.
--
-- Candidates come from two sources: the builders who have the most of the skills the role needs
-- (then the available ones first), and the builders whose profile is nearest the role in meaning.
-- Current members, people with a pending request, the owner and builders who left discovery are
-- never candidates. The score (0..1) is explainable and uses no engagement signal:
--   0.5 × the share of the needed skills the builder has
-- + 0.35 × the cosine similarity of profile and role (0 when either has no vector of this model)
-- + 0.15 × availability (open to a tribe 1, available for projects 0.8, just browsing 0).
WITH role AS MATERIALIZED (
    SELECT r.id, r.tribe_id,
           CASE WHEN r.embedding_model = $2 THEN r.embedding END AS embedding,
           ARRAY(SELECT DISTINCT lower(x) FROM jsonb_array_elements_text(r.skills_needed) x)
               AS needed
    FROM tribe_open_roles r
    WHERE r.id = $1
),
excluded AS MATERIALIZED (
    SELECT m.user_id AS id FROM tribe_members m, role
    WHERE m.tribe_id = role.tribe_id AND m.status IN ('active', 'pending')
    UNION
    SELECT t.owner_id FROM tribes t, role WHERE t.id = role.tribe_id
),
-- The skills the role needs, found once (by name or slug).
needed_skills AS MATERIALIZED (
    SELECT s.id, s.name FROM skills s, role
    WHERE lower(s.name) = ANY(role.needed) OR s.slug = ANY(role.needed)
),
-- Counted from user_skills alone, then the first 4 × $3 by count checked against users (a
-- popular skill has thousands of holders; joining them all with users is what would cost).
skill_counts AS (
    SELECT us.user_id AS id, count(*) AS matched
    FROM needed_skills ns
    JOIN user_skills us ON us.skill_id = ns.id
    GROUP BY us.user_id
    ORDER BY count(*) DESC, us.user_id
    LIMIT 4 * $3
),
by_skills AS (
    SELECT c.id
    FROM skill_counts c
    JOIN users u ON u.id = c.id
    WHERE u.discoverable AND u.id NOT IN (SELECT id FROM excluded)
    ORDER BY c.matched DESC, u.availability_status, c.id
    LIMIT $3
),
nearest AS MATERIALIZED (
    SELECT u.id, u.embedding <=> (SELECT embedding FROM role) AS distance
    FROM users u
    WHERE u.embedding_model = $2 AND u.discoverable
      AND u.id NOT IN (SELECT id FROM excluded)
      AND (SELECT embedding FROM role) IS NOT NULL
    ORDER BY u.embedding <=> (SELECT embedding FROM role)
    LIMIT $3
),
-- Both sources, each builder once; the distance the index scan computed is kept (reading a
-- builder's vector again is what costs).
pool AS MATERIALIZED (
    SELECT id, distance FROM nearest
    UNION ALL
    SELECT id, NULL FROM by_skills WHERE id NOT IN (SELECT id FROM nearest)
),
scored AS MATERIALIZED (
    SELECT u.id, u.availability_status,
           -- Each needed skill looked up by the (user, skill) key: a few lookups per builder,
           -- not every skill of every builder matched by name.
           coalesce((SELECT array_agg(ns.name ORDER BY ns.name)
                     FROM needed_skills ns
                     WHERE EXISTS (SELECT 1 FROM user_skills us
                                   WHERE us.user_id = u.id AND us.skill_id = ns.id)), '{}')
               AS matched_skills,
           CASE WHEN c.distance IS NOT NULL THEN 1 - c.distance
                WHEN u.embedding_model = $2 AND role.embedding IS NOT NULL
                THEN 1 - (u.embedding <=> role.embedding) END AS similarity,
           cardinality(role.needed) AS needed
    FROM pool c
    JOIN users u ON u.id = c.id, role
)
SELECT id, availability_status::text AS availability, matched_skills,
       similarity::float8 AS similarity,
       (0.5 * cardinality(matched_skills)::float8 / greatest(needed, 1)
        + 0.35 * greatest(coalesce(similarity, 0), 0)
        + 0.15 * CASE availability_status WHEN 'open_to_tribe' THEN 1.0
                                          WHEN 'available_for_projects' THEN 0.8
                                          ELSE 0 END)::float8 AS score
FROM scored
ORDER BY score DESC, id

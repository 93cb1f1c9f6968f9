SELECT u.id, u.headline, u.primary_role::text AS primary_role, u.bio,
       coalesce((SELECT array_agg(s.name ORDER BY s.name)
                 FROM user_skills us JOIN skills s ON s.id = us.skill_id
                 WHERE us.user_id = u.id), '{}') AS skills
FROM users u
WHERE u.id = ANY($1)

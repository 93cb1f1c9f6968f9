SELECT r.id, r.title, r.skills_needed
FROM tribe_open_roles r
WHERE r.id = ANY($1)

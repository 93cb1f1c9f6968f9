SELECT p.id, p.title, p.description, p.tech_stack
FROM projects p
WHERE p.id = ANY($1)

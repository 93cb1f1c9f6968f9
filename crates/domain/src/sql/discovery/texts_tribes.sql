SELECT t.id, t.name, t.mission
FROM tribes t
WHERE t.id = ANY($1)

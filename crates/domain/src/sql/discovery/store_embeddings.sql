-- Writes vectors ($1 ids, $2 vectors as pgvector text, '' for a text with nothing to embed, stored as NULL) and
-- their model ($3) into __TABLE__.
UPDATE __TABLE__ AS t
SET embedding = nullif(d.embedding, '')::vector, embedding_model = $3
FROM unnest($1::text[], $2::text[]) AS d(id, embedding)
WHERE t.id = d.id

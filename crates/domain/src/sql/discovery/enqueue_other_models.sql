-- Makes every row not embedded by model $1 stale (after a model change, or rows never embedded);
-- jobs already queued stay as they are.
INSERT INTO embedding_jobs (target_type, target_id)
SELECT 'user', id FROM users WHERE embedding_model IS DISTINCT FROM $1
UNION ALL
SELECT 'project', id FROM projects WHERE embedding_model IS DISTINCT FROM $1
UNION ALL
SELECT 'tribe', id FROM tribes WHERE embedding_model IS DISTINCT FROM $1
UNION ALL
SELECT 'open_role', id FROM tribe_open_roles WHERE embedding_model IS DISTINCT FROM $1
ON CONFLICT (target_type, target_id) DO NOTHING

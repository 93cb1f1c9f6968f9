-- Leases up to $1 due jobs for $2 seconds; returns them with the version being embedded.
UPDATE embedding_jobs j
SET leased_until = now() + make_interval(secs => $2), attempts = j.attempts + 1
FROM (
    SELECT target_type, target_id
    FROM embedding_jobs
    WHERE run_after <= now() AND (leased_until IS NULL OR leased_until < now())
    ORDER BY run_after, target_type, target_id
    LIMIT $1
    FOR UPDATE SKIP LOCKED
) AS due
WHERE j.target_type = due.target_type AND j.target_id = due.target_id
RETURNING j.target_type, j.target_id, j.version, j.attempts

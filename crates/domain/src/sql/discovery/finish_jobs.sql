-- Ends the jobs whose version is still the one embedded ($1 kinds, $2 ids, $3 versions); the
-- others were changed meanwhile and lose their lease, to run again at once.
WITH done AS (
    SELECT d.target_type, d.target_id, d.version
    FROM unnest($1::text[], $2::text[], $3::bigint[]) AS d(target_type, target_id, version)
), deleted AS (
    DELETE FROM embedding_jobs j USING done
    WHERE j.target_type = done.target_type AND j.target_id = done.target_id
      AND j.version = done.version
    RETURNING j.target_type, j.target_id
)
UPDATE embedding_jobs j SET leased_until = NULL
FROM done
WHERE j.target_type = done.target_type AND j.target_id = done.target_id
  AND NOT EXISTS (SELECT 1 FROM deleted
                  WHERE deleted.target_type = j.target_type AND deleted.target_id = j.target_id)

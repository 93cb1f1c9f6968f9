-- Puts failed jobs ($1 kinds, $2 ids) back with a backoff of 2^attempts seconds (at most an hour)
-- and the error ($3) for operators.
UPDATE embedding_jobs j
SET leased_until = NULL,
    run_after = now() + make_interval(secs => least(3600, power(2, least(j.attempts, 12)))),
    last_error = $3
FROM unnest($1::text[], $2::text[]) AS f(target_type, target_id)
WHERE j.target_type = f.target_type AND j.target_id = f.target_id

-- What each found tribe matched: a snippet of its mission (or its name, when it has none) with
-- the matched words between U+E000 and U+E001, and the skills its open roles need that match.
-- Parameters as in details_users.sql.
WITH q AS MATERIALIZED (
    SELECT discovery_tsquery($2, $3, $4) AS tsq,
           tsvector_to_array(to_tsvector('english', $5)) AS words,
           discovery_prefix($4) AS prefix
)
SELECT t.id,
       ts_headline('english',
                   translate(coalesce(t.mission, t.name), E'\uE000\uE001', ''),
                   q.tsq,
                   'StartSel=' || E'\uE000' || ', StopSel=' || E'\uE001'
                   || ', MaxWords=24, MinWords=10, MaxFragments=2, FragmentDelimiter=" … "')
           AS snippet,
       coalesce((SELECT array_agg(DISTINCT e)
                 FROM tribe_open_roles r, jsonb_array_elements_text(r.skills_needed) e
                 WHERE r.tribe_id = t.id AND NOT r.filled
                   AND discovery_entry_matches(e, q.tsq, q.words, q.prefix)), '{}')
           AS matched
FROM tribes t, q
WHERE t.id = ANY($1)

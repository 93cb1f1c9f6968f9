-- What each found project matched: a snippet of its description (or its title, when it has none)
-- with the matched words between U+E000 and U+E001, and its tech-stack entries that match.
-- Parameters as in details_users.sql.
WITH q AS MATERIALIZED (
    SELECT discovery_tsquery($2, $3, $4) AS tsq,
           tsvector_to_array(to_tsvector('english', $5)) AS words,
           discovery_prefix($4) AS prefix
)
SELECT p.id,
       ts_headline('english',
                   translate(coalesce(p.description, p.title), E'\uE000\uE001', ''),
                   q.tsq,
                   'StartSel=' || E'\uE000' || ', StopSel=' || E'\uE001'
                   || ', MaxWords=24, MinWords=10, MaxFragments=2, FragmentDelimiter=" … "')
           AS snippet,
       coalesce((SELECT array_agg(e ORDER BY ord)
                 FROM jsonb_array_elements_text(p.tech_stack) WITH ORDINALITY AS t(e, ord)
                 WHERE discovery_entry_matches(e, q.tsq, q.words, q.prefix)), '{}')
           AS matched
FROM projects p, q
WHERE p.id = ANY($1)

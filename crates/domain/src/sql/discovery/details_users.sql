-- What each found builder matched: a snippet of their headline and bio with the matched words
-- between U+E000 and U+E001 (characters removed from the text first, so they mark only
-- matches), and their skills that match. $1 ids; $2–$4 as in search_users.sql ($1, $2, $3 there);
-- $5 the wanted words.
WITH q AS MATERIALIZED (
    SELECT discovery_tsquery($2, $3, $4) AS tsq,
           tsvector_to_array(to_tsvector('english', $5)) AS words,
           discovery_prefix($4) AS prefix
)
SELECT u.id,
       ts_headline('english',
                   translate(concat_ws(' — ', u.headline, u.bio), E'\uE000\uE001', ''),
                   q.tsq,
                   'StartSel=' || E'\uE000' || ', StopSel=' || E'\uE001'
                   || ', MaxWords=24, MinWords=10, MaxFragments=2, FragmentDelimiter=" … "')
           AS snippet,
       coalesce((SELECT array_agg(s.name ORDER BY s.name)
                 FROM user_skills us JOIN skills s ON s.id = us.skill_id
                 WHERE us.user_id = u.id
                   AND discovery_entry_matches(s.name, q.tsq, q.words, q.prefix)), '{}')
           AS matched
FROM users u, q
WHERE u.id = ANY($1)

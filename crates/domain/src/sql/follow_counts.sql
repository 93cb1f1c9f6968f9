SELECT k.id,
       (SELECT count(*) FROM follows f WHERE f.followee_id = k.id) AS followers,
       (SELECT count(*) FROM follows f WHERE f.follower_id = k.id) AS following
FROM unnest($1::text[]) AS k(id)

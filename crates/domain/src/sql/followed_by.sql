SELECT followee_id
FROM follows
WHERE follower_id = $1 AND followee_id = ANY($2)

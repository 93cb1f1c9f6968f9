-- A user's followers and followings are listed newest follow first, keyset-paginated on
-- (created_at, other user's id); these indexes make each page a short range scan.
CREATE INDEX follows_followee_recent_idx ON follows (followee_id, created_at DESC, follower_id DESC);
CREATE INDEX follows_follower_recent_idx ON follows (follower_id, created_at DESC, followee_id DESC);
-- The primary key (follower_id, followee_id) and follows_followee_id_idx still answer
-- "does A follow B" and the counts.

DROP INDEX IF EXISTS follows_follower_recent_idx;
DROP INDEX IF EXISTS follows_followee_recent_idx;

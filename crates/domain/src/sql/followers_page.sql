SELECT f.created_at AS followed_at,
       u.id, u.email, u.password_hash, u.username, u.display_name, u.avatar_url, u.headline,
       u.primary_role, u.timezone, u.availability_status, u.builder_score, u.bio,
       u.contact_links, u.github_username, u.github_access_token_encrypted,
       u.onboarding_completed, u.created_at, u.updated_at
FROM follows f
JOIN users u ON u.id = f.follower_id
WHERE f.followee_id = $1 AND (f.created_at, f.follower_id) < ($2, $3)
ORDER BY f.created_at DESC, f.follower_id DESC
LIMIT $4

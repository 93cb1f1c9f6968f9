SELECT k.ord - 1 AS key_index,
       f.followed_at,
       f.id, f.email, f.password_hash, f.username, f.display_name, f.avatar_url, f.headline,
       f.primary_role, f.timezone, f.availability_status, f.builder_score, f.bio,
       f.contact_links, f.github_username, f.github_access_token_encrypted,
       f.onboarding_completed, f.discoverable, f.created_at, f.updated_at
FROM unnest($1::text[], $2::boolean[], $3::timestamptz[], $4::text[], $5::bigint[])
     WITH ORDINALITY AS k(user_id, followers, before_at, before_id, lim, ord)
CROSS JOIN LATERAL (
    -- A key asks for one direction: the other branch is cut off by its one-time filter.
    (SELECT f.created_at AS followed_at,
            u.id, u.email, u.password_hash, u.username, u.display_name, u.avatar_url,
            u.headline, u.primary_role, u.timezone, u.availability_status, u.builder_score,
            u.bio, u.contact_links, u.github_username, u.github_access_token_encrypted,
            u.onboarding_completed, u.discoverable, u.created_at, u.updated_at
     FROM follows f
     JOIN users u ON u.id = f.follower_id
     WHERE k.followers AND f.followee_id = k.user_id
       AND (f.created_at, f.follower_id) < (k.before_at, k.before_id)
     ORDER BY f.created_at DESC, f.follower_id DESC
     LIMIT k.lim)
    UNION ALL
    (SELECT f.created_at AS followed_at,
            u.id, u.email, u.password_hash, u.username, u.display_name, u.avatar_url,
            u.headline, u.primary_role, u.timezone, u.availability_status, u.builder_score,
            u.bio, u.contact_links, u.github_username, u.github_access_token_encrypted,
            u.onboarding_completed, u.discoverable, u.created_at, u.updated_at
     FROM follows f
     JOIN users u ON u.id = f.followee_id
     WHERE NOT k.followers AND f.follower_id = k.user_id
       AND (f.created_at, f.followee_id) < (k.before_at, k.before_id)
     ORDER BY f.created_at DESC, f.followee_id DESC
     LIMIT k.lim)
) f
ORDER BY k.ord, f.followed_at DESC, f.id DESC

SELECT k.ord - 1 AS key_index,
       p.id, p.owner_id, p.title, p.description, p.status, p.role, p.thumbnail_url, p.links,
       p.tech_stack, p.impact_metrics, p.github_repo_full_name, p.github_stars, p.created_at,
       p.updated_at
FROM unnest($1::text[], $2::text[], $3::bigint[]) WITH ORDINALITY AS k(owner_id, before, lim, ord)
CROSS JOIN LATERAL (
    SELECT p.id, p.owner_id, p.title, p.description, p.status, p.role, p.thumbnail_url,
           p.links, p.tech_stack, p.impact_metrics, p.github_repo_full_name, p.github_stars,
           p.created_at, p.updated_at
    FROM projects p
    WHERE p.owner_id = k.owner_id AND p.id < k.before
    ORDER BY p.id DESC
    LIMIT k.lim
) p
ORDER BY k.ord, p.id DESC

DROP INDEX IF EXISTS users_github_username_lower_key;
DROP INDEX IF EXISTS projects_github_repo_full_name_lower_key;
-- GitHub names are case-insensitive ("Maya" and "maya" are one account, "Acme/Site" and
-- "acme/site" one repository), so ours are unique regardless of case, as usernames are
-- (users_username_lower_key). The stored spelling is kept as the builder typed it. The old
-- case-sensitive constraints stay: the application maps both names to the same CONFLICT reason.
DO $$
DECLARE
    duplicate text;
BEGIN
    SELECT lower(github_username) INTO duplicate FROM users
        WHERE github_username IS NOT NULL GROUP BY 1 HAVING count(*) > 1 LIMIT 1;
    IF duplicate IS NOT NULL THEN
        RAISE EXCEPTION 'several builders link the GitHub username % (in different cases): unlink all but one, then migrate again', duplicate;
    END IF;
    SELECT lower(github_repo_full_name) INTO duplicate FROM projects
        WHERE github_repo_full_name IS NOT NULL GROUP BY 1 HAVING count(*) > 1 LIMIT 1;
    IF duplicate IS NOT NULL THEN
        RAISE EXCEPTION 'several projects link the GitHub repository % (in different cases): unlink all but one, then migrate again', duplicate;
    END IF;
END
$$;
CREATE UNIQUE INDEX users_github_username_lower_key ON users (lower(github_username));
CREATE UNIQUE INDEX projects_github_repo_full_name_lower_key ON projects (lower(github_repo_full_name));

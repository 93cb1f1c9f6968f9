DROP INDEX IF EXISTS users_github_username_lower_key;
DROP INDEX IF EXISTS projects_github_repo_full_name_lower_key;

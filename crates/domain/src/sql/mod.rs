//! Every raw SQL statement of the domain, one `.sql` file each, in one place.
//!
//! The query builder writes everything else. A statement is here when the builder cannot express
//! it, or not without hiding the shape that makes it fast, or (two small ones) to be read the same
//! way as its neighbour that cannot; each constant says which.
//!
//! A statement names the columns it selects, never `*`: the `users` and `projects` tables have
//! columns the models do not read (the generated `search_vector`, the 1536-dimension `embedding`,
//! 6 KiB a row once filled), and a star would fetch them for nothing. A statement read into a
//! model selects exactly that model's columns, plus any extra column named in its documentation;
//! the tests below check this against the entities.

/// Every event, newest first: a backward range scan of the primary key.
///
/// Returns the columns of `feed_event::Model`.
/// Parameters: `$1` the id bound (exclusive), `$2` the limit.
///
/// The query builder could write this one. It is raw so that both scopes of the feed are read
/// the same way (`from_raw_sql`), side by side with [`FEED_FOLLOWING`].
pub const FEED_EVERYONE: &str = include_str!("feed_everyone.sql");

/// The viewer's and their followees' events, newest first.
///
/// Returns the columns of `feed_event::Model`.
/// Parameters: `$1` the viewer's id, `$2` the id bound (exclusive), `$3` the limit.
///
/// A viewer follows at most 100 people, so the candidates are a merge of at most 101 short
/// backward scans of (actor_id, id DESC), each bounded by the page size: at most
/// (followees + 1) × (first + 1) index entries however large the table grows. The scans read only
/// ids (index-only), and just the page's `first + 1` rows are fetched from the table. (The obvious
/// `actor_id = ANY(…) ORDER BY id DESC LIMIT n` reads every event of every followee and sorts
/// them.)
///
/// Why raw: the plan is the point. A LATERAL join per actor (the viewer `UNION ALL` their
/// followees, the viewer's id given the ids' `COLLATE "C"`), each with its own LIMIT, then a
/// second LATERAL join that fetches each page row by primary key, kept a key lookup by a
/// planner-shaping `LIMIT 1` whatever the planner thinks of a small table. A test and the
/// benchmark read this statement's EXPLAIN plan ([`crate::feed::PlanReads`]); written by hand,
/// its shape cannot drift.
pub const FEED_FOLLOWING: &str = include_str!("feed_following.sql");

/// A page of the followers or the followings of each of several users, most recent follow first,
/// in one statement: what `User.followers` and `User.following` show, for a whole page of users
/// at once.
///
/// Returns `key_index` (the 0-based position of the key the row answers), `followed_at` (when the
/// follow was made) and the columns of `user::Model` (the follower, or the user followed),
/// ordered by key then most recent follow first.
/// Parameters, five parallel arrays, one element per key: `$1` the users' ids (`text[]`), `$2`
/// the direction (`boolean[]`: true for followers, false for followings), then the keyset bound
/// (exclusive): `$3` the follow times (`timestamptz[]`) and `$4` the other users' ids (`text[]`);
/// `$5` the limits (`bigint[]`).
///
/// Why raw: as [`PROJECTS_OF_OWNERS`], `unnest` of parallel arrays `WITH ORDINALITY` makes one
/// numbered row per key, and a LATERAL join gives each key its own bound and LIMIT. Inside it, one
/// branch per direction, each guarded by the key's direction (a one-time filter, so only one
/// runs); each is a row-value keyset comparison, `(f.created_at, f.follower_id) < (…)`, that
/// `follows_followee_recent_idx` (or `follows_follower_recent_idx`) answers as one short range
/// scan. The builder has no form for any of these.
pub const FOLLOW_PAGES: &str = include_str!("follow_pages.sql");

/// The numbers of followers and followings of each of several users, in one statement.
///
/// Returns `id`, `followers` (bigint) and `following` (bigint): one row per requested id, zero
/// counts included.
/// Parameters: `$1` the user ids (`text[]`).
///
/// Why raw: `unnest` of the key array gives every requested id its row, with two correlated
/// counts each answered by an index (`follows_followee_id_idx`, the primary key). The builder
/// would group the follows table and leave the users nobody follows to be filled in.
pub const FOLLOW_COUNTS: &str = include_str!("follow_counts.sql");

/// Which of several users the viewer follows.
///
/// Returns `followee_id`, one row per followed user.
/// Parameters: `$1` the viewer's id, `$2` the user ids (an array).
///
/// The query builder could write this one; it is a single column read into a small row, kept
/// beside [`FOLLOW_COUNTS`], the other batched read of follows.
pub const FOLLOWED_BY: &str = include_str!("followed_by.sql");

/// A page of each of several owners' projects, newest first, in one statement.
///
/// Returns `key_index` (the 0-based position of the key the row answers) and the columns of
/// `project::Model`, ordered by key then newest project first.
/// Parameters, three parallel arrays, one element per key: `$1` the owner ids (`text[]`), `$2`
/// the id bounds (exclusive, `text[]`), `$3` the limits (`bigint[]`).
///
/// Why raw: `unnest` of parallel arrays `WITH ORDINALITY` makes one row per key (and numbers
/// it), and a LATERAL join per key gives each its own bound and its own LIMIT, one short backward
/// scan of `projects_owner_id_idx` each. The builder has no form for either.
pub const PROJECTS_OF_OWNERS: &str = include_str!("projects_of_owners.sql");

/// Starts a session: its row and its first refresh token.
///
/// Returns nothing.
/// Parameters: `$1` the session id, `$2` the user id, `$3` the time, then the token's `$4` id,
/// `$5` hash and `$6` expiry.
///
/// Why raw: one statement writes both rows (a data-modifying `WITH`), so a sign-in needs no
/// transaction of its own and cannot leave a session without its token.
pub const START_SESSION: &str = include_str!("start_session.sql");

/// Ends the session a refresh token belongs to, and notifies the instances' session caches.
///
/// Returns `session_id` and `notified`, one row when a live session was ended.
/// Parameters: `$1` the token's hash, `$2` the notification channel (`sessions::CHANNEL`).
///
/// Why raw: the `UPDATE … FROM` finds the session through the token, and `pg_notify` in the same
/// statement sends the notification only when a session really ended; PostgreSQL delivers it at
/// commit, never for a rolled-back end.
pub const END_SESSION_OF_TOKEN: &str = include_str!("end_session_of_token.sql");

/// Ends every live session of a user, and notifies the instances' session caches.
///
/// Returns `notified`, one row when at least one session was ended.
/// Parameters: `$1` the user id, `$2` the notification channel (`sessions::CHANNEL`).
///
/// Why raw: as [`END_SESSION_OF_TOKEN`]; one notification names the user rather than each
/// session, so it fits in a notification's 8000 bytes however many sessions there are.
pub const END_SESSIONS_OF_USER: &str = include_str!("end_sessions_of_user.sql");

/// A notification on a channel, sent at commit.
///
/// Returns `notified`.
/// Parameters: `$1` the channel, `$2` the payload.
///
/// Why raw: `pg_notify` is a function call; the builder has no form for a bare `SELECT` of one.
pub const NOTIFY: &str = include_str!("notify.sql");

/// Deletes one batch of expired refresh tokens, oldest first.
///
/// Returns nothing (rows affected).
/// Parameters: `$1` the batch size.
///
/// Why raw: `DELETE … WHERE id IN (… ORDER BY … LIMIT … FOR UPDATE SKIP LOCKED)`: the builder
/// cannot put a row lock with `SKIP LOCKED` in a subquery.
pub const PURGE_EXPIRED_REFRESH_TOKENS: &str = include_str!("purge_expired_refresh_tokens.sql");

/// Deletes one batch of sessions that have no refresh token left.
///
/// Returns nothing (rows affected).
/// Parameters: `$1` the batch size.
///
/// Why raw: as [`PURGE_EXPIRED_REFRESH_TOKENS`].
pub const PURGE_EMPTIED_SESSIONS: &str = include_str!("purge_emptied_sessions.sql");

/// The statements of discovery (`crate::discovery`): embedding jobs, search, matching.
///
/// Why raw: each is the shape of a plan. The search statements fuse ranked lists (full text,
/// skills, nearest vectors) with window functions and FULL JOINs, and keep the nearest-vector
/// list a `MATERIALIZED` CTE of one `ORDER BY embedding <=> $v LIMIT n` so that HNSW answers it;
/// the jobs are leased with `FOR UPDATE SKIP LOCKED` and written back through `unnest` of
/// parallel arrays. The builder has no form for these. Each file says its parameters and what
/// it returns.
pub mod discovery {
    pub const CLAIM_JOBS: &str = include_str!("discovery/claim_jobs.sql");
    pub const FINISH_JOBS: &str = include_str!("discovery/finish_jobs.sql");
    pub const FAIL_JOBS: &str = include_str!("discovery/fail_jobs.sql");
    pub const ENQUEUE_OTHER_MODELS: &str = include_str!("discovery/enqueue_other_models.sql");
    const STORE_EMBEDDINGS: &str = include_str!("discovery/store_embeddings.sql");
    pub const TEXTS_USERS: &str = include_str!("discovery/texts_users.sql");
    pub const TEXTS_PROJECTS: &str = include_str!("discovery/texts_projects.sql");
    pub const TEXTS_TRIBES: &str = include_str!("discovery/texts_tribes.sql");
    pub const TEXTS_OPEN_ROLES: &str = include_str!("discovery/texts_open_roles.sql");
    pub const SEARCH_USERS: &str = include_str!("discovery/search_users.sql");
    pub const SEARCH_PROJECTS: &str = include_str!("discovery/search_projects.sql");
    pub const SEARCH_TRIBES: &str = include_str!("discovery/search_tribes.sql");
    pub const DETAILS_USERS: &str = include_str!("discovery/details_users.sql");
    pub const DETAILS_PROJECTS: &str = include_str!("discovery/details_projects.sql");
    pub const DETAILS_TRIBES: &str = include_str!("discovery/details_tribes.sql");
    pub const CANDIDATES: &str = include_str!("discovery/candidates.sql");
    pub const SUGGESTED_ROLES: &str = include_str!("discovery/suggested_roles.sql");
    pub const SIMILAR_USERS: &str = include_str!("discovery/similar_users.sql");
    pub const SIMILAR_PROJECTS: &str = include_str!("discovery/similar_projects.sql");

    /// The statement that stores vectors into `table`, one of the four embedded tables (a name
    /// from `discovery::texts::Kind`, never from input).
    pub fn store_embeddings(table: &'static str) -> String {
        STORE_EMBEDDINGS.replace("__TABLE__", table)
    }
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeSet;

    use entity::{feed_event, project, user};
    use sea_orm::{EntityTrait, IdenStatic, Iterable};

    use super::*;

    /// The statement's words, numbers, parameters, quoted names and punctuation; comments dropped.
    fn lex(sql: &str) -> Vec<String> {
        let mut out = Vec::new();
        let mut chars = sql.chars().peekable();
        while let Some(c) = chars.next() {
            if c == '-' && chars.peek() == Some(&'-') {
                for skipped in chars.by_ref() {
                    if skipped == '\n' {
                        break;
                    }
                }
            } else if c.is_alphanumeric() || c == '_' || c == '$' {
                let mut word = String::from(c);
                while let Some(&next) = chars.peek() {
                    if next.is_alphanumeric() || next == '_' || next == '$' {
                        word.push(next);
                        chars.next();
                    } else {
                        break;
                    }
                }
                out.push(word);
            } else if c == '"' || c == '\'' {
                let mut quoted = String::from(c);
                for next in chars.by_ref() {
                    quoted.push(next);
                    if next == c {
                        break;
                    }
                }
                out.push(quoted);
            } else if !c.is_whitespace() {
                out.push(c.to_string());
            }
        }
        out
    }

    /// The name a select-list item gets: its alias, or the column it names (`*` for a star).
    fn output_name(item: &[&str]) -> String {
        let name = match item {
            [.., keyword, name] if keyword.eq_ignore_ascii_case("as") => *name,
            [.., name] => *name,
            [] => "",
        };
        name.trim_matches('"').to_owned()
    }

    /// The output names of every SELECT list in the statement, in the order they begin (so the
    /// outermost first).
    fn select_lists(sql: &str) -> Vec<BTreeSet<String>> {
        let tokens = lex(sql);
        let mut lists = Vec::new();
        for (start, token) in tokens.iter().enumerate() {
            if !token.eq_ignore_ascii_case("select") {
                continue;
            }
            let mut names = BTreeSet::new();
            let mut item: Vec<&str> = Vec::new();
            let mut depth = 0_usize;
            for token in &tokens[start + 1..] {
                let t = token.as_str();
                let ends_list =
                    t == ")" || t.eq_ignore_ascii_case("from") || t.eq_ignore_ascii_case("union");
                if depth == 0 && (t == "," || ends_list) {
                    names.insert(output_name(&item));
                    item.clear();
                    if ends_list {
                        break;
                    }
                    continue;
                }
                if t == "(" {
                    depth += 1;
                } else if t == ")" {
                    depth -= 1;
                }
                item.push(t);
            }
            if !item.is_empty() {
                names.insert(output_name(&item));
            }
            lists.push(names);
        }
        lists
    }

    /// Whether the statement selects `*` or `alias.*` anywhere (`count(*)` is no select).
    fn selects_star(sql: &str) -> bool {
        let tokens = lex(sql);
        let star = tokens.windows(2).any(|pair| {
            pair[1] == "*" && (pair[0] == "." || pair[0].eq_ignore_ascii_case("select"))
        });
        star || sql.contains(".*")
    }

    /// The model's column names, from the entity, and the `extra` ones.
    fn columns<E: EntityTrait>(extra: &[&str]) -> BTreeSet<String> {
        E::Column::iter()
            .map(|c| c.as_str().to_owned())
            .chain(extra.iter().map(|e| (*e).to_owned()))
            .collect()
    }

    /// The statement mentions every expected column, selects no star, and its outermost SELECT
    /// list is exactly `expected`.
    fn assert_selects(name: &str, sql: &str, expected: &BTreeSet<String>) {
        for column in expected {
            assert!(sql.contains(column.as_str()), "{name} does not mention {column}:\n{sql}");
        }
        assert!(!selects_star(sql), "{name} selects `*`:\n{sql}");
        assert_eq!(select_lists(sql).first(), Some(expected), "{name}'s select list:\n{sql}");
    }

    #[test]
    fn the_feed_selects_exactly_the_event_columns() {
        let event = columns::<feed_event::Entity>(&[]);
        assert_selects("FEED_EVERYONE", FEED_EVERYONE, &event);
        assert_selects("FEED_FOLLOWING", FEED_FOLLOWING, &event);
        // The page rows are fetched by primary key with the model's columns, for the outer list.
        assert!(select_lists(FEED_FOLLOWING).iter().skip(1).any(|list| *list == event));
    }

    #[test]
    fn follow_pages_select_exactly_the_user_columns_the_follow_time_and_the_key() {
        let expected = columns::<user::Entity>(&["followed_at", "key_index"]);
        assert_selects("FOLLOW_PAGES", FOLLOW_PAGES, &expected);
        // Each direction's branch of the LATERAL join hands the outer list the model's columns
        // and the follow time.
        let branch = columns::<user::Entity>(&["followed_at"]);
        let branches = select_lists(FOLLOW_PAGES).iter().filter(|list| **list == branch).count();
        assert_eq!(branches, 2, "{FOLLOW_PAGES}");
    }

    #[test]
    fn projects_of_owners_selects_exactly_the_project_columns_and_the_key() {
        let expected = columns::<project::Entity>(&["key_index"]);
        assert_selects("PROJECTS_OF_OWNERS", PROJECTS_OF_OWNERS, &expected);
        // The LATERAL subquery hands the outer list the model's columns.
        let project = columns::<project::Entity>(&[]);
        assert!(select_lists(PROJECTS_OF_OWNERS).iter().skip(1).any(|list| *list == project));
    }

    #[test]
    fn the_other_statements_select_their_named_columns() {
        let counts: BTreeSet<String> =
            ["id", "followers", "following"].into_iter().map(str::to_owned).collect();
        assert_selects("FOLLOW_COUNTS", FOLLOW_COUNTS, &counts);
        let followees: BTreeSet<String> = ["followee_id".to_owned()].into_iter().collect();
        assert_selects("FOLLOWED_BY", FOLLOWED_BY, &followees);
    }

    #[test]
    fn the_session_statements_select_only_their_notification() {
        let ended: BTreeSet<String> =
            ["session_id", "notified"].into_iter().map(str::to_owned).collect();
        assert_eq!(select_lists(END_SESSION_OF_TOKEN).first(), Some(&ended));
        let notified: BTreeSet<String> = ["notified".to_owned()].into_iter().collect();
        for (name, sql) in [("END_SESSIONS_OF_USER", END_SESSIONS_OF_USER), ("NOTIFY", NOTIFY)] {
            assert!(!selects_star(sql), "{name} selects `*`");
            assert_eq!(select_lists(sql).first(), Some(&notified), "{name}'s select list:\n{sql}");
        }
    }

    #[test]
    fn the_select_list_reader_reads_aliases_qualified_names_and_stars() {
        let lists =
            select_lists("SELECT a.x, b.y AS z, (SELECT count(*) FROM t) AS n, w -- a.q\nFROM t");
        let expected: BTreeSet<String> =
            ["x", "z", "n", "w"].into_iter().map(str::to_owned).collect();
        assert_eq!(lists.first(), Some(&expected));
        assert!(selects_star("SELECT e.* FROM t e"));
        assert!(selects_star("SELECT * FROM t"));
        assert!(!selects_star("SELECT count(*) AS n FROM t"));
    }
}

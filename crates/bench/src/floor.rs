//! The floor: the same feed pages fetched with the minimal hand-written SQL, one query for the
//! page and one batched query per relation, over a plain sqlx pool. What the server costs above
//! this is the price of GraphQL, HTTP and the ORM.
use std::collections::BTreeSet;

use sea_orm::sqlx::{self, PgPool, Row};

pub const EVERYONE: &str =
    "SELECT id, event_type::text, actor_id, target_type, target_id, metadata, created_at
    FROM feed_events WHERE id < $1 ORDER BY id DESC LIMIT $2";

pub struct PageResult {
    pub end_cursor: Option<String>,
    pub statements: u64,
}

/// One page of 20 with everything the benchmark query selects.
pub async fn page(pool: &PgPool, viewer: Option<&str>, after: &str) -> anyhow::Result<PageResult> {
    let limit = 21_i64;
    let rows = match viewer {
        Some(viewer) => {
            // The floor decodes rows with plain sqlx, which reads the enum column as text.
            let following = domain::feed::following_sql().replacen(
                "SELECT e.id, e.event_type, e.actor_id",
                "SELECT e.id, e.event_type::text, e.actor_id",
                1,
            );
            sqlx::query(sqlx::AssertSqlSafe(following))
                .bind(viewer)
                .bind(after)
                .bind(limit)
                .fetch_all(pool)
                .await?
        }
        None => sqlx::query(EVERYONE).bind(after).bind(limit).fetch_all(pool).await?,
    };
    let mut statements = 1;
    let page: Vec<_> = rows.iter().take(20).collect();
    let end_cursor =
        if rows.len() > 20 { page.last().map(|r| r.get::<String, _>("id")) } else { None };

    let (mut users, mut projects, mut tribes) = (BTreeSet::new(), BTreeSet::new(), BTreeSet::new());
    let mut actors = BTreeSet::new();
    for row in &page {
        let actor: String = row.get("actor_id");
        actors.insert(actor.clone());
        users.insert(actor);
        let target: String = row.get("target_id");
        match row.get::<String, _>("target_type").as_str() {
            "project" => projects.insert(target),
            "tribe" => tribes.insert(target),
            _ => users.insert(target),
        };
    }
    let (users, projects, tribes, actors): (Vec<String>, Vec<String>, Vec<String>, Vec<String>) = (
        users.into_iter().collect(),
        projects.into_iter().collect(),
        tribes.into_iter().collect(),
        actors.into_iter().collect(),
    );
    let fetch = |sql: &'static str, keys: Vec<String>| async move {
        if keys.is_empty() {
            return Ok::<_, sqlx::Error>((Vec::new(), 0));
        }
        Ok((sqlx::query(sql).bind(keys).fetch_all(pool).await?, 1))
    };
    // Every relation depends only on the page: all seven at once.
    let (u, p, t, s, c, m, r) = futures_util::try_join!(
        fetch("SELECT * FROM users WHERE id = ANY($1)", users),
        fetch(
            "SELECT p.*, o.username AS owner_username FROM projects p JOIN users o ON o.id = p.owner_id WHERE p.id = ANY($1)",
            projects.clone()
        ),
        fetch(
            "SELECT t.*, o.username AS owner_username FROM tribes t JOIN users o ON o.id = t.owner_id WHERE t.id = ANY($1)",
            tribes.clone()
        ),
        fetch(
            "SELECT us.user_id, s.* FROM user_skills us JOIN skills s ON s.id = us.skill_id WHERE us.user_id = ANY($1) ORDER BY s.name",
            actors
        ),
        fetch(
            "SELECT pc.*, u.username FROM project_collaborators pc JOIN users u ON u.id = pc.user_id WHERE pc.project_id = ANY($1) AND pc.status = 'confirmed'",
            projects
        ),
        fetch(
            "SELECT tm.*, u.username FROM tribe_members tm JOIN users u ON u.id = tm.user_id WHERE tm.tribe_id = ANY($1) AND tm.status = 'active'",
            tribes.clone()
        ),
        fetch("SELECT * FROM tribe_open_roles WHERE tribe_id = ANY($1)", tribes),
    )?;
    statements += u.1 + p.1 + t.1 + s.1 + c.1 + m.1 + r.1;
    Ok(PageResult { end_cursor, statements })
}

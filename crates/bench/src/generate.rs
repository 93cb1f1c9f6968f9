//! The synthetic dataset, in the product's own schema: 50,000 builders with 3 to 6 skills and 50
//! to 100 follows each, 20,000 projects, 2,000 tribes and 2,000,000 feed events over two years
//! (plus the prototype seed). Loaded with COPY; built once and reused (a `bench_meta` row records
//! the dataset version).
use std::collections::HashSet;
use std::fmt::Write as _;
use std::time::Instant;

use anyhow::Context as _;
use chrono::{DateTime, Duration, TimeZone, Utc};
use sea_orm::sqlx::{self, AssertSqlSafe, Connection, PgConnection};
use sea_orm_migration::MigratorTrait;

use crate::rng::Rng;

pub const USERS: usize = 50_000;
pub const PROJECTS: usize = 20_000;
pub const TRIBES: usize = 2_000;
pub const EVENTS: usize = 2_000_000;
const DATASET_VERSION: &str = "v1-50k-users-2m-events";
pub const DATABASE: &str = "tribe_bench";

const ROLES: [&str; 7] = ["engineer", "designer", "pm", "marketer", "growth", "founder", "other"];
const AVAILABILITY: [&str; 3] = ["open_to_tribe", "available_for_projects", "just_browsing"];
const PROJECT_STATUS: [&str; 3] = ["shipped", "in_progress", "archived"];
const TRIBE_STATUS: [&str; 3] = ["open", "active", "alumni"];
const STACK: [&str; 12] = [
    "Rust",
    "Go",
    "Python",
    "TypeScript",
    "React",
    "Next.js",
    "PostgreSQL",
    "Redis",
    "Docker",
    "AWS",
    "GraphQL",
    "Figma",
];

pub fn url_for(admin_url: &str, database: &str) -> anyhow::Result<String> {
    let (base, _) = admin_url.rsplit_once('/').context("DATABASE_URL has no database name")?;
    Ok(format!("{base}/{database}"))
}

/// The end of the two years the events are spread over.
fn anchor() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 1, 0, 0, 0).single().unwrap_or(DateTime::UNIX_EPOCH)
}

fn random_time(rng: &mut Rng) -> DateTime<Utc> {
    let span_ms = 2 * 365 * 24 * 3600 * 1000_u64;
    anchor() - Duration::milliseconds(rng.range(0, span_ms) as i64)
}

fn ulid_at(rng: &mut Rng, at: DateTime<Utc>) -> String {
    ulid::Ulid::from_parts(at.timestamp_millis() as u64, rng.ulid_random()).to_string()
}

fn ts(at: DateTime<Utc>) -> String {
    at.to_rfc3339()
}

/// Streams COPY text rows to the server in chunks of about 8 MiB.
async fn copy_rows(
    conn: &mut PgConnection,
    sql: &str,
    rows: impl Iterator<Item = String>,
) -> anyhow::Result<usize> {
    let mut copy = conn.copy_in_raw(sql).await?;
    let mut buffer = String::with_capacity(8 << 20);
    let mut count = 0;
    for row in rows {
        buffer.push_str(&row);
        buffer.push('\n');
        count += 1;
        if buffer.len() > 8 << 20 {
            copy.send(std::mem::take(&mut buffer).into_bytes()).await?;
        }
    }
    if !buffer.is_empty() {
        copy.send(buffer.into_bytes()).await?;
    }
    copy.finish().await?;
    Ok(count)
}

/// Makes sure the benchmark database exists with the full dataset; returns its URL.
pub async fn ensure(admin_url: &str) -> anyhow::Result<String> {
    let bench_url = url_for(admin_url, DATABASE)?;
    let mut admin = PgConnection::connect(&url_for(admin_url, "postgres")?).await?;
    let exists: Option<i32> = sqlx::query_scalar("SELECT 1 FROM pg_database WHERE datname = $1")
        .bind(DATABASE)
        .fetch_optional(&mut admin)
        .await?;
    if exists.is_some() {
        let mut conn = PgConnection::connect(&bench_url).await?;
        let version: Option<String> = sqlx::query_scalar(
            "SELECT version FROM bench_meta WHERE to_regclass('bench_meta') IS NOT NULL",
        )
        .fetch_optional(&mut conn)
        .await
        .unwrap_or(None);
        if version.as_deref() == Some(DATASET_VERSION) {
            eprintln!("bench: reusing the dataset in database {DATABASE}");
            let db = sea_orm::Database::connect(&bench_url).await?;
            migration::Migrator::up(&db, None).await?;
            return Ok(bench_url);
        }
        eprintln!("bench: database {DATABASE} is incomplete or outdated: rebuilding it");
        sqlx::raw_sql(AssertSqlSafe(format!("DROP DATABASE {DATABASE} WITH (FORCE)")))
            .execute(&mut admin)
            .await?;
    }
    sqlx::raw_sql(AssertSqlSafe(format!("CREATE DATABASE {DATABASE}"))).execute(&mut admin).await?;
    generate(&bench_url).await?;
    Ok(bench_url)
}

async fn generate(url: &str) -> anyhow::Result<()> {
    let started = Instant::now();
    let db = sea_orm::Database::connect(url).await?;
    migration::Migrator::up(&db, None).await?;
    seed::run(&db).await?;
    db.close().await?;

    let mut conn = PgConnection::connect(url).await?;
    let skills: Vec<String> =
        sqlx::query_scalar("SELECT id FROM skills ORDER BY id").fetch_all(&mut conn).await?;
    let mut rng = Rng::new(0x0074_7269_6265);

    // Builders.
    let mut users = Vec::with_capacity(USERS);
    let mut user_rows = Vec::with_capacity(USERS);
    for i in 0..USERS {
        let created = random_time(&mut rng) - Duration::days(30);
        let id = ulid_at(&mut rng, created);
        user_rows.push(format!(
            "{id}\tbench{i:05}@bench.dev\tbench{i:05}\tBuilder {i}\tBuilds things #{i}\t{}\t{}\t{}\t{{}}\tt\t{}\t{}",
            ROLES[rng.index(ROLES.len())],
            AVAILABILITY[rng.index(AVAILABILITY.len())],
            rng.range(0, 100),
            ts(created),
            ts(created),
        ));
        users.push(id);
    }
    let n = copy_rows(
        &mut conn,
        "COPY users (id, email, username, display_name, headline, primary_role, availability_status,
                     builder_score, contact_links, onboarding_completed, created_at, updated_at) FROM STDIN",
        user_rows.into_iter(),
    )
    .await?;
    eprintln!("bench: {n} users ({:.0?})", started.elapsed());

    let mut rows = Vec::new();
    for user in &users {
        let mut chosen = HashSet::new();
        let k = rng.range(3, 6) as usize;
        while chosen.len() < k {
            chosen.insert(rng.index(skills.len()));
        }
        for s in chosen {
            rows.push(format!("{user}\t{}\t{}", skills[s], ts(anchor())));
        }
    }
    let n = copy_rows(
        &mut conn,
        "COPY user_skills (user_id, skill_id, added_at) FROM STDIN",
        rows.into_iter(),
    )
    .await?;
    eprintln!("bench: {n} user skills ({:.0?})", started.elapsed());

    let mut rows = Vec::new();
    for (i, user) in users.iter().enumerate() {
        let mut chosen = HashSet::new();
        let k = rng.range(50, 100) as usize;
        while chosen.len() < k {
            let other = rng.index(users.len());
            if other != i {
                chosen.insert(other);
            }
        }
        for other in chosen {
            rows.push(format!("{user}\t{}\t{}", users[other], ts(random_time(&mut rng))));
        }
    }
    let n = copy_rows(
        &mut conn,
        "COPY follows (follower_id, followee_id, created_at) FROM STDIN",
        rows.into_iter(),
    )
    .await?;
    eprintln!("bench: {n} follows ({:.0?})", started.elapsed());

    // Projects and collaborators.
    let mut projects = Vec::with_capacity(PROJECTS);
    let mut rows = Vec::new();
    let mut collaborator_rows = Vec::new();
    for i in 0..PROJECTS {
        let created = random_time(&mut rng);
        let id = ulid_at(&mut rng, created);
        let owner = rng.index(users.len());
        let stack: Vec<&str> =
            (0..rng.range(2, 4)).map(|_| STACK[rng.index(STACK.len())]).collect();
        let stack = serde_json::to_string(&stack)?;
        rows.push(format!(
            "{id}\t{}\tProject {i}\tA project about thing {i}\t{}\t{{}}\t{stack}\t{{\"users\": {}}}\t{}\t{}",
            users[owner],
            PROJECT_STATUS[rng.index(PROJECT_STATUS.len())],
            rng.range(0, 5000),
            ts(created),
            ts(created),
        ));
        if rng.range(0, 9) < 3 {
            let mut chosen = HashSet::new();
            for _ in 0..rng.range(1, 2) {
                let other = rng.index(users.len());
                if other != owner && chosen.insert(other) {
                    collaborator_rows.push(format!(
                        "{id}\t{}\tContributor\tconfirmed\t{}\t{}",
                        users[other],
                        ts(created),
                        ts(created)
                    ));
                }
            }
        }
        projects.push((id, format!("Project {i}"), stack));
    }
    copy_rows(
        &mut conn,
        "COPY projects (id, owner_id, title, description, status, links, tech_stack, impact_metrics,
                        created_at, updated_at) FROM STDIN",
        rows.into_iter(),
    )
    .await?;
    copy_rows(
        &mut conn,
        "COPY project_collaborators (project_id, user_id, role, status, invited_at, confirmed_at) FROM STDIN",
        collaborator_rows.into_iter(),
    )
    .await?;
    eprintln!("bench: {PROJECTS} projects ({:.0?})", started.elapsed());

    // Tribes, members, open roles.
    let mut tribes = Vec::with_capacity(TRIBES);
    let (mut rows, mut members, mut roles) = (Vec::new(), Vec::new(), Vec::new());
    for i in 0..TRIBES {
        let created = random_time(&mut rng);
        let id = ulid_at(&mut rng, created);
        let owner = rng.index(users.len());
        rows.push(format!(
            "{id}\t{}\tTribe {i}\tA mission for tribe {i}\t{}\t8\t{}\t{}",
            users[owner],
            TRIBE_STATUS[rng.index(TRIBE_STATUS.len())],
            ts(created),
            ts(created)
        ));
        members.push(format!(
            "{id}\t{}\towner\tactive\t{}\t{}",
            users[owner],
            ts(created),
            ts(created)
        ));
        let mut chosen = HashSet::from([owner]);
        for _ in 0..rng.range(1, 4) {
            let other = rng.index(users.len());
            if chosen.insert(other) {
                members.push(format!(
                    "{id}\t{}\tmember\tactive\t{}\t{}",
                    users[other],
                    ts(created),
                    ts(created)
                ));
            }
        }
        for r in 0..rng.range(0, 3) {
            let role_id = ulid_at(&mut rng, created + Duration::milliseconds(r as i64));
            let skills = serde_json::to_string(&[
                STACK[rng.index(STACK.len())],
                STACK[rng.index(STACK.len())],
            ])?;
            roles.push(format!("{role_id}\t{id}\tRole {r}\t{skills}\tf"));
        }
        tribes.push((id, format!("Tribe {i}")));
    }
    copy_rows(
        &mut conn,
        "COPY tribes (id, owner_id, name, mission, status, max_members, created_at, updated_at) FROM STDIN",
        rows.into_iter(),
    )
    .await?;
    copy_rows(
        &mut conn,
        "COPY tribe_members (tribe_id, user_id, role, status, joined_at, requested_at) FROM STDIN",
        members.into_iter(),
    )
    .await?;
    copy_rows(
        &mut conn,
        "COPY tribe_open_roles (id, tribe_id, title, skills_needed, filled) FROM STDIN",
        roles.into_iter(),
    )
    .await?;
    eprintln!("bench: {TRIBES} tribes ({:.0?})", started.elapsed());

    // Feed events, generated lazily (2,000,000 rows).
    let events = (0..EVENTS).map(move |i| {
        let at = random_time(&mut rng);
        let id = ulid_at(&mut rng, at);
        let actor = &users[rng.index(users.len())];
        let mut row = String::with_capacity(200);
        let kind = rng.range(0, 9);
        let _ = match kind {
            0..=2 => {
                let (pid, title, stack) = &projects[rng.index(projects.len())];
                let event = ["project_created", "project_shipped", "collaboration_confirmed"][kind as usize];
                write!(row, "{id}\t{event}\t{actor}\tproject\t{pid}\t{{\"projectTitle\": \"{title}\", \"techStack\": {stack}}}\t{}", ts(at))
            }
            3..=5 => {
                let (tid, name) = &tribes[rng.index(tribes.len())];
                let event = if kind == 3 { "tribe_created" } else { "member_joined_tribe" };
                write!(row, "{id}\t{event}\t{actor}\ttribe\t{tid}\t{{\"tribeName\": \"{name}\"}}\t{}", ts(at))
            }
            _ => write!(row, "{id}\tbuilder_joined\t{actor}\tuser\t{actor}\t{{\"displayName\": \"Builder\"}}\t{}", ts(at)),
        };
        let _ = i;
        row
    });
    let n = copy_rows(
        &mut conn,
        "COPY feed_events (id, event_type, actor_id, target_type, target_id, metadata, created_at) FROM STDIN",
        events,
    )
    .await?;
    eprintln!("bench: {n} feed events ({:.0?})", started.elapsed());

    sqlx::raw_sql("VACUUM ANALYZE").execute(&mut conn).await?;
    sqlx::raw_sql(AssertSqlSafe(format!(
        "CREATE TABLE bench_meta (version text NOT NULL); INSERT INTO bench_meta VALUES ('{DATASET_VERSION}')"
    )))
    .execute(&mut conn)
    .await?;
    eprintln!("bench: dataset ready in {:.0?}", started.elapsed());
    Ok(())
}

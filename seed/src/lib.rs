//! Loads the prototype data of the client's spec (section 6) into a migrated database.
//!
//! Idempotent by construction: every seeded row has a deterministic id (a ULID whose time part is
//! the row's fixed creation time and whose random part is a hash of its natural key), and every
//! row is upserted by its key in one transaction. Running it twice leaves the same database;
//! rows that users created are never touched.
pub mod data;

use std::collections::HashMap;

use chrono::{DateTime, Duration, FixedOffset, TimeZone, Utc};
use domain::events::{Event, ProjectCard};
use entity::enums::{CollaboratorStatus, MemberRole, MemberStatus, ProjectStatus, TribeStatus};
use entity::{
    follow, project, project_collaborator, skill, tribe, tribe_member, tribe_open_role, user,
    user_skill,
};
use sea_orm::sea_query::OnConflict;
use sea_orm::{
    ActiveModelTrait, DatabaseConnection, DatabaseTransaction, DbErr, EntityTrait, IdenStatic,
    IntoActiveModel, Iterable, PrimaryKeyToColumn, TransactionTrait,
};
use serde_json::json;
use ulid::Ulid;

use data::{BUILDERS, EVENTS, EventKind, FOLLOWS, PROJECTS, SKILLS, TRIBES, Target};

#[derive(Debug, thiserror::Error)]
pub enum SeedError {
    #[error(
        "the database is not migrated ({0} pending migrations): run `cargo run -p migration -- up` first"
    )]
    NotMigrated(usize),
    #[error("seed data refers to an unknown {kind} '{key}'")]
    UnknownReference { kind: &'static str, key: String },
    #[error("seed event {index} has a target its kind of event cannot have")]
    WrongTarget { index: usize },
    #[error("cannot hash the demo password: {0}")]
    Password(String),
    #[error("database error: {0}")]
    Db(#[from] DbErr),
}

/// How many rows of each kind the prototype data holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SeedSummary {
    pub skills: usize,
    pub users: usize,
    pub projects: usize,
    pub tribes: usize,
    pub feed_events: usize,
    pub follows: usize,
}

/// The newest prototype event happened at this instant; the others are five hours apart.
fn feed_anchor() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 20, 18, 0, 0).single().unwrap_or(DateTime::UNIX_EPOCH)
}

fn event_time(index: usize) -> DateTime<Utc> {
    feed_anchor() - Duration::hours(5 * index as i64)
}

/// A stable ULID: `at` is its time part, a 128-bit FNV-1a hash of `kind:key` its random part.
pub fn seed_id(kind: &str, key: &str, at: DateTime<Utc>) -> String {
    let mut hash: u128 = 0x6c62272e07bb014262b821756295c58d;
    for byte in kind.bytes().chain([b':']).chain(key.bytes()) {
        hash ^= u128::from(byte);
        hash = hash.wrapping_mul(0x0000000001000000000000000000013B);
    }
    let millis = u64::try_from(at.timestamp_millis()).unwrap_or(0);
    Ulid::from_parts(millis, hash).to_string()
}

fn slugify(name: &str) -> String {
    let mut slug = String::new();
    for ch in name.chars() {
        if ch.is_ascii_alphanumeric() {
            slug.push(ch.to_ascii_lowercase());
        } else if !slug.is_empty() && !slug.ends_with('-') {
            slug.push('-');
        }
    }
    slug.trim_end_matches('-').to_owned()
}

fn tz(at: DateTime<Utc>) -> DateTime<FixedOffset> {
    at.fixed_offset()
}

/// Inserts the rows, or on a key conflict overwrites every other column with the seed's value.
async fn upsert<A>(txn: &DatabaseTransaction, rows: Vec<A>) -> Result<(), DbErr>
where
    A: ActiveModelTrait + Send,
{
    if rows.is_empty() {
        return Ok(());
    }
    let keys: Vec<<A::Entity as EntityTrait>::Column> =
        <A::Entity as EntityTrait>::PrimaryKey::iter().map(|k| k.into_column()).collect();
    let others: Vec<<A::Entity as EntityTrait>::Column> =
        <A::Entity as EntityTrait>::Column::iter()
            .filter(|c| keys.iter().all(|k| k.as_str() != c.as_str()))
            .collect();
    let on_conflict = OnConflict::columns(keys).update_columns(others).to_owned();
    <A::Entity as EntityTrait>::insert_many(rows)
        .on_conflict(on_conflict)
        .exec_without_returning(txn)
        .await?;
    Ok(())
}

/// The ids of the rows seeded so far, by natural key, for the rows that refer to them.
#[derive(Default)]
struct Ids {
    skills: HashMap<&'static str, String>,
    users: HashMap<&'static str, String>,
    projects: HashMap<&'static str, String>,
    tribes: HashMap<&'static str, String>,
}

impl Ids {
    fn get(
        map: &HashMap<&'static str, String>,
        kind: &'static str,
        key: &str,
    ) -> Result<String, SeedError> {
        map.get(key)
            .cloned()
            .ok_or_else(|| SeedError::UnknownReference { kind, key: key.to_owned() })
    }
    fn skill(&self, name: &str) -> Result<String, SeedError> {
        Self::get(&self.skills, "skill", name)
    }
    fn user(&self, username: &str) -> Result<String, SeedError> {
        Self::get(&self.users, "builder", username)
    }
    fn project(&self, key: &str) -> Result<String, SeedError> {
        Self::get(&self.projects, "project", key)
    }
    fn tribe(&self, key: &str) -> Result<String, SeedError> {
        Self::get(&self.tribes, "tribe", key)
    }
}

/// When the event of `kind` about `target` happened, if the prototype feed has one.
fn time_of_event(matches: impl Fn(&data::EventSeed) -> bool) -> Option<DateTime<Utc>> {
    EVENTS.iter().position(matches).map(event_time)
}

fn user_created_at(index: usize, username: &str) -> DateTime<Utc> {
    time_of_event(|e| matches!(e.kind, EventKind::BuilderJoined) && e.actor == username)
        .unwrap_or_else(|| {
            Utc.with_ymd_and_hms(2026, 9, 1, 9, 0, 0).single().unwrap_or(DateTime::UNIX_EPOCH)
                + Duration::days(index as i64)
        })
}

fn project_created_at(index: usize, key: &str) -> DateTime<Utc> {
    time_of_event(|e| {
        matches!(e.kind, EventKind::ProjectCreated)
            && matches!(e.target, Target::Project(k) if k == key)
    })
    .unwrap_or_else(|| {
        Utc.with_ymd_and_hms(2026, 10, 1, 12, 0, 0).single().unwrap_or(DateTime::UNIX_EPOCH)
            + Duration::days(index as i64)
    })
}

fn tribe_created_at(index: usize, key: &str) -> DateTime<Utc> {
    time_of_event(|e| {
        matches!(e.kind, EventKind::TribeCreated)
            && matches!(e.target, Target::Tribe(k) if k == key)
    })
    .unwrap_or_else(|| {
        Utc.with_ymd_and_hms(2026, 10, 20, 12, 0, 0).single().unwrap_or(DateTime::UNIX_EPOCH)
            + Duration::days(index as i64)
    })
}

/// The password every prototype builder signs in with when the seed runs for development
/// (`cargo run -p seed` outside production): "mayachen" (or "mayachen@example.com") with this
/// password.
pub const DEMO_PASSWORD: &str = "build-with-your-tribe";

/// How the seed runs.
#[derive(Debug, Clone, Default)]
pub struct SeedOptions {
    /// The password the prototype builders sign in with; None: they cannot sign in.
    pub demo_password: Option<String>,
}

impl SeedOptions {
    /// Development: the prototype builders sign in with [`DEMO_PASSWORD`].
    pub fn development() -> Self {
        Self { demo_password: Some(DEMO_PASSWORD.to_owned()) }
    }
}

/// The options for `cargo run -p seed` under `APP_ENV` (None: unset). Development gets the demo
/// password; production is refused unless `force`d, and then gets none.
pub fn options_for(app_env: Option<&str>, force: bool) -> Result<SeedOptions, String> {
    match app_env {
        None | Some("development") => Ok(SeedOptions::development()),
        Some("production") if force => Ok(SeedOptions::default()),
        Some("production") => Err("APP_ENV=production: refusing to load prototype data into a \
             production database (pass --force to load it anyway, without demo passwords)"
            .to_owned()),
        Some(other) => Err(format!("APP_ENV must be development or production, not '{other}'")),
    }
}

/// Loads the prototype data with no demo passwords (the prototype builders cannot sign in); see
/// [`run_with`].
pub async fn run(db: &DatabaseConnection) -> Result<SeedSummary, SeedError> {
    run_with(db, &SeedOptions::default()).await
}

/// Loads the prototype data. Fails with [`SeedError::NotMigrated`] on a database whose schema is
/// not up to date; writes nothing unless everything can be written.
pub async fn run_with(
    db: &DatabaseConnection,
    options: &SeedOptions,
) -> Result<SeedSummary, SeedError> {
    use migration::MigratorTrait;
    let pending = migration::Migrator::get_pending_migrations(db).await?.len();
    if pending > 0 {
        return Err(SeedError::NotMigrated(pending));
    }

    let txn = db.begin().await?;
    let mut ids = Ids::default();
    // In this order: each table group refers to the ids of the ones before it.
    let skills = seed_skills(&txn, &mut ids).await?;
    let users = seed_builders(&txn, &mut ids, options.demo_password.as_deref()).await?;
    let projects = seed_projects(&txn, &mut ids).await?;
    let tribes = seed_tribes(&txn, &mut ids).await?;
    let follows = seed_follows(&txn, &ids).await?;
    let feed_events = seed_feed(&txn, &ids).await?;
    txn.commit().await?;
    Ok(SeedSummary { skills, users, projects, tribes, feed_events, follows })
}

/// The skill catalogue. Returns how many skills it holds.
async fn seed_skills(txn: &DatabaseTransaction, ids: &mut Ids) -> Result<usize, SeedError> {
    let skills_at =
        Utc.with_ymd_and_hms(2026, 1, 1, 0, 0, 0).single().unwrap_or(DateTime::UNIX_EPOCH);
    let mut skill_rows = Vec::new();
    for (category, names) in SKILLS {
        for name in *names {
            let slug = slugify(name);
            let id = seed_id("skill", &slug, skills_at);
            ids.skills.insert(name, id.clone());
            skill_rows.push(
                skill::Model { id, name: (*name).to_owned(), slug, category: *category }
                    .into_active_model(),
            );
        }
    }
    let count = skill_rows.len();
    upsert(txn, skill_rows).await?;
    Ok(count)
}

/// The builders and their skills, with `demo_password` if given. Returns how many builders.
async fn seed_builders(
    txn: &DatabaseTransaction,
    ids: &mut Ids,
    demo_password: Option<&str>,
) -> Result<usize, SeedError> {
    let mut user_rows = Vec::new();
    let mut user_skill_rows = Vec::new();
    for (index, b) in BUILDERS.iter().enumerate() {
        let created_at = tz(user_created_at(index, b.username));
        let id = seed_id("user", b.username, created_at.to_utc());
        ids.users.insert(b.username, id.clone());
        user_rows.push(
            user::Model {
                id: id.clone(),
                email: format!("{}@example.com", b.username),
                // The salt is derived from the username, so a second run writes the same row.
                password_hash: demo_password
                    .map(|password| domain::auth::password::demo_hash(password, b.username))
                    .transpose()
                    .map_err(|e| SeedError::Password(e.to_string()))?,
                username: b.username.to_owned(),
                display_name: b.display_name.to_owned(),
                avatar_url: None,
                headline: Some(b.headline.to_owned()),
                primary_role: Some(b.primary_role),
                timezone: None,
                availability_status: b.availability,
                builder_score: b.builder_score,
                bio: Some(b.bio.to_owned()),
                contact_links: json!({
                    "twitter": format!("https://twitter.com/{}", b.username),
                    "github": format!("https://github.com/{}", b.username),
                }),
                github_username: Some(b.username.to_owned()),
                github_access_token_encrypted: None,
                onboarding_completed: true,
                discoverable: true,
                created_at,
                updated_at: created_at,
            }
            .into_active_model(),
        );
        for skill_name in b.skills {
            user_skill_rows.push(
                user_skill::Model {
                    user_id: id.clone(),
                    skill_id: ids.skill(skill_name)?,
                    added_at: created_at,
                }
                .into_active_model(),
            );
        }
    }
    let count = user_rows.len();
    upsert(txn, user_rows).await?;
    upsert(txn, user_skill_rows).await?;
    Ok(count)
}

/// The projects and their confirmed collaborators. Returns how many projects.
async fn seed_projects(txn: &DatabaseTransaction, ids: &mut Ids) -> Result<usize, SeedError> {
    let mut project_rows = Vec::new();
    let mut collaborator_rows = Vec::new();
    for (index, p) in PROJECTS.iter().enumerate() {
        let created_at = tz(project_created_at(index, p.key));
        let id = seed_id("project", p.key, created_at.to_utc());
        ids.projects.insert(p.key, id.clone());
        let owner_id = ids.user(p.owner)?;
        let shipped_at = time_of_event(|e| {
            matches!(e.kind, EventKind::ProjectShipped)
                && matches!(e.target, Target::Project(k) if k == p.key)
        })
        .map(tz);
        let impact_metrics = match p.users {
            Some(users) => json!({ "users": users }),
            None => json!({}),
        };
        project_rows.push(
            project::Model {
                id: id.clone(),
                owner_id,
                title: p.title.to_owned(),
                description: Some(p.description.to_owned()),
                status: if p.shipped { ProjectStatus::Shipped } else { ProjectStatus::InProgress },
                role: None,
                thumbnail_url: None,
                links: p
                    .github_stars
                    .map(|_| json!({ "repo": format!("https://github.com/{}/{}", p.owner, p.key) }))
                    .unwrap_or_else(|| json!({})),
                tech_stack: json!(p.tech_stack),
                impact_metrics,
                github_repo_full_name: p.github_stars.map(|_| format!("{}/{}", p.owner, p.key)),
                github_stars: p.github_stars,
                created_at,
                updated_at: shipped_at.unwrap_or(created_at),
            }
            .into_active_model(),
        );
        for (username, role) in p.collaborators {
            let confirmed_at = time_of_event(|e| {
                matches!(e.kind, EventKind::CollaborationConfirmed)
                    && e.actor == *username
                    && matches!(e.target, Target::Project(k) if k == p.key)
            })
            .map(tz)
            .unwrap_or(created_at);
            collaborator_rows.push(
                project_collaborator::Model {
                    project_id: id.clone(),
                    user_id: ids.user(username)?,
                    role: Some((*role).to_owned()),
                    status: CollaboratorStatus::Confirmed,
                    invited_at: created_at,
                    confirmed_at: Some(confirmed_at),
                }
                .into_active_model(),
            );
        }
    }
    let count = project_rows.len();
    upsert(txn, project_rows).await?;
    upsert(txn, collaborator_rows).await?;
    Ok(count)
}

/// The tribes, their members (the owner first) and their open roles. Returns how many tribes.
async fn seed_tribes(txn: &DatabaseTransaction, ids: &mut Ids) -> Result<usize, SeedError> {
    let mut tribe_rows = Vec::new();
    let mut member_rows = Vec::new();
    let mut role_rows = Vec::new();
    for (index, t) in TRIBES.iter().enumerate() {
        let created_at = tz(tribe_created_at(index, t.key));
        let id = seed_id("tribe", t.key, created_at.to_utc());
        ids.tribes.insert(t.key, id.clone());
        tribe_rows.push(
            tribe::Model {
                id: id.clone(),
                owner_id: ids.user(t.owner)?,
                name: t.name.to_owned(),
                mission: Some(t.mission.to_owned()),
                status: if t.active { TribeStatus::Active } else { TribeStatus::Open },
                max_members: 8,
                created_at,
                updated_at: created_at,
            }
            .into_active_model(),
        );
        let owner = std::iter::once((t.owner, MemberRole::Owner));
        let members = t.members.iter().map(|m| (*m, MemberRole::Member));
        for (username, role) in owner.chain(members) {
            let joined_at = time_of_event(|e| {
                matches!(e.kind, EventKind::MemberJoinedTribe)
                    && e.actor == username
                    && matches!(e.target, Target::Tribe(k) if k == t.key)
            })
            .map(tz)
            .unwrap_or(created_at);
            member_rows.push(
                tribe_member::Model {
                    tribe_id: id.clone(),
                    user_id: ids.user(username)?,
                    role,
                    status: MemberStatus::Active,
                    joined_at: Some(joined_at),
                    requested_at: joined_at,
                    requested_role_id: None,
                }
                .into_active_model(),
            );
        }
        for (position, (title, skills_needed)) in t.open_roles.iter().enumerate() {
            // A millisecond apart, so the roles keep the spec's order.
            let at = created_at.to_utc() + Duration::milliseconds(position as i64);
            role_rows.push(
                tribe_open_role::Model {
                    id: seed_id("open_role", &format!("{}:{}", t.key, title), at),
                    tribe_id: id.clone(),
                    title: (*title).to_owned(),
                    skills_needed: json!(skills_needed),
                    filled: false,
                    filled_by: None,
                }
                .into_active_model(),
            );
        }
    }
    let count = tribe_rows.len();
    upsert(txn, tribe_rows).await?;
    upsert(txn, member_rows).await?;
    upsert(txn, role_rows).await?;
    Ok(count)
}

/// Who follows whom. Returns how many follows.
async fn seed_follows(txn: &DatabaseTransaction, ids: &Ids) -> Result<usize, SeedError> {
    let mut follow_rows = Vec::new();
    for (follower, followee) in FOLLOWS {
        follow_rows.push(
            follow::Model {
                follower_id: ids.user(follower)?,
                followee_id: ids.user(followee)?,
                created_at: tz(feed_anchor() - Duration::days(30)),
            }
            .into_active_model(),
        );
    }
    let count = follow_rows.len();
    upsert(txn, follow_rows).await?;
    Ok(count)
}

/// The prototype feed, written through [`Event::row`] as the domain writes every event, so a
/// seeded event has the metadata of the same event made in the app. Returns how many events.
async fn seed_feed(txn: &DatabaseTransaction, ids: &Ids) -> Result<usize, SeedError> {
    let mut event_rows = Vec::new();
    for (index, e) in EVENTS.iter().enumerate() {
        let at = event_time(index);
        let event = event_of(index, e, ids)?;
        let actor_id = ids.user(e.actor)?;
        event_rows.push(
            event
                .row(seed_id("feed_event", &index.to_string(), at), &actor_id, tz(at))
                .into_active_model(),
        );
    }
    let count = event_rows.len();
    upsert(txn, event_rows).await?;
    Ok(count)
}

/// The event of the `index`th seeded feed entry, as of the prototype data.
fn event_of(index: usize, e: &data::EventSeed, ids: &Ids) -> Result<Event, SeedError> {
    let actor = builder(e.actor)?;
    Ok(match (&e.kind, &e.target) {
        (EventKind::ProjectCreated, Target::Project(key)) => {
            Event::ProjectCreated(project_card(key, ids)?)
        }
        (EventKind::ProjectShipped, Target::Project(key)) => {
            Event::ProjectShipped(project_card(key, ids)?)
        }
        (EventKind::CollaborationConfirmed, Target::Project(key)) => {
            let p = project_seed(key)?;
            Event::CollaborationConfirmed {
                project: project_card(key, ids)?,
                owner_name: builder(p.owner)?.display_name.to_owned(),
                collaborator_name: actor.display_name.to_owned(),
                role: p
                    .collaborators
                    .iter()
                    .find(|(u, _)| *u == e.actor)
                    .map(|(_, r)| (*r).to_owned()),
            }
        }
        (EventKind::TribeCreated, Target::Tribe(key)) => {
            let t = tribe_seed(key)?;
            Event::TribeCreated {
                tribe_id: ids.tribe(key)?,
                name: t.name.to_owned(),
                mission: Some(t.mission.to_owned()),
            }
        }
        (EventKind::MemberJoinedTribe, Target::Tribe(key)) => {
            let t = tribe_seed(key)?;
            Event::MemberJoinedTribe {
                tribe_id: ids.tribe(key)?,
                tribe_name: t.name.to_owned(),
                member_name: actor.display_name.to_owned(),
                // The seeded members joined without asking for one of the open roles.
                role: None,
            }
        }
        (EventKind::BuilderJoined, Target::Actor) => Event::BuilderJoined {
            user_id: ids.user(e.actor)?,
            display_name: actor.display_name.to_owned(),
            headline: Some(actor.headline.to_owned()),
        },
        _ => return Err(SeedError::WrongTarget { index }),
    })
}

fn project_card(key: &str, ids: &Ids) -> Result<ProjectCard, SeedError> {
    let p = project_seed(key)?;
    Ok(ProjectCard {
        project_id: ids.project(key)?,
        title: p.title.to_owned(),
        tech_stack: p.tech_stack.iter().map(|s| (*s).to_owned()).collect(),
    })
}

fn builder(username: &str) -> Result<&'static data::Builder, SeedError> {
    BUILDERS
        .iter()
        .find(|b| b.username == username)
        .ok_or_else(|| SeedError::UnknownReference { kind: "builder", key: username.to_owned() })
}

fn project_seed(key: &str) -> Result<&'static data::ProjectSeed, SeedError> {
    PROJECTS
        .iter()
        .find(|p| p.key == key)
        .ok_or_else(|| SeedError::UnknownReference { kind: "project", key: key.to_owned() })
}

fn tribe_seed(key: &str) -> Result<&'static data::TribeSeed, SeedError> {
    TRIBES
        .iter()
        .find(|t| t.key == key)
        .ok_or_else(|| SeedError::UnknownReference { kind: "tribe", key: key.to_owned() })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn development_gets_the_demo_password_and_production_needs_force_and_gets_none() {
        let dev = options_for(None, false).map(|o| o.demo_password);
        assert_eq!(dev, Ok(Some(DEMO_PASSWORD.to_owned())));
        assert_eq!(
            options_for(Some("development"), false).map(|o| o.demo_password),
            Ok(Some(DEMO_PASSWORD.to_owned()))
        );
        let refused = options_for(Some("production"), false);
        assert!(refused.as_ref().is_err_and(|e| e.contains("--force")), "{refused:?}");
        assert_eq!(options_for(Some("production"), true).map(|o| o.demo_password), Ok(None));
        assert!(options_for(Some("staging"), false).is_err());
    }
}

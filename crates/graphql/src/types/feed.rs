use async_graphql::{Context, ID, Json, Object, Result, Union};
use chrono::{DateTime, Utc};
use entity::enums::TargetType;
use entity::feed_event;

use super::enums::{EventType, FeedTargetType};
use super::project::Project;
use super::tribe::Tribe;
use super::user::User;

/// What a feed event is about.
#[derive(Union)]
pub enum FeedTarget {
    Project(Project),
    Tribe(Tribe),
    User(User),
}

pub struct FeedEvent(pub feed_event::Model);

/// Something that happened. `metadata` holds what a card shows without another query.
#[Object]
impl FeedEvent {
    async fn id(&self) -> ID {
        ID(self.0.id.clone())
    }
    async fn event_type(&self) -> EventType {
        self.0.event_type.into()
    }
    async fn target_type(&self) -> FeedTargetType {
        self.0.target_type.into()
    }
    async fn target_id(&self) -> ID {
        ID(self.0.target_id.clone())
    }
    /// Titles, names and tech stack at the time of the event (see docs/api.md).
    async fn metadata(&self) -> Json<serde_json::Value> {
        Json(self.0.metadata.clone())
    }
    async fn created_at(&self) -> DateTime<Utc> {
        self.0.created_at.to_utc()
    }
    /// Who acted.
    async fn actor(&self, ctx: &Context<'_>) -> Result<Option<User>> {
        User::load(ctx, &self.0.actor_id).await
    }
    /// What was acted upon; null if it no longer exists.
    async fn target(&self, ctx: &Context<'_>) -> Result<Option<FeedTarget>> {
        let id = &self.0.target_id;
        Ok(match self.0.target_type {
            TargetType::Project => Project::load(ctx, id).await?.map(FeedTarget::Project),
            TargetType::Tribe => Tribe::load(ctx, id).await?.map(FeedTarget::Tribe),
            TargetType::User => User::load(ctx, id).await?.map(FeedTarget::User),
        })
    }
}

/// Loads, in one batch per relation, everything the selection asks of a page of events, before
/// the per-event resolvers run: they then find it in the request's DataLoader caches. This makes
/// the statement count of a page exact (one per relation) rather than dependent on how the
/// DataLoader's batching window happens to fall; it loads only what the query selects.
pub async fn prefetch(ctx: &Context<'_>, events: &[feed_event::Model]) -> Result<()> {
    use std::collections::BTreeSet;

    use crate::context::{ContextExt, ResultExt};

    let node = ctx.look_ahead().field("edges").field("node");
    let (actor, target) = (node.field("actor"), node.field("target"));
    if !actor.exists() && !target.exists() {
        return Ok(());
    }
    let loaders = ctx.loaders()?;
    let mut users = BTreeSet::new();
    let (mut projects, mut tribes) = (BTreeSet::new(), BTreeSet::new());
    if actor.exists() {
        users.extend(events.iter().map(|e| e.actor_id.clone()));
    }
    if target.exists() {
        for event in events {
            let id = event.target_id.clone();
            match event.target_type {
                TargetType::Project => projects.insert(id),
                TargetType::Tribe => tribes.insert(id),
                TargetType::User => users.insert(id),
            };
        }
    }
    let (users, projects, tribes) =
        (Vec::from_iter(users), Vec::from_iter(projects), Vec::from_iter(tribes));
    let (u, p, t) = futures_util::join!(
        loaders.users.load_many(users.clone()),
        loaders.projects.load_many(projects.clone()),
        loaders.tribes.load_many(tribes.clone()),
    );
    u.gql(ctx)?;
    p.gql(ctx)?;
    t.gql(ctx)?;

    // The second level: what hangs off actors, projects and tribes.
    let skill_users: Vec<String> = if actor.field("skills").exists() {
        events.iter().map(|e| e.actor_id.clone()).collect::<BTreeSet<_>>().into_iter().collect()
    } else {
        Vec::new()
    };
    let want = |name: &str| target.field(name).exists();
    let none = Vec::new;
    let (s, c, m, r) = futures_util::join!(
        loaders.skills.load_many(skill_users),
        loaders.collaborators.load_many(if want("collaborators") {
            projects.clone()
        } else {
            none()
        }),
        loaders.members.load_many(if want("members") { tribes.clone() } else { none() }),
        loaders.open_roles.load_many(if want("openRoles") { tribes.clone() } else { none() }),
    );
    s.gql(ctx)?;
    c.gql(ctx)?;
    m.gql(ctx)?;
    r.gql(ctx)?;
    Ok(())
}

use async_graphql::{Context, ID, Json, Object, Result, SelectionField, Union, Value};
use chrono::{DateTime, Utc};
use domain::lists::{FollowDirection, FollowPageKey};
use domain::pagination::PageRequest;
use domain::visibility::{CollaboratorList, MemberList};
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
    /// Who acted. (An account's deletion removes its events.)
    async fn actor(&self, ctx: &Context<'_>) -> Result<User> {
        User::load_required(ctx, &self.0.actor_id).await
    }
    /// What was acted upon. Deleting a project, a tribe or an account removes the events that
    /// point at it, but one deleted while this request ran is null rather than an error.
    async fn target(&self, ctx: &Context<'_>) -> Result<Option<FeedTarget>> {
        let id = &self.0.target_id;
        Ok(match self.0.target_type {
            TargetType::Project => Project::load(ctx, id).await?.map(FeedTarget::Project),
            TargetType::Tribe => Tribe::load(ctx, id).await?.map(FeedTarget::Tribe),
            TargetType::User => User::load(ctx, id).await?.map(FeedTarget::User),
        })
    }
}

/// The page a `followers` or `following` selection asks for, read as its resolver will read it;
/// None when its arguments are not valid (the resolver then reports the error).
fn page_request(field: &SelectionField<'_>) -> Option<PageRequest> {
    let (mut first, mut after) = (None, None);
    for (name, value) in field.arguments().ok()? {
        match (name.as_str(), value) {
            (_, Value::Null) => {}
            ("first", Value::Number(n)) => first = Some(i32::try_from(n.as_i64()?).ok()?),
            ("after", Value::String(cursor)) => after = Some(cursor),
            _ => return None,
        }
    }
    PageRequest::new(first, after.as_deref()).ok()
}

/// The keys of the follower and following pages the selection `of` asks of each of `users`.
fn follow_keys(of: &async_graphql::Lookahead<'_>, users: &[String]) -> Vec<FollowPageKey> {
    let mut keys = Vec::new();
    for (field, direction) in
        [("followers", FollowDirection::Followers), ("following", FollowDirection::Following)]
    {
        for selection in of.field(field).selection_fields() {
            let Some(request) = page_request(&selection) else { continue };
            keys.extend(
                users.iter().filter_map(|u| FollowPageKey::new(u, direction, &request).ok()),
            );
        }
    }
    keys
}

/// Loads `T` only if the selection asks for it.
async fn when<T: Default>(
    wanted: bool,
    load: impl std::future::Future<Output = std::result::Result<T, domain::DomainError>>,
) -> std::result::Result<T, domain::DomainError> {
    if wanted { load.await } else { Ok(T::default()) }
}

/// Loads, in one statement per relation, everything the selection asks of a page of events, and
/// primes the request's DataLoader caches with it, before the per-event resolvers run: they then
/// find everything there. Every relation depends only on the page (owners and the users of
/// collaborators and members come joined), so all of them are fetched at once, concurrently.
/// The statement count of a page is then exact (one per relation) instead of depending on where
/// the DataLoader's batching window falls, and no batching delay is paid. Only what the query
/// selects is loaded.
pub async fn prefetch(ctx: &Context<'_>, events: &[feed_event::Model]) -> Result<()> {
    use std::collections::BTreeSet;

    use domain::batch;

    use crate::context::{ContextExt, ResultExt};

    let node = ctx.look_ahead().field("edges").field("node");
    let (actor, target) = (node.field("actor"), node.field("target"));
    if !actor.exists() && !target.exists() {
        return Ok(());
    }
    let services = ctx.services()?;
    let loaders = ctx.loaders()?;
    let (mut users, mut projects, mut tribes) = (BTreeSet::new(), BTreeSet::new(), BTreeSet::new());
    let mut target_users = BTreeSet::new();
    let actors: BTreeSet<String> = events.iter().map(|e| e.actor_id.clone()).collect();
    if actor.exists() {
        users.extend(actors.iter().cloned());
    }
    if target.exists() {
        for event in events {
            let id = event.target_id.clone();
            match event.target_type {
                TargetType::Project => projects.insert(id),
                TargetType::Tribe => tribes.insert(id),
                TargetType::User => {
                    target_users.insert(id.clone());
                    users.insert(id)
                }
            };
        }
    }
    let users: Vec<String> = users.into_iter().collect();
    let projects: Vec<String> = projects.into_iter().collect();
    let tribes: Vec<String> = tribes.into_iter().collect();
    let actors: Vec<String> = actors.into_iter().collect();
    let target_users: Vec<String> = target_users.into_iter().collect();
    let wants = |name: &str, keys: &[String]| target.field(name).exists() && !keys.is_empty();
    let mut follow_pages = follow_keys(&actor, &actors);
    follow_pages.extend(follow_keys(&target, &target_users));

    let (
        found_users,
        found_projects,
        found_tribes,
        skills,
        collaborators,
        members,
        open_roles,
        follows,
    ) = futures_util::try_join!(
        when(!users.is_empty(), batch::users(services, &users)),
        when(!projects.is_empty(), batch::projects_with_owner(services, &projects)),
        when(!tribes.is_empty(), batch::tribes_with_owner(services, &tribes)),
        when(
            actor.field("skills").exists() && !actors.is_empty(),
            batch::skills_of_users(services, &actors)
        ),
        when(
            wants("collaborators", &projects),
            batch::collaborators_of_projects(services, &projects, CollaboratorList::Confirmed)
        ),
        when(
            wants("members", &tribes),
            batch::members_of_tribes(services, &tribes, MemberList::Active)
        ),
        when(wants("openRoles", &tribes), batch::open_roles_of_tribes(services, &tribes)),
        when(!follow_pages.is_empty(), batch::follow_pages(services, &follow_pages)),
    )
    .gql(ctx)?;
    loaders.users.feed_many(found_users).await;
    loaders.projects.feed_many(found_projects).await;
    loaders.tribes.feed_many(found_tribes).await;
    loaders.skills.feed_many(skills).await;
    loaders.collaborators.feed_many(collaborators).await;
    loaders.members.feed_many(members).await;
    loaders.open_roles.feed_many(open_roles).await;
    loaders.follow_pages.feed_many(follows).await;
    Ok(())
}

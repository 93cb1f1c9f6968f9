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

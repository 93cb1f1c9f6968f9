use async_graphql::{Context, ID, Json, Object, Result};
use chrono::{DateTime, Utc};
use entity::user;

use super::enums::{AvailabilityStatus, UserRole};
use super::skill::Skill;
use crate::context::{ContextExt, ResultExt};

/// A builder as someone else sees them. `email_visible` is decided when the value is made: the
/// email is shown only to the user themself.
pub struct User {
    model: user::Model,
    email_visible: bool,
}

impl User {
    /// The user as seen by whoever sent this request.
    pub fn seen_by(model: user::Model, ctx: &Context<'_>) -> Self {
        let email_visible = ctx.viewer().user_id() == Some(model.id.as_str());
        Self { model, email_visible }
    }

    /// The user as seen by themself (the user of an `AuthPayload`).
    pub fn as_self(model: user::Model) -> Self {
        Self { model, email_visible: true }
    }
}

/// A builder. Password hashes, tokens and linked-account secrets are never exposed.
#[Object]
impl User {
    async fn id(&self) -> ID {
        ID(self.model.id.clone())
    }
    async fn username(&self) -> &str {
        &self.model.username
    }
    async fn display_name(&self) -> &str {
        &self.model.display_name
    }
    /// Only visible to the user themself; null for everyone else.
    async fn email(&self) -> Option<&str> {
        self.email_visible.then_some(self.model.email.as_str())
    }
    async fn avatar_url(&self) -> Option<&str> {
        self.model.avatar_url.as_deref()
    }
    async fn headline(&self) -> Option<&str> {
        self.model.headline.as_deref()
    }
    async fn primary_role(&self) -> Option<UserRole> {
        self.model.primary_role.map(Into::into)
    }
    /// IANA time zone name, such as Europe/Berlin.
    async fn timezone(&self) -> Option<&str> {
        self.model.timezone.as_deref()
    }
    async fn availability_status(&self) -> AvailabilityStatus {
        self.model.availability_status.into()
    }
    async fn builder_score(&self) -> f64 {
        self.model.builder_score
    }
    async fn bio(&self) -> Option<&str> {
        self.model.bio.as_deref()
    }
    /// An object of link name to URL, such as {"github": "https://github.com/maya"}.
    async fn contact_links(&self) -> Json<serde_json::Value> {
        Json(self.model.contact_links.clone())
    }
    async fn github_username(&self) -> Option<&str> {
        self.model.github_username.as_deref()
    }
    /// True once the profile has a headline, a primary role and at least one skill.
    async fn onboarding_completed(&self) -> bool {
        self.model.onboarding_completed
    }
    async fn created_at(&self) -> DateTime<Utc> {
        self.model.created_at.to_utc()
    }
    /// The builder's skills, by name.
    async fn skills(&self, ctx: &Context<'_>) -> Result<Vec<Skill>> {
        let services = ctx.services()?;
        let skills = domain::users::skills_of(services, &self.model.id).await.gql(ctx)?;
        Ok(skills.into_iter().map(Skill).collect())
    }
}

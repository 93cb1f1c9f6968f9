use std::sync::Arc;

use async_graphql::connection::Connection;
use async_graphql::{Context, ID, Json, Object, Result};
use chrono::{DateTime, Utc};
use domain::DomainError;
use domain::discovery::matching::Neighbours;
use domain::lists::{FollowDirection, FollowPageKey, follow_page};
use domain::pagination::{Cursor, Page, PageRequest};
use entity::user;

use super::connection::connection;
use super::discovery::{SimilarBuilder, SuggestedRole};
use super::enums::{AvailabilityStatus, UserRole};
use super::project::{Collaborator, Project};
use super::skill::Skill;
use super::tribe::Tribe;
use crate::context::{ContextExt, ResultExt};

/// A builder as someone else sees them. `email_visible` is decided when the value is made, by
/// [`domain::visibility::sees_email`].
#[derive(Clone)]
pub struct User {
    model: Arc<user::Model>,
    email_visible: bool,
}

impl User {
    /// The user as seen by whoever sent this request.
    pub fn seen_by(model: impl Into<Arc<user::Model>>, ctx: &Context<'_>) -> Self {
        let model = model.into();
        let email_visible = domain::visibility::sees_email(ctx.viewer(), &model.id);
        Self { model, email_visible }
    }

    /// The user as seen by themself (the user of an `AuthPayload`).
    pub fn as_self(model: impl Into<Arc<user::Model>>) -> Self {
        Self { model: model.into(), email_visible: true }
    }

    /// Loads a user by id through the request's DataLoader.
    pub async fn load(ctx: &Context<'_>, id: &str) -> Result<Option<Self>> {
        let model = ctx.loaders()?.users.load_one(id.to_owned()).await.gql(ctx)?;
        Ok(model.map(|m| Self::seen_by(m, ctx)))
    }

    /// A user a foreign key guarantees (NOT NULL, cascading): missing only if deleted while this
    /// request ran, which is reported as an internal error rather than typed as nullable.
    pub async fn load_required(ctx: &Context<'_>, id: &str) -> Result<Self> {
        Self::load(ctx, id).await?.ok_or_else(|| crate::context::missing(ctx, "user"))
    }

    /// A page of followers or followings, through the request's DataLoader: the pages of a whole
    /// list of users (a feed page's actors, a page of users) are one statement.
    async fn follows(
        &self,
        ctx: &Context<'_>,
        direction: FollowDirection,
        first: Option<i32>,
        after: Option<String>,
    ) -> Result<Connection<String, User>> {
        let request = PageRequest::new(first, after.as_deref()).gql(ctx)?;
        let key = FollowPageKey::new(&self.model.id, direction, &request).gql(ctx)?;
        let rows = ctx.loaders()?.follow_pages.load_one(key).await.gql(ctx)?.unwrap_or_default();
        Ok(connection(follow_page(&request, &rows), |(_, u)| User::seen_by(u, ctx)))
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
    /// Only visible to the user themself: null for everyone else (privacy, not absence).
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
    /// Whether the builder appears in discovery (search, candidates, suggestions, similar
    /// builders). Only visible to the user themself: null for everyone else.
    async fn discoverable(&self) -> Option<bool> {
        self.email_visible.then_some(self.model.discoverable)
    }
    /// Open roles in tribes with room that fit this builder, best first, each with the reasons
    /// (the needed skills they have, similarity in meaning). Only the builder themself may ask
    /// (`viewer { suggestedRoles }`); FORBIDDEN for anyone else.
    async fn suggested_roles(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Page size, 0 to 100 (default 20).")] first: Option<i32>,
        after: Option<String>,
    ) -> Result<Connection<String, SuggestedRole>> {
        let viewer = ctx.viewer().require().gql(ctx)?;
        if viewer != self.model.id {
            return Err(DomainError::Forbidden(
                "Only the builder themself sees the roles suggested to them.".into(),
            ))
            .gql(ctx);
        }
        let request = PageRequest::new(first, after.as_deref()).gql(ctx)?;
        let page = domain::discovery::matching::suggested_roles(ctx.services()?, viewer, &request)
            .await
            .gql(ctx)?;
        Ok(connection(page, |suggestion| SuggestedRole { suggestion }))
    }
    /// The builders nearest this one in meaning (headline, bio, role and skills), with the skills
    /// they share. Empty until the profile is embedded; builders who left discovery are not
    /// listed.
    async fn similar_builders(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "How many, 0 to 20 (default 5).")] first: Option<i32>,
    ) -> Result<Vec<SimilarBuilder>> {
        let rows = domain::discovery::matching::similar(
            ctx.services()?,
            Neighbours::Builders,
            &self.model.id,
            first,
        )
        .await
        .gql(ctx)?;
        let users =
            futures_util::future::try_join_all(rows.iter().map(|n| User::load(ctx, &n.id))).await?;
        Ok(rows
            .into_iter()
            .zip(users)
            .filter_map(|(neighbour, user)| Some(SimilarBuilder { user: user?, neighbour }))
            .collect())
    }
    /// True once the profile has a headline, a primary role and at least one skill.
    async fn onboarding_completed(&self) -> bool {
        self.model.onboarding_completed
    }
    async fn created_at(&self) -> DateTime<Utc> {
        self.model.created_at.to_utc()
    }
    /// The builder's skills, by name (at most 30).
    async fn skills(&self, ctx: &Context<'_>) -> Result<Vec<Skill>> {
        let skills = ctx.loaders()?.skills.load_one(self.model.id.clone()).await.gql(ctx)?;
        Ok(skills.unwrap_or_default().iter().cloned().map(Skill).collect())
    }
    /// The builder's own projects, newest first.
    async fn projects(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Page size, 0 to 100 (default 20).")] first: Option<i32>,
        after: Option<String>,
    ) -> Result<Connection<String, Project>> {
        let request = PageRequest::new(first, after.as_deref()).gql(ctx)?;
        let before = Cursor::id_bound(request.after.as_ref()).gql(ctx)?;
        let key = (self.model.id.clone(), before, request.limit());
        let rows = ctx.loaders()?.owner_projects.load_one(key).await.gql(ctx)?.unwrap_or_default();
        let page = Page::from_rows(&request, rows.to_vec(), |p| Cursor::Id(p.id.clone()));
        Ok(connection(page, Project::new))
    }
    /// Projects the builder collaborates on (confirmed), newest first (at most 50).
    async fn collaborations(&self, ctx: &Context<'_>) -> Result<Vec<Collaborator>> {
        let rows = ctx.loaders()?.collaborations.load_one(self.model.id.clone()).await.gql(ctx)?;
        Ok(rows
            .unwrap_or_default()
            .iter()
            .map(|(c, p)| {
                Collaborator::new(c.clone(), Some(self.clone()), Some(Project::new(p.clone())))
            })
            .collect())
    }
    /// The tribes the builder is an active member of (at most 20).
    async fn tribes(&self, ctx: &Context<'_>) -> Result<Vec<Tribe>> {
        let rows = ctx.loaders()?.user_tribes.load_one(self.model.id.clone()).await.gql(ctx)?;
        Ok(rows.unwrap_or_default().iter().map(|t| Tribe::new(t.clone(), None)).collect())
    }
    /// People who follow this builder, most recent first.
    async fn followers(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Page size, 0 to 100 (default 20).")] first: Option<i32>,
        after: Option<String>,
    ) -> Result<Connection<String, User>> {
        self.follows(ctx, FollowDirection::Followers, first, after).await
    }
    /// People this builder follows (at most 100), most recent first.
    async fn following(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Page size, 0 to 100 (default 20).")] first: Option<i32>,
        after: Option<String>,
    ) -> Result<Connection<String, User>> {
        self.follows(ctx, FollowDirection::Following, first, after).await
    }
    async fn follower_count(&self, ctx: &Context<'_>) -> Result<i64> {
        let counts = ctx.loaders()?.follow_counts.load_one(self.model.id.clone()).await.gql(ctx)?;
        Ok(counts.unwrap_or_default().followers)
    }
    async fn following_count(&self, ctx: &Context<'_>) -> Result<i64> {
        let counts = ctx.loaders()?.follow_counts.load_one(self.model.id.clone()).await.gql(ctx)?;
        Ok(counts.unwrap_or_default().following)
    }
    /// Whether the signed-in viewer follows this builder; false when anonymous.
    async fn viewer_follows(&self, ctx: &Context<'_>) -> Result<bool> {
        let Some(loader) = &ctx.loaders()?.viewer_follows else { return Ok(false) };
        Ok(loader.load_one(self.model.id.clone()).await.gql(ctx)?.unwrap_or(false))
    }
}

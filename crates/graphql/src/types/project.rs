use std::sync::Arc;

use async_graphql::{Context, ID, Json, Object, Result};
use chrono::{DateTime, Utc};
use entity::{project, project_collaborator, user};

use super::discovery::SimilarProject;
use super::enums::{CollaboratorStatus, ProjectStatus};
use super::user::User;
use crate::context::{ContextExt, ResultExt};

pub use domain::json_strings as strings;

type CollaboratorRows =
    domain::batch::List<(Arc<entity::project_collaborator::Model>, Arc<user::Model>)>;

#[derive(Clone)]
pub struct Project {
    model: Arc<project::Model>,
    /// Loaded with the project when it came through the project loader.
    owner: Option<Arc<user::Model>>,
}

impl Project {
    pub fn new(model: impl Into<Arc<project::Model>>) -> Self {
        Self { model: model.into(), owner: None }
    }

    pub fn with_owner(model: Arc<project::Model>, owner: Arc<user::Model>) -> Self {
        Self { model, owner: Some(owner) }
    }

    fn collaborators_from(&self, rows: CollaboratorRows, ctx: &Context<'_>) -> Vec<Collaborator> {
        rows.iter()
            .map(|(c, u)| {
                Collaborator::new(
                    c.clone(),
                    Some(User::seen_by(u.clone(), ctx)),
                    Some(self.clone()),
                )
            })
            .collect()
    }

    pub async fn load(ctx: &Context<'_>, id: &str) -> Result<Option<Self>> {
        let row = ctx.loaders()?.projects.load_one(id.to_owned()).await.gql(ctx)?;
        Ok(row.map(|(p, owner)| Self::with_owner(p, owner)))
    }

    /// A project a foreign key guarantees (see [`User::load_required`]).
    pub async fn load_required(ctx: &Context<'_>, id: &str) -> Result<Self> {
        Self::load(ctx, id).await?.ok_or_else(|| crate::context::missing(ctx, "project"))
    }
}

/// Something a builder made, with who built it.
#[Object]
impl Project {
    async fn id(&self) -> ID {
        ID(self.model.id.clone())
    }
    async fn title(&self) -> &str {
        &self.model.title
    }
    async fn description(&self) -> Option<&str> {
        self.model.description.as_deref()
    }
    async fn status(&self) -> ProjectStatus {
        self.model.status.into()
    }
    /// The owner's role on the project.
    async fn role(&self) -> Option<&str> {
        self.model.role.as_deref()
    }
    async fn thumbnail_url(&self) -> Option<&str> {
        self.model.thumbnail_url.as_deref()
    }
    /// An object of link name to URL.
    async fn links(&self) -> Json<serde_json::Value> {
        Json(self.model.links.clone())
    }
    async fn tech_stack(&self) -> Vec<String> {
        strings(&self.model.tech_stack)
    }
    /// An object of metric name to number or short text, such as {"users": 1200}.
    async fn impact_metrics(&self) -> Json<serde_json::Value> {
        Json(self.model.impact_metrics.clone())
    }
    /// owner/name on GitHub.
    async fn github_repo_full_name(&self) -> Option<&str> {
        self.model.github_repo_full_name.as_deref()
    }
    async fn github_stars(&self) -> Option<i32> {
        self.model.github_stars
    }
    async fn created_at(&self) -> DateTime<Utc> {
        self.model.created_at.to_utc()
    }
    async fn updated_at(&self) -> DateTime<Utc> {
        self.model.updated_at.to_utc()
    }
    async fn owner(&self, ctx: &Context<'_>) -> Result<User> {
        match &self.owner {
            Some(owner) => Ok(User::seen_by(owner.clone(), ctx)),
            None => User::load_required(ctx, &self.model.owner_id).await,
        }
    }
    /// Invitations not yet answered. Only the owner sees them: null for everyone else (not an
    /// empty list, so a client can tell "none" from "not yours to see").
    /// With the confirmed collaborators, at most 20.
    async fn pending_invitations(&self, ctx: &Context<'_>) -> Result<Option<Vec<Collaborator>>> {
        if !domain::visibility::sees_owner_only(ctx.viewer(), &self.model.owner_id) {
            return Ok(None);
        }
        let rows = ctx.loaders()?.invitations.load_one(self.model.id.clone()).await.gql(ctx)?;
        Ok(Some(self.collaborators_from(rows.unwrap_or_default(), ctx)))
    }
    /// Confirmed collaborators, in the order they were invited (with the pending invitations, at
    /// most 20).
    async fn collaborators(&self, ctx: &Context<'_>) -> Result<Vec<Collaborator>> {
        let rows = ctx.loaders()?.collaborators.load_one(self.model.id.clone()).await.gql(ctx)?;
        Ok(self.collaborators_from(rows.unwrap_or_default(), ctx))
    }
    /// The projects nearest this one in meaning (title, description, tech stack), with the tech
    /// they share. Empty until the project is embedded; projects of builders who left discovery
    /// are not listed.
    async fn similar_projects(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "How many, 0 to 20 (default 5).")] first: Option<i32>,
    ) -> Result<Vec<SimilarProject>> {
        let rows = domain::discovery::matching::similar(
            ctx.services()?,
            domain::discovery::matching::Neighbours::Projects,
            &self.model.id,
            first,
        )
        .await
        .gql(ctx)?;
        let projects =
            futures_util::future::try_join_all(rows.iter().map(|n| Project::load(ctx, &n.id)))
                .await?;
        Ok(rows
            .into_iter()
            .zip(projects)
            .filter_map(|(neighbour, project)| {
                Some(SimilarProject { project: project?, neighbour })
            })
            .collect())
    }
}

/// A builder's part in someone else's project.
pub struct Collaborator {
    model: Arc<project_collaborator::Model>,
    user: Option<User>,
    project: Option<Project>,
}

impl Collaborator {
    pub fn new(
        model: impl Into<Arc<project_collaborator::Model>>,
        user: Option<User>,
        project: Option<Project>,
    ) -> Self {
        Self { model: model.into(), user, project }
    }
}

#[Object]
impl Collaborator {
    async fn user(&self, ctx: &Context<'_>) -> Result<User> {
        match &self.user {
            Some(user) => Ok(user.clone()),
            None => User::load_required(ctx, &self.model.user_id).await,
        }
    }
    async fn project(&self, ctx: &Context<'_>) -> Result<Project> {
        match &self.project {
            Some(project) => Ok(project.clone()),
            None => Project::load_required(ctx, &self.model.project_id).await,
        }
    }
    async fn role(&self) -> Option<&str> {
        self.model.role.as_deref()
    }
    async fn status(&self) -> CollaboratorStatus {
        self.model.status.into()
    }
    async fn invited_at(&self) -> DateTime<Utc> {
        self.model.invited_at.to_utc()
    }
    async fn confirmed_at(&self) -> Option<DateTime<Utc>> {
        self.model.confirmed_at.map(|t| t.to_utc())
    }
}

//! Mutations of projects and their collaborators.
use async_graphql::{Context, ID, InputObject, Json, MaybeUndefined, Object, Result};
use domain::profile::Change;
use domain::projects::{self, ProjectInput};

use super::change;
use crate::context::{ContextExt, ResultExt};
use crate::types::project::{Collaborator, Project};

#[derive(InputObject)]
pub struct CreateProjectInput {
    /// 1 to 200 characters.
    pub title: String,
    /// At most 5000 characters.
    pub description: Option<String>,
    /// Your role on it, at most 100 characters.
    pub role: Option<String>,
    /// An http(s) URL, stored normalised, at most 500 characters.
    pub thumbnail_url: Option<String>,
    /// At most 10 links: {"demo": "https://…"}.
    pub links: Option<Json<serde_json::Value>>,
    /// At most 20 entries of at most 50 characters.
    pub tech_stack: Option<Vec<String>>,
    /// At most 10 metrics, numbers or short texts: {"users": 1200}.
    pub impact_metrics: Option<Json<serde_json::Value>>,
    /// owner/name; unique regardless of case.
    pub github_repo_full_name: Option<String>,
    pub github_stars: Option<i32>,
}

impl From<CreateProjectInput> for ProjectInput {
    fn from(i: CreateProjectInput) -> Self {
        let opt = |v: Option<String>| v.map_or(Change::Keep, Change::Set);
        Self {
            title: Some(i.title),
            description: opt(i.description),
            role: opt(i.role),
            thumbnail_url: opt(i.thumbnail_url),
            links: i.links.map(|j| j.0),
            tech_stack: i.tech_stack,
            impact_metrics: i.impact_metrics.map(|j| j.0),
            github_repo_full_name: opt(i.github_repo_full_name),
            github_stars: i.github_stars.map_or(Change::Keep, Change::Set),
        }
    }
}

/// Fields left out are kept; nullable fields set to null are cleared.
#[derive(InputObject)]
pub struct UpdateProjectInput {
    pub id: ID,
    pub title: Option<String>,
    pub description: MaybeUndefined<String>,
    pub role: MaybeUndefined<String>,
    pub thumbnail_url: MaybeUndefined<String>,
    pub links: Option<Json<serde_json::Value>>,
    pub tech_stack: Option<Vec<String>>,
    pub impact_metrics: Option<Json<serde_json::Value>>,
    pub github_repo_full_name: MaybeUndefined<String>,
    pub github_stars: MaybeUndefined<i32>,
}

impl From<UpdateProjectInput> for ProjectInput {
    fn from(i: UpdateProjectInput) -> Self {
        Self {
            title: i.title,
            description: change(i.description),
            role: change(i.role),
            thumbnail_url: change(i.thumbnail_url),
            links: i.links.map(|j| j.0),
            tech_stack: i.tech_stack,
            impact_metrics: i.impact_metrics.map(|j| j.0),
            github_repo_full_name: change(i.github_repo_full_name),
            github_stars: change(i.github_stars),
        }
    }
}

#[derive(Default)]
pub struct ProjectMutation;

#[Object]
impl ProjectMutation {
    /// Creates a project (IN_PROGRESS) owned by the viewer. Records PROJECT_CREATED.
    async fn create_project(
        &self,
        ctx: &Context<'_>,
        input: CreateProjectInput,
    ) -> Result<Project> {
        let viewer = ctx.viewer().require().gql(ctx)?;
        let project = projects::create(ctx.services()?, viewer, input.into()).await.gql(ctx)?;
        Ok(Project::new(project))
    }

    /// Owner only.
    async fn update_project(
        &self,
        ctx: &Context<'_>,
        input: UpdateProjectInput,
    ) -> Result<Project> {
        let viewer = ctx.viewer().require().gql(ctx)?;
        let id = input.id.0.clone();
        let project =
            projects::update(ctx.services()?, viewer, &id, input.into()).await.gql(ctx)?;
        Ok(Project::new(project))
    }

    /// IN_PROGRESS → SHIPPED. Owner only. Records PROJECT_SHIPPED.
    async fn ship_project(&self, ctx: &Context<'_>, id: ID) -> Result<Project> {
        let viewer = ctx.viewer().require().gql(ctx)?;
        Ok(Project::new(projects::ship(ctx.services()?, viewer, &id).await.gql(ctx)?))
    }

    /// Owner only.
    async fn archive_project(&self, ctx: &Context<'_>, id: ID) -> Result<Project> {
        let viewer = ctx.viewer().require().gql(ctx)?;
        Ok(Project::new(projects::archive(ctx.services()?, viewer, &id).await.gql(ctx)?))
    }

    /// Owner only. Also removes the feed events that point at the project.
    async fn delete_project(&self, ctx: &Context<'_>, id: ID) -> Result<bool> {
        let viewer = ctx.viewer().require().gql(ctx)?;
        projects::delete(ctx.services()?, viewer, &id).await.gql(ctx)?;
        Ok(true)
    }

    /// The owner invites a builder; the invitation is PENDING until they answer.
    async fn invite_collaborator(
        &self,
        ctx: &Context<'_>,
        project_id: ID,
        user_id: ID,
        role: Option<String>,
    ) -> Result<Collaborator> {
        let viewer = ctx.viewer().require().gql(ctx)?;
        let invited = projects::invite(ctx.services()?, viewer, &project_id, &user_id, role)
            .await
            .gql(ctx)?;
        Ok(Collaborator::new(invited, None, None))
    }

    /// The invited builder accepts (CONFIRMED; records COLLABORATION_CONFIRMED) or declines.
    async fn respond_to_collaboration(
        &self,
        ctx: &Context<'_>,
        project_id: ID,
        accept: bool,
    ) -> Result<Collaborator> {
        let viewer = ctx.viewer().require().gql(ctx)?;
        let answered =
            projects::respond(ctx.services()?, viewer, &project_id, accept).await.gql(ctx)?;
        Ok(Collaborator::new(answered, None, None))
    }

    /// Owner only: removes a collaborator or withdraws an invitation.
    async fn remove_collaborator(
        &self,
        ctx: &Context<'_>,
        project_id: ID,
        user_id: ID,
    ) -> Result<bool> {
        let viewer = ctx.viewer().require().gql(ctx)?;
        projects::remove_collaborator(ctx.services()?, viewer, &project_id, &user_id)
            .await
            .gql(ctx)?;
        Ok(true)
    }

    /// A collaborator leaves a project.
    async fn leave_project(&self, ctx: &Context<'_>, project_id: ID) -> Result<bool> {
        let viewer = ctx.viewer().require().gql(ctx)?;
        projects::leave(ctx.services()?, viewer, &project_id).await.gql(ctx)?;
        Ok(true)
    }
}

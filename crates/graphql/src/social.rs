//! Mutations of the social network: follows, projects and collaboration, tribes and membership.
//! Each returns the object it changed, so a normalising client cache updates itself.
use async_graphql::{Context, ID, InputObject, Json, MaybeUndefined, Object, Result};
use domain::profile::Change;
use domain::projects::ProjectInput;
use domain::tribes::{OpenRoleInput, TribeInput};
use domain::{follows, projects, tribes};

use crate::context::{ContextExt, ResultExt};
use crate::types::enums::TribeStatus;
use crate::types::project::{Collaborator, Project};
use crate::types::tribe::{OpenRole, Tribe, TribeMember};
use crate::types::user::User;

fn change<T>(value: MaybeUndefined<T>) -> Change<T> {
    match value {
        MaybeUndefined::Undefined => Change::Keep,
        MaybeUndefined::Null => Change::Clear,
        MaybeUndefined::Value(v) => Change::Set(v),
    }
}

#[derive(InputObject)]
pub struct CreateProjectInput {
    /// 1 to 200 characters.
    pub title: String,
    /// At most 5000 characters.
    pub description: Option<String>,
    /// Your role on it, at most 100 characters.
    pub role: Option<String>,
    pub thumbnail_url: Option<String>,
    /// At most 10 links: {"demo": "https://…"}.
    pub links: Option<Json<serde_json::Value>>,
    /// At most 20 entries of at most 50 characters.
    pub tech_stack: Option<Vec<String>>,
    /// At most 10 metrics, numbers or short texts: {"users": 1200}.
    pub impact_metrics: Option<Json<serde_json::Value>>,
    /// owner/name.
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

#[derive(InputObject)]
pub struct CreateTribeInput {
    /// 1 to 100 characters.
    pub name: String,
    /// At most 2000 characters.
    pub mission: Option<String>,
    /// 1 to 50 (default 8).
    pub max_members: Option<i32>,
}

#[derive(InputObject)]
pub struct UpdateTribeInput {
    pub id: ID,
    pub name: Option<String>,
    pub mission: MaybeUndefined<String>,
    pub status: Option<TribeStatus>,
    pub max_members: Option<i32>,
}

#[derive(InputObject)]
pub struct AddOpenRoleInput {
    pub tribe_id: ID,
    /// 1 to 100 characters.
    pub title: String,
    /// At most 20 skill names.
    pub skills_needed: Option<Vec<String>>,
}

#[derive(InputObject)]
pub struct UpdateOpenRoleInput {
    pub id: ID,
    pub title: Option<String>,
    pub skills_needed: Option<Vec<String>>,
    pub filled: Option<bool>,
}

#[derive(Default)]
pub struct SocialMutation;

#[Object]
impl SocialMutation {
    /// Follows a builder (at most 100 follows). Idempotent. Returns the followed builder.
    async fn follow(&self, ctx: &Context<'_>, user_id: ID) -> Result<User> {
        let viewer = ctx.viewer().require().gql(ctx)?;
        let user = follows::follow(ctx.services()?, viewer, &user_id).await.gql(ctx)?;
        Ok(User::seen_by(user, ctx))
    }

    /// Stops following a builder. Idempotent. Returns the unfollowed builder.
    async fn unfollow(&self, ctx: &Context<'_>, user_id: ID) -> Result<User> {
        let viewer = ctx.viewer().require().gql(ctx)?;
        let user = follows::unfollow(ctx.services()?, viewer, &user_id).await.gql(ctx)?;
        Ok(User::seen_by(user, ctx))
    }

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

    /// Creates a tribe (OPEN); the viewer becomes its active owner. Records TRIBE_CREATED.
    async fn create_tribe(&self, ctx: &Context<'_>, input: CreateTribeInput) -> Result<Tribe> {
        let viewer = ctx.viewer().require().gql(ctx)?;
        let fields = TribeInput {
            name: Some(input.name),
            mission: input.mission.map_or(Change::Keep, Change::Set),
            status: None,
            max_members: input.max_members,
        };
        Ok(Tribe::new(tribes::create(ctx.services()?, viewer, fields).await.gql(ctx)?, None))
    }

    /// Owner only.
    async fn update_tribe(&self, ctx: &Context<'_>, input: UpdateTribeInput) -> Result<Tribe> {
        let viewer = ctx.viewer().require().gql(ctx)?;
        let fields = TribeInput {
            name: input.name,
            mission: change(input.mission),
            status: input.status.map(Into::into),
            max_members: input.max_members,
        };
        Ok(Tribe::new(
            tribes::update(ctx.services()?, viewer, &input.id, fields).await.gql(ctx)?,
            None,
        ))
    }

    /// Owner only.
    async fn add_open_role(&self, ctx: &Context<'_>, input: AddOpenRoleInput) -> Result<OpenRole> {
        let viewer = ctx.viewer().require().gql(ctx)?;
        let fields = OpenRoleInput {
            title: Some(input.title),
            skills_needed: input.skills_needed,
            filled: None,
        };
        Ok(OpenRole(
            tribes::add_open_role(ctx.services()?, viewer, &input.tribe_id, fields)
                .await
                .gql(ctx)?
                .into(),
        ))
    }

    /// Owner only.
    async fn update_open_role(
        &self,
        ctx: &Context<'_>,
        input: UpdateOpenRoleInput,
    ) -> Result<OpenRole> {
        let viewer = ctx.viewer().require().gql(ctx)?;
        let fields = OpenRoleInput {
            title: input.title,
            skills_needed: input.skills_needed,
            filled: input.filled,
        };
        Ok(OpenRole(
            tribes::update_open_role(ctx.services()?, viewer, &input.id, fields)
                .await
                .gql(ctx)?
                .into(),
        ))
    }

    /// Owner only.
    async fn remove_open_role(&self, ctx: &Context<'_>, id: ID) -> Result<bool> {
        let viewer = ctx.viewer().require().gql(ctx)?;
        tribes::remove_open_role(ctx.services()?, viewer, &id).await.gql(ctx)?;
        Ok(true)
    }

    /// Asks to join an OPEN tribe, optionally for one of its open roles: PENDING until the owner
    /// decides.
    async fn request_to_join_tribe(
        &self,
        ctx: &Context<'_>,
        tribe_id: ID,
        role_id: Option<ID>,
    ) -> Result<TribeMember> {
        let viewer = ctx.viewer().require().gql(ctx)?;
        let request =
            tribes::request_to_join(ctx.services()?, viewer, &tribe_id, role_id.map(|r| r.0))
                .await
                .gql(ctx)?;
        Ok(TribeMember::new(request, None, None))
    }

    /// Owner only: approves (ACTIVE; fills the requested role; records MEMBER_JOINED_TRIBE) or
    /// rejects a request. Never takes a tribe past maxMembers.
    async fn decide_membership(
        &self,
        ctx: &Context<'_>,
        tribe_id: ID,
        user_id: ID,
        approve: bool,
    ) -> Result<TribeMember> {
        let viewer = ctx.viewer().require().gql(ctx)?;
        let member =
            tribes::decide(ctx.services()?, viewer, &tribe_id, &user_id, approve).await.gql(ctx)?;
        Ok(TribeMember::new(member, None, None))
    }

    /// Leaves a tribe (or withdraws a request). An owner who leaves hands the tribe to the
    /// longest-standing member; with no one left, the tribe closes (ALUMNI).
    async fn leave_tribe(&self, ctx: &Context<'_>, tribe_id: ID) -> Result<bool> {
        let viewer = ctx.viewer().require().gql(ctx)?;
        tribes::leave(ctx.services()?, viewer, &tribe_id).await.gql(ctx)?;
        Ok(true)
    }

    /// Owner only: removes a member or a pending request.
    async fn remove_member(&self, ctx: &Context<'_>, tribe_id: ID, user_id: ID) -> Result<bool> {
        let viewer = ctx.viewer().require().gql(ctx)?;
        tribes::remove_member(ctx.services()?, viewer, &tribe_id, &user_id).await.gql(ctx)?;
        Ok(true)
    }
}

//! Mutations of tribes, their open roles and their membership.
use async_graphql::{Context, ID, InputObject, MaybeUndefined, Object, Result};
use domain::membership;
use domain::profile::Change;
use domain::roles::{self, OpenRoleInput};
use domain::tribes::{self, TribeInput};

use super::change;
use crate::context::{ContextExt, ResultExt};
use crate::types::enums::TribeStatus;
use crate::types::tribe::{OpenRole, Tribe, TribeMember};

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
pub struct TribeMutation;

#[Object]
impl TribeMutation {
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
            roles::add(ctx.services()?, viewer, &input.tribe_id, fields).await.gql(ctx)?.into(),
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
            roles::update(ctx.services()?, viewer, &input.id, fields).await.gql(ctx)?.into(),
        ))
    }

    /// Owner only.
    async fn remove_open_role(&self, ctx: &Context<'_>, id: ID) -> Result<bool> {
        let viewer = ctx.viewer().require().gql(ctx)?;
        roles::remove(ctx.services()?, viewer, &id).await.gql(ctx)?;
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
            membership::request_to_join(ctx.services()?, viewer, &tribe_id, role_id.map(|r| r.0))
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
        let member = membership::decide(ctx.services()?, viewer, &tribe_id, &user_id, approve)
            .await
            .gql(ctx)?;
        Ok(TribeMember::new(member, None, None))
    }

    /// Leaves a tribe (or withdraws a request). An owner who leaves hands the tribe to the
    /// longest-standing member; with no one left, the tribe closes (ALUMNI) for good: it has no
    /// owner and nobody can change it again. A role the leaver filled is open again.
    async fn leave_tribe(&self, ctx: &Context<'_>, tribe_id: ID) -> Result<bool> {
        let viewer = ctx.viewer().require().gql(ctx)?;
        membership::leave(ctx.services()?, viewer, &tribe_id).await.gql(ctx)?;
        Ok(true)
    }

    /// Owner only: removes a member or a pending request. A role the member filled is open again.
    async fn remove_member(&self, ctx: &Context<'_>, tribe_id: ID, user_id: ID) -> Result<bool> {
        let viewer = ctx.viewer().require().gql(ctx)?;
        membership::remove_member(ctx.services()?, viewer, &tribe_id, &user_id).await.gql(ctx)?;
        Ok(true)
    }
}

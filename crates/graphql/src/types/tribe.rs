use std::sync::Arc;

use async_graphql::connection::{Connection, Edge};
use async_graphql::{Context, ID, Object, Result};
use chrono::{DateTime, Utc};
use domain::pagination::PageRequest;
use entity::{tribe, tribe_member, tribe_open_role, user};

use super::discovery::RoleCandidate;
use super::enums::{MemberRole, MemberStatus, TribeStatus};
use super::project::strings;
use super::user::User;
use crate::context::{ContextExt, ResultExt};

type MemberRows = domain::batch::List<(Arc<tribe_member::Model>, Arc<user::Model>)>;

#[derive(Clone)]
pub struct Tribe {
    model: Arc<tribe::Model>,
    owner: Option<Arc<user::Model>>,
}

impl Tribe {
    pub fn new(model: impl Into<Arc<tribe::Model>>, owner: Option<Arc<user::Model>>) -> Self {
        Self { model: model.into(), owner }
    }

    fn members_from(&self, rows: MemberRows, ctx: &Context<'_>) -> Vec<TribeMember> {
        rows.iter()
            .map(|(m, u)| {
                TribeMember::new(m.clone(), Some(User::seen_by(u.clone(), ctx)), Some(self.clone()))
            })
            .collect()
    }

    pub async fn load(ctx: &Context<'_>, id: &str) -> Result<Option<Self>> {
        let row = ctx.loaders()?.tribes.load_one(id.to_owned()).await.gql(ctx)?;
        Ok(row.map(|(t, owner)| Self::new(t, Some(owner))))
    }

    /// A tribe a foreign key guarantees (see [`User::load_required`]).
    pub async fn load_required(ctx: &Context<'_>, id: &str) -> Result<Self> {
        Self::load(ctx, id).await?.ok_or_else(|| crate::context::missing(ctx, "tribe"))
    }
}

/// A small team with a mission and open roles.
#[Object]
impl Tribe {
    async fn id(&self) -> ID {
        ID(self.model.id.clone())
    }
    async fn name(&self) -> &str {
        &self.model.name
    }
    async fn mission(&self) -> Option<&str> {
        self.model.mission.as_deref()
    }
    async fn status(&self) -> TribeStatus {
        self.model.status.into()
    }
    async fn max_members(&self) -> i32 {
        self.model.max_members
    }
    async fn created_at(&self) -> DateTime<Utc> {
        self.model.created_at.to_utc()
    }
    async fn updated_at(&self) -> DateTime<Utc> {
        self.model.updated_at.to_utc()
    }
    /// The owner. A tribe whose owner left with nobody to hand it to keeps its last owner here,
    /// no longer a member, and the tribe is ALUMNI and read-only for good.
    async fn owner(&self, ctx: &Context<'_>) -> Result<User> {
        match &self.owner {
            Some(owner) => Ok(User::seen_by(owner.clone(), ctx)),
            None => User::load_required(ctx, &self.model.owner_id).await,
        }
    }
    /// Active members, the owner first (at most maxMembers, itself at most 50).
    async fn members(&self, ctx: &Context<'_>) -> Result<Vec<TribeMember>> {
        let rows = ctx.loaders()?.members.load_one(self.model.id.clone()).await.gql(ctx)?;
        Ok(self.members_from(rows.unwrap_or_default(), ctx))
    }
    /// Requests to join that await a decision. Only the owner sees them: null for everyone else
    /// (not an empty list, so a client can tell "none" from "not yours to see").
    /// At most 50.
    async fn join_requests(&self, ctx: &Context<'_>) -> Result<Option<Vec<TribeMember>>> {
        if !domain::visibility::sees_owner_only(ctx.viewer(), &self.model.owner_id) {
            return Ok(None);
        }
        let rows = ctx.loaders()?.join_requests.load_one(self.model.id.clone()).await.gql(ctx)?;
        Ok(Some(self.members_from(rows.unwrap_or_default(), ctx)))
    }
    /// The tribe's roles, filled or not (at most 20).
    async fn open_roles(&self, ctx: &Context<'_>) -> Result<Vec<OpenRole>> {
        let rows = ctx.loaders()?.open_roles.load_one(self.model.id.clone()).await.gql(ctx)?;
        Ok(rows.unwrap_or_default().iter().cloned().map(OpenRole).collect())
    }
}

pub struct TribeMember {
    model: Arc<tribe_member::Model>,
    user: Option<User>,
    tribe: Option<Tribe>,
}

impl TribeMember {
    pub fn new(
        model: impl Into<Arc<tribe_member::Model>>,
        user: Option<User>,
        tribe: Option<Tribe>,
    ) -> Self {
        Self { model: model.into(), user, tribe }
    }
}

/// A builder's membership of a tribe.
#[Object]
impl TribeMember {
    async fn user(&self, ctx: &Context<'_>) -> Result<User> {
        match &self.user {
            Some(user) => Ok(user.clone()),
            None => User::load_required(ctx, &self.model.user_id).await,
        }
    }
    async fn tribe(&self, ctx: &Context<'_>) -> Result<Tribe> {
        match &self.tribe {
            Some(tribe) => Ok(tribe.clone()),
            None => Tribe::load_required(ctx, &self.model.tribe_id).await,
        }
    }
    async fn role(&self) -> MemberRole {
        self.model.role.into()
    }
    async fn status(&self) -> MemberStatus {
        self.model.status.into()
    }
    async fn joined_at(&self) -> Option<DateTime<Utc>> {
        self.model.joined_at.map(|t| t.to_utc())
    }
}

pub struct OpenRole(pub Arc<tribe_open_role::Model>);

/// A role a tribe is looking to fill.
#[Object]
impl OpenRole {
    async fn id(&self) -> ID {
        ID(self.0.id.clone())
    }
    async fn title(&self) -> &str {
        &self.0.title
    }
    async fn skills_needed(&self) -> Vec<String> {
        strings(&self.0.skills_needed)
    }
    async fn filled(&self) -> bool {
        self.0.filled
    }
    async fn tribe(&self, ctx: &Context<'_>) -> Result<Tribe> {
        Tribe::load_required(ctx, &self.0.tribe_id).await
    }
    /// The builders who fit this role, best first, each with the reasons: the needed skills they
    /// have, how close their profile is to the role in meaning, and their availability. Current
    /// members, people with a pending request and builders who left discovery are never listed.
    /// Only the tribe's owner may ask (FORBIDDEN for anyone else).
    async fn candidates(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Page size, 0 to 100 (default 20).")] first: Option<i32>,
        after: Option<String>,
    ) -> Result<Connection<String, RoleCandidate>> {
        let viewer = ctx.viewer().require().gql(ctx)?;
        let request = PageRequest::new(first, after.as_deref()).gql(ctx)?;
        let page =
            domain::discovery::matching::candidates(ctx.services()?, viewer, &self.0.id, &request)
                .await
                .gql(ctx)?;
        let mut out = Connection::new(page.has_previous_page, page.has_next_page);
        // Loaded together: one batched statement for the page's builders.
        let users = futures_util::future::try_join_all(
            page.items.iter().map(|(_, c)| User::load(ctx, &c.user_id)),
        )
        .await?;
        // A builder deleted since the ranking is left out.
        out.edges = page
            .items
            .into_iter()
            .zip(users)
            .filter_map(|((cursor, candidate), user)| {
                Some(Edge::new(cursor.encode(), RoleCandidate { user: user?, candidate }))
            })
            .collect();
        Ok(out)
    }
    /// Who filled the role: null while the role is open (and once its holder has left).
    async fn filled_by(&self, ctx: &Context<'_>) -> Result<Option<User>> {
        match &self.0.filled_by {
            Some(id) => User::load(ctx, id).await,
            None => Ok(None),
        }
    }
}

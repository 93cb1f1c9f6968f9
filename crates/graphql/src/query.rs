use async_graphql::connection::{Connection, Edge, EmptyFields};
use async_graphql::{Context, Enum, ID, InputObject, Object, Result};
use domain::DomainError;
use domain::discovery::search::SearchKind as DomainSearchKind;
use domain::feed::FeedScope as DomainFeedScope;
use domain::lists::{ProjectFilter as DomainProjectFilter, UserFilter as DomainUserFilter};
use domain::pagination::PageRequest;

use crate::context::{ContextExt, ResultExt};
use crate::types::connection::connection;
use crate::types::discovery::{SearchFilter, SearchHit, SearchKind, SearchResult};
use crate::types::enums::{
    AvailabilityStatus, ProjectStatus, SkillCategory, TribeStatus, UserRole,
};
use crate::types::feed::FeedEvent;
use crate::types::project::{Collaborator, Project};
use crate::types::skill::Skill;
use crate::types::tribe::{Tribe, TribeMember};
use crate::types::user::User;

pub struct Query;

/// Which events the feed shows. Either way the order is strictly newest first.
#[derive(Enum, Copy, Clone, Debug, PartialEq, Eq, Default)]
pub enum FeedScope {
    /// Every event.
    #[default]
    Everyone,
    /// Events by the viewer and the people they follow (requires signing in).
    Following,
}

#[derive(InputObject, Default)]
pub struct UserFilter {
    pub primary_role: Option<UserRole>,
    pub availability_status: Option<AvailabilityStatus>,
    /// A skill slug, such as "rust".
    pub skill: Option<String>,
}

#[derive(InputObject, Default)]
pub struct ProjectFilter {
    pub status: Option<ProjectStatus>,
    pub owner_id: Option<ID>,
}

#[derive(InputObject, Default)]
pub struct TribeFilter {
    pub status: Option<TribeStatus>,
}

#[Object]
impl Query {
    /// "ok" once the server has made a real round trip to the database.
    async fn health(&self, ctx: &Context<'_>) -> Result<&'static str> {
        domain::health::check_database(&ctx.services()?.db).await.gql(ctx)?;
        Ok("ok")
    }

    /// The signed-in user, or null when the request carries no access token.
    async fn viewer(&self, ctx: &Context<'_>) -> Result<Option<User>> {
        let Some(id) = ctx.viewer().user_id() else { return Ok(None) };
        User::load(ctx, id).await
    }

    /// The signed-in viewer's invitations to collaborate that await an answer, newest first (at
    /// most 50).
    async fn viewer_invitations(&self, ctx: &Context<'_>) -> Result<Vec<Collaborator>> {
        let viewer = ctx.viewer().require().gql(ctx)?;
        let rows = domain::users::pending_invitations(ctx.services()?, viewer).await.gql(ctx)?;
        Ok(rows.into_iter().map(|c| Collaborator::new(c, None, None)).collect())
    }

    /// The signed-in viewer's requests to join tribes that await a decision, newest first (at
    /// most 20).
    async fn viewer_join_requests(&self, ctx: &Context<'_>) -> Result<Vec<TribeMember>> {
        let viewer = ctx.viewer().require().gql(ctx)?;
        let rows = domain::users::pending_join_requests(ctx.services()?, viewer).await.gql(ctx)?;
        Ok(rows.into_iter().map(|m| TribeMember::new(m, None, None)).collect())
    }

    /// A builder by id or by username (give exactly one). Null when there is none.
    async fn user(
        &self,
        ctx: &Context<'_>,
        id: Option<ID>,
        username: Option<String>,
    ) -> Result<Option<User>> {
        match (id, username) {
            (Some(id), None) => User::load(ctx, &id).await,
            (None, Some(username)) => {
                let user =
                    domain::users::find_by_username(ctx.services()?, &username).await.gql(ctx)?;
                Ok(user.map(|u| User::seen_by(u, ctx)))
            }
            _ => Err(DomainError::invalid("id", "Give exactly one of id or username.")).gql(ctx),
        }
    }

    /// Builders, newest first.
    async fn users(
        &self,
        ctx: &Context<'_>,
        filter: Option<UserFilter>,
        #[graphql(desc = "Page size, 0 to 100 (default 20).")] first: Option<i32>,
        after: Option<String>,
    ) -> Result<Connection<String, User>> {
        let request = PageRequest::new(first, after.as_deref()).gql(ctx)?;
        let filter = filter.unwrap_or_default();
        let filter = DomainUserFilter {
            primary_role: filter.primary_role.map(Into::into),
            availability_status: filter.availability_status.map(Into::into),
            skill: filter.skill,
        };
        let page = domain::lists::users(ctx.services()?, &filter, &request).await.gql(ctx)?;
        Ok(connection(page, |u| User::seen_by(u, ctx)))
    }

    /// A project by id; null when there is none.
    async fn project(&self, ctx: &Context<'_>, id: ID) -> Result<Option<Project>> {
        Project::load(ctx, &id).await
    }

    /// Projects, newest first.
    async fn projects(
        &self,
        ctx: &Context<'_>,
        filter: Option<ProjectFilter>,
        #[graphql(desc = "Page size, 0 to 100 (default 20).")] first: Option<i32>,
        after: Option<String>,
    ) -> Result<Connection<String, Project>> {
        let request = PageRequest::new(first, after.as_deref()).gql(ctx)?;
        let filter = filter.unwrap_or_default();
        let filter = DomainProjectFilter {
            status: filter.status.map(Into::into),
            owner_id: filter.owner_id.map(|id| id.0),
        };
        let page = domain::lists::projects(ctx.services()?, &filter, &request).await.gql(ctx)?;
        Ok(connection(page, Project::new))
    }

    /// A tribe by id; null when there is none.
    async fn tribe(&self, ctx: &Context<'_>, id: ID) -> Result<Option<Tribe>> {
        Tribe::load(ctx, &id).await
    }

    /// Tribes, newest first.
    async fn tribes(
        &self,
        ctx: &Context<'_>,
        filter: Option<TribeFilter>,
        #[graphql(desc = "Page size, 0 to 100 (default 20).")] first: Option<i32>,
        after: Option<String>,
    ) -> Result<Connection<String, Tribe>> {
        let request = PageRequest::new(first, after.as_deref()).gql(ctx)?;
        let status = filter.and_then(|f| f.status).map(Into::into);
        let page = domain::lists::tribes(ctx.services()?, status, &request).await.gql(ctx)?;
        Ok(connection(page, |t| Tribe::new(t, None)))
    }

    /// The skill taxonomy, by category then name.
    async fn skills(
        &self,
        ctx: &Context<'_>,
        category: Option<SkillCategory>,
    ) -> Result<Vec<Skill>> {
        let skills =
            domain::lists::skills(ctx.services()?, category.map(Into::into)).await.gql(ctx)?;
        Ok(skills.into_iter().map(|s| Skill(s.into())).collect())
    }

    /// Searches builders, projects and tribes, best match first, each hit with what matched (a
    /// snippet, skills or tech, similarity). Search-box syntax: words, "quoted phrases", `or`,
    /// `-exclusion`; the last word also matches as a prefix while typing ("kube" finds
    /// Kubernetes). A search of only common words ("the") finds nothing. Ranking fuses full-text
    /// rank with similarity in meaning; no popularity or activity signal takes part. Paging is
    /// stable; each kind serves at most its best few hundred hits (see docs/discovery.md).
    async fn search(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "1 to 200 characters, without control characters.")] query: String,
        #[graphql(desc = "What to search (default: all kinds).")] kinds: Option<Vec<SearchKind>>,
        filter: Option<SearchFilter>,
        #[graphql(desc = "Page size, 0 to 100 (default 20).")] first: Option<i32>,
        after: Option<String>,
    ) -> Result<Connection<String, SearchResult, EmptyFields, SearchHit>> {
        let request = PageRequest::new(first, after.as_deref()).gql(ctx)?;
        let kinds: Option<Vec<DomainSearchKind>> =
            kinds.map(|k| k.into_iter().map(Into::into).collect());
        let filter = filter.unwrap_or_default().into();
        let page = domain::discovery::search::search(
            ctx.services()?,
            &query,
            kinds.as_deref(),
            &filter,
            &request,
        )
        .await
        .gql(ctx)?;
        let mut out = Connection::new(page.has_previous_page, page.has_next_page);
        let (cursors, hits): (Vec<_>, Vec<_>) = page.items.into_iter().unzip();
        let loaded = SearchHit::load_all(ctx, hits).await?;
        out.edges = cursors
            .into_iter()
            .zip(loaded)
            .filter_map(|(cursor, loaded)| {
                let (node, hit) = loaded?;
                Some(Edge::with_additional_fields(cursor.encode(), node, hit))
            })
            .collect();
        Ok(out)
    }

    /// The feed, strictly newest first: no ranking. FOLLOWING needs a signed-in viewer.
    async fn feed(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "EVERYONE (the default) or FOLLOWING.")] scope: Option<FeedScope>,
        #[graphql(desc = "Page size, 0 to 100 (default 20).")] first: Option<i32>,
        after: Option<String>,
    ) -> Result<Connection<String, FeedEvent>> {
        let request = PageRequest::new(first, after.as_deref()).gql(ctx)?;
        let scope = match scope.unwrap_or_default() {
            FeedScope::Everyone => DomainFeedScope::Everyone,
            FeedScope::Following => DomainFeedScope::Following,
        };
        let page =
            domain::feed::page(ctx.services()?, ctx.viewer(), scope, &request).await.gql(ctx)?;
        let events: Vec<_> = page.items.iter().map(|(_, e)| e.clone()).collect();
        crate::types::feed::prefetch(ctx, &events).await?;
        Ok(connection(page, FeedEvent))
    }
}

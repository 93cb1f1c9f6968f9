use async_graphql::{Context, ID, Object, Result};
use domain::DomainError;

use crate::context::{ContextExt, ResultExt};
use crate::types::user::User;

pub struct Query;

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
        let user = domain::users::find(ctx.services()?, id).await.gql(ctx)?;
        Ok(user.map(|u| User::seen_by(u, ctx)))
    }

    /// A builder by id or by username (give exactly one). Null when there is none.
    async fn user(
        &self,
        ctx: &Context<'_>,
        id: Option<ID>,
        username: Option<String>,
    ) -> Result<Option<User>> {
        let services = ctx.services()?;
        let user = match (id, username) {
            (Some(id), None) => domain::users::find(services, &id).await,
            (None, Some(username)) => domain::users::find_by_username(services, &username).await,
            _ => Err(DomainError::invalid("id", "Give exactly one of id or username.")),
        }
        .gql(ctx)?;
        Ok(user.map(|u| User::seen_by(u, ctx)))
    }
}

//! Mutations of the follow graph.
use async_graphql::{Context, ID, Object, Result};
use domain::follows;

use crate::context::{ContextExt, ResultExt};
use crate::types::user::User;

#[derive(Default)]
pub struct FollowMutation;

#[Object]
impl FollowMutation {
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
}

//! Mutations of the viewer's account: sign-up, sessions, password, profile and skills.
use async_graphql::{Context, InputObject, Object, Result};
use domain::accounts::{self, Registration};
use domain::profile;

use crate::context::{ContextExt, ResultExt};
use crate::types::auth::AuthPayload;
use crate::types::profile::UpdateProfileInput;
use crate::types::user::User;

#[derive(InputObject)]
pub struct RegisterInput {
    pub email: String,
    /// 3 to 30 characters of a-z, 0-9 and _.
    pub username: String,
    /// 8 to 128 characters.
    pub password: String,
    pub display_name: String,
}

#[derive(InputObject)]
pub struct LoginInput {
    /// An email or a username.
    pub login: String,
    pub password: String,
}

#[derive(Default)]
pub struct AccountMutation;

#[Object]
impl AccountMutation {
    /// Creates an account and signs it in. Records a BUILDER_JOINED feed event.
    async fn register(&self, ctx: &Context<'_>, input: RegisterInput) -> Result<AuthPayload> {
        let registration = Registration {
            email: input.email,
            username: input.username,
            password: input.password,
            display_name: input.display_name,
        };
        let session =
            accounts::register(ctx.services()?, &ctx.client(), registration).await.gql(ctx)?;
        Ok(AuthPayload(session))
    }

    /// Signs in with an email or username and a password.
    async fn login(&self, ctx: &Context<'_>, input: LoginInput) -> Result<AuthPayload> {
        let session =
            accounts::login(ctx.services()?, &ctx.client(), &input.login, &input.password)
                .await
                .gql(ctx)?;
        Ok(AuthPayload(session))
    }

    /// Trades a refresh token for a new access token and a new refresh token, in the same session.
    /// The token sent stops working; sending it again before it expires ends every session of the
    /// account.
    async fn refresh_token(&self, ctx: &Context<'_>, token: String) -> Result<AuthPayload> {
        let session = accounts::refresh(ctx.services()?, &ctx.client(), &token).await.gql(ctx)?;
        Ok(AuthPayload(session))
    }

    /// Ends the session of this refresh token (this device's): its refresh token and its access
    /// tokens are refused from now on. Always true, even for an unknown token.
    async fn logout(&self, ctx: &Context<'_>, refresh_token: String) -> Result<bool> {
        accounts::logout(ctx.services()?, &refresh_token).await.gql(ctx)?;
        Ok(true)
    }

    /// Ends every session of the viewer: every device's access and refresh tokens are refused from
    /// now on.
    async fn logout_everywhere(&self, ctx: &Context<'_>) -> Result<bool> {
        let viewer = ctx.viewer().require().gql(ctx)?;
        accounts::logout_everywhere(ctx.services()?, viewer).await.gql(ctx)?;
        Ok(true)
    }

    /// Changes the viewer's password, ends every session (every device's tokens are refused from
    /// now on), and returns a new one.
    async fn change_password(
        &self,
        ctx: &Context<'_>,
        current_password: String,
        new_password: String,
    ) -> Result<AuthPayload> {
        let viewer = ctx.viewer().require().gql(ctx)?;
        let session = accounts::change_password(
            ctx.services()?,
            &ctx.client(),
            viewer,
            &current_password,
            &new_password,
        )
        .await
        .gql(ctx)?;
        Ok(AuthPayload(session))
    }

    /// Updates the viewer's profile.
    async fn update_profile(&self, ctx: &Context<'_>, input: UpdateProfileInput) -> Result<User> {
        let viewer = ctx.viewer().require().gql(ctx)?;
        let user = profile::update_profile(ctx.services()?, viewer, input.into()).await.gql(ctx)?;
        Ok(User::seen_by(user, ctx))
    }

    /// Deletes the viewer's account and everything they own or appear in. Needs the password.
    /// Each tribe they own passes to its longest-standing other active member (only a tribe with
    /// nobody else goes); each role they filled is open again.
    async fn delete_account(&self, ctx: &Context<'_>, password: String) -> Result<bool> {
        let viewer = ctx.viewer().require().gql(ctx)?;
        accounts::delete_account(ctx.services()?, &ctx.client(), viewer, &password)
            .await
            .gql(ctx)?;
        Ok(true)
    }

    /// Replaces the viewer's skills with the skills of these slugs (see `skills`).
    async fn set_skills(&self, ctx: &Context<'_>, slugs: Vec<String>) -> Result<User> {
        let viewer = ctx.viewer().require().gql(ctx)?;
        let user = profile::set_skills(ctx.services()?, viewer, slugs).await.gql(ctx)?;
        Ok(User::seen_by(user, ctx))
    }
}

use async_graphql::Object;
use chrono::{DateTime, Utc};
use domain::accounts::Session;

use super::user::User;

/// A signed-in session: send `accessToken` as `Authorization: Bearer …`; when it expires, trade
/// `refreshToken` for a new pair with `refreshToken(token:)`.
pub struct AuthPayload(pub Session);

#[Object]
impl AuthPayload {
    /// A JWT valid for 15 minutes, or until its session ends (logout, logoutEverywhere,
    /// changePassword), whichever comes first.
    async fn access_token(&self) -> &str {
        &self.0.access_token.token
    }
    async fn access_token_expires_at(&self) -> DateTime<Utc> {
        self.0.access_token.expires_at
    }
    /// Opaque; works once (every use returns a new one) and expires after 30 days.
    async fn refresh_token(&self) -> &str {
        &self.0.refresh_token
    }
    /// The user who just signed in (their email is visible here).
    async fn user(&self) -> User {
        User::as_self(self.0.user.clone())
    }
}

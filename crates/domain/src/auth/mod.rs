//! Who is asking: access tokens (JWT), refresh tokens, passwords.
pub mod password;
pub mod tokens;

use std::time::Duration;

/// The settings of authentication, built once from configuration.
#[derive(Clone)]
pub struct AuthSettings {
    /// HS256 key: at least 32 bytes.
    pub jwt_secret: Vec<u8>,
    pub access_token_ttl: Duration,
    pub refresh_token_ttl: Duration,
    pub issuer: String,
    pub audience: String,
}

impl std::fmt::Debug for AuthSettings {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AuthSettings")
            .field("jwt_secret", &"<redacted>")
            .field("access_token_ttl", &self.access_token_ttl)
            .field("refresh_token_ttl", &self.refresh_token_ttl)
            .field("issuer", &self.issuer)
            .field("audience", &self.audience)
            .finish()
    }
}

/// The minimum length of the JWT secret, in bytes.
pub const MIN_JWT_SECRET_BYTES: usize = 32;

/// Who sent the request. Built by the HTTP layer from the `Authorization` header, which is either
/// absent (anonymous) or a valid access token of a live session (`crate::sessions::check`); any
/// other token never becomes anonymous.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Viewer {
    Anonymous,
    User { id: String },
}

impl Viewer {
    pub fn user_id(&self) -> Option<&str> {
        match self {
            Self::Anonymous => None,
            Self::User { id } => Some(id),
        }
    }

    /// The viewer's id, or UNAUTHENTICATED.
    pub fn require(&self) -> Result<&str, crate::DomainError> {
        self.user_id().ok_or(crate::DomainError::Unauthenticated)
    }
}

/// A fresh random HS256 key, for development when no JWT_SECRET is configured.
pub fn random_secret() -> Vec<u8> {
    use argon2::password_hash::rand_core::{OsRng, RngCore};
    let mut bytes = vec![0u8; 48];
    OsRng.fill_bytes(&mut bytes);
    bytes
}

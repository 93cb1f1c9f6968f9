//! Access tokens (short-lived HS256 JWTs) and refresh tokens (opaque random strings stored only as
//! SHA-256 hashes).
use argon2::password_hash::rand_core::{OsRng, RngCore};
use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use chrono::{DateTime, Utc};
use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use super::AuthSettings;
use crate::DomainError;

/// Clock skew tolerated between servers, in seconds.
const LEEWAY_SECS: u64 = 5;

#[derive(Debug, Serialize, Deserialize)]
struct Claims {
    sub: String,
    /// The session the token belongs to (`crate::sessions`): required, so that every accepted
    /// token can be ended with its session.
    sid: String,
    iss: String,
    aud: String,
    iat: i64,
    exp: i64,
}

pub struct AccessToken {
    pub token: String,
    pub expires_at: DateTime<Utc>,
}

/// What a valid access token says: who, and in which session.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VerifiedToken {
    pub user_id: String,
    pub session_id: String,
}

pub fn issue_access_token(
    settings: &AuthSettings,
    user_id: &str,
    session_id: &str,
) -> Result<AccessToken, DomainError> {
    let now = Utc::now();
    let ttl =
        chrono::Duration::from_std(settings.access_token_ttl).map_err(DomainError::internal)?;
    let expires_at = now + ttl;
    let claims = Claims {
        sub: user_id.to_owned(),
        sid: session_id.to_owned(),
        iss: settings.issuer.clone(),
        aud: settings.audience.clone(),
        iat: now.timestamp(),
        exp: expires_at.timestamp(),
    };
    let token = jsonwebtoken::encode(
        &Header::new(Algorithm::HS256),
        &claims,
        &EncodingKey::from_secret(&settings.jwt_secret),
    )
    .map_err(DomainError::internal)?;
    Ok(AccessToken { token, expires_at })
}

/// The user and session of a valid access token. Expired, tampered, foreign-key, other-algorithm
/// (including `none`), session-less and malformed tokens are all UNAUTHENTICATED. Whether the
/// session is still live is [`crate::sessions::check`]'s question.
pub fn verify_access_token(
    settings: &AuthSettings,
    token: &str,
) -> Result<VerifiedToken, DomainError> {
    let mut validation = Validation::new(Algorithm::HS256);
    validation.algorithms = vec![Algorithm::HS256];
    validation.leeway = LEEWAY_SECS;
    validation.set_issuer(&[&settings.issuer]);
    validation.set_audience(&[&settings.audience]);
    validation.set_required_spec_claims(&["exp", "iss", "aud", "sub"]);
    jsonwebtoken::decode::<Claims>(
        token,
        &DecodingKey::from_secret(&settings.jwt_secret),
        &validation,
    )
    .map(|data| VerifiedToken { user_id: data.claims.sub, session_id: data.claims.sid })
    .map_err(|_| DomainError::Unauthenticated)
}

/// A new refresh token: 256 bits from the operating system's CSPRNG, base64url.
pub fn new_refresh_token() -> String {
    let mut bytes = [0u8; 32];
    OsRng.fill_bytes(&mut bytes);
    URL_SAFE_NO_PAD.encode(bytes)
}

/// What is stored for a refresh token: its SHA-256, hex (64 characters).
pub fn hash_refresh_token(token: &str) -> String {
    let digest = Sha256::digest(token.as_bytes());
    digest.iter().map(|b| format!("{b:02x}")).collect()
}

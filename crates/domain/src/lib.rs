//! The product's rules, between the GraphQL layer and the entity models.
//!
//! Every operation returns [`DomainError`], the one error type that the GraphQL layer maps to
//! `extensions.code`. Every write that touches several rows is one transaction.
pub mod accounts;
pub mod auth;
pub mod batch;
pub mod caps;
pub mod discovery;
pub mod error;
pub mod events;
pub mod feed;
pub mod follows;
pub mod health;
pub mod lists;
pub mod membership;
pub mod pagination;
pub mod profile;
pub mod projects;
pub mod rate_limit;
pub mod roles;
pub mod sessions;
pub mod sql;
pub mod tribes;
pub mod users;
pub mod validate;
pub mod visibility;

use std::sync::Arc;

use sea_orm::DatabaseConnection;

pub use error::{ConflictReason, DomainError};

/// What every domain operation needs, built once at start-up and shared.
#[derive(Clone)]
pub struct Services {
    pub db: DatabaseConnection,
    pub auth: Arc<auth::AuthSettings>,
    pub limiter: Arc<rate_limit::RateLimiter>,
    pub hasher: auth::password::PasswordHasher,
    pub rules: Rules,
    /// Which sessions are live, cached per process (`sessions`).
    pub sessions: sessions::SessionStates,
    /// Search and matching, with the embedder whose vectors they compare.
    pub discovery: Arc<discovery::Discovery>,
}

/// The product's configurable rules.
#[derive(Debug, Clone, Copy)]
pub struct Rules {
    /// At most this many follows per user (human scale).
    pub max_follows: u32,
}

impl Default for Rules {
    fn default() -> Self {
        Self { max_follows: 100 }
    }
}

/// The strings of a JSON array column (`tech_stack`, `skills_needed`); anything else is skipped.
pub fn json_strings(value: &serde_json::Value) -> Vec<String> {
    value
        .as_array()
        .map(|items| items.iter().filter_map(|v| v.as_str().map(str::to_owned)).collect())
        .unwrap_or_default()
}

/// A new ULID: ids sort by creation time.
pub fn new_id() -> String {
    ulid::Ulid::new().to_string()
}

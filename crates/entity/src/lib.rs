//! SeaORM models of the Tribe database, one module per table (plus `*_embedding` models for the
//! vector columns), and the enums they use.
//!
//! No logic lives here. Generated `search_vector` columns are left out of the models on purpose:
//! PostgreSQL computes them, and a model that carried them would try to write them.
pub mod enums;
pub mod feed_event;
pub mod follow;
pub mod project;
pub mod project_collaborator;
pub mod project_embedding;
pub mod refresh_token;
pub mod session;
pub mod skill;
pub mod tribe;
pub mod tribe_member;
pub mod tribe_open_role;
pub mod user;
pub mod user_embedding;
pub mod user_skill;

pub use sea_orm::prelude::PgVector;

/// Length of the embedding vectors (`vector(1536)` columns).
pub const EMBEDDING_DIMENSIONS: usize = 1536;

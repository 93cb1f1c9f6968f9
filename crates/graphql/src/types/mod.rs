//! GraphQL object types. Each wraps an entity model and exposes only what clients may see.
pub mod auth;
pub mod enums;
pub mod profile;
pub mod skill;
pub mod user;

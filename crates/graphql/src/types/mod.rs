//! GraphQL object types. Each wraps an entity model and exposes only what clients may see.
pub mod auth;
pub mod connection;
pub mod discovery;
pub mod enums;
pub mod feed;
pub mod profile;
pub mod project;
pub mod skill;
pub mod tribe;
pub mod user;

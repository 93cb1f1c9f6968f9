//! The product's rules, between the GraphQL layer and the entity models.
//!
//! Every operation returns [`DomainError`], the one error type that the GraphQL layer maps to
//! `extensions.code`.
pub mod error;
pub mod health;

pub use error::DomainError;

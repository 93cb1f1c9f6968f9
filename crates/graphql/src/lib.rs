//! The Tribe GraphQL schema, free of HTTP: the server builds it once with [`build_schema`] and
//! attaches per-request data (request id, viewer, client address).
mod context;
mod error;
mod mutation;
mod query;
mod types;

use async_graphql::{EmptySubscription, Schema};

pub use error::{ErrorCode, ensure_error_codes, to_graphql_error};
pub use mutation::Mutation;
pub use query::Query;

pub type TribeSchema = Schema<Query, Mutation, EmptySubscription>;

/// The id of the HTTP request being served, attached to each GraphQL request so internal errors
/// can name it.
#[derive(Debug, Clone)]
pub struct RequestId(pub String);

/// Limits that keep one request from costing the server more than a page of work.
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    pub max_depth: usize,
    pub max_complexity: usize,
    pub introspection: bool,
}

impl Default for Limits {
    fn default() -> Self {
        Self { max_depth: 12, max_complexity: 1000, introspection: true }
    }
}

pub fn build_schema(services: domain::Services, limits: Limits) -> TribeSchema {
    let mut builder = Schema::build(Query, Mutation, EmptySubscription)
        .data(services)
        .limit_depth(limits.max_depth)
        .limit_complexity(limits.max_complexity);
    if !limits.introspection {
        builder = builder.disable_introspection();
    }
    builder.finish()
}

/// The schema in SDL, as committed in `schema.graphql`.
pub fn sdl() -> String {
    Schema::build(Query, Mutation, EmptySubscription).finish().sdl()
}

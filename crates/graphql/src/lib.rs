//! The Tribe GraphQL schema, free of HTTP: the server builds it once with [`build_schema`] and
//! attaches per-request data (request id, viewer, client address).
mod context;
pub mod cost;
mod error;
mod limits;
mod loaders;
mod mutation;
mod query;
mod types;

use async_graphql::{EmptySubscription, Schema};

pub use error::{
    ConflictReason, ErrorCode, INTERNAL_MESSAGE, ensure_error_codes, to_graphql_error,
};
pub use limits::{cost_extension, prepare, was_executed};
pub use loaders::Loaders;
pub use mutation::Mutation;
pub use query::Query;

pub type TribeSchema = Schema<Query, Mutation, EmptySubscription>;

/// The id of the HTTP request being served, attached to each GraphQL request so internal errors
/// can name it.
#[derive(Debug, Clone)]
pub struct RequestId(pub String);

/// The default cost limit: a feed page of 100 full cards costs 8,502 and a tribe page 3,872 (the
/// calibration is in tests/tests/e2e/cost.rs); nesting lists of lists costs millions.
pub const DEFAULT_MAX_COST: u64 = 25_000;

/// Limits that keep one request from costing the server more than a page of work.
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    pub max_depth: usize,
    /// The most a query may cost, in objects (see `cost.rs`).
    pub max_cost: u64,
    pub max_aliases: usize,
    pub max_directives_per_field: usize,
    pub introspection: bool,
    /// "Did you mean …?" hints in validation errors.
    pub suggestions: bool,
}

impl Default for Limits {
    fn default() -> Self {
        Self {
            max_depth: 12,
            max_cost: DEFAULT_MAX_COST,
            max_aliases: 30,
            max_directives_per_field: 5,
            introspection: true,
            suggestions: true,
        }
    }
}

pub fn build_schema(services: domain::Services, limits: Limits) -> TribeSchema {
    let mut builder = schema_builder()
        .data(services)
        .limit_depth(limits.max_depth)
        .limit_directives(limits.max_directives_per_field);
    if !limits.introspection {
        builder = builder.disable_introspection();
    }
    if !limits.suggestions {
        builder = builder.disable_suggestions();
    }
    builder.finish()
}

/// The schema in SDL, as committed in `schema.graphql`.
pub fn sdl() -> String {
    schema_builder().finish().sdl()
}

/// The schema's types. `ConflictReason` is named by no field (it is the value of
/// `extensions.reason`), so it is registered for the schema to document it.
fn schema_builder() -> async_graphql::SchemaBuilder<Query, Mutation, EmptySubscription> {
    Schema::build(Query, Mutation::default(), EmptySubscription)
        .register_output_type::<error::ConflictReason>()
}

#[cfg(test)]
mod tests {
    use domain::caps;

    /// The description of `type_name.field` in the SDL.
    fn description(sdl: &str, type_name: &str, field: &str) -> String {
        let start =
            sdl.find(&format!("\ntype {type_name} {{")).unwrap_or_else(|| panic!("{type_name}"));
        let body = &sdl[start..];
        let body = &body[..body.find("\n}").unwrap_or(body.len())];
        let at = [format!("\n\t{field}:"), format!("\n\t{field}(")]
            .iter()
            .find_map(|p| body.find(p.as_str()))
            .unwrap_or_else(|| panic!("{type_name}.{field}"));
        let before = &body[..at];
        let open = before.trim_end().strip_suffix("\"\"\"").and_then(|b| b.rfind("\"\"\""));
        open.map(|o| before[o..].to_owned()).unwrap_or_default()
    }

    /// Every capped list tells a frontend its cap, and the number is the domain's.
    #[test]
    fn capped_lists_state_their_caps_in_the_schema() {
        let sdl = super::sdl();
        for (type_name, field, cap) in [
            ("User", "skills", caps::MAX_SKILLS),
            ("User", "tribes", caps::MAX_TRIBES_PER_BUILDER),
            ("User", "collaborations", caps::MAX_COLLABORATIONS_PER_BUILDER),
            ("Project", "collaborators", caps::MAX_COLLABORATORS_PER_PROJECT),
            ("Project", "pendingInvitations", caps::MAX_COLLABORATORS_PER_PROJECT),
            ("Tribe", "members", caps::MAX_MEMBERS_PER_TRIBE),
            ("Tribe", "joinRequests", caps::MAX_JOIN_REQUESTS_PER_TRIBE),
            ("Tribe", "openRoles", caps::MAX_OPEN_ROLES_PER_TRIBE),
            ("Query", "viewerInvitations", caps::MAX_INVITATIONS_PER_INVITEE),
            ("Query", "viewerJoinRequests", caps::MAX_JOIN_REQUESTS_PER_BUILDER),
        ] {
            let text = description(&sdl, type_name, field);
            let words = text.split_whitespace().collect::<Vec<_>>().join(" ").to_lowercase();
            assert!(words.contains(&format!("at most {cap}")), "{type_name}.{field}: {text}");
        }
    }
}

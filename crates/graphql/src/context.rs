//! Per-request data and the one way resolvers turn domain results into GraphQL results.
use async_graphql::Context;
use domain::accounts::ClientInfo;
use domain::auth::Viewer;
use domain::{DomainError, Services};

pub(crate) trait ContextExt {
    fn services(&self) -> async_graphql::Result<&Services>;
    fn loaders(&self) -> async_graphql::Result<&crate::loaders::Loaders>;
    fn viewer(&self) -> &Viewer;
    fn client(&self) -> ClientInfo;
}

impl ContextExt for Context<'_> {
    fn services(&self) -> async_graphql::Result<&Services> {
        self.data::<Services>().map_err(|_| {
            crate::to_graphql_error(
                &DomainError::internal("Services missing from the schema"),
                None,
            )
        })
    }

    fn loaders(&self) -> async_graphql::Result<&crate::loaders::Loaders> {
        self.data::<crate::loaders::Loaders>().map_err(|_| {
            crate::to_graphql_error(
                &DomainError::internal("Loaders missing from the request"),
                None,
            )
        })
    }

    fn viewer(&self) -> &Viewer {
        self.data_opt::<Viewer>().unwrap_or(&Viewer::Anonymous)
    }

    fn client(&self) -> ClientInfo {
        self.data_opt::<ClientInfo>().cloned().unwrap_or(ClientInfo { ip: "unknown".into() })
    }
}

/// `result.gql(ctx)?`: a domain error becomes a coded GraphQL error (see `error.rs`).
pub(crate) trait ResultExt<T> {
    fn gql(self, ctx: &Context<'_>) -> async_graphql::Result<T>;
}

impl<T> ResultExt<T> for Result<T, DomainError> {
    fn gql(self, ctx: &Context<'_>) -> async_graphql::Result<T> {
        self.map_err(|e| crate::error::to_graphql_error_at(&e, ctx))
    }
}

impl<T> ResultExt<T> for Result<T, crate::loaders::LoadError> {
    fn gql(self, ctx: &Context<'_>) -> async_graphql::Result<T> {
        self.map_err(|e| crate::error::to_graphql_error_at(&e.0, ctx))
    }
}

/// The error for a row a foreign key guarantees but that is gone: it was deleted while the
/// request ran.
pub(crate) fn missing(ctx: &Context<'_>, what: &str) -> async_graphql::Error {
    crate::error::to_graphql_error_at(
        &DomainError::internal(format!("a guaranteed {what} is missing (deleted meanwhile?)")),
        ctx,
    )
}

use std::fmt;

/// Everything that can go wrong in a domain operation, in terms a client can act on.
///
/// Only [`DomainError::Internal`] and [`DomainError::Unavailable`] carry causes that must not reach
/// a client; the GraphQL layer logs them and answers with a plain message.
#[derive(Debug, thiserror::Error)]
pub enum DomainError {
    #[error("{what} not found")]
    NotFound { what: &'static str },
    #[error("{0}")]
    Forbidden(String),
    #[error("authentication required")]
    Unauthenticated,
    /// A state conflict; `reason` is a stable machine-readable code such as `USERNAME_TAKEN`.
    #[error("{message}")]
    Conflict { reason: &'static str, message: String },
    /// Bad input; `field` names the offending input field.
    #[error("{message}")]
    InvalidInput { field: String, message: String },
    #[error("too many requests: try again in {retry_after_secs} seconds")]
    RateLimited { retry_after_secs: u64 },
    /// The database did not answer in time.
    #[error("the service is temporarily unavailable")]
    Unavailable(#[source] Cause),
    #[error("internal error")]
    Internal(#[source] Cause),
}

/// An internal cause, kept for the logs.
#[derive(Debug)]
pub struct Cause(Box<dyn std::error::Error + Send + Sync>);

impl fmt::Display for Cause {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

impl std::error::Error for Cause {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        self.0.source()
    }
}

impl DomainError {
    pub fn internal(cause: impl Into<Box<dyn std::error::Error + Send + Sync>>) -> Self {
        Self::Internal(Cause(cause.into()))
    }

    pub fn unavailable(cause: impl Into<Box<dyn std::error::Error + Send + Sync>>) -> Self {
        Self::Unavailable(Cause(cause.into()))
    }

    pub fn invalid(field: impl Into<String>, message: impl Into<String>) -> Self {
        Self::InvalidInput { field: field.into(), message: message.into() }
    }
}

impl From<sea_orm::DbErr> for DomainError {
    fn from(err: sea_orm::DbErr) -> Self {
        match err {
            // The pool could not hand out a connection: the database is down or saturated.
            sea_orm::DbErr::ConnectionAcquire(_) | sea_orm::DbErr::Conn(_) => {
                Self::unavailable(err)
            }
            other => Self::internal(other),
        }
    }
}

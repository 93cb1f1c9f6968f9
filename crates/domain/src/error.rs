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
    /// A state conflict; `reason` says which, for a client to act on.
    #[error("{message}")]
    Conflict { reason: ConflictReason, message: String },
    /// Bad input; `field` names the offending input field.
    #[error("{message}")]
    InvalidInput { field: String, message: String },
    #[error("too many requests: try again in {retry_after_secs} seconds")]
    RateLimited { retry_after_secs: u64 },
    /// A shared resource is at capacity right now (the password hasher's queue): refused at once
    /// rather than queued without end. RATE_LIMITED for the client, with its own message.
    #[error("{message}")]
    Busy { message: &'static str, retry_after_secs: u64 },
    /// The database did not answer in time.
    #[error("the service is temporarily unavailable")]
    Unavailable(#[source] Cause),
    #[error("internal error")]
    Internal(#[source] Cause),
}

/// Why a request conflicts with the state of things: `extensions.reason` of a CONFLICT error. The
/// GraphQL schema documents every value (`enum ConflictReason`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ConflictReason {
    EmailTaken,
    UsernameTaken,
    GithubUsernameTaken,
    GithubRepoTaken,
    FollowLimitReached,
    InvalidState,
    AlreadyInvited,
    AlreadyAnswered,
    NotRecruiting,
    RoleFilled,
    TribeFull,
    AlreadyRequested,
    AlreadyDecided,
    OpenRoleLimitReached,
    TribeLimitReached,
    JoinRequestLimitReached,
    CollaboratorLimitReached,
    InvitationLimitReached,
    CollaborationLimitReached,
    TribeWithoutOwner,
}

impl ConflictReason {
    /// The stable machine-readable code, such as `USERNAME_TAKEN`.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::EmailTaken => "EMAIL_TAKEN",
            Self::UsernameTaken => "USERNAME_TAKEN",
            Self::GithubUsernameTaken => "GITHUB_USERNAME_TAKEN",
            Self::GithubRepoTaken => "GITHUB_REPO_TAKEN",
            Self::FollowLimitReached => "FOLLOW_LIMIT_REACHED",
            Self::InvalidState => "INVALID_STATE",
            Self::AlreadyInvited => "ALREADY_INVITED",
            Self::AlreadyAnswered => "ALREADY_ANSWERED",
            Self::NotRecruiting => "NOT_RECRUITING",
            Self::RoleFilled => "ROLE_FILLED",
            Self::TribeFull => "TRIBE_FULL",
            Self::AlreadyRequested => "ALREADY_REQUESTED",
            Self::AlreadyDecided => "ALREADY_DECIDED",
            Self::OpenRoleLimitReached => "OPEN_ROLE_LIMIT_REACHED",
            Self::TribeLimitReached => "TRIBE_LIMIT_REACHED",
            Self::JoinRequestLimitReached => "JOIN_REQUEST_LIMIT_REACHED",
            Self::CollaboratorLimitReached => "COLLABORATOR_LIMIT_REACHED",
            Self::InvitationLimitReached => "INVITATION_LIMIT_REACHED",
            Self::CollaborationLimitReached => "COLLABORATION_LIMIT_REACHED",
            Self::TribeWithoutOwner => "TRIBE_WITHOUT_OWNER",
        }
    }
}

/// The unique constraint a database error violated, by name (SQLSTATE 23505), if that is what it
/// was. Constraint names are part of the schema (migration/src/sql), unlike the error's wording.
pub(crate) fn violated_unique_constraint(err: &sea_orm::DbErr) -> Option<String> {
    use sea_orm::{DbErr, RuntimeErr};
    let (DbErr::Exec(RuntimeErr::SqlxError(e)) | DbErr::Query(RuntimeErr::SqlxError(e))) = err
    else {
        return None;
    };
    let database = e.as_database_error()?;
    if database.code().as_deref() != Some("23505") {
        return None;
    }
    database.constraint().map(str::to_owned)
}

/// An internal cause, kept for the logs.
#[derive(Debug)]
pub struct Cause(Box<dyn std::error::Error + Send + Sync>);

impl fmt::Display for Cause {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

impl Cause {
    /// The cause and every cause beneath it, "outer: inner: …", for one log line.
    pub fn chain(&self) -> String {
        let mut text = self.0.to_string();
        let mut next = self.0.source();
        while let Some(cause) = next {
            let line = cause.to_string();
            // Wrappers often repeat their source's text; say each thing once.
            if !text.ends_with(&line) {
                text.push_str(": ");
                text.push_str(&line);
            }
            next = cause.source();
        }
        text
    }
}

impl std::error::Error for Cause {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        self.0.source()
    }
}

impl DomainError {
    pub fn conflict(reason: ConflictReason, message: impl Into<String>) -> Self {
        Self::Conflict { reason, message: message.into() }
    }

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

/// SQLSTATEs of the session timeouts the server sets (crates/server/src/lib.rs `connect`):
/// `statement_timeout` (57014 query_canceled), `lock_timeout` (55P03 lock_not_available) and
/// `idle_in_transaction_session_timeout` (25P03).
const TIMEOUT_SQLSTATES: [&str; 3] = ["57014", "55P03", "25P03"];

/// The SQLSTATE of a database error, if the database sent one.
fn sqlstate(err: &sea_orm::DbErr) -> Option<String> {
    use sea_orm::{DbErr, RuntimeErr};
    let (DbErr::Exec(RuntimeErr::SqlxError(e)) | DbErr::Query(RuntimeErr::SqlxError(e))) = err
    else {
        return None;
    };
    Some(e.as_database_error()?.code()?.into_owned())
}

impl DomainError {
    /// A statement ran past the session's statement or lock timeout (the log line says so).
    pub fn is_timeout(&self) -> bool {
        let (Self::Unavailable(cause) | Self::Internal(cause)) = self else { return false };
        cause
            .0
            .downcast_ref::<sea_orm::DbErr>()
            .and_then(sqlstate)
            .is_some_and(|code| TIMEOUT_SQLSTATES.contains(&code.as_str()))
    }
}

impl From<sea_orm::DbErr> for DomainError {
    fn from(err: sea_orm::DbErr) -> Self {
        match err {
            // The pool could not hand out a connection: the database is down or saturated.
            sea_orm::DbErr::ConnectionAcquire(_) | sea_orm::DbErr::Conn(_) => {
                Self::unavailable(err)
            }
            // A statement or lock wait ran out of time: the service is busy, not broken.
            ref timed_out
                if sqlstate(timed_out)
                    .is_some_and(|code| TIMEOUT_SQLSTATES.contains(&code.as_str())) =>
            {
                Self::unavailable(err)
            }
            other => Self::internal(other),
        }
    }
}

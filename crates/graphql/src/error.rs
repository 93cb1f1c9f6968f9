use async_graphql::{Enum, ErrorExtensions, Response};
use domain::DomainError;

use crate::RequestId;

/// Why a mutation conflicts with the state of things: the `extensions.reason` of every error
/// whose `extensions.code` is CONFLICT.
#[derive(Enum, Copy, Clone, Debug, PartialEq, Eq)]
#[graphql(remote = "domain::ConflictReason")]
pub enum ConflictReason {
    /// register: an account with this email exists.
    EmailTaken,
    /// register, updateProfile: the username is taken (regardless of case).
    UsernameTaken,
    /// updateProfile: another builder linked this GitHub username.
    GithubUsernameTaken,
    /// createProject, updateProject: another project links this repository.
    GithubRepoTaken,
    /// follow: the viewer already follows the most people anyone can (100).
    FollowLimitReached,
    /// shipProject, archiveProject: the project is not in a state that allows it.
    InvalidState,
    /// inviteCollaborator: the builder is already invited or a collaborator.
    AlreadyInvited,
    /// respondToCollaboration: the invitation was already answered.
    AlreadyAnswered,
    /// requestToJoinTribe: the tribe is not OPEN.
    NotRecruiting,
    /// requestToJoinTribe: the requested role is filled.
    RoleFilled,
    /// requestToJoinTribe, decideMembership: the tribe has its maxMembers.
    TribeFull,
    /// requestToJoinTribe: the viewer already asked or is a member.
    AlreadyRequested,
    /// decideMembership: the request was already decided.
    AlreadyDecided,
    /// addOpenRole: the tribe has the most open roles a tribe can have (20).
    OpenRoleLimitReached,
    /// createTribe: the viewer owns the most tribes anyone can (10) or is a member of the most
    /// (20); requestToJoinTribe, decideMembership: the builder joining is a member of 20 tribes.
    TribeLimitReached,
    /// requestToJoinTribe: the tribe has the most requests awaiting a decision (50), or the
    /// viewer has the most requests awaiting one (20).
    JoinRequestLimitReached,
    /// inviteCollaborator: the project has the most collaborators and pending invitations
    /// together (20).
    CollaboratorLimitReached,
    /// inviteCollaborator: the invited builder has the most invitations awaiting their answer
    /// (50), or the viewer has sent the most awaiting an answer (50).
    InvitationLimitReached,
    /// respondToCollaboration: accepting would make the viewer a collaborator on more projects
    /// than anyone can be (50).
    CollaborationLimitReached,
    /// updateTribe, addOpenRole, updateOpenRole, removeOpenRole, decideMembership, removeMember:
    /// the tribe has no owner (its owner left with nobody to hand it to): it is ALUMNI and
    /// read-only for good.
    TribeWithoutOwner,
}

/// The values of `extensions.code`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ErrorCode {
    BadUserInput,
    Unauthenticated,
    Forbidden,
    NotFound,
    Conflict,
    RateLimited,
    InternalServerError,
}

impl ErrorCode {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::BadUserInput => "BAD_USER_INPUT",
            Self::Unauthenticated => "UNAUTHENTICATED",
            Self::Forbidden => "FORBIDDEN",
            Self::NotFound => "NOT_FOUND",
            Self::Conflict => "CONFLICT",
            Self::RateLimited => "RATE_LIMITED",
            Self::InternalServerError => "INTERNAL_SERVER_ERROR",
        }
    }
}

/// The one place a domain error becomes a GraphQL error. Internal causes go to the log with the
/// request id; the client gets the code, a plain message and the request id.
pub fn to_graphql_error(err: &DomainError, request_id: Option<&RequestId>) -> async_graphql::Error {
    convert(err, request_id, &Where::default())
}

/// Which operation and field an error came from, for its log line.
#[derive(Default)]
pub(crate) struct Where {
    /// The operation's name (`operationName`, or the document's one named operation).
    pub operation: Option<String>,
    /// The field's path in the response, such as `feed.edges.0.node.actor`.
    pub field: Option<String>,
}

impl Where {
    pub(crate) fn of(ctx: &async_graphql::Context<'_>) -> Self {
        Self {
            operation: ctx.query_env.operation_name.clone(),
            field: ctx.path_node.map(|path| path.to_string()),
        }
    }
}

/// [`to_graphql_error`] from inside a resolver: the log line names the operation and the field.
pub(crate) fn to_graphql_error_at(
    err: &DomainError,
    ctx: &async_graphql::Context<'_>,
) -> async_graphql::Error {
    convert(err, ctx.data_opt::<RequestId>(), &Where::of(ctx))
}

fn convert(err: &DomainError, request_id: Option<&RequestId>, at: &Where) -> async_graphql::Error {
    let request_id = request_id.map(|r| r.0.clone());
    let message = err.to_string();
    match err {
        DomainError::NotFound { .. } => with_code(message, ErrorCode::NotFound),
        DomainError::Forbidden(_) => with_code(message, ErrorCode::Forbidden),
        DomainError::Unauthenticated => with_code(message, ErrorCode::Unauthenticated),
        DomainError::Conflict { reason, .. } => with_code(message, ErrorCode::Conflict)
            .extend_with(|_, ext| ext.set("reason", reason.as_str())),
        DomainError::InvalidInput { field, .. } => with_code(message, ErrorCode::BadUserInput)
            .extend_with(|_, ext| ext.set("field", field.as_str())),
        DomainError::RateLimited { retry_after_secs }
        | DomainError::Busy { retry_after_secs, .. } => with_code(message, ErrorCode::RateLimited)
            .extend_with(|_, ext| ext.set("retryAfterSeconds", *retry_after_secs)),
        DomainError::Unavailable(cause) | DomainError::Internal(cause) => {
            let operation = at.operation.as_deref().unwrap_or("-");
            let field = at.field.as_deref().unwrap_or("-");
            if err.is_timeout() {
                tracing::error!(request_id = request_id.as_deref(), operation, field, error = %cause.chain(), "database timeout");
            } else {
                tracing::error!(request_id = request_id.as_deref(), operation, field, error = %cause.chain(), "request failed");
            }
            with_code(message, ErrorCode::InternalServerError).extend_with(|_, ext| {
                if let Some(id) = &request_id {
                    ext.set("requestId", id.as_str());
                }
            })
        }
    }
}

fn with_code(message: String, code: ErrorCode) -> async_graphql::Error {
    async_graphql::Error::new(message).extend_with(|_, ext| ext.set("code", code.as_str()))
}

/// Gives every error without a code one. Errors raised by async-graphql before execution (a
/// syntax error, an unknown field, a wrong argument type, a limit exceeded) have no path: they are
/// the client's, BAD_USER_INPUT. An error without a code that has a path came out of a resolver
/// without going through [`to_graphql_error`]: that is a bug, so it is logged and answered as an
/// internal error whose message says nothing of the cause.
pub fn ensure_error_codes(response: &mut Response, request_id: Option<&str>) {
    for error in &mut response.errors {
        let has_code = error.extensions.as_ref().is_some_and(|ext| ext.get("code").is_some());
        if has_code {
            continue;
        }
        let code = if error.path.is_empty() {
            ErrorCode::BadUserInput
        } else {
            tracing::error!(request_id, error = %error.message, path = ?error.path, "a resolver failed without an error code");
            error.message = INTERNAL_MESSAGE.to_owned();
            ErrorCode::InternalServerError
        };
        let extensions = error.extensions.get_or_insert_with(Default::default);
        extensions.set("code", code.as_str());
        if let (ErrorCode::InternalServerError, Some(id)) = (code, request_id) {
            extensions.set("requestId", id);
        }
    }
}

/// What a client is told of an internal error.
pub const INTERNAL_MESSAGE: &str = "internal error";

#[cfg(test)]
mod tests {
    use async_graphql::resolver_utils::EnumType;
    use async_graphql::{PathSegment, ServerError, Value};

    use super::*;

    fn code_of(err: &DomainError) -> (String, Option<String>) {
        let extended = to_graphql_error(err, None).into_server_error(Default::default());
        let ext = extended.extensions.unwrap_or_default();
        let text = |key: &str| match ext.get(key) {
            Some(Value::String(s)) => Some(s.clone()),
            Some(other) => Some(other.to_string()),
            None => None,
        };
        (text("code").unwrap_or_default(), text("reason").or_else(|| text("field")))
    }

    /// The code of each domain error. (Its HTTP status is 200 whenever the request executed, as
    /// GraphQL over HTTP has it; the statuses of requests refused before execution are the
    /// server's, tested end to end in e2e::protection and e2e::tokens.)
    #[test]
    fn every_domain_error_has_its_code() {
        let cases = [
            (DomainError::NotFound { what: "tribe" }, "NOT_FOUND"),
            (DomainError::Forbidden("no".into()), "FORBIDDEN"),
            (DomainError::Unauthenticated, "UNAUTHENTICATED"),
            (DomainError::conflict(domain::ConflictReason::TribeFull, "full"), "CONFLICT"),
            (DomainError::invalid("title", "empty"), "BAD_USER_INPUT"),
            (DomainError::RateLimited { retry_after_secs: 3 }, "RATE_LIMITED"),
            (DomainError::Busy { message: "busy", retry_after_secs: 1 }, "RATE_LIMITED"),
            (DomainError::internal("boom"), "INTERNAL_SERVER_ERROR"),
            (DomainError::unavailable("down"), "INTERNAL_SERVER_ERROR"),
        ];
        for (err, code) in cases {
            assert_eq!(code_of(&err).0, code, "{err:?}");
        }
    }

    #[test]
    fn conflicts_carry_their_reason_and_bad_input_its_field() {
        let conflict = DomainError::conflict(domain::ConflictReason::UsernameTaken, "taken");
        assert_eq!(code_of(&conflict).1.as_deref(), Some("USERNAME_TAKEN"));
        assert_eq!(code_of(&DomainError::invalid("title", "x")).1.as_deref(), Some("title"));
    }

    #[test]
    fn internal_errors_say_nothing_of_their_cause() {
        let err = DomainError::internal("relation \"users\" does not exist at /src/x.rs:1");
        let server = to_graphql_error(&err, None).into_server_error(Default::default());
        assert_eq!(server.message, INTERNAL_MESSAGE);
    }

    #[test]
    fn the_schema_names_every_reason_as_the_domain_spells_it() {
        for item in ConflictReason::items() {
            let domain: domain::ConflictReason = item.value.into();
            assert_eq!(item.name, domain.as_str());
        }
    }

    #[test]
    fn uncoded_errors_from_resolvers_are_internal_and_others_the_clients() {
        let mut from_resolver = ServerError::new("db exploded: SELECT secret", None);
        from_resolver.path = vec![PathSegment::Field("feed".into())];
        let from_parser = ServerError::new("Unknown field \"nope\"", None);
        let mut response = Response::from_errors(vec![from_resolver, from_parser]);
        ensure_error_codes(&mut response, Some("req-1"));
        let code =
            |i: usize| response.errors[i].extensions.as_ref().and_then(|e| e.get("code")).cloned();
        assert_eq!(code(0), Some(Value::String("INTERNAL_SERVER_ERROR".into())));
        assert_eq!(response.errors[0].message, INTERNAL_MESSAGE);
        assert_eq!(code(1), Some(Value::String("BAD_USER_INPUT".into())));
        assert_eq!(response.errors[1].message, "Unknown field \"nope\"");
    }
}

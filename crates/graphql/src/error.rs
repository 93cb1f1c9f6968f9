use async_graphql::{ErrorExtensions, Response};
use domain::DomainError;

use crate::RequestId;

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
    let request_id = request_id.map(|r| r.0.clone());
    let message = err.to_string();
    match err {
        DomainError::NotFound { .. } => with_code(message, ErrorCode::NotFound),
        DomainError::Forbidden(_) => with_code(message, ErrorCode::Forbidden),
        DomainError::Unauthenticated => with_code(message, ErrorCode::Unauthenticated),
        DomainError::Conflict { reason, .. } => {
            with_code(message, ErrorCode::Conflict).extend_with(|_, ext| ext.set("reason", *reason))
        }
        DomainError::InvalidInput { field, .. } => with_code(message, ErrorCode::BadUserInput)
            .extend_with(|_, ext| ext.set("field", field.as_str())),
        DomainError::RateLimited { retry_after_secs } => with_code(message, ErrorCode::RateLimited)
            .extend_with(|_, ext| ext.set("retryAfterSeconds", *retry_after_secs)),
        DomainError::Unavailable(cause) | DomainError::Internal(cause) => {
            tracing::error!(request_id = request_id.as_deref(), error = %cause, "request failed");
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

/// Gives every error without a code one: errors raised by async-graphql itself (a syntax error,
/// an unknown field, a wrong argument type, a limit exceeded) are the client's, BAD_USER_INPUT.
pub fn ensure_error_codes(response: &mut Response) {
    for error in &mut response.errors {
        let has_code = error.extensions.as_ref().is_some_and(|ext| ext.get("code").is_some());
        if !has_code {
            error
                .extensions
                .get_or_insert_with(Default::default)
                .set("code", ErrorCode::BadUserInput.as_str());
        }
    }
}

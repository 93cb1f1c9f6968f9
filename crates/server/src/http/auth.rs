//! Who is asking: the viewer from the bearer token, and the client address rate limits count
//! against.
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::Response;
use domain::DomainError;
use domain::auth::Viewer;
use domain::auth::tokens;
use graphql::ErrorCode;

use super::{AppState, request_error};

/// Why a request with an `Authorization` header gets no viewer.
pub(super) enum Refused {
    /// The token is not a valid access token of a live session: 401.
    Unauthenticated,
    /// The session could not be checked (the database did not answer): 503, and the client keeps
    /// its tokens.
    Unavailable,
}

/// No `Authorization` header is anonymous; a valid bearer token of a live session is its user;
/// anything else is refused, never silently anonymous, so the client knows to refresh or sign in
/// again. A token whose session ended (logout, logoutEverywhere, changePassword, a deleted
/// account) is refused like an expired one.
pub(super) async fn viewer_from_headers(
    state: &AppState,
    headers: &HeaderMap,
) -> Result<Viewer, Refused> {
    let Some(value) = headers.get(header::AUTHORIZATION) else { return Ok(Viewer::Anonymous) };
    let token = value
        .to_str()
        .ok()
        .and_then(|v| v.strip_prefix("Bearer ").or_else(|| v.strip_prefix("bearer ")))
        .map(str::trim)
        .filter(|t| !t.is_empty())
        .ok_or(Refused::Unauthenticated)?;
    let verified =
        tokens::verify_access_token(&state.auth, token).map_err(|_| Refused::Unauthenticated)?;
    if state.session_check {
        match domain::sessions::check(&state.services, &verified).await {
            Ok(()) => {}
            Err(DomainError::Unauthenticated) => return Err(Refused::Unauthenticated),
            Err(DomainError::Internal(cause) | DomainError::Unavailable(cause)) => {
                tracing::warn!(error = %cause.chain(), "cannot check the session of an access token");
                return Err(Refused::Unavailable);
            }
            Err(other) => {
                tracing::warn!(error = %other, "cannot check the session of an access token");
                return Err(Refused::Unavailable);
            }
        }
    }
    Ok(Viewer::User { id: verified.user_id })
}

/// 503 with a GraphQL error body: the session could not be checked, so the request was not
/// executed; retrying later with the same token is right.
pub(super) fn session_check_unavailable() -> Response {
    let mut response = request_error(
        StatusCode::SERVICE_UNAVAILABLE,
        ErrorCode::InternalServerError,
        "The service is temporarily unavailable: try again shortly.",
    );
    response.headers_mut().insert(header::RETRY_AFTER, HeaderValue::from_static("1"));
    response
}

/// 401 with a GraphQL error body: the request was not executed.
pub(super) fn unauthenticated() -> Response {
    let mut response = request_error(
        StatusCode::UNAUTHORIZED,
        ErrorCode::Unauthenticated,
        "The access token is invalid or expired: refresh it or sign in again.",
    );
    response.headers_mut().insert(
        header::WWW_AUTHENTICATE,
        HeaderValue::from_static(r#"Bearer error="invalid_token""#),
    );
    response
}

/// The address rate limits count against: the TCP peer, or behind a trusted reverse proxy the
/// last `X-Forwarded-For` entry (the one the proxy appended; earlier ones are client-supplied).
pub(super) fn client_ip(
    headers: &HeaderMap,
    peer: Option<String>,
    trust_proxy_headers: bool,
) -> String {
    if trust_proxy_headers {
        let forwarded = headers
            .get_all("x-forwarded-for")
            .iter()
            .filter_map(|v| v.to_str().ok())
            .flat_map(|v| v.split(','))
            .map(str::trim)
            .rfind(|v| !v.is_empty());
        if let Some(ip) = forwarded {
            return ip.to_owned();
        }
    }
    peer.unwrap_or_else(|| "unknown".into())
}

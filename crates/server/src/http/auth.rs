//! Who is asking: the viewer from the bearer token, and the client address rate limits count
//! against.
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::Response;
use domain::auth::tokens;
use domain::auth::{AuthSettings, Viewer};
use graphql::ErrorCode;

use super::request_error;

/// No `Authorization` header is anonymous; a valid bearer token is its user; anything else is
/// refused, never silently anonymous, so the client knows to refresh or sign in again.
pub(super) fn viewer_from_headers(auth: &AuthSettings, headers: &HeaderMap) -> Result<Viewer, ()> {
    let Some(value) = headers.get(header::AUTHORIZATION) else { return Ok(Viewer::Anonymous) };
    let token = value
        .to_str()
        .ok()
        .and_then(|v| v.strip_prefix("Bearer ").or_else(|| v.strip_prefix("bearer ")))
        .map(str::trim)
        .filter(|t| !t.is_empty())
        .ok_or(())?;
    let id = tokens::verify_access_token(auth, token).map_err(|_| ())?;
    Ok(Viewer::User { id })
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

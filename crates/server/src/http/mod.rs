//! Routes and middleware: request ids, tracing, CORS and security headers around the GraphQL
//! endpoint (`endpoint`) and the health check. Every request that is not executed (an unknown
//! path, a malformed request, an invalid token) is answered with a JSON error body.
mod auth;
mod endpoint;
pub(crate) mod graphiql;

use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::extract::State;
use axum::http::{HeaderName, HeaderValue, Method, Request, StatusCode, header};
use axum::response::{IntoResponse, Json, Response};
use axum::routing::get;
use domain::Services;
use domain::auth::AuthSettings;
use graphql::ErrorCode;
use serde_json::json;
use tower_http::cors::CorsLayer;
use tower_http::request_id::{
    MakeRequestId, PropagateRequestIdLayer, RequestId, SetRequestIdLayer,
};
use tower_http::set_header::SetResponseHeaderLayer;
use tower_http::trace::{DefaultOnResponse, TraceLayer};
use tracing::Level;

use crate::config::Config;
use endpoint::{graphql_get, graphql_post};

#[derive(Clone)]
pub struct AppState {
    pub services: Services,
    pub schema: graphql::TribeSchema,
    pub auth: Arc<AuthSettings>,
    pub trust_proxy_headers: bool,
    /// Whether access tokens' sessions are checked (off only in the benchmark's comparison).
    pub session_check: bool,
    pub limits: graphql::Limits,
    pub trusted_documents: Option<Arc<crate::trusted_documents::TrustedDocuments>>,
    /// Serve GraphiQL on `GET /graphql` without a query.
    pub graphiql: bool,
    /// How long a request body may take to arrive.
    pub body_read_timeout: Duration,
}

pub fn router(state: AppState, config: &Config) -> Router {
    let request_id = HeaderName::from_static("x-request-id");
    let cors = CorsLayer::new()
        .allow_origin(config.cors_allowed_origins.clone())
        .allow_methods([Method::GET, Method::POST, Method::OPTIONS])
        .allow_headers([header::CONTENT_TYPE, header::AUTHORIZATION, header::ACCEPT])
        .expose_headers([request_id.clone()])
        .max_age(Duration::from_secs(600));
    let trace = TraceLayer::new_for_http()
        .make_span_with(|request: &Request<_>| {
            let id = request
                .extensions()
                .get::<RequestId>()
                .and_then(|id| id.header_value().to_str().ok())
                .unwrap_or("-");
            tracing::info_span!("request", request_id = %id, method = %request.method(), path = %request.uri().path())
        })
        .on_response(DefaultOnResponse::new().level(Level::INFO));

    Router::new()
        .route("/graphql", get(graphql_get).post(graphql_post))
        .route("/health", get(health))
        .fallback(not_found)
        .with_state(state)
        // Innermost, so that its 503 gets the headers, CORS and request id of any response.
        .layer(axum::middleware::from_fn_with_state(config.http_request_timeout, request_timeout))
        .layer(SetResponseHeaderLayer::if_not_present(
            header::X_CONTENT_TYPE_OPTIONS,
            HeaderValue::from_static("nosniff"),
        ))
        .layer(SetResponseHeaderLayer::if_not_present(
            header::REFERRER_POLICY,
            HeaderValue::from_static("no-referrer"),
        ))
        .layer(cors)
        .layer(PropagateRequestIdLayer::new(request_id.clone()))
        .layer(trace)
        .layer(SetRequestIdLayer::new(request_id, UlidRequestId))
        .layer(axum::middleware::map_request(drop_malformed_request_id))
}

/// The longest `x-request-id` a client may choose.
pub const MAX_REQUEST_ID_LEN: usize = 64;

/// An incoming `x-request-id` is kept (logged, echoed, put in error extensions) only when it is
/// 1 to 64 visible ASCII characters; anything else (spaces, control or non-ASCII characters that
/// could forge log lines, or a long string) is dropped and the server makes its own.
fn well_formed_request_id(value: &[u8]) -> bool {
    (1..=MAX_REQUEST_ID_LEN).contains(&value.len()) && value.iter().all(|b| b.is_ascii_graphic())
}

async fn drop_malformed_request_id(mut request: axum::extract::Request) -> axum::extract::Request {
    let headers = request.headers_mut();
    let values = headers.get_all("x-request-id");
    let mut iter = values.iter();
    let keep = match (iter.next(), iter.next()) {
        (Some(value), None) => well_formed_request_id(value.as_bytes()),
        (None, _) => true,
        // Two ids for one request: neither is trusted.
        (Some(_), Some(_)) => false,
    };
    if !keep {
        headers.remove("x-request-id");
    }
    request
}

/// The whole-request deadline: a request that has not been answered within
/// HTTP_REQUEST_TIMEOUT_SECS of its headers gets a 503 with a coded JSON error; its handler is
/// dropped, which rolls back its transaction.
async fn request_timeout(
    State(limit): State<Duration>,
    request: axum::extract::Request,
    next: axum::middleware::Next,
) -> Response {
    match tokio::time::timeout(limit, next.run(request)).await {
        Ok(response) => response,
        Err(_) => {
            tracing::warn!(timeout_secs = limit.as_secs(), "request timed out");
            let mut response = request_error(
                StatusCode::SERVICE_UNAVAILABLE,
                ErrorCode::InternalServerError,
                "The request took too long and was stopped: try again.",
            );
            // The client may still be sending; a fresh connection is the clean state.
            response.headers_mut().insert(header::CONNECTION, HeaderValue::from_static("close"));
            response
        }
    }
}

/// Request ids are ULIDs, like every other id here.
#[derive(Clone, Copy)]
struct UlidRequestId;

impl MakeRequestId for UlidRequestId {
    fn make_request_id<B>(&mut self, _request: &Request<B>) -> Option<RequestId> {
        ulid::Ulid::new().to_string().parse().ok().map(RequestId::new)
    }
}

/// A request that was not executed: a JSON body with one coded error.
fn request_error(status: StatusCode, code: ErrorCode, message: &str) -> Response {
    let body =
        json!({ "errors": [{ "message": message, "extensions": { "code": code.as_str() } }] });
    (status, Json(body)).into_response()
}

async fn not_found() -> Response {
    request_error(
        StatusCode::NOT_FOUND,
        ErrorCode::NotFound,
        "No such endpoint: the API is at /graphql.",
    )
}

/// 200 when the database answers, 503 when it does not; the server itself stays up either way.
async fn health(State(state): State<AppState>) -> impl IntoResponse {
    match domain::health::check_database(&state.services.db).await {
        Ok(()) => (StatusCode::OK, Json(json!({ "status": "ok", "database": "ok" }))),
        Err(err) => {
            tracing::warn!(error = %err, cause = ?std::error::Error::source(&err).map(ToString::to_string), "health check failed");
            (
                StatusCode::SERVICE_UNAVAILABLE,
                Json(json!({ "status": "unavailable", "database": "unreachable" })),
            )
        }
    }
}

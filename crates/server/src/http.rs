//! Routes and middleware.
use std::time::Duration;

use async_graphql::http::GraphiQLSource;
use async_graphql_axum::{GraphQLRequest, GraphQLResponse};
use axum::Router;
use std::net::SocketAddr;
use std::sync::Arc;

use axum::Extension;
use axum::extract::{ConnectInfo, DefaultBodyLimit, State};
use axum::http::{HeaderMap, HeaderName, Method, Request, StatusCode, header};
use axum::response::Response;
use axum::response::{Html, IntoResponse, Json};
use axum::routing::get;
use domain::accounts::ClientInfo;
use domain::auth::tokens;
use domain::auth::{AuthSettings, Viewer};
use sea_orm::DatabaseConnection;
use serde_json::json;
use tower_http::cors::CorsLayer;
use tower_http::request_id::{
    MakeRequestId, PropagateRequestIdLayer, RequestId, SetRequestIdLayer,
};
use tower_http::trace::{DefaultOnResponse, TraceLayer};
use tracing::Level;

use crate::config::Config;

/// Request bodies larger than this are refused: a GraphQL query is text, not an upload.
const MAX_BODY_BYTES: usize = 64 * 1024;

#[derive(Clone)]
pub struct AppState {
    pub db: DatabaseConnection,
    pub schema: graphql::TribeSchema,
    pub auth: Arc<AuthSettings>,
    pub trust_proxy_headers: bool,
}

pub fn router(state: AppState, config: &Config) -> Router {
    let request_id = HeaderName::from_static("x-request-id");
    let cors = CorsLayer::new()
        .allow_origin(config.cors_allowed_origins.clone())
        .allow_methods([Method::GET, Method::POST, Method::OPTIONS])
        .allow_headers([header::CONTENT_TYPE, header::AUTHORIZATION, header::ACCEPT])
        .max_age(Duration::from_secs(600));
    let trace = TraceLayer::new_for_http().make_span_with(|request: &Request<_>| {
        let id = request
            .extensions()
            .get::<RequestId>()
            .and_then(|id| id.header_value().to_str().ok())
            .unwrap_or("-");
        tracing::info_span!("request", request_id = %id, method = %request.method(), path = %request.uri().path())
    })
    .on_response(DefaultOnResponse::new().level(Level::INFO));

    Router::new()
        .route("/graphql", get(graphiql).post(graphql_handler))
        .route("/health", get(health))
        .with_state(state)
        .layer(DefaultBodyLimit::max(MAX_BODY_BYTES))
        .layer(cors)
        .layer(PropagateRequestIdLayer::new(request_id.clone()))
        .layer(trace)
        .layer(SetRequestIdLayer::new(request_id, UlidRequestId))
}

/// Request ids are ULIDs, like every other id here.
#[derive(Clone, Copy)]
struct UlidRequestId;

impl MakeRequestId for UlidRequestId {
    fn make_request_id<B>(&mut self, _request: &Request<B>) -> Option<RequestId> {
        ulid::Ulid::new().to_string().parse().ok().map(RequestId::new)
    }
}

async fn graphiql() -> impl IntoResponse {
    Html(GraphiQLSource::build().endpoint("/graphql").finish())
}

async fn graphql_handler(
    State(state): State<AppState>,
    connect_info: Option<Extension<ConnectInfo<SocketAddr>>>,
    headers: HeaderMap,
    request: GraphQLRequest,
) -> Response {
    let viewer = match viewer_from_headers(&state.auth, &headers) {
        Ok(viewer) => viewer,
        Err(()) => return unauthenticated(),
    };
    let peer = connect_info.map(|Extension(ConnectInfo(addr))| addr.ip().to_string());
    let client = ClientInfo { ip: client_ip(&headers, peer, state.trust_proxy_headers) };
    let mut request = request.into_inner().data(viewer).data(client);
    if let Some(id) = headers.get("x-request-id").and_then(|v| v.to_str().ok()) {
        request = request.data(graphql::RequestId(id.to_owned()));
    }
    let mut response = state.schema.execute(request).await;
    graphql::ensure_error_codes(&mut response);
    GraphQLResponse::from(response).into_response()
}

/// No `Authorization` header is anonymous; a valid bearer token is its user; anything else is
/// refused, never silently anonymous, so the client knows to refresh or sign in again.
fn viewer_from_headers(auth: &AuthSettings, headers: &HeaderMap) -> Result<Viewer, ()> {
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
fn unauthenticated() -> Response {
    let body = json!({
        "errors": [{
            "message": "The access token is invalid or expired: refresh it or sign in again.",
            "extensions": { "code": "UNAUTHENTICATED" }
        }]
    });
    (
        StatusCode::UNAUTHORIZED,
        [(header::WWW_AUTHENTICATE, r#"Bearer error="invalid_token""#)],
        Json(body),
    )
        .into_response()
}

/// The address rate limits count against: the TCP peer, or behind a trusted reverse proxy the
/// last `X-Forwarded-For` entry (the one the proxy appended; earlier ones are client-supplied).
fn client_ip(headers: &HeaderMap, peer: Option<String>, trust_proxy_headers: bool) -> String {
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

/// 200 when the database answers, 503 when it does not; the server itself stays up either way.
async fn health(State(state): State<AppState>) -> impl IntoResponse {
    match domain::health::check_database(&state.db).await {
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

//! GraphQL over HTTP as the GraphQL-over-HTTP specification has it: POST with an
//! `application/json` body (anything else is 415), GET for queries only (a mutation over GET is
//! 405), the response media type chosen from `Accept`, one operation per request (batches are
//! refused), and every malformed request answered with a JSON error.
use std::net::SocketAddr;

use async_graphql::http::GraphiQLSource;
use async_graphql::parser::types::OperationType;
use axum::Extension;
use axum::body::Body;
use axum::extract::{ConnectInfo, RawQuery, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{Html, IntoResponse, Response};
use domain::accounts::ClientInfo;
use graphql::ErrorCode;
use serde_json::Value;

use super::auth::{
    Refused, client_ip, session_check_unavailable, unauthenticated, viewer_from_headers,
};
use super::{AppState, request_error};

/// Request bodies larger than this are refused: a GraphQL query is text, not an upload.
pub const MAX_BODY_BYTES: usize = 64 * 1024;

const GRAPHQL_RESPONSE_JSON: &str = "application/graphql-response+json";
const APPLICATION_JSON: &str = "application/json";

/// The media type to answer with, from `Accept`; None when the client accepts neither JSON type.
fn response_media_type(headers: &HeaderMap) -> Option<&'static str> {
    let Some(accept) = headers.get(header::ACCEPT).and_then(|v| v.to_str().ok()) else {
        // No Accept: treated as application/json, as the specification asks.
        return Some(APPLICATION_JSON);
    };
    let types: Vec<String> = accept
        .split(',')
        .map(|part| part.split(';').next().unwrap_or("").trim().to_ascii_lowercase())
        .collect();
    if types.iter().any(|t| t == GRAPHQL_RESPONSE_JSON) {
        Some(GRAPHQL_RESPONSE_JSON)
    } else if types.iter().any(|t| t == APPLICATION_JSON || t == "*/*" || t == "application/*") {
        Some(APPLICATION_JSON)
    } else {
        None
    }
}

fn not_acceptable() -> Response {
    request_error(
        StatusCode::NOT_ACCEPTABLE,
        ErrorCode::BadUserInput,
        "Accept application/graphql-response+json or application/json.",
    )
}

pub(super) async fn graphql_post(
    State(state): State<AppState>,
    connect_info: Option<Extension<ConnectInfo<SocketAddr>>>,
    headers: HeaderMap,
    body: Body,
) -> Response {
    let Some(media_type) = response_media_type(&headers) else { return not_acceptable() };
    let is_json = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(';').next())
        .is_some_and(|v| v.trim().eq_ignore_ascii_case(APPLICATION_JSON));
    if !is_json {
        return request_error(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            ErrorCode::BadUserInput,
            "Send the GraphQL request as an application/json body.",
        );
    }
    let Ok(bytes) = axum::body::to_bytes(body, MAX_BODY_BYTES).await else {
        return request_error(
            StatusCode::PAYLOAD_TOO_LARGE,
            ErrorCode::BadUserInput,
            &format!("The request body is larger than {} KiB.", MAX_BODY_BYTES / 1024),
        );
    };
    let json: Value = match serde_json::from_slice(&bytes) {
        Ok(json) => json,
        Err(err) => {
            return request_error(
                StatusCode::BAD_REQUEST,
                ErrorCode::BadUserInput,
                &format!("The request body is not valid JSON: {err}."),
            );
        }
    };
    if json.is_array() {
        return request_error(
            StatusCode::BAD_REQUEST,
            ErrorCode::BadUserInput,
            "Batched requests are not supported: send one operation per request.",
        );
    }
    let request: async_graphql::Request = match serde_json::from_value(json) {
        Ok(request) => request,
        Err(err) => {
            return request_error(
                StatusCode::BAD_REQUEST,
                ErrorCode::BadUserInput,
                &format!(
                    "The request is not a GraphQL request ({{\"query\": …, \"variables\": …}}): {err}."
                ),
            );
        }
    };
    execute(&state, connect_info, &headers, request, media_type).await
}

/// GET /graphql: GraphiQL without a `query` parameter; with one, a query (never a mutation).
pub(super) async fn graphql_get(
    State(state): State<AppState>,
    connect_info: Option<Extension<ConnectInfo<SocketAddr>>>,
    headers: HeaderMap,
    RawQuery(raw): RawQuery,
) -> Response {
    let raw = raw.unwrap_or_default();
    let has_query = url::form_urlencoded::parse(raw.as_bytes()).any(|(k, _)| k == "query");
    if !has_query {
        return Html(GraphiQLSource::build().endpoint("/graphql").finish()).into_response();
    }
    let Some(media_type) = response_media_type(&headers) else { return not_acceptable() };
    let request = match request_from_query_string(&raw) {
        Ok(request) => request,
        Err(message) => {
            return request_error(StatusCode::BAD_REQUEST, ErrorCode::BadUserInput, &message);
        }
    };
    if let Ok(document) = async_graphql::parser::parse_query(&request.query) {
        let operation = match &request.operation_name {
            Some(name) => {
                document.operations.iter().find(|(n, _)| n.is_some_and(|n| n.as_str() == name))
            }
            None => document.operations.iter().next(),
        };
        if operation.is_some_and(|(_, op)| op.node.ty != OperationType::Query) {
            let mut response = request_error(
                StatusCode::METHOD_NOT_ALLOWED,
                ErrorCode::BadUserInput,
                "Only queries may be sent with GET: send mutations with POST.",
            );
            response.headers_mut().insert(header::ALLOW, HeaderValue::from_static("POST"));
            return response;
        }
    }
    execute(&state, connect_info, &headers, request, media_type).await
}

/// `query`, `variables` (JSON), `operationName` from a GET query string, as the GraphQL-over-HTTP
/// specification names them.
fn request_from_query_string(raw: &str) -> Result<async_graphql::Request, String> {
    let mut request = async_graphql::Request::new("");
    for (key, value) in url::form_urlencoded::parse(raw.as_bytes()) {
        match key.as_ref() {
            "query" => request.query = value.into_owned(),
            "operationName" if !value.is_empty() => {
                request.operation_name = Some(value.into_owned())
            }
            "variables" if !value.is_empty() => {
                let variables: serde_json::Value = serde_json::from_str(&value)
                    .map_err(|e| format!("The variables parameter is not valid JSON: {e}."))?;
                request.variables = async_graphql::Variables::from_json(variables);
            }
            _ => {}
        }
    }
    Ok(request)
}

async fn execute(
    state: &AppState,
    connect_info: Option<Extension<ConnectInfo<SocketAddr>>>,
    headers: &HeaderMap,
    request: async_graphql::Request,
    media_type: &'static str,
) -> Response {
    let viewer = match viewer_from_headers(state, headers).await {
        Ok(viewer) => viewer,
        Err(Refused::Unauthenticated) => return unauthenticated(),
        Err(Refused::Unavailable) => return session_check_unavailable(),
    };
    let peer = connect_info.map(|Extension(ConnectInfo(addr))| addr.ip().to_string());
    let client = ClientInfo { ip: client_ip(headers, peer, state.trust_proxy_headers) };
    let mut request = request;
    let request_id = headers.get("x-request-id").and_then(|v| v.to_str().ok());
    let mut response = match graphql::prepare(&mut request, state.limits.max_aliases) {
        Err(error) => async_graphql::Response::from_errors(vec![error]),
        Ok(()) => {
            let mut request = request
                .data(graphql::Loaders::new(&state.services, &viewer))
                .data(viewer)
                .data(client);
            if let Some(id) = request_id {
                request = request.data(graphql::RequestId(id.to_owned()));
            }
            state.schema.execute(request).await
        }
    };
    graphql::ensure_error_codes(&mut response, request_id);

    // A request that never executed (parse or validation failed) is a request error: with the
    // GraphQL response media type it has no `data` and a 400; with plain JSON it is a 200.
    let request_error = !graphql::was_executed(&response) && media_type == GRAPHQL_RESPONSE_JSON;
    let body = if request_error {
        serde_json::to_value(&response).map(|mut body| {
            if let Some(object) = body.as_object_mut() {
                object.remove("data");
            }
            body.to_string().into_bytes()
        })
    } else {
        serde_json::to_vec(&response)
    };
    let body = body.unwrap_or_else(|_| {
        format!(
            r#"{{"errors":[{{"message":"{}","extensions":{{"code":"{}"}}}}]}}"#,
            graphql::INTERNAL_MESSAGE,
            ErrorCode::InternalServerError.as_str()
        )
        .into_bytes()
    });
    let status = if request_error { StatusCode::BAD_REQUEST } else { StatusCode::OK };
    (status, [(header::CONTENT_TYPE, HeaderValue::from_static(media_type))], body).into_response()
}

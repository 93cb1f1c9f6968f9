//! GraphQL over HTTP as the GraphQL-over-HTTP specification has it: POST with an
//! `application/json` body (anything else is 415), GET for queries only (a mutation over GET is
//! 405), the response media type chosen from `Accept`, one operation per request (batches are
//! refused), and every malformed request answered with a JSON error.
use std::net::SocketAddr;

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

/// GET query strings longer than this are refused (414). Below hyper's own limit on a URI
/// (65,534 bytes, answered 414 without a body), so that the answer is a JSON error.
pub const MAX_QUERY_STRING_BYTES: usize = 32 * 1024;

/// After refusing an oversized body, up to this much more of it is read and discarded before the
/// answer, so that a client still sending gets the 413 rather than a reset connection ...
pub const DRAIN_MAX_BYTES: usize = 1024 * 1024;
/// ... for at most this long. Past either bound the connection is closed after the answer.
pub const DRAIN_MAX_TIME: std::time::Duration = std::time::Duration::from_secs(5);

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
    let bytes = match read_body(body, &headers, state.body_read_timeout).await {
        Ok(bytes) => bytes,
        Err(BodyError::TooLarge { drained }) => {
            let response = request_error(
                StatusCode::PAYLOAD_TOO_LARGE,
                ErrorCode::BadUserInput,
                &format!("The request body is larger than {} KiB.", MAX_BODY_BYTES / 1024),
            );
            return if drained { response } else { closing(response) };
        }
        Err(BodyError::TimedOut) => {
            return closing(request_error(
                StatusCode::REQUEST_TIMEOUT,
                ErrorCode::BadUserInput,
                &format!(
                    "The request body did not arrive within {} seconds.",
                    state.body_read_timeout.as_secs()
                ),
            ));
        }
        Err(BodyError::Broken) => {
            return closing(request_error(
                StatusCode::BAD_REQUEST,
                ErrorCode::BadUserInput,
                "The request body could not be read.",
            ));
        }
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
    // `documentId` (a persisted document) is not a field of async-graphql's request.
    let document_id = json.get("documentId").and_then(Value::as_str).map(str::to_owned);
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
    let mut request = request;
    if let Some(refused) = trusted(&state, &mut request, document_id.as_deref()) {
        return refused;
    }
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
    if raw.len() > MAX_QUERY_STRING_BYTES {
        return request_error(
            StatusCode::URI_TOO_LONG,
            ErrorCode::BadUserInput,
            &format!(
                "The query string is larger than {} KiB: send large queries with POST.",
                MAX_QUERY_STRING_BYTES / 1024
            ),
        );
    }
    let has_query = url::form_urlencoded::parse(raw.as_bytes())
        .any(|(k, _)| matches!(k.as_ref(), "query" | "documentId" | "extensions"));
    if !has_query {
        if state.graphiql {
            return Html(super::graphiql::page()).into_response();
        }
        // GRAPHIQL=false (the default in production): no HTML, a coded error.
        return request_error(
            StatusCode::BAD_REQUEST,
            ErrorCode::BadUserInput,
            "GET /graphql needs a query parameter; send operations with POST as application/json.",
        );
    }
    let Some(media_type) = response_media_type(&headers) else { return not_acceptable() };
    let (mut request, document_id) = match request_from_query_string(&raw) {
        Ok(parsed) => parsed,
        Err(message) => {
            return request_error(StatusCode::BAD_REQUEST, ErrorCode::BadUserInput, &message);
        }
    };
    if let Some(refused) = trusted(&state, &mut request, document_id.as_deref()) {
        return refused;
    }
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

enum BodyError {
    /// Over [`MAX_BODY_BYTES`]; `drained` when the rest was read and discarded, so the connection
    /// can stay open.
    TooLarge { drained: bool },
    /// The body did not arrive within HTTP_BODY_READ_TIMEOUT_SECS.
    TimedOut,
    /// The connection failed or the body was malformed (bad chunked encoding).
    Broken,
}

/// Reads the body, at most [`MAX_BODY_BYTES`] of it, within `timeout`.
async fn read_body(
    mut body: Body,
    headers: &HeaderMap,
    timeout: std::time::Duration,
) -> Result<Vec<u8>, BodyError> {
    use http_body_util::BodyExt as _;
    let declared = headers
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok());
    if declared.is_some_and(|n| n > MAX_BODY_BYTES as u64) {
        // A client that waits for "100 Continue" has sent nothing yet: answer before it does.
        let expects_continue = headers
            .get(header::EXPECT)
            .is_some_and(|v| v.as_bytes().eq_ignore_ascii_case(b"100-continue"));
        let drained = !expects_continue && drain(body).await;
        return Err(BodyError::TooLarge { drained });
    }
    let deadline = tokio::time::Instant::now() + timeout;
    let mut bytes = Vec::with_capacity(declared.map_or(1024, |n| n as usize));
    loop {
        let frame = match tokio::time::timeout_at(deadline, body.frame()).await {
            Err(_) => return Err(BodyError::TimedOut),
            Ok(None) => return Ok(bytes),
            Ok(Some(Err(_))) => return Err(BodyError::Broken),
            Ok(Some(Ok(frame))) => frame,
        };
        let Ok(data) = frame.into_data() else { continue };
        if bytes.len() + data.len() > MAX_BODY_BYTES {
            return Err(BodyError::TooLarge { drained: drain(body).await });
        }
        bytes.extend_from_slice(&data);
    }
}

/// Reads and discards the rest of a refused body, within [`DRAIN_MAX_BYTES`] and
/// [`DRAIN_MAX_TIME`]; true when it was read to its end.
async fn drain(mut body: Body) -> bool {
    use http_body_util::BodyExt as _;
    let mut discarded = 0usize;
    let drained = tokio::time::timeout(DRAIN_MAX_TIME, async {
        while let Some(frame) = body.frame().await {
            let Ok(frame) = frame else { return false };
            if let Ok(data) = frame.into_data() {
                discarded += data.len();
                if discarded > DRAIN_MAX_BYTES {
                    return false;
                }
            }
        }
        true
    })
    .await;
    drained.unwrap_or(false)
}

/// The response, with the connection closed after it: the client may still be sending a body
/// the server will not read.
fn closing(mut response: Response) -> Response {
    response.headers_mut().insert(header::CONNECTION, HeaderValue::from_static("close"));
    response
}

/// `query`, `variables` (JSON), `operationName` from a GET query string, as the GraphQL-over-HTTP
/// specification names them, with a persisted document's `documentId` or `extensions` (JSON).
fn request_from_query_string(
    raw: &str,
) -> Result<(async_graphql::Request, Option<String>), String> {
    let mut request = async_graphql::Request::new("");
    let mut document_id = None;
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
            "documentId" if !value.is_empty() => document_id = Some(value.into_owned()),
            "extensions" if !value.is_empty() => {
                let extensions: serde_json::Value = serde_json::from_str(&value)
                    .map_err(|e| format!("The extensions parameter is not valid JSON: {e}."))?;
                let parsed: async_graphql::Request =
                    serde_json::from_value(serde_json::json!({ "extensions": extensions }))
                        .map_err(|e| format!("The extensions parameter is not an object: {e}."))?;
                request.extensions = parsed.extensions;
            }
            _ => {}
        }
    }
    Ok((request, document_id))
}

/// Resolves a persisted document (see `trusted_documents`); Some: the response refusing it.
fn trusted(
    state: &AppState,
    request: &mut async_graphql::Request,
    document_id: Option<&str>,
) -> Option<Response> {
    let refused =
        crate::trusted_documents::resolve(state.trusted_documents.as_deref(), request, document_id)
            .err()?;
    let status = StatusCode::from_u16(refused.status).unwrap_or(StatusCode::BAD_REQUEST);
    Some(request_error(status, refused.code, &refused.message))
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
    let (cost, prepared) = graphql::prepare(&mut request, &state.limits);
    let mut response = match prepared {
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
    if let Some(cost) = cost {
        response.extensions.insert("cost".to_owned(), graphql::cost_extension(cost));
    }

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

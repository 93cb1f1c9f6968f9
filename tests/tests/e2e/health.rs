use serde_json::json;
use tests::{TestApp, error_codes};

#[tokio::test]
async fn graphql_health_makes_a_round_trip_to_the_database() {
    let app = TestApp::spawn().await;
    let response = app.graphql("{ health }", json!({})).await;
    assert_eq!(response, json!({ "data": { "health": "ok" } }));
}

#[tokio::test]
async fn health_endpoint_answers_503_while_the_database_is_gone_and_200_after_it_returns() {
    let app = TestApp::spawn().await;
    let up = app.get("/health").await;
    assert_eq!(up.status, 200);
    assert_eq!(up.json(), json!({ "status": "ok", "database": "ok" }));

    app.db.go_away().await;
    let down = app.get("/health").await;
    assert_eq!(down.status, 503);
    assert_eq!(down.json()["database"], "unreachable");

    // GraphQL answers too, with a coded error and nothing of the database's own words.
    let response = app.graphql("{ health }", json!({})).await;
    assert_eq!(error_codes(&response), vec!["INTERNAL_SERVER_ERROR"]);
    let message = response["errors"][0]["message"].as_str().unwrap();
    assert_eq!(message, "the service is temporarily unavailable");
    assert!(response["errors"][0]["extensions"]["requestId"].is_string());

    app.db.come_back().await;
    let again = app.get("/health").await;
    assert_eq!(again.status, 200, "the server recovers by itself: {}", again.json());
    let response = app.graphql("{ health }", json!({})).await;
    assert_eq!(response, json!({ "data": { "health": "ok" } }));
}

#[tokio::test]
async fn every_response_carries_a_request_id() {
    let app = TestApp::spawn().await;
    let response = app.get("/health").await;
    let id = response.headers.get("x-request-id").expect("x-request-id header");
    assert_eq!(id.len(), 26, "a ULID");
}

#[tokio::test]
async fn errors_raised_by_graphql_itself_carry_a_code() {
    let app = TestApp::spawn().await;
    for query in ["{ healthh }", "{ health", "query { health(x: 1) }"] {
        let response = app.graphql(query, json!({})).await;
        assert_eq!(error_codes(&response), vec!["BAD_USER_INPUT"], "{query}: {response}");
    }
}

#[tokio::test]
async fn graphiql_is_served_on_get() {
    let app = TestApp::spawn().await;
    let response = app.get("/graphql").await;
    assert_eq!(response.status, 200);
    let html = String::from_utf8(response.body).unwrap();
    assert!(html.contains("graphiql"), "GraphiQL page");
}

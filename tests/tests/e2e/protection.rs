//! The public endpoint's limits and GraphQL-over-HTTP behaviour. Over-limit requests are refused
//! before any database work: the statement counter does not move.
use axum::body::Body;
use axum::http::{Request, header};
use serde_json::{Value, json};
use tests::{HttpResponse, TestApp, error_codes};

fn post(body: impl Into<Body>, content_type: &str, accept: Option<&str>) -> Request<Body> {
    let mut request = Request::post("/graphql").header(header::CONTENT_TYPE, content_type);
    if let Some(accept) = accept {
        request = request.header(header::ACCEPT, accept);
    }
    request.body(body.into()).unwrap()
}

/// Sends a request and asserts it did no database work.
async fn without_database_work(app: &TestApp, request: Request<Body>) -> HttpResponse {
    let before = app.app.statements_sent();
    let response = app.request(request).await;
    assert_eq!(app.app.statements_sent(), before, "the database was touched");
    response
}

fn first_message(body: &Value) -> String {
    body["errors"][0]["message"].as_str().unwrap_or_default().to_owned()
}

#[tokio::test]
async fn depth_complexity_alias_and_directive_limits_refuse_before_the_database() {
    let app = TestApp::seeded().await;
    let deep =
        "{ feed { edges { node { actor { followers { edges { node { following { edges { node {
        followers { edges { node { username } } } } } } } } } } } } } }";
    let wide = "{ users(first: 100) { edges { node { followers(first: 100) { edges { node {
        following(first: 100) { edges { node { username } } } } } } } } } }";
    let aliases: String = (0..31).map(|i| format!("a{i}: health ")).collect();
    let directives = "{ health @include(if: true) @include(if: true) @include(if: true)
        @include(if: true) @include(if: true) @include(if: true) }";
    for (name, query) in [
        ("depth", deep.to_owned()),
        ("complexity", wide.to_owned()),
        ("aliases", format!("{{ {aliases} }}")),
        ("directives", directives.to_owned()),
    ] {
        let body = json!({ "query": query }).to_string();
        let response = without_database_work(&app, post(body, "application/json", None)).await;
        let json = response.json();
        assert_eq!(error_codes(&json), vec!["BAD_USER_INPUT"], "{name}: {json}");
        assert!(json["data"].is_null(), "{name}");
    }
    // Thirty aliases are fine.
    let thirty: String = (0..30).map(|i| format!("a{i}: health ")).collect();
    let ok = app.graphql(&format!("{{ {thirty} }}"), json!({})).await;
    assert_eq!(ok["data"]["a29"], "ok");
}

#[tokio::test]
async fn batches_big_bodies_and_bad_json_get_json_errors() {
    let app = TestApp::spawn().await;
    let batch = json!([{ "query": "{ health }" }, { "query": "{ health }" }]).to_string();
    let response = without_database_work(&app, post(batch, "application/json", None)).await;
    assert_eq!(response.status, 400);
    assert!(first_message(&response.json()).contains("Batched requests are not supported"));

    let big = json!({ "query": format!("{{ health }} #{}", "x".repeat(70 * 1024)) }).to_string();
    let response = without_database_work(&app, post(big, "application/json", None)).await;
    assert_eq!(response.status, 413);
    assert_eq!(error_codes(&response.json()), vec!["BAD_USER_INPUT"]);

    for (body, status) in [("{not json", 400), (r#"{"query": 42}"#, 400), ("", 400)] {
        let response = without_database_work(&app, post(body, "application/json", None)).await;
        assert_eq!(response.status, status, "{body}");
        let json = response.json();
        assert_eq!(error_codes(&json), vec!["BAD_USER_INPUT"], "{body}");
        assert!(!first_message(&json).contains("Error("), "no Rust debug text: {json}");
    }

    let response =
        without_database_work(&app, post(r#"{"query":"{ health }"}"#, "text/plain", None)).await;
    assert_eq!(response.status, 415);
    assert_eq!(error_codes(&response.json()), vec!["BAD_USER_INPUT"]);
}

#[tokio::test]
async fn the_response_media_type_follows_accept() {
    let app = TestApp::spawn().await;
    let body = || json!({ "query": "{ health }" }).to_string();
    let cases = [
        (None, 200, "application/json"),
        (Some("application/json"), 200, "application/json"),
        (Some("application/graphql-response+json"), 200, "application/graphql-response+json"),
        (
            Some("application/graphql-response+json, application/json;q=0.9"),
            200,
            "application/graphql-response+json",
        ),
        (Some("*/*"), 200, "application/json"),
    ];
    for (accept, status, content_type) in cases {
        let response = app.request(post(body(), "application/json", accept)).await;
        assert_eq!(response.status, status, "{accept:?}");
        assert_eq!(response.headers[header::CONTENT_TYPE], content_type, "{accept:?}");
        assert_eq!(response.json()["data"]["health"], "ok");
    }
    let response =
        without_database_work(&app, post(body(), "application/json", Some("text/html"))).await;
    assert_eq!(response.status, 406);

    // A request error: 400 without data under the GraphQL media type, 200 under plain JSON.
    let invalid = || json!({ "query": "{ nope }" }).to_string();
    let strict = app
        .request(post(invalid(), "application/json", Some("application/graphql-response+json")))
        .await;
    assert_eq!(strict.status, 400);
    assert!(strict.json().get("data").is_none());
    let plain = app.request(post(invalid(), "application/json", Some("application/json"))).await;
    assert_eq!(plain.status, 200);
    assert_eq!(error_codes(&plain.json()), vec!["BAD_USER_INPUT"]);
}

#[tokio::test]
async fn get_runs_queries_but_never_mutations() {
    let app = TestApp::spawn().await;
    let get = |uri: &str| {
        Request::get(uri).header(header::ACCEPT, "application/json").body(Body::empty()).unwrap()
    };
    let response = app.request(get("/graphql?query=%7B%20health%20%7D")).await;
    assert_eq!(response.status, 200);
    assert_eq!(tests::without_cost(response.json()), json!({ "data": { "health": "ok" } }));

    let mutation = "/graphql?query=mutation%20%7B%20logout(refreshToken%3A%20%22x%22)%20%7D";
    let response = without_database_work(&app, get(mutation)).await;
    assert_eq!(response.status, 405);
    assert_eq!(response.headers[header::ALLOW], "POST");
    assert_eq!(error_codes(&response.json()), vec!["BAD_USER_INPUT"]);
    let named = "/graphql?query=query%20a%20%7B%20health%20%7D%20mutation%20b%20%7B%20logoutEverywhere%20%7D&operationName=b";
    assert_eq!(without_database_work(&app, get(named)).await.status, 405);
    let named_query = "/graphql?query=query%20a%20%7B%20health%20%7D%20mutation%20b%20%7B%20logoutEverywhere%20%7D&operationName=a";
    let response = app.request(get(named_query)).await;
    assert_eq!(tests::without_cost(response.json()), json!({ "data": { "health": "ok" } }));
    let with_variables = "/graphql?query=query(%24u%3A%20String!)%20%7B%20user(username%3A%20%24u)%20%7B%20id%20%7D%20%7D&variables=%7B%22u%22%3A%22nobody%22%7D";
    let response = app.request(get(with_variables)).await.json();
    assert_eq!(tests::without_cost(response), json!({ "data": { "user": null } }));
}

#[tokio::test]
async fn nul_bytes_in_arguments_or_variables_are_bad_input() {
    let app = TestApp::spawn().await;
    let literal = r#"{ user(username: "ma\u0000ya") { id } }"#;
    let before = app.app.statements_sent();
    let response = app.graphql(literal, json!({})).await;
    assert_eq!(error_codes(&response), vec!["BAD_USER_INPUT"], "{response}");
    let response = app
        .graphql("query($u: String!) { user(username: $u) { id } }", json!({ "u": "ma\u{0}ya" }))
        .await;
    assert_eq!(error_codes(&response), vec!["BAD_USER_INPUT"], "{response}");
    assert_eq!(app.app.statements_sent(), before);
}

#[tokio::test]
async fn production_turns_introspection_and_suggestions_off() {
    let dev = TestApp::spawn().await;
    let introspection = "{ __schema { queryType { name } } }";
    assert_eq!(
        dev.graphql(introspection, json!({})).await["data"]["__schema"]["queryType"]["name"],
        "Query"
    );
    assert!(first_message(&dev.graphql("{ healt }", json!({})).await).contains("Did you mean"));

    let prod = TestApp::spawn_with(&[("APP_ENV", "production")]).await;
    let response = prod.graphql(introspection, json!({})).await;
    assert!(response["data"].is_null() || response["data"]["__schema"].is_null(), "{response}");
    assert!(!first_message(&prod.graphql("{ healt }", json!({})).await).contains("Did you mean"));
    assert_eq!(prod.graphql("{ health }", json!({})).await["data"]["health"], "ok");
}

#[tokio::test]
async fn unknown_paths_answer_json() {
    let app = TestApp::spawn().await;
    let response = app.get("/nope").await;
    assert_eq!(response.status, 404);
    assert_eq!(error_codes(&response.json()), vec!["NOT_FOUND"]);
    assert_eq!(response.headers["x-content-type-options"], "nosniff");
}

/// A list the domain caps counts as its cap times its selection: nesting lists cannot make a
/// query look cheap that would read millions of rows. (Under the old count, where a list cost
/// its selection once, this query cost 181.) The ordinary pages still pass: the feed page of
/// the statement-count tests, and a tribes page with its people and roles.
#[tokio::test]
async fn nested_lists_count_as_their_caps_and_are_refused_before_the_database() {
    let app = TestApp::seeded().await;
    let nested = "{ tribes(first: 20) { edges { node { members { user { tribes {
        members { user { skills { name } } } } } } } } } }";
    let body = json!({ "query": nested }).to_string();
    let response = without_database_work(&app, post(body, "application/json", None)).await;
    let json = response.json();
    assert_eq!(error_codes(&json), vec!["BAD_USER_INPUT"], "{json}");
    assert!(first_message(&json).contains("over the limit"), "{json}");
    assert!(json["data"].is_null());

    let ordinary = "{ tribes(first: 20) { edges { node { name members { role user { username } }
        openRoles { title filled } owner { username skills { name } } } } } }";
    let response = app.graphql(ordinary, json!({})).await;
    assert!(response["errors"].is_null(), "{response}");
}

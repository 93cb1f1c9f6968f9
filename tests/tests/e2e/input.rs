//! What the API accepts as text: NUL anywhere (variable defaults too), URLs stored normalised,
//! names without invisible characters, GitHub names unique regardless of case, and request ids.
use axum::body::Body;
use axum::http::{HeaderValue, Request};
use serde_json::{Value, json};
use tests::{TestApp, error_codes};

const UPDATE: &str = "mutation($input: UpdateProfileInput!) { updateProfile(input: $input) {
    displayName avatarUrl contactLinks githubUsername } }";
const CREATE_PROJECT: &str =
    "mutation($input: CreateProjectInput!) { createProject(input: $input) {
    id thumbnailUrl links githubRepoFullName } }";

fn bad_field(response: &Value) -> (Vec<String>, Value) {
    (error_codes(response), response["errors"][0]["extensions"]["field"].clone())
}

#[tokio::test]
async fn nul_in_a_variables_default_value_is_bad_input_before_the_database() {
    let app = TestApp::spawn().await;
    let before = app.app.statements_sent();
    for query in [
        r#"query($u: String = "ma\u0000ya") { user(username: $u) { id } }"#,
        r#"query($f: UserFilter = { skill: "ru\u0000st" }) { users(filter: $f) { edges { cursor } } }"#,
    ] {
        let response = app.graphql(query, json!({})).await;
        assert_eq!(error_codes(&response), vec!["BAD_USER_INPUT"], "{query}: {response}");
        assert!(response["errors"][0]["message"].as_str().unwrap().contains("NUL"), "{response}");
    }
    assert_eq!(app.app.statements_sent(), before, "the database was touched");
}

#[tokio::test]
async fn urls_are_stored_normalised_and_unsafe_ones_refused() {
    let app = TestApp::spawn().await;
    let ada = app.register("ada").await;
    let ada = app.as_user(&ada);
    let updated = ada
        .graphql_ok(
            UPDATE,
            json!({ "input": {
                "avatarUrl": " HTTPS://Example.COM:443/me pic.png ",
                "contactLinks": { "site": "http://Bücher.example", "github": "https://github.com/ada" },
            }}),
        )
        .await;
    assert_eq!(updated["updateProfile"]["avatarUrl"], "https://example.com/me%20pic.png");
    assert_eq!(
        updated["updateProfile"]["contactLinks"],
        json!({ "site": "http://xn--bcher-kva.example/", "github": "https://github.com/ada" })
    );
    let project = ada
        .graphql_ok(
            CREATE_PROJECT,
            json!({ "input": {
                "title": "Engine",
                "thumbnailUrl": "https://EXAMPLE.com/a/../thumb.png",
                "links": { "demo": "HTTPS://demo.example" },
            }}),
        )
        .await;
    assert_eq!(project["createProject"]["thumbnailUrl"], "https://example.com/thumb.png");
    assert_eq!(project["createProject"]["links"], json!({ "demo": "https://demo.example/" }));

    for (input, field) in [
        (json!({ "avatarUrl": "javascript:alert(1)" }), "avatarUrl"),
        (json!({ "avatarUrl": "https://example.com/a\u{0009}b" }), "avatarUrl"),
        (json!({ "avatarUrl": "https://exa\nmple.com/" }), "avatarUrl"),
        (json!({ "avatarUrl": "https://github.com@evil.example/x.png" }), "avatarUrl"),
        (json!({ "avatarUrl": "https://example.com/\u{202E}gnp.exe" }), "avatarUrl"),
        // 250 characters typed, 1,400 stored: the column's 500 hold for what is stored.
        (json!({ "avatarUrl": format!("https://example.com/{}", "é".repeat(230)) }), "avatarUrl"),
        (json!({ "contactLinks": { "x": "ftp://example.com/" } }), "contactLinks"),
    ] {
        let response = ada.graphql(UPDATE, json!({ "input": input })).await;
        assert_eq!(
            bad_field(&response),
            (vec!["BAD_USER_INPUT".to_owned()], json!(field)),
            "{input}: {response}"
        );
    }
    let response = ada
        .graphql(
            CREATE_PROJECT,
            json!({ "input": { "title": "x", "thumbnailUrl": "data:image/png;base64,AAAA" } }),
        )
        .await;
    assert_eq!(bad_field(&response).1, "thumbnailUrl", "{response}");
}

#[tokio::test]
async fn display_names_and_usernames_refuse_invisible_and_direction_characters() {
    let app = TestApp::spawn().await;
    let register = "mutation($input: RegisterInput!) { register(input: $input) { accessToken } }";
    for (username, display_name, field) in [
        ("maya", "Maya\u{200B}Chen", "displayName"),
        ("maya", "\u{202E}nehC ayaM", "displayName"),
        ("maya", "Maya\u{2066}Chen\u{2069}", "displayName"),
        ("maya", "\u{FEFF}Maya", "displayName"),
        ("ma\u{200D}ya", "Maya", "username"),
        ("maya\u{202E}", "Maya", "username"),
    ] {
        let response = app
            .graphql(
                register,
                json!({ "input": {
                    "email": "maya@test.dev", "username": username,
                    "password": tests::PASSWORD, "displayName": display_name,
                }}),
            )
            .await;
        assert_eq!(
            bad_field(&response),
            (vec!["BAD_USER_INPUT".to_owned()], json!(field)),
            "{display_name:?}: {response}"
        );
    }
    let ada = app.register("ada").await;
    let response = app
        .as_user(&ada)
        .graphql(UPDATE, json!({ "input": { "displayName": "Ada\u{200F}" } }))
        .await;
    assert_eq!(bad_field(&response).1, "displayName", "{response}");
    // Right-to-left scripts themselves are fine.
    let ok =
        app.as_user(&ada).graphql_ok(UPDATE, json!({ "input": { "displayName": "עדה" } })).await;
    assert_eq!(ok["updateProfile"]["displayName"], "עדה");
}

#[tokio::test]
async fn github_usernames_and_repositories_are_unique_regardless_of_case() {
    let app = TestApp::spawn().await;
    let ada = app.register("ada").await;
    let bob = app.register("bob").await;
    app.as_user(&ada).graphql_ok(UPDATE, json!({ "input": { "githubUsername": "Ada-L" } })).await;
    let taken =
        app.as_user(&bob).graphql(UPDATE, json!({ "input": { "githubUsername": "ada-l" } })).await;
    assert_eq!(error_codes(&taken), vec!["CONFLICT"], "{taken}");
    assert_eq!(taken["errors"][0]["extensions"]["reason"], "GITHUB_USERNAME_TAKEN");

    app.as_user(&ada)
        .graphql_ok(
            CREATE_PROJECT,
            json!({ "input": { "title": "Engine", "githubRepoFullName": "Ada-L/Engine" } }),
        )
        .await;
    let taken = app
        .as_user(&bob)
        .graphql(
            CREATE_PROJECT,
            json!({ "input": { "title": "Mine", "githubRepoFullName": "ada-l/engine" } }),
        )
        .await;
    assert_eq!(error_codes(&taken), vec!["CONFLICT"], "{taken}");
    assert_eq!(taken["errors"][0]["extensions"]["reason"], "GITHUB_REPO_TAKEN");
    // The spelling a builder chose is kept.
    assert_eq!(app.count("users WHERE github_username = 'Ada-L'").await, 1);

    // Usernames already were: "Ada" is "ada".
    let response = app
        .graphql(
            "mutation($input: RegisterInput!) { register(input: $input) { accessToken } }",
            json!({ "input": { "email": "other@test.dev", "username": "ADA", "password": tests::PASSWORD, "displayName": "Other" } }),
        )
        .await;
    assert_eq!(response["errors"][0]["extensions"]["reason"], "USERNAME_TAKEN", "{response}");
}

#[tokio::test]
async fn an_incoming_request_id_is_kept_only_when_well_formed() {
    let app = TestApp::spawn().await;
    let with_id = |id: HeaderValue| {
        let mut request = Request::get("/health").body(Body::empty()).unwrap();
        request.headers_mut().insert("x-request-id", id);
        request
    };
    for kept in ["abc-123", "req_01HX:frontend/7", &"x".repeat(64)] {
        let response = app.request(with_id(HeaderValue::from_str(kept).unwrap())).await;
        assert_eq!(response.headers["x-request-id"], kept);
    }
    let replaced = [
        HeaderValue::from_str("two words").unwrap(),
        HeaderValue::from_str(&"x".repeat(65)).unwrap(),
        HeaderValue::from_str("a\tb").unwrap(),
        HeaderValue::from_bytes("caf\u{e9}".as_bytes()).unwrap(),
        HeaderValue::from_static(""),
    ];
    for sent in replaced {
        let response = app.request(with_id(sent.clone())).await;
        let id = &response.headers["x-request-id"];
        assert_ne!(id, &sent);
        assert_eq!(id.len(), 26, "a ULID of the server's own instead of {sent:?}");
    }
    // Two ids: neither is used.
    let mut request = with_id(HeaderValue::from_static("first"));
    request.headers_mut().append("x-request-id", HeaderValue::from_static("second"));
    let response = app.request(request).await;
    assert_eq!(response.headers["x-request-id"].len(), 26);
}

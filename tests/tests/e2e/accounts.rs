use serde_json::{Value, json};
use tests::{PASSWORD, Session, TestApp, error_codes};

const LOGIN: &str = "mutation($input: LoginInput!) { login(input: $input) {
    accessToken refreshToken user { id username email } } }";
const REFRESH: &str = "mutation($token: String!) { refreshToken(token: $token) {
    accessToken refreshToken user { id } } }";
const VIEWER: &str = "{ viewer { id username email } }";

async fn login(app: &TestApp, login: &str, password: &str) -> Value {
    app.graphql(LOGIN, json!({ "input": { "login": login, "password": password } })).await
}

async fn refresh(app: &TestApp, token: &str) -> Value {
    app.graphql(REFRESH, json!({ "token": token })).await
}

fn session(response: &Value, field: &str) -> Session {
    Session::from_payload(&response["data"][field]).unwrap_or_else(|| panic!("{field}: {response}"))
}

#[tokio::test]
async fn register_signs_in_and_records_the_builder_joining() {
    let app = TestApp::spawn().await;
    let response = app
        .graphql(
            "mutation($input: RegisterInput!) { register(input: $input) {
                accessToken refreshToken accessTokenExpiresAt
                user { username displayName email onboardingCompleted } } }",
            json!({ "input": {
                "email": "  Ada@Example.COM ", "username": "Ada_L",
                "password": PASSWORD, "displayName": " Ada Lovelace "
            }}),
        )
        .await;
    let payload = &response["data"]["register"];
    assert_eq!(
        payload["user"],
        json!({ "username": "ada_l", "displayName": "Ada Lovelace", "email": "ada@example.com",
                "onboardingCompleted": false }),
        "{response}"
    );
    assert!(payload["accessToken"].as_str().unwrap().split('.').count() == 3, "a JWT");
    assert_eq!(payload["refreshToken"].as_str().unwrap().len(), 43, "256 bits, base64url");
    let expires: chrono::DateTime<chrono::Utc> =
        payload["accessTokenExpiresAt"].as_str().unwrap().parse().unwrap();
    let minutes = (expires - chrono::Utc::now()).num_minutes();
    assert!((14..=15).contains(&minutes), "15-minute access tokens, got {minutes}");

    let token = payload["accessToken"].as_str().unwrap();
    let viewer = app.graphql_as(token, VIEWER, json!({})).await;
    assert_eq!(viewer["data"]["viewer"]["username"], "ada_l");
    assert_eq!(viewer["data"]["viewer"]["email"], "ada@example.com");

    let events = app
        .rows(
            "SELECT concat_ws('|', e.event_type, u.username, e.target_type, (e.target_id = u.id)::text, e.metadata::text) AS line
             FROM feed_events e JOIN users u ON u.id = e.actor_id",
        )
        .await;
    assert_eq!(
        events,
        vec![r#"builder_joined|ada_l|user|true|{"headline": null, "displayName": "Ada Lovelace"}"#]
    );
    // The refresh token is stored only as its SHA-256.
    let stored = app.rows("SELECT token_hash AS line FROM refresh_tokens").await;
    assert_eq!(stored.len(), 1);
    assert_eq!(stored[0].len(), 64);
    assert_ne!(stored[0], payload["refreshToken"].as_str().unwrap());
}

#[tokio::test]
async fn viewer_is_null_when_anonymous() {
    let app = TestApp::spawn().await;
    assert_eq!(app.graphql(VIEWER, json!({})).await, json!({ "data": { "viewer": null } }));
}

#[tokio::test]
async fn login_by_email_or_username_and_the_same_error_for_unknown_login_or_wrong_password() {
    let app = TestApp::spawn().await;
    let ada = app.register("ada").await;
    for login_as in ["ada@test.dev", "ADA@test.dev", "ada", "Ada"] {
        let response = login(&app, login_as, PASSWORD).await;
        assert_eq!(session(&response, "login").user_id, ada.user_id, "{login_as}");
    }
    let wrong = login(&app, "ada", "not the password").await;
    let unknown = login(&app, "nobody", "not the password").await;
    assert_eq!(error_codes(&wrong), vec!["BAD_USER_INPUT"]);
    assert_eq!(wrong["errors"][0]["message"], unknown["errors"][0]["message"]);
    assert_eq!(wrong["errors"][0]["extensions"], unknown["errors"][0]["extensions"]);
    assert_eq!(wrong["data"], Value::Null);
}

#[tokio::test]
async fn refresh_rotates_and_a_reused_token_revokes_every_session() {
    let app = TestApp::spawn().await;
    let first = app.register("ada").await;
    let second = session(&login(&app, "ada", PASSWORD).await, "login");

    let rotated = session(&refresh(&app, &first.refresh_token).await, "refreshToken");
    assert_ne!(rotated.refresh_token, first.refresh_token);
    let viewer = app.graphql_as(&rotated.access_token, VIEWER, json!({})).await;
    assert_eq!(viewer["data"]["viewer"]["username"], "ada");

    // The old token no longer works, and presenting it is taken as theft ...
    let reused = refresh(&app, &first.refresh_token).await;
    assert_eq!(error_codes(&reused), vec!["UNAUTHENTICATED"]);
    // ... so every session of the account is revoked: the rotated one and the other device's.
    for token in [&rotated.refresh_token, &second.refresh_token] {
        assert_eq!(error_codes(&refresh(&app, token).await), vec!["UNAUTHENTICATED"]);
    }
    // Signing in again works.
    assert!(login(&app, "ada", PASSWORD).await["data"]["login"].is_object());
}

#[tokio::test]
async fn an_unknown_or_garbage_refresh_token_is_unauthenticated() {
    let app = TestApp::spawn().await;
    for token in ["", "nonsense", &"x".repeat(500)] {
        assert_eq!(error_codes(&refresh(&app, token).await), vec!["UNAUTHENTICATED"], "{token}");
    }
}

#[tokio::test]
async fn logout_revokes_one_session_and_logout_everywhere_all() {
    let app = TestApp::spawn().await;
    let a = app.register("ada").await;
    let b = session(&login(&app, "ada", PASSWORD).await, "login");
    let c = session(&login(&app, "ada", PASSWORD).await, "login");

    let out = app
        .graphql(
            "mutation($t: String!) { logout(refreshToken: $t) }",
            json!({ "t": a.refresh_token }),
        )
        .await;
    assert_eq!(out, json!({ "data": { "logout": true } }));
    assert_eq!(error_codes(&refresh(&app, &a.refresh_token).await), vec!["UNAUTHENTICATED"]);
    // Logging out is idempotent.
    let again = app
        .graphql(
            "mutation($t: String!) { logout(refreshToken: $t) }",
            json!({ "t": a.refresh_token }),
        )
        .await;
    assert_eq!(again, json!({ "data": { "logout": true } }));
    // A plain logout is not theft: the other sessions live on.
    let b2 = session(&refresh(&app, &b.refresh_token).await, "refreshToken");

    let anonymous = app.graphql("mutation { logoutEverywhere }", json!({})).await;
    assert_eq!(error_codes(&anonymous), vec!["UNAUTHENTICATED"]);
    let everywhere =
        app.graphql_as(&b2.access_token, "mutation { logoutEverywhere }", json!({})).await;
    assert_eq!(everywhere, json!({ "data": { "logoutEverywhere": true } }));
    for token in [&b2.refresh_token, &c.refresh_token] {
        assert_eq!(error_codes(&refresh(&app, token).await), vec!["UNAUTHENTICATED"]);
    }
}

#[tokio::test]
async fn change_password_revokes_every_other_session() {
    let app = TestApp::spawn().await;
    let a = app.register("ada").await;
    let other = session(&login(&app, "ada", PASSWORD).await, "login");
    let change = "mutation($c: String!, $n: String!) { changePassword(currentPassword: $c, newPassword: $n) {
        accessToken refreshToken user { id } } }";

    let wrong = app
        .graphql_as(
            &a.access_token,
            change,
            json!({ "c": "wrong password", "n": "a new password" }),
        )
        .await;
    assert_eq!(error_codes(&wrong), vec!["BAD_USER_INPUT"]);
    assert_eq!(wrong["errors"][0]["extensions"]["field"], "currentPassword");
    let short =
        app.graphql_as(&a.access_token, change, json!({ "c": PASSWORD, "n": "short" })).await;
    assert_eq!(short["errors"][0]["extensions"]["field"], "newPassword");

    let changed = app
        .graphql_as(&a.access_token, change, json!({ "c": PASSWORD, "n": "a new password" }))
        .await;
    let fresh = session(&changed, "changePassword");
    for token in [&a.refresh_token, &other.refresh_token] {
        assert_eq!(error_codes(&refresh(&app, token).await), vec!["UNAUTHENTICATED"]);
    }
    assert!(refresh(&app, &fresh.refresh_token).await["data"]["refreshToken"].is_object());
    assert_eq!(error_codes(&login(&app, "ada", PASSWORD).await), vec!["BAD_USER_INPUT"]);
    assert!(login(&app, "ada", "a new password").await["data"]["login"].is_object());
}

#[tokio::test]
async fn taken_email_or_username_is_a_conflict_naming_it() {
    let app = TestApp::spawn().await;
    app.register("ada").await;
    let register = "mutation($input: RegisterInput!) { register(input: $input) { accessToken } }";
    let cases = [
        (json!({ "email": "ADA@test.dev", "username": "other" }), "EMAIL_TAKEN"),
        (json!({ "email": "other@test.dev", "username": "ADA" }), "USERNAME_TAKEN"),
    ];
    for (partial, reason) in cases {
        let mut input = json!({ "password": PASSWORD, "displayName": "X" });
        input.as_object_mut().unwrap().extend(partial.as_object().unwrap().clone());
        let response = app.graphql(register, json!({ "input": input })).await;
        assert_eq!(error_codes(&response), vec!["CONFLICT"], "{response}");
        assert_eq!(response["errors"][0]["extensions"]["reason"], reason);
    }
    assert_eq!(app.count("users").await, 1, "nothing half-written");
}

#[tokio::test]
async fn every_register_field_is_validated_by_name() {
    let app = TestApp::spawn().await;
    let register = "mutation($input: RegisterInput!) { register(input: $input) { accessToken } }";
    let valid = json!({ "email": "ada@test.dev", "username": "ada", "password": PASSWORD, "displayName": "Ada" });
    let long_password = "p".repeat(129);
    let cases: Vec<(&str, Value)> = vec![
        ("email", json!("not-an-email")),
        ("username", json!("ab")),
        ("username", json!("has space")),
        ("password", json!("short")),
        ("password", json!(long_password)),
        ("displayName", json!("   ")),
        ("displayName", json!("x".repeat(101))),
        ("displayName", json!("tab\tin a name")),
    ];
    for (field, value) in cases {
        let mut input = valid.clone();
        input[field] = value.clone();
        let response = app.graphql(register, json!({ "input": input })).await;
        assert_eq!(error_codes(&response), vec!["BAD_USER_INPUT"], "{field}={value}: {response}");
        assert_eq!(response["errors"][0]["extensions"]["field"], field, "{response}");
    }
    // A NUL byte anywhere in the input is refused before any resolver runs.
    let mut input = valid.clone();
    input["displayName"] = json!("nul\u{0}byte");
    let response = app.graphql(register, json!({ "input": input })).await;
    assert_eq!(error_codes(&response), vec!["BAD_USER_INPUT"], "{response}");
    assert_eq!(app.count("users").await, 0);
}

#[tokio::test]
async fn another_users_email_is_null() {
    let app = TestApp::spawn().await;
    let ada = app.register("ada").await;
    app.register("bob").await;
    let query = "query($u: String!) { user(username: $u) { username email } }";
    let bob_seen_by_ada = app.graphql_as(&ada.access_token, query, json!({ "u": "bob" })).await;
    assert_eq!(bob_seen_by_ada["data"]["user"], json!({ "username": "bob", "email": null }));
    let bob_anonymously = app.graphql(query, json!({ "u": "bob" })).await;
    assert_eq!(bob_anonymously["data"]["user"]["email"], Value::Null);
    let ada_by_herself = app.graphql_as(&ada.access_token, query, json!({ "u": "ada" })).await;
    assert_eq!(ada_by_herself["data"]["user"]["email"], "ada@test.dev");
}

#[test]
fn secrets_have_no_field_in_the_schema() {
    let sdl = graphql::sdl().to_lowercase();
    for secret in
        ["passwordhash", "password_hash", "tokenhash", "githubaccesstoken", "accesstokenencrypted"]
    {
        assert!(!sdl.contains(secret), "{secret} is exposed");
    }
}

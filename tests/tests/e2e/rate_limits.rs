use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use serde_json::{Value, json};
use tests::{PASSWORD, TestApp, error_codes, graphql_request, send};

const LOGIN: &str = "mutation($input: LoginInput!) { login(input: $input) { accessToken } }";

async fn login_from(app: &TestApp, ip: &str, login: &str, password: &str) -> Value {
    app.graphql_with(
        LOGIN,
        json!({ "input": { "login": login, "password": password } }),
        &[("x-forwarded-for", ip)],
    )
    .await
    .json()
}

#[tokio::test]
async fn failed_logins_per_account_trip_the_limit_and_it_recovers() {
    let app = TestApp::spawn_with(&[("RATE_LIMIT_FAILED_LOGINS_PER_ACCOUNT", "3/2s")]).await;
    app.register("ada").await;
    for _ in 0..3 {
        let response = login_from(&app, "10.0.0.1", "ada", "wrong password").await;
        assert_eq!(error_codes(&response), vec!["BAD_USER_INPUT"]);
    }
    // Over the limit: refused even with the right password, from anywhere.
    let limited = login_from(&app, "10.0.0.2", "ada", PASSWORD).await;
    assert_eq!(error_codes(&limited), vec!["RATE_LIMITED"], "{limited}");
    let retry = limited["errors"][0]["extensions"]["retryAfterSeconds"].as_u64().unwrap();
    assert!((1..=2).contains(&retry), "{retry}");
    // Other accounts are unaffected.
    app.register("bob").await;
    assert!(login_from(&app, "10.0.0.1", "bob", PASSWORD).await["data"]["login"].is_object());

    tokio::time::sleep(Duration::from_millis(2100)).await;
    let recovered = login_from(&app, "10.0.0.1", "ada", PASSWORD).await;
    assert!(recovered["data"]["login"].is_object(), "{recovered}");
}

#[tokio::test]
async fn failed_logins_per_ip_trip_the_limit_across_accounts() {
    let app = TestApp::spawn_with(&[("RATE_LIMIT_FAILED_LOGINS_PER_IP", "4/1m")]).await;
    app.register("ada").await;
    for name in ["a1", "a2", "a3", "a4"] {
        let response = login_from(&app, "10.0.0.9", name, "wrong password").await;
        assert_eq!(error_codes(&response), vec!["BAD_USER_INPUT"]);
    }
    let limited = login_from(&app, "10.0.0.9", "ada", PASSWORD).await;
    assert_eq!(error_codes(&limited), vec!["RATE_LIMITED"]);
    let elsewhere = login_from(&app, "10.0.0.10", "ada", PASSWORD).await;
    assert!(elsewhere["data"]["login"].is_object());
}

#[tokio::test]
async fn registrations_per_ip_are_limited() {
    let app = TestApp::spawn_with(&[("RATE_LIMIT_REGISTRATIONS_PER_IP", "3/1h")]).await;
    let register = |n: u32, ip: &'static str| {
        let app = &app;
        async move {
            app.graphql_with(
                "mutation($input: RegisterInput!) { register(input: $input) { accessToken } }",
                json!({ "input": { "email": format!("u{n}@test.dev"), "username": format!("user{n}"),
                                   "password": PASSWORD, "displayName": "U" } }),
                &[("x-forwarded-for", ip)],
            )
            .await
            .json()
        }
    };
    for n in 0..3 {
        assert!(register(n, "10.1.1.1").await["data"]["register"].is_object());
    }
    let limited = register(3, "10.1.1.1").await;
    assert_eq!(error_codes(&limited), vec!["RATE_LIMITED"]);
    assert!(limited["errors"][0]["extensions"]["retryAfterSeconds"].as_u64().unwrap() > 3000);
    assert!(register(4, "10.1.1.2").await["data"]["register"].is_object());
}

#[tokio::test]
async fn refreshes_per_ip_are_limited() {
    let app = TestApp::spawn_with(&[("RATE_LIMIT_REFRESHES_PER_IP", "2/1m")]).await;
    let refresh = "mutation($t: String!) { refreshToken(token: $t) { refreshToken } }";
    for _ in 0..2 {
        let r = app
            .graphql_with(refresh, json!({ "t": "bogus" }), &[("x-forwarded-for", "10.2.2.2")])
            .await;
        assert_eq!(error_codes(&r.json()), vec!["UNAUTHENTICATED"]);
    }
    let r = app
        .graphql_with(refresh, json!({ "t": "bogus" }), &[("x-forwarded-for", "10.2.2.2")])
        .await;
    assert_eq!(error_codes(&r.json()), vec!["RATE_LIMITED"]);
}

/// Password hashing runs off the async runtime: a burst of logins does not hold up other requests.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_logins_do_not_stall_a_health_check() {
    let app = TestApp::spawn().await;
    app.register("ada").await;
    let done = Arc::new(AtomicUsize::new(0));
    let mut logins = Vec::new();
    for _ in 0..20 {
        let router = app.app.router();
        let done = done.clone();
        logins.push(tokio::spawn(async move {
            let request = graphql_request(
                LOGIN,
                json!({ "input": { "login": "ada", "password": PASSWORD } }),
                &[],
            );
            let response = send(router, request).await;
            done.fetch_add(1, Ordering::SeqCst);
            response.json()
        }));
    }
    tokio::time::sleep(Duration::from_millis(20)).await;
    let health = app.graphql("{ health }", json!({})).await;
    let finished_when_health_answered = done.load(Ordering::SeqCst);
    assert_eq!(health, json!({ "data": { "health": "ok" } }));
    assert!(
        finished_when_health_answered < 20,
        "health answered only after all {finished_when_health_answered} logins finished"
    );
    for login in logins {
        assert!(login.await.unwrap()["data"]["login"].is_object());
    }
}

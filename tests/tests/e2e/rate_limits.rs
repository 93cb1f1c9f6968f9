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

/// Waits until the server has started verifying `n` passwords since `before` (bounded).
async fn until_verifications(app: &TestApp, before: u64, n: u64) {
    for _ in 0..10_000 {
        if app.app.password_verifications() - before >= n {
            return;
        }
        tokio::time::sleep(Duration::from_millis(1)).await;
    }
    panic!("fewer than {n} passwords were verified in 10 s");
}

fn login_request(ip: &str, login: &str, password: &str) -> axum::http::Request<axum::body::Body> {
    graphql_request(
        LOGIN,
        json!({ "input": { "login": login, "password": password } }),
        &[("x-forwarded-for", ip)],
    )
}

fn count_codes(responses: &[Value], code: &str) -> usize {
    responses.iter().filter(|r| error_codes(r) == vec![code.to_owned()]).count()
}

/// The attack of issue 9: 39 wrong passwords sent together for one account, and the right one
/// while they are being checked. At most the limit's count of passwords is verified, and the
/// right one, past the limit, does not get in.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_burst_of_logins_verifies_at_most_the_limit_and_the_right_password_past_it_fails() {
    let app = TestApp::spawn_with(&[("RATE_LIMIT_FAILED_LOGINS_PER_ACCOUNT", "5/1m")]).await;
    app.register("ada").await;
    let before = app.app.password_verifications();
    let wrong: Vec<_> = (0..39)
        .map(|i| {
            let request = login_request("10.3.3.3", "ada", &format!("wrong password {i}"));
            tokio::spawn(send(app.app.router(), request))
        })
        .collect();
    until_verifications(&app, before, 5).await;
    let right = login_from(&app, "10.3.3.4", "ada", PASSWORD).await;
    let mut responses = Vec::new();
    for task in wrong {
        responses.push(task.await.unwrap().json());
    }

    assert_eq!(error_codes(&right), vec!["RATE_LIMITED"], "the right password got in: {right}");
    let verified = app.app.password_verifications() - before;
    assert!(verified <= 5, "{verified} passwords verified for a limit of 5");
    assert_eq!(count_codes(&responses, "BAD_USER_INPUT"), 5);
    assert_eq!(count_codes(&responses, "RATE_LIMITED"), 34);
    // Nobody signed in: the only session is the one registration started.
    assert_eq!(app.count("refresh_tokens").await, 1);
}

/// The per-IP limit holds the same way across many (unknown) logins sent at once.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_burst_of_failed_logins_from_one_ip_verifies_at_most_its_limit() {
    let app = TestApp::spawn_with(&[("RATE_LIMIT_FAILED_LOGINS_PER_IP", "5/1m")]).await;
    let before = app.app.password_verifications();
    let responses = app
        .concurrently(40, |i| login_request("10.4.4.4", &format!("nobody{i}"), "wrong password"))
        .await;
    let verified = app.app.password_verifications() - before;
    assert!(verified <= 5, "{verified} passwords verified for a limit of 5");
    assert_eq!(count_codes(&responses, "BAD_USER_INPUT"), 5);
    assert_eq!(count_codes(&responses, "RATE_LIMITED"), 35);
}

/// A success gives its attempt back: a builder who signs in correctly several times in a row is
/// never limited, and earlier failures still count.
#[tokio::test]
async fn a_successful_login_does_not_use_up_the_failed_login_limit() {
    let app = TestApp::spawn_with(&[("RATE_LIMIT_FAILED_LOGINS_PER_ACCOUNT", "2/1m")]).await;
    app.register("ada").await;
    assert_eq!(
        error_codes(&login_from(&app, "10.0.0.1", "ada", "wrong password").await),
        vec!["BAD_USER_INPUT"]
    );
    for _ in 0..5 {
        let ok = login_from(&app, "10.0.0.1", "ada", PASSWORD).await;
        assert!(ok["data"]["login"].is_object(), "{ok}");
    }
    assert_eq!(
        error_codes(&login_from(&app, "10.0.0.1", "ada", "wrong password").await),
        vec!["BAD_USER_INPUT"]
    );
    assert_eq!(
        error_codes(&login_from(&app, "10.0.0.1", "ada", PASSWORD).await),
        vec!["RATE_LIMITED"]
    );
}

/// One account is one bucket, whether it is named by its email or its username.
#[tokio::test]
async fn the_email_and_the_username_of_an_account_share_its_limit() {
    let app = TestApp::spawn_with(&[("RATE_LIMIT_FAILED_LOGINS_PER_ACCOUNT", "2/1m")]).await;
    app.register("ada").await;
    for login in ["ada", "ada@test.dev"] {
        let response = login_from(&app, "10.0.0.1", login, "wrong password").await;
        assert_eq!(error_codes(&response), vec!["BAD_USER_INPUT"]);
    }
    for login in ["ADA", "ada@test.dev"] {
        let response = login_from(&app, "10.0.0.1", login, PASSWORD).await;
        assert_eq!(error_codes(&response), vec!["RATE_LIMITED"], "{login}");
    }
}

/// Clients of one IPv6 /64 share a per-IP bucket, and an IPv4-mapped address is its IPv4.
#[tokio::test]
async fn ipv6_clients_are_limited_by_their_64_and_mapped_addresses_as_ipv4() {
    let app = TestApp::spawn_with(&[("RATE_LIMIT_FAILED_LOGINS_PER_IP", "2/1m")]).await;
    for ip in ["2001:db8:1:2::1", "2001:db8:1:2:ffff::9"] {
        let response = login_from(&app, ip, "nobody", "wrong password").await;
        assert_eq!(error_codes(&response), vec!["BAD_USER_INPUT"]);
    }
    let same_64 = login_from(&app, "2001:db8:1:2:abcd::1", "nobody", "wrong password").await;
    assert_eq!(error_codes(&same_64), vec!["RATE_LIMITED"]);
    let next_64 = login_from(&app, "2001:db8:1:3::1", "nobody", "wrong password").await;
    assert_eq!(error_codes(&next_64), vec!["BAD_USER_INPUT"]);

    for ip in ["10.7.7.7", "::ffff:10.7.7.7"] {
        let response = login_from(&app, ip, "nobody", "wrong password").await;
        assert_eq!(error_codes(&response), vec!["BAD_USER_INPUT"], "{ip}");
    }
    let mapped = login_from(&app, "::ffff:10.7.7.7", "nobody", "wrong password").await;
    assert_eq!(error_codes(&mapped), vec!["RATE_LIMITED"]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_burst_of_registrations_from_one_ip_creates_at_most_the_limit() {
    let app = TestApp::spawn_with(&[("RATE_LIMIT_REGISTRATIONS_PER_IP", "3/1h")]).await;
    let responses = app
        .concurrently(12, |n| {
            graphql_request(
                "mutation($input: RegisterInput!) { register(input: $input) { accessToken } }",
                json!({ "input": { "email": format!("u{n}@test.dev"), "username": format!("user{n}"),
                                   "password": PASSWORD, "displayName": "U" } }),
                &[("x-forwarded-for", "10.5.5.5")],
            )
        })
        .await;
    let registered = responses.iter().filter(|r| r["data"]["register"].is_object()).count();
    assert_eq!(registered, 3);
    assert_eq!(count_codes(&responses, "RATE_LIMITED"), 9);
    assert_eq!(app.count("users").await, 3);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_burst_of_refreshes_from_one_ip_gets_at_most_the_limit_through() {
    let app = TestApp::spawn_with(&[("RATE_LIMIT_REFRESHES_PER_IP", "2/1m")]).await;
    let responses = app
        .concurrently(12, |_| {
            graphql_request(
                "mutation($t: String!) { refreshToken(token: $t) { refreshToken } }",
                json!({ "t": "bogus" }),
                &[("x-forwarded-for", "10.6.6.6")],
            )
        })
        .await;
    assert_eq!(count_codes(&responses, "UNAUTHENTICATED"), 2);
    assert_eq!(count_codes(&responses, "RATE_LIMITED"), 10);
}

/// Ten guesses of the current password aliased in one request: the account's failed-password
/// limit stops them, and it is the same limit as login's.
#[tokio::test]
async fn change_password_guesses_are_limited_with_logins() {
    let app = TestApp::spawn_with(&[("RATE_LIMIT_FAILED_LOGINS_PER_ACCOUNT", "3/1m")]).await;
    let ada = app.register("ada").await;
    let before = app.app.password_verifications();
    let guesses: String = (0..10)
        .map(|i| {
            format!(
                "g{i}: changePassword(currentPassword: \"guess number {i}\", newPassword: \"a new password\") {{ accessToken }} "
            )
        })
        .collect();
    let response = app.as_user(&ada).graphql(&format!("mutation {{ {guesses} }}"), json!({})).await;
    let codes = error_codes(&response);
    assert_eq!(codes.iter().filter(|c| *c == "BAD_USER_INPUT").count(), 3, "{response}");
    assert_eq!(codes.iter().filter(|c| *c == "RATE_LIMITED").count(), 7, "{response}");
    assert_eq!(app.app.password_verifications() - before, 3);

    // The right current password, past the limit, changes nothing; login is limited too.
    let right = app
        .as_user(&ada)
        .graphql(
            "mutation { changePassword(currentPassword: \"correct horse battery\", newPassword: \"a new password\") { accessToken } }",
            json!({}),
        )
        .await;
    assert_eq!(error_codes(&right), vec!["RATE_LIMITED"], "{right}");
    assert_eq!(
        error_codes(&login_from(&app, "10.0.0.1", "ada", PASSWORD).await),
        vec!["RATE_LIMITED"]
    );
}

#[tokio::test]
async fn delete_account_guesses_are_limited_and_the_right_password_past_the_limit_deletes_nothing()
{
    let app = TestApp::spawn_with(&[("RATE_LIMIT_FAILED_LOGINS_PER_ACCOUNT", "3/1m")]).await;
    let ada = app.register("ada").await;
    let guesses: String =
        (0..10).map(|i| format!("g{i}: deleteAccount(password: \"guess number {i}\") ")).collect();
    let response = app.as_user(&ada).graphql(&format!("mutation {{ {guesses} }}"), json!({})).await;
    let codes = error_codes(&response);
    assert_eq!(codes.iter().filter(|c| *c == "BAD_USER_INPUT").count(), 3, "{response}");
    assert_eq!(codes.iter().filter(|c| *c == "RATE_LIMITED").count(), 7, "{response}");

    let right = app
        .as_user(&ada)
        .graphql("mutation { deleteAccount(password: \"correct horse battery\") }", json!({}))
        .await;
    assert_eq!(error_codes(&right), vec!["RATE_LIMITED"], "{right}");
    assert_eq!(app.count("users").await, 1);
}

/// The per-IP failed-password limit covers the password-checking mutations too.
#[tokio::test]
async fn password_checking_mutations_count_against_the_ip() {
    let app = TestApp::spawn_with(&[("RATE_LIMIT_FAILED_LOGINS_PER_IP", "2/1m")]).await;
    let ada = app.register("ada").await;
    let bearer = format!("Bearer {}", ada.access_token);
    let headers = [("authorization", bearer.as_str()), ("x-forwarded-for", "10.8.8.8")];
    for _ in 0..2 {
        let r = app
            .graphql_with(
                "mutation { deleteAccount(password: \"a wrong one\") }",
                json!({}),
                &headers,
            )
            .await
            .json();
        assert_eq!(error_codes(&r), vec!["BAD_USER_INPUT"], "{r}");
    }
    let limited = login_from(&app, "10.8.8.8", "ada", PASSWORD).await;
    assert_eq!(error_codes(&limited), vec!["RATE_LIMITED"], "{limited}");
    let elsewhere = login_from(&app, "10.8.8.9", "ada", PASSWORD).await;
    assert!(elsewhere["data"]["login"].is_object(), "{elsewhere}");
}

/// With one password check at a time and one waiting, a burst of logins gets RATE_LIMITED ("busy")
/// at once for the excess, and the admitted ones succeed.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_full_password_queue_refuses_the_excess_at_once() {
    let app =
        TestApp::spawn_with(&[("PASSWORD_HASH_CONCURRENCY", "1"), ("PASSWORD_HASH_QUEUE", "1")])
            .await;
    app.register("ada").await;
    let responses = app.concurrently(12, |_| login_request("10.9.9.9", "ada", PASSWORD)).await;
    let signed_in = responses.iter().filter(|r| r["data"]["login"].is_object()).count();
    let busy: Vec<&Value> =
        responses.iter().filter(|r| error_codes(r) == vec!["RATE_LIMITED"]).collect();
    assert_eq!(signed_in + busy.len(), 12, "{responses:?}");
    assert!(signed_in >= 2, "{responses:?}");
    assert!(!busy.is_empty(), "nothing was refused: {responses:?}");
    for refused in busy {
        let error = &refused["errors"][0];
        assert_eq!(error["extensions"]["retryAfterSeconds"], 1, "{refused}");
        assert!(error["message"].as_str().unwrap().contains("busy"), "{refused}");
    }
    // A refusal for being busy is not a failed login: the account can sign in right after.
    let after = login_from(&app, "10.9.9.9", "ada", PASSWORD).await;
    assert!(after["data"]["login"].is_object(), "{after}");
}

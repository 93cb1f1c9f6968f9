//! Sessions that end: once a session is over, its access tokens are refused at once, on every
//! instance, not when they expire.
use std::time::{Duration, Instant};

use serde_json::{Value, json};
use tests::{HttpResponse, PASSWORD, Session, TestApp, error_codes, graphql_request, send};

const LOGIN: &str = "mutation($input: LoginInput!) { login(input: $input) {
    accessToken refreshToken user { id } } }";
const REFRESH: &str = "mutation($token: String!) { refreshToken(token: $token) {
    accessToken refreshToken user { id } } }";
const VIEWER: &str = "{ viewer { id username } }";
/// A request that reads nothing from the database: what it costs is the session check alone.
const NOTHING: &str = "{ __typename }";

async fn login(app: &TestApp) -> Session {
    let response =
        app.graphql(LOGIN, json!({ "input": { "login": "ada", "password": PASSWORD } })).await;
    Session::from_payload(&response["data"]["login"]).unwrap_or_else(|| panic!("{response}"))
}

async fn refresh(app: &TestApp, token: &str) -> Value {
    app.graphql(REFRESH, json!({ "token": token })).await
}

async fn viewer_on(router: axum::Router, token: &str) -> HttpResponse {
    let bearer = format!("Bearer {token}");
    send(router, graphql_request(VIEWER, json!({}), &[("authorization", &bearer)])).await
}

/// The access token reads the viewer.
#[track_caller]
fn assert_works(response: &HttpResponse, username: &str, what: &str) {
    assert_eq!(response.status, 200, "{what}: {}", String::from_utf8_lossy(&response.body));
    assert_eq!(response.json()["data"]["viewer"]["username"], username, "{what}");
}

/// The request was refused as a whole: HTTP 401, UNAUTHENTICATED.
#[track_caller]
fn assert_refused(response: &HttpResponse, what: &str) {
    assert_eq!(response.status, 401, "{what}: {}", String::from_utf8_lossy(&response.body));
    assert_eq!(error_codes(&response.json()), vec!["UNAUTHENTICATED"], "{what}");
}

#[tokio::test]
async fn logout_ends_that_sessions_access_tokens_at_once_and_only_that_session() {
    let app = TestApp::spawn().await;
    let a = app.register("ada").await;
    let b = login(&app).await;
    // A refresh stays in the same session: its new access token works, and so does the old one
    // until the session ends.
    let a2 = Session::from_payload(&refresh(&app, &a.refresh_token).await["data"]["refreshToken"])
        .unwrap();
    assert_works(&viewer_on(app.app.router(), &a.access_token).await, "ada", "before logout");
    assert_works(&viewer_on(app.app.router(), &a2.access_token).await, "ada", "rotated");

    let out = app
        .graphql(
            "mutation($t: String!) { logout(refreshToken: $t) }",
            json!({ "t": a2.refresh_token }),
        )
        .await;
    assert_eq!(out, json!({ "data": { "logout": true } }));
    assert_refused(&viewer_on(app.app.router(), &a.access_token).await, "the first access token");
    assert_refused(&viewer_on(app.app.router(), &a2.access_token).await, "the rotated one");
    assert_eq!(error_codes(&refresh(&app, &a2.refresh_token).await), vec!["UNAUTHENTICATED"]);
    // The other device's session lives on.
    assert_works(&viewer_on(app.app.router(), &b.access_token).await, "ada", "another session");
}

#[tokio::test]
async fn logout_everywhere_ends_every_access_token_of_the_account() {
    let app = TestApp::spawn().await;
    let a = app.register("ada").await;
    let b = login(&app).await;
    let bob = app.register("bob").await;
    let everywhere =
        app.graphql_as(&b.access_token, "mutation { logoutEverywhere }", json!({})).await;
    assert_eq!(everywhere, json!({ "data": { "logoutEverywhere": true } }));
    for (token, what) in [(&a.access_token, "the other device"), (&b.access_token, "the caller")] {
        assert_refused(&viewer_on(app.app.router(), token).await, what);
    }
    assert_works(&viewer_on(app.app.router(), &bob.access_token).await, "bob", "another account");
    // Signing in again starts a session that works.
    let c = login(&app).await;
    assert_works(&viewer_on(app.app.router(), &c.access_token).await, "ada", "a new sign-in");
}

#[tokio::test]
async fn change_password_ends_the_old_access_tokens_and_the_new_session_works() {
    let app = TestApp::spawn().await;
    let a = app.register("ada").await;
    let other = login(&app).await;
    let changed = app
        .graphql_as(
            &a.access_token,
            "mutation($c: String!, $n: String!) { changePassword(currentPassword: $c, newPassword: $n) {
                accessToken refreshToken user { id } } }",
            json!({ "c": PASSWORD, "n": "a new password" }),
        )
        .await;
    let fresh = Session::from_payload(&changed["data"]["changePassword"])
        .unwrap_or_else(|| panic!("{changed}"));
    assert_refused(&viewer_on(app.app.router(), &a.access_token).await, "the caller's old token");
    assert_refused(&viewer_on(app.app.router(), &other.access_token).await, "another device");
    assert_works(&viewer_on(app.app.router(), &fresh.access_token).await, "ada", "the new session");
    let rotated = refresh(&app, &fresh.refresh_token).await;
    let rotated = Session::from_payload(&rotated["data"]["refreshToken"])
        .unwrap_or_else(|| panic!("{rotated}"));
    assert_works(&viewer_on(app.app.router(), &rotated.access_token).await, "ada", "refreshed");
}

#[tokio::test]
async fn a_deleted_builders_token_is_unauthenticated_for_queries_and_mutations() {
    let app = TestApp::spawn().await;
    let ada = app.register("ada").await;
    let bob = app.register("bob").await;
    let second = login(&app).await;
    let deleted = app
        .graphql_as(
            &ada.access_token,
            "mutation($p: String!) { deleteAccount(password: $p) }",
            json!({ "p": PASSWORD }),
        )
        .await;
    assert_eq!(deleted, json!({ "data": { "deleteAccount": true } }));
    for token in [&ada.access_token, &second.access_token] {
        assert_refused(&viewer_on(app.app.router(), token).await, "viewer");
        let bearer = format!("Bearer {token}");
        for (query, variables) in [
            ("mutation($u: ID!) { follow(userId: $u) { id } }", json!({ "u": bob.user_id })),
            ("mutation { createProject(input: {title: \"Ghost\"}) { id } }", json!({})),
            ("mutation { updateProfile(input: {headline: \"gone\"}) { id } }", json!({})),
            ("mutation { logoutEverywhere }", json!({})),
        ] {
            let response = app.graphql_with(query, variables, &[("authorization", &bearer)]).await;
            assert_refused(&response, query);
        }
    }
    assert_eq!(app.count("projects WHERE title = 'Ghost'").await, 0);
}

#[tokio::test]
async fn reusing_a_live_rotated_refresh_token_ends_every_session_with_its_access_tokens() {
    let app = TestApp::spawn().await;
    let first = app.register("ada").await;
    let other = login(&app).await;
    let rotated = refresh(&app, &first.refresh_token).await;
    let rotated = Session::from_payload(&rotated["data"]["refreshToken"]).unwrap();

    assert_eq!(error_codes(&refresh(&app, &first.refresh_token).await), vec!["UNAUTHENTICATED"]);
    for (token, what) in [
        (&first.access_token, "the stolen session's first token"),
        (&rotated.access_token, "its rotated token"),
        (&other.access_token, "another device"),
    ] {
        assert_refused(&viewer_on(app.app.router(), token).await, what);
    }
    for token in [&rotated.refresh_token, &other.refresh_token] {
        assert_eq!(error_codes(&refresh(&app, token).await), vec!["UNAUTHENTICATED"]);
    }
}

#[tokio::test]
async fn an_expired_rotated_refresh_token_is_simply_refused() {
    let app = TestApp::spawn().await;
    let first = app.register("ada").await;
    let other = login(&app).await;
    let rotated = refresh(&app, &first.refresh_token).await;
    let rotated = Session::from_payload(&rotated["data"]["refreshToken"]).unwrap();
    // The rotated token is past its expiry (as it would be 30 days on).
    app.execute(
        "UPDATE refresh_tokens SET expires_at = now() - interval '1 minute' WHERE replaced_by IS NOT NULL",
    )
    .await;

    assert_eq!(error_codes(&refresh(&app, &first.refresh_token).await), vec!["UNAUTHENTICATED"]);
    // Not taken for theft: every session lives on.
    assert_works(&viewer_on(app.app.router(), &rotated.access_token).await, "ada", "rotated");
    assert_works(&viewer_on(app.app.router(), &other.access_token).await, "ada", "other device");
    for token in [&rotated.refresh_token, &other.refresh_token] {
        assert!(refresh(&app, token).await["data"]["refreshToken"].is_object());
    }
}

/// Another server instance on the same database, as behind a load balancer.
async fn second_instance(app: &TestApp) -> server::App {
    server::App::build(tests::config_for(&app.db, &[])).await.expect("build a second instance")
}

/// Sends `NOTHING` with the token until the instance answers it without a statement (from its
/// session cache), within 10 s.
async fn until_cached(instance: &server::App, token: &str) {
    let bearer = format!("Bearer {token}");
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let before = instance.statements_sent();
        let response = send(
            instance.router(),
            graphql_request(NOTHING, json!({}), &[("authorization", &bearer)]),
        )
        .await;
        assert_eq!(response.status, 200, "{}", String::from_utf8_lossy(&response.body));
        if instance.statements_sent() == before {
            return;
        }
        assert!(Instant::now() < deadline, "the session was never served from the cache");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// Polls until the instance refuses the token; panics if it still accepts it `within` after
/// `since`.
async fn until_refused(instance: &server::App, token: &str, since: Instant, within: Duration) {
    loop {
        let response = viewer_on(instance.router(), token).await;
        if response.status == 401 {
            assert_refused(&response, "the ended session");
            return;
        }
        assert_works(&response, "ada", "until refused");
        assert!(
            since.elapsed() < within,
            "the ended session's token was still accepted {:?} after the end",
            since.elapsed()
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

#[tokio::test]
async fn a_session_ended_on_one_instance_is_refused_on_another_within_a_second() {
    let app = TestApp::spawn().await;
    let other = second_instance(&app).await;
    let ada = app.register("ada").await;
    let keep = login(&app).await;
    until_cached(&other, &ada.access_token).await;
    until_cached(&other, &keep.access_token).await;

    let ended = Instant::now();
    app.graphql_ok(
        "mutation($t: String!) { logout(refreshToken: $t) }",
        json!({ "t": ada.refresh_token }),
    )
    .await;
    until_refused(&other, &ada.access_token, ended, Duration::from_secs(1)).await;
    assert_works(&viewer_on(other.router(), &keep.access_token).await, "ada", "the other session");

    // The same for every session of the account at once.
    let ended = Instant::now();
    app.as_user(&keep).graphql_ok("mutation { logoutEverywhere }", json!({})).await;
    until_refused(&other, &keep.access_token, ended, Duration::from_secs(1)).await;
}

#[tokio::test]
async fn when_the_listener_loses_its_connection_ended_sessions_are_still_refused() {
    let app = TestApp::spawn().await;
    let other = second_instance(&app).await;
    let ada = app.register("ada").await;
    until_cached(&other, &ada.access_token).await;

    // Every instance's listener connection is cut; while they reconnect, the session ends and
    // its notification may be lost.
    let cut = app
        .count_rows(
            "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity
             WHERE application_name = 'tribe-session-listener' AND datname = current_database()",
        )
        .await;
    assert_eq!(cut, 2, "one listener per instance");
    let ended = Instant::now();
    app.graphql_ok(
        "mutation($t: String!) { logout(refreshToken: $t) }",
        json!({ "t": ada.refresh_token }),
    )
    .await;
    until_refused(&other, &ada.access_token, ended, Duration::from_secs(1)).await;
    until_refused(&app.app, &ada.access_token, ended, Duration::from_secs(1)).await;

    // The listeners reconnect, and the cache serves again.
    let bob = app.register("bob").await;
    until_cached(&other, &bob.access_token).await;
}

#[tokio::test]
async fn the_server_purges_expired_refresh_tokens_periodically() {
    let app = TestApp::spawn_with(&[("REFRESH_TOKEN_PURGE_INTERVAL_SECS", "1")]).await;
    let ada = app.register("ada").await;
    app.register("bob").await;
    app.execute(&format!(
        "UPDATE refresh_tokens SET expires_at = now() - interval '1 second' WHERE user_id = '{}'",
        ada.user_id
    ))
    .await;
    let deadline = Instant::now() + Duration::from_secs(10);
    let expired = format!("refresh_tokens WHERE user_id = '{}'", ada.user_id);
    while app.count(&expired).await > 0 {
        assert!(Instant::now() < deadline, "the expired refresh token was never purged");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert_eq!(app.count("refresh_tokens").await, 1, "the live one stays");
}

#[tokio::test]
async fn the_purge_deletes_expired_refresh_tokens_and_sessions_left_without_one() {
    let app = TestApp::spawn().await;
    let ada = app.register("ada").await;
    let second = refresh(&app, &ada.refresh_token).await;
    let second = Session::from_payload(&second["data"]["refreshToken"]).unwrap();
    let third = refresh(&app, &second.refresh_token).await;
    let third = Session::from_payload(&third["data"]["refreshToken"]).unwrap();
    let bob = app.register("bob").await;
    app.register("cyd").await;
    // Ada's first token (rotated) and Bob's only one are past their expiry.
    app.execute(&format!(
        "UPDATE refresh_tokens SET expires_at = now() - interval '1 second'
         WHERE user_id = '{}' OR id = (SELECT id FROM refresh_tokens WHERE user_id = '{}'
                                       ORDER BY created_at, id LIMIT 1)",
        bob.user_id, ada.user_id
    ))
    .await;

    let purged = domain::sessions::purge_expired(&app.app.db).await.unwrap();
    assert_eq!(purged, domain::sessions::Purged { refresh_tokens: 2, sessions: 1 });
    assert_eq!(app.count("refresh_tokens").await, 3, "Ada's two unexpired ones and Cy's");
    assert_eq!(app.count(&format!("sessions WHERE user_id = '{}'", bob.user_id)).await, 0);
    let again = domain::sessions::purge_expired(&app.app.db).await.unwrap();
    assert_eq!(again, domain::sessions::Purged::default());

    // The rotated token that has not expired was kept: presenting it again is still theft.
    assert_eq!(error_codes(&refresh(&app, &second.refresh_token).await), vec!["UNAUTHENTICATED"]);
    assert_eq!(error_codes(&refresh(&app, &third.refresh_token).await), vec!["UNAUTHENTICATED"]);
    assert_refused(&viewer_on(app.app.router(), &third.access_token).await, "after the theft");
}

#[tokio::test]
async fn the_sessions_migration_keeps_everyone_signed_in() {
    use sea_orm_migration::MigratorTrait;
    let test_db = tests::TestDb::empty().await;
    let db = test_db.connect().await;
    migration::Migrator::up(&db, Some(4)).await.expect("the migrations before sessions");
    let sql = "
        INSERT INTO users (id, email, username, display_name)
        VALUES ('01HUSER0000000000000000000', 'ada@test.dev', 'ada', 'Ada');
        INSERT INTO refresh_tokens (id, user_id, token_hash, expires_at, revoked_at, replaced_by) VALUES
          ('01HROTATED2000000000000000', '01HUSER0000000000000000000', 'h2', now() + interval '1 day', NULL, NULL),
          ('01HROTATED1000000000000000', '01HUSER0000000000000000000', 'h1', now() + interval '1 day', now(), '01HROTATED2000000000000000'),
          ('01HLOGGEDOUT00000000000000', '01HUSER0000000000000000000', 'h3', now() + interval '1 day', now(), NULL),
          ('01HEXPIRED0000000000000000', '01HUSER0000000000000000000', 'h4', now() - interval '1 day', NULL, NULL);";
    sea_orm::ConnectionTrait::execute_unprepared(&db, sql).await.unwrap();
    migration::Migrator::up(&db, None).await.expect("the sessions migration");

    let sessions = tests::query_lines(
        &db,
        "SELECT concat_ws('|', id, user_id, (ended_at IS NULL)::text) AS line FROM sessions ORDER BY id",
    )
    .await;
    assert_eq!(
        sessions,
        [
            "01HEXPIRED0000000000000000|01HUSER0000000000000000000|false",
            "01HLOGGEDOUT00000000000000|01HUSER0000000000000000000|false",
            "01HROTATED1000000000000000|01HUSER0000000000000000000|true",
        ]
    );
    let tokens = tests::query_lines(
        &db,
        "SELECT concat_ws('|', id, session_id) AS line FROM refresh_tokens ORDER BY id",
    )
    .await;
    assert_eq!(
        tokens,
        [
            "01HEXPIRED0000000000000000|01HEXPIRED0000000000000000",
            "01HLOGGEDOUT00000000000000|01HLOGGEDOUT00000000000000",
            "01HROTATED1000000000000000|01HROTATED1000000000000000",
            "01HROTATED2000000000000000|01HROTATED1000000000000000",
        ]
    );
    db.close().await.unwrap();
}

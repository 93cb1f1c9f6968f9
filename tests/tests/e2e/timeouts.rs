//! Every wait has an end: headers, bodies, idle keep-alive connections, whole requests, shutdown
//! and database statements. The HTTP deadlines are tested on a real listening server
//! (`TestServer`, loopback only); each loop is bounded.
use std::time::{Duration, Instant};

use sea_orm::sqlx::{Connection, PgConnection};
use serde_json::json;
use tests::{LogCapture, TestApp, TestServer, closed_within, error_codes, read_response};
use tokio::io::AsyncWriteExt;

const UPDATE_NAME: &str = "mutation UpdateName($name: String!) {
    updateProfile(input: { displayName: $name }) { displayName } }";

/// Holds a lock on a builder's row, in a transaction of another connection, until dropped:
/// whatever writes that row waits.
struct RowLock(#[allow(dead_code)] PgConnection);

async fn lock_user_row(db_url: &str, user_id: &str) -> RowLock {
    let mut conn = PgConnection::connect(db_url).await.unwrap();
    sea_orm::sqlx::raw_sql("BEGIN").execute(&mut conn).await.unwrap();
    sea_orm::sqlx::query("SELECT 1 FROM users WHERE id = $1 FOR UPDATE")
        .bind(user_id)
        .execute(&mut conn)
        .await
        .unwrap();
    RowLock(conn)
}

#[tokio::test]
async fn a_client_sending_its_headers_one_byte_at_a_time_is_disconnected_at_the_deadline() {
    let server = TestServer::start(&[("HTTP_HEADER_READ_TIMEOUT_SECS", "1")]).await;
    let mut stream = server.connect().await;
    let request = b"POST /graphql HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nX-Padding: aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\r\n\r\n";
    let started = Instant::now();
    let mut disconnected = false;
    // One byte every 250 ms: the headers would take about 30 s. Give up after 8 s.
    for byte in request.iter().take(32) {
        if stream.write_all(&[*byte]).await.is_err()
            || closed_within(&mut stream, Duration::from_millis(250)).await
        {
            disconnected = true;
            break;
        }
    }
    let after = started.elapsed();
    assert!(disconnected, "still connected after {after:?} with a 1 s header deadline");
    assert!(after < Duration::from_secs(4), "disconnected only after {after:?}");
}

#[tokio::test]
async fn a_connection_that_sends_nothing_is_closed_at_the_header_deadline() {
    let server = TestServer::start(&[("HTTP_HEADER_READ_TIMEOUT_SECS", "1")]).await;
    let mut stream = server.connect().await;
    assert!(closed_within(&mut stream, Duration::from_secs(4)).await, "still open");
}

#[tokio::test]
async fn an_idle_keep_alive_connection_is_reused_then_closed_after_the_idle_time() {
    let server = TestServer::start(&[
        ("HTTP_HEADER_READ_TIMEOUT_SECS", "30"),
        ("HTTP_KEEPALIVE_IDLE_SECS", "1"),
    ])
    .await;
    let mut stream = server.connect().await;
    let request = b"GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n";
    for _ in 0..2 {
        stream.write_all(request).await.unwrap();
        let response = read_response(&mut stream, Duration::from_secs(10)).await.expect("answer");
        assert_eq!(response.status, 200, "{response:?}");
    }
    let idle = Instant::now();
    assert!(closed_within(&mut stream, Duration::from_secs(5)).await, "idle connection kept");

    // Closed by the idle time (1 s), not by the header deadline (30 s).
    assert!(idle.elapsed() < Duration::from_secs(5));
}

#[tokio::test]
async fn a_body_that_stops_arriving_gets_408_as_json() {
    let server = TestServer::start(&[("HTTP_BODY_READ_TIMEOUT_SECS", "1")]).await;
    let mut stream = server.connect().await;
    stream
        .write_all(
            b"POST /graphql HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{\"query\":",
        )
        .await
        .unwrap();
    let response = read_response(&mut stream, Duration::from_secs(8)).await.expect("an answer");
    assert_eq!(response.status, 408, "{response:?}");
    assert_eq!(error_codes(&response.json()), vec!["BAD_USER_INPUT"]);
    assert_eq!(response.header("connection"), Some("close"));
}

#[tokio::test]
async fn an_oversized_body_still_being_sent_gets_the_413_answer() {
    let server = TestServer::start(&[]).await;
    let mut stream = server.connect().await;
    let size = 300 * 1024;
    let head = format!(
        "POST /graphql HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: {size}\r\n\r\n"
    );
    stream.write_all(head.as_bytes()).await.unwrap();
    // The body goes out in 16 KiB pieces, 10 ms apart: the server has refused it long before the
    // last one is sent.
    let chunk = vec![b'x'; 16 * 1024];
    let mut sent = 0;
    let mut write_failed = None;
    while sent < size {
        let n = chunk.len().min(size - sent);
        if let Err(err) = stream.write_all(&chunk[..n]).await {
            write_failed = Some(err);
            break;
        }
        sent += n;
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    assert!(
        write_failed.is_none(),
        "the server dropped the connection after {sent} bytes: {write_failed:?}"
    );
    let response = read_response(&mut stream, Duration::from_secs(10)).await.expect("an answer");
    assert_eq!(response.status, 413, "{response:?}");
    assert_eq!(error_codes(&response.json()), vec!["BAD_USER_INPUT"]);
    // All of it was read, so the connection is still good for the next request.
    stream.write_all(b"GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n").await.unwrap();
    let next = read_response(&mut stream, Duration::from_secs(10)).await.expect("a second answer");
    assert_eq!(next.status, 200);

    // A client that waits for "100 Continue" is answered before it sends anything.
    let mut waiting = server.connect().await;
    waiting
        .write_all(b"POST /graphql HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nExpect: 100-continue\r\nContent-Length: 10000000\r\n\r\n")
        .await
        .unwrap();
    let response = read_response(&mut waiting, Duration::from_secs(10)).await.expect("an answer");
    assert_eq!(response.status, 413, "{response:?}");
    assert_eq!(response.header("connection"), Some("close"));
}

#[tokio::test]
async fn shutdown_finishes_within_the_grace_period_with_slow_and_stuck_clients() {
    let server = TestServer::start(&[
        ("HTTP_HEADER_READ_TIMEOUT_SECS", "60"),
        ("HTTP_REQUEST_TIMEOUT_SECS", "60"),
        ("DATABASE_STATEMENT_TIMEOUT_MS", "0"),
        ("DATABASE_LOCK_TIMEOUT_MS", "0"),
        ("SHUTDOWN_GRACE_SECS", "2"),
    ])
    .await;
    // A builder whose row another transaction holds: their update will wait.
    let mut stream = server.connect().await;
    let register = json!({
        "query": "mutation($input: RegisterInput!) { register(input: $input) { accessToken user { id } } }",
        "variables": { "input": { "email": "ada@test.dev", "username": "ada", "password": tests::PASSWORD, "displayName": "Ada" } },
    })
    .to_string();
    let post = |body: &str, token: Option<&str>| {
        let auth = token.map(|t| format!("Authorization: Bearer {t}\r\n")).unwrap_or_default();
        format!(
            "POST /graphql HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n{auth}Content-Length: {}\r\n\r\n{body}",
            body.len()
        )
    };
    stream.write_all(post(&register, None).as_bytes()).await.unwrap();
    let registered = read_response(&mut stream, Duration::from_secs(10)).await.expect("register");
    let registered = registered.json();
    let token = registered["data"]["register"]["accessToken"].as_str().unwrap().to_owned();
    let user_id = registered["data"]["register"]["user"]["id"].as_str().unwrap().to_owned();
    let _lock = lock_user_row(&server.db.url, &user_id).await;

    let mut stuck = server.connect().await;
    let update = json!({ "query": UPDATE_NAME, "variables": { "name": "Ada L" } }).to_string();
    stuck.write_all(post(&update, Some(&token)).as_bytes()).await.unwrap();
    let mut slow = server.connect().await;
    slow.write_all(b"POST /graphql HTTP/1.1\r\nHo").await.unwrap();
    tokio::time::sleep(Duration::from_millis(300)).await;

    let started = Instant::now();
    assert!(
        server.shutdown_within(Duration::from_secs(8)).await,
        "the server was still shutting down after 8 s with a 2 s grace period"
    );

    assert!(started.elapsed() >= Duration::from_secs(1), "the stuck request got its grace period");
    assert!(closed_within(&mut slow, Duration::from_secs(1)).await);
    assert!(closed_within(&mut stuck, Duration::from_secs(1)).await);
}

#[tokio::test]
async fn a_request_past_the_request_timeout_answers_503_with_a_code() {
    let app = TestApp::spawn_with(&[
        ("HTTP_REQUEST_TIMEOUT_SECS", "1"),
        ("DATABASE_STATEMENT_TIMEOUT_MS", "0"),
        ("DATABASE_LOCK_TIMEOUT_MS", "0"),
    ])
    .await;
    let ada = app.register("ada").await;
    let _lock = lock_user_row(&app.db.url, &ada.user_id).await;
    let request = app.as_user(&ada).request(UPDATE_NAME, json!({ "name": "Ada L" }));
    let response = tokio::time::timeout(Duration::from_secs(10), app.request(request))
        .await
        .expect("an answer within 10 s");
    assert_eq!(response.status, 503);
    assert_eq!(error_codes(&response.json()), vec!["INTERNAL_SERVER_ERROR"]);
    assert!(response.headers.get("x-request-id").is_some());
}

#[tokio::test]
async fn every_pooled_session_has_the_database_timeouts() {
    let app = TestApp::spawn().await;
    let settings = app
        .rows(
            "SELECT current_setting('statement_timeout') || ' ' || current_setting('lock_timeout')
                || ' ' || current_setting('idle_in_transaction_session_timeout') AS line",
        )
        .await;
    assert_eq!(settings, vec!["5s 2s 10s"]);
    let custom = TestApp::spawn_with(&[
        ("DATABASE_STATEMENT_TIMEOUT_MS", "1500"),
        ("DATABASE_LOCK_TIMEOUT_MS", "0"),
    ])
    .await;
    let settings = custom
        .rows("SELECT current_setting('statement_timeout') || ' ' || current_setting('lock_timeout') AS line")
        .await;
    assert_eq!(settings, vec!["1500ms 0"]);
}

/// A mutation waiting on a row lock answers INTERNAL_SERVER_ERROR at the lock timeout, or at the
/// statement timeout when only that is set, and the log line names the operation and field.
#[tokio::test]
async fn a_statement_past_its_timeout_answers_internal_server_error_and_logs_the_operation() {
    for overrides in [
        [("DATABASE_LOCK_TIMEOUT_MS", "200"), ("DATABASE_STATEMENT_TIMEOUT_MS", "0")],
        [("DATABASE_LOCK_TIMEOUT_MS", "0"), ("DATABASE_STATEMENT_TIMEOUT_MS", "300")],
    ] {
        let app = TestApp::spawn_with(&overrides).await;
        let ada = app.register("ada").await;
        let lock = lock_user_row(&app.db.url, &ada.user_id).await;
        let logs = LogCapture::start();
        let response = tokio::time::timeout(
            Duration::from_secs(10),
            app.as_user(&ada).graphql(UPDATE_NAME, json!({ "name": "Ada L" })),
        )
        .await
        .expect("an answer within 10 s");
        assert_eq!(
            error_codes(&response),
            vec!["INTERNAL_SERVER_ERROR"],
            "{overrides:?}: {response}"
        );
        assert_eq!(response["errors"][0]["message"], "the service is temporarily unavailable");
        let text = logs.text();
        let line = text.lines().find(|l| l.contains("database timeout")).unwrap_or_else(|| {
            panic!("{overrides:?}: no 'database timeout' line in the log:\n{text}")
        });
        assert!(line.contains("ERROR"), "{line}");
        assert!(line.contains("operation=\"UpdateName\""), "{line}");
        assert!(line.contains("field=\"updateProfile\""), "{line}");
        assert!(line.contains("request_id="), "{line}");
        drop(logs);
        // The lock released, the same mutation goes through: nothing was left half-done.
        drop(lock);
        let ok = app.as_user(&ada).graphql_ok(UPDATE_NAME, json!({ "name": "Ada L" })).await;
        assert_eq!(ok["updateProfile"]["displayName"], "Ada L");
    }
}

//! Production posture: no GraphiQL unless asked for, a loud word when APP_ENV is unset, and a
//! bounded GET query string.
use axum::body::Body;
use axum::http::{Request, header};
use tests::{LogCapture, TestApp, TestDb, config_for, error_codes};

#[tokio::test]
async fn graphiql_is_off_in_production_unless_configured_on() {
    let secret = ("JWT_SECRET", tests::TEST_JWT_SECRET);
    for (overrides, html) in [
        (vec![], true),
        (vec![("GRAPHIQL", "false")], false),
        (vec![("APP_ENV", "production"), secret], false),
        (vec![("APP_ENV", "production"), secret, ("GRAPHIQL", "true")], true),
    ] {
        let app = TestApp::spawn_with(&overrides).await;
        let response = app.get("/graphql").await;
        let content_type = response.headers[header::CONTENT_TYPE].to_str().unwrap().to_owned();
        if html {
            assert_eq!(response.status, 200, "{overrides:?}");
            assert!(content_type.starts_with("text/html"), "{overrides:?}: {content_type}");
        } else {
            assert_eq!(response.status, 400, "{overrides:?}");
            assert!(content_type.starts_with("application/json"), "{overrides:?}: {content_type}");
            assert_eq!(error_codes(&response.json()), vec!["BAD_USER_INPUT"]);
        }
        // Queries over GET work either way.
        let query = app.get("/graphql?query=%7B%20health%20%7D").await;
        assert_eq!(query.json()["data"]["health"], "ok", "{overrides:?}");
    }
}

#[tokio::test]
async fn without_app_env_the_server_warns_at_start_that_it_runs_in_development() {
    let db = TestDb::migrated().await;
    let logs = LogCapture::start();
    let app = server::App::build(config_for(&db, &[])).await.unwrap();
    let text = logs.text();
    let line = text
        .lines()
        .find(|l| l.contains("APP_ENV is not set"))
        .unwrap_or_else(|| panic!("no warning about APP_ENV in:\n{text}"));
    assert!(line.contains("WARN") && line.contains("DEVELOPMENT"), "{line}");
    drop(app);

    let logs = LogCapture::start();
    let _app = server::App::build(config_for(&db, &[("APP_ENV", "development")])).await.unwrap();
    assert!(!logs.text().contains("APP_ENV is not set"), "{}", logs.text());
}

#[tokio::test]
async fn a_get_query_string_over_32_kib_gets_414_as_json() {
    let app = TestApp::spawn().await;
    let padding = "%20".repeat(11 * 1024);
    let uri = format!("/graphql?query=%7B{padding}health%20%7D");
    assert!(uri.len() > 32 * 1024);
    let response = app.request(Request::get(uri).body(Body::empty()).unwrap()).await;
    assert_eq!(response.status, 414);
    assert_eq!(error_codes(&response.json()), vec!["BAD_USER_INPUT"]);
    let small = format!("/graphql?query=%7B{}health%20%7D", "%20".repeat(1024));
    assert_eq!(app.get(&small).await.json()["data"]["health"], "ok");
}

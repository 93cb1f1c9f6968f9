//! Trusted (persisted) documents: a manifest of hash → document, as graphql-codegen's client
//! preset writes it, made here from a few of the operations a frontend sends.
use std::path::PathBuf;

use axum::body::Body;
use axum::http::{Request, header};
use serde_json::{Value, json};
use sha2::{Digest, Sha256};
use tests::{TestApp, assert_ok, error_codes};

const FEED: &str = "query FeedPage($first: Int) { feed(first: $first) { edges { node { eventType actor { displayName } } } } }";
const PROFILE: &str = "query Profile($username: String!) { user(username: $username) { displayName skills { name } } }";
const LOGIN: &str =
    "mutation SignIn($input: LoginInput!) { login(input: $input) { user { username } } }";
/// Registered, yet over the alias limit: registration does not lift the limits.
fn alias_bomb() -> String {
    let fields: Vec<String> = (0..40).map(|i| format!("a{i}: health")).collect();
    format!("query Bomb {{ {} }}", fields.join(" "))
}

fn sha256(text: &str) -> String {
    Sha256::digest(text.as_bytes()).iter().map(|b| format!("{b:02x}")).collect()
}

/// The manifest file, removed when dropped.
struct Manifest(PathBuf);

impl Manifest {
    fn write() -> Self {
        let documents = [FEED.to_owned(), PROFILE.to_owned(), LOGIN.to_owned(), alias_bomb()];
        let manifest: serde_json::Map<String, Value> =
            documents.iter().map(|d| (sha256(d), Value::String(d.clone()))).collect();
        let path = std::env::temp_dir()
            .join(format!("tribe-persisted-documents-{}.json", ulid::Ulid::new()));
        std::fs::write(&path, Value::Object(manifest).to_string()).unwrap();
        Self(path)
    }

    fn path(&self) -> &str {
        self.0.to_str().unwrap()
    }
}

impl Drop for Manifest {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.0);
    }
}

fn post(body: Value) -> Request<Body> {
    Request::post("/graphql")
        .header(header::CONTENT_TYPE, "application/json")
        .header(header::ACCEPT, "application/graphql-response+json")
        .body(Body::from(body.to_string()))
        .unwrap()
}

async fn seeded_with(overrides: &[(&str, &str)]) -> TestApp {
    let app = TestApp::spawn_with(overrides).await;
    seed::run(&app.app.db).await.expect("seed");
    app
}

#[tokio::test]
async fn only_registered_documents_run_when_a_manifest_is_configured() {
    let manifest = Manifest::write();
    let app = seeded_with(&[("TRUSTED_DOCUMENTS_MANIFEST", manifest.path())]).await;

    // A registered document by id, as the codegen client sends it, with its variables.
    let feed =
        app.request(post(json!({ "documentId": sha256(FEED), "variables": { "first": 3 } }))).await;
    assert_eq!(feed.status, 200);
    assert_eq!(assert_ok(&feed.json())["feed"]["edges"].as_array().map(Vec::len), Some(3));
    // The "sha256:" form of the id, and Apollo's persisted-query extension.
    let profile = app
        .request(post(json!({
            "documentId": format!("sha256:{}", sha256(PROFILE)),
            "variables": { "username": "mayachen" }
        })))
        .await
        .json();
    assert_eq!(assert_ok(&profile)["user"]["displayName"], "Maya Chen");
    let apollo = app
        .request(post(json!({
            "extensions": { "persistedQuery": { "version": 1, "sha256Hash": sha256(PROFILE) } },
            "variables": { "username": "priyasharma" }
        })))
        .await
        .json();
    assert_eq!(assert_ok(&apollo)["user"]["displayName"], "Priya Sharma");
    // Mutations too, by POST.
    let login = app
        .request(post(json!({
            "documentId": sha256(LOGIN),
            "variables": { "input": { "login": "nobody", "password": "not a password" } }
        })))
        .await
        .json();
    assert_eq!(error_codes(&login), ["BAD_USER_INPUT"], "the mutation ran: {login}");
    // GET with a documentId runs a registered query.
    let get = app
        .request(
            Request::get(format!(
                "/graphql?documentId={}&variables=%7B%22first%22%3A1%7D",
                sha256(FEED)
            ))
            .body(Body::empty())
            .unwrap(),
        )
        .await;
    assert_eq!(get.status, 200);
    assert_eq!(assert_ok(&get.json())["feed"]["edges"].as_array().map(Vec::len), Some(1));

    // Anything else is refused before it is parsed or touches the database.
    let before = app.app.statements_sent();
    let other = app.request(post(json!({ "query": "{ users { edges { node { id } } } }" }))).await;
    assert_eq!(other.status, 403);
    assert_eq!(error_codes(&other.json()), ["FORBIDDEN"]);
    let garbage = app.request(post(json!({ "query": "{ this is not graphql" }))).await;
    assert_eq!(error_codes(&garbage.json()), ["FORBIDDEN"], "refused before parsing");
    let unknown = app.request(post(json!({ "documentId": sha256("{ health }") }))).await;
    assert_eq!(unknown.status, 404);
    assert_eq!(error_codes(&unknown.json()), ["NOT_FOUND"]);
    let mismatch = app.request(post(json!({ "documentId": sha256(FEED), "query": PROFILE }))).await;
    assert_eq!(error_codes(&mismatch.json()), ["BAD_USER_INPUT"]);
    assert_eq!(app.app.statements_sent(), before, "refusals touched the database");

    // The text of a registered document runs as it is (a client that has not switched yet).
    let by_text = app.request(post(json!({ "query": FEED, "variables": { "first": 1 } }))).await;
    assert_eq!(by_text.status, 200);
    assert_ok(&by_text.json());

    // The limits still apply to registered documents.
    let bomb = app.request(post(json!({ "documentId": sha256(&alias_bomb()) }))).await;
    let body = bomb.json();
    assert_eq!(error_codes(&body), ["BAD_USER_INPUT"], "{body}");
    assert!(body["errors"][0]["message"].as_str().unwrap().contains("aliases"), "{body}");
}

#[tokio::test]
async fn registered_ids_and_free_documents_both_run_while_switching_over() {
    let manifest = Manifest::write();
    let app = seeded_with(&[
        ("TRUSTED_DOCUMENTS_MANIFEST", manifest.path()),
        ("TRUSTED_DOCUMENTS_ONLY", "false"),
    ])
    .await;
    let by_id = app.request(post(json!({ "documentId": sha256(FEED) }))).await;
    assert_ok(&by_id.json());
    let free =
        app.request(post(json!({ "query": "{ users(first: 2) { edges { node { id } } } }" })));
    let free = free.await;
    assert_eq!(free.status, 200);
    assert_eq!(assert_ok(&free.json())["users"]["edges"].as_array().map(Vec::len), Some(2));
}

#[tokio::test]
async fn without_a_manifest_documents_run_as_before_and_ids_are_explained() {
    let app = seeded_with(&[]).await;
    let free = app.request(post(json!({ "query": "{ health }" }))).await;
    assert_eq!(assert_ok(&free.json())["health"], "ok");
    let by_id = app.request(post(json!({ "documentId": sha256(FEED) }))).await;
    assert_eq!(by_id.status, 400);
    let body = by_id.json();
    assert_eq!(error_codes(&body), ["BAD_USER_INPUT"]);
    assert!(body["errors"][0]["message"].as_str().unwrap().contains("no registered documents"));
}

#[test]
fn a_bad_manifest_stops_the_start_with_one_line_naming_the_variable() {
    let path = std::env::temp_dir().join(format!("tribe-bad-manifest-{}.json", ulid::Ulid::new()));
    std::fs::write(&path, "[1, 2]").unwrap();
    let vars = [
        ("DATABASE_URL", "postgres://u:p@127.0.0.1:1/db".to_owned()),
        ("TRUSTED_DOCUMENTS_MANIFEST", path.to_string_lossy().into_owned()),
    ];
    let err = server::Config::from_lookup(|k| {
        vars.iter().find(|(name, _)| *name == k).map(|(_, v)| v.clone())
    })
    .expect_err("refused");
    let _ = std::fs::remove_file(&path);
    assert_eq!(err.var, "TRUSTED_DOCUMENTS_MANIFEST");
    let missing = server::Config::from_lookup(|k| match k {
        "DATABASE_URL" => Some("postgres://u:p@127.0.0.1:1/db".to_owned()),
        "TRUSTED_DOCUMENTS_MANIFEST" => Some("/nonexistent/manifest.json".to_owned()),
        _ => None,
    });
    assert!(missing.is_err_and(|e| e.to_string().contains("cannot read")));
}

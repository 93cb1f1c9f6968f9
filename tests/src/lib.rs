//! Test harness: a real PostgreSQL with pgvector, one database per test, and the real router.
//!
//! The first test of a run creates a migrated template database (under an advisory lock, so that
//! parallel test processes build it once); every test then gets its own
//! `CREATE DATABASE … TEMPLATE …` copy, dropped when the test ends. `./tribe test` sweeps copies
//! that a killed run left behind.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::collections::HashMap;
use std::time::Duration;

use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use http_body_util::BodyExt;
use sea_orm::sqlx::error::DatabaseError;
use sea_orm::sqlx::{AssertSqlSafe, Connection, PgConnection};
use sea_orm::{
    ConnectOptions, ConnectionTrait, Database, DatabaseConnection, DbBackend, DbErr, RuntimeErr,
    Statement,
};
use sea_orm_migration::MigratorTrait;
use serde_json::{Value, json};
use tower::ServiceExt;

const TEMPLATE_LOCK_KEY: i64 = 0x7472_6962_655f_7470; // "tribe_tp"

/// The server's DATABASE_URL: the database cluster the tests create their databases in.
pub fn admin_url() -> String {
    let _ = dotenvy::dotenv();
    std::env::var("DATABASE_URL").expect(
        "DATABASE_URL is not set: run the tests with ./tribe test, which provides a database",
    )
}

/// The same cluster, another database.
pub fn url_for(database: &str) -> String {
    let admin = admin_url();
    let (base, _) = admin.rsplit_once('/').expect("DATABASE_URL has a database name");
    format!("{base}/{database}")
}

async fn admin_connection() -> PgConnection {
    PgConnection::connect(&url_for("postgres")).await.expect("connect to the postgres database")
}

/// The template's name changes with the set of migrations, so a new migration gets a new template.
fn template_name() -> String {
    let names: Vec<String> =
        migration::Migrator::migrations().iter().map(|m| m.name().to_owned()).collect();
    let mut hash: u64 = 0xcbf29ce484222325;
    for byte in names.join(",").bytes() {
        hash ^= u64::from(byte);
        hash = hash.wrapping_mul(0x100000001b3);
    }
    format!("tribe_tpl_{hash:016x}")
}

async fn ensure_template(admin: &mut PgConnection) -> String {
    let template = template_name();
    sea_orm::sqlx::query("SELECT pg_advisory_lock($1)")
        .bind(TEMPLATE_LOCK_KEY)
        .execute(&mut *admin)
        .await
        .expect("advisory lock");
    let exists: Option<i32> =
        sea_orm::sqlx::query_scalar("SELECT 1 FROM pg_database WHERE datname = $1")
            .bind(&template)
            .fetch_optional(&mut *admin)
            .await
            .expect("look up template");
    if exists.is_none() {
        // Built under another name and renamed when complete: a half-built template is never used.
        let building = format!("{template}_building");
        exec(admin, &format!("DROP DATABASE IF EXISTS {building} WITH (FORCE)")).await;
        exec(admin, &format!("CREATE DATABASE {building}")).await;
        let db = connect(&url_for(&building)).await;
        migration::Migrator::up(&db, None).await.expect("migrate the template");
        db.close().await.expect("close template connection");
        exec(admin, &format!("ALTER DATABASE {building} RENAME TO {template}")).await;
    }
    sea_orm::sqlx::query("SELECT pg_advisory_unlock($1)")
        .bind(TEMPLATE_LOCK_KEY)
        .execute(&mut *admin)
        .await
        .expect("advisory unlock");
    template
}

async fn exec(conn: &mut PgConnection, sql: &str) {
    sea_orm::sqlx::raw_sql(AssertSqlSafe(sql.to_owned()))
        .execute(&mut *conn)
        .await
        .unwrap_or_else(|e| panic!("{sql}: {e}"));
}

pub async fn connect(url: &str) -> DatabaseConnection {
    let mut options = ConnectOptions::new(url.to_owned());
    options.max_connections(10).sqlx_logging(false).acquire_timeout(Duration::from_secs(10));
    Database::connect(options).await.expect("connect to the test database")
}

/// A database of the test's own, dropped when the value is dropped.
pub struct TestDb {
    pub name: String,
    pub url: String,
}

impl TestDb {
    /// A fresh copy of the migrated template.
    pub async fn migrated() -> Self {
        let mut admin = admin_connection().await;
        let template = ensure_template(&mut admin).await;
        let name = new_name();
        exec(&mut admin, &format!("CREATE DATABASE {name} TEMPLATE {template}")).await;
        Self { url: url_for(&name), name }
    }

    /// An empty database, with no migrations applied.
    pub async fn empty() -> Self {
        let mut admin = admin_connection().await;
        let name = new_name();
        exec(&mut admin, &format!("CREATE DATABASE {name}")).await;
        Self { url: url_for(&name), name }
    }

    pub async fn connect(&self) -> DatabaseConnection {
        connect(&self.url).await
    }

    /// Refuses every connection to this database and closes those open: the database is "gone"
    /// as far as a client can tell.
    pub async fn go_away(&self) {
        let mut admin = admin_connection().await;
        exec(&mut admin, &format!("ALTER DATABASE {} WITH ALLOW_CONNECTIONS false", self.name))
            .await;
        exec(
            &mut admin,
            &format!(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = '{}'",
                self.name
            ),
        )
        .await;
    }

    pub async fn come_back(&self) {
        let mut admin = admin_connection().await;
        exec(&mut admin, &format!("ALTER DATABASE {} WITH ALLOW_CONNECTIONS true", self.name))
            .await;
    }
}

fn new_name() -> String {
    format!("tribe_test_{}", ulid::Ulid::new().to_string().to_lowercase())
}

impl Drop for TestDb {
    fn drop(&mut self) {
        let sql = format!("DROP DATABASE IF EXISTS {} WITH (FORCE)", self.name);
        // Drop cannot await; a thread with its own runtime does the async work.
        let _ = std::thread::spawn(move || {
            let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build();
            if let Ok(runtime) = runtime {
                runtime.block_on(async move {
                    if let Ok(mut admin) = PgConnection::connect(&url_for("postgres")).await {
                        let _ =
                            sea_orm::sqlx::raw_sql(AssertSqlSafe(sql)).execute(&mut admin).await;
                    }
                });
            }
        })
        .join();
    }
}

/// The key the test server signs access tokens with.
pub const TEST_JWT_SECRET: &str = "test-secret-test-secret-test-secret-0123";

/// The password of accounts made by [`TestApp::register`].
pub const PASSWORD: &str = "correct horse battery";

/// The default embedding model's folder: `EMBEDDER_MODEL_DIR`, else the repository's `.models/`
/// (`./tribe model` fetches it).
pub fn model_dir() -> String {
    std::env::var("EMBEDDER_MODEL_DIR").unwrap_or_else(|_| {
        format!("{}/../.models/wordllama-l2-supercat-256", env!("CARGO_MANIFEST_DIR"))
    })
}

/// The server's configuration for a test database, with overrides.
pub fn config_for(db: &TestDb, overrides: &[(&str, &str)]) -> server::Config {
    let mut vars: HashMap<String, String> = HashMap::new();
    vars.insert("DATABASE_URL".into(), db.url.clone());
    vars.insert("DATABASE_TIMEOUT_SECS".into(), "2".into());
    vars.insert("DATABASE_MAX_CONNECTIONS".into(), "5".into());
    vars.insert("JWT_SECRET".into(), TEST_JWT_SECRET.into());
    // Generous limits, so tests that create many accounts do not trip them; the rate-limit tests
    // set their own.
    for var in [
        "RATE_LIMIT_FAILED_LOGINS_PER_ACCOUNT",
        "RATE_LIMIT_FAILED_LOGINS_PER_IP",
        "RATE_LIMIT_REGISTRATIONS_PER_IP",
        "RATE_LIMIT_REFRESHES_PER_IP",
    ] {
        vars.insert(var.into(), "10000/1m".into());
    }
    vars.insert("TRUST_PROXY_HEADERS".into(), "true".into());
    // Tests embed when they choose (`TestApp::embed_pending`), so results do not depend on a
    // background worker's timing; the worker's own tests turn it on.
    vars.insert("EMBED_WORKER".into(), "false".into());
    vars.insert("EMBEDDER_MODEL_DIR".into(), model_dir());
    for (k, v) in overrides {
        vars.insert((*k).into(), (*v).into());
    }
    server::Config::from_lookup(|k| vars.get(k).cloned()).expect("valid test configuration")
}

/// The real application on its own database, driven in-process through its router.
pub struct TestApp {
    pub db: TestDb,
    pub app: server::App,
}

pub struct HttpResponse {
    pub status: StatusCode,
    pub headers: axum::http::HeaderMap,
    pub body: Vec<u8>,
}

impl HttpResponse {
    pub fn json(&self) -> Value {
        serde_json::from_slice(&self.body).unwrap_or_else(|e| {
            panic!("body is not JSON ({e}): {}", String::from_utf8_lossy(&self.body))
        })
    }
}

impl TestApp {
    pub async fn spawn() -> Self {
        Self::spawn_with(&[]).await
    }

    /// The application with configuration overrides.
    pub async fn spawn_with(overrides: &[(&str, &str)]) -> Self {
        let db = TestDb::migrated().await;
        let app = server::App::build(config_for(&db, overrides)).await.expect("build the app");
        Self { db, app }
    }

    /// A seeded application: the prototype data is loaded and embedded (as `cargo run -p seed`
    /// leaves it).
    pub async fn seeded() -> Self {
        let this = Self::spawn().await;
        seed::run(&this.app.db).await.expect("seed");
        this.embed_pending().await;
        this
    }

    /// Embeds every stale row now (what the server's worker does in the background).
    pub async fn embed_pending(&self) -> u64 {
        self.app.embed_pending().await.expect("embed the stale rows")
    }

    pub async fn request(&self, request: Request<Body>) -> HttpResponse {
        send(self.app.router(), request).await
    }

    pub async fn get(&self, path: &str) -> HttpResponse {
        self.request(Request::get(path).body(Body::empty()).expect("request")).await
    }

    /// POST /graphql as a browser client would send it; returns the whole JSON response.
    ///
    /// `extensions.cost`, which every executed response carries, is checked and taken out, so
    /// tests can compare whole responses; [`TestApp::graphql_with`] keeps it.
    pub async fn graphql(&self, query: &str, variables: Value) -> Value {
        without_cost(self.graphql_with(query, variables, &[]).await.json())
    }

    /// POST /graphql with an access token (`extensions.cost` taken out, as [`TestApp::graphql`]).
    pub async fn graphql_as(&self, token: &str, query: &str, variables: Value) -> Value {
        let bearer = format!("Bearer {token}");
        without_cost(
            self.graphql_with(query, variables, &[("authorization", &bearer)]).await.json(),
        )
    }

    /// POST /graphql with extra headers; the whole HTTP response.
    pub async fn graphql_with(
        &self,
        query: &str,
        variables: Value,
        headers: &[(&str, &str)],
    ) -> HttpResponse {
        send(self.app.router(), graphql_request(query, variables, headers)).await
    }

    /// Registers `username` (email `<username>@test.dev`, password [`PASSWORD`]); returns the
    /// `AuthPayload` as JSON.
    pub async fn register(&self, username: &str) -> Session {
        let response = self
            .graphql(
                "mutation($input: RegisterInput!) { register(input: $input) {
                    accessToken refreshToken accessTokenExpiresAt user { id username email } } }",
                json!({ "input": {
                    "email": format!("{username}@test.dev"),
                    "username": username,
                    "password": PASSWORD,
                    "displayName": username,
                }}),
            )
            .await;
        Session::from_payload(&response["data"]["register"])
            .unwrap_or_else(|| panic!("register {username}: {response}"))
    }

    pub async fn rows(&self, sql: &str) -> Vec<String> {
        query_lines(&self.app.db, sql).await
    }

    /// Runs SQL that returns nothing (one or more statements); panics with the SQL and the error
    /// if it fails.
    pub async fn execute(&self, sql: &str) {
        self.app.db.execute_unprepared(sql).await.unwrap_or_else(|e| panic!("{sql}: {e}"));
    }

    /// Runs SQL that must fail; returns what PostgreSQL reported. Panics if it succeeded, or if it
    /// failed for another reason than the database refusing it.
    pub async fn execute_err(&self, sql: &str) -> SqlError {
        match self.app.db.execute_unprepared(sql).await {
            Ok(_) => panic!("{sql}: succeeded, but an error was expected"),
            Err(e) => sql_error(&e),
        }
    }

    /// `SELECT count(*) FROM <from>`: `from` is what follows FROM, joins and WHERE included,
    /// e.g. `app.count("follows WHERE follower_id = '…'")`.
    pub async fn count(&self, from: &str) -> i64 {
        self.count_rows(&format!("SELECT count(*) FROM {from}")).await
    }

    /// Runs `sql`, whose first column of its one row is a count (a bigint), and returns it.
    pub async fn count_rows(&self, sql: &str) -> i64 {
        self.app
            .db
            .query_one_raw(Statement::from_string(DbBackend::Postgres, sql.to_owned()))
            .await
            .unwrap_or_else(|e| panic!("{sql}: {e}"))
            .unwrap_or_else(|| panic!("{sql}: no row"))
            .try_get_by_index::<i64>(0)
            .unwrap_or_else(|e| panic!("{sql}: not a bigint count: {e}"))
    }

    /// POST /graphql anonymously, asserting success ([`assert_ok`]); returns the `data`.
    pub async fn graphql_ok(&self, query: &str, variables: Value) -> Value {
        ok_data(query, self.graphql(query, variables).await)
    }

    /// A client that sends the session's access token with every request.
    pub fn as_user<'a>(&'a self, session: &'a Session) -> Client<'a> {
        Client { app: self, session }
    }

    /// Every page of a connection, anonymously: see [`TestApp::pages_as`].
    pub async fn pages(&self, query: &str, variables: Value, path: &str) -> Vec<Value> {
        self.pages_as(None, query, variables, path).await
    }

    /// Every node of a connection, page after page, anonymously: see [`TestApp::pages_as`].
    pub async fn all_nodes(&self, query: &str, variables: Value, path: &str) -> Vec<Value> {
        all_nodes(&self.pages(query, variables, path).await)
    }

    /// Follows a connection page by page and returns each page's connection object (`edges`,
    /// `pageInfo`, …), first to last.
    ///
    /// `query` takes `$first` and `$after` and selects `pageInfo { hasNextPage endCursor }`;
    /// `variables` holds `first` and any other variables, and an `after` to start from (none:
    /// the first page). `path` is where the connection is under `data`, dot-separated:
    /// `"feed"`, `"user.following"`. Every page must succeed; more than [`MAX_PAGES`] pages is
    /// taken as a cursor that does not advance, and panics.
    pub async fn pages_as(
        &self,
        token: Option<&str>,
        query: &str,
        mut variables: Value,
        path: &str,
    ) -> Vec<Value> {
        assert!(variables.is_object(), "variables must be an object: {variables}");
        let mut pages = Vec::new();
        for _ in 0..MAX_PAGES {
            let response = match token {
                Some(token) => self.graphql_as(token, query, variables.clone()).await,
                None => self.graphql(query, variables.clone()).await,
            };
            let connection = path.split('.').fold(assert_ok(&response), |value, key| &value[key]);
            assert!(connection["edges"].is_array(), "no connection at {path}: {response}");
            let has_next = connection["pageInfo"]["hasNextPage"].as_bool().unwrap_or_else(|| {
                panic!("{path}: no pageInfo.hasNextPage (the query must select it): {response}")
            });
            let end_cursor = connection["pageInfo"]["endCursor"].clone();
            pages.push(connection.clone());
            if !has_next {
                return pages;
            }
            assert!(end_cursor.is_string(), "{path}: a next page but no endCursor: {response}");
            variables["after"] = end_cursor;
        }
        panic!("{path}: more than {MAX_PAGES} pages of {query} with {variables}");
    }

    /// Sends the requests at once, each on its own task through a clone of the router, and
    /// returns the responses in the requests' order.
    pub async fn send_concurrently(&self, requests: Vec<Request<Body>>) -> Vec<HttpResponse> {
        let tasks: Vec<_> = requests
            .into_iter()
            .map(|request| tokio::spawn(send(self.app.router(), request)))
            .collect();
        let mut responses = Vec::with_capacity(tasks.len());
        for task in tasks {
            responses.push(task.await.expect("a request task panicked"));
        }
        responses
    }

    /// `n` requests at once, the `i`th made by `request(i)` (e.g. [`graphql_request`] or
    /// [`Client::request`]); their JSON responses in order.
    pub async fn concurrently(
        &self,
        n: usize,
        request: impl FnMut(usize) -> Request<Body>,
    ) -> Vec<Value> {
        let requests: Vec<Request<Body>> = (0..n).map(request).collect();
        self.send_concurrently(requests).await.iter().map(|r| without_cost(r.json())).collect()
    }
}

/// The most pages [`TestApp::pages_as`] follows before it gives up.
pub const MAX_PAGES: usize = 100;

/// A client bound to a session: [`TestApp::as_user`].
#[derive(Clone, Copy)]
pub struct Client<'a> {
    pub app: &'a TestApp,
    pub session: &'a Session,
}

impl Client<'_> {
    /// POST /graphql with the session's access token; the whole JSON response.
    pub async fn graphql(&self, query: &str, variables: Value) -> Value {
        self.app.graphql_as(&self.session.access_token, query, variables).await
    }

    /// POST /graphql with the session's access token, asserting success ([`assert_ok`]);
    /// returns the `data`.
    pub async fn graphql_ok(&self, query: &str, variables: Value) -> Value {
        ok_data(query, self.graphql(query, variables).await)
    }

    /// The request [`Client::graphql`] sends, to send later (e.g. [`TestApp::concurrently`]).
    pub fn request(&self, query: &str, variables: Value) -> Request<Body> {
        let bearer = format!("Bearer {}", self.session.access_token);
        graphql_request(query, variables, &[("authorization", bearer.as_str())])
    }

    /// Every page of a connection as this user: see [`TestApp::pages_as`].
    pub async fn pages(&self, query: &str, variables: Value, path: &str) -> Vec<Value> {
        self.app.pages_as(Some(self.session.access_token.as_str()), query, variables, path).await
    }

    /// Every node of a connection as this user: see [`TestApp::pages_as`].
    pub async fn all_nodes(&self, query: &str, variables: Value, path: &str) -> Vec<Value> {
        all_nodes(&self.pages(query, variables, path).await)
    }
}

/// The `data` of a successful GraphQL response. Panics with the whole response if it has
/// `errors` or no `data`, so that a failing step fails with its own error.
#[track_caller]
pub fn assert_ok(response: &Value) -> &Value {
    let has_errors = response.get("errors").is_some_and(|errors| !errors.is_null());
    if has_errors || response["data"].is_null() {
        panic!("the request failed: {response}");
    }
    &response["data"]
}

fn ok_data(query: &str, mut response: Value) -> Value {
    let has_errors = response.get("errors").is_some_and(|errors| !errors.is_null());
    if has_errors || response["data"].is_null() {
        panic!("the request failed: {response}\nquery: {query}");
    }
    response["data"].take()
}

/// The nodes of a connection object (`{ edges { node } }`), in order.
pub fn nodes(connection: &Value) -> Vec<Value> {
    connection["edges"]
        .as_array()
        .unwrap_or_else(|| panic!("not a connection: {connection}"))
        .iter()
        .map(|edge| edge["node"].clone())
        .collect()
}

/// The nodes of every page, in order.
pub fn all_nodes(pages: &[Value]) -> Vec<Value> {
    pages.iter().flat_map(nodes).collect()
}

/// What PostgreSQL said when it refused a statement.
#[derive(Debug, Clone)]
pub struct SqlError {
    /// The SQLSTATE, e.g. `23505` for a unique violation.
    pub code: String,
    /// The constraint (or unique index) that refused it, if one did.
    pub constraint: Option<String>,
    pub message: String,
}

/// The database's own error inside a SeaORM error; panics if it is another kind of error (a
/// connection failure, say).
pub fn sql_error(err: &DbErr) -> SqlError {
    let (DbErr::Exec(RuntimeErr::SqlxError(source)) | DbErr::Query(RuntimeErr::SqlxError(source))) =
        err
    else {
        panic!("not an error from the database: {err}");
    };
    let sea_orm::sqlx::Error::Database(db) = &**source else {
        panic!("not an error from the database: {err}");
    };
    let db: &dyn DatabaseError = &**db;
    SqlError {
        code: DatabaseError::code(db).map(|code| code.into_owned()).unwrap_or_default(),
        constraint: DatabaseError::constraint(db).map(str::to_owned),
        message: DatabaseError::message(db).to_owned(),
    }
}

/// The response without `extensions.cost`, after checking that it is well formed: a whole
/// `requested` and `limit`. A response whose `extensions` held only the cost loses `extensions`.
pub fn without_cost(mut response: Value) -> Value {
    let Some(extensions) = response.get_mut("extensions").and_then(Value::as_object_mut) else {
        return response;
    };
    if let Some(cost) = extensions.remove("cost") {
        assert!(
            cost["requested"].is_u64() && cost["limit"].is_u64(),
            "extensions.cost is {{requested, limit}}: {cost}"
        );
    }
    if extensions.is_empty()
        && let Some(object) = response.as_object_mut()
    {
        object.remove("extensions");
    }
    response
}

/// Sends one request through a router (a clone of the app's, for concurrent requests).
pub async fn send(router: axum::Router, request: Request<Body>) -> HttpResponse {
    let response = router.oneshot(request).await.expect("router never fails");
    let status = response.status();
    let headers = response.headers().clone();
    let body = response.into_body().collect().await.expect("read body").to_bytes().to_vec();
    HttpResponse { status, headers, body }
}

/// A GraphQL POST as the frontend sends it.
pub fn graphql_request(query: &str, variables: Value, headers: &[(&str, &str)]) -> Request<Body> {
    let body = json!({ "query": query, "variables": variables }).to_string();
    let mut request = Request::post("/graphql")
        .header(header::CONTENT_TYPE, "application/json")
        .header(header::ACCEPT, "application/graphql-response+json, application/json");
    for (name, value) in headers {
        request = request.header(*name, *value);
    }
    request.body(Body::from(body)).expect("request")
}

/// What a client keeps after signing in.
#[derive(Debug, Clone)]
pub struct Session {
    pub access_token: String,
    pub refresh_token: String,
    pub user_id: String,
}

impl Session {
    pub fn from_payload(payload: &Value) -> Option<Self> {
        Some(Self {
            access_token: payload["accessToken"].as_str()?.to_owned(),
            refresh_token: payload["refreshToken"].as_str()?.to_owned(),
            user_id: payload["user"]["id"].as_str()?.to_owned(),
        })
    }
}

/// Runs `sql`, whose single column is named `line`, and returns the lines as text.
pub async fn query_lines(db: &DatabaseConnection, sql: &str) -> Vec<String> {
    db.query_all_raw(Statement::from_string(DbBackend::Postgres, sql.to_owned()))
        .await
        .unwrap_or_else(|e| panic!("{sql}: {e}"))
        .iter()
        .map(|row| {
            row.try_get::<Option<String>>("", "line")
                .expect("a text column named line")
                .unwrap_or_default()
        })
        .collect()
}

/// The `extensions.code` of each error in a GraphQL response.
pub fn error_codes(response: &Value) -> Vec<String> {
    response["errors"]
        .as_array()
        .map(|errors| {
            errors
                .iter()
                .map(|e| e["extensions"]["code"].as_str().unwrap_or("<none>").to_owned())
                .collect()
        })
        .unwrap_or_default()
}

/// A transaction on a connection of its own that holds locks while requests run: the requests
/// that need those locks stop at the same statement, whatever the scheduler does, and go on
/// together when it is released. It makes a race deterministic (for instance
/// `LOCK TABLE follows IN SHARE MODE` holds every insert into `follows` back).
pub struct LockHolder {
    holder: PgConnection,
    watcher: PgConnection,
}

impl TestApp {
    /// Begins a transaction on a connection outside the app's pool and runs `sql` in it.
    pub async fn hold_locks(&self, sql: &str) -> LockHolder {
        let mut holder = PgConnection::connect(&self.db.url).await.expect("connect the holder");
        exec(&mut holder, "BEGIN").await;
        exec(&mut holder, sql).await;
        // pg_stat_activity is read once per transaction: a second connection, outside the
        // holder's transaction, sees it change.
        let watcher = PgConnection::connect(&self.db.url).await.expect("connect the watcher");
        LockHolder { holder, watcher }
    }
}

impl LockHolder {
    /// Waits until at least `n` other sessions of this database are waiting for a lock (at most
    /// a minute: a wait that long means the requests never got there).
    pub async fn until_waiting(&mut self, n: i64) {
        let sql = "SELECT count(*) FROM pg_stat_activity
                   WHERE datname = current_database() AND wait_event_type = 'Lock'";
        for _ in 0..600 {
            let waiting: i64 = sea_orm::sqlx::query_scalar(sql)
                .fetch_one(&mut self.watcher)
                .await
                .expect("read pg_stat_activity");
            if waiting >= n {
                return;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        panic!("{n} sessions never waited for a lock together");
    }

    /// Ends the holder's transaction: the waiting sessions go on.
    pub async fn release(mut self) {
        exec(&mut self.holder, "ROLLBACK").await;
    }
}

/// Sends each request on its own task through a clone of the router, without waiting for it;
/// [`responses`] collects them.
pub fn spawn_requests(
    app: &TestApp,
    requests: Vec<Request<Body>>,
) -> Vec<tokio::task::JoinHandle<HttpResponse>> {
    requests.into_iter().map(|request| tokio::spawn(send(app.app.router(), request))).collect()
}

/// The JSON responses of [`spawn_requests`], in the requests' order, without `extensions.cost`.
pub async fn responses(tasks: Vec<tokio::task::JoinHandle<HttpResponse>>) -> Vec<Value> {
    let mut all = Vec::with_capacity(tasks.len());
    for task in tasks {
        all.push(without_cost(task.await.expect("a request task panicked").json()));
    }
    all
}

/// The application serving HTTP on a random loopback port, through the same server loop as
/// production (`server::App::serve_on`), for what only a real connection shows: deadlines,
/// keep-alive, shutdown, a body still being sent.
pub struct TestServer {
    pub db: TestDb,
    pub addr: std::net::SocketAddr,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
    task: tokio::task::JoinHandle<()>,
}

impl TestServer {
    pub async fn start(overrides: &[(&str, &str)]) -> Self {
        let db = TestDb::migrated().await;
        let app = server::App::build(config_for(&db, overrides)).await.expect("build the app");
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind 127.0.0.1");
        let addr = listener.local_addr().expect("local address");
        let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
        let task = tokio::spawn(app.serve_on(listener, async {
            let _ = stopped.await;
        }));
        Self { db, addr, stop: Some(stop), task }
    }

    pub async fn connect(&self) -> tokio::net::TcpStream {
        tokio::net::TcpStream::connect(self.addr).await.expect("connect to the test server")
    }

    /// Asks the server to stop, as SIGTERM does, and waits at most `within` for it to finish;
    /// whether it finished in time.
    pub async fn shutdown_within(mut self, within: Duration) -> bool {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        tokio::time::timeout(within, &mut self.task).await.is_ok()
    }
}

impl Drop for TestServer {
    fn drop(&mut self) {
        self.task.abort();
    }
}

/// An HTTP/1.1 response read off a raw connection.
#[derive(Debug)]
pub struct RawResponse {
    pub status: u16,
    /// Header names lower-cased.
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

impl RawResponse {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.iter().find(|(n, _)| n == name).map(|(_, v)| v.as_str())
    }

    pub fn json(&self) -> Value {
        serde_json::from_slice(&self.body).unwrap_or_else(|e| {
            panic!("body is not JSON ({e}): {}", String::from_utf8_lossy(&self.body))
        })
    }
}

/// Reads one response (with a `content-length` body) within `within`; None when the connection
/// closed, failed or stayed silent first.
pub async fn read_response(
    stream: &mut tokio::net::TcpStream,
    within: Duration,
) -> Option<RawResponse> {
    use tokio::io::AsyncReadExt as _;
    let read = async {
        let mut buf = Vec::new();
        let mut chunk = [0u8; 8192];
        let head_end = loop {
            if let Some(end) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
                break end + 4;
            }
            let n = stream.read(&mut chunk).await.ok()?;
            if n == 0 {
                return None;
            }
            buf.extend_from_slice(&chunk[..n]);
        };
        let head = String::from_utf8_lossy(&buf[..head_end]).into_owned();
        let mut lines = head.split("\r\n");
        let status = lines.next()?.split(' ').nth(1)?.parse().ok()?;
        let headers: Vec<(String, String)> = lines
            .filter_map(|line| line.split_once(':'))
            .map(|(n, v)| (n.trim().to_ascii_lowercase(), v.trim().to_owned()))
            .collect();
        let length: usize = headers
            .iter()
            .find(|(n, _)| n == "content-length")
            .and_then(|(_, v)| v.parse().ok())
            .unwrap_or(0);
        let mut body = buf[head_end..].to_vec();
        while body.len() < length {
            let n = stream.read(&mut chunk).await.ok()?;
            if n == 0 {
                return None;
            }
            body.extend_from_slice(&chunk[..n]);
        }
        body.truncate(length);
        Some(RawResponse { status, headers, body })
    };
    tokio::time::timeout(within, read).await.ok().flatten()
}

/// Whether the server has closed the connection: a read sees its end (or a reset) within
/// `within`. Bytes that arrive first are skipped.
pub async fn closed_within(stream: &mut tokio::net::TcpStream, within: Duration) -> bool {
    use tokio::io::AsyncReadExt as _;
    let mut chunk = [0u8; 1024];
    let closed = async {
        loop {
            match stream.read(&mut chunk).await {
                Ok(0) | Err(_) => return,
                Ok(_) => {}
            }
        }
    };
    tokio::time::timeout(within, closed).await.is_ok()
}

/// The log lines written on this thread while the capture lives (INFO and above, no colours).
/// `#[tokio::test]` runs everything on the test's thread, so that is the whole request.
pub struct LogCapture {
    buffer: std::sync::Arc<std::sync::Mutex<Vec<u8>>>,
    _guard: tracing::subscriber::DefaultGuard,
}

#[derive(Clone)]
struct CaptureWriter(std::sync::Arc<std::sync::Mutex<Vec<u8>>>);

impl std::io::Write for CaptureWriter {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap_or_else(std::sync::PoisonError::into_inner).extend_from_slice(buf);
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl LogCapture {
    pub fn start() -> Self {
        let buffer = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
        let writer = CaptureWriter(buffer.clone());
        let subscriber = tracing_subscriber::fmt()
            .with_ansi(false)
            .with_max_level(tracing::Level::INFO)
            .with_writer(move || writer.clone())
            .finish();
        Self { buffer, _guard: tracing::subscriber::set_default(subscriber) }
    }

    pub fn text(&self) -> String {
        String::from_utf8_lossy(
            &self.buffer.lock().unwrap_or_else(std::sync::PoisonError::into_inner),
        )
        .into_owned()
    }
}

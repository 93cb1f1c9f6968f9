//! `./tribe bench`: the feed benchmark. See docs/benchmarks.md for what it measures and the
//! figures of the last run.
mod discovery;
mod discovery_floor;
mod floor;
mod generate;
mod http_client;
mod report;
mod rng;

use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::{Context as _, bail};
use sea_orm::sqlx::{self, Connection, PgConnection, PgPool};
use serde_json::{Value, json};

use crate::rng::Rng;

const JWT_SECRET: &str = "benchmark-secret-benchmark-secret-benchmark";
const SERVER_ADDR: &str = "127.0.0.1:8199";
/// The session-check comparison: rounds per scope (after a warm-up round), workers, and
/// requests per worker and round (half to each application).
const CHECK_ROUNDS: usize = 7;
const CHECK_WORKERS: usize = 4;
const CHECK_REQUESTS_PER_WORKER: usize = 300;
const PAGES_PER_SESSION: usize = 3;

const FEED_QUERY: &str =
    "query($scope: FeedScope, $after: String) { feed(scope: $scope, first: 20, after: $after) {
  edges { cursor node { id eventType createdAt
    actor { username skills { name } }
    target {
      ... on Project { title owner { username } collaborators { user { username } } }
      ... on Tribe { name owner { username } members { user { username } } openRoles { title } }
      ... on User { username }
    } } }
  pageInfo { hasNextPage endCursor } } }";

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Scope {
    Following,
    Everyone,
}

impl Scope {
    fn name(self) -> &'static str {
        match self {
            Self::Following => "FOLLOWING",
            Self::Everyone => "EVERYONE",
        }
    }
}

struct Measurement {
    scope: Scope,
    concurrency: usize,
    target: &'static str,
    requests: usize,
    errors: usize,
    seconds: f64,
    p50_ms: f64,
    p99_ms: f64,
    /// Server CPU time per request (server runs only).
    server_cpu_ms: Option<f64>,
}

impl Measurement {
    fn rps(&self) -> f64 {
        self.requests as f64 / self.seconds
    }
}

fn percentile(sorted: &[Duration], p: f64) -> f64 {
    if sorted.is_empty() {
        return f64::NAN;
    }
    let index = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[index].as_secs_f64() * 1000.0
}

fn token_for(user_id: &str, session_id: &str) -> anyhow::Result<String> {
    let now = chrono::Utc::now().timestamp();
    let claims = json!({ "sub": user_id, "sid": session_id, "iss": "tribe-api", "aud": "tribe-web", "iat": now, "exp": now + 3600 });
    Ok(jsonwebtoken::encode(
        &jsonwebtoken::Header::new(jsonwebtoken::Algorithm::HS256),
        &claims,
        &jsonwebtoken::EncodingKey::from_secret(JWT_SECRET.as_bytes()),
    )?)
}

/// A signed-in session for each viewer, as a sign-in makes them (a session row and its refresh
/// token), replacing those of earlier runs; their ids, in order. The access tokens name them, and
/// the server checks them on every request.
async fn open_sessions(conn: &mut PgConnection, users: &[String]) -> anyhow::Result<Vec<String>> {
    sqlx::query(
        "DELETE FROM sessions WHERE user_id IN (SELECT id FROM users WHERE email LIKE '%@bench.dev')",
    )
    .execute(&mut *conn)
    .await?;
    let ids: Vec<String> = users.iter().map(|_| ulid::Ulid::new().to_string()).collect();
    sqlx::query(
        "WITH s AS (
            INSERT INTO sessions (id, user_id) SELECT * FROM unnest($1::text[], $2::text[])
            RETURNING id, user_id)
         INSERT INTO refresh_tokens (id, user_id, session_id, token_hash, expires_at)
         SELECT s.id, s.user_id, s.id, 'bench-' || s.id, now() + interval '30 days' FROM s",
    )
    .bind(&ids)
    .bind(users)
    .execute(&mut *conn)
    .await?;
    Ok(ids)
}

/// Sessions of three pages (following the cursor) by random viewers, at `concurrency`, for
/// `duration`, against the server at `addr` or the floor.
async fn run_phase(
    addr: &'static str,
    scope: Scope,
    concurrency: usize,
    duration: Duration,
    viewers: Arc<Vec<(String, String)>>,
    floor_pool: Option<PgPool>,
) -> Measurement {
    let deadline = Instant::now() + duration;
    let started = Instant::now();
    let mut workers = Vec::new();
    for worker in 0..concurrency {
        let viewers = viewers.clone();
        let pool = floor_pool.clone();
        workers.push(tokio::spawn(async move {
            let mut rng = Rng::new(0xBE7C + worker as u64 * 7919 + concurrency as u64);
            let mut client = http_client::Client::new(addr);
            let (mut latencies, mut errors) = (Vec::new(), 0usize);
            'sessions: while Instant::now() < deadline {
                let (viewer_id, token) = &viewers[rng.index(viewers.len())];
                let mut after: Option<String> = None;
                for _ in 0..PAGES_PER_SESSION {
                    let start = Instant::now();
                    let next = match &pool {
                        None => server_page(&mut client, scope, token, after.as_deref()).await,
                        Some(pool) => {
                            let viewer = (scope == Scope::Following).then_some(viewer_id.as_str());
                            let bound = after
                                .clone()
                                .unwrap_or_else(|| domain::pagination::AFTER_NEWEST.to_owned());
                            floor::page(pool, viewer, &bound).await.map(|p| p.end_cursor)
                        }
                    };
                    let elapsed = start.elapsed();
                    if Instant::now() > deadline {
                        break 'sessions;
                    }
                    match next {
                        Ok(next) => {
                            latencies.push(elapsed);
                            match next {
                                Some(cursor) => after = Some(cursor),
                                None => continue 'sessions,
                            }
                        }
                        Err(_) => {
                            errors += 1;
                            continue 'sessions;
                        }
                    }
                }
            }
            (latencies, errors)
        }));
    }
    let mut latencies = Vec::new();
    let mut errors = 0;
    for worker in workers {
        if let Ok((l, e)) = worker.await {
            latencies.extend(l);
            errors += e;
        }
    }
    let seconds = started.elapsed().as_secs_f64().min(duration.as_secs_f64()).max(0.001);
    latencies.sort();
    Measurement {
        scope,
        concurrency,
        target: if floor_pool.is_some() { "floor (hand-written SQL)" } else { "server" },
        requests: latencies.len(),
        errors,
        seconds,
        p50_ms: percentile(&latencies, 0.50),
        p99_ms: percentile(&latencies, 0.99),
        server_cpu_ms: None,
    }
}

async fn server_page(
    client: &mut http_client::Client,
    scope: Scope,
    token: &str,
    after: Option<&str>,
) -> anyhow::Result<Option<String>> {
    let body =
        json!({ "query": FEED_QUERY, "variables": { "scope": scope.name(), "after": after } })
            .to_string();
    let (status, body) = client.post_graphql(body.as_bytes(), Some(token)).await?;
    let json: Value = serde_json::from_slice(&body)?;
    if status != 200 || json.get("errors").is_some() {
        bail!("server answered {status}: {}", String::from_utf8_lossy(&body));
    }
    let info = &json["data"]["feed"]["pageInfo"];
    Ok(if info["hasNextPage"] == true {
        info["endCursor"].as_str().map(str::to_owned)
    } else {
        None
    })
}

/// The server application in this process, against the benchmark database.
async fn in_process_app(bench_url: &str) -> anyhow::Result<server::App> {
    in_process_app_with(bench_url, &[("APP_ENV", "production")]).await
}

/// The server application in this process with these settings (and the benchmark's database and
/// key).
async fn in_process_app_with(
    bench_url: &str,
    settings: &[(&str, &str)],
) -> anyhow::Result<server::App> {
    let mut vars = vec![
        ("DATABASE_URL", bench_url.to_owned()),
        ("JWT_SECRET", JWT_SECRET.to_owned()),
        ("EMBED_WORKER", "false".to_owned()),
    ];
    vars.extend(settings.iter().map(|(k, v)| (*k, (*v).to_owned())));
    let config = server::Config::from_lookup(|k| {
        vars.iter().find(|(n, _)| *n == k).map(|(_, v)| v.clone())
    })?;
    server::App::build(config).await
}

/// The benchmark's feed request, as an in-process HTTP request.
fn feed_request(
    scope: Scope,
    token: &str,
    after: Option<&str>,
) -> anyhow::Result<axum::http::Request<axum::body::Body>> {
    let body =
        json!({ "query": FEED_QUERY, "variables": { "scope": scope.name(), "after": after } })
            .to_string();
    Ok(axum::http::Request::post("/graphql")
        .header("content-type", "application/json")
        .header("authorization", format!("Bearer {token}"))
        .body(axum::body::Body::from(body))?)
}

/// SQL statements per page, measured in process with the server's own statement counter.
async fn server_statements_per_page(
    bench_url: &str,
    viewers: &[(String, String)],
) -> anyhow::Result<(f64, f64)> {
    use tower::ServiceExt;
    let app = in_process_app(bench_url).await?;
    // The first request of each session on an instance reads the session's state (one statement);
    // every later one is answered by the session cache. Count the steady state.
    for (_, token) in viewers.iter().take(20) {
        let response = app.router().oneshot(feed_request(Scope::Everyone, token, None)?).await?;
        http_body_util::BodyExt::collect(response.into_body()).await?;
    }
    let mut results = Vec::new();
    for scope in [Scope::Following, Scope::Everyone] {
        let (mut statements, mut pages) = (0, 0);
        for (_, token) in viewers.iter().take(20) {
            let mut after: Option<String> = None;
            for _ in 0..PAGES_PER_SESSION {
                let before = app.statements_sent();
                let response =
                    app.router().oneshot(feed_request(scope, token, after.as_deref())?).await?;
                let bytes =
                    http_body_util::BodyExt::collect(response.into_body()).await?.to_bytes();
                statements += app.statements_sent() - before;
                pages += 1;
                let json: Value = serde_json::from_slice(&bytes)?;
                let info = &json["data"]["feed"]["pageInfo"];
                if info["hasNextPage"] != true {
                    break;
                }
                after = info["endCursor"].as_str().map(str::to_owned);
            }
        }
        results.push(statements as f64 / pages.max(1) as f64);
    }
    Ok((results[0], results[1]))
}

/// Sequential requests through the router in process: where a request's time goes.
async fn profile_in_process(bench_url: &str, viewers: &[(String, String)]) -> anyhow::Result<()> {
    use tower::ServiceExt;
    let app = in_process_app(bench_url).await?;
    for scope in [Scope::Everyone, Scope::Following] {
        let n = 300;
        let (micros_before, started) = (app.statement_micros(), Instant::now());
        for (_, token) in viewers.iter().cycle().take(n) {
            let response = app.router().oneshot(feed_request(scope, token, None)?).await?;
            http_body_util::BodyExt::collect(response.into_body()).await?;
        }
        let wall = started.elapsed().as_secs_f64() * 1000.0 / n as f64;
        let db = (app.statement_micros() - micros_before) as f64 / 1000.0 / n as f64;
        eprintln!(
            "bench: {} sequential: {wall:.2} ms per request, {db:.2} ms of it in SQL statements",
            scope.name()
        );
    }
    Ok(())
}

/// SQL statements per floor page, counted by the floor itself.
async fn floor_statements_per_page(
    pool: &PgPool,
    viewers: &[(String, String)],
) -> anyhow::Result<(f64, f64)> {
    let mut results = Vec::new();
    for scope in [Scope::Following, Scope::Everyone] {
        let (mut statements, mut pages) = (0, 0);
        for (viewer, _) in viewers.iter().take(20) {
            let mut after = domain::pagination::AFTER_NEWEST.to_owned();
            for _ in 0..PAGES_PER_SESSION {
                let page = floor::page(
                    pool,
                    (scope == Scope::Following).then_some(viewer.as_str()),
                    &after,
                )
                .await?;
                statements += page.statements;
                pages += 1;
                match page.end_cursor {
                    Some(cursor) => after = cursor,
                    None => break,
                }
            }
        }
        results.push(statements as f64 / pages.max(1) as f64);
    }
    Ok((results[0], results[1]))
}

/// The release server at `addr`, in production mode, or with `env` instead.
fn start_server(bench_url: &str, addr: &str, env: &[(&str, &str)]) -> anyhow::Result<Child> {
    let binary = std::env::var("BENCH_SERVER_BIN").unwrap_or_else(|_| {
        concat!(env!("CARGO_MANIFEST_DIR"), "/../../target/release/server").to_owned()
    });
    let mut command = Command::new(&binary);
    command
        .env("DATABASE_URL", bench_url)
        .env("BIND_ADDR", addr)
        .env("JWT_SECRET", JWT_SECRET)
        .env("APP_ENV", "production")
        .env("LOG_LEVEL", "warn")
        // The benchmark embeds its dataset itself, before any measurement; no worker competes.
        .env("EMBED_WORKER", "false");
    for (key, value) in env {
        command.env(key, value);
    }
    command
        .stdout(Stdio::null())
        .stderr(Stdio::inherit())
        .spawn()
        .with_context(|| format!("cannot start {binary}: run ./tribe bench, which builds it"))
}

/// User + system CPU time of a process so far, in milliseconds.
fn cpu_ms(pid: u32) -> f64 {
    let ticks_per_second = 100.0; // USER_HZ on Linux
    std::fs::read_to_string(format!("/proc/{pid}/stat"))
        .ok()
        .and_then(|stat| {
            let after = stat.rsplit_once(')')?.1.split_whitespace().collect::<Vec<_>>();
            let utime: f64 = after.get(11)?.parse().ok()?;
            let stime: f64 = after.get(12)?.parse().ok()?;
            Some((utime + stime) / ticks_per_second * 1000.0)
        })
        .unwrap_or(f64::NAN)
}

fn peak_rss_mb(pid: u32) -> anyhow::Result<f64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status"))?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:")).context("no VmHWM")?;
    let kb: f64 = line.split_whitespace().nth(1).context("VmHWM value")?.parse()?;
    Ok(kb / 1024.0)
}

async fn wait_for_health(addr: &str) -> anyhow::Result<()> {
    for _ in 0..100 {
        if let Ok(mut stream) = tokio::net::TcpStream::connect(addr).await {
            use tokio::io::{AsyncReadExt, AsyncWriteExt};
            stream
                .write_all(b"GET /health HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
                .await?;
            let mut response = String::new();
            stream.read_to_string(&mut response).await?;
            if response.starts_with("HTTP/1.1 200") {
                return Ok(());
            }
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    bail!("the server did not become healthy")
}

struct Explain {
    followees: i64,
    /// Index entries of feed_events read to find the page (index-only scans).
    candidates: f64,
    /// Table pages visited by those index-only scans to check visibility (0 after VACUUM).
    visibility_checks: f64,
    /// Rows fetched from the feed_events table.
    fetched: f64,
    bound: i64,
    text: String,
}

async fn explain_following(conn: &mut PgConnection, viewer: &str) -> anyhow::Result<Explain> {
    let followees: i64 = sqlx::query_scalar("SELECT count(*) FROM follows WHERE follower_id = $1")
        .bind(viewer)
        .fetch_one(&mut *conn)
        .await?;
    let sql = domain::feed::following_sql();
    let limit = 21_i64;
    let text: Vec<String> =
        sqlx::query_scalar(sqlx::AssertSqlSafe(format!("EXPLAIN (ANALYZE, BUFFERS) {sql}")))
            .bind(viewer)
            .bind(domain::pagination::AFTER_NEWEST)
            .bind(limit)
            .fetch_all(&mut *conn)
            .await?;
    let json: Value =
        sqlx::query_scalar(sqlx::AssertSqlSafe(format!("EXPLAIN (ANALYZE, FORMAT JSON) {sql}")))
            .bind(viewer)
            .bind(domain::pagination::AFTER_NEWEST)
            .bind(limit)
            .fetch_one(&mut *conn)
            .await?;
    let reads = domain::feed::PlanReads::of(&json[0]["Plan"]);
    let (candidates, visibility_checks, fetched) =
        (reads.index_entries, reads.visibility_checks, reads.table_rows);
    Ok(Explain {
        followees,
        candidates,
        visibility_checks,
        fetched,
        bound: (followees + 1) * limit,
        text: text.join("\n"),
    })
}

/// What the session check costs the feed, in one run: two applications in this process,
/// identical but for `SESSION_CHECK`, driven through their routers by the same workers, each
/// worker alternating between them request by request (the same viewers, the same pages). Both
/// live through the same milliseconds of the machine's load, which on a shared machine changes by
/// the second, so the comparison is of the requests' cost alone: the ratio of the mean latencies
/// is the ratio of throughputs a saturated server would reach. (Two servers over HTTP, loaded
/// side by side, gave rounds from 0.8 to 1.3 apart from any cost: the scheduler's share of each
/// process moved more than the check could.) Both run in development mode, the only one that
/// allows the check off, with production's GraphQL settings.
async fn session_check_cost(
    bench_url: &str,
    viewers: Arc<Vec<(String, String)>>,
) -> anyhow::Result<report::SessionCheckCost> {
    let settings = |check| {
        [
            ("APP_ENV", "development"),
            ("GRAPHQL_INTROSPECTION", "false"),
            ("GRAPHQL_SUGGESTIONS", "false"),
            ("SESSION_CHECK", check),
        ]
    };
    let on = Arc::new(in_process_app_with(bench_url, &settings("true")).await?);
    let off = Arc::new(in_process_app_with(bench_url, &settings("false")).await?);
    // Every viewer's session into the checking application's cache (the steady state: a
    // session's first request on an instance reads its state, one statement), the same
    // requests to the other, then a warm-up of both.
    for app in [&on, &off] {
        for (_, token) in viewers.iter() {
            in_process_page(app, Scope::Everyone, token).await?;
        }
    }
    let mut cost = report::SessionCheckCost {
        requests_per_round: CHECK_WORKERS * CHECK_REQUESTS_PER_WORKER,
        rounds: Vec::new(),
        cached_check_ns: f64::NAN,
    };
    for round in 0..=CHECK_ROUNDS {
        for scope in [Scope::Following, Scope::Everyone] {
            let mut workers = Vec::new();
            for worker in 0..CHECK_WORKERS {
                let (on, off, viewers) = (on.clone(), off.clone(), viewers.clone());
                workers.push(tokio::spawn(async move {
                    let mut rng = Rng::new(0xC4EC + (round * CHECK_WORKERS + worker) as u64);
                    let (mut on_time, mut off_time) = (Duration::ZERO, Duration::ZERO);
                    for i in 0..CHECK_REQUESTS_PER_WORKER / 2 {
                        let (_, token) = &viewers[rng.index(viewers.len())];
                        // Alternate which goes first, so neither always follows the other.
                        let order = if (i + worker) % 2 == 0 { [&on, &off] } else { [&off, &on] };
                        for app in order {
                            let started = Instant::now();
                            in_process_page(app, scope, token).await?;
                            let elapsed = started.elapsed();
                            if Arc::ptr_eq(app, &on) {
                                on_time += elapsed
                            } else {
                                off_time += elapsed
                            }
                        }
                    }
                    anyhow::Ok((on_time, off_time))
                }));
            }
            let (mut on_time, mut off_time) = (Duration::ZERO, Duration::ZERO);
            for worker in workers {
                let (a, b) = worker.await??;
                on_time += a;
                off_time += b;
            }
            let half = (CHECK_WORKERS * CHECK_REQUESTS_PER_WORKER / 2) as f64;
            let checked = report::CheckRound {
                scope,
                on_ms: on_time.as_secs_f64() * 1000.0 / half,
                off_ms: off_time.as_secs_f64() * 1000.0 / half,
            };
            // Round 0 warms both up and is not counted.
            if round == 0 {
                continue;
            }
            eprintln!(
                "bench: session check round {round} {:9}: on {:.2} ms, off {:.2} ms per request",
                scope.name(),
                checked.on_ms,
                checked.off_ms
            );
            cost.rounds.push(checked);
        }
    }
    Ok(cost)
}

/// The first feed page of `scope` for `token` through the application's router; an error unless
/// it succeeded.
async fn in_process_page(app: &server::App, scope: Scope, token: &str) -> anyhow::Result<()> {
    use tower::ServiceExt;
    let response = app.router().oneshot(feed_request(scope, token, None)?).await?;
    let status = response.status();
    let bytes = http_body_util::BodyExt::collect(response.into_body()).await?.to_bytes();
    if status != 200 || bytes.starts_with(b"{\"errors\"") {
        bail!("the feed answered {status}: {}", String::from_utf8_lossy(&bytes));
    }
    Ok(())
}

/// What one session check costs when its answer is cached (the steady state), timed alone in
/// process: `domain::sessions::check_in` over the viewers' tokens, round-robin. Returns
/// nanoseconds per check.
async fn cached_check_ns(bench_url: &str, viewers: &[(String, String)]) -> anyhow::Result<f64> {
    let pool = sqlx::postgres::PgPoolOptions::new().max_connections(3).connect(bench_url).await?;
    let db = sea_orm::SqlxPostgresConnector::from_sqlx_postgres_pool(pool.clone());
    let states = domain::sessions::SessionStates::new();
    let listener = tokio::spawn(domain::sessions::listen(pool.clone(), states.clone()));
    let heartbeat = tokio::spawn(domain::sessions::heartbeat(pool, states.clone()));
    let result = async {
        if !states.wait_until_trusted(Duration::from_secs(5)).await {
            bail!("the session listener did not come up");
        }
        let auth = domain::auth::AuthSettings {
            jwt_secret: JWT_SECRET.as_bytes().to_vec(),
            access_token_ttl: Duration::from_secs(900),
            refresh_token_ttl: Duration::from_secs(86_400),
            issuer: "tribe-api".into(),
            audience: "tribe-web".into(),
        };
        let mut tokens = Vec::new();
        for (_, token) in viewers {
            let verified = domain::auth::tokens::verify_access_token(&auth, token)?;
            domain::sessions::check_in(&states, &db, &verified).await?;
            tokens.push(verified);
        }
        let n = 1_000_000;
        let started = Instant::now();
        for verified in tokens.iter().cycle().take(n) {
            domain::sessions::check_in(&states, &db, verified).await?;
        }
        anyhow::Ok(started.elapsed().as_secs_f64() * 1e9 / n as f64)
    }
    .await;
    listener.abort();
    heartbeat.abort();
    result
}

/// The discovery section: realistic texts, everything embedded (timed), then the measurements
/// against a server process; the figures go to stderr and to target/bench-discovery.md.
async fn discovery_section(
    bench_url: &str,
    conn: &mut PgConnection,
    duration: Duration,
) -> anyhow::Result<()> {
    const DISCOVERY_ADDR: &str = "127.0.0.1:8198";
    discovery::ensure_texts(conn).await?;
    eprintln!("bench: embedding every stale row with the default model");
    let embedded = discovery::embed_all(bench_url).await?;
    eprintln!("bench: embedded {} rows in {:.1} s", embedded.0, embedded.1);
    // What autovacuum does in production: the text and vector updates left dead row versions.
    sqlx::query("VACUUM (ANALYZE) users, projects, tribes, tribe_open_roles, user_skills")
        .execute(&mut *conn)
        .await?;
    let mut server = start_server(bench_url, DISCOVERY_ADDR, &[])?;
    let result = async {
        wait_for_health(DISCOVERY_ADDR).await?;
        discovery::run(bench_url, DISCOVERY_ADDR, server.id(), duration, embedded).await
    }
    .await;
    let _ = server.kill();
    let _ = server.wait();
    let figures = result?;
    let section = discovery::markdown(&figures);
    eprintln!("{section}");
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../../target/bench-discovery.md");
    std::fs::write(path, &section)?;
    eprintln!("bench: wrote {path}");
    Ok(())
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let _ = dotenvy::dotenv();
    let admin_url =
        std::env::var("DATABASE_URL").context("DATABASE_URL is not set: run ./tribe bench")?;
    let seconds: u64 =
        std::env::var("BENCH_SECONDS").ok().and_then(|s| s.parse().ok()).unwrap_or(10);
    let duration = Duration::from_secs(seconds);

    let bench_url = generate::ensure(&admin_url).await?;
    let mut conn = PgConnection::connect(&bench_url).await?;
    let viewer_ids: Vec<String> =
        sqlx::query_scalar("SELECT id FROM users WHERE email LIKE '%@bench.dev' ORDER BY id")
            .fetch_all(&mut conn)
            .await?;
    let mut rng = Rng::new(42);
    let picked: Vec<String> =
        (0..1000).map(|_| viewer_ids[rng.index(viewer_ids.len())].clone()).collect();
    let sessions = open_sessions(&mut conn, &picked).await?;
    let mut viewers = Vec::new();
    for (id, session) in picked.into_iter().zip(&sessions) {
        let token = token_for(&id, session)?;
        viewers.push((id, token));
    }
    let viewers = Arc::new(viewers);
    let counts: Vec<(String, i64)> = sqlx::query_as(
        "SELECT 'users', count(*) FROM users UNION ALL SELECT 'user_skills', count(*) FROM user_skills
         UNION ALL SELECT 'follows', count(*) FROM follows UNION ALL SELECT 'projects', count(*) FROM projects
         UNION ALL SELECT 'tribes', count(*) FROM tribes UNION ALL SELECT 'feed_events', count(*) FROM feed_events",
    )
    .fetch_all(&mut conn)
    .await?;
    let pg_version: String = sqlx::query_scalar("SELECT version()").fetch_one(&mut conn).await?;
    let pg_vector: String =
        sqlx::query_scalar("SELECT extversion FROM pg_extension WHERE extname = 'vector'")
            .fetch_one(&mut conn)
            .await?;

    if std::env::var("BENCH_PROFILE").is_ok() {
        return profile_in_process(&bench_url, &viewers).await;
    }
    if std::env::var("BENCH_ONLY").as_deref() == Ok("discovery") {
        return discovery_section(&bench_url, &mut conn, duration).await;
    }
    eprintln!("bench: counting statements per page in process");
    let (statements_following, statements_everyone) =
        server_statements_per_page(&bench_url, &viewers).await?;

    let explain = explain_following(&mut conn, &viewers[0].0).await?;

    let mut server = start_server(&bench_url, SERVER_ADDR, &[])?;
    let result = async {
        wait_for_health(SERVER_ADDR).await?;
        let pool = sqlx::postgres::PgPoolOptions::new().max_connections(20).connect(&bench_url).await?;
        let floor_statements = floor_statements_per_page(&pool, &viewers).await?;
        // Warm both paths (caches, prepared statements) before measuring.
        for target in [None, Some(pool.clone())] {
            run_phase(SERVER_ADDR, Scope::Following, 4, Duration::from_secs(2), viewers.clone(), target.clone()).await;
            run_phase(SERVER_ADDR, Scope::Everyone, 4, Duration::from_secs(1), viewers.clone(), target).await;
        }
        let mut measurements = Vec::new();
        for scope in [Scope::Following, Scope::Everyone] {
            for concurrency in [4, 16] {
                for target in [None, Some(pool.clone())] {
                    let cpu_before = cpu_ms(server.id());
                    let mut m = run_phase(SERVER_ADDR, scope, concurrency, duration, viewers.clone(), target.clone()).await;
                    if target.is_none() {
                        m.server_cpu_ms = Some((cpu_ms(server.id()) - cpu_before) / m.requests.max(1) as f64);
                    }
                    eprintln!(
                        "bench: {:9} c={:2} {:24} {:7.0} req/s  p50 {:6.2} ms  p99 {:6.2} ms  ({} requests, {} errors, server CPU {:?} ms/req)",
                        m.scope.name(), m.concurrency, m.target, m.rps(), m.p50_ms, m.p99_ms, m.requests, m.errors, m.server_cpu_ms
                    );
                    measurements.push(m);
                }
            }
        }
        let rss = peak_rss_mb(server.id())?;
        anyhow::Ok((measurements, rss, floor_statements))
    }
    .await;
    let _ = server.kill();
    let _ = server.wait();
    let (measurements, rss, floor_statements) = result?;
    eprintln!("bench: the session check's cost, in process");
    let mut check_cost = session_check_cost(&bench_url, viewers.clone()).await?;
    check_cost.cached_check_ns = cached_check_ns(&bench_url, &viewers).await?;
    eprintln!("bench: a cached session check: {:.0} ns", check_cost.cached_check_ns);

    let statements = report::Statements {
        server_following: statements_following,
        server_everyone: statements_everyone,
        floor_following: floor_statements.0,
        floor_everyone: floor_statements.1,
    };
    let report = report::report(
        &pg_version,
        &pg_vector,
        &counts,
        &measurements,
        rss,
        &statements,
        &explain,
        seconds,
        &check_cost,
    );
    println!("{report}");
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../../docs/benchmarks.md");
    // The discovery section (its analysis written by hand, its figures in
    // target/bench-discovery.md) is kept as it is.
    let discovery = std::fs::read_to_string(path)
        .ok()
        .and_then(|old| old.find("\n## Discovery").map(|at| old[at..].to_owned()))
        .unwrap_or_default();
    std::fs::write(path, format!("{}{discovery}", report.trim_end()))?;
    eprintln!("bench: wrote docs/benchmarks.md");
    if std::env::var("BENCH_ONLY").as_deref() != Ok("feed") {
        discovery_section(&bench_url, &mut conn, duration).await?;
    }
    Ok(())
}

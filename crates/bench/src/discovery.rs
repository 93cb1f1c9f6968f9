//! The discovery benchmark: search and candidates latency at concurrency 4, HNSW recall@10
//! against exact search (with and without a selective filter), embedding time and throughput, and
//! the server's RSS with the model loaded. See docs/benchmarks.md, "Discovery".
//!
//! The feed dataset's texts are placeholders ("Builds things #12"); discovery needs text people
//! would write, so this gives every synthetic builder, project, tribe and open role a realistic
//! text composed from fixed pools (deterministic), once, and embeds it all with the default model.
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::Context as _;
use sea_orm::sqlx::{self, PgConnection};
use serde_json::{Value, json};

use crate::discovery_floor as floor;
use crate::rng::Rng;

const TEXTS_VERSION: &str = "discovery-texts-v1";

const SENIORITY: [&str; 6] = ["Senior", "Staff", "Junior", "Lead", "Freelance", "Principal"];
const TITLES: [&str; 16] = [
    "Backend Engineer",
    "Frontend Developer",
    "Full-Stack Developer",
    "Product Designer",
    "UX Researcher",
    "Product Manager",
    "Growth Marketer",
    "Data Scientist",
    "ML Engineer",
    "DevOps Engineer",
    "Mobile Developer",
    "Security Engineer",
    "Technical Writer",
    "Founder",
    "Data Engineer",
    "Site Reliability Engineer",
];
const TOPICS: [&str; 20] = [
    "developer tools",
    "climate tech",
    "healthcare software",
    "online education",
    "fintech payments",
    "e-commerce",
    "open-source infrastructure",
    "design systems",
    "machine learning platforms",
    "realtime collaboration",
    "mobile games",
    "creator tools",
    "supply chain logistics",
    "independent hotels",
    "local news",
    "accessibility",
    "data pipelines",
    "search engines",
    "privacy tools",
    "community platforms",
];
const HABITS: [&str; 10] = [
    "ships small increments every week",
    "cares about reliable, boring infrastructure",
    "loves fast, accessible interfaces",
    "turns user interviews into roadmaps",
    "writes clear documentation",
    "automates everything from commit to production",
    "prototypes quickly and tests with real users",
    "measures activation and retention",
    "likes distributed systems and databases",
    "mentors junior builders",
];
const THINGS: [&str; 12] = [
    "Dashboard",
    "Platform",
    "Toolkit",
    "Tracker",
    "Marketplace",
    "Assistant",
    "Pipeline",
    "Editor",
    "Scheduler",
    "Analytics",
    "Kit",
    "Engine",
];
const MISSIONS: [&str; 8] = [
    "Building open tools for",
    "Making it easier to work on",
    "A small team shipping software for",
    "Reinventing how people approach",
    "Helping independent builders with",
    "Bringing modern engineering to",
    "Designing calm, humane products for",
    "Giving small teams leverage in",
];

/// Realistic queries: single words, phrases, prefixes, with and without filters.
pub const SEARCHES: &[(&str, &str)] = &[
    ("kubernetes", "null"),
    ("designer", "null"),
    ("rust", "null"),
    ("climate", "null"),
    ("\"design systems\"", "null"),
    ("machine learning", "null"),
    ("healthcare software", "null"),
    ("backend engineer postgresql", "null"),
    ("kube", "null"),
    ("postg", "null"),
    ("reac", "null"),
    ("growth -seo", "null"),
    ("python", "{\"availability\": [\"OPEN_TO_TRIBE\"]}"),
    ("engineer", "{\"roles\": [\"DESIGNER\"], \"skills\": [\"figma\"]}"),
    ("dashboard", "{\"projectStatus\": [\"SHIPPED\"]}"),
    ("hotels", "{\"hasOpenRole\": true}"),
];

const SEARCH_QUERY: &str = "query($q: String!, $filter: SearchFilter) {
  search(query: $q, filter: $filter, first: 20) {
    edges { node { __typename ... on User { id displayName headline } ... on Project { id title }
                   ... on Tribe { id name } }
            score matchedBy matchedSkills similarity snippet { text highlighted } }
    pageInfo { hasNextPage } } }";

const CANDIDATES_QUERY: &str = "query($id: ID!) { tribe(id: $id) { openRoles {
  candidates(first: 20) { edges { node { user { id displayName } matchedSkills similarity availability score } } } } } }";

pub struct Figures {
    pub rows_embedded: u64,
    pub embed_seconds: f64,
    pub throughput_short: f64,
    pub throughput_profile: f64,
    pub search: Latency,
    /// One worker: the searches one after another.
    pub search_sequential: Latency,
    /// The p50 of the searches without a filter (those the floor runs).
    pub search_unfiltered_p50: f64,
    /// One candidates list per request (tribes with one open role).
    pub candidates: Latency,
    /// Every open role's list of a tribe in one request.
    pub candidates_per_tribe: Latency,
    /// The floor's figures (crate::discovery_floor), by what it ran.
    pub floor: Vec<(String, Latency)>,
    /// The floor's p50 of each unfiltered search (both lists).
    pub floor_per_query: Vec<(&'static str, f64)>,
    pub recall_plain: f64,
    pub recall_filtered: f64,
    pub rss_mb: f64,
    pub plan: String,
    pub per_query: Vec<(String, f64, usize)>,
}

pub struct Latency {
    pub requests: usize,
    pub errors: usize,
    pub p50_ms: f64,
    pub p99_ms: f64,
}

impl Latency {
    /// The percentiles of `samples` (each tagged with what it measured), with `errors` failures.
    pub fn of(samples: &[(usize, Duration)], errors: usize) -> Self {
        let mut sorted: Vec<Duration> = samples.iter().map(|(_, d)| *d).collect();
        sorted.sort();
        Self {
            requests: sorted.len(),
            errors,
            p50_ms: percentile(&sorted, 0.5),
            p99_ms: percentile(&sorted, 0.99),
        }
    }

    /// The percentiles of the samples whose unit (index in the work's list) `keep` accepts.
    pub fn of_units(samples: &[(usize, Duration)], keep: impl Fn(usize) -> bool) -> Self {
        let kept: Vec<(usize, Duration)> =
            samples.iter().filter(|(i, _)| keep(*i)).copied().collect();
        Self::of(&kept, 0)
    }
}

/// Gives the synthetic rows realistic texts (once; the triggers mark them stale).
pub async fn ensure_texts(conn: &mut PgConnection) -> anyhow::Result<()> {
    sqlx::raw_sql(sqlx::AssertSqlSafe(
        "CREATE TABLE IF NOT EXISTS bench_discovery (version text NOT NULL)".to_owned(),
    ))
    .execute(&mut *conn)
    .await?;
    let done: Option<String> = sqlx::query_scalar("SELECT version FROM bench_discovery")
        .fetch_optional(&mut *conn)
        .await?;
    if done.as_deref() == Some(TEXTS_VERSION) {
        return Ok(());
    }
    let started = Instant::now();
    let mut rng = Rng::new(0xD15C);
    let users: Vec<String> =
        sqlx::query_scalar("SELECT id FROM users WHERE email LIKE '%@bench.dev' ORDER BY id")
            .fetch_all(&mut *conn)
            .await?;
    let (mut headlines, mut bios) = (Vec::new(), Vec::new());
    for _ in &users {
        let title = TITLES[rng.index(TITLES.len())];
        headlines.push(format!("{} {title}", SENIORITY[rng.index(SENIORITY.len())]));
        bios.push(format!(
            "{title} working on {} and {}. {} and {}.",
            TOPICS[rng.index(TOPICS.len())],
            TOPICS[rng.index(TOPICS.len())],
            capitalise(HABITS[rng.index(HABITS.len())]),
            HABITS[rng.index(HABITS.len())],
        ));
    }
    sqlx::query(
        "UPDATE users u SET headline = d.h, bio = d.b
         FROM unnest($1::text[], $2::text[], $3::text[]) AS d(id, h, b) WHERE u.id = d.id",
    )
    .bind(&users)
    .bind(&headlines)
    .bind(&bios)
    .execute(&mut *conn)
    .await?;

    let projects: Vec<String> =
        sqlx::query_scalar("SELECT id FROM projects WHERE title LIKE 'Project %' ORDER BY id")
            .fetch_all(&mut *conn)
            .await?;
    let (mut titles, mut descriptions) = (Vec::new(), Vec::new());
    for (i, _) in projects.iter().enumerate() {
        let topic = TOPICS[rng.index(TOPICS.len())];
        titles.push(format!("{} {} {i}", capitalise(topic), THINGS[rng.index(THINGS.len())]));
        descriptions.push(format!(
            "A {} for {topic}, built by a team that {}.",
            THINGS[rng.index(THINGS.len())].to_lowercase(),
            HABITS[rng.index(HABITS.len())]
        ));
    }
    sqlx::query(
        "UPDATE projects p SET title = d.t, description = d.d
         FROM unnest($1::text[], $2::text[], $3::text[]) AS d(id, t, d) WHERE p.id = d.id",
    )
    .bind(&projects)
    .bind(&titles)
    .bind(&descriptions)
    .execute(&mut *conn)
    .await?;

    let tribes: Vec<String> = sqlx::query_scalar(
        "SELECT id FROM tribes WHERE owner_id IN (SELECT id FROM users WHERE email LIKE '%@bench.dev') ORDER BY id",
    )
    .fetch_all(&mut *conn)
    .await?;
    let (mut names, mut missions) = (Vec::new(), Vec::new());
    for (i, _) in tribes.iter().enumerate() {
        let topic = TOPICS[rng.index(TOPICS.len())];
        names.push(format!("{} Collective {i}", capitalise(topic)));
        missions.push(format!("{} {topic}.", MISSIONS[rng.index(MISSIONS.len())]));
    }
    sqlx::query(
        "UPDATE tribes t SET name = d.n, mission = d.m
         FROM unnest($1::text[], $2::text[], $3::text[]) AS d(id, n, m) WHERE t.id = d.id",
    )
    .bind(&tribes)
    .bind(&names)
    .bind(&missions)
    .execute(&mut *conn)
    .await?;
    sqlx::query("DELETE FROM bench_discovery").execute(&mut *conn).await?;
    sqlx::query("INSERT INTO bench_discovery VALUES ($1)")
        .bind(TEXTS_VERSION)
        .execute(&mut *conn)
        .await?;
    eprintln!(
        "bench: discovery texts for {} builders, {} projects, {} tribes ({:.0?})",
        users.len(),
        projects.len(),
        tribes.len(),
        started.elapsed()
    );
    Ok(())
}

fn capitalise(s: &str) -> String {
    let mut chars = s.chars();
    chars.next().map_or_else(String::new, |c| c.to_uppercase().chain(chars).collect())
}

/// Embeds every row the default model has not embedded; returns (rows, seconds).
pub async fn embed_all(bench_url: &str) -> anyhow::Result<(u64, f64)> {
    let db = sea_orm::Database::connect(bench_url).await?;
    let embedder = embed::EmbedderConfig::from_lookup(|k| std::env::var(k).ok())?.build()?;
    domain::discovery::jobs::enqueue_other_models(&db, embedder.model_id()).await?;
    let total = domain::discovery::jobs::pending(&db).await?;
    let started = Instant::now();
    let mut last = Instant::now();
    let rows = domain::discovery::jobs::drain(&db, &embedder, 512, |done| {
        if last.elapsed() > Duration::from_secs(5) {
            eprintln!("bench: embedded {done}/{total}");
            last = Instant::now();
        }
    })
    .await?;
    Ok((rows, started.elapsed().as_secs_f64()))
}

/// Texts per second on one thread: short texts (a search) and profile-sized ones.
pub fn throughput() -> anyhow::Result<(f64, f64)> {
    let embedder = embed::EmbedderConfig::from_lookup(|k| std::env::var(k).ok())?.build()?;
    let short: Vec<String> = (0..20_000).map(|i| format!("kubernetes engineer {i}")).collect();
    let mut rng = Rng::new(7);
    let long: Vec<String> = (0..5_000)
        .map(|_| {
            format!(
                "{} {}. {} working on {}. {}. Skills: Go, PostgreSQL, Kubernetes",
                SENIORITY[rng.index(SENIORITY.len())],
                TITLES[rng.index(TITLES.len())],
                TITLES[rng.index(TITLES.len())],
                TOPICS[rng.index(TOPICS.len())],
                HABITS[rng.index(HABITS.len())]
            )
        })
        .collect();
    let rate = |texts: &[String]| -> anyhow::Result<f64> {
        let refs: Vec<&str> = texts.iter().map(String::as_str).collect();
        let started = Instant::now();
        for chunk in refs.chunks(256) {
            embedder.embed_batch(chunk)?;
        }
        Ok(texts.len() as f64 / started.elapsed().as_secs_f64())
    };
    Ok((rate(&short)?, rate(&long)?))
}

/// Recall@10 of the HNSW index against exact search, for `queries` query vectors, without and
/// with a selective filter (designers open to a tribe: about 1 builder in 21).
pub async fn recall(conn: &mut PgConnection, queries: &[String]) -> anyhow::Result<(f64, f64)> {
    let model = embed::wordllama::MODEL_ID;
    let mut sums = [0.0, 0.0];
    for (index, filter) in
        ["", "AND primary_role = 'designer' AND availability_status = 'open_to_tribe'"]
            .iter()
            .enumerate()
    {
        let sql = format!(
            "SELECT id FROM users WHERE embedding_model = $2 AND discoverable {filter}
             ORDER BY embedding <=> $1::vector LIMIT 10"
        );
        for vector in queries {
            let mut tx = sqlx::Connection::begin(&mut *conn).await?;
            sqlx::raw_sql(domain::discovery::SEARCH_SCAN_SETTINGS).execute(&mut *tx).await?;
            let approximate: Vec<String> = sqlx::query_scalar(sqlx::AssertSqlSafe(sql.clone()))
                .bind(vector)
                .bind(model)
                .fetch_all(&mut *tx)
                .await?;
            // Exact: no index at all (the discovery settings turned sequential scans off).
            sqlx::raw_sql("SET LOCAL enable_seqscan = on; SET LOCAL enable_indexscan = off")
                .execute(&mut *tx)
                .await?;
            let exact: Vec<String> = sqlx::query_scalar(sqlx::AssertSqlSafe(sql.clone()))
                .bind(vector)
                .bind(model)
                .fetch_all(&mut *tx)
                .await?;
            tx.rollback().await?;
            let found = approximate.iter().filter(|id| exact.contains(id)).count();
            sums[index] += found as f64 / exact.len().max(1) as f64;
        }
    }
    let n = queries.len().max(1) as f64;
    Ok((sums[0] / n, sums[1] / n))
}

/// The query vectors of the benchmark's searches (and some more), in pgvector's text form.
pub fn query_vectors() -> anyhow::Result<Vec<String>> {
    let embedder = embed::EmbedderConfig::from_lookup(|k| std::env::var(k).ok())?.build()?;
    let mut texts: Vec<String> = SEARCHES.iter().map(|(q, _)| (*q).to_owned()).collect();
    texts.extend(TOPICS.iter().map(|t| (*t).to_owned()));
    texts.extend(TITLES.iter().map(|t| (*t).to_owned()));
    let refs: Vec<&str> = texts.iter().map(String::as_str).collect();
    Ok(embedder
        .embed_batch(&refs)?
        .into_iter()
        .flatten()
        .map(|v| {
            let padded = embed::pad_for_storage(v).unwrap_or_default();
            let parts: Vec<String> = padded.iter().map(f32::to_string).collect();
            format!("[{}]", parts.join(","))
        })
        .collect())
}

/// The plan of the builders' search statement for one query.
pub async fn plan(conn: &mut PgConnection, vector: &str) -> anyhow::Result<String> {
    let mut tx = sqlx::Connection::begin(&mut *conn).await?;
    sqlx::raw_sql(domain::discovery::SEARCH_SCAN_SETTINGS).execute(&mut *tx).await?;
    let explain = format!(
        "EXPLAIN (ANALYZE, COSTS OFF, TIMING OFF) {}",
        domain::sql::discovery::SEARCH_USERS
    );
    let lines: Vec<String> = sqlx::query_scalar(sqlx::AssertSqlSafe(explain))
        .bind("kubernetes")
        .bind("")
        .bind(Option::<String>::None)
        .bind("kubernetes")
        .bind(vector)
        .bind(embed::wordllama::MODEL_ID)
        .bind(Option::<Vec<String>>::None)
        .bind(Option::<Vec<String>>::None)
        .bind(Option::<Vec<String>>::None)
        .bind(100_i64)
        .bind(0.25_f64)
        .bind("")
        .fetch_all(&mut *tx)
        .await?;
    tx.rollback().await?;
    Ok(lines.join("\n"))
}

fn percentile(sorted: &[Duration], p: f64) -> f64 {
    if sorted.is_empty() {
        return f64::NAN;
    }
    let index = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[index].as_secs_f64() * 1000.0
}

/// Requests from `concurrency` workers for `duration`, each picking the next body in turn;
/// latencies of answers without errors.
pub async fn load(
    addr: &'static str,
    bodies: Arc<Vec<(String, Option<String>)>>,
    concurrency: usize,
    duration: Duration,
) -> (Latency, Vec<(usize, Duration)>) {
    let deadline = Instant::now() + duration;
    let mut workers = Vec::new();
    for worker in 0..concurrency {
        let bodies = bodies.clone();
        workers.push(tokio::spawn(async move {
            let mut client = crate::http_client::Client::new(addr);
            let (mut latencies, mut errors) = (Vec::new(), 0);
            let mut next = worker;
            while Instant::now() < deadline {
                let (body, token) = &bodies[next % bodies.len()];
                let started = Instant::now();
                let answer = client.post_graphql(body.as_bytes(), token.as_deref()).await;
                let elapsed = started.elapsed();
                let ok = answer.as_ref().is_ok_and(|(status, body)| {
                    *status == 200
                        && serde_json::from_slice::<Value>(body)
                            .is_ok_and(|json| json.get("errors").is_none())
                });
                if ok {
                    latencies.push((next % bodies.len(), elapsed));
                } else {
                    if let (0, Ok((status, body))) = (errors, &answer) {
                        eprintln!("bench: error {status}: {}", String::from_utf8_lossy(body));
                    }
                    errors += 1;
                }
                next += concurrency;
            }
            (latencies, errors)
        }));
    }
    let (mut all, mut errors) = (Vec::new(), 0);
    for worker in workers {
        if let Ok((l, e)) = worker.await {
            all.extend(l);
            errors += e;
        }
    }
    (Latency::of(&all, errors), all)
}

pub fn search_bodies() -> Vec<(String, Option<String>)> {
    SEARCHES
        .iter()
        .map(|(q, filter)| {
            let filter: Value = serde_json::from_str(filter).unwrap_or(Value::Null);
            (
                json!({ "query": SEARCH_QUERY, "variables": { "q": q, "filter": filter } })
                    .to_string(),
                None,
            )
        })
        .collect()
}

/// Which tribes the candidates requests ask for.
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum RolesPerTribe {
    /// Tribes with exactly one unfilled open role: one candidates list per request.
    One,
    /// Tribes with any number of them (1 to 3 here): every list of the tribe in one request.
    Any,
}

/// Candidates requests for 200 tribes with open roles, each by its owner.
pub async fn candidates_bodies(
    conn: &mut PgConnection,
    roles: RolesPerTribe,
) -> anyhow::Result<Vec<(String, Option<String>)>> {
    let tribes: Vec<(String, String)> = sqlx::query_as(
        "SELECT t.id, t.owner_id FROM tribes t
         WHERE (SELECT count(*) FROM tribe_open_roles r WHERE r.tribe_id = t.id AND NOT r.filled)
               BETWEEN 1 AND $1
           AND t.owner_id IN (SELECT id FROM users WHERE email LIKE '%@bench.dev')
         ORDER BY t.id LIMIT 200",
    )
    .bind(if roles == RolesPerTribe::One { 1_i64 } else { i64::MAX })
    .fetch_all(&mut *conn)
    .await?;
    let owners: Vec<String> = tribes.iter().map(|(_, o)| o.clone()).collect();
    let sessions = crate::open_sessions(conn, &owners).await?;
    let mut bodies = Vec::new();
    for ((tribe, owner), session) in tribes.iter().zip(&sessions) {
        let token = crate::token_for(owner, session)?;
        bodies.push((
            json!({ "query": CANDIDATES_QUERY, "variables": { "id": tribe } }).to_string(),
            Some(token),
        ));
    }
    anyhow::ensure!(!bodies.is_empty(), "no tribe with an open role");
    Ok(bodies)
}

/// Everything above, against a server process at `addr` started by the caller.
pub async fn run(
    bench_url: &str,
    addr: &'static str,
    server_pid: u32,
    duration: Duration,
    embedded: (u64, f64),
) -> anyhow::Result<Figures> {
    let mut conn = <PgConnection as sqlx::Connection>::connect(bench_url).await?;
    let (throughput_short, throughput_profile) = throughput()?;
    eprintln!(
        "bench: embedder {throughput_short:.0} short texts/s, {throughput_profile:.0} profiles/s (one thread)"
    );
    let vectors = query_vectors()?;
    let (recall_plain, recall_filtered) = recall(&mut conn, &vectors).await?;
    eprintln!("bench: recall@10 {recall_plain:.3} unfiltered, {recall_filtered:.3} filtered");
    let plan = plan(&mut conn, vectors.first().context("a query vector")?).await?;

    let searches = Arc::new(search_bodies());
    load(addr, searches.clone(), 4, Duration::from_secs(2)).await; // warm-up
    let (search, samples) = load(addr, searches.clone(), 4, duration).await;
    let (search_sequential, _) = load(addr, searches.clone(), 1, duration).await;
    eprintln!(
        "bench: search c=1 p50 {:.2} ms p99 {:.2} ms ({} requests, {} errors)",
        search_sequential.p50_ms,
        search_sequential.p99_ms,
        search_sequential.requests,
        search_sequential.errors
    );
    eprintln!(
        "bench: search c=4 p50 {:.2} ms p99 {:.2} ms ({} requests, {} errors)",
        search.p50_ms, search.p99_ms, search.requests, search.errors
    );
    let mut per_query = Vec::new();
    for (i, (q, filter)) in SEARCHES.iter().enumerate() {
        let mine = Latency::of_units(&samples, |j| j == i);
        let label = if *filter == "null" { (*q).to_owned() } else { format!("{q} + {filter}") };
        per_query.push((label, mine.p50_ms, mine.requests));
    }
    let search_unfiltered_p50 = Latency::of_units(&samples, |i| SEARCHES[i].1 == "null").p50_ms;
    let mut candidates = Vec::new();
    for roles in [RolesPerTribe::One, RolesPerTribe::Any] {
        let bodies = Arc::new(candidates_bodies(&mut conn, roles).await?);
        load(addr, bodies.clone(), 4, Duration::from_secs(2)).await;
        let (latency, _) = load(addr, bodies, 4, duration).await;
        eprintln!(
            "bench: candidates ({}) c=4 p50 {:.2} ms p99 {:.2} ms ({} requests, {} errors)",
            if roles == RolesPerTribe::One { "one role" } else { "every role of a tribe" },
            latency.p50_ms,
            latency.p99_ms,
            latency.requests,
            latency.errors
        );
        candidates.push(latency);
    }
    let rss_mb = crate::peak_rss_mb(server_pid)?;
    let candidates_per_tribe = candidates.pop().context("candidates per tribe")?;
    let candidates = candidates.pop().context("candidates per role")?;

    // The floor, with the server idle (it stays up, as it would in production).
    let (floor, floor_per_query) = floor::measure(bench_url, &mut conn, duration).await?;
    Ok(Figures {
        rows_embedded: embedded.0,
        embed_seconds: embedded.1,
        throughput_short,
        throughput_profile,
        search,
        search_sequential,
        search_unfiltered_p50,
        candidates,
        candidates_per_tribe,
        floor,
        floor_per_query,
        recall_plain,
        recall_filtered,
        rss_mb,
        plan,
        per_query,
    })
}

/// The figures as the section of docs/benchmarks.md.
pub fn markdown(f: &Figures) -> String {
    use std::fmt::Write as _;
    let mut out = String::new();
    let _ = writeln!(out, "| measure | figure | bar |\n| --- | --- | --- |");
    let _ = writeln!(
        out,
        "| search p50 / p99, concurrency 4 | {:.2} ms / {:.2} ms ({} requests, {} errors) | ≤ 15 ms / ≤ 40 ms |",
        f.search.p50_ms, f.search.p99_ms, f.search.requests, f.search.errors
    );
    let _ = writeln!(
        out,
        "| search p50 / p99, concurrency 1 | {:.2} ms / {:.2} ms ({} requests, {} errors) | — |",
        f.search_sequential.p50_ms,
        f.search_sequential.p99_ms,
        f.search_sequential.requests,
        f.search_sequential.errors
    );
    let _ = writeln!(
        out,
        "| search p50, concurrency 4, the {} searches without a filter | {:.2} ms | — |",
        SEARCHES.iter().filter(|(_, filter)| *filter == "null").count(),
        f.search_unfiltered_p50
    );
    let _ = writeln!(
        out,
        "| candidates p50 / p99, concurrency 4, one role's list per request | {:.2} ms / {:.2} ms ({} requests, {} errors) | p50 ≤ 20 ms |",
        f.candidates.p50_ms, f.candidates.p99_ms, f.candidates.requests, f.candidates.errors
    );
    let _ = writeln!(
        out,
        "| candidates p50 / p99, concurrency 4, every open role of a tribe (1–3) per request | {:.2} ms / {:.2} ms ({} requests, {} errors) | — |",
        f.candidates_per_tribe.p50_ms,
        f.candidates_per_tribe.p99_ms,
        f.candidates_per_tribe.requests,
        f.candidates_per_tribe.errors
    );
    let _ = writeln!(out, "| HNSW recall@10, no filter | {:.3} | ≥ 0.95 |", f.recall_plain);
    let _ = writeln!(
        out,
        "| HNSW recall@10, designers open to a tribe (1 in 21), iterative scan | {:.3} | ≥ 0.95 |",
        f.recall_filtered
    );
    let _ = writeln!(
        out,
        "| server peak RSS under load, model loaded | {:.0} MB | ≤ 250 MB |",
        f.rss_mb
    );
    let embedding = if f.rows_embedded == 0 {
        "nothing to embed: an earlier run embedded the dataset".to_owned()
    } else {
        format!(
            "{} rows in {:.1} s ({:.0} rows/s)",
            f.rows_embedded,
            f.embed_seconds,
            f.rows_embedded as f64 / f.embed_seconds.max(1e-9)
        )
    };
    let _ = writeln!(out, "| embedding the dataset (this run) | {embedding} | — |");
    let _ = writeln!(
        out,
        "| embedder throughput, one thread | {:.0} short texts/s, {:.0} profile-sized texts/s | — |",
        f.throughput_short, f.throughput_profile
    );
    let _ = writeln!(
        out,
        "\nThe floor (crates/bench/src/discovery_floor.rs: the prescribed lists alone, straight \
         against PostgreSQL, one connection per worker; same run):\n\n| floor | p50 | p99 | units |\n| --- | --- | --- | --- |"
    );
    for (label, latency) in &f.floor {
        let _ = writeln!(
            out,
            "| {label} | {:.2} ms | {:.2} ms | {} ({} errors) |",
            latency.p50_ms, latency.p99_ms, latency.requests, latency.errors
        );
    }
    let _ = writeln!(
        out,
        "\nSearch p50 per query (same run), and the floor's (both lists, unfiltered searches):\n\n\
         | query | p50 | requests | floor p50 |\n| --- | --- | --- | --- |"
    );
    for (q, p50, n) in &f.per_query {
        let floor = f
            .floor_per_query
            .iter()
            .find(|(label, _)| label == q)
            .map_or_else(|| "—".to_owned(), |(_, ms)| format!("{ms:.2} ms"));
        let _ = writeln!(out, "| `{}` | {p50:.2} ms | {n} | {floor} |", q.replace('|', "\\|"));
    }
    let _ = writeln!(
        out,
        "\nThe builders' search statement for `kubernetes` (EXPLAIN ANALYZE):\n\n```\n{}\n```",
        f.plan
    );
    out
}

//! The discovery floor: the operations the issue prescribes for a search and for a candidates
//! list, alone, straight against PostgreSQL at concurrency 4 and 1, on the same data and with the same
//! scan settings as the server. No HTTP, GraphQL, filters, skills, exclusions, fusion, snippets or
//! nodes: what is left is the least any implementation of this ranking over PostgreSQL pays, so
//! the server's figures can be read against it (docs/benchmarks.md, "Discovery").
//!
//! A search's floor is, for each kind (builders, projects, tribes), the full-text list
//! (`ts_rank_cd` of every match of the search's tsquery, the best 100 kept) and the vector list
//! (the 100 nearest by the HNSW index); a candidates list's floor is the 100 builders nearest the
//! role and the builders holding its skills, counted.
use std::time::{Duration, Instant};

use sea_orm::sqlx::{self, PgConnection, PgPool};

use crate::discovery::{Latency, SEARCHES};

/// The kinds' tables: each has `search_vector` and `embedding`.
const KINDS: [&str; 3] = ["users", "projects", "tribes"];

fn text_list(table: &str) -> String {
    format!(
        "SELECT id FROM {table}, discovery_tsquery($1, $2, $3) q WHERE search_vector @@ q
         ORDER BY ts_rank_cd(search_vector, q) DESC, id LIMIT 100"
    )
}

fn vector_list(table: &str) -> String {
    format!("SELECT id FROM {table} ORDER BY embedding <=> $1::vector LIMIT 100")
}

const ROLE_NEAREST: &str = "SELECT id FROM users
    ORDER BY embedding <=> (SELECT embedding FROM tribe_open_roles WHERE id = $1) LIMIT 100";

const ROLE_SKILL_HOLDERS: &str = "SELECT us.user_id, count(*) FROM tribe_open_roles r, skills s
    JOIN user_skills us ON us.skill_id = s.id
    WHERE r.id = $1
      AND lower(s.name) IN (SELECT lower(x) FROM jsonb_array_elements_text(r.skills_needed) x)
    GROUP BY us.user_id ORDER BY count(*) DESC, us.user_id LIMIT 400";

/// Which lists of a search the floor computes.
#[derive(Clone, Copy, Debug)]
pub enum Lists {
    Text,
    Vectors,
    Both,
}

impl Lists {
    pub fn label(self) -> &'static str {
        match self {
            Self::Text => "full-text lists only (ts_rank_cd, 3 kinds)",
            Self::Vectors => "vector lists only (HNSW, 3 kinds)",
            Self::Both => "both",
        }
    }
}

/// One search of the floor: the searches without a filter (a filter changes what a statement
/// reads; the floor has none), split and embedded as the server splits and embeds them.
#[derive(Clone)]
pub struct FloorSearch {
    pub label: &'static str,
    full: String,
    head: String,
    prefix: Option<String>,
    /// The wanted words' vector (pgvector text form), or none when the model finds nothing in them.
    vector: Option<String>,
}

/// The unfiltered benchmark searches, with the default model's vectors of their wanted words.
pub fn searches() -> anyhow::Result<Vec<FloorSearch>> {
    let embedder = embed::EmbedderConfig::from_lookup(|k| std::env::var(k).ok())?.build()?;
    let mut out = Vec::new();
    for (query, filter) in SEARCHES {
        if *filter != "null" {
            continue;
        }
        let text = domain::discovery::query::parse("query", query)
            .map_err(|e| anyhow::anyhow!("benchmark query {query:?}: {e}"))?;
        let vector = embedder
            .embed_batch(&[text.wanted.as_str()])?
            .pop()
            .flatten()
            .map(embed::pad_for_storage)
            .transpose()?
            .map(|v| format!("[{}]", v.iter().map(f32::to_string).collect::<Vec<_>>().join(",")));
        out.push(FloorSearch {
            label: query,
            full: text.full,
            head: text.head,
            prefix: text.prefix,
            vector,
        });
    }
    Ok(out)
}

/// The open roles of the tribes `candidates_bodies(RolesPerTribe::One)` asks for, in its order.
pub async fn single_roles(conn: &mut PgConnection) -> sqlx::Result<Vec<String>> {
    sqlx::query_scalar(
        "SELECT r.id FROM tribe_open_roles r JOIN tribes t ON t.id = r.tribe_id
         WHERE NOT r.filled
           AND (SELECT count(*) FROM tribe_open_roles o WHERE o.tribe_id = t.id AND NOT o.filled) = 1
           AND t.owner_id IN (SELECT id FROM users WHERE email LIKE '%@bench.dev')
         ORDER BY t.id LIMIT 200",
    )
    .fetch_all(conn)
    .await
}

async fn one_search(pool: &PgPool, search: &FloorSearch, lists: Lists) -> sqlx::Result<()> {
    let mut tx = pool.begin().await?;
    sqlx::raw_sql(domain::discovery::SEARCH_SCAN_SETTINGS).execute(&mut *tx).await?;
    for table in KINDS {
        if matches!(lists, Lists::Text | Lists::Both) {
            sqlx::query(sqlx::AssertSqlSafe(text_list(table)))
                .bind(&search.full)
                .bind(&search.head)
                .bind(&search.prefix)
                .fetch_all(&mut *tx)
                .await?;
        }
        if let (Lists::Vectors | Lists::Both, Some(vector)) = (lists, &search.vector) {
            sqlx::query(sqlx::AssertSqlSafe(vector_list(table)))
                .bind(vector)
                .fetch_all(&mut *tx)
                .await?;
        }
    }
    tx.commit().await
}

async fn one_role(pool: &PgPool, role: &str) -> sqlx::Result<()> {
    let mut tx = pool.begin().await?;
    sqlx::raw_sql(domain::discovery::MATCH_SCAN_SETTINGS).execute(&mut *tx).await?;
    sqlx::query(ROLE_NEAREST).bind(role).fetch_all(&mut *tx).await?;
    sqlx::query(ROLE_SKILL_HOLDERS).bind(role).fetch_all(&mut *tx).await?;
    tx.commit().await
}

/// What one unit of floor work is.
#[derive(Clone)]
pub enum Work {
    Search(Vec<FloorSearch>, Lists),
    Candidates(Vec<String>),
}

impl Work {
    fn len(&self) -> usize {
        match self {
            Self::Search(searches, _) => searches.len(),
            Self::Candidates(roles) => roles.len(),
        }
    }

    async fn run(&self, pool: &PgPool, index: usize) -> sqlx::Result<()> {
        match self {
            Self::Search(searches, lists) => {
                one_search(pool, &searches[index % searches.len()], *lists).await
            }
            Self::Candidates(roles) => one_role(pool, &roles[index % roles.len()]).await,
        }
    }
}

/// `work` from `workers` workers (each on its own connection, as the server's pool gives them)
/// for `duration`, after a warm-up of 2 s; latencies of the units, and each unit's (tagged with
/// its index in the work's list).
pub async fn load(
    pool: &PgPool,
    work: &Work,
    workers: usize,
    duration: Duration,
) -> (Latency, Vec<(usize, Duration)>) {
    let run_for = |duration: Duration| {
        let mut tasks = Vec::new();
        let deadline = Instant::now() + duration;
        for worker in 0..workers {
            let (pool, work) = (pool.clone(), work.clone());
            tasks.push(tokio::spawn(async move {
                let (mut samples, mut errors) = (Vec::new(), 0);
                let mut next = worker;
                while Instant::now() < deadline {
                    let started = Instant::now();
                    match work.run(&pool, next).await {
                        Ok(()) => samples.push((next % work.len(), started.elapsed())),
                        Err(e) => {
                            if errors == 0 {
                                eprintln!("bench: floor error: {e}");
                            }
                            errors += 1;
                        }
                    }
                    next += workers;
                }
                (samples, errors)
            }));
        }
        tasks
    };
    for worker in run_for(Duration::from_secs(2)) {
        let _ = worker.await;
    }
    let (mut all, mut errors) = (Vec::new(), 0);
    for worker in run_for(duration) {
        if let Ok((samples, e)) = worker.await {
            all.extend(samples);
            errors += e;
        }
    }
    (Latency::of(&all, errors), all)
}

/// Every floor measure, in the order docs/benchmarks.md shows them: (what ran, its latency), and
/// the p50 of each search when both lists ran at concurrency 4.
pub async fn measure(
    bench_url: &str,
    conn: &mut PgConnection,
    duration: Duration,
) -> anyhow::Result<(Vec<(String, Latency)>, Vec<(&'static str, f64)>)> {
    let pool = sqlx::postgres::PgPoolOptions::new().max_connections(4).connect(bench_url).await?;
    let floor_searches = searches()?;
    let mut figures = Vec::new();
    let mut per_query = Vec::new();
    for (lists, workers) in
        [(Lists::Text, 4), (Lists::Vectors, 4), (Lists::Both, 4), (Lists::Both, 1)]
    {
        let work = Work::Search(floor_searches.clone(), lists);
        let (latency, samples) = load(&pool, &work, workers, duration).await;
        if matches!(lists, Lists::Both) && workers == 4 {
            for (i, search) in floor_searches.iter().enumerate() {
                per_query.push((search.label, Latency::of_units(&samples, |j| j == i).p50_ms));
            }
        }
        eprintln!(
            "bench: floor, search {}: c={workers} p50 {:.2} ms p99 {:.2} ms ({} searches, {} errors)",
            lists.label(),
            latency.p50_ms,
            latency.p99_ms,
            latency.requests,
            latency.errors
        );
        figures.push((format!("search, {}, concurrency {workers}", lists.label()), latency));
    }
    let roles = single_roles(conn).await?;
    for workers in [4, 1] {
        let (latency, _) = load(&pool, &Work::Candidates(roles.clone()), workers, duration).await;
        eprintln!(
            "bench: floor, candidates: c={workers} p50 {:.2} ms p99 {:.2} ms ({} lists, {} errors)",
            latency.p50_ms, latency.p99_ms, latency.requests, latency.errors
        );
        figures.push((
            format!("candidates (nearest 100 and skill holders), concurrency {workers}"),
            latency,
        ));
    }
    Ok((figures, per_query))
}

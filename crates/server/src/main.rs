//! `cargo run -p server`: reads the configuration, applies pending migrations and serves
//! GraphQL at /graphql until SIGINT or SIGTERM.
//!
//! `cargo run -p server -- reembed`: after a model change (`EMBEDDER`), embeds every row that
//! the configured model has not embedded, with a progress bar, then exits.
use std::process::ExitCode;

use server::{App, Config};

// A GraphQL response is built from many small allocations; mimalloc serves them faster than the
// system allocator (measured in docs/benchmarks.md).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

#[tokio::main]
async fn main() -> ExitCode {
    let config = match Config::from_env() {
        Ok(config) => config,
        Err(err) => {
            eprintln!("server: {err}");
            return ExitCode::from(2);
        }
    };
    server::telemetry::init(&config);
    if std::env::args().nth(1).as_deref() == Some("reembed") {
        return reembed(config).await;
    }
    let app = match App::build(config).await {
        Ok(app) => app,
        Err(err) => {
            eprintln!("server: {err:#}");
            return ExitCode::FAILURE;
        }
    };
    match app.serve().await {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            eprintln!("server: {err:#}");
            ExitCode::FAILURE
        }
    }
}

/// Re-embeds everything the configured model has not embedded (all of it, after a model change),
/// drawing a progress bar on stderr.
async fn reembed(mut config: Config) -> ExitCode {
    config.embed_worker = false;
    let app = match App::build(config).await {
        Ok(app) => app,
        Err(err) => {
            eprintln!("server: {err:#}");
            return ExitCode::FAILURE;
        }
    };
    let embedder = app.discovery().embedder().clone();
    let result = async {
        domain::discovery::jobs::enqueue_other_models(&app.db, embedder.model_id()).await?;
        let total = domain::discovery::jobs::pending(&app.db).await?;
        let started = std::time::Instant::now();
        eprintln!("reembed: {total} rows to embed with {}", embedder.model_id());
        let embedded = domain::discovery::jobs::drain(&app.db, &embedder, 256, |done| {
            eprint!("\r{}", progress_bar(done, total, started.elapsed()));
        })
        .await?;
        eprintln!();
        Ok::<_, domain::DomainError>((embedded, domain::discovery::jobs::pending(&app.db).await?))
    }
    .await;
    match result {
        Ok((embedded, 0)) => {
            eprintln!("reembed: done, {embedded} rows embedded");
            ExitCode::SUCCESS
        }
        Ok((embedded, left)) => {
            eprintln!(
                "reembed: {embedded} rows embedded; {left} wait for a retry (the provider failed: see embedding_jobs.last_error)"
            );
            ExitCode::FAILURE
        }
        Err(err) => {
            eprintln!("reembed: {err}");
            ExitCode::FAILURE
        }
    }
}

/// `[#########...........]  4,096/10,000 rows  41%  2,731 rows/s`
fn progress_bar(done: u64, total: u64, elapsed: std::time::Duration) -> String {
    const WIDTH: u64 = 30;
    let total = total.max(done).max(1);
    let filled = done * WIDTH / total;
    let rate = done as f64 / elapsed.as_secs_f64().max(0.001);
    format!(
        "[{}{}] {done}/{total} rows {:>3}% {rate:.0} rows/s",
        "#".repeat(filled as usize),
        ".".repeat((WIDTH - filled) as usize),
        done * 100 / total
    )
}

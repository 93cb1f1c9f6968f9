//! `cargo run -p server`: reads the configuration, applies pending migrations and serves
//! GraphQL at /graphql until SIGINT or SIGTERM.
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

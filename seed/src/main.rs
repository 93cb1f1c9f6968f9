//! `cargo run -p seed`: loads the prototype data into the database at `DATABASE_URL` (read from
//! the environment or `.env`).
//!
//! In development (`APP_ENV` unset or `development`) the prototype builders get the documented
//! demo password [`seed::DEMO_PASSWORD`], so anyone can sign in as Maya Chen and try every
//! mutation. With `APP_ENV=production` it refuses to run unless given `--force`, and then sets no
//! password: a production database must not hold accounts with a published password.
use std::process::ExitCode;

use sea_orm::{ConnectOptions, Database, DatabaseConnection};

#[tokio::main(flavor = "current_thread")]
async fn main() -> ExitCode {
    let _ = dotenvy::dotenv();
    let force = std::env::args().skip(1).any(|a| a == "--force");
    let app_env = match std::env::var("APP_ENV") {
        Ok(value) => Some(value),
        Err(std::env::VarError::NotPresent) => None,
        Err(e) => {
            eprintln!("seed: APP_ENV is not readable: {e}");
            return ExitCode::FAILURE;
        }
    };
    let seed_options = match seed::options_for(app_env.as_deref(), force) {
        Ok(options) => options,
        Err(message) => {
            eprintln!("seed: {message}");
            return ExitCode::FAILURE;
        }
    };
    let Ok(url) = std::env::var("DATABASE_URL") else {
        eprintln!(
            "seed: DATABASE_URL is not set: set it, or run ./tribe db up to get a local database"
        );
        return ExitCode::FAILURE;
    };
    let mut options = ConnectOptions::new(url);
    options
        .connect_timeout(std::time::Duration::from_secs(5))
        .acquire_timeout(std::time::Duration::from_secs(5))
        .sqlx_logging(false);
    let db = match Database::connect(options).await {
        Ok(db) => db,
        Err(e) => {
            eprintln!("seed: cannot reach the database at DATABASE_URL: {e}");
            return ExitCode::FAILURE;
        }
    };
    match seed::run_with(&db, &seed_options).await {
        Ok(s) => {
            println!(
                "seed: loaded {} skills, {} builders, {} projects, {} tribes, {} feed events, {} follows",
                s.skills, s.users, s.projects, s.tribes, s.feed_events, s.follows
            );
            if let Some(password) = &seed_options.demo_password {
                println!(
                    "seed: the prototype builders sign in with their username (e.g. mayachen) and the password \"{password}\""
                );
            }
            embed_everything(&db).await
        }
        Err(e) => {
            eprintln!("seed: {e}");
            ExitCode::FAILURE
        }
    }
}

/// Leaves the data embedded (by the configured model: `EMBEDDER`, `EMBEDDER_MODEL_DIR`), so that
/// search and matching answer at once without waiting for a server's worker.
async fn embed_everything(db: &DatabaseConnection) -> ExitCode {
    let config = match embed::EmbedderConfig::from_lookup(|k| std::env::var(k).ok()) {
        Ok(config) => config,
        Err(e) => {
            eprintln!("seed: {e}");
            return ExitCode::FAILURE;
        }
    };
    let embedder = match config.build() {
        Ok(embedder) => embedder,
        Err(e) => {
            eprintln!("seed: the data is loaded, but the embedding model is not: {e}");
            return ExitCode::FAILURE;
        }
    };
    let result = async {
        domain::discovery::jobs::enqueue_other_models(db, embedder.model_id()).await?;
        domain::discovery::jobs::drain(db, &embedder, 256, |_| {}).await
    }
    .await;
    match result {
        Ok(n) => {
            println!("seed: embedded {n} rows with {}", embedder.model_id());
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("seed: embedding failed: {e}");
            ExitCode::FAILURE
        }
    }
}

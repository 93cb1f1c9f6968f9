//! `cargo run -p seed`: loads the prototype data into the database at `DATABASE_URL` (read from
//! the environment or `.env`).
use std::process::ExitCode;

use sea_orm::{ConnectOptions, Database};

#[tokio::main(flavor = "current_thread")]
async fn main() -> ExitCode {
    let _ = dotenvy::dotenv();
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
    match seed::run(&db).await {
        Ok(s) => {
            println!(
                "seed: loaded {} skills, {} builders, {} projects, {} tribes, {} feed events, {} follows",
                s.skills, s.users, s.projects, s.tribes, s.feed_events, s.follows
            );
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("seed: {e}");
            ExitCode::FAILURE
        }
    }
}

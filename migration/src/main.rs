//! `cargo run -p migration -- up | down | fresh | status` against `DATABASE_URL` (read from the
//! environment or `.env`).
use sea_orm_migration::prelude::*;

#[tokio::main]
async fn main() {
    cli::run_cli(migration::Migrator).await;
}

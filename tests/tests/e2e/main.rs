//! End-to-end tests: the real router and a real PostgreSQL with pgvector, one database per test.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod accounts;
mod batching;
mod delete_account;
mod feed;
mod follows;
mod health;
mod migrations;
mod profile;
mod projects;
mod protection;
mod rate_limits;
mod read_api;
mod schema_file;
mod seed_data;
mod sessions;
mod tokens;
mod tribes;
mod vectors;

//! End-to-end tests: the real router and a real PostgreSQL with pgvector, one database per test.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod accounts;
mod batching;
mod feed;
mod health;
mod migrations;
mod profile;
mod protection;
mod rate_limits;
mod read_api;
mod schema_file;
mod seed_data;
mod tokens;
mod vectors;

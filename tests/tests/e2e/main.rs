//! End-to-end tests: the real router and a real PostgreSQL with pgvector, one database per test.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod accounts;
mod batching;
mod bounded_lists;
mod cost;
mod delete_account;
mod feed;
mod follows;
mod health;
mod input;
mod migrations;
mod posture;
mod profile;
mod projects;
mod protection;
mod races;
mod rate_limits;
mod read_api;
mod schema_file;
mod seed_data;
mod shared_data;
mod timeouts;
mod tokens;
mod tribes;
mod trusted_documents;
mod vectors;

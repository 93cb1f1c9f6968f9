//! End-to-end tests: the real router and a real PostgreSQL with pgvector, one database per test.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod health;
mod migrations;
mod schema_file;
mod seed_data;
mod vectors;

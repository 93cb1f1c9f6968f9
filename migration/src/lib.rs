//! The Tribe schema as sea-orm-migration migrations.
//!
//! Migrations are plain SQL: generated columns, collations, CHECK constraints and HNSW indexes are
//! part of the design, and SQL says them exactly.
pub use sea_orm_migration::prelude::*;

mod m20261122_000001_initial_schema;
mod m20261122_000002_refresh_token_rotation;
mod m20261122_000003_follow_listing_indexes;
mod m20261122_000004_membership_requested_role;

pub struct Migrator;

#[async_trait::async_trait]
impl MigratorTrait for Migrator {
    fn migrations() -> Vec<Box<dyn MigrationTrait>> {
        vec![
            Box::new(m20261122_000001_initial_schema::Migration),
            Box::new(m20261122_000002_refresh_token_rotation::Migration),
            Box::new(m20261122_000003_follow_listing_indexes::Migration),
            Box::new(m20261122_000004_membership_requested_role::Migration),
        ]
    }
}

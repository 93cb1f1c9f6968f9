//! The Tribe schema as sea-orm-migration migrations.
//!
//! Migrations are plain SQL (in `sql/`): generated columns, collations, CHECK constraints and HNSW
//! indexes are part of the design, and SQL says them exactly. Each migration's name is its module
//! name, as sea-orm-migration records it.
pub use sea_orm_migration::prelude::*;

/// A migration whose up and down are SQL files.
macro_rules! sql_migration {
    ($module:ident, $file:literal) => {
        mod $module {
            use sea_orm_migration::prelude::*;

            pub struct Migration;

            impl MigrationName for Migration {
                fn name(&self) -> &str {
                    stringify!($module)
                }
            }

            #[async_trait::async_trait]
            impl MigrationTrait for Migration {
                async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
                    let sql = include_str!(concat!("sql/", $file, ".up.sql"));
                    manager.get_connection().execute_unprepared(sql).await?;
                    Ok(())
                }

                async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
                    let sql = include_str!(concat!("sql/", $file, ".down.sql"));
                    manager.get_connection().execute_unprepared(sql).await?;
                    Ok(())
                }
            }
        }
    };
}

sql_migration!(m20261122_000001_initial_schema, "0001_initial_schema");
sql_migration!(m20261122_000002_refresh_token_rotation, "0002_refresh_token_rotation");
sql_migration!(m20261122_000003_follow_listing_indexes, "0003_follow_listing_indexes");
sql_migration!(m20261122_000004_membership_requested_role, "0004_membership_requested_role");
sql_migration!(
    m20261201_000005_case_insensitive_github_names,
    "0005_case_insensitive_github_names"
);
sql_migration!(m20261201_000006_sessions, "0006_sessions");
sql_migration!(m20261201_000007_discovery, "0007_discovery");
sql_migration!(m20261202_000008_discovery_speed, "0008_discovery_speed");

pub struct Migrator;

#[async_trait::async_trait]
impl MigratorTrait for Migrator {
    fn migrations() -> Vec<Box<dyn MigrationTrait>> {
        vec![
            Box::new(m20261122_000001_initial_schema::Migration),
            Box::new(m20261122_000002_refresh_token_rotation::Migration),
            Box::new(m20261122_000003_follow_listing_indexes::Migration),
            Box::new(m20261122_000004_membership_requested_role::Migration),
            Box::new(m20261201_000005_case_insensitive_github_names::Migration),
            Box::new(m20261201_000006_sessions::Migration),
            Box::new(m20261201_000007_discovery::Migration),
            Box::new(m20261202_000008_discovery_speed::Migration),
        ]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn migration_names_are_their_module_names() {
        let names: Vec<String> =
            Migrator::migrations().iter().map(|m| m.name().to_owned()).collect();
        assert_eq!(
            names,
            [
                "m20261122_000001_initial_schema",
                "m20261122_000002_refresh_token_rotation",
                "m20261122_000003_follow_listing_indexes",
                "m20261122_000004_membership_requested_role",
                "m20261201_000005_case_insensitive_github_names",
                "m20261201_000006_sessions",
                "m20261201_000007_discovery",
                "m20261202_000008_discovery_speed",
            ]
        );
    }
}

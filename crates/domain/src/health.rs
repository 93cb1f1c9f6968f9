use std::time::Duration;

use sea_orm::{ConnectionTrait, DatabaseConnection};

use crate::DomainError;

/// How long a health check waits for the database before calling it unavailable.
pub const HEALTH_TIMEOUT: Duration = Duration::from_secs(2);

/// A real round trip to the database.
pub async fn check_database(db: &DatabaseConnection) -> Result<(), DomainError> {
    match tokio::time::timeout(HEALTH_TIMEOUT, db.execute_unprepared("SELECT 1")).await {
        Ok(Ok(_)) => Ok(()),
        Ok(Err(err)) => Err(DomainError::unavailable(err)),
        Err(elapsed) => Err(DomainError::unavailable(elapsed)),
    }
}

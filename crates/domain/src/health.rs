use std::time::Duration;

use sea_orm::{ConnectionTrait, DatabaseConnection};

use crate::DomainError;

/// How long a health check waits for the database before calling it unavailable.
pub const HEALTH_TIMEOUT: Duration = Duration::from_secs(2);

/// A real round trip to the database.
///
/// The pool checks a connection before handing it out only when it has been idle for a while, so
/// just after the database comes back a recently used connection may still be a dead one from
/// before. Each failure discards its connection; the check tries again (within its time budget)
/// so that it reports the database, not a stale connection.
pub async fn check_database(db: &DatabaseConnection) -> Result<(), DomainError> {
    let attempts = async {
        let mut last = None;
        for attempt in 0..5 {
            if attempt > 0 {
                tokio::time::sleep(Duration::from_millis(20)).await;
            }
            match db.execute_unprepared("SELECT 1").await {
                Ok(_) => return Ok(()),
                Err(err) => last = Some(err),
            }
        }
        Err(last)
    };
    match tokio::time::timeout(HEALTH_TIMEOUT, attempts).await {
        Ok(Ok(())) => Ok(()),
        Ok(Err(Some(err))) => Err(DomainError::unavailable(err)),
        Ok(Err(None)) => Err(DomainError::unavailable("no attempt was made")),
        Err(elapsed) => Err(DomainError::unavailable(elapsed)),
    }
}

//! The embedding jobs: what is stale, who embeds it, and how a failure is retried.
//!
//! A change marks its row stale in the writer's own transaction (triggers of migration 0007
//! insert or bump an `embedding_jobs` row), so writes never wait for the model and a crash loses
//! nothing. [`run_batch`] leases due jobs with `FOR UPDATE SKIP LOCKED` (instances share the work
//! without blocking each other), embeds them outside any transaction, then stores the vectors and
//! ends the jobs in one transaction. A job whose row changed while it was embedded keeps its
//! newer version and runs again; a lease that outlives a crashed worker expires.
use std::sync::Arc;
use std::time::Duration;

use embed::Embedder;
use sea_orm::{
    ConnectionTrait, DatabaseConnection, DbBackend, FromQueryResult, Statement, TransactionTrait,
};

use super::texts::{self, Kind};
use crate::{DomainError, sql};

type Result<T> = std::result::Result<T, DomainError>;

/// How long a worker may hold a job before another may take it (a crashed worker's jobs come
/// back after this).
pub const LEASE: Duration = Duration::from_secs(120);

/// A leased job.
#[derive(Debug, Clone, FromQueryResult)]
struct Job {
    target_type: String,
    target_id: String,
    version: i64,
}

/// What one batch did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct BatchOutcome {
    /// Jobs leased.
    pub claimed: usize,
    /// Rows given a vector (or found to have no text: stored as NULL with the model).
    pub embedded: usize,
    /// Jobs whose row no longer exists (deleted since).
    pub gone: usize,
    /// Jobs put back for a retry after a provider failure.
    pub failed: usize,
}

/// Leases up to `batch` due jobs, embeds their rows with `embedder` and stores the vectors.
///
/// # Errors
/// Database errors. A provider failure is not an error here: the jobs are put back with a
/// backoff (and [`BatchOutcome::failed`] counts them).
pub async fn run_batch(
    db: &DatabaseConnection,
    embedder: &Arc<dyn Embedder>,
    batch: usize,
) -> Result<BatchOutcome> {
    let jobs = Job::find_by_statement(Statement::from_sql_and_values(
        DbBackend::Postgres,
        sql::discovery::CLAIM_JOBS,
        [(batch as i64).into(), LEASE.as_secs_f64().into()],
    ))
    .all(db)
    .await?;
    let mut outcome = BatchOutcome { claimed: jobs.len(), ..BatchOutcome::default() };
    if jobs.is_empty() {
        return Ok(outcome);
    }

    // (kind, id, text) of the rows that still exist.
    let mut rows: Vec<(Kind, String, String)> = Vec::new();
    for kind in Kind::ALL {
        let ids: Vec<String> = jobs
            .iter()
            .filter(|j| j.target_type == kind.job_type())
            .map(|j| j.target_id.clone())
            .collect();
        if !ids.is_empty() {
            rows.extend(
                texts::load(db, kind, &ids).await?.into_iter().map(|(id, t)| (kind, id, t)),
            );
        }
    }
    outcome.gone = jobs.len() - rows.len();

    let texts_only: Vec<String> = rows.iter().map(|(_, _, t)| t.clone()).collect();
    let provider = embedder.clone();
    let vectors = tokio::task::spawn_blocking(move || {
        let refs: Vec<&str> = texts_only.iter().map(String::as_str).collect();
        provider.embed_batch(&refs)
    })
    .await
    .map_err(DomainError::internal)?;
    let vectors = match vectors {
        Ok(v) if v.len() == rows.len() => v,
        Ok(v) => {
            let reason =
                format!("the provider returned {} vectors for {} texts", v.len(), rows.len());
            return put_back(db, &jobs, &reason, outcome).await;
        }
        Err(e) => {
            tracing::warn!(error = %e, jobs = jobs.len(), "embedding failed; retrying with backoff");
            return put_back(db, &jobs, &e.to_string(), outcome).await;
        }
    };

    let model = embedder.model_id().to_owned();
    let txn = db.begin().await?;
    for kind in Kind::ALL {
        let mut ids = Vec::new();
        // "" for a row with nothing to embed (stored as NULL): arrays of options do not bind.
        let mut literals: Vec<String> = Vec::new();
        for ((row_kind, id, _), vector) in rows.iter().zip(&vectors) {
            if *row_kind != kind {
                continue;
            }
            let literal = match vector {
                Some(v) => vector_literal(&embed::pad_for_storage(v.clone()).map_err(|e| {
                    DomainError::internal(format!("{} vector: {e}", kind.job_type()))
                })?),
                None => String::new(),
            };
            ids.push(id.clone());
            literals.push(literal);
        }
        if ids.is_empty() {
            continue;
        }
        outcome.embedded += ids.len();
        txn.execute_raw(Statement::from_sql_and_values(
            DbBackend::Postgres,
            sql::discovery::store_embeddings(kind.table()),
            [ids.into(), literals.into(), model.clone().into()],
        ))
        .await?;
    }
    finish(&txn, &jobs).await?;
    txn.commit().await?;
    Ok(outcome)
}

/// Ends the jobs (those changed meanwhile run again).
async fn finish(txn: &impl ConnectionTrait, jobs: &[Job]) -> Result<()> {
    let kinds: Vec<String> = jobs.iter().map(|j| j.target_type.clone()).collect();
    let ids: Vec<String> = jobs.iter().map(|j| j.target_id.clone()).collect();
    let versions: Vec<i64> = jobs.iter().map(|j| j.version).collect();
    txn.execute_raw(Statement::from_sql_and_values(
        DbBackend::Postgres,
        sql::discovery::FINISH_JOBS,
        [kinds.into(), ids.into(), versions.into()],
    ))
    .await?;
    Ok(())
}

async fn put_back(
    db: &DatabaseConnection,
    jobs: &[Job],
    reason: &str,
    mut outcome: BatchOutcome,
) -> Result<BatchOutcome> {
    let kinds: Vec<String> = jobs.iter().map(|j| j.target_type.clone()).collect();
    let ids: Vec<String> = jobs.iter().map(|j| j.target_id.clone()).collect();
    let reason: String = reason.chars().take(500).collect();
    db.execute_raw(Statement::from_sql_and_values(
        DbBackend::Postgres,
        sql::discovery::FAIL_JOBS,
        [kinds.into(), ids.into(), reason.into()],
    ))
    .await?;
    outcome.failed = jobs.len();
    Ok(outcome)
}

/// pgvector's text form, `[0.1,0.2,…]` (what `::vector` parses).
pub(crate) fn vector_literal(v: &[f32]) -> String {
    let mut s = String::with_capacity(v.len() * 10 + 2);
    s.push('[');
    for (i, x) in v.iter().enumerate() {
        if i > 0 {
            s.push(',');
        }
        // Zeros (the padding) as "0": a third of the text for the same value.
        if *x == 0.0 {
            s.push('0');
        } else {
            s.push_str(&x.to_string());
        }
    }
    s.push(']');
    s
}

/// Marks stale every row not embedded by `model_id` (after a model change; also rows never
/// embedded). Returns how many jobs it queued.
///
/// # Errors
/// Database errors.
pub async fn enqueue_other_models(db: &impl ConnectionTrait, model_id: &str) -> Result<u64> {
    let result = db
        .execute_raw(Statement::from_sql_and_values(
            DbBackend::Postgres,
            sql::discovery::ENQUEUE_OTHER_MODELS,
            [model_id.into()],
        ))
        .await?;
    Ok(result.rows_affected())
}

/// Jobs waiting (due or not).
///
/// # Errors
/// Database errors.
pub async fn pending(db: &impl ConnectionTrait) -> Result<u64> {
    #[derive(FromQueryResult)]
    struct Count {
        n: i64,
    }
    let row = Count::find_by_statement(Statement::from_string(
        DbBackend::Postgres,
        "SELECT count(*) AS n FROM embedding_jobs",
    ))
    .one(db)
    .await?;
    Ok(row.map_or(0, |r| r.n.max(0) as u64))
}

/// Runs batches until no job is due; `progress` hears after each batch how many rows were
/// embedded so far. Jobs that failed wait for their backoff and are not retried here.
///
/// # Errors
/// Database errors.
pub async fn drain(
    db: &DatabaseConnection,
    embedder: &Arc<dyn Embedder>,
    batch: usize,
    mut progress: impl FnMut(u64),
) -> Result<u64> {
    let mut embedded = 0u64;
    loop {
        let outcome = run_batch(db, embedder, batch).await?;
        embedded += outcome.embedded as u64;
        progress(embedded);
        if outcome.claimed == 0 || outcome.failed == outcome.claimed {
            return Ok(embedded);
        }
    }
}

/// The server's worker: embeds due jobs in batches, forever; polls every `poll` when idle.
/// Several instances run it side by side (the leases keep them apart).
pub async fn worker(
    db: DatabaseConnection,
    embedder: Arc<dyn Embedder>,
    batch: usize,
    poll: Duration,
) {
    match enqueue_other_models(&db, embedder.model_id()).await {
        Ok(0) => {}
        Ok(n) => tracing::info!(
            jobs = n,
            model = embedder.model_id(),
            "rows embedded by another model (or never) are queued for embedding"
        ),
        Err(e) => tracing::warn!(error = %e, "could not queue rows of other models"),
    }
    loop {
        match run_batch(&db, &embedder, batch).await {
            Ok(outcome) if outcome.claimed > 0 && outcome.failed < outcome.claimed => {
                tracing::debug!(?outcome, "embedded a batch");
            }
            Ok(_) => tokio::time::sleep(poll).await,
            Err(e) => {
                tracing::warn!(error = %e, "the embedding worker failed a batch");
                tokio::time::sleep(poll.max(Duration::from_secs(1))).await;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn vectors_are_written_in_pgvectors_text_form() {
        assert_eq!(vector_literal(&[0.5, 0.0, -0.25]), "[0.5,0,-0.25]");
        assert_eq!(vector_literal(&[]), "[]");
    }
}

//! The chronological feed. Order is the event's ULID id and nothing else: no ranking.
use entity::feed_event;
use sea_orm::{DbBackend, EntityTrait, Statement};

use crate::auth::Viewer;
use crate::pagination::{Cursor, Page, PageRequest};
use crate::{DomainError, Services, sql};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FeedScope {
    /// Every event.
    Everyone,
    /// Events by the viewer and the people they follow.
    Following,
}

pub async fn page(
    services: &Services,
    viewer: &Viewer,
    scope: FeedScope,
    request: &PageRequest,
) -> Result<Page<feed_event::Model>, DomainError> {
    let before = Cursor::id_bound(request.after.as_ref())?;
    let limit = request.limit() as i64;
    let statement = match scope {
        FeedScope::Everyone => Statement::from_sql_and_values(
            DbBackend::Postgres,
            sql::FEED_EVERYONE,
            [before.into(), limit.into()],
        ),
        FeedScope::Following => {
            let viewer_id = viewer.require()?;
            Statement::from_sql_and_values(
                DbBackend::Postgres,
                sql::FEED_FOLLOWING,
                [viewer_id.into(), before.into(), limit.into()],
            )
        }
    };
    let rows = feed_event::Entity::find().from_raw_sql(statement).all(&services.db).await?;
    Ok(Page::from_rows(request, rows, |e| Cursor::Id(e.id.clone())))
}

/// The SQL of the FOLLOWING page ([`sql::FEED_FOLLOWING`]), for EXPLAIN in its test and the
/// benchmark.
pub fn following_sql() -> &'static str {
    sql::FEED_FOLLOWING
}

/// What an `EXPLAIN (ANALYZE, FORMAT JSON)` plan read of the feed_events table: the evidence for
/// the FOLLOWING page's bound, used by its test and by the benchmark.
#[derive(Debug, Default, Clone, Copy, PartialEq)]
pub struct PlanReads {
    /// Index entries read by index-only scans (the candidates for the page).
    pub index_entries: f64,
    /// Table pages those scans visited to check visibility (zero once VACUUM marked them).
    pub visibility_checks: f64,
    /// Rows fetched from the table by other scans.
    pub table_rows: f64,
}

impl PlanReads {
    /// Sums the reads of `feed_events` over a plan node (`plan[0]["Plan"]`) and its children.
    pub fn of(plan: &serde_json::Value) -> Self {
        let mut reads = Self::default();
        if plan["Relation Name"] == "feed_events" {
            let rows = plan["Actual Rows"].as_f64().unwrap_or(0.0)
                * plan["Actual Loops"].as_f64().unwrap_or(1.0);
            if plan["Node Type"] == "Index Only Scan" {
                reads.index_entries += rows;
                reads.visibility_checks += plan["Heap Fetches"].as_f64().unwrap_or(0.0);
            } else {
                reads.table_rows += rows;
            }
        }
        for child in plan["Plans"].as_array().into_iter().flatten() {
            let child = Self::of(child);
            reads.index_entries += child.index_entries;
            reads.visibility_checks += child.visibility_checks;
            reads.table_rows += child.table_rows;
        }
        reads
    }
}

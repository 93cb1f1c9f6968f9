//! Matching with reasons: the builders who fit an open role, the open roles that fit a builder,
//! and nearest neighbours. Scores and their weights are in the statements' headers
//! (`sql/discovery/candidates.sql`, `suggested_roles.sql`) and in docs/discovery.md; no
//! engagement signal takes part.
use entity::enums::AvailabilityStatus;
use entity::{tribe, tribe_open_role};
use sea_orm::{
    ActiveEnum, ColumnTrait, ConnectionTrait, DbBackend, EntityTrait, FromQueryResult, QueryFilter,
    Statement, TransactionTrait,
};

use super::{fingerprint, rounded};
use crate::pagination::{Cursor, Page, PageRequest};
use crate::{DomainError, Services, sql};

type Result<T> = std::result::Result<T, DomainError>;

/// The most neighbours `similarBuilders` and `similarProjects` return.
pub const MAX_SIMILAR: usize = 20;

/// A builder who fits a role, and why.
#[derive(Debug, Clone)]
pub struct Candidate {
    pub user_id: String,
    pub availability: AvailabilityStatus,
    /// The builder's skills the role needs.
    pub matched_skills: Vec<String>,
    /// Cosine similarity of the builder's profile and the role (None without vectors).
    pub similarity: Option<f64>,
    pub score: f64,
}

/// An open role that fits the viewer, and why.
#[derive(Debug, Clone)]
pub struct RoleSuggestion {
    pub role: tribe_open_role::Model,
    /// The role's needed skills the viewer has.
    pub matched_skills: Vec<String>,
    pub similarity: Option<f64>,
    pub score: f64,
}

/// A nearest neighbour and what it shares (skills, or tech).
#[derive(Debug, Clone)]
pub struct Neighbour {
    pub id: String,
    pub similarity: f64,
    pub shared: Vec<String>,
}

/// Runs a matching statement in its own transaction, with pgvector's iterative scan: the HNSW
/// scan goes on past rows a filter drops (members, builders out of discovery) rather than return
/// fewer than asked.
async fn nearest_first<T: FromQueryResult>(
    services: &Services,
    statement: &str,
    values: Vec<sea_orm::Value>,
) -> Result<Vec<T>> {
    let txn = services.db.begin().await?;
    txn.execute_unprepared(super::MATCH_SCAN_SETTINGS).await?;
    let rows = T::find_by_statement(Statement::from_sql_and_values(
        DbBackend::Postgres,
        statement,
        values,
    ))
    .all(&txn)
    .await?;
    txn.commit().await?;
    Ok(rows)
}

/// A matching statement's ranked rows for one subject (a role, a viewer): its parameters are the
/// subject's id, the current model and the length of each source list.
async fn ranked_for<T: FromQueryResult>(
    services: &Services,
    statement: &str,
    subject_id: &str,
) -> Result<Vec<T>> {
    let discovery = &services.discovery;
    let values = vec![
        subject_id.into(),
        discovery.model_id().into(),
        (discovery.settings.window as i64).into(),
    ];
    nearest_first(services, statement, values).await
}

fn page_of<T>(rows: Vec<T>, request: &PageRequest, print: &str) -> Result<Page<T>> {
    let start = Cursor::position_in(request.after.as_ref(), print)?;
    let has_next_page = rows.len() > start + request.first;
    let items = rows
        .into_iter()
        .enumerate()
        .skip(start)
        .take(request.first)
        .map(|(position, row)| (Cursor::Ranked { position, fingerprint: print.to_owned() }, row))
        .collect();
    Ok(Page { items, has_next_page, has_previous_page: start > 0 })
}

/// The builders who fit `role_id`, for the owner of its tribe.
///
/// # Errors
/// NOT_FOUND for an unknown role; FORBIDDEN for anyone but the tribe's owner.
pub async fn candidates(
    services: &Services,
    viewer_id: &str,
    role_id: &str,
    request: &PageRequest,
) -> Result<Page<Candidate>> {
    let role = tribe_open_role::Entity::find_by_id(role_id.to_owned())
        .one(&services.db)
        .await?
        .ok_or(DomainError::NotFound { what: "open role" })?;
    let tribe = tribe::Entity::find_by_id(role.tribe_id.clone())
        .one(&services.db)
        .await?
        .ok_or(DomainError::NotFound { what: "open role" })?;
    if tribe.owner_id != viewer_id {
        return Err(DomainError::Forbidden(
            "Only the tribe's owner sees the candidates for its roles.".into(),
        ));
    }
    #[derive(FromQueryResult)]
    struct Row {
        id: String,
        availability: String,
        matched_skills: Vec<String>,
        similarity: Option<f64>,
        score: f64,
    }
    let discovery = &services.discovery;
    let rows: Vec<Row> = ranked_for(services, sql::discovery::CANDIDATES, role_id).await?;
    let candidates = rows
        .into_iter()
        .map(|r| Candidate {
            availability: AvailabilityStatus::try_from_value(&r.availability)
                .unwrap_or(AvailabilityStatus::JustBrowsing),
            user_id: r.id,
            matched_skills: r.matched_skills,
            similarity: rounded(r.similarity),
            score: r.score,
        })
        .collect();
    page_of(candidates, request, &fingerprint(&["candidates", role_id, discovery.model_id()]))
}

/// Open roles that fit the viewer.
///
/// # Errors
/// Database errors; BAD_USER_INPUT for a bad cursor.
pub async fn suggested_roles(
    services: &Services,
    viewer_id: &str,
    request: &PageRequest,
) -> Result<Page<RoleSuggestion>> {
    #[derive(FromQueryResult)]
    struct Row {
        id: String,
        matched_skills: Vec<String>,
        similarity: Option<f64>,
        score: f64,
    }
    let discovery = &services.discovery;
    let rows: Vec<Row> = ranked_for(services, sql::discovery::SUGGESTED_ROLES, viewer_id).await?;
    let ids: Vec<String> = rows.iter().map(|r| r.id.clone()).collect();
    let mut roles: std::collections::HashMap<String, tribe_open_role::Model> =
        tribe_open_role::Entity::find()
            .filter(tribe_open_role::Column::Id.is_in(ids))
            .all(&services.db)
            .await?
            .into_iter()
            .map(|r| (r.id.clone(), r))
            .collect();
    // A role deleted since the ranking is simply left out.
    let suggestions = rows
        .into_iter()
        .filter_map(|r| {
            Some(RoleSuggestion {
                role: roles.remove(&r.id)?,
                matched_skills: r.matched_skills,
                similarity: rounded(r.similarity),
                score: r.score,
            })
        })
        .collect();
    page_of(suggestions, request, &fingerprint(&["suggested", viewer_id, discovery.model_id()]))
}

/// Which neighbours: builders of a builder, or projects of a project.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Neighbours {
    Builders,
    Projects,
}

/// The `first` nearest neighbours of a builder or project (at most [`MAX_SIMILAR`]); empty when
/// it has no vector of the current model yet.
///
/// # Errors
/// BAD_USER_INPUT for `first` out of 0..=20.
pub async fn similar(
    services: &Services,
    which: Neighbours,
    id: &str,
    first: Option<i32>,
) -> Result<Vec<Neighbour>> {
    let first = match first {
        None => 5,
        Some(n) if (0..=MAX_SIMILAR as i32).contains(&n) => n as i64,
        Some(_) => {
            return Err(DomainError::invalid(
                "first",
                format!("first must be between 0 and {MAX_SIMILAR}."),
            ));
        }
    };
    if first == 0 {
        return Ok(Vec::new());
    }
    #[derive(FromQueryResult)]
    struct Row {
        id: String,
        similarity: f64,
        shared: Vec<String>,
    }
    let statement = match which {
        Neighbours::Builders => sql::discovery::SIMILAR_USERS,
        Neighbours::Projects => sql::discovery::SIMILAR_PROJECTS,
    };
    let rows: Vec<Row> = nearest_first(
        services,
        statement,
        vec![id.into(), services.discovery.model_id().into(), first.into()],
    )
    .await?;
    Ok(rows
        .into_iter()
        .map(|r| Neighbour {
            id: r.id,
            similarity: rounded(Some(r.similarity)).unwrap_or(r.similarity),
            shared: r.shared,
        })
        .collect())
}

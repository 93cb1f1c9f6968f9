//! Projects and collaboration. Only the owner changes a project; only the invited builder answers
//! an invitation. Every change is one transaction with the feed event it records.
use chrono::Utc;
use entity::enums::{CollaboratorStatus, ProjectStatus, TargetType};
use entity::{project, project_collaborator, user};
use sea_orm::sea_query::LockType;
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, DatabaseTransaction, EntityTrait, QueryFilter,
    QuerySelect, TransactionTrait,
};
use serde_json::json;

use crate::error::violated_unique_constraint;
use crate::events::{Event, ProjectCard};
use crate::profile::Change;
use crate::{ConflictReason, DomainError, Services, caps, events, new_id, validate};

type Result<T> = std::result::Result<T, DomainError>;

#[derive(Debug, Default)]
pub struct ProjectInput {
    pub title: Option<String>,
    pub description: Change<String>,
    pub role: Change<String>,
    pub thumbnail_url: Change<String>,
    pub links: Option<serde_json::Value>,
    pub tech_stack: Option<Vec<String>>,
    pub impact_metrics: Option<serde_json::Value>,
    pub github_repo_full_name: Change<String>,
    pub github_stars: Change<i32>,
}

fn conflict_on_repo(err: sea_orm::DbErr) -> DomainError {
    if matches!(
        violated_unique_constraint(&err).as_deref(),
        Some("projects_github_repo_full_name_key" | "projects_github_repo_full_name_lower_key")
    ) {
        return DomainError::conflict(
            ConflictReason::GithubRepoTaken,
            "Another project already links this GitHub repository.",
        );
    }
    DomainError::from(err)
}

/// Validates every field first, then applies them: a bad field changes nothing.
fn apply(active: &mut project::ActiveModel, input: ProjectInput) -> Result<()> {
    let title = input.title.map(|t| validate::required_text("title", &t, 200)).transpose()?;
    let description =
        input.description.map(|v| validate::optional_text("description", Some(&v), 5000, true))?;
    let role = input.role.map(|v| validate::optional_text("role", Some(&v), 100, false))?;
    let thumbnail_url =
        input.thumbnail_url.map(|v| validate::url("thumbnailUrl", &v, 500).map(Some))?;
    let links = input.links.as_ref().map(|v| validate::links("links", v)).transpose()?;
    let tech_stack =
        input.tech_stack.map(|v| validate::short_strings("techStack", &v, 20)).transpose()?;
    let impact_metrics = input.impact_metrics.as_ref().map(validate::impact_metrics).transpose()?;
    let repo =
        input.github_repo_full_name.map(|v| validate::github_repo_full_name(&v).map(Some))?;
    let stars = input.github_stars.map(|v| {
        if v < 0 {
            Err(DomainError::invalid("githubStars", "githubStars must not be negative"))
        } else {
            Ok(Some(v))
        }
    })?;
    if let Some(title) = title {
        active.title = Set(title);
    }
    description.apply(&mut active.description);
    role.apply(&mut active.role);
    thumbnail_url.apply(&mut active.thumbnail_url);
    repo.apply(&mut active.github_repo_full_name);
    stars.apply(&mut active.github_stars);
    if let Some(links) = links {
        active.links = Set(links);
    }
    if let Some(stack) = tech_stack {
        active.tech_stack = Set(json!(stack));
    }
    if let Some(metrics) = impact_metrics {
        active.impact_metrics = Set(metrics);
    }
    Ok(())
}

pub async fn create(
    services: &Services,
    owner_id: &str,
    input: ProjectInput,
) -> Result<project::Model> {
    if input.title.is_none() {
        return Err(DomainError::invalid("title", "title must not be empty"));
    }
    let now = Utc::now().fixed_offset();
    let mut active = project::ActiveModel {
        id: Set(new_id()),
        owner_id: Set(owner_id.to_owned()),
        status: Set(ProjectStatus::InProgress),
        links: Set(json!({})),
        tech_stack: Set(json!([])),
        impact_metrics: Set(json!({})),
        created_at: Set(now),
        updated_at: Set(now),
        ..Default::default()
    };
    apply(&mut active, input)?;
    let txn = services.db.begin().await?;
    let project = active.insert(&txn).await.map_err(conflict_on_repo)?;
    events::record(&txn, owner_id, Event::ProjectCreated(ProjectCard::of(&project))).await?;
    txn.commit().await?;
    Ok(project)
}

/// The project, locked for this transaction, if the viewer owns it.
///
/// `FOR NO KEY UPDATE`, not `FOR UPDATE`: it serialises the owner's changes of one project (it
/// conflicts with itself) without blocking the foreign-key checks (`FOR KEY SHARE`) of rows that
/// point at the project, such as an invitation's. Every such insert happens under this lock
/// today, but with it no future order of statements can make two transactions wait on each other
/// through the project's row, as `FOR UPDATE` on a user's row did for two follows. Deleting the
/// project still takes the row's strongest lock itself.
async fn owned(
    txn: &DatabaseTransaction,
    viewer_id: &str,
    project_id: &str,
) -> Result<project::Model> {
    let project = project::Entity::find_by_id(project_id.to_owned())
        .lock(LockType::NoKeyUpdate)
        .one(txn)
        .await?
        .ok_or(DomainError::NotFound { what: "project" })?;
    if project.owner_id != viewer_id {
        return Err(DomainError::Forbidden("Only the project's owner can do this.".into()));
    }
    Ok(project)
}

pub async fn update(
    services: &Services,
    viewer_id: &str,
    project_id: &str,
    input: ProjectInput,
) -> Result<project::Model> {
    let txn = services.db.begin().await?;
    let project = owned(&txn, viewer_id, project_id).await?;
    let mut active: project::ActiveModel = project.into();
    apply(&mut active, input)?;
    let project = active.update(&txn).await.map_err(conflict_on_repo)?;
    txn.commit().await?;
    Ok(project)
}

/// IN_PROGRESS → SHIPPED, recording PROJECT_SHIPPED.
pub async fn ship(
    services: &Services,
    viewer_id: &str,
    project_id: &str,
) -> Result<project::Model> {
    let txn = services.db.begin().await?;
    let project = owned(&txn, viewer_id, project_id).await?;
    if project.status != ProjectStatus::InProgress {
        let state =
            if project.status == ProjectStatus::Shipped { "already shipped" } else { "archived" };
        return Err(DomainError::conflict(
            ConflictReason::InvalidState,
            format!("This project is {state}."),
        ));
    }
    let mut active: project::ActiveModel = project.into();
    active.status = Set(ProjectStatus::Shipped);
    let project = active.update(&txn).await?;
    events::record(&txn, viewer_id, Event::ProjectShipped(ProjectCard::of(&project))).await?;
    txn.commit().await?;
    Ok(project)
}

pub async fn archive(
    services: &Services,
    viewer_id: &str,
    project_id: &str,
) -> Result<project::Model> {
    let txn = services.db.begin().await?;
    let project = owned(&txn, viewer_id, project_id).await?;
    if project.status == ProjectStatus::Archived {
        return Err(DomainError::conflict(
            ConflictReason::InvalidState,
            "This project is already archived.",
        ));
    }
    let mut active: project::ActiveModel = project.into();
    active.status = Set(ProjectStatus::Archived);
    let project = active.update(&txn).await?;
    txn.commit().await?;
    Ok(project)
}

/// Deletes the project, its collaborations and the feed events that point at it.
pub async fn delete(services: &Services, viewer_id: &str, project_id: &str) -> Result<()> {
    let txn = services.db.begin().await?;
    let project = owned(&txn, viewer_id, project_id).await?;
    events::forget_target(&txn, TargetType::Project, vec![project.id.clone()]).await?;
    project::Entity::delete_by_id(project.id).exec(&txn).await?;
    txn.commit().await?;
    Ok(())
}

async fn collaboration(
    txn: &DatabaseTransaction,
    project_id: &str,
    user_id: &str,
) -> Result<Option<project_collaborator::Model>> {
    Ok(project_collaborator::Entity::find_by_id((project_id.to_owned(), user_id.to_owned()))
        .lock_exclusive()
        .one(txn)
        .await?)
}

/// The owner invites a builder: PENDING until they answer. A declined invitation may be renewed.
/// The project's collaborators, the invitee's pending invitations and the owner's are capped
/// ([`caps::check_invitation`]).
pub async fn invite(
    services: &Services,
    viewer_id: &str,
    project_id: &str,
    user_id: &str,
    role: Option<String>,
) -> Result<project_collaborator::Model> {
    let role = validate::optional_text("role", role.as_deref(), 100, false)?;
    if viewer_id == user_id {
        return Err(DomainError::invalid("userId", "You own this project: invite someone else."));
    }
    let txn = services.db.begin().await?;
    // Both builders' rows before the project's: the order of `domain::caps`.
    caps::lock_builders(&txn, &[viewer_id, user_id]).await?;
    let project = owned(&txn, viewer_id, project_id).await?;
    let invitee = user::Entity::find_by_id(user_id.to_owned())
        .one(&txn)
        .await?
        .ok_or(DomainError::NotFound { what: "user" })?;
    let existing = collaboration(&txn, project_id, user_id).await?;
    if let Some(existing) = existing.as_ref().filter(|c| c.status != CollaboratorStatus::Declined) {
        let state = if existing.status == CollaboratorStatus::Pending {
            "already invited"
        } else {
            "already a collaborator"
        };
        return Err(DomainError::conflict(
            ConflictReason::AlreadyInvited,
            format!("This builder is {state}."),
        ));
    }
    caps::check_invitation(&txn, &project, &invitee).await?;
    let now = Utc::now().fixed_offset();
    let invited = match existing {
        Some(declined) => {
            let mut active: project_collaborator::ActiveModel = declined.into();
            active.status = Set(CollaboratorStatus::Pending);
            active.role = Set(role);
            active.invited_at = Set(now);
            active.confirmed_at = Set(None);
            active.update(&txn).await?
        }
        None => {
            project_collaborator::ActiveModel {
                project_id: Set(project_id.to_owned()),
                user_id: Set(user_id.to_owned()),
                role: Set(role),
                status: Set(CollaboratorStatus::Pending),
                invited_at: Set(now),
                confirmed_at: Set(None),
            }
            .insert(&txn)
            .await?
        }
    };
    txn.commit().await?;
    Ok(invited)
}

/// The invited builder accepts (CONFIRMED, recording COLLABORATION_CONFIRMED) or declines.
pub async fn respond(
    services: &Services,
    viewer_id: &str,
    project_id: &str,
    accept: bool,
) -> Result<project_collaborator::Model> {
    let txn = services.db.begin().await?;
    if accept {
        // The builder's row before the invitation's: the order of `domain::caps`.
        caps::lock_builders(&txn, &[viewer_id]).await?;
    }
    let project = project::Entity::find_by_id(project_id.to_owned())
        .one(&txn)
        .await?
        .ok_or(DomainError::NotFound { what: "project" })?;
    let invitation = collaboration(&txn, project_id, viewer_id)
        .await?
        .ok_or(DomainError::NotFound { what: "invitation" })?;
    if invitation.status != CollaboratorStatus::Pending {
        return Err(DomainError::conflict(
            ConflictReason::AlreadyAnswered,
            "This invitation has already been answered.",
        ));
    }
    if accept {
        caps::check_collaborations(&txn, viewer_id).await?;
    }
    let role = invitation.role.clone();
    let mut active: project_collaborator::ActiveModel = invitation.into();
    if accept {
        active.status = Set(CollaboratorStatus::Confirmed);
        active.confirmed_at = Set(Some(Utc::now().fixed_offset()));
    } else {
        active.status = Set(CollaboratorStatus::Declined);
    }
    let answered = active.update(&txn).await?;
    if accept {
        let names = user::Entity::find()
            .filter(user::Column::Id.is_in([project.owner_id.clone(), viewer_id.to_owned()]))
            .all(&txn)
            .await?;
        let name = |id: &str| {
            names
                .iter()
                .find(|u| u.id == id)
                .map(|u| u.display_name.clone())
                .ok_or(DomainError::NotFound { what: "user" })
        };
        let confirmed = Event::CollaborationConfirmed {
            project: ProjectCard::of(&project),
            owner_name: name(&project.owner_id)?,
            collaborator_name: name(viewer_id)?,
            role,
        };
        events::record(&txn, viewer_id, confirmed).await?;
    }
    txn.commit().await?;
    Ok(answered)
}

/// The owner removes a collaborator (or withdraws an invitation).
pub async fn remove_collaborator(
    services: &Services,
    viewer_id: &str,
    project_id: &str,
    user_id: &str,
) -> Result<()> {
    let txn = services.db.begin().await?;
    owned(&txn, viewer_id, project_id).await?;
    let found = collaboration(&txn, project_id, user_id)
        .await?
        .ok_or(DomainError::NotFound { what: "collaborator" })?;
    project_collaborator::Entity::delete_by_id((found.project_id, found.user_id))
        .exec(&txn)
        .await?;
    txn.commit().await?;
    Ok(())
}

/// A collaborator leaves a project.
pub async fn leave(services: &Services, viewer_id: &str, project_id: &str) -> Result<()> {
    let txn = services.db.begin().await?;
    let found = collaboration(&txn, project_id, viewer_id)
        .await?
        .ok_or(DomainError::NotFound { what: "collaboration" })?;
    project_collaborator::Entity::delete_by_id((found.project_id, found.user_id))
        .exec(&txn)
        .await?;
    txn.commit().await?;
    Ok(())
}

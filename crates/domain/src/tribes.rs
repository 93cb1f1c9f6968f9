//! Tribes and membership. The owner manages the tribe; builders ask to join; the owner decides.
//! `max_members` holds under concurrency: every change of membership locks the tribe's row, so
//! concurrent approvals are counted one after another.
use chrono::Utc;
use entity::enums::{EventType, MemberRole, MemberStatus, TargetType, TribeStatus};
use entity::{tribe, tribe_member, tribe_open_role, user};
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, DatabaseTransaction, EntityTrait,
    PaginatorTrait, QueryFilter, QueryOrder, QuerySelect, TransactionTrait,
};
use serde_json::json;

use crate::profile::Change;
use crate::{DomainError, Services, events, new_id, validate};

type Result<T> = std::result::Result<T, DomainError>;

/// The most members a tribe may allow: small teams.
pub const MAX_MEMBERS_LIMIT: i32 = 50;

#[derive(Debug, Default)]
pub struct TribeInput {
    pub name: Option<String>,
    pub mission: Change<String>,
    pub status: Option<TribeStatus>,
    pub max_members: Option<i32>,
}

#[derive(Debug, Default)]
pub struct OpenRoleInput {
    pub title: Option<String>,
    pub skills_needed: Option<Vec<String>>,
    pub filled: Option<bool>,
}

fn check_max_members(value: i32) -> Result<i32> {
    if !(1..=MAX_MEMBERS_LIMIT).contains(&value) {
        return Err(DomainError::invalid(
            "maxMembers",
            format!("maxMembers must be from 1 to {MAX_MEMBERS_LIMIT}"),
        ));
    }
    Ok(value)
}

async fn active_members(txn: &DatabaseTransaction, tribe_id: &str) -> Result<u64> {
    Ok(tribe_member::Entity::find()
        .filter(tribe_member::Column::TribeId.eq(tribe_id))
        .filter(tribe_member::Column::Status.eq(MemberStatus::Active))
        .count(txn)
        .await?)
}

/// The tribe, locked for this transaction.
async fn locked(txn: &DatabaseTransaction, tribe_id: &str) -> Result<tribe::Model> {
    tribe::Entity::find_by_id(tribe_id.to_owned())
        .lock_exclusive()
        .one(txn)
        .await?
        .ok_or(DomainError::NotFound { what: "tribe" })
}

/// The tribe, locked, if the viewer owns it.
async fn owned(txn: &DatabaseTransaction, viewer_id: &str, tribe_id: &str) -> Result<tribe::Model> {
    let tribe = locked(txn, tribe_id).await?;
    if tribe.owner_id != viewer_id {
        return Err(DomainError::Forbidden("Only the tribe's owner can do this.".into()));
    }
    Ok(tribe)
}

pub async fn create(
    services: &Services,
    owner_id: &str,
    input: TribeInput,
) -> Result<tribe::Model> {
    let name = validate::required_text("name", input.name.as_deref().unwrap_or(""), 100)?;
    let mission = match input.mission {
        Change::Set(m) => validate::optional_text("mission", Some(&m), 2000, true)?,
        _ => None,
    };
    let max_members = check_max_members(input.max_members.unwrap_or(8))?;
    let now = Utc::now().fixed_offset();
    let txn = services.db.begin().await?;
    let tribe = tribe::ActiveModel {
        id: Set(new_id()),
        owner_id: Set(owner_id.to_owned()),
        name: Set(name),
        mission: Set(mission),
        status: Set(input.status.unwrap_or(TribeStatus::Open)),
        max_members: Set(max_members),
        created_at: Set(now),
        updated_at: Set(now),
    }
    .insert(&txn)
    .await?;
    tribe_member::ActiveModel {
        tribe_id: Set(tribe.id.clone()),
        user_id: Set(owner_id.to_owned()),
        role: Set(MemberRole::Owner),
        status: Set(MemberStatus::Active),
        joined_at: Set(Some(now)),
        requested_at: Set(now),
        requested_role_id: Set(None),
    }
    .insert(&txn)
    .await?;
    let metadata = json!({ "tribeName": tribe.name, "mission": tribe.mission });
    events::record(&txn, EventType::TribeCreated, owner_id, TargetType::Tribe, &tribe.id, metadata)
        .await?;
    txn.commit().await?;
    Ok(tribe)
}

pub async fn update(
    services: &Services,
    viewer_id: &str,
    tribe_id: &str,
    input: TribeInput,
) -> Result<tribe::Model> {
    let name = input.name.map(|n| validate::required_text("name", &n, 100)).transpose()?;
    let mission =
        input.mission.map(|m| validate::optional_text("mission", Some(&m), 2000, true))?;
    let max_members = input.max_members.map(check_max_members).transpose()?;
    let txn = services.db.begin().await?;
    let tribe = owned(&txn, viewer_id, tribe_id).await?;
    if let Some(max) = max_members {
        let members = active_members(&txn, tribe_id).await?;
        if (max as u64) < members {
            return Err(DomainError::invalid(
                "maxMembers",
                format!("The tribe has {members} members: maxMembers cannot be lower."),
            ));
        }
    }
    let mut active: tribe::ActiveModel = tribe.into();
    if let Some(name) = name {
        active.name = Set(name);
    }
    mission.apply(&mut active.mission);
    if let Some(status) = input.status {
        active.status = Set(status);
    }
    if let Some(max) = max_members {
        active.max_members = Set(max);
    }
    let tribe = active.update(&txn).await?;
    txn.commit().await?;
    Ok(tribe)
}

/// The same input, validated: title trimmed, skills deduplicated.
fn validated(input: OpenRoleInput) -> Result<OpenRoleInput> {
    Ok(OpenRoleInput {
        title: input.title.map(|t| validate::required_text("title", &t, 100)).transpose()?,
        skills_needed: input
            .skills_needed
            .map(|s| validate::short_strings("skillsNeeded", &s, 20))
            .transpose()?,
        filled: input.filled,
    })
}

pub async fn add_open_role(
    services: &Services,
    viewer_id: &str,
    tribe_id: &str,
    input: OpenRoleInput,
) -> Result<tribe_open_role::Model> {
    let input = validated(input)?;
    let title =
        input.title.ok_or_else(|| DomainError::invalid("title", "title must not be empty"))?;
    let skills = input.skills_needed;
    let txn = services.db.begin().await?;
    owned(&txn, viewer_id, tribe_id).await?;
    let role = tribe_open_role::ActiveModel {
        id: Set(new_id()),
        tribe_id: Set(tribe_id.to_owned()),
        title: Set(title),
        skills_needed: Set(json!(skills.unwrap_or_default())),
        filled: Set(false),
        filled_by: Set(None),
    }
    .insert(&txn)
    .await?;
    txn.commit().await?;
    Ok(role)
}

async fn owned_role(
    txn: &DatabaseTransaction,
    viewer_id: &str,
    role_id: &str,
) -> Result<tribe_open_role::Model> {
    let role = tribe_open_role::Entity::find_by_id(role_id.to_owned())
        .one(txn)
        .await?
        .ok_or(DomainError::NotFound { what: "open role" })?;
    owned(txn, viewer_id, &role.tribe_id).await?;
    Ok(role)
}

pub async fn update_open_role(
    services: &Services,
    viewer_id: &str,
    role_id: &str,
    input: OpenRoleInput,
) -> Result<tribe_open_role::Model> {
    let OpenRoleInput { title, skills_needed: skills, filled } = validated(input)?;
    let txn = services.db.begin().await?;
    let role = owned_role(&txn, viewer_id, role_id).await?;
    let mut active: tribe_open_role::ActiveModel = role.into();
    if let Some(title) = title {
        active.title = Set(title);
    }
    if let Some(skills) = skills {
        active.skills_needed = Set(json!(skills));
    }
    if let Some(filled) = filled {
        active.filled = Set(filled);
        if !filled {
            active.filled_by = Set(None);
        }
    }
    let role = active.update(&txn).await?;
    txn.commit().await?;
    Ok(role)
}

pub async fn remove_open_role(services: &Services, viewer_id: &str, role_id: &str) -> Result<()> {
    let txn = services.db.begin().await?;
    let role = owned_role(&txn, viewer_id, role_id).await?;
    tribe_open_role::Entity::delete_by_id(role.id).exec(&txn).await?;
    txn.commit().await?;
    Ok(())
}

async fn membership(
    txn: &DatabaseTransaction,
    tribe_id: &str,
    user_id: &str,
) -> Result<Option<tribe_member::Model>> {
    Ok(tribe_member::Entity::find_by_id((tribe_id.to_owned(), user_id.to_owned())).one(txn).await?)
}

fn full(tribe: &tribe::Model) -> DomainError {
    DomainError::Conflict {
        reason: "TRIBE_FULL",
        message: format!("{} is full: it has its {} members.", tribe.name, tribe.max_members),
    }
}

/// Asks to join (PENDING), optionally for one of the tribe's open roles.
pub async fn request_to_join(
    services: &Services,
    viewer_id: &str,
    tribe_id: &str,
    role_id: Option<String>,
) -> Result<tribe_member::Model> {
    let txn = services.db.begin().await?;
    let tribe = locked(&txn, tribe_id).await?;
    if tribe.status != TribeStatus::Open {
        return Err(DomainError::Conflict {
            reason: "NOT_RECRUITING",
            message: format!("{} is not taking new members.", tribe.name),
        });
    }
    if let Some(role_id) = &role_id {
        let role = tribe_open_role::Entity::find_by_id(role_id.clone()).one(&txn).await?;
        match role {
            Some(role) if role.tribe_id == tribe_id && !role.filled => {}
            Some(role) if role.tribe_id == tribe_id => {
                return Err(DomainError::Conflict {
                    reason: "ROLE_FILLED",
                    message: "This role is already filled.".into(),
                });
            }
            _ => return Err(DomainError::NotFound { what: "open role" }),
        }
    }
    if active_members(&txn, tribe_id).await? >= tribe.max_members as u64 {
        return Err(full(&tribe));
    }
    let now = Utc::now().fixed_offset();
    let request = match membership(&txn, tribe_id, viewer_id).await? {
        Some(m) if matches!(m.status, MemberStatus::Pending | MemberStatus::Active) => {
            let state = if m.status == MemberStatus::Pending {
                "already asked to join"
            } else {
                "already a member"
            };
            return Err(DomainError::Conflict {
                reason: "ALREADY_REQUESTED",
                message: format!("You have {state}."),
            });
        }
        Some(previous) => {
            let mut active: tribe_member::ActiveModel = previous.into();
            active.status = Set(MemberStatus::Pending);
            active.role = Set(MemberRole::Member);
            active.requested_at = Set(now);
            active.joined_at = Set(None);
            active.requested_role_id = Set(role_id);
            active.update(&txn).await?
        }
        None => {
            tribe_member::ActiveModel {
                tribe_id: Set(tribe_id.to_owned()),
                user_id: Set(viewer_id.to_owned()),
                role: Set(MemberRole::Member),
                status: Set(MemberStatus::Pending),
                joined_at: Set(None),
                requested_at: Set(now),
                requested_role_id: Set(role_id),
            }
            .insert(&txn)
            .await?
        }
    };
    txn.commit().await?;
    Ok(request)
}

/// The owner approves (ACTIVE, filling the requested role, recording MEMBER_JOINED_TRIBE) or
/// rejects a pending request. Approval never takes the tribe past `max_members`.
pub async fn decide(
    services: &Services,
    viewer_id: &str,
    tribe_id: &str,
    user_id: &str,
    approve: bool,
) -> Result<tribe_member::Model> {
    let txn = services.db.begin().await?;
    let tribe = owned(&txn, viewer_id, tribe_id).await?;
    let request = membership(&txn, tribe_id, user_id)
        .await?
        .ok_or(DomainError::NotFound { what: "join request" })?;
    if request.status != MemberStatus::Pending {
        return Err(DomainError::Conflict {
            reason: "ALREADY_DECIDED",
            message: "This request has already been decided.".into(),
        });
    }
    let requested_role = request.requested_role_id.clone();
    let mut active: tribe_member::ActiveModel = request.into();
    if !approve {
        active.status = Set(MemberStatus::Rejected);
        let member = active.update(&txn).await?;
        txn.commit().await?;
        return Ok(member);
    }
    if active_members(&txn, tribe_id).await? >= tribe.max_members as u64 {
        return Err(full(&tribe));
    }
    active.status = Set(MemberStatus::Active);
    active.joined_at = Set(Some(Utc::now().fixed_offset()));
    let member = active.update(&txn).await?;
    let mut role_title = None;
    let role = match requested_role {
        Some(role_id) => tribe_open_role::Entity::find_by_id(role_id).one(&txn).await?,
        None => None,
    };
    if let Some(role) = role.filter(|r| !r.filled) {
        role_title = Some(role.title.clone());
        let mut role: tribe_open_role::ActiveModel = role.into();
        role.filled = Set(true);
        role.filled_by = Set(Some(user_id.to_owned()));
        role.update(&txn).await?;
    }
    let joiner = user::Entity::find_by_id(user_id.to_owned()).one(&txn).await?;
    let metadata = json!({
        "tribeName": tribe.name,
        "memberName": joiner.map(|u| u.display_name),
        "role": role_title,
    });
    events::record(
        &txn,
        EventType::MemberJoinedTribe,
        user_id,
        TargetType::Tribe,
        tribe_id,
        metadata,
    )
    .await?;
    txn.commit().await?;
    Ok(member)
}

/// Leaves a tribe. When the owner leaves, the longest-standing active member becomes the owner;
/// if there is none, the tribe closes (ALUMNI).
pub async fn leave(services: &Services, viewer_id: &str, tribe_id: &str) -> Result<()> {
    let txn = services.db.begin().await?;
    let tribe = locked(&txn, tribe_id).await?;
    let member = membership(&txn, tribe_id, viewer_id)
        .await?
        .filter(|m| matches!(m.status, MemberStatus::Active | MemberStatus::Pending))
        .ok_or(DomainError::NotFound { what: "membership" })?;
    let mut active: tribe_member::ActiveModel = member.into();
    active.status = Set(MemberStatus::Left);
    active.role = Set(MemberRole::Member);
    active.update(&txn).await?;
    if tribe.owner_id == viewer_id {
        let successor = tribe_member::Entity::find()
            .filter(tribe_member::Column::TribeId.eq(tribe_id))
            .filter(tribe_member::Column::Status.eq(MemberStatus::Active))
            .order_by_asc(tribe_member::Column::JoinedAt)
            .one(&txn)
            .await?;
        let mut tribe: tribe::ActiveModel = tribe.into();
        match successor {
            Some(next) => {
                tribe.owner_id = Set(next.user_id.clone());
                let mut next: tribe_member::ActiveModel = next.into();
                next.role = Set(MemberRole::Owner);
                next.update(&txn).await?;
            }
            None => tribe.status = Set(TribeStatus::Alumni),
        }
        tribe.update(&txn).await?;
    }
    txn.commit().await?;
    Ok(())
}

/// The owner removes a member (or withdraws a pending request).
pub async fn remove_member(
    services: &Services,
    viewer_id: &str,
    tribe_id: &str,
    user_id: &str,
) -> Result<()> {
    if viewer_id == user_id {
        return Err(DomainError::invalid("userId", "To leave your own tribe, use leaveTribe."));
    }
    let txn = services.db.begin().await?;
    owned(&txn, viewer_id, tribe_id).await?;
    let member = membership(&txn, tribe_id, user_id)
        .await?
        .filter(|m| matches!(m.status, MemberStatus::Active | MemberStatus::Pending))
        .ok_or(DomainError::NotFound { what: "member" })?;
    let mut active: tribe_member::ActiveModel = member.into();
    active.status = Set(MemberStatus::Removed);
    active.update(&txn).await?;
    txn.commit().await?;
    Ok(())
}

//! Joining and leaving tribes: builders ask to join, the owner decides, members leave or are
//! removed. `max_members` holds under concurrency: every change of membership locks the tribe's
//! row, so concurrent approvals are counted one after another.
use chrono::Utc;
use entity::enums::{MemberRole, MemberStatus, TribeStatus};
use entity::{tribe, tribe_member, tribe_open_role, user};
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, DatabaseTransaction, EntityTrait, QueryFilter,
    QueryOrder, TransactionTrait,
};

use crate::events::{self, Event};
use crate::tribes::{active_members, locked, owned};
use crate::{ConflictReason, DomainError, Services, caps};

type Result<T> = std::result::Result<T, DomainError>;

async fn membership(
    txn: &DatabaseTransaction,
    tribe_id: &str,
    user_id: &str,
) -> Result<Option<tribe_member::Model>> {
    Ok(tribe_member::Entity::find_by_id((tribe_id.to_owned(), user_id.to_owned())).one(txn).await?)
}

fn full(tribe: &tribe::Model) -> DomainError {
    DomainError::conflict(
        ConflictReason::TribeFull,
        format!("{} is full: it has its {} members.", tribe.name, tribe.max_members),
    )
}

/// Asks to join (PENDING), optionally for one of the tribe's open roles.
pub async fn request_to_join(
    services: &Services,
    viewer_id: &str,
    tribe_id: &str,
    role_id: Option<String>,
) -> Result<tribe_member::Model> {
    let txn = services.db.begin().await?;
    // The requester's row before the tribe's: the order of `domain::caps`.
    caps::lock_builders(&txn, &[viewer_id]).await?;
    let tribe = locked(&txn, tribe_id).await?;
    if tribe.status != TribeStatus::Open {
        return Err(DomainError::conflict(
            ConflictReason::NotRecruiting,
            format!("{} is not taking new members.", tribe.name),
        ));
    }
    if let Some(role_id) = &role_id {
        let role = tribe_open_role::Entity::find_by_id(role_id.clone()).one(&txn).await?;
        match role {
            Some(role) if role.tribe_id == tribe_id && !role.filled => {}
            Some(role) if role.tribe_id == tribe_id => {
                return Err(DomainError::conflict(
                    ConflictReason::RoleFilled,
                    "This role is already filled.",
                ));
            }
            _ => return Err(DomainError::NotFound { what: "open role" }),
        }
    }
    if active_members(&txn, tribe_id).await? >= tribe.max_members as u64 {
        return Err(full(&tribe));
    }
    caps::check_join_request(&txn, &tribe, viewer_id).await?;
    let now = Utc::now().fixed_offset();
    let request = match membership(&txn, tribe_id, viewer_id).await? {
        Some(m) if matches!(m.status, MemberStatus::Pending | MemberStatus::Active) => {
            let state = if m.status == MemberStatus::Pending {
                "already asked to join"
            } else {
                "already a member"
            };
            return Err(DomainError::conflict(
                ConflictReason::AlreadyRequested,
                format!("You have {state}."),
            ));
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
    if approve {
        // The joiner's row before the tribe's: the order of `domain::caps`.
        caps::lock_builders(&txn, &[user_id]).await?;
    }
    let tribe = owned(&txn, viewer_id, tribe_id).await?;
    let request = membership(&txn, tribe_id, user_id)
        .await?
        .ok_or(DomainError::NotFound { what: "join request" })?;
    if request.status != MemberStatus::Pending {
        return Err(DomainError::conflict(
            ConflictReason::AlreadyDecided,
            "This request has already been decided.",
        ));
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
    caps::check_joining(&txn, user_id).await?;
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
    let joiner = user::Entity::find_by_id(user_id.to_owned())
        .one(&txn)
        .await?
        .ok_or(DomainError::NotFound { what: "user" })?;
    let joined = Event::MemberJoinedTribe {
        tribe_id: tribe.id.clone(),
        tribe_name: tribe.name.clone(),
        member_name: joiner.display_name,
        role: role_title,
    };
    events::record(&txn, user_id, joined).await?;
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

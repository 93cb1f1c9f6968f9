//! Joining and leaving tribes: builders ask to join, the owner decides, members leave or are
//! removed; an owner who goes hands the tribe on. `max_members` holds under concurrency: every
//! change of membership locks the tribe's row, so concurrent approvals are counted one after
//! another.
use chrono::Utc;
use entity::enums::{MemberRole, MemberStatus, TribeStatus};
use entity::{tribe, tribe_member, tribe_open_role, user};
use sea_orm::sea_query::{LockType, Query};
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, Condition, DatabaseTransaction, EntityTrait,
    QueryFilter, QueryOrder, QuerySelect, TransactionTrait,
};

use crate::events::{self, Event};
use crate::roles;
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

/// Leaves a tribe. When the owner leaves, the tribe is handed on ([`hand_on`]); if there is
/// nobody to hand it to, the tribe closes (ALUMNI) and has no owner from then on (see
/// [`crate::tribes::owned`]). A role the leaver filled is open again.
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
    roles::release_held_by(&txn, viewer_id, Some(tribe_id)).await?;
    if tribe.owner_id == viewer_id && !hand_on(&txn, &tribe, viewer_id).await? {
        let mut closed: tribe::ActiveModel = tribe.into();
        closed.status = Set(TribeStatus::Alumni);
        closed.update(&txn).await?;
    }
    txn.commit().await?;
    Ok(())
}

/// Hands the tribe on from its owner `leaving` (who leaves it, or deletes their account): the
/// longest-standing other active member becomes its OWNER. Returns false, changing nothing, when
/// there is no other active member; the caller then closes the tribe ([`leave`]) or removes it
/// ([`leave_every_tribe`]). The caller holds the tribe's lock.
pub(crate) async fn hand_on(
    txn: &DatabaseTransaction,
    tribe: &tribe::Model,
    leaving: &str,
) -> Result<bool> {
    let successor = tribe_member::Entity::find()
        .filter(tribe_member::Column::TribeId.eq(tribe.id.as_str()))
        .filter(tribe_member::Column::Status.eq(MemberStatus::Active))
        .filter(tribe_member::Column::UserId.ne(leaving))
        .order_by_asc(tribe_member::Column::JoinedAt)
        .order_by_asc(tribe_member::Column::UserId)
        .one(txn)
        .await?;
    let Some(next) = successor else { return Ok(false) };
    let mut handed: tribe::ActiveModel = tribe.clone().into();
    handed.owner_id = Set(next.user_id.clone());
    handed.update(txn).await?;
    let mut next: tribe_member::ActiveModel = next.into();
    next.role = Set(MemberRole::Owner);
    next.update(txn).await?;
    Ok(true)
}

/// Takes an account about to be deleted out of every tribe, so that deleting it loses nobody
/// else's data: each tribe it owns is handed on ([`hand_on`]), and each role it filled is open
/// again. Returns the tribes it owns that have nobody to hand them to: they go with the account
/// (the foreign key cascades), and the caller forgets their events.
///
/// Deleting the account changes the membership of every tribe it has a row in (the rows
/// cascade), so, like every other change of membership, it first locks those tribes: all of
/// them, in id order, before the account's own row is touched. Concurrent decisions, departures
/// and hand-overs in those tribes are then applied before or after it, never interleaved; and two
/// accounts deleted at once that are each other's successors wait for each other in one order
/// only.
pub(crate) async fn leave_every_tribe(
    txn: &DatabaseTransaction,
    user_id: &str,
) -> Result<Vec<String>> {
    let theirs = tribe::Entity::find()
        .filter(
            Condition::any()
                .add(tribe::Column::OwnerId.eq(user_id))
                .add(
                    tribe::Column::Id.in_subquery(
                        Query::select()
                            .column(tribe_member::Column::TribeId)
                            .from(tribe_member::Entity)
                            .and_where(tribe_member::Column::UserId.eq(user_id))
                            .to_owned(),
                    ),
                )
                .add(
                    tribe::Column::Id.in_subquery(
                        Query::select()
                            .column(tribe_open_role::Column::TribeId)
                            .from(tribe_open_role::Entity)
                            .and_where(tribe_open_role::Column::FilledBy.eq(user_id))
                            .to_owned(),
                    ),
                ),
        )
        .order_by_asc(tribe::Column::Id)
        .lock(LockType::NoKeyUpdate)
        .all(txn)
        .await?;
    let mut removed = Vec::new();
    for tribe in theirs.iter().filter(|t| t.owner_id == user_id) {
        if !hand_on(txn, tribe, user_id).await? {
            removed.push(tribe.id.clone());
        }
    }
    roles::release_held_by(txn, user_id, None).await?;
    Ok(removed)
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
    roles::release_held_by(&txn, user_id, Some(tribe_id)).await?;
    txn.commit().await?;
    Ok(())
}

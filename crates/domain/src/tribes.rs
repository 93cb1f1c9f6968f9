//! Tribes: creating and editing one. The owner manages the tribe; its open roles are in
//! [`crate::roles`], joining and leaving in [`crate::membership`]. Every change to a tribe, its
//! roles or its members locks the tribe's row first ([`locked`]), so concurrent changes of one
//! tribe are applied one after another.
//!
//! A tribe always has an `owner_id` (the column is NOT NULL). When its owner leaves with no other
//! active member to hand it to, `owner_id` stays the last owner, whose membership is LEFT, and the
//! tribe is ALUMNI: it has no owner, and [`owned`] refuses every owner's power over it for good.
use chrono::Utc;
use entity::enums::{MemberRole, MemberStatus, TribeStatus};
use entity::{tribe, tribe_member};
use sea_orm::sea_query::LockType;
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, DatabaseTransaction, EntityTrait,
    PaginatorTrait, QueryFilter, QuerySelect, TransactionTrait,
};

use crate::events::Event;
use crate::profile::Change;
use crate::{ConflictReason, DomainError, Services, caps, events, new_id, validate};

type Result<T> = std::result::Result<T, DomainError>;

/// The most members a tribe may allow: small teams ([`caps::MAX_MEMBERS_PER_TRIBE`]).
pub const MAX_MEMBERS_LIMIT: i32 = caps::MAX_MEMBERS_PER_TRIBE as i32;

#[derive(Debug, Default)]
pub struct TribeInput {
    pub name: Option<String>,
    pub mission: Change<String>,
    pub status: Option<TribeStatus>,
    pub max_members: Option<i32>,
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

pub(crate) async fn active_members(txn: &DatabaseTransaction, tribe_id: &str) -> Result<u64> {
    Ok(tribe_member::Entity::find()
        .filter(tribe_member::Column::TribeId.eq(tribe_id))
        .filter(tribe_member::Column::Status.eq(MemberStatus::Active))
        .count(txn)
        .await?)
}

/// The tribe, locked for this transaction.
///
/// `FOR NO KEY UPDATE`, not `FOR UPDATE`: it serialises the changes of one tribe (it conflicts
/// with itself) but not the foreign-key checks of rows that merely point at the tribe (`FOR KEY
/// SHARE`, taken by inserting a member or a role). Every such insert happens under this lock
/// today; with it, no future order of statements can make two transactions wait on each other
/// through the tribe's row, as `FOR UPDATE` on a user's row did for two follows. Deleting the
/// tribe (account deletion) still takes the row's strongest lock itself.
pub(crate) async fn locked(txn: &DatabaseTransaction, tribe_id: &str) -> Result<tribe::Model> {
    tribe::Entity::find_by_id(tribe_id.to_owned())
        .lock(LockType::NoKeyUpdate)
        .one(txn)
        .await?
        .ok_or(DomainError::NotFound { what: "tribe" })
}

/// The tribe, locked, if the viewer owns it: they are its `owner_id` and still an active member.
/// An owner who left with nobody to hand the tribe to ([`crate::membership::leave`]) is neither
/// owner nor member any more: the tribe has no owner and nobody can change it again.
pub(crate) async fn owned(
    txn: &DatabaseTransaction,
    viewer_id: &str,
    tribe_id: &str,
) -> Result<tribe::Model> {
    let tribe = locked(txn, tribe_id).await?;
    if tribe.owner_id != viewer_id {
        return Err(DomainError::Forbidden("Only the tribe's owner can do this.".into()));
    }
    let still_member = tribe_member::Entity::find_by_id((tribe.id.clone(), viewer_id.to_owned()))
        .filter(tribe_member::Column::Status.eq(MemberStatus::Active))
        .one(txn)
        .await?
        .is_some();
    if !still_member {
        return Err(DomainError::conflict(
            ConflictReason::TribeWithoutOwner,
            format!(
                "{} has no owner: you left it with nobody to hand it to, so it is closed for good \
                 and nobody can change it.",
                tribe.name
            ),
        ));
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
    caps::check_new_tribe(&txn, owner_id).await?;
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
    let created = Event::TribeCreated {
        tribe_id: tribe.id.clone(),
        name: tribe.name.clone(),
        mission: tribe.mission.clone(),
    };
    events::record(&txn, owner_id, created).await?;
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

//! Follows, with the human-scale cap.
use entity::{follow, user};
use sea_orm::sea_query::{LockType, OnConflict};
use sea_orm::{
    ActiveValue::Set, ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter, QuerySelect,
    TransactionTrait,
};

use crate::{ConflictReason, DomainError, Services};

/// Follows `target_id`; idempotent. The cap holds under concurrency: the follower's row is locked
/// for the transaction, so concurrent follows by one user are counted one after another.
///
/// The lock is `FOR NO KEY UPDATE`, not `FOR UPDATE`. Inserting the follow checks both foreign
/// keys with `FOR KEY SHARE` on both users' rows, and `FOR UPDATE` conflicts with that: when two
/// builders follow each other at once, each holds its own row and waits for the other's, a
/// deadlock. `FOR NO KEY UPDATE` still serialises follows by one follower (it conflicts with
/// itself) but lets any foreign-key check through, so no order of these statements deadlocks.
/// The followee's row is read `FOR KEY SHARE` up front, the lock the insert's check takes anyway:
/// an account being deleted at that moment is then waited for and found gone (NOT_FOUND), not
/// a foreign-key failure.
pub async fn follow(
    services: &Services,
    viewer_id: &str,
    target_id: &str,
) -> Result<user::Model, DomainError> {
    if viewer_id == target_id {
        return Err(DomainError::invalid("userId", "You cannot follow yourself."));
    }
    let txn = services.db.begin().await?;
    user::Entity::find_by_id(viewer_id.to_owned())
        .lock(LockType::NoKeyUpdate)
        .one(&txn)
        .await?
        .ok_or(DomainError::Unauthenticated)?;
    let target = user::Entity::find_by_id(target_id.to_owned())
        .lock(LockType::KeyShare)
        .one(&txn)
        .await?
        .ok_or(DomainError::NotFound { what: "user" })?;
    let already =
        follow::Entity::find_by_id((viewer_id.to_owned(), target_id.to_owned())).one(&txn).await?;
    if already.is_some() {
        return Ok(target);
    }
    let count =
        follow::Entity::find().filter(follow::Column::FollowerId.eq(viewer_id)).count(&txn).await?;
    let cap = services.rules.max_follows;
    if count >= u64::from(cap) {
        return Err(DomainError::conflict(
            ConflictReason::FollowLimitReached,
            format!(
                "You already follow {cap} people, the most anyone can. Unfollow someone to follow someone new."
            ),
        ));
    }
    follow::Entity::insert(follow::ActiveModel {
        follower_id: Set(viewer_id.to_owned()),
        followee_id: Set(target_id.to_owned()),
        created_at: Set(chrono::Utc::now().fixed_offset()),
    })
    .on_conflict(
        OnConflict::columns([follow::Column::FollowerId, follow::Column::FolloweeId])
            .do_nothing()
            .to_owned(),
    )
    .exec_without_returning(&txn)
    .await?;
    txn.commit().await?;
    Ok(target)
}

/// Stops following `target_id`; idempotent.
pub async fn unfollow(
    services: &Services,
    viewer_id: &str,
    target_id: &str,
) -> Result<user::Model, DomainError> {
    let target = user::Entity::find_by_id(target_id.to_owned())
        .one(&services.db)
        .await?
        .ok_or(DomainError::NotFound { what: "user" })?;
    follow::Entity::delete_many()
        .filter(follow::Column::FollowerId.eq(viewer_id))
        .filter(follow::Column::FolloweeId.eq(target_id))
        .exec(&services.db)
        .await?;
    Ok(target)
}

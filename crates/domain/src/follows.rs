//! Follows, with the human-scale cap.
use entity::{follow, user};
use sea_orm::sea_query::OnConflict;
use sea_orm::{
    ActiveValue::Set, ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter, QuerySelect,
    TransactionTrait,
};

use crate::{ConflictReason, DomainError, Services};

/// Follows `target_id`; idempotent. The cap holds under concurrency: the follower's row is locked
/// for the transaction, so concurrent follows by one user are counted one after another.
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
        .lock_exclusive()
        .one(&txn)
        .await?
        .ok_or(DomainError::Unauthenticated)?;
    let target = user::Entity::find_by_id(target_id.to_owned())
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

//! Feed events, written in the same transaction as the change they record.
use entity::enums::{EventType, TargetType};
use entity::feed_event;
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter,
};

use crate::{DomainError, new_id};

pub async fn record(
    conn: &impl ConnectionTrait,
    event_type: EventType,
    actor_id: &str,
    target_type: TargetType,
    target_id: &str,
    metadata: serde_json::Value,
) -> Result<(), DomainError> {
    feed_event::ActiveModel {
        id: Set(new_id()),
        event_type: Set(event_type),
        actor_id: Set(actor_id.to_owned()),
        target_type: Set(target_type),
        target_id: Set(target_id.to_owned()),
        metadata: Set(metadata),
        created_at: Set(chrono::Utc::now().fixed_offset()),
    }
    .insert(conn)
    .await?;
    Ok(())
}

/// Removes the events that point at a deleted project, tribe or user.
pub async fn forget_target(
    conn: &impl ConnectionTrait,
    target_type: TargetType,
    target_ids: Vec<String>,
) -> Result<(), DomainError> {
    if target_ids.is_empty() {
        return Ok(());
    }
    feed_event::Entity::delete_many()
        .filter(feed_event::Column::TargetType.eq(target_type))
        .filter(feed_event::Column::TargetId.is_in(target_ids))
        .exec(conn)
        .await?;
    Ok(())
}

use sea_orm::entity::prelude::*;

use crate::enums::{EventType, TargetType};

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "feed_events")]
pub struct Model {
    /// A ULID: id order is time order, and the feed is ordered by it alone.
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: String,
    pub event_type: EventType,
    pub actor_id: String,
    pub target_type: TargetType,
    pub target_id: String,
    /// What a feed card shows without another query (titles, names, tech stack).
    #[sea_orm(column_type = "JsonBinary")]
    pub metadata: Json,
    pub created_at: DateTimeWithTimeZone,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {
    #[sea_orm(
        belongs_to = "super::user::Entity",
        from = "Column::ActorId",
        to = "super::user::Column::Id",
        on_delete = "Cascade"
    )]
    Actor,
}

impl Related<super::user::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Actor.def()
    }
}

impl ActiveModelBehavior for ActiveModel {}

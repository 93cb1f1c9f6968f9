use sea_orm::entity::prelude::*;

use crate::enums::TribeStatus;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "tribes")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: String,
    pub owner_id: String,
    pub name: String,
    #[sea_orm(column_type = "Text", nullable)]
    pub mission: Option<String>,
    pub status: TribeStatus,
    pub max_members: i32,
    pub created_at: DateTimeWithTimeZone,
    pub updated_at: DateTimeWithTimeZone,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {
    #[sea_orm(
        belongs_to = "super::user::Entity",
        from = "Column::OwnerId",
        to = "super::user::Column::Id",
        on_delete = "Cascade"
    )]
    Owner,
    #[sea_orm(has_many = "super::tribe_member::Entity")]
    Members,
    #[sea_orm(has_many = "super::tribe_open_role::Entity")]
    OpenRoles,
}

impl Related<super::user::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Owner.def()
    }
}

impl Related<super::tribe_member::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Members.def()
    }
}

impl Related<super::tribe_open_role::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::OpenRoles.def()
    }
}

impl ActiveModelBehavior for ActiveModel {}

use sea_orm::entity::prelude::*;

use crate::enums::{MemberRole, MemberStatus};

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "tribe_members")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub tribe_id: String,
    #[sea_orm(primary_key, auto_increment = false)]
    pub user_id: String,
    pub role: MemberRole,
    pub status: MemberStatus,
    pub joined_at: Option<DateTimeWithTimeZone>,
    pub requested_at: DateTimeWithTimeZone,
    /// The open role a join request is for, if any.
    pub requested_role_id: Option<String>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {
    #[sea_orm(
        belongs_to = "super::tribe::Entity",
        from = "Column::TribeId",
        to = "super::tribe::Column::Id",
        on_delete = "Cascade"
    )]
    Tribe,
    #[sea_orm(
        belongs_to = "super::user::Entity",
        from = "Column::UserId",
        to = "super::user::Column::Id",
        on_delete = "Cascade"
    )]
    User,
}

impl Related<super::tribe::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Tribe.def()
    }
}

impl Related<super::user::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::User.def()
    }
}

impl ActiveModelBehavior for ActiveModel {}

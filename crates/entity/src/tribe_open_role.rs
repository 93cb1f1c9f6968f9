use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "tribe_open_roles")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: String,
    pub tribe_id: String,
    pub title: String,
    /// A JSON array of skill names.
    #[sea_orm(column_type = "JsonBinary")]
    pub skills_needed: Json,
    pub filled: bool,
    pub filled_by: Option<String>,
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
        from = "Column::FilledBy",
        to = "super::user::Column::Id",
        on_delete = "SetNull"
    )]
    FilledBy,
}

impl Related<super::tribe::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Tribe.def()
    }
}

impl ActiveModelBehavior for ActiveModel {}

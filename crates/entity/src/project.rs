use sea_orm::entity::prelude::*;

use crate::enums::ProjectStatus;

#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "projects")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: String,
    pub owner_id: String,
    pub title: String,
    #[sea_orm(column_type = "Text", nullable)]
    pub description: Option<String>,
    pub status: ProjectStatus,
    pub role: Option<String>,
    pub thumbnail_url: Option<String>,
    #[sea_orm(column_type = "JsonBinary")]
    pub links: Json,
    /// A JSON array of strings.
    #[sea_orm(column_type = "JsonBinary")]
    pub tech_stack: Json,
    #[sea_orm(column_type = "JsonBinary")]
    pub impact_metrics: Json,
    pub github_repo_full_name: Option<String>,
    pub github_stars: Option<i32>,
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
    #[sea_orm(has_many = "super::project_collaborator::Entity")]
    Collaborators,
}

impl Related<super::user::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Owner.def()
    }
}

impl Related<super::project_collaborator::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Collaborators.def()
    }
}

impl ActiveModelBehavior for ActiveModel {}

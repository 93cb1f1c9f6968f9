//! The `embedding` column of `projects`, as a model of its own: a 1536-dimension vector is 6 KiB,
//! and the main `project` model is read on every request that shows a project, which never needs it.
use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "projects")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: String,
    #[sea_orm(column_type = "Vector(Some(1536))", nullable)]
    pub embedding: Option<PgVector>,
    /// The model that produced `embedding` (vectors of two models are never compared).
    pub embedding_model: Option<String>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}

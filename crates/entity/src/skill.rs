use sea_orm::entity::prelude::*;

use crate::enums::SkillCategory;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "skills")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: String,
    pub name: String,
    pub slug: String,
    pub category: SkillCategory,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {
    #[sea_orm(has_many = "super::user_skill::Entity")]
    UserSkills,
}

impl Related<super::user::Entity> for Entity {
    fn to() -> RelationDef {
        super::user_skill::Relation::User.def()
    }
    fn via() -> Option<RelationDef> {
        Some(super::user_skill::Relation::Skill.def().rev())
    }
}

impl ActiveModelBehavior for ActiveModel {}

use sea_orm::entity::prelude::*;

use crate::enums::{AvailabilityStatus, UserRole};

#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "users")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: String,
    pub email: String,
    pub password_hash: Option<String>,
    pub username: String,
    pub display_name: String,
    pub avatar_url: Option<String>,
    pub headline: Option<String>,
    pub primary_role: Option<UserRole>,
    pub timezone: Option<String>,
    pub availability_status: AvailabilityStatus,
    pub builder_score: f64,
    #[sea_orm(column_type = "Text", nullable)]
    pub bio: Option<String>,
    #[sea_orm(column_type = "JsonBinary")]
    pub contact_links: Json,
    pub github_username: Option<String>,
    pub github_access_token_encrypted: Option<String>,
    pub onboarding_completed: bool,
    /// Appears in search, candidate lists, suggestions and similar builders.
    pub discoverable: bool,
    pub created_at: DateTimeWithTimeZone,
    pub updated_at: DateTimeWithTimeZone,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {
    #[sea_orm(has_many = "super::refresh_token::Entity")]
    RefreshTokens,
    #[sea_orm(has_many = "super::user_skill::Entity")]
    UserSkills,
    #[sea_orm(has_many = "super::project::Entity")]
    Projects,
    #[sea_orm(has_many = "super::project_collaborator::Entity")]
    Collaborations,
    #[sea_orm(has_many = "super::tribe_member::Entity")]
    TribeMemberships,
    #[sea_orm(has_many = "super::feed_event::Entity")]
    FeedEvents,
}

impl Related<super::refresh_token::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::RefreshTokens.def()
    }
}

impl Related<super::project::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Projects.def()
    }
}

impl Related<super::skill::Entity> for Entity {
    fn to() -> RelationDef {
        super::user_skill::Relation::Skill.def()
    }
    fn via() -> Option<RelationDef> {
        Some(super::user_skill::Relation::User.def().rev())
    }
}

impl Related<super::tribe::Entity> for Entity {
    fn to() -> RelationDef {
        super::tribe_member::Relation::Tribe.def()
    }
    fn via() -> Option<RelationDef> {
        Some(super::tribe_member::Relation::User.def().rev())
    }
}

impl ActiveModelBehavior for ActiveModel {}

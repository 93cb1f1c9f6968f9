//! PostgreSQL enum types, with the spec's lower-case values.
use sea_orm::entity::prelude::*;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum)]
#[sea_orm(rs_type = "String", db_type = "Enum", enum_name = "user_role")]
pub enum UserRole {
    #[sea_orm(string_value = "engineer")]
    Engineer,
    #[sea_orm(string_value = "designer")]
    Designer,
    #[sea_orm(string_value = "pm")]
    Pm,
    #[sea_orm(string_value = "marketer")]
    Marketer,
    #[sea_orm(string_value = "growth")]
    Growth,
    #[sea_orm(string_value = "founder")]
    Founder,
    #[sea_orm(string_value = "other")]
    Other,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum)]
#[sea_orm(rs_type = "String", db_type = "Enum", enum_name = "availability_status")]
pub enum AvailabilityStatus {
    #[sea_orm(string_value = "open_to_tribe")]
    OpenToTribe,
    #[sea_orm(string_value = "available_for_projects")]
    AvailableForProjects,
    #[sea_orm(string_value = "just_browsing")]
    JustBrowsing,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum)]
#[sea_orm(rs_type = "String", db_type = "Enum", enum_name = "skill_category")]
pub enum SkillCategory {
    #[sea_orm(string_value = "engineering")]
    Engineering,
    #[sea_orm(string_value = "design")]
    Design,
    #[sea_orm(string_value = "product")]
    Product,
    #[sea_orm(string_value = "marketing")]
    Marketing,
    #[sea_orm(string_value = "growth")]
    Growth,
    #[sea_orm(string_value = "data")]
    Data,
    #[sea_orm(string_value = "operations")]
    Operations,
    #[sea_orm(string_value = "other")]
    Other,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum)]
#[sea_orm(rs_type = "String", db_type = "Enum", enum_name = "project_status")]
pub enum ProjectStatus {
    #[sea_orm(string_value = "shipped")]
    Shipped,
    #[sea_orm(string_value = "in_progress")]
    InProgress,
    #[sea_orm(string_value = "archived")]
    Archived,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum)]
#[sea_orm(rs_type = "String", db_type = "Enum", enum_name = "collaborator_status")]
pub enum CollaboratorStatus {
    #[sea_orm(string_value = "pending")]
    Pending,
    #[sea_orm(string_value = "confirmed")]
    Confirmed,
    #[sea_orm(string_value = "declined")]
    Declined,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum)]
#[sea_orm(rs_type = "String", db_type = "Enum", enum_name = "tribe_status")]
pub enum TribeStatus {
    #[sea_orm(string_value = "open")]
    Open,
    #[sea_orm(string_value = "active")]
    Active,
    #[sea_orm(string_value = "alumni")]
    Alumni,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum)]
#[sea_orm(rs_type = "String", db_type = "Enum", enum_name = "member_role")]
pub enum MemberRole {
    #[sea_orm(string_value = "owner")]
    Owner,
    #[sea_orm(string_value = "member")]
    Member,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum)]
#[sea_orm(rs_type = "String", db_type = "Enum", enum_name = "member_status")]
pub enum MemberStatus {
    #[sea_orm(string_value = "pending")]
    Pending,
    #[sea_orm(string_value = "active")]
    Active,
    #[sea_orm(string_value = "rejected")]
    Rejected,
    #[sea_orm(string_value = "left")]
    Left,
    #[sea_orm(string_value = "removed")]
    Removed,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum)]
#[sea_orm(rs_type = "String", db_type = "Enum", enum_name = "event_type")]
pub enum EventType {
    #[sea_orm(string_value = "project_created")]
    ProjectCreated,
    #[sea_orm(string_value = "project_shipped")]
    ProjectShipped,
    #[sea_orm(string_value = "collaboration_confirmed")]
    CollaborationConfirmed,
    #[sea_orm(string_value = "tribe_created")]
    TribeCreated,
    #[sea_orm(string_value = "member_joined_tribe")]
    MemberJoinedTribe,
    #[sea_orm(string_value = "builder_joined")]
    BuilderJoined,
}

/// What a feed event points at; stored as text in `feed_events.target_type`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::N(20))")]
pub enum TargetType {
    #[sea_orm(string_value = "project")]
    Project,
    #[sea_orm(string_value = "tribe")]
    Tribe,
    #[sea_orm(string_value = "user")]
    User,
}

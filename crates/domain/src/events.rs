//! Feed events: what each kind of event records, and the one way to write one.
//!
//! [`Event`] owns, for every event type, its target and the metadata keys a feed card reads
//! without another query. Every writer goes through it — the domain operations in the same
//! transaction as the change they record, and the prototype seed through [`Event::row`] — so the
//! metadata of one event type is the same whoever wrote it. [`METADATA_KEYS`] is the documented
//! list (docs/api.md is checked against it).
use chrono::{DateTime, FixedOffset};
use entity::enums::{EventType, TargetType};
use entity::feed_event;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, IntoActiveModel, QueryFilter,
};
use serde_json::{Value, json};

use crate::{DomainError, new_id};

/// A project as a feed card shows it, as it was at the time of the event.
#[derive(Debug, Clone, PartialEq)]
pub struct ProjectCard {
    pub project_id: String,
    pub title: String,
    pub tech_stack: Vec<String>,
}

impl ProjectCard {
    pub fn of(project: &entity::project::Model) -> Self {
        Self {
            project_id: project.id.clone(),
            title: project.title.clone(),
            tech_stack: crate::json_strings(&project.tech_stack),
        }
    }
}

/// Something that happened, with what its feed card shows.
#[derive(Debug, Clone, PartialEq)]
pub enum Event {
    /// A builder created an account. Target: the builder.
    BuilderJoined { user_id: String, display_name: String, headline: Option<String> },
    /// A builder created a project. Target: the project.
    ProjectCreated(ProjectCard),
    /// The owner shipped a project. Target: the project.
    ProjectShipped(ProjectCard),
    /// A builder accepted an invitation to a project. Target: the project.
    CollaborationConfirmed {
        project: ProjectCard,
        owner_name: String,
        collaborator_name: String,
        /// The collaborator's role, if the invitation named one.
        role: Option<String>,
    },
    /// A builder formed a tribe. Target: the tribe.
    TribeCreated { tribe_id: String, name: String, mission: Option<String> },
    /// A builder's request to join was approved. Target: the tribe.
    MemberJoinedTribe {
        tribe_id: String,
        tribe_name: String,
        member_name: String,
        /// The open role the member filled, if they asked for one.
        role: Option<String>,
    },
}

/// The metadata keys of each event type, with what each holds: the documented contract of
/// `FeedEvent.metadata`.
pub const METADATA_KEYS: &[(EventType, &[(&str, &str)])] = &[
    (
        EventType::BuilderJoined,
        &[("displayName", "the builder's name"), ("headline", "their headline, or null")],
    ),
    (
        EventType::ProjectCreated,
        &[("projectTitle", "the project's title"), ("techStack", "its tech stack, a list")],
    ),
    (
        EventType::ProjectShipped,
        &[("projectTitle", "the project's title"), ("techStack", "its tech stack, a list")],
    ),
    (
        EventType::CollaborationConfirmed,
        &[
            ("projectTitle", "the project's title"),
            ("techStack", "its tech stack, a list"),
            ("ownerName", "the owner's name"),
            ("collaboratorName", "the collaborator's name"),
            ("role", "the collaborator's role, or null"),
        ],
    ),
    (
        EventType::TribeCreated,
        &[("tribeName", "the tribe's name"), ("mission", "its mission, or null")],
    ),
    (
        EventType::MemberJoinedTribe,
        &[
            ("tribeName", "the tribe's name"),
            ("memberName", "the new member's name"),
            ("role", "the open role they filled, or null"),
        ],
    ),
];

/// The markdown table of [`METADATA_KEYS`], as docs/api.md shows it.
pub fn metadata_table() -> String {
    let mut table = String::from("| event type | target | metadata keys |\n| --- | --- | --- |\n");
    for (event_type, keys) in METADATA_KEYS {
        let keys: Vec<String> = keys.iter().map(|(k, what)| format!("`{k}`: {what}")).collect();
        table.push_str(&format!(
            "| `{}` | {} | {} |\n",
            screaming(*event_type),
            target_name(target_of(*event_type)),
            keys.join("; ")
        ));
    }
    table
}

/// The GraphQL name of an event type, such as PROJECT_CREATED.
fn screaming(event_type: EventType) -> String {
    format!("{event_type:?}").chars().fold(String::new(), |mut out, c| {
        if c.is_uppercase() && !out.is_empty() {
            out.push('_');
        }
        out.push(c.to_ascii_uppercase());
        out
    })
}

fn target_name(target: TargetType) -> &'static str {
    match target {
        TargetType::User => "user",
        TargetType::Project => "project",
        TargetType::Tribe => "tribe",
    }
}

/// What events of a type point at.
pub fn target_of(event_type: EventType) -> TargetType {
    match event_type {
        EventType::BuilderJoined => TargetType::User,
        EventType::ProjectCreated
        | EventType::ProjectShipped
        | EventType::CollaborationConfirmed => TargetType::Project,
        EventType::TribeCreated | EventType::MemberJoinedTribe => TargetType::Tribe,
    }
}

impl Event {
    pub fn event_type(&self) -> EventType {
        match self {
            Self::BuilderJoined { .. } => EventType::BuilderJoined,
            Self::ProjectCreated(_) => EventType::ProjectCreated,
            Self::ProjectShipped(_) => EventType::ProjectShipped,
            Self::CollaborationConfirmed { .. } => EventType::CollaborationConfirmed,
            Self::TribeCreated { .. } => EventType::TribeCreated,
            Self::MemberJoinedTribe { .. } => EventType::MemberJoinedTribe,
        }
    }

    /// The id of the row the event points at (of type [`target_of`] its type).
    pub fn target_id(&self) -> &str {
        match self {
            Self::BuilderJoined { user_id, .. } => user_id,
            Self::ProjectCreated(card) | Self::ProjectShipped(card) => &card.project_id,
            Self::CollaborationConfirmed { project, .. } => &project.project_id,
            Self::TribeCreated { tribe_id, .. } | Self::MemberJoinedTribe { tribe_id, .. } => {
                tribe_id
            }
        }
    }

    /// The metadata a feed card shows: exactly the keys [`METADATA_KEYS`] lists for the type.
    pub fn metadata(&self) -> Value {
        match self {
            Self::BuilderJoined { display_name, headline, .. } => {
                json!({ "displayName": display_name, "headline": headline })
            }
            Self::ProjectCreated(card) | Self::ProjectShipped(card) => {
                json!({ "projectTitle": card.title, "techStack": card.tech_stack })
            }
            Self::CollaborationConfirmed { project, owner_name, collaborator_name, role } => {
                json!({
                    "projectTitle": project.title,
                    "techStack": project.tech_stack,
                    "ownerName": owner_name,
                    "collaboratorName": collaborator_name,
                    "role": role,
                })
            }
            Self::TribeCreated { name, mission, .. } => {
                json!({ "tribeName": name, "mission": mission })
            }
            Self::MemberJoinedTribe { tribe_name, member_name, role, .. } => {
                json!({ "tribeName": tribe_name, "memberName": member_name, "role": role })
            }
        }
    }

    /// The feed row of this event by `actor_id` at `at`, with the given id.
    pub fn row(&self, id: String, actor_id: &str, at: DateTime<FixedOffset>) -> feed_event::Model {
        let event_type = self.event_type();
        feed_event::Model {
            id,
            event_type,
            actor_id: actor_id.to_owned(),
            target_type: target_of(event_type),
            target_id: self.target_id().to_owned(),
            metadata: self.metadata(),
            created_at: at,
        }
    }
}

/// Records `event` by `actor_id`, now. Call it inside the transaction of the change it records.
pub async fn record(
    conn: &impl ConnectionTrait,
    actor_id: &str,
    event: Event,
) -> Result<(), DomainError> {
    let now = chrono::Utc::now().fixed_offset();
    event.row(new_id(), actor_id, now).into_active_model().insert(conn).await?;
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

#[cfg(test)]
mod tests {
    use super::*;

    fn card() -> ProjectCard {
        ProjectCard { project_id: "p".into(), title: "T".into(), tech_stack: vec!["Go".into()] }
    }

    fn one_of_each() -> Vec<Event> {
        vec![
            Event::BuilderJoined { user_id: "u".into(), display_name: "A".into(), headline: None },
            Event::ProjectCreated(card()),
            Event::ProjectShipped(card()),
            Event::CollaborationConfirmed {
                project: card(),
                owner_name: "O".into(),
                collaborator_name: "C".into(),
                role: None,
            },
            Event::TribeCreated { tribe_id: "t".into(), name: "N".into(), mission: None },
            Event::MemberJoinedTribe {
                tribe_id: "t".into(),
                tribe_name: "N".into(),
                member_name: "M".into(),
                role: Some("Designer".into()),
            },
        ]
    }

    #[test]
    fn every_event_records_exactly_its_documented_keys() {
        let events = one_of_each();
        assert_eq!(events.len(), METADATA_KEYS.len(), "one example per event type");
        for event in events {
            let (_, documented) = METADATA_KEYS
                .iter()
                .find(|(t, _)| *t == event.event_type())
                .unwrap_or_else(|| panic!("{:?} is not documented", event.event_type()));
            let mut documented: Vec<&str> = documented.iter().map(|(k, _)| *k).collect();
            let metadata = event.metadata();
            let mut written: Vec<&str> = metadata
                .as_object()
                .map(|o| o.keys().map(String::as_str).collect())
                .unwrap_or_default();
            documented.sort_unstable();
            written.sort_unstable();
            assert_eq!(written, documented, "{:?}", event.event_type());
        }
    }

    #[test]
    fn the_row_points_at_the_target_of_its_type() {
        for event in one_of_each() {
            let row = event.row("id".into(), "actor", chrono::Utc::now().fixed_offset());
            assert_eq!(row.target_type, target_of(event.event_type()));
            assert_eq!(row.target_id, event.target_id());
        }
    }

    /// docs/api.md shows the table made from [`METADATA_KEYS`]: the documented metadata is the
    /// metadata written.
    #[test]
    fn docs_api_md_lists_the_metadata_of_every_event_type() {
        let docs = include_str!("../../../docs/api.md");
        let table = metadata_table();
        assert!(
            docs.contains(&table),
            "docs/api.md must contain this table (section \"Feed event metadata\"):\n{table}"
        );
    }

    #[test]
    fn the_table_names_types_as_the_schema_does() {
        let table = metadata_table();
        assert!(table.contains("| `MEMBER_JOINED_TRIBE` | tribe |"), "{table}");
        assert!(table.contains("| `BUILDER_JOINED` | user |"), "{table}");
    }
}

//! What is embedded for each kind of row, and how it is read.
//!
//! A builder: headline, role, bio and skills. A project: title, description and tech stack. A
//! tribe: name and mission. An open role: title and the skills it needs. (Display names,
//! usernames and emails are not embedded: a name says nothing about what someone builds, and an
//! email is never searchable.)
use entity::enums::UserRole;
use sea_orm::{ConnectionTrait, DbBackend, FromQueryResult, Statement};

use crate::{DomainError, json_strings, sql};

/// A kind of embedded row.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Kind {
    User,
    Project,
    Tribe,
    OpenRole,
}

impl Kind {
    pub const ALL: [Kind; 4] = [Kind::User, Kind::Project, Kind::Tribe, Kind::OpenRole];

    /// `embedding_jobs.target_type`.
    pub fn job_type(self) -> &'static str {
        match self {
            Kind::User => "user",
            Kind::Project => "project",
            Kind::Tribe => "tribe",
            Kind::OpenRole => "open_role",
        }
    }

    pub fn table(self) -> &'static str {
        match self {
            Kind::User => "users",
            Kind::Project => "projects",
            Kind::Tribe => "tribes",
            Kind::OpenRole => "tribe_open_roles",
        }
    }
}

/// How a role reads in a builder's text.
pub fn role_label(role: UserRole) -> Option<&'static str> {
    match role {
        UserRole::Engineer => Some("Engineer"),
        UserRole::Designer => Some("Designer"),
        UserRole::Pm => Some("Product manager"),
        UserRole::Marketer => Some("Marketer"),
        UserRole::Growth => Some("Growth"),
        UserRole::Founder => Some("Founder"),
        UserRole::Other => None,
    }
}

fn join(parts: impl IntoIterator<Item = Option<String>>) -> String {
    parts
        .into_iter()
        .flatten()
        .map(|p| p.trim().trim_end_matches('.').to_owned())
        .filter(|p| !p.is_empty())
        .collect::<Vec<_>>()
        .join(". ")
}

fn labelled(label: &str, items: &[String]) -> Option<String> {
    (!items.is_empty()).then(|| format!("{label}: {}", items.join(", ")))
}

/// A builder's text.
pub fn builder_text(
    headline: Option<&str>,
    role: Option<UserRole>,
    bio: Option<&str>,
    skills: &[String],
) -> String {
    join([
        headline.map(str::to_owned),
        role.and_then(role_label).map(str::to_owned),
        bio.map(str::to_owned),
        labelled("Skills", skills),
    ])
}

pub fn project_text(title: &str, description: Option<&str>, tech_stack: &[String]) -> String {
    join([
        Some(title.to_owned()),
        description.map(str::to_owned),
        labelled("Tech stack", tech_stack),
    ])
}

pub fn tribe_text(name: &str, mission: Option<&str>) -> String {
    join([Some(name.to_owned()), mission.map(str::to_owned)])
}

pub fn open_role_text(title: &str, skills_needed: &[String]) -> String {
    join([Some(title.to_owned()), labelled("Skills needed", skills_needed)])
}

fn parse_role(raw: Option<&str>) -> Option<UserRole> {
    use sea_orm::ActiveEnum;
    raw.and_then(|r| UserRole::try_from_value(&r.to_owned()).ok())
}

/// The texts of the rows of `kind` with these ids that exist: (id, text).
///
/// # Errors
/// Database errors.
pub async fn load(
    db: &impl ConnectionTrait,
    kind: Kind,
    ids: &[String],
) -> Result<Vec<(String, String)>, DomainError> {
    let statement =
        |sql: &str| Statement::from_sql_and_values(DbBackend::Postgres, sql, [ids.to_vec().into()]);
    Ok(match kind {
        Kind::User => {
            #[derive(FromQueryResult)]
            struct Row {
                id: String,
                headline: Option<String>,
                primary_role: Option<String>,
                bio: Option<String>,
                skills: Vec<String>,
            }
            Row::find_by_statement(statement(sql::discovery::TEXTS_USERS))
                .all(db)
                .await?
                .into_iter()
                .map(|r| {
                    let text = builder_text(
                        r.headline.as_deref(),
                        parse_role(r.primary_role.as_deref()),
                        r.bio.as_deref(),
                        &r.skills,
                    );
                    (r.id, text)
                })
                .collect()
        }
        Kind::Project => {
            #[derive(FromQueryResult)]
            struct Row {
                id: String,
                title: String,
                description: Option<String>,
                tech_stack: serde_json::Value,
            }
            Row::find_by_statement(statement(sql::discovery::TEXTS_PROJECTS))
                .all(db)
                .await?
                .into_iter()
                .map(|r| {
                    let text = project_text(
                        &r.title,
                        r.description.as_deref(),
                        &json_strings(&r.tech_stack),
                    );
                    (r.id, text)
                })
                .collect()
        }
        Kind::Tribe => {
            #[derive(FromQueryResult)]
            struct Row {
                id: String,
                name: String,
                mission: Option<String>,
            }
            Row::find_by_statement(statement(sql::discovery::TEXTS_TRIBES))
                .all(db)
                .await?
                .into_iter()
                .map(|r| {
                    let text = tribe_text(&r.name, r.mission.as_deref());
                    (r.id, text)
                })
                .collect()
        }
        Kind::OpenRole => {
            #[derive(FromQueryResult)]
            struct Row {
                id: String,
                title: String,
                skills_needed: serde_json::Value,
            }
            Row::find_by_statement(statement(sql::discovery::TEXTS_OPEN_ROLES))
                .all(db)
                .await?
                .into_iter()
                .map(|r| {
                    let text = open_role_text(&r.title, &json_strings(&r.skills_needed));
                    (r.id, text)
                })
                .collect()
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn texts_join_the_embedded_fields_and_skip_missing_ones() {
        assert_eq!(
            builder_text(
                Some("Backend Engineer"),
                Some(UserRole::Engineer),
                Some("Go services."),
                &["Go".into(), "gRPC".into()]
            ),
            "Backend Engineer. Engineer. Go services. Skills: Go, gRPC"
        );
        assert_eq!(builder_text(None, Some(UserRole::Other), Some("  "), &[]), "");
        assert_eq!(
            project_text("Design System Kit", None, &["Figma".into()]),
            "Design System Kit. Tech stack: Figma"
        );
        assert_eq!(tribe_text("AI for Education", Some("Learning.")), "AI for Education. Learning");
        assert_eq!(
            open_role_text("Backend Engineer", &["Go".into(), "PostgreSQL".into()]),
            "Backend Engineer. Skills needed: Go, PostgreSQL"
        );
    }
}

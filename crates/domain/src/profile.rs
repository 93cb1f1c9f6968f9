//! The viewer's own profile and skills.
use std::collections::BTreeSet;

use chrono::Utc;
use entity::enums::{AvailabilityStatus, UserRole};
use entity::{skill, user, user_skill};
use sea_orm::sea_query::{LockType, OnConflict};
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait, PaginatorTrait,
    QueryFilter, QuerySelect, TransactionTrait,
};

use crate::accounts::conflict_on_unique;
use crate::{DomainError, Services, validate};

/// A field of an update: left as it is, cleared, or set.
#[derive(Debug, Clone, Default)]
pub enum Change<T> {
    #[default]
    Keep,
    Clear,
    Set(T),
}

impl<T> Change<T> {
    pub fn map<U>(
        self,
        f: impl FnOnce(T) -> Result<Option<U>, DomainError>,
    ) -> Result<Change<U>, DomainError> {
        Ok(match self {
            Self::Keep => Change::Keep,
            Self::Clear => Change::Clear,
            Self::Set(v) => match f(v)? {
                Some(u) => Change::Set(u),
                None => Change::Clear,
            },
        })
    }

    pub fn apply(self, target: &mut sea_orm::ActiveValue<Option<T>>)
    where
        T: Into<sea_orm::Value>,
        Option<T>: Into<sea_orm::Value>,
    {
        match self {
            Self::Keep => {}
            Self::Clear => *target = Set(None),
            Self::Set(v) => *target = Set(Some(v)),
        }
    }
}

#[derive(Debug, Default)]
pub struct ProfileUpdate {
    pub display_name: Option<String>,
    pub headline: Change<String>,
    pub bio: Change<String>,
    pub avatar_url: Change<String>,
    pub primary_role: Change<UserRole>,
    pub timezone: Change<String>,
    pub availability_status: Option<AvailabilityStatus>,
    pub contact_links: Option<serde_json::Value>,
    pub github_username: Change<String>,
    /// Whether the builder appears in discovery (search, candidates, suggestions, similar).
    pub discoverable: Option<bool>,
}

pub async fn update_profile(
    services: &Services,
    user_id: &str,
    update: ProfileUpdate,
) -> Result<user::Model, DomainError> {
    // Validate everything first: a bad field changes nothing.
    let display_name = update.display_name.map(|v| validate::display_name(&v)).transpose()?;
    let headline =
        update.headline.map(|v| validate::optional_text("headline", Some(&v), 200, false))?;
    let bio = update
        .bio
        .map(|v| validate::optional_text("bio", Some(&v), validate::BIO_MAX_CHARS, true))?;
    let avatar_url = update.avatar_url.map(|v| validate::url("avatarUrl", &v, 500).map(Some))?;
    let timezone = update.timezone.map(|v| validate::timezone(&v).map(Some))?;
    let github_username =
        update.github_username.map(|v| validate::github_username(&v).map(Some))?;
    let contact_links = update.contact_links.as_ref().map(validate::contact_links).transpose()?;

    let txn = services.db.begin().await?;
    let current = user::Entity::find_by_id(user_id.to_owned())
        .one(&txn)
        .await?
        .ok_or(DomainError::Unauthenticated)?;
    let mut active: user::ActiveModel = current.into();
    if let Some(v) = display_name {
        active.display_name = Set(v);
    }
    headline.apply(&mut active.headline);
    bio.apply(&mut active.bio);
    avatar_url.apply(&mut active.avatar_url);
    update.primary_role.apply(&mut active.primary_role);
    timezone.apply(&mut active.timezone);
    github_username.apply(&mut active.github_username);
    if let Some(v) = update.availability_status {
        active.availability_status = Set(v);
    }
    if let Some(v) = contact_links {
        active.contact_links = Set(v);
    }
    if let Some(v) = update.discoverable {
        active.discoverable = Set(v);
    }
    let updated = active.update(&txn).await.map_err(conflict_on_unique)?;
    let updated = refresh_onboarding(&txn, updated).await?;
    txn.commit().await?;
    Ok(updated)
}

/// Replaces the viewer's skills with the given slugs, in one transaction.
pub async fn set_skills(
    services: &Services,
    user_id: &str,
    slugs: Vec<String>,
) -> Result<user::Model, DomainError> {
    let slugs: BTreeSet<String> = slugs.iter().map(|s| s.trim().to_lowercase()).collect();
    if slugs.len() > validate::MAX_SKILLS {
        return Err(DomainError::invalid(
            "slugs",
            format!("at most {} skills", validate::MAX_SKILLS),
        ));
    }
    let txn = services.db.begin().await?;
    let found = skill::Entity::find()
        .filter(skill::Column::Slug.is_in(slugs.iter().cloned()))
        .all(&txn)
        .await?;
    let unknown: Vec<String> = slugs
        .iter()
        .filter(|s| !found.iter().any(|f| &f.slug == *s))
        .map(|s| format!("'{}'", s.chars().take(100).collect::<String>()))
        .collect();
    if !unknown.is_empty() {
        return Err(DomainError::invalid(
            "slugs",
            format!("Unknown skills: {}.", unknown.join(", ")),
        ));
    }
    // The user's row, locked before the skills are replaced: a concurrent setSkills waits here
    // until this one commits, then replaces what it wrote. Without it, each one's delete would
    // miss the rows the other is inserting and both sets would stay, past the cap. NO KEY
    // UPDATE, so that foreign-key checks on the user (follows, memberships) are not held up.
    let user = user::Entity::find_by_id(user_id.to_owned())
        .lock(LockType::NoKeyUpdate)
        .one(&txn)
        .await?
        .ok_or(DomainError::Unauthenticated)?;
    let keep: Vec<String> = found.iter().map(|s| s.id.clone()).collect();
    user_skill::Entity::delete_many()
        .filter(user_skill::Column::UserId.eq(user_id))
        .filter(user_skill::Column::SkillId.is_not_in(keep.clone()))
        .exec(&txn)
        .await?;
    if !keep.is_empty() {
        let now = Utc::now().fixed_offset();
        let rows = keep.into_iter().map(|skill_id| user_skill::ActiveModel {
            user_id: Set(user_id.to_owned()),
            skill_id: Set(skill_id),
            added_at: Set(now),
        });
        // Skills already held keep the time they were added.
        user_skill::Entity::insert_many(rows)
            .on_conflict(
                OnConflict::columns([user_skill::Column::UserId, user_skill::Column::SkillId])
                    .do_nothing()
                    .to_owned(),
            )
            .exec_without_returning(&txn)
            .await?;
    }
    let user = refresh_onboarding(&txn, user).await?;
    txn.commit().await?;
    Ok(user)
}

/// Onboarding is complete once the profile has a headline, a primary role and a skill; once
/// complete it stays complete.
async fn refresh_onboarding(
    conn: &impl ConnectionTrait,
    user: user::Model,
) -> Result<user::Model, DomainError> {
    if user.onboarding_completed || user.headline.is_none() || user.primary_role.is_none() {
        return Ok(user);
    }
    let skills = user_skill::Entity::find()
        .filter(user_skill::Column::UserId.eq(user.id.clone()))
        .count(conn)
        .await?;
    if skills == 0 {
        return Ok(user);
    }
    let mut active: user::ActiveModel = user.into();
    active.onboarding_completed = Set(true);
    Ok(active.update(conn).await?)
}

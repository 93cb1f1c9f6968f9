//! Root lists (users, projects, tribes, skills) and a user's followers and followings: keyset
//! pages, newest first.
use std::sync::Arc;

use chrono::{DateTime, Utc};
use entity::enums::{AvailabilityStatus, ProjectStatus, SkillCategory, TribeStatus, UserRole};
use entity::{project, skill, tribe, user};
use sea_orm::sea_query::Expr;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect};

use crate::pagination::{AFTER_NEWEST, Cursor, Page, PageRequest};
use crate::{DomainError, Services, caps};

type Result<T> = std::result::Result<T, DomainError>;

#[derive(Debug, Default, Clone)]
pub struct UserFilter {
    pub primary_role: Option<UserRole>,
    pub availability_status: Option<AvailabilityStatus>,
    /// A skill slug.
    pub skill: Option<String>,
}

pub async fn users(
    services: &Services,
    filter: &UserFilter,
    request: &PageRequest,
) -> Result<Page<user::Model>> {
    let before = Cursor::id_bound(request.after.as_ref())?;
    let mut query = user::Entity::find().filter(user::Column::Id.lt(before));
    if let Some(role) = filter.primary_role {
        query = query.filter(user::Column::PrimaryRole.eq(role));
    }
    if let Some(status) = filter.availability_status {
        query = query.filter(user::Column::AvailabilityStatus.eq(status));
    }
    if let Some(slug) = &filter.skill {
        // Equality on the slug: no pattern, so no wildcard can be smuggled in.
        query = query.filter(Expr::cust_with_values(
            "EXISTS (SELECT 1 FROM user_skills us JOIN skills s ON s.id = us.skill_id
                     WHERE us.user_id = users.id AND s.slug = $1)",
            [slug.trim().to_lowercase()],
        ));
    }
    let rows =
        query.order_by_desc(user::Column::Id).limit(request.limit()).all(&services.db).await?;
    Ok(Page::from_rows(request, rows, |u| Cursor::Id(u.id.clone())))
}

#[derive(Debug, Default, Clone)]
pub struct ProjectFilter {
    pub status: Option<ProjectStatus>,
    pub owner_id: Option<String>,
}

pub async fn projects(
    services: &Services,
    filter: &ProjectFilter,
    request: &PageRequest,
) -> Result<Page<project::Model>> {
    let before = Cursor::id_bound(request.after.as_ref())?;
    let mut query = project::Entity::find().filter(project::Column::Id.lt(before));
    if let Some(status) = filter.status {
        query = query.filter(project::Column::Status.eq(status));
    }
    if let Some(owner) = &filter.owner_id {
        query = query.filter(project::Column::OwnerId.eq(owner.as_str()));
    }
    let rows =
        query.order_by_desc(project::Column::Id).limit(request.limit()).all(&services.db).await?;
    Ok(Page::from_rows(request, rows, |p| Cursor::Id(p.id.clone())))
}

pub async fn tribes(
    services: &Services,
    status: Option<TribeStatus>,
    request: &PageRequest,
) -> Result<Page<tribe::Model>> {
    let before = Cursor::id_bound(request.after.as_ref())?;
    let mut query = tribe::Entity::find().filter(tribe::Column::Id.lt(before));
    if let Some(status) = status {
        query = query.filter(tribe::Column::Status.eq(status));
    }
    let rows =
        query.order_by_desc(tribe::Column::Id).limit(request.limit()).all(&services.db).await?;
    Ok(Page::from_rows(request, rows, |t| Cursor::Id(t.id.clone())))
}

/// The whole taxonomy (it is small, and read with its cap, [`caps::MAX_TAXONOMY_SKILLS`]), by
/// category then name.
pub async fn skills(
    services: &Services,
    category: Option<SkillCategory>,
) -> Result<Vec<skill::Model>> {
    let mut query = skill::Entity::find();
    if let Some(category) = category {
        query = query.filter(skill::Column::Category.eq(category));
    }
    Ok(query
        .order_by_asc(skill::Column::Category)
        .order_by_asc(skill::Column::Name)
        .limit(caps::MAX_TAXONOMY_SKILLS as u64)
        .all(&services.db)
        .await?)
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum FollowDirection {
    /// People who follow the user.
    Followers,
    /// People the user follows.
    Following,
}

/// One page of a user's followers or followings, most recent follow first, keyset on (follow
/// time, the other user's id): the key a DataLoader batches ([`crate::batch::follow_pages`]), so
/// the pages of a whole list of users cost one statement.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct FollowPageKey {
    pub user_id: String,
    pub direction: FollowDirection,
    /// The keyset bound (exclusive): the follow time and the other user's id of the row before.
    pub before_at: DateTime<Utc>,
    pub before_id: String,
    /// Rows to fetch ([`PageRequest::limit`]).
    pub limit: u64,
}

impl FollowPageKey {
    /// The key of `request`'s page; a cursor from another kind of list is `BAD_USER_INPUT`.
    pub fn new(user_id: &str, direction: FollowDirection, request: &PageRequest) -> Result<Self> {
        let (before_at, before_id) = match &request.after {
            None => (DateTime::<Utc>::MAX_UTC, AFTER_NEWEST.to_owned()),
            Some(Cursor::Timed { at, id }) => (*at, id.clone()),
            Some(Cursor::Id(_) | Cursor::Ranked { .. }) => {
                return Err(DomainError::invalid("after", "This cursor belongs to another list."));
            }
        };
        Ok(Self {
            user_id: user_id.to_owned(),
            direction,
            before_at,
            before_id,
            limit: request.limit(),
        })
    }
}

/// A follow: when it was made, and the other user.
pub type Follow = (DateTime<Utc>, Arc<user::Model>);

/// The page `request` asked for, from the rows its [`FollowPageKey`] loaded.
pub fn follow_page(request: &PageRequest, rows: &[Follow]) -> Page<Follow> {
    Page::from_rows(request, rows.to_vec(), |(at, u)| Cursor::Timed { at: *at, id: u.id.clone() })
}

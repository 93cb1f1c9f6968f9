//! Root lists (users, projects, tribes, skills) and a user's followers and followings: keyset
//! pages, newest first.
use chrono::{DateTime, Utc};
use entity::enums::{AvailabilityStatus, ProjectStatus, SkillCategory, TribeStatus, UserRole};
use entity::{project, skill, tribe, user};
use sea_orm::sea_query::Expr;
use sea_orm::{
    ColumnTrait, ConnectionTrait, DbBackend, EntityTrait, FromQueryResult, QueryFilter, QueryOrder,
    QuerySelect, Statement,
};

use crate::pagination::{AFTER_NEWEST, Cursor, Page, PageRequest};
use crate::{DomainError, Services, sql};

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

/// The whole taxonomy (it is small and bounded), by category then name.
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
        .all(&services.db)
        .await?)
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FollowDirection {
    /// People who follow the user.
    Followers,
    /// People the user follows.
    Following,
}

#[derive(FromQueryResult)]
struct FollowedAt {
    followed_at: DateTime<Utc>,
}

/// A user's followers or followings, most recent follow first, keyset on (follow time, user id).
pub async fn follows(
    services: &Services,
    user_id: &str,
    direction: FollowDirection,
    request: &PageRequest,
) -> Result<Page<(DateTime<Utc>, user::Model)>> {
    let (at, id) = match &request.after {
        None => (DateTime::<Utc>::MAX_UTC, AFTER_NEWEST.to_owned()),
        Some(Cursor::Timed { at, id }) => (*at, id.clone()),
        Some(Cursor::Id(_)) => {
            return Err(DomainError::invalid("after", "This cursor belongs to another list."));
        }
    };
    let text = match direction {
        FollowDirection::Followers => sql::FOLLOWERS_PAGE,
        FollowDirection::Following => sql::FOLLOWING_PAGE,
    };
    let statement = Statement::from_sql_and_values(
        DbBackend::Postgres,
        text,
        [user_id.into(), at.into(), id.into(), (request.limit() as i64).into()],
    );
    let mut rows = Vec::new();
    for row in services.db.query_all_raw(statement).await? {
        let followed_at = FollowedAt::from_query_result(&row, "")?.followed_at;
        rows.push((followed_at, user::Model::from_query_result(&row, "")?));
    }
    Ok(Page::from_rows(request, rows, |(at, u)| Cursor::Timed { at: *at, id: u.id.clone() }))
}

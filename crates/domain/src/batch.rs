//! Batched reads: one statement for many keys, whatever their number. The GraphQL layer's
//! DataLoaders call these, so a page costs a constant number of statements. Every requested key
//! that exists gets an entry; list-valued loads give every requested key an entry, even empty.
//!
//! Values are shared (`Arc`): a request's DataLoader cache hands the same rows to every resolver
//! that asks, without copying them.
use std::collections::{HashMap, HashSet};
use std::sync::Arc;

use chrono::{DateTime, Utc};
use entity::{
    project, project_collaborator, skill, tribe, tribe_member, tribe_open_role, user, user_skill,
};
use sea_orm::sea_query::{Expr, ExprTrait, PgFunc};
use sea_orm::{
    ColumnTrait, ConnectionTrait, DbBackend, EntityTrait, FromQueryResult, QueryFilter, QueryOrder,
    Statement,
};

use crate::lists::{Follow, FollowDirection, FollowPageKey};
use crate::visibility::{CollaboratorList, MemberList};
use crate::{DomainError, Services, sql};

type Result<T> = std::result::Result<T, DomainError>;

fn any(keys: &[String]) -> sea_orm::sea_query::FunctionCall {
    PgFunc::any(Expr::val(keys.to_vec()))
}

/// A shared list of shared rows.
pub type List<T> = Arc<Vec<T>>;

fn grouped<V>(
    keys: &[String],
    pairs: impl IntoIterator<Item = (String, V)>,
) -> HashMap<String, List<V>> {
    let mut map: HashMap<String, Vec<V>> = keys.iter().map(|k| (k.clone(), Vec::new())).collect();
    for (key, value) in pairs {
        map.entry(key).or_default().push(value);
    }
    map.into_iter().map(|(k, v)| (k, Arc::new(v))).collect()
}

pub async fn users(
    services: &Services,
    ids: &[String],
) -> Result<HashMap<String, Arc<user::Model>>> {
    let rows = user::Entity::find()
        .filter(Expr::col(user::Column::Id).eq(any(ids)))
        .all(&services.db)
        .await?;
    Ok(rows.into_iter().map(|u| (u.id.clone(), Arc::new(u))).collect())
}

/// Each user's skills, by name: one JOIN.
pub async fn skills_of_users(
    services: &Services,
    user_ids: &[String],
) -> Result<HashMap<String, List<Arc<skill::Model>>>> {
    let rows = user_skill::Entity::find()
        .find_also_related(skill::Entity)
        .filter(Expr::col((user_skill::Entity, user_skill::Column::UserId)).eq(any(user_ids)))
        .order_by_asc(skill::Column::Name)
        .all(&services.db)
        .await?;
    Ok(grouped(user_ids, rows.into_iter().filter_map(|(us, s)| Some((us.user_id, Arc::new(s?))))))
}

/// Projects with their owners: one JOIN.
pub async fn projects_with_owner(
    services: &Services,
    ids: &[String],
) -> Result<HashMap<String, (Arc<project::Model>, Arc<user::Model>)>> {
    let rows = project::Entity::find()
        .find_also_related(user::Entity)
        .filter(Expr::col((project::Entity, project::Column::Id)).eq(any(ids)))
        .all(&services.db)
        .await?;
    Ok(rows
        .into_iter()
        .filter_map(|(p, owner)| Some((p.id.clone(), (Arc::new(p), Arc::new(owner?)))))
        .collect())
}

/// Tribes with their owners: one JOIN.
pub async fn tribes_with_owner(
    services: &Services,
    ids: &[String],
) -> Result<HashMap<String, (Arc<tribe::Model>, Arc<user::Model>)>> {
    let rows = tribe::Entity::find()
        .find_also_related(user::Entity)
        .filter(Expr::col((tribe::Entity, tribe::Column::Id)).eq(any(ids)))
        .all(&services.db)
        .await?;
    Ok(rows
        .into_iter()
        .filter_map(|(t, owner)| Some((t.id.clone(), (Arc::new(t), Arc::new(owner?)))))
        .collect())
}

/// Each project's collaborations that `list` shows, with their users, in the order they were invited.
pub async fn collaborators_of_projects(
    services: &Services,
    project_ids: &[String],
    list: CollaboratorList,
) -> Result<HashMap<String, List<(Arc<project_collaborator::Model>, Arc<user::Model>)>>> {
    let rows = project_collaborator::Entity::find()
        .find_also_related(user::Entity)
        .filter(
            Expr::col((project_collaborator::Entity, project_collaborator::Column::ProjectId))
                .eq(any(project_ids)),
        )
        .filter(project_collaborator::Column::Status.eq(list.status()))
        .order_by_asc(project_collaborator::Column::InvitedAt)
        .all(&services.db)
        .await?;
    Ok(grouped(
        project_ids,
        rows.into_iter()
            .filter_map(|(c, u)| Some((c.project_id.clone(), (Arc::new(c), Arc::new(u?))))),
    ))
}

/// Each tribe's memberships that `list` shows (the owner first) with their users, in the order they asked.
pub async fn members_of_tribes(
    services: &Services,
    tribe_ids: &[String],
    list: MemberList,
) -> Result<HashMap<String, List<(Arc<tribe_member::Model>, Arc<user::Model>)>>> {
    let rows = tribe_member::Entity::find()
        .find_also_related(user::Entity)
        .filter(Expr::col((tribe_member::Entity, tribe_member::Column::TribeId)).eq(any(tribe_ids)))
        .filter(tribe_member::Column::Status.eq(list.status()))
        .order_by_asc(tribe_member::Column::Role)
        .order_by_asc(tribe_member::Column::RequestedAt)
        .all(&services.db)
        .await?;
    Ok(grouped(
        tribe_ids,
        rows.into_iter()
            .filter_map(|(m, u)| Some((m.tribe_id.clone(), (Arc::new(m), Arc::new(u?))))),
    ))
}

/// Each tribe's open roles, oldest first.
pub async fn open_roles_of_tribes(
    services: &Services,
    tribe_ids: &[String],
) -> Result<HashMap<String, List<Arc<tribe_open_role::Model>>>> {
    let rows = tribe_open_role::Entity::find()
        .filter(Expr::col(tribe_open_role::Column::TribeId).eq(any(tribe_ids)))
        .order_by_asc(tribe_open_role::Column::Id)
        .all(&services.db)
        .await?;
    Ok(grouped(tribe_ids, rows.into_iter().map(|r| (r.tribe_id.clone(), Arc::new(r)))))
}

/// The tribes each user is an active member of.
pub async fn tribes_of_users(
    services: &Services,
    user_ids: &[String],
) -> Result<HashMap<String, List<Arc<tribe::Model>>>> {
    let rows = tribe_member::Entity::find()
        .find_also_related(tribe::Entity)
        .filter(Expr::col((tribe_member::Entity, tribe_member::Column::UserId)).eq(any(user_ids)))
        .filter(tribe_member::Column::Status.eq(MemberList::Active.status()))
        .order_by_desc(tribe_member::Column::TribeId)
        .all(&services.db)
        .await?;
    Ok(grouped(user_ids, rows.into_iter().filter_map(|(m, t)| Some((m.user_id, Arc::new(t?))))))
}

/// The projects each user collaborates on (confirmed), newest first, with the collaboration.
pub async fn collaborations_of_users(
    services: &Services,
    user_ids: &[String],
) -> Result<HashMap<String, List<(Arc<project_collaborator::Model>, Arc<project::Model>)>>> {
    let rows = project_collaborator::Entity::find()
        .find_also_related(project::Entity)
        .filter(
            Expr::col((project_collaborator::Entity, project_collaborator::Column::UserId))
                .eq(any(user_ids)),
        )
        .filter(project_collaborator::Column::Status.eq(CollaboratorList::Confirmed.status()))
        .order_by_desc(project_collaborator::Column::ProjectId)
        .all(&services.db)
        .await?;
    Ok(grouped(
        user_ids,
        rows.into_iter()
            .filter_map(|(c, p)| Some((c.user_id.clone(), (Arc::new(c), Arc::new(p?))))),
    ))
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct FollowCounts {
    pub followers: i64,
    pub following: i64,
}

#[derive(FromQueryResult)]
struct FollowCountRow {
    id: String,
    followers: i64,
    following: i64,
}

/// Followers and followings of each user: one statement.
pub async fn follow_counts(
    services: &Services,
    user_ids: &[String],
) -> Result<HashMap<String, FollowCounts>> {
    let rows = FollowCountRow::find_by_statement(Statement::from_sql_and_values(
        DbBackend::Postgres,
        sql::FOLLOW_COUNTS,
        [user_ids.to_vec().into()],
    ))
    .all(&services.db)
    .await?;
    Ok(rows
        .into_iter()
        .map(|r| (r.id, FollowCounts { followers: r.followers, following: r.following }))
        .collect())
}

#[derive(FromQueryResult)]
struct Followee {
    followee_id: String,
}

/// Which of `user_ids` the viewer follows: one statement.
pub async fn followed_by(
    services: &Services,
    viewer_id: &str,
    user_ids: &[String],
) -> Result<HashSet<String>> {
    let rows = Followee::find_by_statement(Statement::from_sql_and_values(
        DbBackend::Postgres,
        sql::FOLLOWED_BY,
        [viewer_id.into(), user_ids.to_vec().into()],
    ))
    .all(&services.db)
    .await?;
    Ok(rows.into_iter().map(|r| r.followee_id).collect())
}

/// A page of several owners' projects at once, newest first: keys are (owner, before id, limit).
pub async fn projects_of_owners(
    services: &Services,
    keys: &[(String, String, u64)],
) -> Result<HashMap<(String, String, u64), List<Arc<project::Model>>>> {
    let owners: Vec<String> = keys.iter().map(|k| k.0.clone()).collect();
    let befores: Vec<String> = keys.iter().map(|k| k.1.clone()).collect();
    let limits: Vec<i64> = keys.iter().map(|k| k.2 as i64).collect();
    #[derive(FromQueryResult)]
    struct Row {
        key_index: i64,
    }
    let statement = Statement::from_sql_and_values(
        DbBackend::Postgres,
        sql::PROJECTS_OF_OWNERS,
        [owners.into(), befores.into(), limits.into()],
    );
    let rows = services.db.query_all_raw(statement).await?;
    let mut map: HashMap<(String, String, u64), Vec<Arc<project::Model>>> =
        keys.iter().map(|k| (k.clone(), Vec::new())).collect();
    for row in rows {
        let index = Row::from_query_result(&row, "")?.key_index;
        let project = project::Model::from_query_result(&row, "")?;
        if let Some(key) = usize::try_from(index).ok().and_then(|i| keys.get(i)) {
            map.entry(key.clone()).or_default().push(Arc::new(project));
        }
    }
    Ok(map.into_iter().map(|(k, v)| (k, Arc::new(v))).collect())
}

/// Pages of several users' followers or followings at once ([`FollowPageKey`]), most recent
/// follow first: one statement whatever the number of keys.
pub async fn follow_pages(
    services: &Services,
    keys: &[FollowPageKey],
) -> Result<HashMap<FollowPageKey, List<Follow>>> {
    #[derive(FromQueryResult)]
    struct Row {
        key_index: i64,
        followed_at: DateTime<Utc>,
    }
    // Each key once: a repeated key would get its rows twice.
    let mut seen = HashSet::new();
    let keys: Vec<&FollowPageKey> = keys.iter().filter(|k| seen.insert(*k)).collect();
    let users: Vec<String> = keys.iter().map(|k| k.user_id.clone()).collect();
    let followers: Vec<bool> =
        keys.iter().map(|k| k.direction == FollowDirection::Followers).collect();
    let before_at: Vec<DateTime<Utc>> = keys.iter().map(|k| k.before_at).collect();
    let before_id: Vec<String> = keys.iter().map(|k| k.before_id.clone()).collect();
    let limits: Vec<i64> = keys.iter().map(|k| k.limit as i64).collect();
    let statement = Statement::from_sql_and_values(
        DbBackend::Postgres,
        sql::FOLLOW_PAGES,
        [users.into(), followers.into(), before_at.into(), before_id.into(), limits.into()],
    );
    let rows = services.db.query_all_raw(statement).await?;
    let mut map: HashMap<FollowPageKey, Vec<Follow>> =
        keys.iter().map(|k| ((*k).clone(), Vec::new())).collect();
    for row in rows {
        let Row { key_index, followed_at } = Row::from_query_result(&row, "")?;
        let user = user::Model::from_query_result(&row, "")?;
        if let Some(key) = usize::try_from(key_index).ok().and_then(|i| keys.get(i)) {
            map.entry((*key).clone()).or_default().push((followed_at, Arc::new(user)));
        }
    }
    Ok(map.into_iter().map(|(k, v)| (k, Arc::new(v))).collect())
}

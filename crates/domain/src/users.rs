//! Reading users.
use entity::user;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder};

use crate::visibility::{CollaboratorList, MemberList};
use crate::{DomainError, Services};

/// Usernames are unique case-insensitively.
pub async fn find_by_username(
    services: &Services,
    username: &str,
) -> Result<Option<user::Model>, DomainError> {
    use sea_orm::sea_query::Expr;
    Ok(user::Entity::find()
        .filter(Expr::cust_with_values("lower(username) = $1", [username.trim().to_lowercase()]))
        .one(&services.db)
        .await?)
}

/// The viewer's invitations to collaborate that await an answer, newest first.
pub async fn pending_invitations(
    services: &Services,
    user_id: &str,
) -> Result<Vec<entity::project_collaborator::Model>, DomainError> {
    use entity::project_collaborator;
    Ok(project_collaborator::Entity::find()
        .filter(project_collaborator::Column::UserId.eq(user_id))
        .filter(project_collaborator::Column::Status.eq(CollaboratorList::Pending.status()))
        .order_by_desc(project_collaborator::Column::InvitedAt)
        .all(&services.db)
        .await?)
}

/// The viewer's requests to join tribes that await a decision, newest first.
pub async fn pending_join_requests(
    services: &Services,
    user_id: &str,
) -> Result<Vec<entity::tribe_member::Model>, DomainError> {
    use entity::tribe_member;
    Ok(tribe_member::Entity::find()
        .filter(tribe_member::Column::UserId.eq(user_id))
        .filter(tribe_member::Column::Status.eq(MemberList::Pending.status()))
        .order_by_desc(tribe_member::Column::RequestedAt)
        .all(&services.db)
        .await?)
}

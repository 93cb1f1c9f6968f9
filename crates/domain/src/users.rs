//! Reading users.
use entity::{skill, user, user_skill};
use sea_orm::{
    ColumnTrait, EntityTrait, JoinType, QueryFilter, QueryOrder, QuerySelect, RelationTrait,
};

use crate::{DomainError, Services};

pub async fn find(services: &Services, id: &str) -> Result<Option<user::Model>, DomainError> {
    Ok(user::Entity::find_by_id(id.to_owned()).one(&services.db).await?)
}

/// One user's skills, by name.
pub async fn skills_of(
    services: &Services,
    user_id: &str,
) -> Result<Vec<skill::Model>, DomainError> {
    Ok(skill::Entity::find()
        .join(JoinType::InnerJoin, skill::Relation::UserSkills.def())
        .filter(user_skill::Column::UserId.eq(user_id))
        .order_by_asc(skill::Column::Name)
        .all(&services.db)
        .await?)
}

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

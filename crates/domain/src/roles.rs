//! A tribe's open roles: the owner adds, edits and removes them. A role is filled when the owner
//! approves a request that asked for it (see [`crate::membership::decide`]), and open again when
//! the builder who filled it leaves, is removed or deletes their account ([`release_held_by`]).
use entity::tribe_open_role;
use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, DatabaseTransaction, EntityTrait, QueryFilter,
    TransactionTrait,
};
use serde_json::json;

use crate::tribes::owned;
use crate::{DomainError, Services, caps, new_id, validate};

type Result<T> = std::result::Result<T, DomainError>;

#[derive(Debug, Default)]
pub struct OpenRoleInput {
    pub title: Option<String>,
    pub skills_needed: Option<Vec<String>>,
    pub filled: Option<bool>,
}

/// The same input, validated: title trimmed, skills deduplicated.
fn validated(input: OpenRoleInput) -> Result<OpenRoleInput> {
    Ok(OpenRoleInput {
        title: input.title.map(|t| validate::required_text("title", &t, 100)).transpose()?,
        skills_needed: input
            .skills_needed
            .map(|s| validate::short_strings("skillsNeeded", &s, 20))
            .transpose()?,
        filled: input.filled,
    })
}

pub async fn add(
    services: &Services,
    viewer_id: &str,
    tribe_id: &str,
    input: OpenRoleInput,
) -> Result<tribe_open_role::Model> {
    let input = validated(input)?;
    let title =
        input.title.ok_or_else(|| DomainError::invalid("title", "title must not be empty"))?;
    let skills = input.skills_needed;
    let txn = services.db.begin().await?;
    let tribe = owned(&txn, viewer_id, tribe_id).await?;
    caps::check_open_roles(&txn, &tribe).await?;
    let role = tribe_open_role::ActiveModel {
        id: Set(new_id()),
        tribe_id: Set(tribe_id.to_owned()),
        title: Set(title),
        skills_needed: Set(json!(skills.unwrap_or_default())),
        filled: Set(false),
        filled_by: Set(None),
    }
    .insert(&txn)
    .await?;
    txn.commit().await?;
    Ok(role)
}

async fn owned_role(
    txn: &DatabaseTransaction,
    viewer_id: &str,
    role_id: &str,
) -> Result<tribe_open_role::Model> {
    let role = tribe_open_role::Entity::find_by_id(role_id.to_owned())
        .one(txn)
        .await?
        .ok_or(DomainError::NotFound { what: "open role" })?;
    owned(txn, viewer_id, &role.tribe_id).await?;
    Ok(role)
}

pub async fn update(
    services: &Services,
    viewer_id: &str,
    role_id: &str,
    input: OpenRoleInput,
) -> Result<tribe_open_role::Model> {
    let OpenRoleInput { title, skills_needed: skills, filled } = validated(input)?;
    let txn = services.db.begin().await?;
    let role = owned_role(&txn, viewer_id, role_id).await?;
    let mut active: tribe_open_role::ActiveModel = role.into();
    if let Some(title) = title {
        active.title = Set(title);
    }
    if let Some(skills) = skills {
        active.skills_needed = Set(json!(skills));
    }
    if let Some(filled) = filled {
        active.filled = Set(filled);
        if !filled {
            active.filled_by = Set(None);
        }
    }
    let role = active.update(&txn).await?;
    txn.commit().await?;
    Ok(role)
}

pub async fn remove(services: &Services, viewer_id: &str, role_id: &str) -> Result<()> {
    let txn = services.db.begin().await?;
    let role = owned_role(&txn, viewer_id, role_id).await?;
    tribe_open_role::Entity::delete_by_id(role.id).exec(&txn).await?;
    txn.commit().await?;
    Ok(())
}

/// Opens again every role `holder` filled (in `tribe_id`, or in every tribe): `filled` false,
/// `filled_by` null. Called when the holder leaves or is removed, and before their account is
/// deleted (the foreign key's ON DELETE SET NULL would clear `filled_by` but leave `filled`
/// true: a role filled by nobody that nobody could ask for). A role the owner marked filled by
/// hand, with no holder, is not touched. The caller holds the tribe's lock.
pub(crate) async fn release_held_by(
    txn: &DatabaseTransaction,
    holder: &str,
    tribe_id: Option<&str>,
) -> Result<()> {
    let mut released = tribe_open_role::Entity::update_many()
        .col_expr(tribe_open_role::Column::Filled, Expr::value(false))
        .col_expr(tribe_open_role::Column::FilledBy, Expr::value(Option::<String>::None))
        .filter(tribe_open_role::Column::FilledBy.eq(holder));
    if let Some(tribe_id) = tribe_id {
        released = released.filter(tribe_open_role::Column::TribeId.eq(tribe_id));
    }
    released.exec(txn).await?;
    Ok(())
}

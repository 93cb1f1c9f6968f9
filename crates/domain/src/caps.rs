//! Caps: the most rows each list a visitor can read may hold, for the lists that are read whole
//! rather than paginated. They are the one place these numbers live (docs/security.md lists
//! them, "Bounded lists").
//!
//! Each cap bounds what one request can make the server read, and the GraphQL cost model counts
//! each capped list as its cap times its selection (`graphql::cost::LIST_CAPS`), so no query is
//! cheaper on paper than in the database.
//!
//! Every cap is checked in the transaction that would add a row to its list, under the row lock
//! that serialises those writes, so concurrent requests are counted one after another: the
//! tribe's row ([`crate::tribes::locked`]) for a tribe's lists, the project's row
//! (`projects::owned`) for a project's, and the builder's row ([`lock_builders`]) for a builder's
//! lists, which writes on different tribes or projects add to. Builders' rows are always locked
//! before any tribe or project row (as deleting an account does: the user, then what they own), so
//! no two of these writes can wait on each other in opposite orders.
use entity::enums::{CollaboratorStatus, MemberRole, MemberStatus};
use entity::{project, project_collaborator, tribe, tribe_member, tribe_open_role, user};
use sea_orm::sea_query::LockType;
use sea_orm::{
    ColumnTrait, DatabaseTransaction, EntityTrait, JoinType, PaginatorTrait, QueryFilter,
    QueryOrder, QuerySelect, RelationTrait,
};

use crate::{ConflictReason, DomainError};

type Result<T> = std::result::Result<T, DomainError>;

/// `User.skills`: a builder's skills (`setSkills` takes at most this many).
pub const MAX_SKILLS: usize = 30;
/// `Tribe.members`: the largest `maxMembers` a tribe can set.
pub const MAX_MEMBERS_PER_TRIBE: usize = 50;
/// `Tribe.openRoles`: a tribe's roles, filled or not.
pub const MAX_OPEN_ROLES_PER_TRIBE: usize = 20;
/// `Tribe.joinRequests`: requests awaiting the tribe owner's decision.
pub const MAX_JOIN_REQUESTS_PER_TRIBE: usize = 50;
/// `viewerJoinRequests`: a builder's requests to join awaiting a decision.
pub const MAX_JOIN_REQUESTS_PER_BUILDER: usize = 20;
/// Tribes a builder owns (is the active OWNER of), checked when they create one.
pub const MAX_TRIBES_OWNED: usize = 10;
/// `User.tribes`: the tribes a builder is an active member of, owned ones included.
pub const MAX_TRIBES_PER_BUILDER: usize = 20;
/// `Project.collaborators` and `Project.pendingInvitations` together: confirmed collaborators
/// plus invitations awaiting an answer.
pub const MAX_COLLABORATORS_PER_PROJECT: usize = 20;
/// `viewerInvitations`: invitations awaiting one builder's answer.
pub const MAX_INVITATIONS_PER_INVITEE: usize = 50;
/// Invitations one builder has sent, across their projects, that await an answer: one account
/// cannot flood everyone's invitations.
pub const MAX_INVITATIONS_PER_INVITER: usize = 50;
/// `User.collaborations`: the projects a builder collaborates on (confirmed).
pub const MAX_COLLABORATIONS_PER_BUILDER: usize = 50;
/// `skills`, the taxonomy: no mutation adds skills (the seeded catalogue holds 87); it is read
/// with this limit, so the bound holds whatever the table holds.
pub const MAX_TAXONOMY_SKILLS: usize = 100;

fn at_cap(count: u64, cap: usize) -> bool {
    count >= cap as u64
}

fn reached(reason: ConflictReason, message: String) -> DomainError {
    DomainError::conflict(reason, message)
}

/// Locks the builders' rows for this transaction, in id order (so two transactions locking the
/// same builders never wait on each other), and returns the ids that exist. `FOR NO KEY UPDATE`
/// serialises the cap checks on a builder's lists without blocking the foreign-key checks of
/// other writes that merely reference the builder (a follow, a membership).
pub(crate) async fn lock_builders(txn: &DatabaseTransaction, ids: &[&str]) -> Result<Vec<String>> {
    Ok(user::Entity::find()
        .select_only()
        .column(user::Column::Id)
        .filter(user::Column::Id.is_in(ids.iter().copied()))
        .order_by_asc(user::Column::Id)
        .lock(LockType::NoKeyUpdate)
        .into_tuple::<String>()
        .all(txn)
        .await?)
}

fn memberships(user_id: &str, status: MemberStatus) -> sea_orm::Select<tribe_member::Entity> {
    tribe_member::Entity::find()
        .filter(tribe_member::Column::UserId.eq(user_id))
        .filter(tribe_member::Column::Status.eq(status))
}

/// `addOpenRole`: the tribe (locked by the caller) has room for another role.
pub(crate) async fn check_open_roles(
    txn: &DatabaseTransaction,
    tribe: &tribe::Model,
) -> Result<()> {
    let roles = tribe_open_role::Entity::find()
        .filter(tribe_open_role::Column::TribeId.eq(tribe.id.as_str()))
        .count(txn)
        .await?;
    if at_cap(roles, MAX_OPEN_ROLES_PER_TRIBE) {
        return Err(reached(
            ConflictReason::OpenRoleLimitReached,
            format!(
                "{} has {MAX_OPEN_ROLES_PER_TRIBE} open roles, the most a tribe can have. Remove one to add another.",
                tribe.name
            ),
        ));
    }
    Ok(())
}

/// A builder (locked by the caller, [`lock_builders`]) can become an active member of one more
/// tribe. `other` is the builder's name when someone else is asking (an owner approving), None
/// when it is the builder's own request.
async fn check_memberships(
    txn: &DatabaseTransaction,
    user_id: &str,
    other: Option<&str>,
) -> Result<()> {
    let active = memberships(user_id, MemberStatus::Active).count(txn).await?;
    if at_cap(active, MAX_TRIBES_PER_BUILDER) {
        let who = match other {
            None => "You are".to_owned(),
            Some(name) => format!("{name} is"),
        };
        return Err(reached(
            ConflictReason::TribeLimitReached,
            format!(
                "{who} already a member of {MAX_TRIBES_PER_BUILDER} tribes, the most anyone can be. Leaving one makes room."
            ),
        ));
    }
    Ok(())
}

/// `createTribe`: locks the owner-to-be's row, then checks they own fewer than
/// [`MAX_TRIBES_OWNED`] tribes and belong to fewer than [`MAX_TRIBES_PER_BUILDER`].
pub(crate) async fn check_new_tribe(txn: &DatabaseTransaction, owner_id: &str) -> Result<()> {
    lock_builders(txn, &[owner_id]).await?;
    let owned = memberships(owner_id, MemberStatus::Active)
        .filter(tribe_member::Column::Role.eq(MemberRole::Owner))
        .count(txn)
        .await?;
    if at_cap(owned, MAX_TRIBES_OWNED) {
        return Err(reached(
            ConflictReason::TribeLimitReached,
            format!("You already own {MAX_TRIBES_OWNED} tribes, the most anyone can."),
        ));
    }
    check_memberships(txn, owner_id, None).await
}

/// `requestToJoinTribe`: the tribe (locked by the caller) and the requester (locked by the caller
/// before the tribe, [`lock_builders`]) both have room for another pending request, and the
/// requester could still join.
pub(crate) async fn check_join_request(
    txn: &DatabaseTransaction,
    tribe: &tribe::Model,
    requester_id: &str,
) -> Result<()> {
    check_memberships(txn, requester_id, None).await?;
    let mine = memberships(requester_id, MemberStatus::Pending).count(txn).await?;
    if at_cap(mine, MAX_JOIN_REQUESTS_PER_BUILDER) {
        return Err(reached(
            ConflictReason::JoinRequestLimitReached,
            format!(
                "You have {MAX_JOIN_REQUESTS_PER_BUILDER} requests to join awaiting a decision, the most anyone can. Withdraw one to ask another tribe."
            ),
        ));
    }
    let waiting = tribe_member::Entity::find()
        .filter(tribe_member::Column::TribeId.eq(tribe.id.as_str()))
        .filter(tribe_member::Column::Status.eq(MemberStatus::Pending))
        .count(txn)
        .await?;
    if at_cap(waiting, MAX_JOIN_REQUESTS_PER_TRIBE) {
        return Err(reached(
            ConflictReason::JoinRequestLimitReached,
            format!(
                "{} has {MAX_JOIN_REQUESTS_PER_TRIBE} requests awaiting a decision, the most a tribe can hold. Try again once its owner has answered some.",
                tribe.name
            ),
        ));
    }
    Ok(())
}

/// `decideMembership` approving: the joiner (locked by the caller before the tribe,
/// [`lock_builders`]) can become an active member of one more tribe.
pub(crate) async fn check_joining(txn: &DatabaseTransaction, joiner_id: &str) -> Result<()> {
    let name = user::Entity::find_by_id(joiner_id.to_owned())
        .one(txn)
        .await?
        .map_or_else(|| "This builder".to_owned(), |u| u.display_name);
    check_memberships(txn, joiner_id, Some(&name)).await
}

/// `inviteCollaborator`: the project (locked by the caller) has room for another collaborator,
/// and the inviter and the invitee (both locked by the caller before the project,
/// [`lock_builders`]) for another pending invitation.
pub(crate) async fn check_invitation(
    txn: &DatabaseTransaction,
    project: &project::Model,
    invitee: &user::Model,
) -> Result<()> {
    use project_collaborator::Column;
    let on_project = project_collaborator::Entity::find()
        .filter(Column::ProjectId.eq(project.id.as_str()))
        .filter(Column::Status.is_in([CollaboratorStatus::Pending, CollaboratorStatus::Confirmed]))
        .count(txn)
        .await?;
    if at_cap(on_project, MAX_COLLABORATORS_PER_PROJECT) {
        return Err(reached(
            ConflictReason::CollaboratorLimitReached,
            format!(
                "This project has {MAX_COLLABORATORS_PER_PROJECT} collaborators and invitations awaiting an answer, the most a project can have. Remove one to invite someone new."
            ),
        ));
    }
    let awaiting = project_collaborator::Entity::find()
        .filter(Column::UserId.eq(invitee.id.as_str()))
        .filter(Column::Status.eq(CollaboratorStatus::Pending))
        .count(txn)
        .await?;
    if at_cap(awaiting, MAX_INVITATIONS_PER_INVITEE) {
        return Err(reached(
            ConflictReason::InvitationLimitReached,
            format!(
                "{} has {MAX_INVITATIONS_PER_INVITEE} invitations awaiting an answer, the most anyone can. Try again once they have answered some.",
                invitee.display_name
            ),
        ));
    }
    let sent = project_collaborator::Entity::find()
        .join(JoinType::InnerJoin, project_collaborator::Relation::Project.def())
        .filter(project::Column::OwnerId.eq(project.owner_id.as_str()))
        .filter(Column::Status.eq(CollaboratorStatus::Pending))
        .count(txn)
        .await?;
    if at_cap(sent, MAX_INVITATIONS_PER_INVITER) {
        return Err(reached(
            ConflictReason::InvitationLimitReached,
            format!(
                "You have {MAX_INVITATIONS_PER_INVITER} invitations awaiting an answer, the most anyone can. Withdraw one to invite someone new."
            ),
        ));
    }
    Ok(())
}

/// `respondToCollaboration` accepting: the builder (locked by the caller, [`lock_builders`])
/// collaborates on fewer than [`MAX_COLLABORATIONS_PER_BUILDER`] projects.
pub(crate) async fn check_collaborations(txn: &DatabaseTransaction, user_id: &str) -> Result<()> {
    let confirmed = project_collaborator::Entity::find()
        .filter(project_collaborator::Column::UserId.eq(user_id))
        .filter(project_collaborator::Column::Status.eq(CollaboratorStatus::Confirmed))
        .count(txn)
        .await?;
    if at_cap(confirmed, MAX_COLLABORATIONS_PER_BUILDER) {
        return Err(reached(
            ConflictReason::CollaborationLimitReached,
            format!(
                "You collaborate on {MAX_COLLABORATIONS_PER_BUILDER} projects, the most anyone can. Leave one to accept this invitation."
            ),
        ));
    }
    Ok(())
}

//! Who sees what: the one place each visibility rule is decided. The GraphQL types and the feed's
//! prefetch ask these functions; none of them decides on its own.
use entity::enums::{CollaboratorStatus, MemberStatus};

use crate::auth::Viewer;

/// A builder's email is seen by the builder themself and nobody else.
pub fn sees_email(viewer: &Viewer, user_id: &str) -> bool {
    viewer.user_id() == Some(user_id)
}

/// Owner-only fields (a project's pending invitations, a tribe's join requests) are seen by the
/// owner and nobody else: for everyone else they are null, not empty.
pub fn sees_owner_only(viewer: &Viewer, owner_id: &str) -> bool {
    viewer.user_id() == Some(owner_id)
}

/// The lists of a project's or a builder's collaborations, and which invitations each shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum CollaboratorList {
    /// `Project.collaborators` and `User.collaborations`: everyone sees the confirmed ones.
    Confirmed,
    /// `Project.pendingInvitations` (owner only, see [`sees_owner_only`]) and the viewer's own
    /// invitations: those not yet answered.
    Pending,
}

impl CollaboratorList {
    pub fn status(self) -> CollaboratorStatus {
        match self {
            Self::Confirmed => CollaboratorStatus::Confirmed,
            Self::Pending => CollaboratorStatus::Pending,
        }
    }
}

/// The lists of a tribe's or a builder's memberships, and which memberships each shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum MemberList {
    /// `Tribe.members` and `User.tribes`: everyone sees the active members. Those who left, were
    /// removed or rejected appear nowhere.
    Active,
    /// `Tribe.joinRequests` (owner only) and the viewer's own requests: those awaiting a decision.
    Pending,
}

impl MemberList {
    pub fn status(self) -> MemberStatus {
        match self {
            Self::Active => MemberStatus::Active,
            Self::Pending => MemberStatus::Pending,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn user(id: &str) -> Viewer {
        Viewer::User { id: id.into() }
    }

    #[test]
    fn only_the_builder_sees_their_email() {
        assert!(sees_email(&user("a"), "a"));
        assert!(!sees_email(&user("b"), "a"));
        assert!(!sees_email(&Viewer::Anonymous, "a"));
    }

    #[test]
    fn only_the_owner_sees_owner_only_fields() {
        assert!(sees_owner_only(&user("owner"), "owner"));
        assert!(!sees_owner_only(&user("member"), "owner"));
        assert!(!sees_owner_only(&Viewer::Anonymous, "owner"));
    }

    #[test]
    fn public_lists_show_only_settled_relations() {
        assert_eq!(CollaboratorList::Confirmed.status(), CollaboratorStatus::Confirmed);
        assert_eq!(MemberList::Active.status(), MemberStatus::Active);
        assert_eq!(CollaboratorList::Pending.status(), CollaboratorStatus::Pending);
        assert_eq!(MemberList::Pending.status(), MemberStatus::Pending);
    }
}

//! GraphQL enums (SCREAMING_CASE values) mirroring the database enums.
use async_graphql::Enum;
use entity::enums as db;

macro_rules! mirror_enum {
    ($(#[$meta:meta])* $name:ident <=> $db:ident { $($variant:ident),+ $(,)? }) => {
        $(#[$meta])*
        #[derive(Enum, Copy, Clone, Debug, PartialEq, Eq)]
        pub enum $name { $($variant),+ }

        impl From<db::$db> for $name {
            fn from(value: db::$db) -> Self {
                match value { $(db::$db::$variant => Self::$variant),+ }
            }
        }

        impl From<$name> for db::$db {
            fn from(value: $name) -> Self {
                match value { $($name::$variant => Self::$variant),+ }
            }
        }
    };
}

mirror_enum!(
    /// What a builder mainly does.
    UserRole <=> UserRole { Engineer, Designer, Pm, Marketer, Growth, Founder, Other }
);
mirror_enum!(
    /// Whether a builder is looking for a tribe or projects.
    AvailabilityStatus <=> AvailabilityStatus { OpenToTribe, AvailableForProjects, JustBrowsing }
);
mirror_enum!(
    SkillCategory <=> SkillCategory { Engineering, Design, Product, Marketing, Growth, Data, Operations, Other }
);
mirror_enum!(ProjectStatus <=> ProjectStatus { Shipped, InProgress, Archived });
mirror_enum!(CollaboratorStatus <=> CollaboratorStatus { Pending, Confirmed, Declined });
mirror_enum!(TribeStatus <=> TribeStatus { Open, Active, Alumni });
mirror_enum!(MemberRole <=> MemberRole { Owner, Member });
mirror_enum!(MemberStatus <=> MemberStatus { Pending, Active, Rejected, Left, Removed });
mirror_enum!(
    /// What happened, in a feed event.
    EventType <=> EventType {
        ProjectCreated, ProjectShipped, CollaborationConfirmed, TribeCreated, MemberJoinedTribe, BuilderJoined
    }
);
mirror_enum!(
    /// What a feed event points at.
    FeedTargetType <=> TargetType { Project, Tribe, User }
);

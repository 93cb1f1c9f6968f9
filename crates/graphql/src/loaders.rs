//! DataLoaders: every relation a resolver walks is loaded in one batched statement per wave of
//! resolution, so a page costs a constant number of statements whatever its size. They are made
//! fresh for each request ([`Loaders::new`]), so their caches never outlive it.
use std::collections::HashMap;
use std::sync::Arc;

use async_graphql::dataloader::{DataLoader, HashMapCache, Loader};
use domain::batch::{self, FollowCounts, List};
use domain::lists::{Follow, FollowPageKey};
use domain::visibility::{CollaboratorList, MemberList};
use domain::{DomainError, Services};
use entity::{project, project_collaborator, skill, tribe, tribe_member, tribe_open_role, user};

/// A loader's failure, shared by every resolver that waited on the batch.
#[derive(Clone)]
pub struct LoadError(pub Arc<DomainError>);

impl From<DomainError> for LoadError {
    fn from(err: DomainError) -> Self {
        Self(Arc::new(err))
    }
}

macro_rules! loader {
    ($(#[$doc:meta])* $name:ident, $key:ty => $value:ty, |$services:ident, $keys:ident| $body:expr) => {
        $(#[$doc])*
        pub struct $name(Services);

        impl Loader<$key> for $name {
            type Value = $value;
            type Error = LoadError;

            async fn load(&self, keys: &[$key]) -> Result<HashMap<$key, $value>, LoadError> {
                let $services = &self.0;
                let $keys = keys;
                Ok($body.await?)
            }
        }
    };
}

loader!(
    /// Users by id.
    UserLoader, String => Arc<user::Model>, |s, k| batch::users(s, k)
);
loader!(
    /// A user's skills (one JOIN).
    SkillsLoader, String => List<Arc<skill::Model>>, |s, k| batch::skills_of_users(s, k)
);
loader!(
    /// Projects by id, with their owner (one JOIN).
    ProjectLoader, String => (Arc<project::Model>, Arc<user::Model>), |s, k| batch::projects_with_owner(s, k)
);
loader!(
    /// Tribes by id, with their owner (one JOIN).
    TribeLoader, String => (Arc<tribe::Model>, Arc<user::Model>), |s, k| batch::tribes_with_owner(s, k)
);
loader!(
    /// A project's confirmed collaborators with their users (one JOIN).
    CollaboratorsLoader, String => List<(Arc<project_collaborator::Model>, Arc<user::Model>)>,
    |s, k| batch::collaborators_of_projects(s, k, CollaboratorList::Confirmed)
);
loader!(
    /// A tribe's active members with their users (one JOIN).
    MembersLoader, String => List<(Arc<tribe_member::Model>, Arc<user::Model>)>, |s, k| batch::members_of_tribes(s, k, MemberList::Active)
);
loader!(
    /// A project's invitations not yet answered, with the invited users (one JOIN).
    InvitationsLoader, String => List<(Arc<project_collaborator::Model>, Arc<user::Model>)>,
    |s, k| batch::collaborators_of_projects(s, k, CollaboratorList::Pending)
);
loader!(
    /// A tribe's pending join requests, with the users asking (one JOIN).
    JoinRequestsLoader, String => List<(Arc<tribe_member::Model>, Arc<user::Model>)>,
    |s, k| batch::members_of_tribes(s, k, MemberList::Pending)
);
loader!(
    /// A tribe's open roles.
    OpenRolesLoader, String => List<Arc<tribe_open_role::Model>>, |s, k| batch::open_roles_of_tribes(s, k)
);
loader!(
    /// The tribes a user is an active member of.
    UserTribesLoader, String => List<Arc<tribe::Model>>, |s, k| batch::tribes_of_users(s, k)
);
loader!(
    /// The projects a user collaborates on.
    CollaborationsLoader, String => List<(Arc<project_collaborator::Model>, Arc<project::Model>)>,
    |s, k| batch::collaborations_of_users(s, k)
);
loader!(
    /// Follower and following counts.
    FollowCountsLoader, String => FollowCounts, |s, k| batch::follow_counts(s, k)
);
loader!(
    /// A page of a user's followers or followings; the key carries the page arguments.
    FollowPagesLoader, FollowPageKey => List<Follow>, |s, k| batch::follow_pages(s, k)
);
loader!(
    /// A page of a user's projects; the key carries the page arguments (owner, before, limit).
    OwnerProjectsLoader, (String, String, u64) => List<Arc<project::Model>>, |s, k| batch::projects_of_owners(s, k)
);

/// Whether the viewer follows each user.
pub struct ViewerFollowsLoader {
    services: Services,
    viewer_id: String,
}

impl Loader<String> for ViewerFollowsLoader {
    type Value = bool;
    type Error = LoadError;

    async fn load(&self, keys: &[String]) -> Result<HashMap<String, bool>, LoadError> {
        let followed = batch::followed_by(&self.services, &self.viewer_id, keys).await?;
        Ok(keys.iter().map(|k| (k.clone(), followed.contains(k))).collect())
    }
}

pub struct Loaders {
    pub users: DataLoader<UserLoader, HashMapCache>,
    pub skills: DataLoader<SkillsLoader, HashMapCache>,
    pub projects: DataLoader<ProjectLoader, HashMapCache>,
    pub tribes: DataLoader<TribeLoader, HashMapCache>,
    pub collaborators: DataLoader<CollaboratorsLoader, HashMapCache>,
    pub members: DataLoader<MembersLoader, HashMapCache>,
    pub invitations: DataLoader<InvitationsLoader, HashMapCache>,
    pub join_requests: DataLoader<JoinRequestsLoader, HashMapCache>,
    pub open_roles: DataLoader<OpenRolesLoader, HashMapCache>,
    pub user_tribes: DataLoader<UserTribesLoader, HashMapCache>,
    pub collaborations: DataLoader<CollaborationsLoader, HashMapCache>,
    pub follow_counts: DataLoader<FollowCountsLoader, HashMapCache>,
    pub follow_pages: DataLoader<FollowPagesLoader, HashMapCache>,
    pub owner_projects: DataLoader<OwnerProjectsLoader, HashMapCache>,
    /// None when anonymous.
    pub viewer_follows: Option<DataLoader<ViewerFollowsLoader, HashMapCache>>,
}

fn make<T: Loader<K>, K>(loader: T) -> DataLoader<T, HashMapCache>
where
    K: Send + Sync + std::hash::Hash + Eq + Clone + 'static,
{
    DataLoader::with_cache(loader, tokio::spawn, HashMapCache::default())
}

impl Loaders {
    pub fn new(services: &Services, viewer: &domain::auth::Viewer) -> Self {
        let s = || services.clone();
        Self {
            users: make(UserLoader(s())),
            skills: make(SkillsLoader(s())),
            projects: make(ProjectLoader(s())),
            tribes: make(TribeLoader(s())),
            collaborators: make(CollaboratorsLoader(s())),
            members: make(MembersLoader(s())),
            invitations: make(InvitationsLoader(s())),
            join_requests: make(JoinRequestsLoader(s())),
            open_roles: make(OpenRolesLoader(s())),
            user_tribes: make(UserTribesLoader(s())),
            collaborations: make(CollaborationsLoader(s())),
            follow_counts: make(FollowCountsLoader(s())),
            follow_pages: make(FollowPagesLoader(s())),
            owner_projects: make(OwnerProjectsLoader(s())),
            viewer_follows: viewer
                .user_id()
                .map(|id| make(ViewerFollowsLoader { services: s(), viewer_id: id.to_owned() })),
        }
    }
}

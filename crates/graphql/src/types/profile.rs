use async_graphql::{InputObject, Json, MaybeUndefined};
use domain::profile::ProfileUpdate;

use super::enums::{AvailabilityStatus, UserRole};
use crate::mutation::{change, change_with};

/// Fields left out are kept; nullable fields set to null are cleared.
#[derive(InputObject, Default)]
pub struct UpdateProfileInput {
    /// 1 to 100 characters; no zero-width or text-direction characters.
    pub display_name: Option<String>,
    /// At most 200 characters.
    pub headline: MaybeUndefined<String>,
    /// At most 2000 characters.
    pub bio: MaybeUndefined<String>,
    /// An http(s) URL, stored normalised (as the URL standard writes it), at most 500 characters.
    pub avatar_url: MaybeUndefined<String>,
    pub primary_role: MaybeUndefined<UserRole>,
    /// An IANA time zone name, such as Europe/Berlin.
    pub timezone: MaybeUndefined<String>,
    pub availability_status: Option<AvailabilityStatus>,
    /// At most 10 links: {"github": "https://github.com/you"}; keys of a-z, 0-9 and _.
    pub contact_links: Option<Json<serde_json::Value>>,
    /// Unique regardless of case.
    pub github_username: MaybeUndefined<String>,
    /// False to leave discovery: no search, candidate list, suggestion or similar-builders list
    /// shows you; your profile stays reachable by id and username. True by default.
    pub discoverable: Option<bool>,
}

impl From<UpdateProfileInput> for ProfileUpdate {
    fn from(input: UpdateProfileInput) -> Self {
        Self {
            display_name: input.display_name,
            headline: change(input.headline),
            bio: change(input.bio),
            avatar_url: change(input.avatar_url),
            primary_role: change_with(input.primary_role, Into::into),
            timezone: change(input.timezone),
            availability_status: input.availability_status.map(Into::into),
            contact_links: input.contact_links.map(|j| j.0),
            github_username: change(input.github_username),
            discoverable: input.discoverable,
        }
    }
}

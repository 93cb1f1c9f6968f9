//! Every mutation, one file per aggregate, each with its input types. Each returns the object it
//! changed, so a normalising client cache updates itself.
mod accounts;
mod follows;
mod projects;
mod tribes;

use async_graphql::{MaybeUndefined, MergedObject};
use domain::profile::Change;

use accounts::AccountMutation;
use follows::FollowMutation;
use projects::ProjectMutation;
use tribes::TribeMutation;

// The order of the members is the order of the fields in the SDL.
/// Every mutation.
#[derive(MergedObject, Default)]
pub struct Mutation(AccountMutation, FollowMutation, ProjectMutation, TribeMutation);

/// A nullable input field as a change: left out keeps, null clears, a value (mapped by `f`) sets.
pub(crate) fn change_with<T, U>(value: MaybeUndefined<T>, f: impl FnOnce(T) -> U) -> Change<U> {
    match value {
        MaybeUndefined::Undefined => Change::Keep,
        MaybeUndefined::Null => Change::Clear,
        MaybeUndefined::Value(v) => Change::Set(f(v)),
    }
}

/// [`change_with`] for a value that is set as it is.
pub(crate) fn change<T>(value: MaybeUndefined<T>) -> Change<T> {
    change_with(value, std::convert::identity)
}

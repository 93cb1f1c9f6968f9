// Must NOT compile: proves the main check is not vacuous. Each marked line reads a field the
// schema makes nullable, unguarded; check.sh asserts tsc reports exactly the marked errors
// (line and code) and nothing else. If the generated types went loose (any, or everything
// non-null), these lines would compile and check.sh would fail.
import type { FeedCardFragment, TribePageQuery } from './gql/graphql';

// Only the root lookup is narrowed, so the one error per line is the relation's.
type Tribe = NonNullable<TribePageQuery['tribe']>;

// OpenRole.filledBy: User (null while the role is open).
export const holder = (tribe: Tribe) => tribe.openRoles[0].filledBy.username; // expect TS2531
// FeedEvent.target: FeedTarget (null when deleted during the request).
export const kind = (event: FeedCardFragment) => event.target.__typename; // expect TS18047

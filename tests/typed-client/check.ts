// Issue 11: a client compiles against schema.graphql under "strict": true, reading the
// relations the schema guarantees (non-null) with no optional chaining and no non-null
// assertions. check.sh also greps this file for both, so a guard cannot creep back in.
// The nullable fields (a feed event's target, a role's filledBy, a root lookup) are narrowed
// the way a real page would; negative.ts shows that leaving them unguarded does not compile.
import { graphql, useFragment, type FragmentType } from './gql';
import type {
  CollaborationsQuery,
  FeedPageQuery,
  RequestToJoinMutation,
  TribePageQuery,
} from './gql/graphql';

// A feed card, as a Next.js component would declare its data (masked fragment).
export const FeedCardFragment = graphql(`
  fragment FeedCard on FeedEvent {
    id
    eventType
    createdAt
    actor { username displayName avatarUrl }
    target {
      __typename
      ... on Project { id title owner { username displayName } }
      ... on Tribe { id name owner { username } }
      ... on User { id username displayName }
    }
  }
`);

export const FeedPage = graphql(`
  query FeedPage($first: Int, $after: String) {
    feed(first: $first, after: $after) {
      pageInfo { hasNextPage endCursor }
      nodes { id ...FeedCard }
    }
  }
`);

export const TribePage = graphql(`
  query TribePage($id: ID!) {
    tribe(id: $id) {
      id
      name
      status
      owner { username displayName }
      members { role joinedAt user { username displayName } }
      openRoles { id title filled skillsNeeded filledBy { username displayName } }
    }
  }
`);

export const Collaborations = graphql(`
  query Collaborations($projectId: ID!) {
    project(id: $projectId) {
      title
      owner { username }
      collaborators { role user { displayName } project { title } }
    }
    viewerInvitations { role user { username } project { id title owner { displayName } } }
  }
`);

export const RequestToJoin = graphql(`
  mutation RequestToJoin($tribeId: ID!, $roleId: ID) {
    requestToJoinTribe(tribeId: $tribeId, roleId: $roleId) {
      status
      user { username }
      tribe { name owner { displayName } }
    }
  }
`);

export function feedCard(ref: FragmentType<typeof FeedCardFragment>): string {
  const event = useFragment(FeedCardFragment, ref);
  const who = event.actor.displayName;
  // target is nullable by contract (deleted while the request ran): a real guard.
  if (event.target === null) return `${who} · ${event.eventType}`;
  const target = event.target;
  switch (target.__typename) {
    case 'Project':
      return `${who} · ${event.eventType} · ${target.title} by @${target.owner.username}`;
    case 'Tribe':
      return `${who} · ${event.eventType} · ${target.name}, owner @${target.owner.username}`;
    case 'User':
      return `${who} · ${event.eventType} · ${target.displayName}`;
  }
}

export function feedPage(data: FeedPageQuery): string[] {
  const cards = data.feed.nodes.map(feedCard);
  if (data.feed.pageInfo.hasNextPage) cards.push(`more after ${data.feed.pageInfo.endCursor}`);
  return cards;
}

export function tribePage(data: TribePageQuery): string[] {
  // tribe(id:) is null when there is none: the root lookup is the guard, not its relations.
  const tribe = data.tribe;
  if (tribe === null) return ['not found'];
  return [
    `${tribe.name} (${tribe.status}), owner ${tribe.owner.displayName}`,
    ...tribe.members.map((m) => `${m.role}: ${m.user.displayName} @${m.user.username}`),
    ...tribe.openRoles.map((role) =>
      role.filledBy === null
        ? `open: ${role.title} (${role.skillsNeeded.join(', ')})`
        : `${role.title}: ${role.filledBy.displayName}`,
    ),
  ];
}

export function collaborations(data: CollaborationsQuery): string[] {
  const invitations = data.viewerInvitations.map(
    (c) => `@${c.user.username} invited to ${c.project.title} by ${c.project.owner.displayName}`,
  );
  if (data.project === null) return invitations;
  return [
    `${data.project.title} by @${data.project.owner.username}`,
    ...data.project.collaborators.map((c) => `${c.user.displayName} on ${c.project.title}`),
    ...invitations,
  ];
}

export function joined(data: RequestToJoinMutation): string {
  const m = data.requestToJoinTribe;
  return `@${m.user.username} → ${m.tribe.name} (${m.tribe.owner.displayName}): ${m.status}`;
}

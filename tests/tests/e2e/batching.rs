//! A feed page costs a constant number of statements, whatever its size.
use entity::enums::{EventType, TargetType};
use entity::feed_event;
use sea_orm::{ActiveValue::Set, EntityTrait};
use serde_json::json;
use tests::{TestApp, query_lines};

const FEED: &str = "query($first: Int) { feed(first: $first) { edges { node {
    id eventType createdAt metadata
    actor { username skills { name } }
    target {
        ... on Project { title owner { username } collaborators { user { username } } }
        ... on Tribe { name owner { username } members { user { username } } openRoles { title } }
        ... on User { username }
    }
} } pageInfo { hasNextPage endCursor } } }";

/// Adds `n` events by every seeded builder in turn, pointing at every project, tribe and builder.
async fn add_events(app: &TestApp, n: usize) {
    let db = &app.app.db;
    let users = query_lines(db, "SELECT id AS line FROM users ORDER BY id").await;
    let projects = query_lines(db, "SELECT id AS line FROM projects ORDER BY id").await;
    let tribes = query_lines(db, "SELECT id AS line FROM tribes ORDER BY id").await;
    let mut rows = Vec::new();
    // One millisecond apart, so id order is insertion order.
    let start = u64::try_from(chrono::Utc::now().timestamp_millis()).unwrap();
    for i in 0..n {
        let (event_type, target_type, target_id) = match i % 3 {
            0 => (
                EventType::ProjectShipped,
                TargetType::Project,
                projects[i % projects.len()].clone(),
            ),
            1 => {
                (EventType::MemberJoinedTribe, TargetType::Tribe, tribes[i % tribes.len()].clone())
            }
            _ => (EventType::BuilderJoined, TargetType::User, users[i % users.len()].clone()),
        };
        rows.push(feed_event::ActiveModel {
            id: Set(ulid::Ulid::from_parts(start + i as u64, rand_part(i)).to_string()),
            event_type: Set(event_type),
            actor_id: Set(users[i % users.len()].clone()),
            target_type: Set(target_type),
            target_id: Set(target_id),
            metadata: Set(json!({})),
            created_at: Set(chrono::Utc::now().fixed_offset()),
        });
    }
    feed_event::Entity::insert_many(rows).exec(db).await.unwrap();
}

fn rand_part(i: usize) -> u128 {
    (i as u128).wrapping_mul(0x9E37_79B9_7F4A_7C15_F39C_C060_5CED_C835)
}

#[tokio::test]
async fn a_feed_page_costs_the_same_few_statements_at_5_20_and_50_events() {
    let app = TestApp::seeded().await;
    add_events(&app, 60).await;
    let mut counts = Vec::new();
    for first in [5, 20, 50] {
        let before = app.app.statements_sent();
        let response = app.graphql(FEED, json!({ "first": first })).await;
        let after = app.app.statements_sent();
        assert!(response["errors"].is_null(), "{response}");
        let edges = response["data"]["feed"]["edges"].as_array().unwrap();
        assert_eq!(edges.len(), first);
        // Every kind of target is on every page, so every loader runs.
        for kind in ["Project", "Tribe", "User"] {
            let present = edges.iter().any(|e| {
                let t = &e["node"]["target"];
                (kind == "Project" && t["title"].is_string())
                    || (kind == "Tribe" && t["name"].is_string())
                    || (kind == "User" && t["username"].is_string())
            });
            assert!(present, "{kind} missing from a page of {first}");
        }
        counts.push(after - before);
    }
    assert_eq!(counts[0], counts[1], "{counts:?}");
    assert_eq!(counts[1], counts[2], "{counts:?}");
    assert!(counts[0] <= 8, "{counts:?}");
}

const FOLLOWS: &str = "query($first: Int) { feed(first: $first) { edges { node { id
    actor {
        username
        followers(first: 3) { edges { node { username } } pageInfo { hasNextPage endCursor } }
        following(first: 3) { edges { node { username } } }
    }
    target { ... on User { username followers(first: 2) { edges { node { username } } } } }
} } } }";

/// The usernames of a connection's nodes.
fn usernames(connection: &serde_json::Value) -> Vec<String> {
    tests::nodes(connection).iter().map(|n| n["username"].as_str().unwrap().to_owned()).collect()
}

/// `User.followers` and `User.following` go through one batched statement for the whole page,
/// not one per event.
#[tokio::test]
async fn followers_and_following_of_a_feed_page_cost_the_same_few_statements_at_10_and_40_events() {
    let app = TestApp::seeded().await;
    add_events(&app, 60).await;
    let mut counts = Vec::new();
    for first in [10, 40] {
        let before = app.app.statements_sent();
        let response = app.graphql(FOLLOWS, json!({ "first": first })).await;
        let after = app.app.statements_sent();
        assert!(response["errors"].is_null(), "{response}");
        let edges = response["data"]["feed"]["edges"].as_array().unwrap();
        assert_eq!(edges.len(), first);
        // Each page is what the database holds: the three most recent follows.
        for edge in edges {
            let actor = &edge["node"]["actor"];
            let username = actor["username"].as_str().unwrap();
            for (field, column, other) in [
                ("followers", "followee_id", "follower_id"),
                ("following", "follower_id", "followee_id"),
            ] {
                let expected = app
                    .rows(&format!(
                        "SELECT u.username AS line FROM follows f JOIN users u ON u.id = f.{other}
                         WHERE f.{column} = (SELECT id FROM users WHERE username = '{username}')
                         ORDER BY f.created_at DESC, f.{other} DESC LIMIT 3"
                    ))
                    .await;
                assert_eq!(usernames(&actor[field]), expected, "{username}'s {field}");
            }
        }
        counts.push(after - before);
    }
    assert_eq!(counts[0], counts[1], "{counts:?}");
    // The page, the users (actors and user targets), the projects and tribes the other targets
    // are, and one statement for every follow page.
    assert!(counts[0] <= 5, "{counts:?}");

    // The next page of an actor's followers, from the cursor the feed handed out, continues it.
    let response = app.graphql(FOLLOWS, json!({ "first": 1 })).await;
    let actor = &response["data"]["feed"]["edges"][0]["node"]["actor"];
    let next = app
        .graphql(
            "query($u: String!, $after: String) { user(username: $u) {
                followers(first: 100, after: $after) { edges { node { username } } } } }",
            json!({ "u": actor["username"], "after": actor["followers"]["pageInfo"]["endCursor"] }),
        )
        .await;
    let all = app
        .graphql(
            "query($u: String!) { user(username: $u) { followers(first: 100) { edges { node { username } } } } }",
            json!({ "u": actor["username"] }),
        )
        .await;
    let mut joined = usernames(&actor["followers"]);
    joined.extend(usernames(&next["data"]["user"]["followers"]));
    assert_eq!(joined, usernames(&all["data"]["user"]["followers"]));
}

//! The cost model, calibrated on the pages a frontend really sends: each is accepted and reports
//! its cost in `extensions.cost`; the nesting and list-multiplication attacks are refused before
//! any statement runs.
use serde_json::{Value, json};
use tests::{TestApp, assert_ok, error_codes};

const USER_CARD: &str = "fragment UserCard on User {
    id username displayName avatarUrl headline primaryRole availabilityStatus
    skills { id name slug category }
}";

/// The landing page: a feed page of 100 full cards.
fn feed_page() -> String {
    format!(
        "query FeedPage {{
          feed(first: 100) {{
            edges {{ cursor node {{
              id eventType createdAt metadata
              actor {{ ...UserCard }}
              target {{
                __typename
                ... on Project {{ id title status techStack owner {{ ...UserCard }} }}
                ... on Tribe {{ id name status maxMembers owner {{ ...UserCard }}
                  openRoles {{ id title skillsNeeded filled }} }}
                ... on User {{ ...UserCard }}
              }}
            }} }}
            pageInfo {{ hasNextPage endCursor }}
          }}
        }}
        {USER_CARD}"
    )
}

/// A builder's profile page.
fn profile_page() -> String {
    format!(
        "query ProfilePage {{
          user(username: \"mayachen\") {{
            ...UserCard bio timezone contactLinks githubUsername followerCount followingCount
            viewerFollows
            projects(first: 20) {{ edges {{ node {{ id title status techStack githubStars }} }} }}
            collaborations {{ role project {{ id title owner {{ ...UserCard }} }} }}
            tribes {{ id name status }}
            followers(first: 20) {{ edges {{ node {{ ...UserCard }} }} }}
            following(first: 20) {{ edges {{ node {{ ...UserCard }} }} }}
          }}
        }}
        {USER_CARD}"
    )
}

/// A project's page.
fn project_page(id: &str) -> String {
    format!(
        "query ProjectPage {{
          project(id: \"{id}\") {{
            id title description status role thumbnailUrl links techStack impactMetrics
            githubRepoFullName githubStars createdAt
            owner {{ ...UserCard }}
            collaborators {{ role status user {{ ...UserCard }} }}
            pendingInvitations {{ role user {{ ...UserCard }} }}
          }}
        }}
        {USER_CARD}"
    )
}

/// A tribe's page with its members and roles.
fn tribe_page(id: &str) -> String {
    format!(
        "query TribePage {{
          tribe(id: \"{id}\") {{
            id name mission status maxMembers createdAt
            owner {{ ...UserCard }}
            members {{ role status joinedAt user {{ ...UserCard }} }}
            openRoles {{ id title skillsNeeded filled filledBy {{ ...UserCard }} }}
            joinRequests {{ user {{ ...UserCard }} }}
          }}
        }}
        {USER_CARD}"
    )
}

/// Browsing builders: a directory page.
fn directory_page() -> String {
    format!(
        "query Directory {{
          users(first: 50, filter: {{ availabilityStatus: OPEN_TO_TRIBE }}) {{
            edges {{ node {{ ...UserCard followerCount tribes {{ id name }} }} }}
            pageInfo {{ hasNextPage endCursor }}
          }}
        }}
        {USER_CARD}"
    )
}

fn cost_of(response: &Value) -> (u64, u64) {
    let cost = &response["extensions"]["cost"];
    (cost["requested"].as_u64().unwrap_or(0), cost["limit"].as_u64().unwrap_or(0))
}

async fn first_id(app: &TestApp, list: &str) -> String {
    let response =
        app.graphql(&format!("{{ {list}(first: 1) {{ nodes {{ id }} }} }}"), json!({})).await;
    assert_ok(&response)[list]["nodes"][0]["id"].as_str().unwrap().to_owned()
}

#[tokio::test]
async fn the_pages_a_frontend_sends_are_accepted_and_report_their_cost() {
    let app = TestApp::seeded().await;
    let project = first_id(&app, "projects").await;
    let tribe = first_id(&app, "tribes").await;
    // Each page with what it costs: the numbers are the contract of docs/api.md's cost section.
    let pages = [
        ("feed page of 100 full cards", feed_page(), 8_502),
        ("profile page", profile_page(), 3_024),
        ("project page", project_page(&project), 1_312),
        ("tribe page", tribe_page(&tribe), 3_872),
        ("directory page", directory_page(), 2_602),
    ];
    let mut costs = Vec::new();
    for (name, query, _) in &pages {
        let response = app.graphql_with(query, json!({}), &[]).await.json();
        assert_ok(&response);
        let (requested, limit) = cost_of(&response);
        assert_eq!(limit, graphql::DEFAULT_MAX_COST, "{name}");
        assert!(requested < limit, "{name} fits under the limit");
        costs.push((*name, requested));
    }
    let expected: Vec<(&str, u64)> = pages.iter().map(|(name, _, cost)| (*name, *cost)).collect();
    assert_eq!(costs, expected);
    let simple = app.graphql_with("{ health }", json!({}), &[]).await.json();
    assert_eq!(cost_of(&simple), (0, graphql::DEFAULT_MAX_COST), "scalars are free");
}

#[tokio::test]
async fn nesting_and_list_multiplication_are_refused_before_any_statement() {
    let app = TestApp::seeded().await;
    let attacks = [
        (
            "connections of connections",
            "{ users(first: 100) { edges { node { followers(first: 100) { edges { node {
              following(first: 100) { edges { node { username } } } } } } } } } }",
        ),
        (
            "lists of lists",
            "{ users(first: 100) { nodes { tribes { members { user { tribes { members {
              user { id } } } } } } } } }",
        ),
        (
            "aliased full pages",
            "{ a: feed(first: 100) { nodes { actor { skills { id } } } }
               b: feed(first: 100) { nodes { actor { skills { id } } } }
               c: feed(first: 100) { nodes { actor { skills { id } } } }
               d: feed(first: 100) { nodes { actor { skills { id } } } }
               e: feed(first: 100) { nodes { actor { skills { id } } } }
               f: feed(first: 100) { nodes { actor { skills { id } } } }
               g: feed(first: 100) { nodes { actor { skills { id } } } }
               h: feed(first: 100) { nodes { actor { skills { id } } } }
               i: feed(first: 100) { nodes { actor { skills { id } } } } }",
        ),
        (
            "a variable's first",
            "query($n: Int = 100) { users(first: $n) { nodes { followers(first: $n) { nodes {
              following(first: $n) { nodes { id } } } } } } }",
        ),
    ];
    for (name, query) in attacks {
        let before = app.app.statements_sent();
        let response = app.graphql_with(query, json!({}), &[]).await.json();
        assert_eq!(app.app.statements_sent(), before, "{name}: the database was touched");
        assert_eq!(error_codes(&response), ["BAD_USER_INPUT"], "{name}: {response}");
        let message = response["errors"][0]["message"].as_str().unwrap_or_default();
        assert!(message.contains("over the limit"), "{name}: {message}");
        let (requested, limit) = cost_of(&response);
        assert!(requested > limit, "{name}: the refusal reports the cost ({requested})");
    }
}

#[tokio::test]
async fn the_limit_is_configurable() {
    let app = TestApp::spawn_with(&[("GRAPHQL_MAX_COST", "100")]).await;
    let small = app.graphql_with("{ feed(first: 10) { nodes { id } } }", json!({}), &[]).await;
    let small = small.json();
    assert_ok(&small);
    assert_eq!(cost_of(&small), (11, 100));
    let big = app.graphql_with("{ feed(first: 100) { nodes { id } } }", json!({}), &[]).await;
    let big = big.json();
    assert_eq!(error_codes(&big), ["BAD_USER_INPUT"]);
    assert_eq!(cost_of(&big), (101, 100));
}

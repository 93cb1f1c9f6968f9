use serde_json::{Value, json};
use tests::{TestApp, all_nodes, error_codes};

const FEED: &str = "query($scope: FeedScope, $first: Int, $after: String) {
    feed(scope: $scope, first: $first, after: $after) {
        edges { cursor node { id eventType actor { username } metadata
            target { __typename ... on Project { title } ... on Tribe { name } ... on User { username } } } }
        pageInfo { hasNextPage hasPreviousPage endCursor } } }";

fn summaries(response: &Value) -> Vec<String> {
    response["data"]["feed"]["edges"]
        .as_array()
        .unwrap_or_else(|| panic!("{response}"))
        .iter()
        .map(|e| summary(&e["node"]))
        .collect()
}

/// One event node as `TYPE|actor|TargetType|label`.
fn summary(n: &Value) -> String {
    let target = &n["target"];
    let label = target["title"]
        .as_str()
        .or(target["name"].as_str())
        .or(target["username"].as_str())
        .unwrap_or("-");
    format!(
        "{}|{}|{}|{}",
        n["eventType"].as_str().unwrap(),
        n["actor"]["username"].as_str().unwrap(),
        target["__typename"].as_str().unwrap_or("-"),
        label
    )
}

#[tokio::test]
async fn everyone_is_every_event_newest_first_and_pages_exactly() {
    let app = TestApp::seeded().await;
    let all = app.graphql(FEED, json!({ "scope": "EVERYONE", "first": 100 })).await;
    let all = summaries(&all);
    assert_eq!(all.len(), 15);
    assert_eq!(all[0], "PROJECT_SHIPPED|mayachen|Project|AI Resume Builder");
    assert_eq!(all[1], "TRIBE_CREATED|elenavolkov|Tribe|Creator Economy Tools");
    assert_eq!(all[12], "BUILDER_JOINED|alexrivera|User|alexrivera");
    assert_eq!(all[14], "BUILDER_JOINED|aishapatel|User|aishapatel");

    let pages = app.pages(FEED, json!({ "first": 4 }), "feed").await;
    for (i, page) in pages.iter().enumerate() {
        assert_eq!(page["pageInfo"]["hasPreviousPage"], i > 0);
    }
    assert_eq!(pages.len(), 4);
    let paged: Vec<String> = all_nodes(&pages).iter().map(summary).collect();
    assert_eq!(paged, all);
}

#[tokio::test]
async fn paging_stays_exact_while_new_events_arrive() {
    let app = TestApp::seeded().await;
    let before: Vec<String> = summaries(&app.graphql(FEED, json!({ "first": 100 })).await);
    let first = app.graphql(FEED, json!({ "first": 5 })).await;
    let cursor = first["data"]["feed"]["pageInfo"]["endCursor"].clone();
    // Three builders join between the two page loads: their events are newer than page one.
    for name in ["newcomer1", "newcomer2", "newcomer3"] {
        app.register(name).await;
    }
    let rest = app.all_nodes(FEED, json!({ "first": 5, "after": cursor }), "feed").await;
    let mut seen = summaries(&first);
    seen.extend(rest.iter().map(summary));
    assert_eq!(seen, before, "no duplicates, no gaps");
    let now = summaries(&app.graphql(FEED, json!({ "first": 3 })).await);
    assert_eq!(now[0], "BUILDER_JOINED|newcomer3|User|newcomer3");
}

#[tokio::test]
async fn following_is_the_viewer_and_their_followees_only() {
    let app = TestApp::seeded().await;
    let anonymous = app.graphql(FEED, json!({ "scope": "FOLLOWING" })).await;
    assert_eq!(error_codes(&anonymous), vec!["UNAUTHENTICATED"]);

    let ada = app.register("ada").await;
    app.execute(&format!(
        "INSERT INTO follows (follower_id, followee_id)
         SELECT '{}', id FROM users WHERE username IN ('mayachen', 'priyasharma')",
        ada.user_id
    ))
    .await;
    let feed = app
        .graphql_as(&ada.access_token, FEED, json!({ "scope": "FOLLOWING", "first": 100 }))
        .await;
    assert_eq!(
        summaries(&feed),
        vec![
            "BUILDER_JOINED|ada|User|ada",
            "PROJECT_SHIPPED|mayachen|Project|AI Resume Builder",
            "PROJECT_CREATED|mayachen|Project|Tribe Finder",
            "COLLABORATION_CONFIRMED|priyasharma|Project|Tribe Finder",
        ]
    );
    // Paging the FOLLOWING feed one by one gives the same.
    let paged = app
        .as_user(&ada)
        .all_nodes(FEED, json!({ "scope": "FOLLOWING", "first": 1 }), "feed")
        .await;
    let paged: Vec<String> = paged.iter().map(summary).collect();
    assert_eq!(paged, summaries(&feed));
}

#[tokio::test]
async fn a_deleted_target_is_null_not_an_error() {
    let app = TestApp::seeded().await;
    app.execute("DELETE FROM projects WHERE title = 'AI Resume Builder'").await;
    let feed = app.graphql(FEED, json!({ "first": 1 })).await;
    assert!(feed["errors"].is_null(), "{feed}");
    assert_eq!(feed["data"]["feed"]["edges"][0]["node"]["target"], Value::Null);
    assert_eq!(
        feed["data"]["feed"]["edges"][0]["node"]["metadata"]["projectTitle"],
        "AI Resume Builder"
    );
}

#[tokio::test]
async fn the_following_page_reads_at_most_followees_plus_one_times_page_rows() {
    use sea_orm::{ConnectionTrait, DbBackend, Statement};
    let app = TestApp::seeded().await;
    let ada = app.register("ada").await;
    app.execute(&format!(
        "INSERT INTO follows (follower_id, followee_id)
         SELECT '{}', id FROM users WHERE username IN ('mayachen', 'priyasharma', 'tomnakamura')",
        ada.user_id
    ))
    .await;
    // 300 events for each of the three followees and for three others.
    app.execute(
        "INSERT INTO feed_events (id, event_type, actor_id, target_type, target_id, metadata)
         SELECT '01N' || lpad(to_hex(u.n * 1000 + g), 23, '0'), 'builder_joined', u.id, 'user', u.id, '{}'
         FROM (SELECT id, row_number() OVER (ORDER BY id) AS n FROM users
               WHERE username IN ('mayachen', 'priyasharma', 'tomnakamura', 'sarahkim', 'jamesokafor', 'alexrivera')) u,
              generate_series(1, 300) g",
    )
    .await;
    app.execute("VACUUM ANALYZE feed_events").await;
    let first = 20_i64;
    let explain = format!("EXPLAIN (ANALYZE, FORMAT JSON) {}", domain::feed::following_sql());
    let rows = app
        .app
        .db
        .query_all_raw(Statement::from_sql_and_values(
            DbBackend::Postgres,
            &explain,
            [
                ada.user_id.clone().into(),
                domain::pagination::AFTER_NEWEST.into(),
                (first + 1).into(),
            ],
        ))
        .await
        .unwrap();
    let plan: Value = rows[0].try_get::<Value>("", "QUERY PLAN").unwrap();
    let reads = domain::feed::PlanReads::of(&plan[0]["Plan"]);
    let (candidates, fetched) = (reads.index_entries, reads.table_rows);
    let bound = ((3 + 1) * (first + 1)) as f64;
    assert!(
        candidates > 0.0 && candidates <= bound,
        "read {candidates} index entries; the bound is {bound}: {plan}"
    );
    assert!(
        fetched <= (first + 1) as f64,
        "fetched {fetched} rows from the table for a page of {}: {plan}",
        first + 1
    );
}

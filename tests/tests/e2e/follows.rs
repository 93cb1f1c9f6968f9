use serde_json::json;
use tests::{TestApp, error_codes};

const FOLLOW: &str =
    "mutation($id: ID!) { follow(userId: $id) { username followerCount viewerFollows } }";
const UNFOLLOW: &str =
    "mutation($id: ID!) { unfollow(userId: $id) { username followerCount viewerFollows } }";

#[tokio::test]
async fn follow_and_unfollow_are_idempotent_and_return_the_updated_user() {
    let app = TestApp::spawn().await;
    let ada = app.register("ada").await;
    let bob = app.register("bob").await;
    let followed = app.graphql_as(&ada.access_token, FOLLOW, json!({ "id": bob.user_id })).await;
    assert_eq!(
        followed["data"]["follow"],
        json!({ "username": "bob", "followerCount": 1, "viewerFollows": true })
    );
    let again = app.graphql_as(&ada.access_token, FOLLOW, json!({ "id": bob.user_id })).await;
    assert_eq!(
        again["data"]["follow"],
        json!({ "username": "bob", "followerCount": 1, "viewerFollows": true })
    );
    assert_eq!(app.count("follows").await, 1);

    let unfollowed =
        app.graphql_as(&ada.access_token, UNFOLLOW, json!({ "id": bob.user_id })).await;
    assert_eq!(
        unfollowed["data"]["unfollow"],
        json!({ "username": "bob", "followerCount": 0, "viewerFollows": false })
    );
    let again = app.graphql_as(&ada.access_token, UNFOLLOW, json!({ "id": bob.user_id })).await;
    assert!(again["errors"].is_null(), "{again}");
    assert_eq!(app.count("follows").await, 0);
}

#[tokio::test]
async fn following_yourself_nobody_or_anonymously_is_refused() {
    let app = TestApp::spawn().await;
    let ada = app.register("ada").await;
    let me = app.graphql_as(&ada.access_token, FOLLOW, json!({ "id": ada.user_id })).await;
    assert_eq!(error_codes(&me), vec!["BAD_USER_INPUT"]);
    let nobody = app
        .graphql_as(&ada.access_token, FOLLOW, json!({ "id": "01ZZZZZZZZZZZZZZZZZZZZZZZZ" }))
        .await;
    assert_eq!(error_codes(&nobody), vec!["NOT_FOUND"]);
    let nobody = app
        .graphql_as(&ada.access_token, UNFOLLOW, json!({ "id": "01ZZZZZZZZZZZZZZZZZZZZZZZZ" }))
        .await;
    assert_eq!(error_codes(&nobody), vec!["NOT_FOUND"]);
    let anonymous = app.graphql(FOLLOW, json!({ "id": ada.user_id })).await;
    assert_eq!(error_codes(&anonymous), vec!["UNAUTHENTICATED"]);
}

/// 200 concurrent follows by one user of 200 different users leave exactly 100.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn the_follow_cap_holds_under_concurrency() {
    let app =
        TestApp::spawn_with(&[("DATABASE_MAX_CONNECTIONS", "10"), ("DATABASE_TIMEOUT_SECS", "60")])
            .await;
    let ada = app.register("ada").await;
    let mut ids = Vec::new();
    let mut values = Vec::new();
    for i in 0..200 {
        let id = ulid::Ulid::new().to_string();
        values.push(format!("('{id}', 'u{i}@test.dev', 'u{i:03}', 'U {i}')"));
        ids.push(id);
    }
    app.execute(&format!(
        "INSERT INTO users (id, email, username, display_name) VALUES {}",
        values.join(", ")
    ))
    .await;

    let as_ada = app.as_user(&ada);
    let responses =
        app.concurrently(ids.len(), |i| as_ada.request(FOLLOW, json!({ "id": ids[i] }))).await;
    let (mut followed, mut refused) = (0, 0);
    for response in responses {
        if response["data"]["follow"].is_object() {
            followed += 1;
        } else {
            assert_eq!(error_codes(&response), vec!["CONFLICT"], "{response}");
            assert_eq!(response["errors"][0]["extensions"]["reason"], "FOLLOW_LIMIT_REACHED");
            assert!(response["errors"][0]["message"].as_str().unwrap().contains("100"));
            refused += 1;
        }
    }
    assert_eq!((followed, refused), (100, 100));
    let stored = app.count(&format!("follows WHERE follower_id = '{}'", ada.user_id)).await;
    assert_eq!(stored, 100);
    let count = app.graphql_as(&ada.access_token, "{ viewer { followingCount } }", json!({})).await;
    assert_eq!(count["data"]["viewer"]["followingCount"], 100);
}

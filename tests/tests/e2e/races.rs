//! Races and deadlocks: requests that lock rows the other one's foreign keys need must not wait
//! on each other in opposite orders. Each flow's locks are compatible with the foreign-key checks
//! of the others by construction (`FOR NO KEY UPDATE`), so none of these can deadlock.
use serde_json::json;
use tests::{Session, TestApp, error_codes, graphql_request, responses, spawn_requests};

const FOLLOW: &str = "mutation($id: ID!) { follow(userId: $id) { id } }";

fn as_user(
    session: &Session,
    query: &str,
    variables: serde_json::Value,
) -> axum::http::Request<axum::body::Body> {
    let bearer = format!("Bearer {}", session.access_token);
    graphql_request(query, variables, &[("authorization", bearer.as_str())])
}

/// Both follows stop just before inserting their row, each holding the lock it takes on its
/// follower's row; then both insert, and each insert's foreign-key check needs the other's
/// follower row. With `FOR UPDATE` on the follower that is a deadlock every time; with
/// `FOR NO KEY UPDATE` the checks (`FOR KEY SHARE`) do not wait for it.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn two_builders_who_follow_each_other_at_the_same_moment_both_succeed() {
    let app = TestApp::spawn().await;
    let ada = app.register("ada").await;
    let bob = app.register("bob").await;
    let mut holder = app.hold_locks("LOCK TABLE follows IN SHARE MODE").await;
    let tasks = spawn_requests(
        &app,
        vec![
            as_user(&ada, FOLLOW, json!({ "id": bob.user_id })),
            as_user(&bob, FOLLOW, json!({ "id": ada.user_id })),
        ],
    );
    holder.until_waiting(2).await;
    holder.release().await;
    for response in responses(tasks).await {
        assert!(response["data"]["follow"].is_object(), "{response}");
    }
    assert_eq!(app.count("follows").await, 2);
}

/// 50 pairs of builders, each pair following each other, all at once: every follow succeeds.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn fifty_pairs_following_each_other_at_once_all_succeed() {
    let app =
        TestApp::spawn_with(&[("DATABASE_MAX_CONNECTIONS", "10"), ("DATABASE_TIMEOUT_SECS", "60")])
            .await;
    let mut builders = Vec::new();
    for i in 0..100 {
        builders.push(app.register(&format!("b{i:03}")).await);
    }
    let requests = builders
        .chunks(2)
        .flat_map(|pair| {
            [
                as_user(&pair[0], FOLLOW, json!({ "id": pair[1].user_id })),
                as_user(&pair[1], FOLLOW, json!({ "id": pair[0].user_id })),
            ]
        })
        .collect();
    let all = responses(spawn_requests(&app, requests)).await;
    let failed: Vec<_> = all.iter().filter(|r| !r["errors"].is_null()).collect();
    assert!(failed.is_empty(), "{} of {} follows failed: {:?}", failed.len(), all.len(), failed);
    assert_eq!(app.count("follows").await, 100);
}

/// Two builders, each owning a project and a tribe, at the same moment follow each other,
/// invite each other to their projects, ask to join each other's tribes and are approved, while
/// each edits their own project and tribe: every request succeeds.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn crossed_follows_invitations_and_requests_all_succeed() {
    let app =
        TestApp::spawn_with(&[("DATABASE_MAX_CONNECTIONS", "10"), ("DATABASE_TIMEOUT_SECS", "60")])
            .await;
    let mut pairs = Vec::new();
    for i in 0..10 {
        let a = app.register(&format!("a{i:02}")).await;
        let b = app.register(&format!("b{i:02}")).await;
        let mut owned = Vec::new();
        for who in [&a, &b] {
            let made = app
                .as_user(who)
                .graphql_ok(
                    "mutation { createProject(input: { title: \"P\" }) { id } } ",
                    json!({}),
                )
                .await;
            let tribe = app
                .as_user(who)
                .graphql_ok("mutation { createTribe(input: { name: \"T\" }) { id } }", json!({}))
                .await;
            owned.push((
                made["createProject"]["id"].as_str().unwrap().to_owned(),
                tribe["createTribe"]["id"].as_str().unwrap().to_owned(),
            ));
        }
        pairs.push((a, b, owned));
    }
    let invite =
        "mutation($p: ID!, $u: ID!) { inviteCollaborator(projectId: $p, userId: $u) { status } }";
    let request = "mutation($t: ID!) { requestToJoinTribe(tribeId: $t) { status } }";
    let edit_project =
        "mutation($p: ID!) { updateProject(input: { id: $p, title: \"Q\" }) { id } }";
    let edit_tribe = "mutation($t: ID!) { updateTribe(input: { id: $t, name: \"U\" }) { id } }";
    let mut requests = Vec::new();
    for (a, b, owned) in &pairs {
        let [(pa, ta), (pb, tb)] = [&owned[0], &owned[1]];
        for (me, other, mine_p, mine_t, theirs_t) in [(a, b, pa, ta, tb), (b, a, pb, tb, ta)] {
            requests.push(as_user(me, FOLLOW, json!({ "id": other.user_id })));
            requests.push(as_user(me, invite, json!({ "p": mine_p, "u": other.user_id })));
            requests.push(as_user(me, request, json!({ "t": theirs_t })));
            requests.push(as_user(me, edit_project, json!({ "p": mine_p })));
            requests.push(as_user(me, edit_tribe, json!({ "t": mine_t })));
        }
    }
    let all = responses(spawn_requests(&app, requests)).await;
    let failed: Vec<_> = all.iter().filter(|r| !r["errors"].is_null()).collect();
    assert!(failed.is_empty(), "{} of {} requests failed: {:?}", failed.len(), all.len(), failed);

    // Then, at once, each accepts the other's invitation and approves the other's request.
    let respond =
        "mutation($p: ID!) { respondToCollaboration(projectId: $p, accept: true) { status } }";
    let decide = "mutation($t: ID!, $u: ID!) { decideMembership(tribeId: $t, userId: $u, approve: true) { status } }";
    let mut requests = Vec::new();
    for (a, b, owned) in &pairs {
        let [(pa, ta), (pb, tb)] = [&owned[0], &owned[1]];
        requests.push(as_user(a, respond, json!({ "p": pb })));
        requests.push(as_user(b, respond, json!({ "p": pa })));
        requests.push(as_user(a, decide, json!({ "t": ta, "u": b.user_id })));
        requests.push(as_user(b, decide, json!({ "t": tb, "u": a.user_id })));
    }
    let all = responses(spawn_requests(&app, requests)).await;
    for response in &all {
        assert!(error_codes(response).is_empty(), "{response}");
    }
    assert_eq!(app.count("project_collaborators WHERE status = 'confirmed'").await, 20);
    assert_eq!(app.count("tribe_members WHERE status = 'active' AND role = 'member'").await, 20);
}

/// Ada and Bob each own a tribe the other joined first (Cyd joined both later), and they delete
/// their accounts at the same moment: each deletion hands a tribe to the other, whose account is
/// going too. Both succeed and Cyd ends up owning both tribes. (Held at their feed-event deletes,
/// two deletions that each locked only their own tribes would each hold the other's successor
/// row and deadlock; a deletion locks every tribe the account is in, so they run one after the
/// other.)
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn two_owners_who_succeed_each_other_delete_their_accounts_at_once() {
    let app = TestApp::spawn().await;
    let ada = app.register("ada").await;
    let bob = app.register("bob").await;
    let cyd = app.register("cyd").await;
    let request = "mutation($t: ID!) { requestToJoinTribe(tribeId: $t) { status } }";
    let decide = "mutation($t: ID!, $u: ID!) { decideMembership(tribeId: $t, userId: $u, approve: true) { status } }";
    let mut tribes = Vec::new();
    for (owner, first) in [(&ada, &bob), (&bob, &ada)] {
        let made = app
            .as_user(owner)
            .graphql_ok("mutation { createTribe(input: { name: \"T\" }) { id } }", json!({}))
            .await;
        let tid = made["createTribe"]["id"].as_str().unwrap().to_owned();
        for joiner in [first, &cyd] {
            app.as_user(joiner).graphql_ok(request, json!({ "t": tid })).await;
            app.as_user(owner).graphql_ok(decide, json!({ "t": tid, "u": joiner.user_id })).await;
        }
        tribes.push(tid);
    }
    let delete = "mutation($p: String!) { deleteAccount(password: $p) }";
    let mut holder = app.hold_locks("LOCK TABLE feed_events IN SHARE MODE").await;
    let tasks = spawn_requests(
        &app,
        vec![
            as_user(&ada, delete, json!({ "p": tests::PASSWORD })),
            as_user(&bob, delete, json!({ "p": tests::PASSWORD })),
        ],
    );
    holder.until_waiting(2).await;
    holder.release().await;
    for response in responses(tasks).await {
        assert_eq!(response, json!({ "data": { "deleteAccount": true } }));
    }
    for tid in &tribes {
        let people = app
            .rows(&format!(
                "SELECT t.owner_id || ' ' || m.user_id || ' ' || m.role::text AS line FROM tribes t
                 JOIN tribe_members m ON m.tribe_id = t.id WHERE t.id = '{tid}'"
            ))
            .await;
        assert_eq!(people, vec![format!("{0} {0} owner", cyd.user_id)]);
    }
}

/// Ada approves Bob's request for a role at the moment Bob deletes his account. The approval is
/// held after it updated Bob's membership, before it fills the role; before account deletion
/// locked the account's tribes, the deletion then waited for that membership row while the
/// approval's foreign-key check on Bob waited for the deletion: a deadlock. Now the deletion
/// waits for the tribe, and both succeed, in that order: Bob joined, then left with his account,
/// and the role he filled is open again.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn an_approval_and_the_joiners_account_deletion_at_once_both_succeed() {
    let app = TestApp::spawn().await;
    let ada = app.register("ada").await;
    let bob = app.register("bob").await;
    let made = app
        .as_user(&ada)
        .graphql_ok("mutation { createTribe(input: { name: \"T\" }) { id } }", json!({}))
        .await;
    let tid = made["createTribe"]["id"].as_str().unwrap().to_owned();
    let role = app
        .as_user(&ada)
        .graphql_ok(
            "mutation($t: ID!) { addOpenRole(input: { tribeId: $t, title: \"Designer\" }) { id } }",
            json!({ "t": tid }),
        )
        .await;
    let role = role["addOpenRole"]["id"].as_str().unwrap().to_owned();
    app.as_user(&bob)
        .graphql_ok(
            "mutation($t: ID!, $r: ID) { requestToJoinTribe(tribeId: $t, roleId: $r) { status } }",
            json!({ "t": tid, "r": role }),
        )
        .await;

    let mut holder = app.hold_locks("LOCK TABLE tribe_open_roles IN SHARE MODE").await;
    let decide = "mutation($t: ID!, $u: ID!) { decideMembership(tribeId: $t, userId: $u, approve: true) { status } }";
    let mut tasks =
        spawn_requests(&app, vec![as_user(&ada, decide, json!({ "t": tid, "u": bob.user_id }))]);
    holder.until_waiting(1).await;
    let delete = "mutation($p: String!) { deleteAccount(password: $p) }";
    tasks
        .extend(spawn_requests(&app, vec![as_user(&bob, delete, json!({ "p": tests::PASSWORD }))]));
    holder.until_waiting(2).await;
    holder.release().await;
    let answers = responses(tasks).await;
    assert_eq!(answers[0], json!({ "data": { "decideMembership": { "status": "ACTIVE" } } }));
    assert_eq!(answers[1], json!({ "data": { "deleteAccount": true } }));
    assert_eq!(app.count(&format!("users WHERE id = '{}'", bob.user_id)).await, 0);
    assert_eq!(
        app.count(&format!(
            "tribe_open_roles WHERE id = '{role}' AND NOT filled AND filled_by IS NULL"
        ))
        .await,
        1
    );
}

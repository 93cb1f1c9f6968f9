use serde_json::json;
use tests::{PASSWORD, TestApp, error_codes};

#[tokio::test]
async fn deleting_an_account_removes_everything_about_it_in_one_go() {
    let app = TestApp::seeded().await;
    let ada = app.register("ada").await;
    let bob = app.register("bob").await;
    let as_ada = app.as_user(&ada);
    let as_bob = app.as_user(&bob);
    // Ada builds a footprint: a project with a collaborator, a tribe with a member, follows both
    // ways, a membership of someone else's tribe, skills. Her tribe has Bob in it, so it is not
    // hers alone: it passes to him (e2e::shared_data tests the hand-over in full).
    let project = as_ada
        .graphql_ok("mutation { createProject(input: {title: \"Engine\"}) { id } }", json!({}))
        .await;
    let pid = project["createProject"]["id"].as_str().unwrap().to_owned();
    as_ada
        .graphql_ok(
            "mutation($p: ID!, $u: ID!) { inviteCollaborator(projectId: $p, userId: $u) { status } }",
            json!({ "p": pid, "u": bob.user_id }),
        )
        .await;
    as_bob
        .graphql_ok(
            "mutation($p: ID!) { respondToCollaboration(projectId: $p, accept: true) { status } }",
            json!({ "p": pid }),
        )
        .await;
    let tribe = as_ada
        .graphql_ok("mutation { createTribe(input: {name: \"Room\"}) { id } }", json!({}))
        .await;
    let tid = tribe["createTribe"]["id"].as_str().unwrap().to_owned();
    as_bob
        .graphql_ok(
            "mutation($t: ID!) { requestToJoinTribe(tribeId: $t) { status } }",
            json!({ "t": tid }),
        )
        .await;
    as_ada.graphql_ok("mutation($t: ID!, $u: ID!) { decideMembership(tribeId: $t, userId: $u, approve: true) { status } }", json!({ "t": tid, "u": bob.user_id })).await;
    as_ada
        .graphql_ok("mutation($u: ID!) { follow(userId: $u) { id } }", json!({ "u": bob.user_id }))
        .await;
    as_bob
        .graphql_ok("mutation($u: ID!) { follow(userId: $u) { id } }", json!({ "u": ada.user_id }))
        .await;
    as_ada.graphql_ok("mutation { setSkills(slugs: [\"rust\"]) { id } }", json!({})).await;
    let hospitality = app.rows("SELECT id AS line FROM tribes WHERE name = 'Hospitality OS'").await;
    as_ada
        .graphql_ok(
            "mutation($t: ID!) { requestToJoinTribe(tribeId: $t) { status } }",
            json!({ "t": hospitality[0] }),
        )
        .await;

    let wrong = as_ada.graphql("mutation { deleteAccount(password: \"not it\") }", json!({})).await;
    assert_eq!(error_codes(&wrong), vec!["BAD_USER_INPUT"]);
    assert_eq!(wrong["errors"][0]["extensions"]["field"], "password");
    assert_eq!(app.count(&format!("users WHERE id = '{}'", ada.user_id)).await, 1);

    let deleted = as_ada
        .graphql("mutation($p: String!) { deleteAccount(password: $p) }", json!({ "p": PASSWORD }))
        .await;
    assert_eq!(deleted, json!({ "data": { "deleteAccount": true } }));

    let id = &ada.user_id;
    let traces = app
        .rows(&format!(
            "SELECT 'users' AS line FROM users WHERE id = '{id}'
             UNION ALL SELECT 'refresh_tokens' FROM refresh_tokens WHERE user_id = '{id}'
             UNION ALL SELECT 'user_skills' FROM user_skills WHERE user_id = '{id}'
             UNION ALL SELECT 'projects' FROM projects WHERE owner_id = '{id}' OR id = '{pid}'
             UNION ALL SELECT 'collaborators' FROM project_collaborators WHERE user_id = '{id}' OR project_id = '{pid}'
             UNION ALL SELECT 'tribes' FROM tribes WHERE owner_id = '{id}'
             UNION ALL SELECT 'members' FROM tribe_members WHERE user_id = '{id}'
             UNION ALL SELECT 'follows' FROM follows WHERE follower_id = '{id}' OR followee_id = '{id}'
             UNION ALL SELECT 'events' FROM feed_events WHERE actor_id = '{id}' OR target_id IN ('{id}', '{pid}')
             UNION ALL SELECT 'event metadata' FROM feed_events WHERE metadata::text LIKE '%\"ada\"%'"
        ))
        .await;
    assert!(traces.is_empty(), "left behind: {traces:?}");
    // The tribe is Bob's now, with him as its one member.
    let room = app
        .rows(&format!(
            "SELECT t.owner_id || ' ' || m.user_id || ' ' || m.role::text AS line FROM tribes t
             JOIN tribe_members m ON m.tribe_id = t.id WHERE t.id = '{tid}'"
        ))
        .await;
    assert_eq!(room, vec![format!("{0} {0} owner", bob.user_id)]);
    // Bob and the prototype data are untouched; Bob's own events stay: joining, and joining the
    // tribe that is still there (before the hand-over, that one went with Ada's tribe).
    assert_eq!(app.count("users").await, 11);
    let bob_events = app
        .rows(&format!(
            "SELECT event_type::text AS line FROM feed_events WHERE actor_id = '{}' ORDER BY id",
            bob.user_id
        ))
        .await;
    assert_eq!(bob_events, vec!["builder_joined", "member_joined_tribe"]);
    // The deleted account's token is refused (its session went with it), and it cannot sign in.
    let viewer = as_ada.graphql("{ viewer { id } }", json!({})).await;
    assert_eq!(error_codes(&viewer), vec!["UNAUTHENTICATED"], "{viewer}");
    let login = app.graphql("mutation { login(input: {login: \"ada\", password: \"correct horse battery\"}) { accessToken } }", json!({})).await;
    assert_eq!(error_codes(&login), vec!["BAD_USER_INPUT"]);
}

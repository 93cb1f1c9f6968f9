//! Every list a visitor reads whole is bounded by a cap the domain enforces (`domain::caps`):
//! reaching it is CONFLICT with a reason of its own, and the caps hold under concurrent requests.
//!
//! Rows a test only needs to exist (other builders, their projects and tribes, memberships and
//! invitations) are written with SQL; the requests under test go through the API.
use domain::caps;
use serde_json::{Value, json};
use tests::{Session, TestApp, assert_ok};

const ADD_ROLE: &str = "mutation($t: ID!, $title: String!) { addOpenRole(input: { tribeId: $t, title: $title }) { id } }";
const CREATE_TRIBE: &str =
    "mutation($name: String!) { createTribe(input: { name: $name }) { id } }";
const REQUEST: &str = "mutation($t: ID!) { requestToJoinTribe(tribeId: $t) { status } }";
const DECIDE: &str = "mutation($t: ID!, $u: ID!) { decideMembership(tribeId: $t, userId: $u, approve: true) { status } }";
const INVITE: &str =
    "mutation($p: ID!, $u: ID!) { inviteCollaborator(projectId: $p, userId: $u) { status } }";
const RESPOND: &str =
    "mutation($p: ID!) { respondToCollaboration(projectId: $p, accept: true) { status } }";

fn ids(n: usize) -> Vec<String> {
    (0..n).map(|_| ulid::Ulid::new().to_string()).collect()
}

/// `n` builders who never sign in; their ids.
async fn builders(app: &TestApp, n: usize) -> Vec<String> {
    let ids = ids(n);
    let rows: Vec<String> = ids
        .iter()
        .map(|id| {
            let name = id.to_lowercase();
            format!("('{id}', '{name}@test.dev', 'u{name}', 'Builder {name}')")
        })
        .collect();
    app.execute(&format!(
        "INSERT INTO users (id, email, username, display_name) VALUES {}",
        rows.join(", ")
    ))
    .await;
    ids
}

/// `n` OPEN tribes, each owned (and joined as OWNER) by a new builder; their ids.
async fn tribes(app: &TestApp, n: usize) -> Vec<String> {
    let owners = builders(app, n).await;
    let tribes = ids(n);
    for (tribe, owner) in tribes.iter().zip(&owners) {
        app.execute(&format!(
            "INSERT INTO tribes (id, owner_id, name, max_members) VALUES ('{tribe}', '{owner}', 'Tribe {tribe}', 50);
             INSERT INTO tribe_members (tribe_id, user_id, role, status, joined_at)
             VALUES ('{tribe}', '{owner}', 'owner', 'active', now())"
        ))
        .await;
    }
    tribes
}

/// `n` projects owned by `owner`; their ids.
async fn projects(app: &TestApp, owner: &str, n: usize) -> Vec<String> {
    let projects = ids(n);
    let rows: Vec<String> =
        projects.iter().map(|id| format!("('{id}', '{owner}', 'Project {id}')")).collect();
    app.execute(&format!("INSERT INTO projects (id, owner_id, title) VALUES {}", rows.join(", ")))
        .await;
    projects
}

fn reason(response: &Value) -> &str {
    response["errors"][0]["extensions"]["reason"].as_str().unwrap_or("<no reason>")
}

/// Asserts the response is CONFLICT with `expected` as its reason and a message naming the cap.
#[track_caller]
fn assert_capped(response: &Value, expected: &str, cap: usize) {
    assert_eq!(response["errors"][0]["extensions"]["code"], "CONFLICT", "{response}");
    assert_eq!(reason(response), expected, "{response}");
    let message = response["errors"][0]["message"].as_str().unwrap_or_default();
    assert!(message.contains(&cap.to_string()), "the message names the cap: {message}");
}

/// Counts the responses that succeeded (`data.<field>` is set) and those refused with `reason`;
/// panics on any other outcome.
fn outcomes(responses: &[Value], field: &str, reason_expected: &str) -> (usize, usize) {
    let (mut ok, mut refused) = (0, 0);
    for response in responses {
        if response["data"][field].is_object() {
            ok += 1;
        } else {
            assert_eq!(reason(response), reason_expected, "{response}");
            refused += 1;
        }
    }
    (ok, refused)
}

fn many_connections() -> [(&'static str, &'static str); 2] {
    [("DATABASE_MAX_CONNECTIONS", "10"), ("DATABASE_TIMEOUT_SECS", "60")]
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn open_roles_are_capped_per_tribe_even_when_added_at_once() {
    let app = TestApp::spawn_with(&many_connections()).await;
    let ada = app.register("ada").await;
    let as_ada = app.as_user(&ada);
    let tid = assert_ok(&as_ada.graphql(CREATE_TRIBE, json!({ "name": "Roles" })).await)
        ["createTribe"]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let n = caps::MAX_OPEN_ROLES_PER_TRIBE + 10;
    let responses = app
        .concurrently(n, |i| {
            as_ada.request(ADD_ROLE, json!({ "t": tid, "title": format!("Role {i}") }))
        })
        .await;
    let (added, refused) = outcomes(&responses, "addOpenRole", "OPEN_ROLE_LIMIT_REACHED");
    assert_eq!((added, refused), (caps::MAX_OPEN_ROLES_PER_TRIBE, 10));
    assert_eq!(
        app.count(&format!("tribe_open_roles WHERE tribe_id = '{tid}'")).await,
        caps::MAX_OPEN_ROLES_PER_TRIBE as i64
    );
    let one_more = as_ada.graphql(ADD_ROLE, json!({ "t": tid, "title": "One more" })).await;
    assert_capped(&one_more, "OPEN_ROLE_LIMIT_REACHED", caps::MAX_OPEN_ROLES_PER_TRIBE);
    // Removing one makes room again.
    let role = app
        .rows(&format!("SELECT id AS line FROM tribe_open_roles WHERE tribe_id = '{tid}' LIMIT 1"))
        .await;
    as_ada
        .graphql_ok("mutation($id: ID!) { removeOpenRole(id: $id) }", json!({ "id": role[0] }))
        .await;
    as_ada.graphql_ok(ADD_ROLE, json!({ "t": tid, "title": "Again" })).await;
}

#[tokio::test]
async fn a_builder_owns_and_belongs_to_a_bounded_number_of_tribes() {
    let app = TestApp::spawn().await;
    let ada = app.register("ada").await;
    let as_ada = app.as_user(&ada);
    for i in 0..caps::MAX_TRIBES_OWNED {
        as_ada.graphql_ok(CREATE_TRIBE, json!({ "name": format!("Mine {i}") })).await;
    }
    let eleventh = as_ada.graphql(CREATE_TRIBE, json!({ "name": "One too many" })).await;
    assert_capped(&eleventh, "TRIBE_LIMIT_REACHED", caps::MAX_TRIBES_OWNED);
    assert_eq!(
        app.count(&format!("tribes WHERE owner_id = '{}'", ada.user_id)).await,
        caps::MAX_TRIBES_OWNED as i64
    );

    // Bob is an active member of as many tribes as anyone can be, and asked to join one more.
    let bob = app.register("bob").await;
    let joined = tribes(&app, caps::MAX_TRIBES_PER_BUILDER).await;
    for tribe in &joined {
        app.execute(&format!(
            "INSERT INTO tribe_members (tribe_id, user_id, status, joined_at) VALUES ('{tribe}', '{}', 'active', now())",
            bob.user_id
        ))
        .await;
    }
    let cyd = app.register("cyd").await;
    let as_cyd = app.as_user(&cyd);
    let open = assert_ok(&as_cyd.graphql(CREATE_TRIBE, json!({ "name": "Open" })).await)
        ["createTribe"]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    app.execute(&format!(
        "INSERT INTO tribe_members (tribe_id, user_id, status) VALUES ('{open}', '{}', 'pending')",
        bob.user_id
    ))
    .await;
    let as_bob = app.as_user(&bob);
    let approval = as_cyd.graphql(DECIDE, json!({ "t": open, "u": bob.user_id })).await;
    assert_capped(&approval, "TRIBE_LIMIT_REACHED", caps::MAX_TRIBES_PER_BUILDER);
    let created = as_bob.graphql(CREATE_TRIBE, json!({ "name": "Bob's" })).await;
    assert_capped(&created, "TRIBE_LIMIT_REACHED", caps::MAX_TRIBES_PER_BUILDER);
    let other = tribes(&app, 1).await;
    let asked = as_bob.graphql(REQUEST, json!({ "t": other[0] })).await;
    assert_capped(&asked, "TRIBE_LIMIT_REACHED", caps::MAX_TRIBES_PER_BUILDER);
    let tribes_of_bob = app
        .graphql(&format!("{{ user(id: \"{}\") {{ tribes {{ id }} }} }}", bob.user_id), json!({}))
        .await;
    assert_eq!(
        tribes_of_bob["data"]["user"]["tribes"].as_array().unwrap().len(),
        caps::MAX_TRIBES_PER_BUILDER
    );

    // Leaving one makes room.
    as_bob
        .graphql_ok("mutation($t: ID!) { leaveTribe(tribeId: $t) }", json!({ "t": joined[0] }))
        .await;
    assert_eq!(
        assert_ok(&as_cyd.graphql(DECIDE, json!({ "t": open, "u": bob.user_id })).await)["decideMembership"]
            ["status"],
        "ACTIVE"
    );
}

/// Bob's join requests across many tribes lock different tribe rows: the cap on his pending
/// requests still holds when he sends them all at once.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn pending_join_requests_are_capped_per_builder_and_per_tribe() {
    let app = TestApp::spawn_with(&many_connections()).await;
    let bob = app.register("bob").await;
    let as_bob = app.as_user(&bob);
    let n = caps::MAX_JOIN_REQUESTS_PER_BUILDER + 5;
    let open = tribes(&app, n).await;
    let responses = app.concurrently(n, |i| as_bob.request(REQUEST, json!({ "t": open[i] }))).await;
    let (asked, refused) = outcomes(&responses, "requestToJoinTribe", "JOIN_REQUEST_LIMIT_REACHED");
    assert_eq!((asked, refused), (caps::MAX_JOIN_REQUESTS_PER_BUILDER, 5));
    let mine = as_bob.graphql_ok("{ viewerJoinRequests { status } }", json!({})).await;
    assert_eq!(
        mine["viewerJoinRequests"].as_array().unwrap().len(),
        caps::MAX_JOIN_REQUESTS_PER_BUILDER
    );
    let refused_at =
        responses.iter().position(|r| r["data"]["requestToJoinTribe"].is_null()).unwrap();
    let one_more = as_bob.graphql(REQUEST, json!({ "t": open[refused_at] })).await;
    assert_capped(&one_more, "JOIN_REQUEST_LIMIT_REACHED", caps::MAX_JOIN_REQUESTS_PER_BUILDER);

    // A tribe holds at most so many requests awaiting its owner's decision.
    let busy = tribes(&app, 1).await.remove(0);
    for requester in builders(&app, caps::MAX_JOIN_REQUESTS_PER_TRIBE).await {
        app.execute(&format!(
            "INSERT INTO tribe_members (tribe_id, user_id, status) VALUES ('{busy}', '{requester}', 'pending')"
        ))
        .await;
    }
    let cyd = app.register("cyd").await;
    let refused = app.as_user(&cyd).graphql(REQUEST, json!({ "t": busy })).await;
    assert_capped(&refused, "JOIN_REQUEST_LIMIT_REACHED", caps::MAX_JOIN_REQUESTS_PER_TRIBE);
}

/// Invitations to one project lock its row; those to one builder from many projects do not share
/// a project: the caps on a project's collaborators and on a builder's pending invitations both
/// hold under concurrent invitations.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn collaborators_and_invitations_are_capped_even_when_sent_at_once() {
    let app = TestApp::spawn_with(&many_connections()).await;
    let ada = app.register("ada").await;
    let as_ada = app.as_user(&ada);
    let project = projects(&app, &ada.user_id, 1).await.remove(0);
    let n = caps::MAX_COLLABORATORS_PER_PROJECT + 10;
    let invitees = builders(&app, n).await;
    let responses = app
        .concurrently(n, |i| as_ada.request(INVITE, json!({ "p": project, "u": invitees[i] })))
        .await;
    let (invited, refused) =
        outcomes(&responses, "inviteCollaborator", "COLLABORATOR_LIMIT_REACHED");
    assert_eq!((invited, refused), (caps::MAX_COLLABORATORS_PER_PROJECT, 10));
    let pending = as_ada
        .graphql_ok(
            "query($p: ID!) { project(id: $p) { pendingInvitations { status } } }",
            json!({ "p": project }),
        )
        .await;
    assert_eq!(
        pending["project"]["pendingInvitations"].as_array().unwrap().len(),
        caps::MAX_COLLABORATORS_PER_PROJECT
    );
    let refused_invitee = responses
        .iter()
        .position(|r| r["data"]["inviteCollaborator"].is_null())
        .map(|i| invitees[i].clone())
        .unwrap();
    let one_more = as_ada.graphql(INVITE, json!({ "p": project, "u": refused_invitee })).await;
    assert_capped(&one_more, "COLLABORATOR_LIMIT_REACHED", caps::MAX_COLLABORATORS_PER_PROJECT);

    // Two owners with many projects each invite Zed from all of them at once.
    let zed = builders(&app, 1).await.remove(0);
    let bob = app.register("bob").await;
    let cyd = app.register("cyd").await;
    let per_owner = caps::MAX_INVITATIONS_PER_INVITEE / 2 + 5;
    let mut requests = Vec::new();
    for owner in [&bob, &cyd] {
        for p in projects(&app, &owner.user_id, per_owner).await {
            requests.push(app.as_user(owner).request(INVITE, json!({ "p": p, "u": zed })));
        }
    }
    let responses: Vec<Value> =
        app.send_concurrently(requests).await.iter().map(tests::HttpResponse::json).collect();
    let (invited, refused) = outcomes(&responses, "inviteCollaborator", "INVITATION_LIMIT_REACHED");
    assert_eq!(
        (invited, refused),
        (caps::MAX_INVITATIONS_PER_INVITEE, 2 * per_owner - caps::MAX_INVITATIONS_PER_INVITEE)
    );
    assert_eq!(
        app.count(&format!("project_collaborators WHERE user_id = '{zed}' AND status = 'pending'"))
            .await,
        caps::MAX_INVITATIONS_PER_INVITEE as i64
    );
    let refused = responses.iter().find(|r| r["data"]["inviteCollaborator"].is_null()).unwrap();
    assert_capped(refused, "INVITATION_LIMIT_REACHED", caps::MAX_INVITATIONS_PER_INVITEE);
}

#[tokio::test]
async fn one_builder_cannot_flood_invitations_across_many_projects() {
    let app = TestApp::spawn().await;
    let ada = app.register("ada").await;
    let mut owned = projects(&app, &ada.user_id, caps::MAX_INVITATIONS_PER_INVITER + 1).await;
    let last = owned.pop().unwrap();
    let invitees = builders(&app, caps::MAX_INVITATIONS_PER_INVITER + 1).await;
    for (project, invitee) in owned.iter().zip(&invitees) {
        app.execute(&format!(
            "INSERT INTO project_collaborators (project_id, user_id, status) VALUES ('{project}', '{invitee}', 'pending')"
        ))
        .await;
    }
    let flood = app
        .as_user(&ada)
        .graphql(INVITE, json!({ "p": last, "u": invitees[caps::MAX_INVITATIONS_PER_INVITER] }))
        .await;
    assert_capped(&flood, "INVITATION_LIMIT_REACHED", caps::MAX_INVITATIONS_PER_INVITER);
    // An answered invitation no longer counts.
    app.execute(&format!(
        "UPDATE project_collaborators SET status = 'declined' WHERE project_id = '{}'",
        owned[0]
    ))
    .await;
    app.as_user(&ada)
        .graphql_ok(INVITE, json!({ "p": last, "u": invitees[caps::MAX_INVITATIONS_PER_INVITER] }))
        .await;
}

#[tokio::test]
async fn a_builder_collaborates_on_a_bounded_number_of_projects() {
    let app = TestApp::spawn().await;
    let bob: Session = app.register("bob").await;
    let owner = builders(&app, 1).await.remove(0);
    let confirmed = projects(&app, &owner, caps::MAX_COLLABORATIONS_PER_BUILDER + 1).await;
    for (i, project) in confirmed.iter().enumerate() {
        let status = if i < caps::MAX_COLLABORATIONS_PER_BUILDER { "confirmed" } else { "pending" };
        app.execute(&format!(
            "INSERT INTO project_collaborators (project_id, user_id, status) VALUES ('{project}', '{}', '{status}')",
            bob.user_id
        ))
        .await;
    }
    let last = &confirmed[caps::MAX_COLLABORATIONS_PER_BUILDER];
    let accepted = app.as_user(&bob).graphql(RESPOND, json!({ "p": last })).await;
    assert_capped(&accepted, "COLLABORATION_LIMIT_REACHED", caps::MAX_COLLABORATIONS_PER_BUILDER);
    let status = app
        .rows(&format!(
            "SELECT status::text AS line FROM project_collaborators WHERE project_id = '{last}'"
        ))
        .await;
    assert_eq!(status, vec!["pending"], "a refused answer changes nothing");
    // Declining is always possible.
    app.as_user(&bob)
        .graphql_ok(
            "mutation($p: ID!) { respondToCollaboration(projectId: $p, accept: false) { status } }",
            json!({ "p": last }),
        )
        .await;
}

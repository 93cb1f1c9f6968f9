use serde_json::{Value, json};
use tests::{Session, TestApp, assert_ok, error_codes};

const CREATE: &str = "mutation($input: CreateProjectInput!) { createProject(input: $input) {
    id title status techStack links impactMetrics githubRepoFullName owner { username } } }";
const FEED: &str =
    "{ feed(first: 100) { edges { node { eventType actor { username } targetId metadata } } } }";

async fn create(app: &TestApp, who: &Session, input: Value) -> Value {
    app.graphql_as(&who.access_token, CREATE, json!({ "input": input })).await
}

fn feed_lines(response: &Value) -> Vec<String> {
    response["data"]["feed"]["edges"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            format!(
                "{}|{}",
                e["node"]["eventType"].as_str().unwrap(),
                e["node"]["actor"]["username"].as_str().unwrap()
            )
        })
        .collect()
}

#[tokio::test]
async fn a_project_lifecycle_records_its_events_in_order() {
    let app = TestApp::spawn().await;
    let ada = app.register("ada").await;
    let bob = app.register("bob").await;
    let created = create(&app, &ada, json!({
        "title": "Analytical Engine", "techStack": ["Rust", "Rust", "PostgreSQL"],
        "links": { "demo": "https://example.com" }, "impactMetrics": { "users": 12, "note": "early" },
        "githubRepoFullName": "ada/engine"
    })).await;
    let project = &created["data"]["createProject"];
    assert_eq!(project["status"], "IN_PROGRESS", "{created}");
    assert_eq!(project["techStack"], json!(["Rust", "PostgreSQL"]));
    assert_eq!(project["owner"]["username"], "ada");
    let id = project["id"].as_str().unwrap().to_owned();

    let update = "mutation($input: UpdateProjectInput!) { updateProject(input: $input) { title description githubRepoFullName } }";
    let updated = app.graphql_as(&ada.access_token, update, json!({ "input": { "id": id, "description": "Computes things.", "githubRepoFullName": null } })).await;
    assert_eq!(
        updated["data"]["updateProject"],
        json!({ "title": "Analytical Engine", "description": "Computes things.", "githubRepoFullName": null })
    );
    let not_owner = app
        .graphql_as(
            &bob.access_token,
            update,
            json!({ "input": { "id": id, "title": "Mine now" } }),
        )
        .await;
    assert_eq!(error_codes(&not_owner), vec!["FORBIDDEN"]);
    let anonymous = app.graphql(update, json!({ "input": { "id": id, "title": "x" } })).await;
    assert_eq!(error_codes(&anonymous), vec!["UNAUTHENTICATED"]);
    let unknown = app
        .graphql_as(
            &ada.access_token,
            update,
            json!({ "input": { "id": "01ZZZZZZZZZZZZZZZZZZZZZZZZ", "title": "x" } }),
        )
        .await;
    assert_eq!(error_codes(&unknown), vec!["NOT_FOUND"]);

    let ship = "mutation($id: ID!) { shipProject(id: $id) { status } }";
    assert_eq!(
        error_codes(&app.graphql_as(&bob.access_token, ship, json!({ "id": id })).await),
        vec!["FORBIDDEN"]
    );
    let shipped = app.graphql_as(&ada.access_token, ship, json!({ "id": id })).await;
    assert_eq!(shipped["data"]["shipProject"]["status"], "SHIPPED");
    let twice = app.graphql_as(&ada.access_token, ship, json!({ "id": id })).await;
    assert_eq!(error_codes(&twice), vec!["CONFLICT"]);
    let archived = app
        .graphql_as(
            &ada.access_token,
            "mutation($id: ID!) { archiveProject(id: $id) { status } }",
            json!({ "id": id }),
        )
        .await;
    assert_eq!(archived["data"]["archiveProject"]["status"], "ARCHIVED");

    let feed = app.graphql(FEED, json!({})).await;
    assert_eq!(
        feed_lines(&feed),
        vec![
            "PROJECT_SHIPPED|ada",
            "PROJECT_CREATED|ada",
            "BUILDER_JOINED|bob",
            "BUILDER_JOINED|ada"
        ]
    );
    let created_event = &feed["data"]["feed"]["edges"][1]["node"];
    assert_eq!(created_event["targetId"], id.as_str());
    assert_eq!(
        created_event["metadata"],
        json!({ "projectTitle": "Analytical Engine", "techStack": ["Rust", "PostgreSQL"] })
    );

    let delete = "mutation($id: ID!) { deleteProject(id: $id) }";
    assert_eq!(
        error_codes(&app.graphql_as(&bob.access_token, delete, json!({ "id": id })).await),
        vec!["FORBIDDEN"]
    );
    assert_eq!(
        app.graphql_as(&ada.access_token, delete, json!({ "id": id })).await,
        json!({ "data": { "deleteProject": true } })
    );
    let feed = app.graphql(FEED, json!({})).await;
    assert_eq!(
        feed_lines(&feed),
        vec!["BUILDER_JOINED|bob", "BUILDER_JOINED|ada"],
        "events about the project are gone"
    );
}

#[tokio::test]
async fn project_fields_are_validated_and_nothing_is_written() {
    let app = TestApp::spawn().await;
    let ada = app.register("ada").await;
    let too_many: Vec<String> = (0..21).map(|i| format!("tech{i}")).collect();
    let cases = [
        (json!({ "title": "  " }), "title"),
        (json!({ "title": "x".repeat(201) }), "title"),
        (json!({ "title": "ok", "techStack": too_many }), "techStack"),
        (json!({ "title": "ok", "techStack": ["x".repeat(51)] }), "techStack"),
        (json!({ "title": "ok", "links": { "demo": "ftp://x" } }), "links"),
        (json!({ "title": "ok", "impactMetrics": { "users": [1, 2] } }), "impactMetrics"),
        (json!({ "title": "ok", "impactMetrics": "lots" }), "impactMetrics"),
        (json!({ "title": "ok", "githubRepoFullName": "no-slash" }), "githubRepoFullName"),
        (json!({ "title": "ok", "githubStars": -1 }), "githubStars"),
        (json!({ "title": "ok", "thumbnailUrl": "nope" }), "thumbnailUrl"),
    ];
    for (input, field) in cases {
        let response = create(&app, &ada, input.clone()).await;
        assert_eq!(error_codes(&response), vec!["BAD_USER_INPUT"], "{input}: {response}");
        assert_eq!(response["errors"][0]["extensions"]["field"], field, "{input}");
    }
    assert_eq!(app.count("projects").await, 0);
    assert_eq!(app.count("feed_events WHERE event_type <> 'builder_joined'").await, 0);

    assert_ok(
        &create(&app, &ada, json!({ "title": "One", "githubRepoFullName": "ada/one" })).await,
    );
    let taken =
        create(&app, &ada, json!({ "title": "Two", "githubRepoFullName": "ada/one" })).await;
    assert_eq!(error_codes(&taken), vec!["CONFLICT"]);
    assert_eq!(app.count("feed_events WHERE event_type = 'project_created'").await, 1);
}

#[tokio::test]
async fn collaboration_invite_answer_remove_and_leave() {
    let app = TestApp::spawn().await;
    let ada = app.register("ada").await;
    let bob = app.register("bob").await;
    let cy = app.register("cyd").await;
    let project = create(&app, &ada, json!({ "title": "Engine", "techStack": ["Rust"] })).await;
    let pid = assert_ok(&project)["createProject"]["id"].as_str().unwrap().to_owned();

    let invite = "mutation($p: ID!, $u: ID!) { inviteCollaborator(projectId: $p, userId: $u, role: \"Engineer\") { status role user { username } project { title } } }";
    let invited =
        app.graphql_as(&ada.access_token, invite, json!({ "p": pid, "u": bob.user_id })).await;
    assert_eq!(
        invited["data"]["inviteCollaborator"],
        json!({ "status": "PENDING", "role": "Engineer", "user": { "username": "bob" }, "project": { "title": "Engine" } })
    );
    assert_eq!(
        error_codes(
            &app.graphql_as(&ada.access_token, invite, json!({ "p": pid, "u": bob.user_id })).await
        ),
        vec!["CONFLICT"]
    );
    assert_eq!(
        error_codes(
            &app.graphql_as(&bob.access_token, invite, json!({ "p": pid, "u": cy.user_id })).await
        ),
        vec!["FORBIDDEN"]
    );
    assert_eq!(
        error_codes(
            &app.graphql_as(&ada.access_token, invite, json!({ "p": pid, "u": ada.user_id })).await
        ),
        vec!["BAD_USER_INPUT"]
    );

    // Pending invitations are not shown as collaborators.
    let collaborators =
        format!("{{ project(id: \"{pid}\") {{ collaborators {{ user {{ username }} }} }} }}");
    assert_eq!(
        app.graphql(&collaborators, json!({})).await["data"]["project"]["collaborators"],
        json!([])
    );

    let respond = "mutation($p: ID!, $a: Boolean!) { respondToCollaboration(projectId: $p, accept: $a) { status confirmedAt } }";
    let not_invited =
        app.graphql_as(&cy.access_token, respond, json!({ "p": pid, "a": true })).await;
    assert_eq!(error_codes(&not_invited), vec!["NOT_FOUND"]);
    let accepted = app.graphql_as(&bob.access_token, respond, json!({ "p": pid, "a": true })).await;
    assert_eq!(accepted["data"]["respondToCollaboration"]["status"], "CONFIRMED");
    assert!(accepted["data"]["respondToCollaboration"]["confirmedAt"].is_string());
    let twice = app.graphql_as(&bob.access_token, respond, json!({ "p": pid, "a": false })).await;
    assert_eq!(error_codes(&twice), vec!["CONFLICT"]);
    assert_eq!(
        app.graphql(&collaborators, json!({})).await["data"]["project"]["collaborators"],
        json!([{ "user": { "username": "bob" } }])
    );

    app.as_user(&ada).graphql_ok(invite, json!({ "p": pid, "u": cy.user_id })).await;
    let declined = app.graphql_as(&cy.access_token, respond, json!({ "p": pid, "a": false })).await;
    assert_eq!(declined["data"]["respondToCollaboration"]["status"], "DECLINED");

    let feed = app.graphql(FEED, json!({})).await;
    assert_eq!(
        feed_lines(&feed)[..2],
        ["COLLABORATION_CONFIRMED|bob".to_owned(), "PROJECT_CREATED|ada".to_owned()]
    );
    assert_eq!(
        feed["data"]["feed"]["edges"][0]["node"]["metadata"],
        json!({ "projectTitle": "Engine", "techStack": ["Rust"], "ownerName": "ada", "collaboratorName": "bob", "role": "Engineer" })
    );

    let remove = "mutation($p: ID!, $u: ID!) { removeCollaborator(projectId: $p, userId: $u) }";
    assert_eq!(
        error_codes(
            &app.graphql_as(&bob.access_token, remove, json!({ "p": pid, "u": bob.user_id })).await
        ),
        vec!["FORBIDDEN"]
    );
    let leave = "mutation($p: ID!) { leaveProject(projectId: $p) }";
    assert_eq!(
        app.graphql_as(&bob.access_token, leave, json!({ "p": pid })).await,
        json!({ "data": { "leaveProject": true } })
    );
    assert_eq!(
        error_codes(&app.graphql_as(&bob.access_token, leave, json!({ "p": pid })).await),
        vec!["NOT_FOUND"]
    );
    assert_eq!(
        app.graphql_as(&ada.access_token, remove, json!({ "p": pid, "u": cy.user_id })).await,
        json!({ "data": { "removeCollaborator": true } })
    );
    assert_eq!(app.count("project_collaborators").await, 0);
}

#[tokio::test]
async fn owners_see_pending_invitations_and_invitees_see_theirs() {
    let app = TestApp::spawn().await;
    let ada = app.register("ada").await;
    let bob = app.register("bob").await;
    let cyd = app.register("cyd").await;
    let project = create(&app, &ada, json!({ "title": "Engine" })).await;
    let pid = assert_ok(&project)["createProject"]["id"].as_str().unwrap().to_owned();
    app.as_user(&ada)
        .graphql_ok(
            "mutation($p: ID!, $u: ID!) { inviteCollaborator(projectId: $p, userId: $u, role: \"Engineer\") { status } }",
            json!({ "p": pid, "u": bob.user_id }),
        )
        .await;
    let pending =
        "query($p: ID!) { project(id: $p) { pendingInvitations { role user { username } } } }";
    let owner = app.graphql_as(&ada.access_token, pending, json!({ "p": pid })).await;
    assert_eq!(
        owner["data"]["project"]["pendingInvitations"],
        json!([{ "role": "Engineer", "user": { "username": "bob" } }])
    );
    for other in [&bob, &cyd] {
        let seen = app.graphql_as(&other.access_token, pending, json!({ "p": pid })).await;
        assert_eq!(seen["data"]["project"]["pendingInvitations"], Value::Null, "owner only");
    }
    let anonymous = app.graphql(pending, json!({ "p": pid })).await;
    assert_eq!(anonymous["data"]["project"]["pendingInvitations"], Value::Null);

    let mine = "{ viewerInvitations { status role project { title owner { username } } } }";
    let bobs = app.graphql_as(&bob.access_token, mine, json!({})).await;
    assert_eq!(
        bobs["data"]["viewerInvitations"],
        json!([{ "status": "PENDING", "role": "Engineer", "project": { "title": "Engine", "owner": { "username": "ada" } } }])
    );
    assert_eq!(
        app.graphql_as(&cyd.access_token, mine, json!({})).await["data"]["viewerInvitations"],
        json!([])
    );
    assert_eq!(error_codes(&app.graphql(mine, json!({})).await), vec!["UNAUTHENTICATED"]);
    // Answered, it is no longer pending anywhere.
    app.as_user(&bob)
        .graphql_ok(
            "mutation($p: ID!) { respondToCollaboration(projectId: $p, accept: true) { status } }",
            json!({ "p": pid }),
        )
        .await;
    assert_eq!(
        app.graphql_as(&bob.access_token, mine, json!({})).await["data"]["viewerInvitations"],
        json!([])
    );
    assert_eq!(
        app.graphql_as(&ada.access_token, pending, json!({ "p": pid })).await["data"]["project"]["pendingInvitations"],
        json!([])
    );
}

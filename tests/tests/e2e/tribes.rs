use serde_json::{Value, json};
use tests::{Session, TestApp, assert_ok, error_codes};

const CREATE: &str = "mutation($input: CreateTribeInput!) { createTribe(input: $input) {
    id name mission status maxMembers owner { username } members { role status user { username } } } }";
const REQUEST: &str = "mutation($t: ID!, $r: ID) { requestToJoinTribe(tribeId: $t, roleId: $r) { status role user { username } tribe { name } } }";
const DECIDE: &str = "mutation($t: ID!, $u: ID!, $a: Boolean!) { decideMembership(tribeId: $t, userId: $u, approve: $a) { status joinedAt user { username } } }";

async fn create_tribe(app: &TestApp, owner: &Session, input: Value) -> String {
    let response = app.graphql_as(&owner.access_token, CREATE, json!({ "input": input })).await;
    assert_ok(&response)["createTribe"]["id"]
        .as_str()
        .unwrap_or_else(|| panic!("{response}"))
        .to_owned()
}

fn members(app_response: &Value) -> Vec<String> {
    app_response["data"]["tribe"]["members"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| {
            format!("{}:{}", m["user"]["username"].as_str().unwrap(), m["role"].as_str().unwrap())
        })
        .collect()
}

#[tokio::test]
async fn a_tribe_is_created_managed_joined_and_recorded() {
    let app = TestApp::spawn().await;
    let ada = app.register("ada").await;
    let bob = app.register("bob").await;
    let cy = app.register("cyd").await;
    let created = app
        .graphql_as(
            &ada.access_token,
            CREATE,
            json!({ "input": { "name": "Engine Room", "mission": "Build engines." } }),
        )
        .await;
    let tribe = &created["data"]["createTribe"];
    assert_eq!(tribe["status"], "OPEN");
    assert_eq!(tribe["maxMembers"], 8);
    assert_eq!(
        tribe["members"],
        json!([{ "role": "OWNER", "status": "ACTIVE", "user": { "username": "ada" } }])
    );
    let tid = tribe["id"].as_str().unwrap().to_owned();

    let update = "mutation($input: UpdateTribeInput!) { updateTribe(input: $input) { name mission maxMembers } }";
    let updated = app
        .graphql_as(
            &ada.access_token,
            update,
            json!({ "input": { "id": tid, "mission": null, "maxMembers": 4 } }),
        )
        .await;
    assert_eq!(
        updated["data"]["updateTribe"],
        json!({ "name": "Engine Room", "mission": null, "maxMembers": 4 })
    );
    assert_eq!(
        error_codes(
            &app.graphql_as(
                &bob.access_token,
                update,
                json!({ "input": { "id": tid, "name": "Mine" } })
            )
            .await
        ),
        vec!["FORBIDDEN"]
    );
    let bad = app
        .graphql_as(&ada.access_token, update, json!({ "input": { "id": tid, "maxMembers": 0 } }))
        .await;
    assert_eq!(bad["errors"][0]["extensions"]["field"], "maxMembers");

    let add = "mutation($input: AddOpenRoleInput!) { addOpenRole(input: $input) { id title skillsNeeded filled } }";
    let role = app
        .graphql_as(
            &ada.access_token,
            add,
            json!({ "input": { "tribeId": tid, "title": "Designer", "skillsNeeded": ["Figma"] } }),
        )
        .await;
    let role_id = assert_ok(&role)["addOpenRole"]["id"].as_str().unwrap().to_owned();
    assert_eq!(
        error_codes(
            &app.graphql_as(
                &bob.access_token,
                add,
                json!({ "input": { "tribeId": tid, "title": "x" } })
            )
            .await
        ),
        vec!["FORBIDDEN"]
    );
    let edit = "mutation($input: UpdateOpenRoleInput!) { updateOpenRole(input: $input) { title skillsNeeded } }";
    let edited = app
        .graphql_as(
            &ada.access_token,
            edit,
            json!({ "input": { "id": role_id, "skillsNeeded": ["Figma", "UI/UX"] } }),
        )
        .await;
    assert_eq!(
        edited["data"]["updateOpenRole"],
        json!({ "title": "Designer", "skillsNeeded": ["Figma", "UI/UX"] })
    );

    let asked = app.graphql_as(&bob.access_token, REQUEST, json!({ "t": tid, "r": role_id })).await;
    assert_eq!(
        asked["data"]["requestToJoinTribe"],
        json!({ "status": "PENDING", "role": "MEMBER", "user": { "username": "bob" }, "tribe": { "name": "Engine Room" } })
    );
    assert_eq!(
        error_codes(&app.graphql_as(&bob.access_token, REQUEST, json!({ "t": tid })).await),
        vec!["CONFLICT"]
    );
    app.as_user(&cy).graphql_ok(REQUEST, json!({ "t": tid })).await;

    assert_eq!(
        error_codes(
            &app.graphql_as(
                &bob.access_token,
                DECIDE,
                json!({ "t": tid, "u": cy.user_id, "a": true })
            )
            .await
        ),
        vec!["FORBIDDEN"]
    );
    let approved = app
        .graphql_as(&ada.access_token, DECIDE, json!({ "t": tid, "u": bob.user_id, "a": true }))
        .await;
    assert_eq!(approved["data"]["decideMembership"]["status"], "ACTIVE");
    let rejected = app
        .graphql_as(&ada.access_token, DECIDE, json!({ "t": tid, "u": cy.user_id, "a": false }))
        .await;
    assert_eq!(rejected["data"]["decideMembership"]["status"], "REJECTED");
    assert_eq!(
        error_codes(
            &app.graphql_as(
                &ada.access_token,
                DECIDE,
                json!({ "t": tid, "u": cy.user_id, "a": true })
            )
            .await
        ),
        vec!["CONFLICT"]
    );

    let view = format!(
        "{{ tribe(id: \"{tid}\") {{ owner {{ username }} members {{ role user {{ username }} }} openRoles {{ title filled filledBy {{ username }} }} }} }}"
    );
    let seen = app.graphql(&view, json!({})).await;
    assert_eq!(members(&seen), vec!["ada:OWNER", "bob:MEMBER"]);
    assert_eq!(
        seen["data"]["tribe"]["openRoles"],
        json!([{ "title": "Designer", "filled": true, "filledBy": { "username": "bob" } }])
    );

    let feed = app
        .graphql(
            "{ feed(first: 3) { edges { node { eventType actor { username } metadata } } } }",
            json!({}),
        )
        .await;
    let edges = feed["data"]["feed"]["edges"].as_array().unwrap();
    assert_eq!(edges[0]["node"]["eventType"], "MEMBER_JOINED_TRIBE");
    assert_eq!(edges[0]["node"]["actor"]["username"], "bob", "the joiner acts");
    assert_eq!(
        edges[0]["node"]["metadata"],
        json!({ "tribeName": "Engine Room", "memberName": "bob", "role": "Designer" })
    );
    assert_eq!(edges[1]["node"]["eventType"], "TRIBE_CREATED");

    // The owner leaves: bob, the longest-standing member, owns it now.
    let leave = "mutation($t: ID!) { leaveTribe(tribeId: $t) }";
    assert_eq!(
        app.graphql_as(&ada.access_token, leave, json!({ "t": tid })).await,
        json!({ "data": { "leaveTribe": true } })
    );
    let seen = app.graphql(&view, json!({})).await;
    assert_eq!(seen["data"]["tribe"]["owner"]["username"], "bob");
    assert_eq!(members(&seen), vec!["bob:OWNER"]);
    // And when the last member leaves, the tribe closes.
    app.as_user(&bob).graphql_ok(leave, json!({ "t": tid })).await;
    let status = app
        .graphql(&format!("{{ tribe(id: \"{tid}\") {{ status members {{ role }} }} }}"), json!({}))
        .await;
    assert_eq!(status["data"]["tribe"], json!({ "status": "ALUMNI", "members": [] }));
    let closed = app.graphql_as(&cy.access_token, REQUEST, json!({ "t": tid })).await;
    assert_eq!(error_codes(&closed), vec!["CONFLICT"]);

    let remove_role = "mutation($id: ID!) { removeOpenRole(id: $id) }";
    assert_eq!(
        error_codes(
            &app.graphql_as(&ada.access_token, remove_role, json!({ "id": role_id })).await
        ),
        vec!["FORBIDDEN"]
    );
    // Bob left with nobody to hand the tribe to: he is no longer its owner and keeps no power
    // over it (this assertion was `removeOpenRole: true` before the tribe had no owner).
    let refused = app.graphql_as(&bob.access_token, remove_role, json!({ "id": role_id })).await;
    assert_eq!(error_codes(&refused), vec!["CONFLICT"]);
    assert_eq!(refused["errors"][0]["extensions"]["reason"], "TRIBE_WITHOUT_OWNER");
}

#[tokio::test]
async fn the_owner_removes_members_and_bad_input_is_named() {
    let app = TestApp::spawn().await;
    let ada = app.register("ada").await;
    let bob = app.register("bob").await;
    let tid = create_tribe(&app, &ada, json!({ "name": "Small" })).await;
    app.as_user(&bob).graphql_ok(REQUEST, json!({ "t": tid })).await;
    app.as_user(&ada).graphql_ok(DECIDE, json!({ "t": tid, "u": bob.user_id, "a": true })).await;
    let remove = "mutation($t: ID!, $u: ID!) { removeMember(tribeId: $t, userId: $u) }";
    assert_eq!(
        error_codes(
            &app.graphql_as(&bob.access_token, remove, json!({ "t": tid, "u": ada.user_id })).await
        ),
        vec!["FORBIDDEN"]
    );
    assert_eq!(
        error_codes(
            &app.graphql_as(&ada.access_token, remove, json!({ "t": tid, "u": ada.user_id })).await
        ),
        vec!["BAD_USER_INPUT"]
    );
    assert_eq!(
        app.graphql_as(&ada.access_token, remove, json!({ "t": tid, "u": bob.user_id })).await,
        json!({ "data": { "removeMember": true } })
    );
    let status = app
        .rows(&format!(
            "SELECT status::text AS line FROM tribe_members WHERE user_id = '{}'",
            bob.user_id
        ))
        .await;
    assert_eq!(status, vec!["removed"]);

    for (input, field) in [
        (json!({ "name": "" }), "name"),
        (json!({ "name": "x".repeat(101) }), "name"),
        (json!({ "name": "ok", "maxMembers": 51 }), "maxMembers"),
    ] {
        let response = app.graphql_as(&ada.access_token, CREATE, json!({ "input": input })).await;
        assert_eq!(response["errors"][0]["extensions"]["field"], field, "{response}");
    }
    assert_eq!(app.count("tribes").await, 1);
    let anonymous = app.graphql(CREATE, json!({ "input": { "name": "x" } })).await;
    assert_eq!(error_codes(&anonymous), vec!["UNAUTHENTICATED"]);
    let unknown = app
        .graphql_as(&bob.access_token, REQUEST, json!({ "t": "01ZZZZZZZZZZZZZZZZZZZZZZZZ" }))
        .await;
    assert_eq!(error_codes(&unknown), vec!["NOT_FOUND"]);
}

/// Concurrent approvals never push a tribe past maxMembers.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn max_members_holds_under_concurrent_approvals() {
    let app =
        TestApp::spawn_with(&[("DATABASE_MAX_CONNECTIONS", "10"), ("DATABASE_TIMEOUT_SECS", "60")])
            .await;
    let ada = app.register("ada").await;
    let tid = create_tribe(&app, &ada, json!({ "name": "Trio", "maxMembers": 3 })).await;
    let mut joiners = Vec::new();
    for i in 0..6 {
        let joiner = app.register(&format!("joiner{i}")).await;
        let asked = app.graphql_as(&joiner.access_token, REQUEST, json!({ "t": tid })).await;
        assert!(asked["data"]["requestToJoinTribe"].is_object(), "{asked}");
        joiners.push(joiner);
    }
    let as_ada = app.as_user(&ada);
    let approvals = app
        .concurrently(joiners.len(), |i| {
            as_ada.request(DECIDE, json!({ "t": tid, "u": joiners[i].user_id, "a": true }))
        })
        .await;
    let (mut approved, mut full) = (0, 0);
    for response in approvals {
        if response["data"]["decideMembership"]["status"] == "ACTIVE" {
            approved += 1;
        } else {
            assert_eq!(response["errors"][0]["extensions"]["reason"], "TRIBE_FULL", "{response}");
            full += 1;
        }
    }
    assert_eq!((approved, full), (2, 4));
    let active =
        app.count(&format!("tribe_members WHERE tribe_id = '{tid}' AND status = 'active'")).await;
    assert_eq!(active, 3);
    let late = app.register("late").await;
    let refused = app.graphql_as(&late.access_token, REQUEST, json!({ "t": tid })).await;
    assert_eq!(refused["errors"][0]["extensions"]["reason"], "TRIBE_FULL");
}

#[tokio::test]
async fn owners_see_join_requests_and_requesters_see_theirs() {
    let app = TestApp::spawn().await;
    let ada = app.register("ada").await;
    let bob = app.register("bob").await;
    let cyd = app.register("cyd").await;
    let tid = create_tribe(&app, &ada, json!({ "name": "Room" })).await;
    app.as_user(&bob).graphql_ok(REQUEST, json!({ "t": tid })).await;
    let requests = "query($t: ID!) { tribe(id: $t) { joinRequests { status user { username } } members { user { username } } } }";
    let owner = app.graphql_as(&ada.access_token, requests, json!({ "t": tid })).await;
    assert_eq!(
        owner["data"]["tribe"]["joinRequests"],
        json!([{ "status": "PENDING", "user": { "username": "bob" } }])
    );
    assert_eq!(
        owner["data"]["tribe"]["members"],
        json!([{ "user": { "username": "ada" } }]),
        "requests are not members"
    );
    for other in [&bob, &cyd] {
        let seen = app.graphql_as(&other.access_token, requests, json!({ "t": tid })).await;
        assert_eq!(seen["data"]["tribe"]["joinRequests"], Value::Null, "owner only");
    }
    let mine = "{ viewerJoinRequests { status tribe { name } } }";
    assert_eq!(
        app.graphql_as(&bob.access_token, mine, json!({})).await["data"]["viewerJoinRequests"],
        json!([{ "status": "PENDING", "tribe": { "name": "Room" } }])
    );
    assert_eq!(error_codes(&app.graphql(mine, json!({})).await), vec!["UNAUTHENTICATED"]);
    app.as_user(&ada).graphql_ok(DECIDE, json!({ "t": tid, "u": bob.user_id, "a": false })).await;
    assert_eq!(
        app.graphql_as(&bob.access_token, mine, json!({})).await["data"]["viewerJoinRequests"],
        json!([])
    );
    assert_eq!(
        app.graphql_as(&ada.access_token, requests, json!({ "t": tid })).await["data"]["tribe"]["joinRequests"],
        json!([])
    );
}

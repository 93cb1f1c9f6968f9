//! Nobody's shared data is lost by someone else: a deleted account hands its tribes on, an owner
//! who leaves with nobody to hand the tribe to keeps no owner powers, a role is released when
//! its holder goes, and concurrent `setSkills` never leave more than the cap.
use serde_json::{Value, json};
use tests::{
    PASSWORD, Session, TestApp, assert_ok, error_codes, graphql_request, responses, spawn_requests,
};

const CREATE: &str = "mutation($name: String!) { createTribe(input: { name: $name }) { id } }";
const REQUEST: &str =
    "mutation($t: ID!, $r: ID) { requestToJoinTribe(tribeId: $t, roleId: $r) { status } }";
const DECIDE: &str = "mutation($t: ID!, $u: ID!, $a: Boolean!) { decideMembership(tribeId: $t, userId: $u, approve: $a) { status } }";
const LEAVE: &str = "mutation($t: ID!) { leaveTribe(tribeId: $t) }";
const REMOVE: &str = "mutation($t: ID!, $u: ID!) { removeMember(tribeId: $t, userId: $u) }";
const ADD_ROLE: &str = "mutation($t: ID!, $title: String!) { addOpenRole(input: { tribeId: $t, title: $title }) { id } }";
const DELETE_ACCOUNT: &str = "mutation($p: String!) { deleteAccount(password: $p) }";

async fn create_tribe(app: &TestApp, owner: &Session, name: &str) -> String {
    let created = app.as_user(owner).graphql_ok(CREATE, json!({ "name": name })).await;
    created["createTribe"]["id"].as_str().unwrap().to_owned()
}

async fn add_role(app: &TestApp, owner: &Session, tribe: &str, title: &str) -> String {
    let added =
        app.as_user(owner).graphql_ok(ADD_ROLE, json!({ "t": tribe, "title": title })).await;
    added["addOpenRole"]["id"].as_str().unwrap().to_owned()
}

/// `who` asks to join (for `role`, if any) and `owner` approves.
async fn join(app: &TestApp, owner: &Session, who: &Session, tribe: &str, role: Option<&str>) {
    app.as_user(who).graphql_ok(REQUEST, json!({ "t": tribe, "r": role })).await;
    app.as_user(owner).graphql_ok(DECIDE, json!({ "t": tribe, "u": who.user_id, "a": true })).await;
}

/// The tribe as anyone sees it: owner, status, members (username:role) and roles.
async fn tribe(app: &TestApp, id: &str) -> Value {
    let query = "query($t: ID!) { tribe(id: $t) { name status owner { username }
        members { role user { username } } openRoles { title filled filledBy { username } } } }";
    let seen = app.graphql_ok(query, json!({ "t": id })).await;
    let mut tribe = seen["tribe"].clone();
    if let Some(members) = tribe["members"].as_array() {
        let members: Vec<String> = members
            .iter()
            .map(|m| {
                format!(
                    "{}:{}",
                    m["user"]["username"].as_str().unwrap(),
                    m["role"].as_str().unwrap()
                )
            })
            .collect();
        tribe["members"] = json!(members);
    }
    tribe
}

/// Deleting the owner's account hands each tribe that has other active members to the
/// longest-standing of them, with its members, roles and their events; a tribe with nobody else
/// goes, with the events that point at it.
#[tokio::test]
async fn a_deleted_owner_hands_the_tribe_to_the_longest_standing_member() {
    let app = TestApp::spawn().await;
    let ada = app.register("ada").await;
    // Cyd registers (and asks) before Bob, but Bob is approved first: he is the longest-standing
    // member, whatever order their ids or requests are in.
    let cyd = app.register("cyd").await;
    let bob = app.register("bob").await;
    let dan = app.register("dan").await;
    let trio = create_tribe(&app, &ada, "Trio").await;
    let role = add_role(&app, &ada, &trio, "Designer").await;
    app.as_user(&cyd).graphql_ok(REQUEST, json!({ "t": trio, "r": role })).await;
    app.as_user(&bob).graphql_ok(REQUEST, json!({ "t": trio })).await;
    for who in [&bob, &cyd] {
        app.as_user(&ada)
            .graphql_ok(DECIDE, json!({ "t": trio, "u": who.user_id, "a": true }))
            .await;
    }
    // A tribe of one: Dan joined and left, so nobody else is in it; a request still pends.
    let solo = create_tribe(&app, &ada, "Solo").await;
    join(&app, &ada, &dan, &solo, None).await;
    app.as_user(&dan).graphql_ok(LEAVE, json!({ "t": solo })).await;
    app.as_user(&cyd).graphql_ok(REQUEST, json!({ "t": solo })).await;

    let deleted = app.as_user(&ada).graphql(DELETE_ACCOUNT, json!({ "p": PASSWORD })).await;
    assert_eq!(deleted, json!({ "data": { "deleteAccount": true } }));

    assert_eq!(
        tribe(&app, &trio).await,
        json!({
            "name": "Trio", "status": "OPEN", "owner": { "username": "bob" },
            "members": ["bob:OWNER", "cyd:MEMBER"],
            "openRoles": [{ "title": "Designer", "filled": true, "filledBy": { "username": "cyd" } }],
        })
    );
    // Bob now runs it: he can take requests and decide them.
    let as_bob = app.as_user(&bob);
    as_bob
        .graphql_ok(
            "mutation($t: ID!) { updateTribe(input: { id: $t, name: \"Trio & co\" }) { name } }",
            json!({ "t": trio }),
        )
        .await;
    app.as_user(&dan).graphql_ok(REQUEST, json!({ "t": trio })).await;
    as_bob.graphql_ok(DECIDE, json!({ "t": trio, "u": dan.user_id, "a": true })).await;
    // The members' events about the tribe stay in the feed; Ada's own are gone.
    let events = app
        .rows(&format!(
            "SELECT u.username || ':' || e.event_type::text AS line FROM feed_events e
             JOIN users u ON u.id = e.actor_id WHERE e.target_id = '{trio}' ORDER BY e.id"
        ))
        .await;
    assert_eq!(
        events,
        vec!["bob:member_joined_tribe", "cyd:member_joined_tribe", "dan:member_joined_tribe"]
    );

    let solo_left = app
        .rows(&format!(
            "SELECT 'tribe' AS line FROM tribes WHERE id = '{solo}'
             UNION ALL SELECT 'member ' || status::text FROM tribe_members WHERE tribe_id = '{solo}'
             UNION ALL SELECT 'event ' || event_type::text FROM feed_events WHERE target_id = '{solo}'"
        ))
        .await;
    assert!(solo_left.is_empty(), "left of Solo: {solo_left:?}");
    let mine =
        app.as_user(&cyd).graphql_ok("{ viewerJoinRequests { tribe { name } } }", json!({})).await;
    assert_eq!(mine["viewerJoinRequests"], json!([]));
}

/// An owner who leaves with nobody to hand the tribe to keeps no owner powers: the tribe is
/// ALUMNI for good and nobody can reopen it, decide its requests, change its roles or remove
/// its members.
#[tokio::test]
async fn an_owner_who_leaves_with_no_successor_keeps_no_owner_powers() {
    let app = TestApp::spawn().await;
    let ada = app.register("ada").await;
    let bob = app.register("bob").await;
    let tid = create_tribe(&app, &ada, "Lonely").await;
    let role = add_role(&app, &ada, &tid, "Designer").await;
    // Bob only asked: he is not a member, so nobody can take the tribe over.
    app.as_user(&bob).graphql_ok(REQUEST, json!({ "t": tid })).await;
    assert_eq!(
        app.as_user(&ada).graphql(LEAVE, json!({ "t": tid })).await,
        json!({ "data": { "leaveTribe": true } })
    );
    let closed = tribe(&app, &tid).await;
    assert_eq!(closed["status"], "ALUMNI");
    assert_eq!(closed["members"], json!([]));

    let powers = [
        (
            "updateTribe status",
            "mutation($t: ID!) { updateTribe(input: { id: $t, status: OPEN }) { status } }",
            json!({ "t": tid }),
        ),
        (
            "updateTribe name",
            "mutation($t: ID!) { updateTribe(input: { id: $t, name: \"Mine\" }) { name } }",
            json!({ "t": tid }),
        ),
        ("decideMembership", DECIDE, json!({ "t": tid, "u": bob.user_id, "a": true })),
        ("addOpenRole", ADD_ROLE, json!({ "t": tid, "title": "Engineer" })),
        (
            "updateOpenRole",
            "mutation($r: ID!) { updateOpenRole(input: { id: $r, title: \"Lead\" }) { title } }",
            json!({ "r": role }),
        ),
        ("removeOpenRole", "mutation($r: ID!) { removeOpenRole(id: $r) }", json!({ "r": role })),
        ("removeMember", REMOVE, json!({ "t": tid, "u": bob.user_id })),
    ];
    for (power, query, variables) in &powers {
        let refused = app.as_user(&ada).graphql(query, variables.clone()).await;
        assert_eq!(error_codes(&refused), vec!["CONFLICT"], "{power} by the old owner: {refused}");
        assert_eq!(refused["errors"][0]["extensions"]["reason"], "TRIBE_WITHOUT_OWNER", "{power}");
        let message = refused["errors"][0]["message"].as_str().unwrap();
        assert!(message.contains("no owner"), "{power}: {message}");
        // Bob cannot either (he would remove Ada, not himself).
        let mut variables = variables.clone();
        if *power == "removeMember" {
            variables["u"] = json!(ada.user_id);
        }
        let refused = app.as_user(&bob).graphql(query, variables).await;
        assert_eq!(error_codes(&refused), vec!["FORBIDDEN"], "{power} by Bob: {refused}");
    }
    // Nothing changed: still closed, the request still undecided, the role as it was.
    let after = tribe(&app, &tid).await;
    assert_eq!(
        after,
        json!({
            "name": "Lonely", "status": "ALUMNI", "owner": { "username": "ada" }, "members": [],
            "openRoles": [{ "title": "Designer", "filled": false, "filledBy": null }],
        })
    );
    assert_eq!(
        app.count(&format!("tribe_members WHERE tribe_id = '{tid}' AND status = 'pending'")).await,
        1
    );
    // And nobody gets in by asking.
    let rejoin = app.as_user(&ada).graphql(REQUEST, json!({ "t": tid })).await;
    assert_eq!(rejoin["errors"][0]["extensions"]["reason"], "NOT_RECRUITING", "{rejoin}");
}

/// A filled role is released (filled false, filledBy null) when its holder leaves the tribe, is
/// removed from it, or deletes their account; someone else can then ask for it.
#[tokio::test]
async fn a_role_is_released_when_its_holder_leaves_is_removed_or_deletes_the_account() {
    let app = TestApp::spawn().await;
    let ada = app.register("ada").await;
    let eve = app.register("eve").await;
    let tid = create_tribe(&app, &ada, "Roles").await;
    for (holder, how) in
        ["leaver", "removed", "deleted"].iter().zip(["leaves", "removed", "deletes"])
    {
        let holder = app.register(holder).await;
        let role = add_role(&app, &ada, &tid, &format!("Role for who {how}")).await;
        join(&app, &ada, &holder, &tid, Some(&role)).await;
        let filled = app
            .rows(&format!(
                "SELECT filled::text || ' ' || coalesce(filled_by, '-') AS line FROM tribe_open_roles WHERE id = '{role}'"
            ))
            .await;
        assert_eq!(filled, vec![format!("true {}", holder.user_id)], "{how}");
        let gone = match how {
            "leaves" => app.as_user(&holder).graphql(LEAVE, json!({ "t": tid })).await,
            "removed" => {
                app.as_user(&ada).graphql(REMOVE, json!({ "t": tid, "u": holder.user_id })).await
            }
            _ => app.as_user(&holder).graphql(DELETE_ACCOUNT, json!({ "p": PASSWORD })).await,
        };
        assert!(gone["errors"].is_null(), "{how}: {gone}");
        let released = app
            .rows(&format!(
                "SELECT filled::text || ' ' || coalesce(filled_by, '-') AS line FROM tribe_open_roles WHERE id = '{role}'"
            ))
            .await;
        assert_eq!(released, vec!["false -"], "the holder {how}");
        let asked = app.as_user(&eve).graphql(REQUEST, json!({ "t": tid, "r": role })).await;
        assert_eq!(assert_ok(&asked)["requestToJoinTribe"]["status"], "PENDING", "{how}");
        app.as_user(&eve).graphql_ok(LEAVE, json!({ "t": tid })).await;
    }
    // A role the owner marked filled by hand, with no holder, stays filled.
    let manual = add_role(&app, &ada, &tid, "Filled by hand").await;
    app.as_user(&ada)
        .graphql_ok(
            "mutation($r: ID!) { updateOpenRole(input: { id: $r, filled: true }) { filled } }",
            json!({ "r": manual }),
        )
        .await;
    let passer = app.register("passer").await;
    join(&app, &ada, &passer, &tid, None).await;
    app.as_user(&passer).graphql_ok(LEAVE, json!({ "t": tid })).await;
    assert_eq!(app.count(&format!("tribe_open_roles WHERE id = '{manual}' AND filled")).await, 1);
}

/// Two `setSkills` of different sets at once leave one of the sets, never both (a set of 30 is
/// the cap). A held lock on the current skills makes both requests reach their delete together.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_set_skills_never_leave_more_than_the_cap() {
    let app =
        TestApp::spawn_with(&[("DATABASE_MAX_CONNECTIONS", "10"), ("DATABASE_TIMEOUT_SECS", "60")])
            .await;
    let values: Vec<String> = (0..90)
        .map(|i| format!("('{}', 'Skill {i:02}', 's{i:02}', 'other')", ulid::Ulid::new()))
        .collect();
    app.execute(&format!(
        "INSERT INTO skills (id, name, slug, category) VALUES {}",
        values.join(", ")
    ))
    .await;
    let set = |from: usize| (from..from + 30).map(|i| format!("s{i:02}")).collect::<Vec<_>>();
    let ada = app.register("ada").await;
    let query = "mutation($slugs: [String!]!) { setSkills(slugs: $slugs) { id } }";
    app.as_user(&ada).graphql_ok(query, json!({ "slugs": set(0) })).await;

    let mut holder = app
        .hold_locks(&format!(
            "SELECT 1 FROM user_skills WHERE user_id = '{}' FOR SHARE",
            ada.user_id
        ))
        .await;
    let bearer = format!("Bearer {}", ada.access_token);
    let requests = [set(30), set(60)]
        .into_iter()
        .map(|slugs| {
            graphql_request(query, json!({ "slugs": slugs }), &[("authorization", bearer.as_str())])
        })
        .collect();
    let tasks = spawn_requests(&app, requests);
    holder.until_waiting(2).await;
    holder.release().await;
    for response in responses(tasks).await {
        assert_ok(&response);
    }
    let held = app
        .rows(&format!(
            "SELECT slug AS line FROM user_skills JOIN skills ON skills.id = skill_id
             WHERE user_id = '{}' ORDER BY slug",
            ada.user_id
        ))
        .await;
    assert!(held == set(30) || held == set(60), "{} skills held: {held:?}", held.len());
}

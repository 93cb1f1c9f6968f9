use serde_json::{Value, json};
use tests::{TestApp, error_codes};

fn names(connection: &Value, field: &str) -> Vec<String> {
    connection["edges"]
        .as_array()
        .unwrap_or_else(|| panic!("not a connection: {connection}"))
        .iter()
        .map(|e| e["node"][field].as_str().unwrap().to_owned())
        .collect()
}

/// The `field` of each node.
fn fields(nodes: &[Value], field: &str) -> Vec<String> {
    nodes.iter().map(|n| n[field].as_str().unwrap().to_owned()).collect()
}

#[tokio::test]
async fn user_lookup_by_id_or_username() {
    let app = TestApp::seeded().await;
    let by_name = app
        .graphql(
            r#"{ user(username: "MayaChen") { id displayName builderScore skills { name } } }"#,
            json!({}),
        )
        .await;
    let maya = &by_name["data"]["user"];
    assert_eq!(maya["displayName"], "Maya Chen");
    assert_eq!(maya["builderScore"], 72.0);
    let id = maya["id"].as_str().unwrap();
    let by_id =
        app.graphql("query($id: ID!) { user(id: $id) { username } }", json!({ "id": id })).await;
    assert_eq!(by_id["data"]["user"]["username"], "mayachen");

    let unknown = app.graphql(r#"{ user(id: "01ZZZZZZZZZZZZZZZZZZZZZZZZ") { id } project(id: "nope") { id } tribe(id: "x") { id } }"#, json!({})).await;
    assert_eq!(unknown, json!({ "data": { "user": null, "project": null, "tribe": null } }));

    for args in ["", r#"(id: "a", username: "b")"#] {
        let response = app.graphql(&format!("{{ user{args} {{ id }} }}"), json!({})).await;
        assert_eq!(error_codes(&response), vec!["BAD_USER_INPUT"], "{args}");
    }
}

const USERS: &str = "query($first: Int, $after: String, $filter: UserFilter) {
    users(first: $first, after: $after, filter: $filter) {
        edges { cursor node { username } } pageInfo { hasNextPage hasPreviousPage startCursor endCursor } } }";

#[tokio::test]
async fn users_page_by_keyset_newest_first_with_filters() {
    let app = TestApp::seeded().await;
    let all = app.graphql(USERS, json!({ "first": 100 })).await;
    let everyone = names(&all["data"]["users"], "username");
    assert_eq!(everyone.len(), 10);
    let expected = app.rows("SELECT username AS line FROM users ORDER BY id DESC").await;
    assert_eq!(everyone, expected);

    // Paging by 3 gives the same list: no duplicates, no gaps.
    let paged = app.all_nodes(USERS, json!({ "first": 3 }), "users").await;
    assert_eq!(fields(&paged, "username"), expected);
    let first_page = app.graphql(USERS, json!({ "first": 3 })).await;
    let info = &first_page["data"]["users"]["pageInfo"];
    assert_eq!(info["hasNextPage"], true);
    assert_eq!(info["hasPreviousPage"], false);

    let engineers = app.graphql(USERS, json!({ "filter": { "primaryRole": "ENGINEER" } })).await;
    let mut engineers = names(&engineers["data"]["users"], "username");
    engineers.sort();
    assert_eq!(
        engineers,
        vec!["alexrivera", "marcusjohnson", "mayachen", "priyasharma", "sarahkim"]
    );
    let open = app
        .graphql(
            USERS,
            json!({ "filter": { "availabilityStatus": "OPEN_TO_TRIBE", "skill": "python" } }),
        )
        .await;
    let mut open = names(&open["data"]["users"], "username");
    open.sort();
    assert_eq!(open, vec!["mayachen", "sarahkim"]);
    // A wildcard is just a character.
    let wildcard = app.graphql(USERS, json!({ "filter": { "skill": "%" } })).await;
    assert_eq!(names(&wildcard["data"]["users"], "username"), Vec::<String>::new());
}

#[tokio::test]
async fn page_size_and_cursor_are_validated() {
    let app = TestApp::seeded().await;
    for (vars, field) in [
        (json!({ "first": 101 }), "first"),
        (json!({ "first": -1 }), "first"),
        (json!({ "after": "garbage" }), "after"),
        (json!({ "after": "djE6JyBPUiAxPTEgLS0" }), "after"),
    ] {
        let response = app.graphql(USERS, vars.clone()).await;
        assert_eq!(error_codes(&response), vec!["BAD_USER_INPUT"], "{vars}");
        assert_eq!(response["errors"][0]["extensions"]["field"], field);
    }
    let default = app.graphql("{ feed { edges { cursor } } }", json!({})).await;
    assert_eq!(default["data"]["feed"]["edges"].as_array().unwrap().len(), 15);
    let zero = app
        .graphql("{ feed(first: 0) { edges { cursor } pageInfo { hasNextPage } } }", json!({}))
        .await;
    assert_eq!(zero["data"]["feed"], json!({ "edges": [], "pageInfo": { "hasNextPage": true } }));
}

#[tokio::test]
async fn projects_and_tribes_with_their_people() {
    let app = TestApp::seeded().await;
    let shipped = app
        .graphql(
            r#"{ projects(filter: {status: SHIPPED}) { edges { node { title status techStack githubStars impactMetrics owner { username } } } } }"#,
            json!({}),
        )
        .await;
    let mut titles = names(&shipped["data"]["projects"], "title");
    titles.sort();
    assert_eq!(titles, vec!["AI Resume Builder", "Design System Kit", "ML Pipeline Framework"]);
    let resume = shipped["data"]["projects"]["edges"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["node"]["title"] == "AI Resume Builder")
        .unwrap();
    assert_eq!(
        resume["node"],
        json!({ "title": "AI Resume Builder", "status": "SHIPPED", "techStack": ["React", "Python", "OpenAI", "PostgreSQL"],
                "githubStars": 340, "impactMetrics": { "users": 1200 }, "owner": { "username": "mayachen" } })
    );

    let david = app.graphql(r#"{ user(username: "davidmorales") { id } }"#, json!({})).await;
    let david_id = david["data"]["user"]["id"].clone();
    let owned = app
        .graphql(
            "query($owner: ID!) { projects(filter: {ownerId: $owner}) { edges { node { title collaborators { role status user { username } } } } } }",
            json!({ "owner": david_id }),
        )
        .await;
    let edges = owned["data"]["projects"]["edges"].as_array().unwrap();
    assert_eq!(edges.len(), 2);
    let dashboard =
        edges.iter().find(|e| e["node"]["title"] == "Growth Analytics Dashboard").unwrap();
    assert_eq!(
        dashboard["node"]["collaborators"],
        json!([{ "role": "Product Manager", "status": "CONFIRMED", "user": { "username": "elenavolkov" } }])
    );

    let tribes = app
        .graphql(
            "{ tribes(filter: {status: OPEN}) { edges { node { name maxMembers owner { username }
               members { role status user { username } } openRoles { title skillsNeeded filled } } } } }",
            json!({}),
        )
        .await;
    let edges = tribes["data"]["tribes"]["edges"].as_array().unwrap();
    assert_eq!(edges.len(), 2);
    let hospitality = edges.iter().find(|e| e["node"]["name"] == "Hospitality OS").unwrap();
    assert_eq!(hospitality["node"]["owner"]["username"], "tomnakamura");
    let members: Vec<(&str, &str)> = hospitality["node"]["members"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| (m["role"].as_str().unwrap(), m["user"]["username"].as_str().unwrap()))
        .collect();
    assert_eq!(members[0], ("OWNER", "tomnakamura"));
    assert_eq!(members.len(), 3);
    assert_eq!(
        hospitality["node"]["openRoles"],
        json!([{ "title": "Backend Engineer", "skillsNeeded": ["Go", "PostgreSQL"], "filled": false },
               { "title": "Growth Marketer", "skillsNeeded": ["SEO", "Partnerships"], "filled": false }])
    );

    let skills = app.graphql("{ skills(category: DESIGN) { name category } }", json!({})).await;
    let skills = skills["data"]["skills"].as_array().unwrap();
    assert!(skills.len() >= 8 && skills.iter().all(|s| s["category"] == "DESIGN"));
    let all = app.graphql("{ skills { slug } }", json!({})).await;
    assert!(all["data"]["skills"].as_array().unwrap().len() >= 80);
}

#[tokio::test]
async fn a_users_relations_counts_and_viewer_follows() {
    let app = TestApp::seeded().await;
    let ada = app.register("ada").await;
    app.execute(&format!(
        "INSERT INTO follows (follower_id, followee_id) SELECT '{}', id FROM users WHERE username = 'mayachen'",
        ada.user_id
    ))
    .await;
    let query = r#"{ user(username: "mayachen") {
        followerCount followingCount viewerFollows
        followers(first: 100) { edges { node { username } } }
        following(first: 2) { edges { node { username } } pageInfo { hasNextPage endCursor } }
        projects { edges { node { title } } }
        collaborations { role project { title } }
        tribes { name }
    } }"#;
    let seen_by_ada = app.graphql_as(&ada.access_token, query, json!({})).await;
    let maya = &seen_by_ada["data"]["user"];
    // Seed: Maya is followed by James, Priya, David, Sarah, Alex, Tom; now Ada too.
    assert_eq!(maya["followerCount"], 7, "{seen_by_ada}");
    assert_eq!(maya["followingCount"], 4);
    assert_eq!(maya["viewerFollows"], true);
    assert_eq!(names(&maya["followers"], "username")[0], "ada", "most recent follow first");
    assert_eq!(maya["following"]["pageInfo"]["hasNextPage"], true);
    let mut projects = names(&maya["projects"], "title");
    projects.sort();
    assert_eq!(projects, vec!["AI Resume Builder", "Tribe Finder"]);
    assert_eq!(maya["collaborations"], json!([]));
    assert_eq!(maya["tribes"], json!([{ "name": "Hospitality OS" }]));

    let anonymous = app.graphql(query, json!({})).await;
    assert_eq!(anonymous["data"]["user"]["viewerFollows"], false);

    // Following, page by page, is the full list in follow order.
    let following = "query($first: Int, $after: String) { user(username: \"mayachen\") {
        following(first: $first, after: $after) { edges { node { username } } pageInfo { hasNextPage endCursor } } } }";
    let mut all = fields(
        &app.all_nodes(following, json!({ "first": 1 }), "user.following").await,
        "username",
    );
    all.sort();
    assert_eq!(all, vec!["jamesokafor", "priyasharma", "sarahkim", "tomnakamura"]);

    let priya = app.graphql(r#"{ user(username: "priyasharma") { collaborations { role project { title owner { username } } } } }"#, json!({})).await;
    assert_eq!(
        priya["data"]["user"]["collaborations"],
        json!([{ "role": "Backend Engineer", "project": { "title": "Tribe Finder", "owner": { "username": "mayachen" } } }])
    );
}

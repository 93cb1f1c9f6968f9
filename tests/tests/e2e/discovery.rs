//! Discovery on the prototype data, with the real default model (wordllama): the relevance set,
//! matching with reasons, privacy, staleness, a model change, bad input and paging.
use std::sync::Arc;

use embed::{EmbedError, Embedder, HashEmbedder};
use serde_json::{Value, json};
use tests::*;

/// The prototype data with the demo password, embedded, as `cargo run -p seed` leaves it.
async fn seeded() -> TestApp {
    let app = TestApp::spawn().await;
    seed::run_with(&app.app.db, &seed::SeedOptions::development()).await.expect("dev seed");
    app.embed_pending().await;
    app
}

async fn token(app: &TestApp, username: &str) -> String {
    let response = app
        .graphql_ok(
            "mutation($u: String!) { login(input: {login: $u, password: \"build-with-your-tribe\"}) { accessToken } }",
            json!({ "u": username }),
        )
        .await;
    response["login"]["accessToken"].as_str().expect("a token").to_owned()
}

const SEARCH: &str = "query($q: String!, $kinds: [SearchKind!], $filter: SearchFilter, $first: Int, $after: String) {
  search(query: $q, kinds: $kinds, filter: $filter, first: $first, after: $after) {
    edges {
      cursor
      node { __typename ... on User { id displayName email } ... on Project { id title } ... on Tribe { id name } }
      score matchedBy matchedSkills similarity snippet { text highlighted }
    }
    pageInfo { hasNextPage }
  }
}";

/// A hit's name (display name, title or tribe name).
fn name(edge: &Value) -> String {
    let node = &edge["node"];
    ["displayName", "title", "name"].iter().find_map(|k| node[k].as_str()).unwrap_or("?").to_owned()
}

async fn search(app: &TestApp, q: &str, kinds: Value, filter: Value) -> Vec<Value> {
    let response = app
        .graphql_ok(SEARCH, json!({ "q": q, "kinds": kinds, "filter": filter, "first": 20 }))
        .await;
    response["search"]["edges"].as_array().cloned().unwrap_or_default()
}

async fn names(app: &TestApp, q: &str, kinds: Value, filter: Value) -> Vec<String> {
    search(app, q, kinds, filter).await.iter().map(name).collect()
}

/// The relevance set: queries on the prototype data and the results a user expects on top, in
/// order. Semantic cases share no word with the results they must find. docs/discovery.md
/// explains the ranking these exercise.
const RELEVANCE: &[(&str, &str, &str, &[&str])] = &[
    // (query, kinds as JSON, filter as JSON, expected first results in order)
    ("kubernetes", "null", "null", &["Priya Sharma", "Marcus Johnson"]),
    ("design system", "null", "null", &["Design System Kit"]),
    ("kube", "null", "null", &["Priya Sharma", "Marcus Johnson"]),
    ("priya", "null", "null", &["Priya Sharma"]),
    ("education", "null", "null", &["AI for Education"]),
    ("\"open source\"", "[\"PROJECT\"]", "null", &["Open Source CRM"]),
    ("figma or storybook", "[\"PROJECT\"]", "null", &["Design System Kit"]),
    ("hotels", "[\"TRIBE\"]", "null", &["Hospitality OS"]),
    ("react", "[\"USER\"]", "{\"availability\": [\"OPEN_TO_TRIBE\"]}", &["Maya Chen"]),
    ("frontend", "[\"USER\"]", "null", &["Alex Rivera"]),
    ("interviews", "null", "null", &["Aisha Patel"]),
    ("marketing", "[\"USER\"]", "null", &["David Morales"]),
    (
        "growth",
        "[\"PROJECT\"]",
        "{\"projectStatus\": [\"IN_PROGRESS\"]}",
        &["Growth Analytics Dashboard"],
    ),
    ("creator", "[\"TRIBE\"]", "{\"hasOpenRole\": false}", &["Creator Economy Tools"]),
    // In meaning only: no word in common.
    ("machine learning", "[\"PROJECT\"]", "null", &["ML Pipeline Framework"]),
    ("deep learning", "[\"PROJECT\"]", "null", &["ML Pipeline Framework"]),
    ("containers", "[\"USER\"]", "null", &["Marcus Johnson"]),
    ("schools", "[\"TRIBE\"]", "null", &["AI for Education"]),
];

#[tokio::test]
async fn the_relevance_set_finds_the_expected_results_first() {
    let app = seeded().await;
    let mut failures = Vec::new();
    for (q, kinds, filter, expected) in RELEVANCE {
        let kinds: Value = serde_json::from_str(kinds).unwrap();
        let filter: Value = serde_json::from_str(filter).unwrap();
        let got = names(&app, q, kinds, filter).await;
        if got.len() < expected.len()
            || got[..expected.len()]
                != expected.iter().map(|s| s.to_string()).collect::<Vec<_>>()[..]
        {
            failures.push(format!("{q:?}: expected {expected:?} first, got {got:?}"));
        }
    }
    assert!(failures.is_empty(), "relevance set:\n{}", failures.join("\n"));
}

#[tokio::test]
async fn hits_carry_their_evidence_snippets_skills_and_similarity() {
    let app = seeded().await;
    let hits = search(&app, "kubernetes", json!(null), json!(null)).await;
    let priya = &hits[0];
    assert_eq!(name(priya), "Priya Sharma");
    assert_eq!(priya["matchedSkills"], json!(["Kubernetes"]));
    assert_eq!(priya["matchedBy"], json!(["TEXT", "SKILL", "MEANING"]));
    assert!(priya["similarity"].as_f64().unwrap() > 0.25);
    let highlighted: Vec<&str> = priya["snippet"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|p| p["highlighted"] == json!(true))
        .map(|p| p["text"].as_str().unwrap())
        .collect();
    assert_eq!(highlighted, ["Kubernetes"]);
    // Marcus has the skill, not the word: found by skill (and meaning), not by text.
    let marcus = &hits[1];
    assert_eq!(marcus["matchedSkills"], json!(["Kubernetes"]));
    assert!(!marcus["matchedBy"].as_array().unwrap().contains(&json!("TEXT")));

    // A project's matched tech; a match in meaning only has no highlight and a similarity.
    let hits = search(&app, "machine learning", json!(["PROJECT"]), json!(null)).await;
    assert_eq!(hits[0]["matchedBy"], json!(["MEANING"]));
    assert!(
        hits[0]["snippet"].as_array().unwrap().iter().all(|p| p["highlighted"] == json!(false))
    );
    let hits = search(&app, "storybook", json!(["PROJECT"]), json!(null)).await;
    assert_eq!(hits[0]["matchedSkills"], json!(["Storybook"]));
}

#[tokio::test]
async fn search_syntax_phrases_or_exclusion_prefix_and_stop_words() {
    let app = seeded().await;
    // -exclusion holds for every list: Sarah Kim (TensorFlow skill) and ML Pipeline Framework
    // (TensorFlow in its stack) are found by "python" and gone with "-tensorflow".
    let python = names(&app, "python", json!(null), json!(null)).await;
    assert!(
        python.contains(&"Sarah Kim".to_owned())
            && python.contains(&"ML Pipeline Framework".to_owned())
    );
    let without = names(&app, "python -tensorflow", json!(null), json!(null)).await;
    assert!(!without.is_empty());
    assert!(!without.contains(&"Sarah Kim".to_owned()), "{without:?}");
    assert!(!without.contains(&"ML Pipeline Framework".to_owned()), "{without:?}");
    // Only stop words: an empty page, not an error.
    for q in ["the", "and or the", "-the"] {
        assert_eq!(search(&app, q, json!(null), json!(null)).await, Vec::<Value>::new(), "{q}");
    }
    // Text that would be a syntax error for to_tsquery is just text.
    for q in ["&|!:*()", "'", "\"unclosed", "a:*", "<->", "kube:*"] {
        app.graphql_ok(SEARCH, json!({ "q": q })).await;
    }
    // A word that matches nothing, in text or in meaning, finds nothing.
    assert_eq!(names(&app, "zzyzx", json!(null), json!(null)).await, Vec::<String>::new());
}

#[tokio::test]
async fn filters_narrow_each_kind() {
    let app = seeded().await;
    let both =
        names(&app, "python", json!(["USER"]), json!({ "skills": ["postgresql", "python"] })).await;
    let mut sorted = both.clone();
    sorted.sort();
    assert_eq!(sorted, ["Maya Chen", "Tom Nakamura"]);
    let engineers = names(&app, "engineer", json!(["USER"]), json!({ "roles": ["FOUNDER"] })).await;
    assert_eq!(engineers, ["Tom Nakamura"]);
    let tech = names(&app, "react", json!(["PROJECT"]), json!({ "tech": ["figma"] })).await;
    assert_eq!(tech, ["Design System Kit"]);
    let shipped =
        names(&app, "react", json!(["PROJECT"]), json!({ "projectStatus": ["SHIPPED"] })).await;
    assert!(!shipped.contains(&"Open Source CRM".to_owned()), "{shipped:?}");
    let open = names(&app, "building", json!(["TRIBE"]), json!({ "hasOpenRole": true })).await;
    assert!(!open.contains(&"Creator Economy Tools".to_owned()), "{open:?}");
    let active =
        names(&app, "creators", json!(["TRIBE"]), json!({ "tribeStatus": ["ACTIVE"] })).await;
    assert_eq!(active, ["Creator Economy Tools"]);
}

#[tokio::test]
async fn bad_input_is_refused_naming_the_field() {
    let app = seeded().await;
    let cases = [
        (json!({ "q": "" }), "query"),
        (json!({ "q": "   " }), "query"),
        (json!({ "q": "a".repeat(201) }), "query"),
        // NUL is refused before anything runs, naming the variable that carried it.
        (json!({ "q": "nul\u{0}byte" }), "q"),
        (json!({ "q": "tab\there" }), "query"),
        (json!({ "q": "react", "first": 101 }), "first"),
        (json!({ "q": "react", "after": "garbage" }), "after"),
        (json!({ "q": "react", "filter": { "skills": vec!["go"; 21] } }), "filter.skills"),
        (json!({ "q": "react", "filter": { "tech": [""] } }), "filter.tech"),
    ];
    for (variables, field) in cases {
        let response = app.graphql(SEARCH, variables.clone()).await;
        assert_eq!(error_codes(&response), ["BAD_USER_INPUT"], "{variables}: {response}");
        assert_eq!(response["errors"][0]["extensions"]["field"], json!(field), "{variables}");
    }
    // 200 characters after trimming is fine.
    app.graphql_ok(SEARCH, json!({ "q": format!("  {}  ", "kube".repeat(50)) })).await;
    // A cursor of another search is refused.
    let first = app.graphql_ok(SEARCH, json!({ "q": "react", "first": 1 })).await;
    let cursor = first["search"]["edges"][0]["cursor"].clone();
    let other = app.graphql(SEARCH, json!({ "q": "python", "after": cursor })).await;
    assert_eq!(error_codes(&other), ["BAD_USER_INPUT"], "{other}");
}

#[tokio::test]
async fn pages_are_stable_with_no_duplicate_or_skipped_hit() {
    let app = seeded().await;
    for q in ["react", "engineer", "building software"] {
        let whole: Vec<String> = search(&app, q, json!(null), json!(null))
            .await
            .iter()
            .map(|e| format!("{}:{}", e["node"]["__typename"], name(e)))
            .collect();
        assert!(whole.len() >= 3, "{q}: {whole:?}");
        let mut paged = Vec::new();
        let mut after = Value::Null;
        loop {
            let page = app.graphql_ok(SEARCH, json!({ "q": q, "first": 2, "after": after })).await;
            let connection = &page["search"];
            for edge in connection["edges"].as_array().unwrap() {
                paged.push(format!("{}:{}", edge["node"]["__typename"], name(edge)));
                after = edge["cursor"].clone();
            }
            if connection["pageInfo"]["hasNextPage"] != json!(true) {
                break;
            }
        }
        assert_eq!(paged, whole, "{q}");
        // The same query twice: the same order.
        let again: Vec<String> = search(&app, q, json!(null), json!(null))
            .await
            .iter()
            .map(|e| format!("{}:{}", e["node"]["__typename"], name(e)))
            .collect();
        assert_eq!(again, whole, "{q}");
    }
}

#[tokio::test]
async fn no_result_ever_includes_an_email_and_emails_are_not_searchable() {
    let app = seeded().await;
    for q in ["mayachen@example.com", "example.com", "example"] {
        assert_eq!(names(&app, q, json!(["USER"]), json!(null)).await, Vec::<String>::new(), "{q}");
    }
    let hits = search(&app, "engineer", json!(null), json!(null)).await;
    assert!(!hits.is_empty());
    for hit in &hits {
        assert_eq!(hit["node"].get("email").cloned().unwrap_or(Value::Null), Value::Null);
    }
    let raw = app.graphql(SEARCH, json!({ "q": "engineer" })).await.to_string();
    assert!(!raw.contains("@example.com"), "{raw}");
}

const CANDIDATES: &str = "query($id: ID!) { tribe(id: $id) { openRoles { title
  candidates(first: 10) { edges { node { user { displayName } matchedSkills similarity availability score } } } } } }";

async fn tribe_id(app: &TestApp, name: &str) -> String {
    app.rows(&format!("SELECT id AS line FROM tribes WHERE name = '{name}'")).await.remove(0)
}

fn role_candidates(response: &Value, title: &str) -> Vec<Value> {
    response["tribe"]["openRoles"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["title"] == json!(title))
        .map(|r| {
            r["candidates"]["edges"].as_array().unwrap().iter().map(|e| e["node"].clone()).collect()
        })
        .unwrap_or_default()
}

#[tokio::test]
async fn candidates_for_a_role_come_with_reasons_and_exclude_members() {
    let app = seeded().await;
    let tom = token(&app, "tomnakamura").await;
    let hospitality = tribe_id(&app, "Hospitality OS").await;
    let response = app.graphql_as(&tom, CANDIDATES, json!({ "id": hospitality })).await;
    let backend = role_candidates(assert_ok(&response), "Backend Engineer");
    assert_eq!(backend[0]["user"]["displayName"], json!("Priya Sharma"));
    assert_eq!(backend[0]["matchedSkills"], json!(["Go"]));
    assert_eq!(backend[0]["availability"], json!("OPEN_TO_TRIBE"));
    assert!(backend[0]["similarity"].as_f64().unwrap() > 0.0);
    let listed: Vec<&str> =
        backend.iter().map(|c| c["user"]["displayName"].as_str().unwrap()).collect();
    // Members (Maya, James) and the owner (Tom) are never candidates.
    for member in ["Maya Chen", "James Okafor", "Tom Nakamura"] {
        assert!(!listed.contains(&member), "{member} in {listed:?}");
    }
    // Scores decrease; with the same skills and similarity, availability decides.
    let scores: Vec<f64> = backend.iter().map(|c| c["score"].as_f64().unwrap()).collect();
    assert!(scores.windows(2).all(|w| w[0] >= w[1]), "{scores:?}");

    // A pending request removes a builder from the list.
    let priya = token(&app, "priyasharma").await;
    app.graphql_as(
        &priya,
        "mutation($t: ID!) { requestToJoinTribe(tribeId: $t) { status } }",
        json!({ "t": hospitality }),
    )
    .await;
    let response = app.graphql_as(&tom, CANDIDATES, json!({ "id": hospitality })).await;
    let backend = role_candidates(assert_ok(&response), "Backend Engineer");
    assert!(
        backend.iter().all(|c| c["user"]["displayName"] != json!("Priya Sharma")),
        "{backend:?}"
    );

    // AI for Education's Product Designer (Figma, User Research): the builders with one of them.
    let sarah = token(&app, "sarahkim").await;
    let education = tribe_id(&app, "AI for Education").await;
    let response = app.graphql_as(&sarah, CANDIDATES, json!({ "id": education })).await;
    let designer = role_candidates(assert_ok(&response), "Product Designer");
    let mut top: Vec<&str> =
        designer[..2].iter().map(|c| c["user"]["displayName"].as_str().unwrap()).collect();
    top.sort_unstable();
    assert_eq!(top, ["Aisha Patel", "James Okafor"], "{designer:?}");
}

#[tokio::test]
async fn only_the_owner_sees_candidates_and_only_the_builder_their_suggestions() {
    let app = seeded().await;
    let hospitality = tribe_id(&app, "Hospitality OS").await;
    let anonymous = app.graphql(CANDIDATES, json!({ "id": hospitality })).await;
    // One error per role asked about.
    assert_eq!(error_codes(&anonymous), ["UNAUTHENTICATED", "UNAUTHENTICATED"], "{anonymous}");
    let maya = token(&app, "mayachen").await;
    let member = app.graphql_as(&maya, CANDIDATES, json!({ "id": hospitality })).await;
    assert!(error_codes(&member).iter().all(|c| c == "FORBIDDEN"), "{member}");
    assert!(!error_codes(&member).is_empty());
    let others = app
        .graphql_as(
            &maya,
            "{ user(username: \"priyasharma\") { suggestedRoles { edges { node { score } } } } }",
            json!({}),
        )
        .await;
    assert_eq!(error_codes(&others), ["FORBIDDEN"], "{others}");
}

const SUGGESTED: &str = "{ viewer { suggestedRoles(first: 10) { edges { node { role { title } tribe { name } matchedSkills similarity score } } } } }";

#[tokio::test]
async fn suggested_roles_fit_the_viewer_with_reasons() {
    let app = seeded().await;
    let priya = token(&app, "priyasharma").await;
    let response = app.graphql_as(&priya, SUGGESTED, json!({})).await;
    let edges =
        assert_ok(&response)["viewer"]["suggestedRoles"]["edges"].as_array().unwrap().clone();
    assert_eq!(edges[0]["node"]["role"]["title"], json!("Backend Engineer"));
    assert_eq!(edges[0]["node"]["tribe"]["name"], json!("Hospitality OS"));
    assert_eq!(edges[0]["node"]["matchedSkills"], json!(["Go"]));
    // Maya is in Hospitality OS: its roles are not suggested to her.
    let maya = token(&app, "mayachen").await;
    let response = app.graphql_as(&maya, SUGGESTED, json!({})).await;
    for edge in assert_ok(&response)["viewer"]["suggestedRoles"]["edges"].as_array().unwrap() {
        assert_ne!(edge["node"]["tribe"]["name"], json!("Hospitality OS"), "{edge}");
    }
}

#[tokio::test]
async fn similar_builders_and_projects_share_skills_or_tech() {
    let app = seeded().await;
    let response = app
        .graphql_ok(
            "{ user(username: \"priyasharma\") { similarBuilders(first: 3) { user { displayName } similarity sharedSkills } } }",
            json!({}),
        )
        .await;
    let similar = &response["user"]["similarBuilders"];
    assert_eq!(similar[0]["user"]["displayName"], json!("Marcus Johnson"));
    assert_eq!(similar[0]["sharedSkills"], json!(["Kubernetes"]));
    assert_eq!(similar.as_array().unwrap().len(), 3);
    assert!(
        similar
            .as_array()
            .unwrap()
            .iter()
            .all(|s| s["user"]["displayName"] != json!("Priya Sharma"))
    );
    let crm =
        app.rows("SELECT id AS line FROM projects WHERE title = 'Open Source CRM'").await.remove(0);
    let response = app
        .graphql_ok(
            "query($id: ID!) { project(id: $id) { similarProjects(first: 2) { project { title } similarity sharedTech } } }",
            json!({ "id": crm }),
        )
        .await;
    let similar = response["project"]["similarProjects"].as_array().unwrap().clone();
    assert_eq!(similar.len(), 2);
    assert!(similar.iter().all(|s| s["project"]["title"] != json!("Open Source CRM")));
    assert!(
        similar.iter().any(|s| s["sharedTech"].as_array().unwrap().contains(&json!("PostgreSQL")))
    );
    let bad = app
        .graphql(
            "{ user(username: \"priyasharma\") { similarBuilders(first: 21) { similarity } } }",
            json!({}),
        )
        .await;
    assert_eq!(error_codes(&bad), ["BAD_USER_INPUT"]);
}

#[tokio::test]
async fn a_builder_who_leaves_discovery_appears_in_no_result_but_keeps_their_profile() {
    let app = seeded().await;
    let priya = token(&app, "priyasharma").await;
    let response = app
        .graphql_as(
            &priya,
            "mutation { updateProfile(input: {discoverable: false}) { discoverable } }",
            json!({}),
        )
        .await;
    assert_eq!(assert_ok(&response)["updateProfile"]["discoverable"], json!(false));

    assert!(
        !names(&app, "kubernetes", json!(null), json!(null))
            .await
            .contains(&"Priya Sharma".to_owned())
    );
    assert!(
        !names(&app, "priya", json!(null), json!(null)).await.contains(&"Priya Sharma".to_owned())
    );
    let tom = token(&app, "tomnakamura").await;
    let hospitality = tribe_id(&app, "Hospitality OS").await;
    let response = app.graphql_as(&tom, CANDIDATES, json!({ "id": hospitality })).await;
    let backend = role_candidates(assert_ok(&response), "Backend Engineer");
    assert!(backend.iter().all(|c| c["user"]["displayName"] != json!("Priya Sharma")));
    let marcus = app
        .graphql_ok("{ user(username: \"marcusjohnson\") { similarBuilders(first: 20) { user { displayName } } } }", json!({}))
        .await;
    assert!(!marcus.to_string().contains("Priya Sharma"), "{marcus}");
    // Still reachable by username, and only she sees the switch.
    let profile = app
        .graphql_ok("{ user(username: \"priyasharma\") { displayName discoverable } }", json!({}))
        .await;
    assert_eq!(profile["user"], json!({ "displayName": "Priya Sharma", "discoverable": null }));
    // Back in.
    app.graphql_as(
        &priya,
        "mutation { updateProfile(input: {discoverable: true}) { discoverable } }",
        json!({}),
    )
    .await;
    assert_eq!(names(&app, "kubernetes", json!(null), json!(null)).await[0], "Priya Sharma");
}

#[tokio::test]
async fn the_projects_of_a_builder_who_leaves_discovery_leave_search_too() {
    let app = seeded().await;
    let projects = json!(["PROJECT"]);
    // Found by its words, by its tech stack (a filter) and by a description in other words.
    let by_words = names(&app, "design system", projects.clone(), json!(null)).await;
    assert_eq!(by_words.first().map(String::as_str), Some("Design System Kit"));
    let by_tech = names(&app, "react", projects.clone(), json!({ "tech": ["figma"] })).await;
    assert_eq!(by_tech, ["Design System Kit"]);
    let by_meaning =
        names(&app, "reusable interface components", projects.clone(), json!(null)).await;
    assert!(by_meaning.contains(&"Design System Kit".to_owned()), "{by_meaning:?}");

    let james = token(&app, "jamesokafor").await;
    let hide =
        "mutation($on: Boolean!) { updateProfile(input: {discoverable: $on}) { discoverable } }";
    assert_ok(&app.graphql_as(&james, hide, json!({ "on": false })).await);
    for (q, filter) in [
        ("design system", json!(null)),
        ("react", json!({ "tech": ["figma"] })),
        ("reusable interface components", json!(null)),
    ] {
        let found = names(&app, q, projects.clone(), filter).await;
        assert!(!found.contains(&"Design System Kit".to_owned()), "{q}: {found:?}");
    }

    assert_ok(&app.graphql_as(&james, hide, json!({ "on": true })).await);
    let back = names(&app, "design system", projects, json!(null)).await;
    assert_eq!(back.first().map(String::as_str), Some("Design System Kit"));
}

#[tokio::test]
async fn a_deleted_account_leaves_every_result_at_once() {
    let app = seeded().await;
    let priya = token(&app, "priyasharma").await;
    let response = app
        .graphql_as(
            &priya,
            "mutation { deleteAccount(password: \"build-with-your-tribe\") }",
            json!({}),
        )
        .await;
    assert_ok(&response);
    let kube = names(&app, "kubernetes", json!(null), json!(null)).await;
    assert_eq!(kube.first().map(String::as_str), Some("Marcus Johnson"), "{kube:?}");
    let tom = token(&app, "tomnakamura").await;
    let hospitality = tribe_id(&app, "Hospitality OS").await;
    let response = app.graphql_as(&tom, CANDIDATES, json!({ "id": hospitality })).await;
    assert!(!response.to_string().contains("Priya Sharma"), "{response}");
}

#[tokio::test]
async fn writes_mark_rows_stale_in_their_transaction_and_the_worker_embeds_them() {
    let app = seeded().await;
    assert_eq!(app.count("embedding_jobs").await, 0, "the seed leaves everything embedded");
    let model = app.rows("SELECT DISTINCT embedding_model AS line FROM users").await;
    assert_eq!(model, ["wordllama-l2-supercat-256@0.4.0.post1"]);
    let before =
        app.rows("SELECT embedding::text AS line FROM users WHERE username = 'aishapatel'").await;

    let aisha = token(&app, "aishapatel").await;
    app.graphql_as(
        &aisha,
        "mutation { updateProfile(input: {headline: \"Kubernetes operator\"}) { headline } }",
        json!({}),
    )
    .await;
    // The write returned without embedding: the job waits, the old vector still serves.
    assert_eq!(
        app.rows("SELECT target_type || ':' || target_id AS line FROM embedding_jobs").await.len(),
        1
    );
    assert_eq!(
        app.rows("SELECT embedding::text AS line FROM users WHERE username = 'aishapatel'").await,
        before
    );
    // A change to fields that are not embedded marks nothing.
    app.graphql_as(
        &aisha,
        "mutation { updateProfile(input: {timezone: \"Europe/Berlin\"}) { timezone } }",
        json!({}),
    )
    .await;
    assert_eq!(app.count("embedding_jobs").await, 1);
    // Skills are embedded: setSkills marks the builder too (the same job).
    app.graphql_as(&aisha, "mutation { setSkills(slugs: [\"kubernetes\"]) { id } }", json!({}))
        .await;
    assert_eq!(app.count("embedding_jobs").await, 1);

    assert_eq!(app.embed_pending().await, 1);
    assert_eq!(app.count("embedding_jobs").await, 0);
    assert_ne!(
        app.rows("SELECT embedding::text AS line FROM users WHERE username = 'aishapatel'").await,
        before
    );
    let kube = names(&app, "kubernetes", json!(["USER"]), json!(null)).await;
    assert!(kube.contains(&"Aisha Patel".to_owned()), "{kube:?}");

    // Projects, tribes and open roles are marked by their own writes.
    let tom = token(&app, "tomnakamura").await;
    let hospitality = tribe_id(&app, "Hospitality OS").await;
    app.graphql_as(&tom, "mutation($t: ID!) { updateTribe(input: {id: $t, mission: \"Software for small hotels\"}) { id } }", json!({ "t": hospitality }))
        .await;
    assert_eq!(app.rows("SELECT target_type AS line FROM embedding_jobs").await, ["tribe"]);
}

#[tokio::test]
async fn the_background_worker_embeds_stale_rows_on_its_own() {
    let app =
        TestApp::spawn_with(&[("EMBED_WORKER", "true"), ("EMBED_POLL_INTERVAL_MS", "50")]).await;
    let ada = app.register("ada").await;
    app.as_user(&ada)
        .graphql_ok(
            "mutation { updateProfile(input: {headline: \"Rust and Kubernetes\"}) { id } }",
            json!({}),
        )
        .await;
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    while app.count("embedding_jobs").await > 0 {
        assert!(std::time::Instant::now() < deadline, "the worker did not embed within 10 s");
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    let embedded = app.count_rows("SELECT count(*) FROM users WHERE embedding IS NOT NULL AND embedding_model IS NOT NULL").await;
    assert_eq!(embedded, 1);
}

/// A provider that always fails, as an unreachable API would.
struct Failing;

impl Embedder for Failing {
    fn model_id(&self) -> &str {
        "failing"
    }
    fn dimension(&self) -> usize {
        8
    }
    fn embed_batch(&self, _texts: &[&str]) -> Result<Vec<Option<Vec<f32>>>, EmbedError> {
        Err(EmbedError::Provider { status: Some(503), reason: "provider down".into() })
    }
}

#[tokio::test]
async fn a_failing_provider_loses_no_job_and_retries_with_backoff() {
    let app = TestApp::spawn().await;
    let ada = app.register("ada").await;
    app.as_user(&ada)
        .graphql_ok("mutation { updateProfile(input: {headline: \"Go\"}) { id } }", json!({}))
        .await;
    let failing: Arc<dyn Embedder> = Arc::new(Failing);
    let outcome = domain::discovery::jobs::run_batch(&app.app.db, &failing, 10).await.unwrap();
    assert_eq!((outcome.claimed, outcome.failed), (1, 1));
    let job = app
        .rows("SELECT attempts || ' ' || (run_after > now()) || ' ' || coalesce(last_error, '') AS line FROM embedding_jobs")
        .await;
    assert_eq!(job.len(), 1);
    assert!(job[0].starts_with("1 true ") && job[0].contains("provider down"), "{job:?}");
    // Not due yet: nothing to claim; once due, the real model embeds it.
    assert_eq!(
        domain::discovery::jobs::run_batch(&app.app.db, &failing, 10).await.unwrap().claimed,
        0
    );
    app.execute("UPDATE embedding_jobs SET run_after = now()").await;
    assert_eq!(app.embed_pending().await, 1);
    assert_eq!(app.count("embedding_jobs").await, 0);
}

#[tokio::test]
async fn missing_vectors_and_vectors_of_another_model_fall_back_to_full_text() {
    let app = seeded().await;
    // Missing: every builder's vector gone; text and skills still find them, with no similarity.
    app.execute("UPDATE users SET embedding = NULL, embedding_model = NULL").await;
    let hits = search(&app, "kubernetes", json!(["USER"]), json!(null)).await;
    assert_eq!(hits.iter().map(name).collect::<Vec<_>>(), ["Priya Sharma", "Marcus Johnson"]);
    assert!(hits.iter().all(|h| h["similarity"].is_null()));
    assert_eq!(names(&app, "containers", json!(["USER"]), json!(null)).await, Vec::<String>::new());

    // Another model: a stand-in model embeds everything; the server's model never compares its
    // vectors (nothing is found in meaning), until the rows are re-embedded.
    let other: Arc<dyn Embedder> =
        Arc::new(HashEmbedder::new(256).with_model_id("another-model@1"));
    domain::discovery::jobs::enqueue_other_models(&app.app.db, other.model_id()).await.unwrap();
    domain::discovery::jobs::drain(&app.app.db, &other, 64, |_| {}).await.unwrap();
    assert_eq!(
        app.rows("SELECT DISTINCT embedding_model AS line FROM projects").await,
        ["another-model@1"]
    );
    assert_eq!(
        names(&app, "machine learning", json!(["PROJECT"]), json!(null)).await,
        Vec::<String>::new()
    );
    let kube = search(&app, "kubernetes", json!(["USER"]), json!(null)).await;
    assert!(kube.iter().all(|h| h["similarity"].is_null()), "{kube:?}");

    // The re-embed: every row of another model is queued and embedded by the current one.
    let model = app.app.discovery().model_id().to_owned();
    let queued = domain::discovery::jobs::enqueue_other_models(&app.app.db, &model).await.unwrap();
    assert_eq!(queued, 10 + 6 + 3 + 3);
    app.embed_pending().await;
    assert_eq!(
        names(&app, "machine learning", json!(["PROJECT"]), json!(null)).await[0],
        "ML Pipeline Framework"
    );
}

use serde_json::{Value, json};
use tests::{TestApp, error_codes};

const UPDATE: &str = "mutation($input: UpdateProfileInput!) { updateProfile(input: $input) {
    displayName headline bio avatarUrl primaryRole timezone availabilityStatus contactLinks
    githubUsername onboardingCompleted } }";
const SET_SKILLS: &str = "mutation($slugs: [String!]!) { setSkills(slugs: $slugs) {
    onboardingCompleted skills { slug name category } } }";

#[tokio::test]
async fn profile_updates_and_onboarding_completes_with_headline_role_and_a_skill() {
    let app = TestApp::seeded().await;
    let ada = app.register("ada").await;
    let updated = app
        .graphql_as(
            &ada.access_token,
            UPDATE,
            json!({ "input": {
                "displayName": "Ada Lovelace", "headline": "Engine programmer", "bio": "Line one.\nLine two.",
                "avatarUrl": "https://example.com/ada.png", "primaryRole": "ENGINEER",
                "timezone": "Europe/London", "availabilityStatus": "OPEN_TO_TRIBE",
                "contactLinks": { "github": "https://github.com/ada" }, "githubUsername": "ada-l"
            }}),
        )
        .await;
    assert_eq!(
        updated["data"]["updateProfile"],
        json!({
            "displayName": "Ada Lovelace", "headline": "Engine programmer", "bio": "Line one.\nLine two.",
            "avatarUrl": "https://example.com/ada.png", "primaryRole": "ENGINEER",
            "timezone": "Europe/London", "availabilityStatus": "OPEN_TO_TRIBE",
            "contactLinks": { "github": "https://github.com/ada" }, "githubUsername": "ada-l",
            "onboardingCompleted": false
        }),
        "{updated}"
    );

    let skills = app
        .graphql_as(
            &ada.access_token,
            SET_SKILLS,
            json!({ "slugs": ["rust", "postgresql", "rust"] }),
        )
        .await;
    assert_eq!(
        skills["data"]["setSkills"],
        json!({ "onboardingCompleted": true, "skills": [
            { "slug": "postgresql", "name": "PostgreSQL", "category": "ENGINEERING" },
            { "slug": "rust", "name": "Rust", "category": "ENGINEERING" },
        ]})
    );
    // Replacing: one kept, one dropped, one added.
    let replaced =
        app.graphql_as(&ada.access_token, SET_SKILLS, json!({ "slugs": ["rust", "figma"] })).await;
    let slugs: Vec<&str> = replaced["data"]["setSkills"]["skills"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["slug"].as_str().unwrap())
        .collect();
    assert_eq!(slugs, vec!["figma", "rust"]);

    // Null clears a nullable field; leaving a field out keeps it.
    let cleared =
        app.graphql_as(&ada.access_token, UPDATE, json!({ "input": { "headline": null } })).await;
    assert_eq!(cleared["data"]["updateProfile"]["headline"], Value::Null);
    assert_eq!(cleared["data"]["updateProfile"]["timezone"], "Europe/London");
}

#[tokio::test]
async fn every_profile_field_is_validated_by_name_and_a_failure_changes_nothing() {
    let app = TestApp::seeded().await;
    let ada = app.register("ada").await;
    let long = "x".repeat(201);
    let cases: Vec<(&str, Value)> = vec![
        ("displayName", json!("")),
        ("headline", json!(long)),
        ("bio", json!("b".repeat(2001))),
        ("avatarUrl", json!("javascript:alert(1)")),
        ("timezone", json!("Mars/Olympus_Mons")),
        ("contactLinks", json!({ "github": "not a url" })),
        ("contactLinks", json!(["https://github.com/ada"])),
        ("githubUsername", json!("-ada-")),
    ];
    for (field, value) in cases {
        let input = json!({ "headline": "kept?", field: value.clone() });
        let response = app.graphql_as(&ada.access_token, UPDATE, json!({ "input": input })).await;
        assert_eq!(error_codes(&response), vec!["BAD_USER_INPUT"], "{field}: {response}");
        assert_eq!(response["errors"][0]["extensions"]["field"], field, "{response}");
    }
    let enum_value = app
        .graphql_as(&ada.access_token, UPDATE, json!({ "input": { "primaryRole": "WIZARD" } }))
        .await;
    assert_eq!(error_codes(&enum_value), vec!["BAD_USER_INPUT"]);
    let headline = app
        .rows("SELECT coalesce(headline, '<null>') AS line FROM users WHERE username = 'ada'")
        .await;
    assert_eq!(headline, vec!["<null>"], "no partial write");

    let unknown = app
        .graphql_as(&ada.access_token, SET_SKILLS, json!({ "slugs": ["rust", "telepathy"] }))
        .await;
    assert_eq!(error_codes(&unknown), vec!["BAD_USER_INPUT"]);
    assert_eq!(unknown["errors"][0]["extensions"]["field"], "slugs");
    let message = unknown["errors"][0]["message"].as_str().unwrap();
    assert!(message.contains("'telepathy'") && !message.contains("'rust'"), "{message}");
    let skills = app
        .count("user_skills us JOIN users u ON u.id = us.user_id WHERE u.username = 'ada'")
        .await;
    assert_eq!(skills, 0);
}

#[tokio::test]
async fn a_taken_github_username_is_a_conflict_and_anonymous_updates_are_unauthenticated() {
    let app = TestApp::seeded().await;
    let ada = app.register("ada").await;
    let taken = app
        .graphql_as(&ada.access_token, UPDATE, json!({ "input": { "githubUsername": "mayachen" } }))
        .await;
    assert_eq!(error_codes(&taken), vec!["CONFLICT"], "{taken}");
    assert_eq!(taken["errors"][0]["extensions"]["reason"], "GITHUB_USERNAME_TAKEN");

    let anonymous = app.graphql(UPDATE, json!({ "input": { "headline": "x" } })).await;
    assert_eq!(error_codes(&anonymous), vec!["UNAUTHENTICATED"]);
    let anonymous = app.graphql(SET_SKILLS, json!({ "slugs": [] })).await;
    assert_eq!(error_codes(&anonymous), vec!["UNAUTHENTICATED"]);
}

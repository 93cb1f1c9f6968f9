use tests::{TestApp, TestDb};

fn lines(v: &[&str]) -> Vec<String> {
    v.iter().map(|s| (*s).to_owned()).collect()
}

#[tokio::test]
async fn the_seed_loads_exactly_the_prototype_data() {
    let app = TestApp::seeded().await;

    let counts = app
        .rows(
            "SELECT concat_ws(',', (SELECT count(*) FROM skills), (SELECT count(DISTINCT category) FROM skills),
                    (SELECT count(*) FROM users), (SELECT count(*) FROM projects),
                    (SELECT count(*) FROM tribes), (SELECT count(*) FROM feed_events)) AS line",
        )
        .await;
    let parts: Vec<i64> = counts[0].split(',').map(|n| n.parse().unwrap()).collect();
    assert!(parts[0] >= 80, "80+ skills, got {}", parts[0]);
    assert_eq!(&parts[1..], &[8, 10, 6, 3, 15]);

    let maya = app
        .rows(
            "SELECT concat_ws('|', display_name, headline, builder_score, primary_role, availability_status,
                    onboarding_completed::text) AS line FROM users WHERE username = 'mayachen'",
        )
        .await;
    assert_eq!(maya, lines(&["Maya Chen|Full-Stack Developer|72|engineer|open_to_tribe|true"]));
    let maya_skills = app
        .rows(
            "SELECT s.name AS line FROM skills s JOIN user_skills us ON us.skill_id = s.id
             JOIN users u ON u.id = us.user_id WHERE u.username = 'mayachen' ORDER BY s.name",
        )
        .await;
    assert_eq!(maya_skills, lines(&["FastAPI", "PostgreSQL", "Python", "React"]));

    let builders = app
        .rows(
            "SELECT concat_ws('|', display_name, headline, builder_score, primary_role) AS line
             FROM users ORDER BY builder_score DESC",
        )
        .await;
    assert_eq!(
        builders,
        lines(&[
            "Maya Chen|Full-Stack Developer|72|engineer",
            "Sarah Kim|ML Engineer|71|engineer",
            "Tom Nakamura|Founder/Engineer|68|founder",
            "Priya Sharma|Backend Engineer|65|engineer",
            "Marcus Johnson|DevOps Engineer|61|engineer",
            "James Okafor|Product Designer|58|designer",
            "Elena Volkov|Product Manager|52|pm",
            "David Morales|Growth Marketer|45|marketer",
            "Aisha Patel|UX Researcher|44|designer",
            "Alex Rivera|Frontend Developer|38|engineer",
        ])
    );

    let projects = app
        .rows(
            "SELECT concat_ws('|', p.title, u.username, p.status, p.tech_stack::text, p.github_stars,
                    p.impact_metrics::text,
                    (SELECT string_agg(c.username || ':' || pc.status, ',') FROM project_collaborators pc
                     JOIN users c ON c.id = pc.user_id WHERE pc.project_id = p.id)) AS line
             FROM projects p JOIN users u ON u.id = p.owner_id ORDER BY p.title",
        )
        .await;
    assert_eq!(
        projects,
        lines(&[
            r#"AI Resume Builder|mayachen|shipped|["React", "Python", "OpenAI", "PostgreSQL"]|340|{"users": 1200}"#,
            r#"Design System Kit|jamesokafor|shipped|["Figma", "React", "Storybook"]|520|{}"#,
            r#"Growth Analytics Dashboard|davidmorales|in_progress|["Next.js", "Python", "Grafana"]|{}|elenavolkov:confirmed"#,
            r#"ML Pipeline Framework|sarahkim|shipped|["Python", "TensorFlow", "Docker"]|2100|{}"#,
            r#"Open Source CRM|davidmorales|in_progress|["React", "Node.js", "PostgreSQL"]|89|{}"#,
            r#"Tribe Finder|mayachen|in_progress|["Next.js", "Go", "PostgreSQL"]|{}|priyasharma:confirmed"#,
        ])
    );

    let tribes = app
        .rows(
            "SELECT concat_ws('|', t.name, o.username, t.status, t.mission,
                    (SELECT string_agg(u.username || ':' || m.role || ':' || m.status, ',' ORDER BY m.role, u.username)
                     FROM tribe_members m JOIN users u ON u.id = m.user_id WHERE m.tribe_id = t.id),
                    (SELECT string_agg(r.title || r.skills_needed::text, ',' ORDER BY r.title)
                     FROM tribe_open_roles r WHERE r.tribe_id = t.id)) AS line
             FROM tribes t JOIN users o ON o.id = t.owner_id ORDER BY t.name",
        )
        .await;
    assert_eq!(
        tribes,
        lines(&[
            r#"AI for Education|sarahkim|open|Making personalized learning accessible to every student.|sarahkim:owner:active,alexrivera:member:active|Product Designer["Figma", "User Research"]"#,
            r#"Creator Economy Tools|elenavolkov|active|Empowering independent creators with better business tools.|elenavolkov:owner:active,marcusjohnson:member:active"#,
            r#"Hospitality OS|tomnakamura|open|Building the operating system for independent hotels.|tomnakamura:owner:active,jamesokafor:member:active,mayachen:member:active|Backend Engineer["Go", "PostgreSQL"],Growth Marketer["SEO", "Partnerships"]"#,
        ])
    );

    // The prototype feed, newest first, ordered by id alone; times agree with ids.
    let feed = app
        .rows(
            "SELECT concat_ws('|', e.event_type, u.username, e.target_type,
                    coalesce(p.title, t.name, tu.username)) AS line
             FROM feed_events e JOIN users u ON u.id = e.actor_id
             LEFT JOIN projects p ON e.target_type = 'project' AND p.id = e.target_id
             LEFT JOIN tribes t ON e.target_type = 'tribe' AND t.id = e.target_id
             LEFT JOIN users tu ON e.target_type = 'user' AND tu.id = e.target_id
             ORDER BY e.id DESC",
        )
        .await;
    assert_eq!(
        feed,
        lines(&[
            "project_shipped|mayachen|project|AI Resume Builder",
            "tribe_created|elenavolkov|tribe|Creator Economy Tools",
            "project_created|davidmorales|project|Open Source CRM",
            "member_joined_tribe|jamesokafor|tribe|Hospitality OS",
            "project_shipped|sarahkim|project|ML Pipeline Framework",
            "project_created|davidmorales|project|Growth Analytics Dashboard",
            "collaboration_confirmed|elenavolkov|project|Growth Analytics Dashboard",
            "tribe_created|tomnakamura|tribe|Hospitality OS",
            "member_joined_tribe|marcusjohnson|tribe|Creator Economy Tools",
            "project_created|mayachen|project|Tribe Finder",
            "collaboration_confirmed|priyasharma|project|Tribe Finder",
            "tribe_created|sarahkim|tribe|AI for Education",
            "builder_joined|alexrivera|user|alexrivera",
            "project_shipped|jamesokafor|project|Design System Kit",
            "builder_joined|aishapatel|user|aishapatel",
        ])
    );
    let by_time = app.rows("SELECT id AS line FROM feed_events ORDER BY created_at DESC").await;
    let by_id = app.rows("SELECT id AS line FROM feed_events ORDER BY id DESC").await;
    assert_eq!(by_time, by_id);
    let metadata = app
        .rows(
            "SELECT metadata::text AS line FROM feed_events e JOIN users u ON u.id = e.actor_id
             WHERE u.username = 'priyasharma' AND e.event_type = 'collaboration_confirmed'",
        )
        .await;
    assert_eq!(
        metadata,
        lines(&[
            r#"{"role": "Backend Engineer", "ownerName": "Maya Chen", "techStack": ["Next.js", "Go", "PostgreSQL"], "projectTitle": "Tribe Finder", "collaboratorName": "Priya Sharma"}"#
        ])
    );

    // Every builder follows someone, and is followed by someone.
    let lonely = app
        .rows(
            "SELECT username AS line FROM users u
             WHERE NOT EXISTS (SELECT 1 FROM follows f WHERE f.follower_id = u.id)
                OR NOT EXISTS (SELECT 1 FROM follows f WHERE f.followee_id = u.id)",
        )
        .await;
    assert!(lonely.is_empty(), "{lonely:?}");
}

/// Every row of every seeded table, as text.
async fn everything(app: &TestApp) -> Vec<String> {
    let mut all = Vec::new();
    for table in [
        "skills",
        "users",
        "user_skills",
        "projects",
        "project_collaborators",
        "tribes",
        "tribe_members",
        "tribe_open_roles",
        "feed_events",
        "follows",
    ] {
        all.extend(app.rows(&format!("SELECT t::text AS line FROM {table} t ORDER BY 1")).await);
    }
    all
}

#[tokio::test]
async fn seeding_twice_leaves_the_same_database() {
    let app = TestApp::seeded().await;
    let first = everything(&app).await;
    seed::run(&app.app.db).await.expect("second seed");
    let second = everything(&app).await;
    assert_eq!(first.len(), second.len());
    let changed: Vec<_> = first.iter().zip(&second).filter(|(a, b)| a != b).collect();
    assert!(changed.is_empty(), "rows changed by a second seed: {changed:#?}");
}

#[tokio::test]
async fn seeding_an_unmigrated_database_is_a_clear_error() {
    let db = TestDb::empty().await;
    let conn = db.connect().await;
    let err = seed::run(&conn).await.expect_err("not migrated");
    use sea_orm_migration::MigratorTrait;
    let all = migration::Migrator::migrations().len();
    assert!(matches!(err, seed::SeedError::NotMigrated(n) if n == all), "{err}");
    assert!(err.to_string().contains("cargo run -p migration -- up"));
}

#[tokio::test]
async fn in_development_the_prototype_builders_sign_in_with_the_demo_password() {
    let app = TestApp::spawn().await;
    let login = "mutation($login: String!, $password: String!) {
        login(input: { login: $login, password: $password }) { accessToken user { username email } } }";

    // Without demo passwords (what the tests and a forced production seed load), nobody can.
    let without = TestApp::seeded().await;
    let refused = without
        .graphql(login, serde_json::json!({ "login": "mayachen", "password": seed::DEMO_PASSWORD }))
        .await;
    assert_eq!(tests::error_codes(&refused), ["BAD_USER_INPUT"], "{refused}");

    seed::run_with(&app.app.db, &seed::SeedOptions::development()).await.expect("dev seed");
    let first = everything(&app).await;
    for login_name in ["mayachen", "MayaChen@example.com"] {
        let signed_in = app
            .graphql(
                login,
                serde_json::json!({ "login": login_name, "password": seed::DEMO_PASSWORD }),
            )
            .await;
        let data = tests::assert_ok(&signed_in);
        assert_eq!(data["login"]["user"]["username"], "mayachen");
        assert_eq!(data["login"]["user"]["email"], "mayachen@example.com");
        assert!(data["login"]["accessToken"].as_str().is_some_and(|t| !t.is_empty()));
    }
    let wrong = app
        .graphql(login, serde_json::json!({ "login": "mayachen", "password": "not-the-password" }))
        .await;
    assert_eq!(tests::error_codes(&wrong), ["BAD_USER_INPUT"], "{wrong}");

    // The demo hash is deterministic: a second development seed leaves every row as it was.
    seed::run_with(&app.app.db, &seed::SeedOptions::development()).await.expect("dev seed again");
    assert_eq!(first, everything(&app).await);
}

/// GraphiQL opens on an example document: on a development seed, every operation in it runs, the
/// sign-in included, and the token it returns reads `viewer`.
#[tokio::test]
async fn the_graphiql_example_document_runs_on_a_development_seed() {
    let app = TestApp::spawn().await;
    seed::run_with(&app.app.db, &seed::SeedOptions::development()).await.expect("dev seed");
    let page = String::from_utf8(app.get("/graphql").await.body).expect("utf-8 page");
    assert!(page.contains("defaultQuery"), "the page opens on the example");
    let document = server::GRAPHIQL_EXAMPLE_DOCUMENT;
    assert!(document.contains(seed::DEMO_PASSWORD), "the example signs in with the demo password");

    let run = |operation: &'static str| {
        let body = serde_json::json!({ "query": document, "operationName": operation });
        axum::http::Request::post("/graphql")
            .header("content-type", "application/json")
            .body(axum::body::Body::from(body.to_string()))
            .expect("request")
    };
    let feed = app.request(run("Feed")).await.json();
    assert_eq!(tests::assert_ok(&feed)["feed"]["edges"].as_array().map(Vec::len), Some(5));
    let profile = app.request(run("Profile")).await.json();
    assert_eq!(tests::assert_ok(&profile)["user"]["displayName"], "Maya Chen");
    let signed_in = app.request(run("SignIn")).await.json();
    let token = tests::assert_ok(&signed_in)["login"]["accessToken"].as_str().expect("a token");
    let viewer = app.graphql_as(token, "{ viewer { username } }", serde_json::json!({})).await;
    assert_eq!(tests::assert_ok(&viewer)["viewer"]["username"], "mayachen");

    // Discovery: a search and a candidates query answer with their reasons.
    app.embed_pending().await;
    let search = app.request(run("Search")).await.json();
    let first = &tests::assert_ok(&search)["search"]["edges"][0];
    assert_eq!(first["node"]["displayName"], "Priya Sharma");
    assert_eq!(first["matchedSkills"], serde_json::json!(["Kubernetes"]));
    let tom = app.request(run("SignInAsTom")).await.json();
    let tom = tests::assert_ok(&tom)["login"]["accessToken"].as_str().expect("a token").to_owned();
    let candidates = app
        .request({
            let body = serde_json::json!({ "query": document, "operationName": "Candidates" });
            axum::http::Request::post("/graphql")
                .header("content-type", "application/json")
                .header("authorization", format!("Bearer {tom}"))
                .body(axum::body::Body::from(body.to_string()))
                .expect("request")
        })
        .await
        .json();
    let roles = &tests::assert_ok(&candidates)["viewer"]["tribes"][0]["openRoles"];
    let backend = &roles[0]["candidates"]["edges"][0]["node"];
    assert_eq!(roles[0]["title"], "Backend Engineer");
    assert_eq!(backend["user"]["displayName"], "Priya Sharma");
    assert_eq!(backend["matchedSkills"], serde_json::json!(["Go"]));
}

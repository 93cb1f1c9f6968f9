use migration::Migrator;
use sea_orm_migration::MigratorTrait;
use tests::{TestDb, query_lines};

/// Everything about the public schema that a migration defines, one line per object.
async fn schema_snapshot(db: &sea_orm::DatabaseConnection) -> Vec<String> {
    let queries = [
        "SELECT concat_ws('|', 'column', table_name, column_name, data_type, udt_name, is_nullable,
                column_default, character_maximum_length, generation_expression, collation_name) AS line
         FROM information_schema.columns
         WHERE table_schema = 'public' AND table_name <> 'seaql_migrations' ORDER BY 1",
        "SELECT concat_ws('|', 'index', indexname, indexdef) AS line
         FROM pg_indexes WHERE schemaname = 'public' AND tablename <> 'seaql_migrations' ORDER BY 1",
        "SELECT concat_ws('|', 'constraint', conrelid::regclass::text, conname, pg_get_constraintdef(oid)) AS line
         FROM pg_constraint WHERE connamespace = 'public'::regnamespace
           AND conrelid::regclass::text <> 'seaql_migrations' ORDER BY 1",
        "SELECT concat_ws('|', 'enum', t.typname, string_agg(e.enumlabel, ',' ORDER BY e.enumsortorder)) AS line
         FROM pg_type t JOIN pg_enum e ON e.enumtypid = t.oid GROUP BY t.typname ORDER BY 1",
        "SELECT concat_ws('|', 'trigger', tgrelid::regclass::text, tgname) AS line
         FROM pg_trigger WHERE NOT tgisinternal ORDER BY 1",
        "SELECT concat_ws('|', 'extension', extname) AS line FROM pg_extension
         WHERE extname <> 'plpgsql' ORDER BY 1",
        // The project's own SQL functions (not the extensions'), with their bodies: a down
        // migration that replaces a function must restore it exactly.
        "SELECT concat_ws('|', 'function', p.proname, pg_get_functiondef(p.oid)) AS line
         FROM pg_proc p
         WHERE p.pronamespace = 'public'::regnamespace
           AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.objid = p.oid AND d.deptype = 'e')
         ORDER BY 1",
    ];
    let mut lines = Vec::new();
    for sql in queries {
        lines.extend(query_lines(db, sql).await);
    }
    lines
}

fn has(snapshot: &[String], needle: &str) -> bool {
    snapshot.iter().any(|line| line.contains(needle))
}

#[tokio::test]
async fn up_down_up_leaves_the_same_schema() {
    let test_db = TestDb::empty().await;
    let db = test_db.connect().await;

    Migrator::up(&db, None).await.expect("up");
    let first = schema_snapshot(&db).await;

    Migrator::down(&db, None).await.expect("down");
    let after_down = schema_snapshot(&db).await;
    assert!(after_down.is_empty(), "down leaves nothing behind: {after_down:#?}");

    Migrator::up(&db, None).await.expect("up again");
    let second = schema_snapshot(&db).await;
    assert_eq!(first, second);
}

/// Each migration's down restores exactly the schema before its up (functions it replaced
/// included), one step at a time.
#[tokio::test]
async fn every_down_restores_the_schema_before_its_up() {
    let test_db = TestDb::empty().await;
    let db = test_db.connect().await;
    let mut before = schema_snapshot(&db).await;
    for step in 1..=Migrator::migrations().len() {
        Migrator::up(&db, Some(1)).await.expect("up one");
        let applied = schema_snapshot(&db).await;
        Migrator::down(&db, Some(1)).await.expect("down one");
        assert_eq!(schema_snapshot(&db).await, before, "migration {step}'s down");
        Migrator::up(&db, Some(1)).await.expect("up one again");
        assert_eq!(schema_snapshot(&db).await, applied, "migration {step} again");
        before = applied;
    }
}

#[tokio::test]
async fn the_schema_has_the_designed_columns_indexes_and_constraints() {
    let test_db = TestDb::migrated().await;
    let db = test_db.connect().await;
    let s = schema_snapshot(&db).await;

    for table in [
        "users",
        "refresh_tokens",
        "skills",
        "user_skills",
        "projects",
        "project_collaborators",
        "tribes",
        "tribe_members",
        "tribe_open_roles",
        "feed_events",
        "follows",
    ] {
        assert!(has(&s, &format!("column|{table}|")), "table {table}");
    }
    // ULID ids sort byte-wise.
    assert!(has(&s, "column|feed_events|id|character varying|varchar|NO|26|C"), "{s:#?}");
    // pgvector embeddings with HNSW cosine indexes.
    assert!(has(&s, "column|users|embedding|USER-DEFINED|vector|YES"));
    assert!(has(&s, "column|projects|embedding|USER-DEFINED|vector|YES"));
    assert!(has(&s, "USING hnsw (embedding vector_cosine_ops)"));
    // Generated, weighted search vectors with GIN indexes.
    for table in ["users", "projects", "tribes"] {
        let line = s
            .iter()
            .find(|l| l.starts_with(&format!("column|{table}|search_vector|")))
            .unwrap_or_else(|| panic!("{table}.search_vector"));
        assert!(line.contains("setweight"), "{line}");
        assert!(has(
            &s,
            &format!(
                "{table}_search_vector_idx|CREATE INDEX {table}_search_vector_idx ON public.{table} USING gin (search_vector)"
            )
        ));
    }
    // The feed's indexes: newest first for a set of actors, and over everything.
    assert!(has(&s, "ON public.feed_events USING btree (actor_id, id DESC)"));
    assert!(has(
        &s,
        "feed_events_pkey|CREATE UNIQUE INDEX feed_events_pkey ON public.feed_events USING btree (id)"
    ));
    assert!(has(&s, "ON public.feed_events USING btree (created_at DESC)"));
    assert!(has(&s, "ON public.feed_events USING btree (event_type, created_at)"));
    // Follows: one row per pair, no self-follow, both directions indexed.
    assert!(has(&s, "follows_pkey|PRIMARY KEY (follower_id, followee_id)"));
    assert!(has(&s, "follows_no_self_follow|CHECK (((follower_id)::text <> (followee_id)::text))"));
    assert!(has(&s, "ON public.follows USING btree (followee_id, follower_id)"));
    assert!(has(
        &s,
        "follows_follower_id_fkey|FOREIGN KEY (follower_id) REFERENCES users(id) ON DELETE CASCADE"
    ));
    // Enums with the spec's values.
    assert!(has(&s, "enum|member_status|pending,active,rejected,left,removed"));
    assert!(has(
        &s,
        "enum|event_type|project_created,project_shipped,collaboration_confirmed,tribe_created,member_joined_tribe,builder_joined"
    ));
    assert!(has(&s, "extension|vector"));
    // Discovery's speed-ups (migration 0008): hidden builders by partial index, skills' stems.
    assert!(has(&s, "ON public.users USING btree (id) WHERE (NOT discoverable)"), "{s:#?}");
    assert!(has(&s, "column|skills|lexemes|tsvector|tsvector|YES"), "{s:#?}");
    assert!(has(&s, "function|discovery_lexemes_match|"));
}

/// The follows constraints, each named by what refuses it: the rows are real users, so a refusal
/// is the constraint's and not a missing row's.
#[tokio::test]
async fn the_database_refuses_a_self_follow_and_a_duplicate_follow() {
    let app = tests::TestApp::spawn().await;
    let (ada, bob) = (ulid::Ulid::new().to_string(), ulid::Ulid::new().to_string());
    app.execute(&format!(
        "INSERT INTO users (id, email, username, display_name)
         VALUES ('{ada}', 'ada@test.dev', 'ada', 'Ada'), ('{bob}', 'bob@test.dev', 'bob', 'Bob')"
    ))
    .await;
    fn follow(follower: &str, followee: &str) -> String {
        format!(
            "INSERT INTO follows (follower_id, followee_id) VALUES ('{follower}', '{followee}')"
        )
    }
    app.execute(&follow(&ada, &bob)).await;
    assert_eq!(app.count("follows").await, 1, "a follow between two users is accepted");

    let self_follow = app.execute_err(&follow(&ada, &ada)).await;
    assert_eq!(self_follow.code, "23514", "a check violation: {self_follow:?}");
    assert_eq!(
        self_follow.constraint.as_deref(),
        Some("follows_no_self_follow"),
        "{self_follow:?}"
    );

    let duplicate = app.execute_err(&follow(&ada, &bob)).await;
    assert_eq!(duplicate.code, "23505", "a unique violation: {duplicate:?}");
    assert_eq!(duplicate.constraint.as_deref(), Some("follows_pkey"), "{duplicate:?}");

    let nobody = app.execute_err(&follow(&ada, "01ZZZZZZZZZZZZZZZZZZZZZZZZ")).await;
    assert_eq!(nobody.code, "23503", "a foreign key violation: {nobody:?}");
    assert_eq!(nobody.constraint.as_deref(), Some("follows_followee_id_fkey"), "{nobody:?}");
    assert_eq!(app.count("follows").await, 1, "nothing refused was written");
}

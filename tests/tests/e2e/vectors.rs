//! SeaORM's pgvector support is not exercised by its upstream CI: this owns the round trip.
use entity::{PgVector, user, user_embedding};
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, DbBackend, EntityTrait, FromQueryResult, IntoActiveModel,
    Statement,
};
use tests::TestApp;

fn unit_vector(hot: usize) -> PgVector {
    let mut v = vec![0.0_f32; entity::EMBEDDING_DIMENSIONS];
    v[hot] = 1.0;
    PgVector::from(v)
}

#[derive(Debug, FromQueryResult)]
struct Nearest {
    username: String,
}

#[tokio::test]
async fn embeddings_round_trip_and_order_by_cosine_distance() {
    let app = TestApp::seeded().await;
    let db = &app.app.db;
    let users = user::Entity::find().all(db).await.unwrap();
    let maya = users.iter().find(|u| u.username == "mayachen").unwrap().clone();
    let priya = users.iter().find(|u| u.username == "priyasharma").unwrap().clone();

    // The seed leaves every builder embedded by the default model.
    let seeded =
        user_embedding::Entity::find_by_id(maya.id.clone()).one(db).await.unwrap().unwrap();
    assert!(seeded.embedding.is_some());
    assert_eq!(seeded.embedding_model.as_deref(), Some(embed::wordllama::MODEL_ID));
    // Insert (set on a row without one), read back.
    app.execute("UPDATE users SET embedding = NULL, embedding_model = NULL").await;
    let none = user_embedding::Entity::find_by_id(maya.id.clone()).one(db).await.unwrap().unwrap();
    assert_eq!(none.embedding, None);
    let mut active = none.into_active_model();
    active.embedding = Set(Some(unit_vector(0)));
    active.update(db).await.unwrap();
    let stored =
        user_embedding::Entity::find_by_id(maya.id.clone()).one(db).await.unwrap().unwrap();
    assert_eq!(stored.embedding, Some(unit_vector(0)));

    // Update, read back.
    let mut active = stored.into_active_model();
    let mut mixed = vec![0.0_f32; entity::EMBEDDING_DIMENSIONS];
    mixed[0] = 0.6;
    mixed[1] = 0.8;
    active.embedding = Set(Some(PgVector::from(mixed.clone())));
    active.update(db).await.unwrap();
    let stored =
        user_embedding::Entity::find_by_id(maya.id.clone()).one(db).await.unwrap().unwrap();
    assert_eq!(stored.embedding.map(|v| v.to_vec()), Some(mixed));
    // The main model is untouched by it, and still reads.
    let maya_again = user::Entity::find_by_id(maya.id.clone()).one(db).await.unwrap().unwrap();
    assert_eq!(maya_again.username, "mayachen");

    let mut active = user_embedding::Entity::find_by_id(priya.id.clone())
        .one(db)
        .await
        .unwrap()
        .unwrap()
        .into_active_model();
    active.embedding = Set(Some(unit_vector(1)));
    active.update(db).await.unwrap();

    // Nearest to the first axis: Maya (cosine 0.6) before Priya (cosine 0); users without an
    // embedding are not ranked.
    let query = Statement::from_sql_and_values(
        DbBackend::Postgres,
        "SELECT username FROM users WHERE embedding IS NOT NULL ORDER BY embedding <=> $1 LIMIT 5",
        [unit_vector(0).into()],
    );
    let nearest: Vec<String> = Nearest::find_by_statement(query)
        .all(db)
        .await
        .unwrap()
        .into_iter()
        .map(|n| n.username)
        .collect();
    assert_eq!(nearest, vec!["mayachen", "priyasharma"]);

    // A vector of the wrong size is refused by the column type (pgvector's dimension check, a
    // data exception), not by anything else.
    let wrong = app
        .execute_err(&format!("UPDATE users SET embedding = '[1,2,3]' WHERE id = '{}'", maya.id))
        .await;
    assert_eq!(wrong.code, "22000", "{wrong:?}");
    let expected = format!("expected {} dimensions, not 3", entity::EMBEDDING_DIMENSIONS);
    assert!(wrong.message.contains(&expected), "{wrong:?}");
}

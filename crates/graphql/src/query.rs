use async_graphql::{Context, Object, Result};
use sea_orm::DatabaseConnection;

use crate::{RequestId, to_graphql_error};

pub struct Query;

#[Object]
impl Query {
    /// "ok" once the server has made a real round trip to the database.
    async fn health(&self, ctx: &Context<'_>) -> Result<&'static str> {
        let db = ctx.data::<DatabaseConnection>()?;
        domain::health::check_database(db)
            .await
            .map_err(|e| to_graphql_error(e, ctx.data_opt::<RequestId>()))?;
        Ok("ok")
    }
}

//! The Tribe HTTP server: configuration, start-up, router and middleware.
//!
//! `main` and the tests both go through [`App::build`], so the tests drive the very router that
//! serves production.
pub mod config;
mod http;
pub mod telemetry;

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use anyhow::Context as _;
use axum::Router;
use sea_orm::{ConnectOptions, ConnectionTrait, Database, DatabaseConnection};
use sea_orm_migration::MigratorTrait;

pub use config::{Config, ConfigError, Environment};

/// `iss` and `aud` of access tokens.
const TOKEN_ISSUER: &str = "tribe-api";
const TOKEN_AUDIENCE: &str = "tribe-web";

/// Serialises start-up migrations across server instances sharing one database.
const MIGRATION_LOCK_KEY: i64 = 0x7472_6962_655f_6d67; // "tribe_mg"

pub struct App {
    pub config: Config,
    pub db: DatabaseConnection,
    router: Router,
    statements: Arc<AtomicU64>,
}

impl App {
    /// Connects to the database, applies pending migrations and builds the router.
    pub async fn build(config: Config) -> anyhow::Result<Self> {
        let statements = Arc::new(AtomicU64::new(0));
        let db = connect(&config, statements.clone()).await?;
        migrate(&db).await?;
        if config.jwt_secret.generated {
            tracing::warn!(
                "JWT_SECRET is not set: using a random key for this process only (development). \
                 Every access token dies when the server restarts. Set JWT_SECRET to keep sessions."
            );
        }
        let auth = Arc::new(domain::auth::AuthSettings {
            jwt_secret: config.jwt_secret.bytes.clone(),
            access_token_ttl: config.access_token_ttl,
            refresh_token_ttl: config.refresh_token_ttl,
            issuer: TOKEN_ISSUER.into(),
            audience: TOKEN_AUDIENCE.into(),
        });
        let cores = std::thread::available_parallelism().map_or(2, usize::from);
        let services = domain::Services {
            db: db.clone(),
            auth: auth.clone(),
            limiter: Arc::new(domain::rate_limit::RateLimiter::new(config.rate_limits)),
            // Two hashes per core keep the cores busy; more would only queue in memory.
            hasher: domain::auth::password::PasswordHasher::new(2 * cores),
            rules: domain::Rules { max_follows: config.max_follows },
        };
        let schema = graphql::build_schema(
            services.clone(),
            graphql::Limits {
                introspection: config.graphql_introspection,
                suggestions: config.graphql_suggestions,
                ..graphql::Limits::default()
            },
        );
        let router = http::router(
            http::AppState {
                services,
                schema,
                auth,
                trust_proxy_headers: config.trust_proxy_headers,
            },
            &config,
        );
        Ok(Self { config, db, router, statements })
    }

    pub fn router(&self) -> Router {
        self.router.clone()
    }

    /// SQL statements sent to the database since start-up (tests and benchmarks count them).
    pub fn statements_sent(&self) -> u64 {
        self.statements.load(Ordering::Relaxed)
    }

    /// Serves until SIGINT or SIGTERM, then lets in-flight requests finish.
    pub async fn serve(self) -> anyhow::Result<()> {
        let listener = tokio::net::TcpListener::bind(self.config.bind_addr)
            .await
            .with_context(|| format!("cannot listen on {}", self.config.bind_addr))?;
        tracing::info!(addr = %self.config.bind_addr, "serving GraphQL at http://{}/graphql", self.config.bind_addr);
        axum::serve(
            listener,
            self.router.into_make_service_with_connect_info::<std::net::SocketAddr>(),
        )
        .with_graceful_shutdown(shutdown_signal())
        .await?;
        self.db.close().await.ok();
        tracing::info!("stopped");
        Ok(())
    }
}

/// Statements slower than this are logged (their SQL, never their values).
const SLOW_STATEMENT: Duration = Duration::from_millis(250);

async fn connect(
    config: &Config,
    statements: Arc<AtomicU64>,
) -> anyhow::Result<DatabaseConnection> {
    let mut options = ConnectOptions::new(config.database_url.clone());
    options
        .max_connections(config.database_max_connections)
        .min_connections(0)
        .connect_timeout(config.database_timeout)
        .acquire_timeout(config.database_timeout)
        .idle_timeout(Duration::from_secs(300))
        // A connection that died with the database is noticed before it is handed out, so the
        // server recovers by itself when the database returns.
        .test_before_acquire(true)
        .sqlx_logging(false);
    let mut db =
        Database::connect(options).await.context("cannot reach the database at DATABASE_URL")?;
    db.set_metric_callback(move |info| {
        statements.fetch_add(1, Ordering::Relaxed);
        if info.elapsed > SLOW_STATEMENT {
            tracing::warn!(elapsed_ms = info.elapsed.as_millis() as u64, sql = %info.statement.sql, "slow statement");
        }
    });
    Ok(db)
}

/// Applies pending migrations at start-up, holding an advisory lock so that instances starting
/// together apply them once.
async fn migrate(db: &DatabaseConnection) -> anyhow::Result<()> {
    let pool = db.get_postgres_connection_pool();
    let mut lock_conn = pool.acquire().await.context("cannot reach the database")?;
    sea_orm::sqlx::query("SELECT pg_advisory_lock($1)")
        .bind(MIGRATION_LOCK_KEY)
        .execute(&mut *lock_conn)
        .await
        .context("cannot take the migration lock")?;
    let result = migration::Migrator::up(db, None).await.context("migrations failed");
    sea_orm::sqlx::query("SELECT pg_advisory_unlock($1)")
        .bind(MIGRATION_LOCK_KEY)
        .execute(&mut *lock_conn)
        .await
        .ok();
    result?;
    // The extension lives in the database: check it is there, with a clear message if not.
    db.execute_unprepared("SELECT '[1]'::vector")
        .await
        .context("the pgvector extension is not available in this database")?;
    Ok(())
}

async fn shutdown_signal() {
    let ctrl_c = async {
        if tokio::signal::ctrl_c().await.is_err() {
            std::future::pending::<()>().await;
        }
    };
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut sig) => {
                sig.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    tokio::select! {
        () = ctrl_c => {},
        () = terminate => {},
    }
    tracing::info!("shutting down: finishing in-flight requests");
}

//! The Tribe HTTP server: configuration, start-up, router and middleware.
//!
//! `main` and the tests both go through [`App::build`], so the tests drive the very router that
//! serves production.
pub mod config;
mod http;
mod serve;
pub mod telemetry;
pub mod trusted_documents;

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use anyhow::Context as _;
use axum::Router;
use sea_orm::{ConnectionTrait, DatabaseConnection};
use sea_orm_migration::MigratorTrait;

pub use config::{Config, ConfigError, Environment};
pub use http::graphiql::EXAMPLE_DOCUMENT as GRAPHIQL_EXAMPLE_DOCUMENT;

/// `iss` and `aud` of access tokens.
const TOKEN_ISSUER: &str = "tribe-api";
const TOKEN_AUDIENCE: &str = "tribe-web";

/// Serialises start-up migrations across server instances sharing one database.
const MIGRATION_LOCK_KEY: i64 = 0x7472_6962_655f_6d67; // "tribe_mg"

pub struct App {
    pub config: Config,
    pub db: DatabaseConnection,
    router: Router,
    hasher: domain::auth::password::PasswordHasher,
    statements: Arc<AtomicU64>,
    statement_micros: Arc<AtomicU64>,
    discovery: Arc<domain::discovery::Discovery>,
    /// The session listener, its heartbeat and the refresh-token purge; stopped with the app.
    _background: Background,
}

/// Tasks that live as long as the [`App`]: aborted when it is dropped.
struct Background(Vec<tokio::task::JoinHandle<()>>);

impl Drop for Background {
    fn drop(&mut self) {
        for task in &self.0 {
            task.abort();
        }
    }
}

impl App {
    /// Connects to the database, applies pending migrations and builds the router.
    pub async fn build(config: Config) -> anyhow::Result<Self> {
        let statements = Arc::new(AtomicU64::new(0));
        let statement_micros = Arc::new(AtomicU64::new(0));
        for warning in startup_warnings(&config) {
            tracing::warn!("{warning}");
        }
        migrate(&config).await?;
        let db = connect(&config, statements.clone(), statement_micros.clone()).await?;
        let auth = Arc::new(domain::auth::AuthSettings {
            jwt_secret: config.jwt_secret.bytes.clone(),
            access_token_ttl: config.access_token_ttl,
            refresh_token_ttl: config.refresh_token_ttl,
            issuer: TOKEN_ISSUER.into(),
            audience: TOKEN_AUDIENCE.into(),
        });
        let embedder = config
            .embedder
            .build()
            .context("cannot load the embedding model (EMBEDDER, EMBEDDER_MODEL_DIR)")?;
        let discovery = Arc::new(domain::discovery::Discovery::new(
            embedder,
            domain::discovery::DiscoverySettings {
                min_similarity: config.discovery_min_similarity,
                ..domain::discovery::DiscoverySettings::default()
            },
        ));
        let sessions = domain::sessions::SessionStates::new();
        let background = start_background(&config, &db, &sessions, &discovery);
        // Until the listener has heard its first heartbeat, every session is checked in the
        // database; waiting for it here (a few milliseconds) makes the first requests cheap.
        if !sessions.wait_until_trusted(Duration::from_secs(2)).await {
            tracing::warn!(
                "the session listener is not connected yet: checking every session in the database until it is"
            );
        }
        let services = domain::Services {
            db: db.clone(),
            auth: auth.clone(),
            limiter: Arc::new(domain::rate_limit::RateLimiter::new(config.rate_limits)),
            hasher: domain::auth::password::PasswordHasher::new(
                config.password_hash_concurrency,
                config.password_hash_queue,
            ),
            rules: domain::Rules { max_follows: config.max_follows },
            sessions,
            discovery: discovery.clone(),
        };
        let limits = graphql::Limits {
            introspection: config.graphql_introspection,
            suggestions: config.graphql_suggestions,
            max_cost: config.graphql_max_cost,
            ..graphql::Limits::default()
        };
        let hasher = services.hasher.clone();
        let schema = graphql::build_schema(services.clone(), limits);
        let router = http::router(
            http::AppState {
                services,
                schema,
                auth,
                trust_proxy_headers: config.trust_proxy_headers,
                session_check: config.session_check,
                limits,
                trusted_documents: config.trusted_documents.clone(),
                graphiql: config.graphiql,
                body_read_timeout: config.http_body_read_timeout,
            },
            &config,
        );
        Ok(Self {
            config,
            db,
            router,
            hasher,
            statements,
            statement_micros,
            discovery,
            _background: background,
        })
    }

    pub fn router(&self) -> Router {
        self.router.clone()
    }

    /// SQL statements sent to the database since start-up (tests and benchmarks count them).
    pub fn statements_sent(&self) -> u64 {
        self.statements.load(Ordering::Relaxed)
    }

    /// Passwords verified since start-up (the rate-limit tests count them).
    pub fn password_verifications(&self) -> u64 {
        self.hasher.verifications()
    }

    /// Search and matching, with the embedder (tests and the benchmark embed through it).
    pub fn discovery(&self) -> &Arc<domain::discovery::Discovery> {
        &self.discovery
    }

    /// Embeds every due stale row now, in batches (what the background worker does over time).
    /// Returns the rows embedded.
    pub async fn embed_pending(&self) -> anyhow::Result<u64> {
        Ok(domain::discovery::jobs::drain(
            &self.db,
            self.discovery.embedder(),
            self.config.embed_batch_size,
            |_| {},
        )
        .await?)
    }

    /// Time spent waiting on SQL statements since start-up, in microseconds.
    pub fn statement_micros(&self) -> u64 {
        self.statement_micros.load(Ordering::Relaxed)
    }

    /// Serves on BIND_ADDR until SIGINT or SIGTERM, then lets in-flight requests finish (within
    /// SHUTDOWN_GRACE_SECS).
    pub async fn serve(self) -> anyhow::Result<()> {
        let listener = tokio::net::TcpListener::bind(self.config.bind_addr)
            .await
            .with_context(|| format!("cannot listen on {}", self.config.bind_addr))?;
        self.serve_on(listener, shutdown_signal()).await;
        Ok(())
    }

    /// Serves on `listener` until `shutdown` completes, then shuts down as [`App::serve`] does.
    /// (The tests serve on a port of their own and choose when to stop.)
    pub async fn serve_on(
        self,
        listener: tokio::net::TcpListener,
        shutdown: impl std::future::Future<Output = ()>,
    ) {
        let addr = listener.local_addr().map_or_else(|_| "?".into(), |a| a.to_string());
        tracing::info!(%addr, "serving GraphQL at http://{addr}/graphql");
        let timeouts = serve::ConnectionTimeouts {
            header_read: self.config.http_header_read_timeout,
            keepalive_idle: self.config.http_keepalive_idle,
            shutdown_grace: self.config.shutdown_grace,
        };
        let finished = serve::serve(listener, self.router, timeouts, shutdown).await;
        if finished {
            if tokio::time::timeout(POOL_CLOSE_TIMEOUT, self.db.close()).await.is_err() {
                tracing::warn!("the database pool did not close in time");
            }
        } else {
            // Requests were cut off at the grace deadline: their connections return to the pool
            // only when their statements end (by DATABASE_STATEMENT_TIMEOUT_MS at the latest, when
            // it is set). Do not wait for them;
            // the database ends those sessions when the process exits.
            tracing::warn!("leaving the database sessions of cut-off requests behind");
        }
        tracing::info!("stopped");
    }
}

/// What the server says loudly at start: settings that are fine on a laptop and wrong in
/// production.
pub fn startup_warnings(config: &Config) -> Vec<String> {
    let mut warnings = Vec::new();
    if config.environment_defaulted {
        warnings.push(
            "APP_ENV is not set: running in DEVELOPMENT mode (GraphiQL, introspection and \
             suggestions on unless configured off). Set APP_ENV=production in production."
                .to_owned(),
        );
    }
    if config.jwt_secret.generated {
        warnings.push(
            "JWT_SECRET is not set: using a random key for this process only (development). \
             Every access token dies when the server restarts. Set JWT_SECRET to keep sessions."
                .to_owned(),
        );
    }
    warnings
}

/// At shutdown, how long closing the database pool may take after the connections are closed.
const POOL_CLOSE_TIMEOUT: Duration = Duration::from_secs(5);

/// `application_name` of the session listener's connection (operators can find it in
/// `pg_stat_activity`; a test cuts it).
pub const SESSION_LISTENER_APPLICATION_NAME: &str = "tribe-session-listener";

/// Starts the session listener, its heartbeat and the periodic refresh-token purge, each over
/// connections of its own, outside the request pool: they neither wait behind requests nor take
/// connections from them, and their statements are not counted as the requests'.
fn start_background(
    config: &Config,
    db: &DatabaseConnection,
    sessions: &domain::sessions::SessionStates,
    discovery: &Arc<domain::discovery::Discovery>,
) -> Background {
    use sea_orm::sqlx::postgres::PgPoolOptions;
    let options = db.get_postgres_connection_pool().connect_options();
    let pool = |connections: u32, name: &str| {
        PgPoolOptions::new()
            .max_connections(connections)
            .min_connections(0)
            .acquire_timeout(config.database_timeout)
            .idle_timeout(Duration::from_secs(300))
            .connect_lazy_with((*options).clone().application_name(name))
    };
    let listener = pool(1, SESSION_LISTENER_APPLICATION_NAME);
    let maintenance = pool(2, "tribe-maintenance");
    let purge_db = sea_orm::SqlxPostgresConnector::from_sqlx_postgres_pool(maintenance.clone());
    let mut tasks = vec![
        tokio::spawn(domain::sessions::listen(listener, sessions.clone())),
        tokio::spawn(domain::sessions::heartbeat(maintenance, sessions.clone())),
        tokio::spawn(purge_refresh_tokens(purge_db, config.refresh_token_purge_interval)),
    ];
    if config.embed_worker {
        // Its own small pool: embedding batches never take a connection a request needs.
        let embed_db =
            sea_orm::SqlxPostgresConnector::from_sqlx_postgres_pool(pool(2, "tribe-embed-worker"));
        tasks.push(tokio::spawn(domain::discovery::jobs::worker(
            embed_db,
            discovery.embedder().clone(),
            config.embed_batch_size,
            config.embed_poll_interval,
        )));
    }
    Background(tasks)
}

/// Deletes expired refresh tokens every `interval`. The first run comes a minute after start-up
/// (or after `interval`, if shorter): soon enough that instances restarted more often than the
/// interval still purge, late enough to leave start-up alone. Instances running it at the same
/// moment skip each other's rows (`SKIP LOCKED`).
async fn purge_refresh_tokens(db: DatabaseConnection, interval: Duration) {
    let first = tokio::time::Instant::now() + interval.min(Duration::from_secs(60));
    let mut ticker = tokio::time::interval_at(first, interval);
    ticker.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Skip);
    loop {
        ticker.tick().await;
        match domain::sessions::purge_expired(&db).await {
            Ok(purged) if purged != domain::sessions::Purged::default() => tracing::info!(
                refresh_tokens = purged.refresh_tokens,
                sessions = purged.sessions,
                "purged expired refresh tokens"
            ),
            Ok(_) => {}
            Err(err) => {
                let cause = match &err {
                    domain::DomainError::Internal(cause)
                    | domain::DomainError::Unavailable(cause) => cause.chain(),
                    other => other.to_string(),
                };
                tracing::warn!(error = %cause, "cannot purge expired refresh tokens");
            }
        }
    }
}

/// Statements slower than this are logged (their SQL, never their values).
const SLOW_STATEMENT: Duration = Duration::from_millis(250);

async fn connect(
    config: &Config,
    statements: Arc<AtomicU64>,
    statement_micros: Arc<AtomicU64>,
) -> anyhow::Result<DatabaseConnection> {
    use sea_orm::sqlx::ConnectOptions as _;
    use sea_orm::sqlx::Connection as _;
    use sea_orm::sqlx::postgres::PgPoolOptions;
    // Every session gets the timeouts as startup options (no extra round trip): a statement that
    // runs over, a lock wait, or a transaction left idle ends with an error rather than holding a
    // connection and its locks. PgBouncer in transaction mode refuses startup options: there,
    // set them on the role instead (ALTER ROLE … SET statement_timeout = …).
    let timeouts = [
        ("statement_timeout", config.database_statement_timeout),
        ("lock_timeout", config.database_lock_timeout),
        ("idle_in_transaction_session_timeout", config.database_idle_in_transaction_timeout),
    ];
    // A connection used in the last second is handed out as it is; one idle for longer is pinged
    // first, so connections that died with a database restart are replaced rather than failing a
    // request. (sqlx's test_before_acquire pings on every acquire: a round trip per statement.)
    let pool = PgPoolOptions::new()
        .max_connections(config.database_max_connections)
        .min_connections(0)
        .acquire_timeout(config.database_timeout)
        .idle_timeout(Duration::from_secs(300))
        .test_before_acquire(false)
        .before_acquire(|conn, meta| {
            Box::pin(async move {
                if meta.idle_for > Duration::from_secs(1) {
                    conn.ping().await?;
                }
                Ok(true)
            })
        })
        .connect_with(
            connect_options(config)?
                .options(timeouts.map(|(name, value)| (name, value.as_millis())))
                // Statements are counted and slow ones logged by the metric callback below.
                .disable_statement_logging(),
        )
        .await
        .context("cannot reach the database at DATABASE_URL")?;
    let mut db = sea_orm::SqlxPostgresConnector::from_sqlx_postgres_pool(pool);
    db.set_metric_callback(move |info| {
        statements.fetch_add(1, Ordering::Relaxed);
        statement_micros.fetch_add(info.elapsed.as_micros() as u64, Ordering::Relaxed);
        if info.elapsed > SLOW_STATEMENT {
            tracing::warn!(elapsed_ms = info.elapsed.as_millis() as u64, sql = %info.statement.sql, "slow statement");
        }
    });
    Ok(db)
}

fn connect_options(config: &Config) -> anyhow::Result<sea_orm::sqlx::postgres::PgConnectOptions> {
    config.database_url.parse().context("DATABASE_URL is not a valid PostgreSQL URL")
}

/// Applies pending migrations at start-up, holding an advisory lock so that instances starting
/// together apply them once. They run on a connection of their own, without the request pool's
/// timeouts: building an index may rightly take longer than any request should.
async fn migrate(config: &Config) -> anyhow::Result<()> {
    use sea_orm::sqlx::ConnectOptions as _;
    let pool = sea_orm::sqlx::postgres::PgPoolOptions::new()
        .max_connections(2)
        .acquire_timeout(config.database_timeout)
        .connect_with(connect_options(config)?.disable_statement_logging())
        .await
        .context("cannot reach the database at DATABASE_URL")?;
    let db = sea_orm::SqlxPostgresConnector::from_sqlx_postgres_pool(pool.clone());
    let result = migrate_on(&db, &pool).await;
    pool.close().await;
    result
}

async fn migrate_on(db: &DatabaseConnection, pool: &sea_orm::sqlx::PgPool) -> anyhow::Result<()> {
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
    tracing::info!("shutdown signal received");
}

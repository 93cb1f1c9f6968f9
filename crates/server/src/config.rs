//! Settings, read once at start-up from the environment (and `.env` in development) into a typed
//! struct. A bad value stops the start with one line naming the variable.
use std::net::SocketAddr;
use std::time::Duration;

use axum::http::HeaderValue;
use domain::auth::MIN_JWT_SECRET_BYTES;
use domain::rate_limit::{RateLimit, RateLimits};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Environment {
    Development,
    Production,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LogFormat {
    Text,
    Json,
}

#[derive(Clone)]
pub struct Config {
    pub environment: Environment,
    pub database_url: String,
    pub database_max_connections: u32,
    /// How long to wait for a database connection before answering that it is unavailable.
    pub database_timeout: Duration,
    pub bind_addr: SocketAddr,
    pub cors_allowed_origins: Vec<HeaderValue>,
    pub log_level: String,
    pub log_format: LogFormat,
    pub jwt_secret: JwtSecret,
    pub access_token_ttl: Duration,
    pub refresh_token_ttl: Duration,
    /// How often expired refresh tokens (and sessions left with none) are deleted.
    pub refresh_token_purge_interval: Duration,
    /// Whether each access token's session is checked (`domain::sessions::check`). Only the
    /// benchmark turns it off, to measure its cost; production refuses to start without it.
    pub session_check: bool,
    pub rate_limits: RateLimits,
    /// Password hashes run at once (each takes 19 MiB and a core for tens of milliseconds).
    pub password_hash_concurrency: usize,
    /// Password hashes that may wait for a worker; past that a request is refused as busy.
    pub password_hash_queue: usize,
    /// Take the client address from the last `X-Forwarded-For` entry (behind a reverse proxy).
    pub trust_proxy_headers: bool,
    /// At most this many follows per user.
    pub max_follows: u32,
    /// Schema introspection (GraphiQL needs it); default on in development, off in production.
    pub graphql_introspection: bool,
    /// "Did you mean …?" in validation errors; default on in development, off in production.
    pub graphql_suggestions: bool,
    /// The most a query may cost (objects it can return; see graphql's cost.rs).
    pub graphql_max_cost: u64,
    /// The persisted-documents manifest, when one is configured (see trusted_documents.rs).
    pub trusted_documents: Option<std::sync::Arc<crate::trusted_documents::TrustedDocuments>>,
    /// APP_ENV was not set: the environment is development by default, and the server says so.
    pub environment_defaulted: bool,
    /// Serve GraphiQL on `GET /graphql`; default on in development, off in production.
    pub graphiql: bool,
    /// Time a connection has to send a request's headers, from its first byte (or from the
    /// connection opening).
    pub http_header_read_timeout: Duration,
    /// Time a request's body has to arrive once its headers have.
    pub http_body_read_timeout: Duration,
    /// Time a request has from its headers to its response; past it the answer is a 503.
    pub http_request_timeout: Duration,
    /// An idle keep-alive connection is closed after this long.
    pub http_keepalive_idle: Duration,
    /// On SIGINT/SIGTERM, in-flight requests get this long before the connections are closed.
    pub shutdown_grace: Duration,
    /// `statement_timeout` of every pooled session (zero: none).
    pub database_statement_timeout: Duration,
    /// `lock_timeout` of every pooled session (zero: none).
    pub database_lock_timeout: Duration,
    /// `idle_in_transaction_session_timeout` of every pooled session (zero: none).
    pub database_idle_in_transaction_timeout: Duration,
    /// Which embedding model discovery uses (`EMBEDDER`, `EMBEDDER_MODEL_DIR`, `OPENAI_*`).
    pub embedder: embed::EmbedderConfig,
    /// Run the background embedding worker in this process (`EMBED_WORKER`, default true).
    pub embed_worker: bool,
    /// Rows the worker embeds per batch (`EMBED_BATCH_SIZE`, default 64).
    pub embed_batch_size: usize,
    /// How often an idle worker looks for stale rows (`EMBED_POLL_INTERVAL_MS`, default 500).
    pub embed_poll_interval: Duration,
    /// The least similarity of a match in meaning only (`DISCOVERY_MIN_SIMILARITY`).
    pub discovery_min_similarity: f64,
}

/// The key access tokens are signed with.
#[derive(Clone)]
pub struct JwtSecret {
    pub bytes: Vec<u8>,
    /// No JWT_SECRET was configured (development only): tokens die with the process.
    pub generated: bool,
}

// The URL carries the password: never print it.
impl std::fmt::Debug for Config {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Config")
            .field("environment", &self.environment)
            .field("database_url", &"<redacted>")
            .field("database_max_connections", &self.database_max_connections)
            .field("database_timeout", &self.database_timeout)
            .field("bind_addr", &self.bind_addr)
            .field("cors_allowed_origins", &self.cors_allowed_origins)
            .field("log_level", &self.log_level)
            .field("log_format", &self.log_format)
            .field("jwt_secret", &"<redacted>")
            .field("access_token_ttl", &self.access_token_ttl)
            .field("refresh_token_ttl", &self.refresh_token_ttl)
            .field("refresh_token_purge_interval", &self.refresh_token_purge_interval)
            .field("session_check", &self.session_check)
            .field("rate_limits", &self.rate_limits)
            .field("password_hash_concurrency", &self.password_hash_concurrency)
            .field("password_hash_queue", &self.password_hash_queue)
            .field("trust_proxy_headers", &self.trust_proxy_headers)
            .field("max_follows", &self.max_follows)
            .field("graphql_introspection", &self.graphql_introspection)
            .field("graphql_suggestions", &self.graphql_suggestions)
            .field("graphql_max_cost", &self.graphql_max_cost)
            .field("trusted_documents", &self.trusted_documents.as_ref().map(|t| t.len()))
            .field("environment_defaulted", &self.environment_defaulted)
            .field("graphiql", &self.graphiql)
            .field("http_header_read_timeout", &self.http_header_read_timeout)
            .field("http_body_read_timeout", &self.http_body_read_timeout)
            .field("http_request_timeout", &self.http_request_timeout)
            .field("http_keepalive_idle", &self.http_keepalive_idle)
            .field("shutdown_grace", &self.shutdown_grace)
            .field("database_statement_timeout", &self.database_statement_timeout)
            .field("database_lock_timeout", &self.database_lock_timeout)
            .field(
                "database_idle_in_transaction_timeout",
                &self.database_idle_in_transaction_timeout,
            )
            .field("embedder", &self.embedder)
            .field("embed_worker", &self.embed_worker)
            .field("embed_batch_size", &self.embed_batch_size)
            .field("embed_poll_interval", &self.embed_poll_interval)
            .field("discovery_min_similarity", &self.discovery_min_similarity)
            .finish()
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("invalid configuration: {var} {problem}")]
pub struct ConfigError {
    pub var: &'static str,
    pub problem: String,
}

fn invalid(var: &'static str, problem: impl Into<String>) -> ConfigError {
    ConfigError { var, problem: problem.into() }
}

impl Config {
    /// Reads the process environment, after loading `.env` if there is one.
    pub fn from_env() -> Result<Self, ConfigError> {
        let _ = dotenvy::dotenv();
        Self::from_lookup(|key| std::env::var(key).ok())
    }

    /// Builds the configuration from any key → value lookup (the environment, or a test's map).
    pub fn from_lookup(lookup: impl Fn(&str) -> Option<String>) -> Result<Self, ConfigError> {
        let get = |key: &str| lookup(key).map(|v| v.trim().to_owned()).filter(|v| !v.is_empty());

        let environment = match get("APP_ENV").as_deref() {
            None | Some("development") => Environment::Development,
            Some("production") => Environment::Production,
            Some(other) => {
                return Err(invalid(
                    "APP_ENV",
                    format!("is '{other}': use development or production"),
                ));
            }
        };

        let database_url = get("DATABASE_URL").ok_or_else(|| {
            invalid(
                "DATABASE_URL",
                "is not set: set it to postgres://user:password@host:port/db, or run ./tribe db up",
            )
        })?;
        if !(database_url.starts_with("postgres://") || database_url.starts_with("postgresql://")) {
            return Err(invalid("DATABASE_URL", "must start with postgres:// or postgresql://"));
        }

        let database_max_connections =
            parse_number(get("DATABASE_MAX_CONNECTIONS"), "DATABASE_MAX_CONNECTIONS", 20, 1, 1000)?;
        let database_timeout_secs =
            parse_number(get("DATABASE_TIMEOUT_SECS"), "DATABASE_TIMEOUT_SECS", 5, 1, 300)?;

        let bind_addr = match get("BIND_ADDR") {
            None => SocketAddr::from(([127, 0, 0, 1], 8000)),
            Some(v) => v.parse().map_err(|_| {
                invalid("BIND_ADDR", format!("is '{v}': use host:port, for example 127.0.0.1:8000"))
            })?,
        };

        let origins = get("CORS_ALLOWED_ORIGINS").unwrap_or_else(|| "http://localhost:3000".into());
        let cors_allowed_origins = origins
            .split(',')
            .map(str::trim)
            .filter(|o| !o.is_empty())
            .map(parse_origin)
            .collect::<Result<Vec<_>, _>>()?;

        let log_level = get("LOG_LEVEL").unwrap_or_else(|| "info,sea_orm_migration=warn".into());
        if tracing_subscriber::EnvFilter::try_new(&log_level).is_err() {
            return Err(invalid(
                "LOG_LEVEL",
                format!(
                    "is '{log_level}': use error, warn, info, debug, trace or a filter like info,sqlx=warn"
                ),
            ));
        }
        let log_format = match get("LOG_FORMAT").as_deref() {
            None | Some("text") => LogFormat::Text,
            Some("json") => LogFormat::Json,
            Some(other) => {
                return Err(invalid("LOG_FORMAT", format!("is '{other}': use text or json")));
            }
        };

        let jwt_secret = match get("JWT_SECRET") {
            Some(secret) if secret.len() >= MIN_JWT_SECRET_BYTES => {
                JwtSecret { bytes: secret.into_bytes(), generated: false }
            }
            Some(_) => {
                return Err(invalid(
                    "JWT_SECRET",
                    format!(
                        "is shorter than {MIN_JWT_SECRET_BYTES} bytes: use a long random value, for example from `openssl rand -base64 48`"
                    ),
                ));
            }
            None if environment == Environment::Development => {
                JwtSecret { bytes: domain::auth::random_secret(), generated: true }
            }
            None => {
                return Err(invalid(
                    "JWT_SECRET",
                    format!(
                        "is not set: production needs a random value of at least {MIN_JWT_SECRET_BYTES} bytes"
                    ),
                ));
            }
        };
        let access_token_ttl = Duration::from_secs(parse_number(
            get("ACCESS_TOKEN_TTL_SECS"),
            "ACCESS_TOKEN_TTL_SECS",
            900,
            60,
            86_400,
        )?);
        let refresh_token_ttl = Duration::from_secs(
            86_400
                * parse_number(
                    get("REFRESH_TOKEN_TTL_DAYS"),
                    "REFRESH_TOKEN_TTL_DAYS",
                    30,
                    1,
                    365,
                )?,
        );
        let refresh_token_purge_interval = Duration::from_secs(parse_number(
            get("REFRESH_TOKEN_PURGE_INTERVAL_SECS"),
            "REFRESH_TOKEN_PURGE_INTERVAL_SECS",
            3600,
            1,
            86_400,
        )?);
        let session_check = parse_bool(get("SESSION_CHECK"), "SESSION_CHECK", true)?;
        if !session_check && environment == Environment::Production {
            return Err(invalid(
                "SESSION_CHECK",
                "is false: ended sessions would keep working until their access tokens expire; \
                 it may be turned off in development only (for the benchmark)",
            ));
        }
        let defaults = RateLimits::default();
        let rate = |var: &'static str, default: RateLimit| match get(var) {
            None => Ok(default),
            Some(v) => parse_rate(&v).ok_or_else(|| {
                invalid(
                    var,
                    format!("is '{v}': use <count>/<window>, for example 5/1m, 3/1h or 10/30s"),
                )
            }),
        };
        let rate_limits = RateLimits {
            failed_logins_per_account: rate(
                "RATE_LIMIT_FAILED_LOGINS_PER_ACCOUNT",
                defaults.failed_logins_per_account,
            )?,
            failed_logins_per_ip: rate(
                "RATE_LIMIT_FAILED_LOGINS_PER_IP",
                defaults.failed_logins_per_ip,
            )?,
            registrations_per_ip: rate(
                "RATE_LIMIT_REGISTRATIONS_PER_IP",
                defaults.registrations_per_ip,
            )?,
            refreshes_per_ip: rate("RATE_LIMIT_REFRESHES_PER_IP", defaults.refreshes_per_ip)?,
            max_keys: parse_number(
                get("RATE_LIMIT_MAX_KEYS"),
                "RATE_LIMIT_MAX_KEYS",
                defaults.max_keys,
                100,
                10_000_000,
            )?,
        };
        // Two hashes per core keep the cores busy; more would only queue in memory.
        let cores = std::thread::available_parallelism().map_or(2, usize::from);
        let password_hash_concurrency = parse_number(
            get("PASSWORD_HASH_CONCURRENCY"),
            "PASSWORD_HASH_CONCURRENCY",
            2 * cores,
            1,
            1024,
        )?;
        let password_hash_queue = parse_number(
            get("PASSWORD_HASH_QUEUE"),
            "PASSWORD_HASH_QUEUE",
            domain::auth::password::DEFAULT_QUEUE,
            0,
            100_000,
        )?;
        let trust_proxy_headers =
            parse_bool(get("TRUST_PROXY_HEADERS"), "TRUST_PROXY_HEADERS", false)?;
        let max_follows =
            parse_number(get("MAX_FOLLOWS_PER_USER"), "MAX_FOLLOWS_PER_USER", 100, 1, 10_000)?;
        let development = environment == Environment::Development;
        let graphql_introspection =
            parse_bool(get("GRAPHQL_INTROSPECTION"), "GRAPHQL_INTROSPECTION", development)?;
        let graphql_suggestions =
            parse_bool(get("GRAPHQL_SUGGESTIONS"), "GRAPHQL_SUGGESTIONS", development)?;
        let graphql_max_cost = parse_number(
            get("GRAPHQL_MAX_COST"),
            "GRAPHQL_MAX_COST",
            graphql::DEFAULT_MAX_COST,
            100,
            10_000_000,
        )?;
        let trusted_only =
            parse_bool(get("TRUSTED_DOCUMENTS_ONLY"), "TRUSTED_DOCUMENTS_ONLY", true)?;
        let trusted_documents = match get("TRUSTED_DOCUMENTS_MANIFEST") {
            None => None,
            Some(path) => Some(std::sync::Arc::new(
                crate::trusted_documents::TrustedDocuments::load(
                    std::path::Path::new(&path),
                    trusted_only,
                )
                .map_err(|problem| invalid("TRUSTED_DOCUMENTS_MANIFEST", problem))?,
            )),
        };
        let environment_defaulted = get("APP_ENV").is_none();
        let graphiql = parse_bool(get("GRAPHIQL"), "GRAPHIQL", development)?;
        let secs = |var: &'static str, default: u64, min: u64, max: u64| {
            parse_number(get(var), var, default, min, max).map(Duration::from_secs)
        };
        let http_header_read_timeout = secs("HTTP_HEADER_READ_TIMEOUT_SECS", 10, 1, 300)?;
        let http_body_read_timeout = secs("HTTP_BODY_READ_TIMEOUT_SECS", 10, 1, 300)?;
        let http_request_timeout = secs("HTTP_REQUEST_TIMEOUT_SECS", 30, 1, 3600)?;
        let http_keepalive_idle = secs("HTTP_KEEPALIVE_IDLE_SECS", 75, 1, 3600)?;
        let shutdown_grace = secs("SHUTDOWN_GRACE_SECS", 20, 0, 3600)?;
        // Zero turns a database timeout off, as it does in PostgreSQL.
        let millis = |var: &'static str, default: u64| {
            parse_number(get(var), var, default, 0, 86_400_000).map(Duration::from_millis)
        };
        let database_statement_timeout = millis("DATABASE_STATEMENT_TIMEOUT_MS", 5000)?;
        let database_lock_timeout = millis("DATABASE_LOCK_TIMEOUT_MS", 2000)?;
        let database_idle_in_transaction_timeout =
            millis("DATABASE_IDLE_IN_TRANSACTION_TIMEOUT_MS", 10_000)?;
        let embedder =
            embed::EmbedderConfig::from_lookup(&lookup).map_err(|e| invalid(e.var, e.problem))?;
        let embed_worker = parse_bool(get("EMBED_WORKER"), "EMBED_WORKER", true)?;
        let embed_batch_size =
            parse_number(get("EMBED_BATCH_SIZE"), "EMBED_BATCH_SIZE", 64, 1, 2048)?;
        let embed_poll_interval =
            parse_number(get("EMBED_POLL_INTERVAL_MS"), "EMBED_POLL_INTERVAL_MS", 500, 10, 600_000)
                .map(Duration::from_millis)?;
        let discovery_min_similarity = match get("DISCOVERY_MIN_SIMILARITY") {
            None => domain::discovery::DiscoverySettings::default().min_similarity,
            Some(v) => {
                v.parse::<f64>().ok().filter(|x| (-1.0..=1.0).contains(x)).ok_or_else(|| {
                    invalid(
                        "DISCOVERY_MIN_SIMILARITY",
                        format!("is '{v}': use a number from -1 to 1"),
                    )
                })?
            }
        };

        Ok(Self {
            environment,
            database_url,
            database_max_connections,
            database_timeout: Duration::from_secs(database_timeout_secs),
            bind_addr,
            cors_allowed_origins,
            log_level,
            log_format,
            jwt_secret,
            access_token_ttl,
            refresh_token_ttl,
            refresh_token_purge_interval,
            session_check,
            rate_limits,
            password_hash_concurrency,
            password_hash_queue,
            trust_proxy_headers,
            max_follows,
            graphql_introspection,
            graphql_suggestions,
            graphql_max_cost,
            trusted_documents,
            environment_defaulted,
            graphiql,
            http_header_read_timeout,
            http_body_read_timeout,
            http_request_timeout,
            http_keepalive_idle,
            shutdown_grace,
            database_statement_timeout,
            database_lock_timeout,
            database_idle_in_transaction_timeout,
            embedder,
            embed_worker,
            embed_batch_size,
            embed_poll_interval,
            discovery_min_similarity,
        })
    }
}

fn parse_number<T>(
    value: Option<String>,
    var: &'static str,
    default: T,
    min: T,
    max: T,
) -> Result<T, ConfigError>
where
    T: std::str::FromStr + PartialOrd + std::fmt::Display + Copy,
{
    let Some(value) = value else { return Ok(default) };
    match value.parse::<T>() {
        Ok(n) if n >= min && n <= max => Ok(n),
        _ => Err(invalid(var, format!("is '{value}': use a whole number from {min} to {max}"))),
    }
}

fn parse_bool(
    value: Option<String>,
    var: &'static str,
    default: bool,
) -> Result<bool, ConfigError> {
    match value.as_deref() {
        None => Ok(default),
        Some("true") => Ok(true),
        Some("false") => Ok(false),
        Some(other) => Err(invalid(var, format!("is '{other}': use true or false"))),
    }
}

/// `5/1m` is 5 per minute; windows in s, m or h.
fn parse_rate(value: &str) -> Option<RateLimit> {
    let (count, window) = value.split_once('/')?;
    let max: u32 = count.trim().parse().ok().filter(|n| *n >= 1)?;
    let window = window.trim();
    let (number, unit) = window.split_at(window.find(|c: char| !c.is_ascii_digit())?);
    let number: u64 = number.parse().ok().filter(|n| *n >= 1)?;
    let seconds = match unit {
        "s" => number,
        "m" => number * 60,
        "h" => number * 3600,
        _ => return None,
    };
    Some(RateLimit { max, window: Duration::from_secs(seconds) })
}

fn parse_origin(origin: &str) -> Result<HeaderValue, ConfigError> {
    let bad = || {
        invalid(
            "CORS_ALLOWED_ORIGINS",
            format!(
                "has '{origin}': list origins like https://app.example.com, separated by commas"
            ),
        )
    };
    let rest = origin
        .strip_prefix("https://")
        .or_else(|| origin.strip_prefix("http://"))
        .ok_or_else(bad)?;
    if rest.is_empty() || rest.contains('/') || rest.contains(char::is_whitespace) {
        return Err(bad());
    }
    HeaderValue::from_str(origin).map_err(|_| bad())
}

#[cfg(test)]
mod tests {
    use std::collections::HashMap;

    use super::*;

    fn config(pairs: &[(&str, &str)]) -> Result<Config, ConfigError> {
        let map: HashMap<String, String> =
            pairs.iter().map(|(k, v)| ((*k).to_owned(), (*v).to_owned())).collect();
        Config::from_lookup(|k| map.get(k).cloned())
    }

    const URL: (&str, &str) = ("DATABASE_URL", "postgres://u:p@127.0.0.1:5432/db");

    #[test]
    fn defaults_apply_when_only_the_database_is_given() {
        let c = config(&[URL]).expect("valid");
        assert_eq!(c.bind_addr.to_string(), "127.0.0.1:8000");
        assert_eq!(c.cors_allowed_origins, vec![HeaderValue::from_static("http://localhost:3000")]);
        assert_eq!(c.log_level, "info,sea_orm_migration=warn");
        assert_eq!(c.environment, Environment::Development);
    }

    #[test]
    fn each_bad_value_names_its_variable() {
        let cases: &[(&str, &str)] = &[
            ("BIND_ADDR", "nonsense"),
            ("CORS_ALLOWED_ORIGINS", "localhost:3000"),
            ("LOG_LEVEL", "info,=[bad"),
            ("LOG_FORMAT", "xml"),
            ("APP_ENV", "staging"),
            ("DATABASE_MAX_CONNECTIONS", "0"),
            ("DATABASE_TIMEOUT_SECS", "ten"),
            ("DATABASE_URL", "mysql://x"),
            ("JWT_SECRET", "too-short"),
            ("ACCESS_TOKEN_TTL_SECS", "5"),
            ("REFRESH_TOKEN_TTL_DAYS", "0"),
            ("REFRESH_TOKEN_PURGE_INTERVAL_SECS", "0"),
            ("SESSION_CHECK", "no"),
            ("RATE_LIMIT_FAILED_LOGINS_PER_ACCOUNT", "-1"),
            ("RATE_LIMIT_REGISTRATIONS_PER_IP", "many"),
            ("RATE_LIMIT_REFRESHES_PER_IP", "5/1d"),
            ("RATE_LIMIT_MAX_KEYS", "10"),
            ("PASSWORD_HASH_CONCURRENCY", "0"),
            ("PASSWORD_HASH_QUEUE", "-1"),
            ("TRUST_PROXY_HEADERS", "yes"),
            ("GRAPHQL_INTROSPECTION", "off"),
            ("GRAPHQL_SUGGESTIONS", "1"),
            ("MAX_FOLLOWS_PER_USER", "0"),
            ("GRAPHIQL", "yes"),
            ("HTTP_HEADER_READ_TIMEOUT_SECS", "0"),
            ("HTTP_BODY_READ_TIMEOUT_SECS", "soon"),
            ("HTTP_REQUEST_TIMEOUT_SECS", "-1"),
            ("HTTP_KEEPALIVE_IDLE_SECS", "0"),
            ("SHUTDOWN_GRACE_SECS", "forever"),
            ("DATABASE_STATEMENT_TIMEOUT_MS", "5s"),
            ("DATABASE_LOCK_TIMEOUT_MS", "-5"),
            ("DATABASE_IDLE_IN_TRANSACTION_TIMEOUT_MS", "many"),
        ];
        for (var, value) in cases {
            let mut pairs = vec![URL];
            pairs.retain(|(k, _)| k != var);
            pairs.push((var, value));
            let err = config(&pairs).expect_err(var);
            assert_eq!(err.var, *var);
            assert!(err.to_string().contains(var), "{err}");
        }
    }

    #[test]
    fn production_requires_a_jwt_secret_and_development_generates_one() {
        let err = config(&[URL, ("APP_ENV", "production")]).expect_err("no secret");
        assert_eq!(err.var, "JWT_SECRET");
        let dev = config(&[URL]).expect("dev");
        assert!(dev.jwt_secret.generated);
        assert!(dev.jwt_secret.bytes.len() >= MIN_JWT_SECRET_BYTES);
        let secret = "x".repeat(32);
        let prod =
            config(&[URL, ("APP_ENV", "production"), ("JWT_SECRET", &secret)]).expect("prod");
        assert!(!prod.jwt_secret.generated);
        assert!(!prod.graphql_introspection && !prod.graphql_suggestions);
        assert!(dev.graphql_introspection && dev.graphql_suggestions);
        assert_eq!(prod.access_token_ttl, Duration::from_secs(900));
        assert_eq!(prod.refresh_token_ttl, Duration::from_secs(30 * 86_400));
        assert_eq!(prod.refresh_token_purge_interval, Duration::from_secs(3600));
        assert!(prod.session_check && dev.session_check);
    }

    #[test]
    fn the_session_check_cannot_be_turned_off_in_production() {
        let secret = "x".repeat(32);
        let err = config(&[
            URL,
            ("APP_ENV", "production"),
            ("JWT_SECRET", &secret),
            ("SESSION_CHECK", "false"),
        ])
        .expect_err("production without the session check");
        assert_eq!(err.var, "SESSION_CHECK");
        let dev = config(&[URL, ("SESSION_CHECK", "false")]).expect("development");
        assert!(!dev.session_check);
    }

    #[test]
    fn timeouts_and_graphiql_have_defaults_by_environment() {
        let dev = config(&[URL]).expect("dev");
        assert!(dev.environment_defaulted && dev.graphiql);
        assert_eq!(dev.http_header_read_timeout, Duration::from_secs(10));
        assert_eq!(dev.http_body_read_timeout, Duration::from_secs(10));
        assert_eq!(dev.http_request_timeout, Duration::from_secs(30));
        assert_eq!(dev.http_keepalive_idle, Duration::from_secs(75));
        assert_eq!(dev.shutdown_grace, Duration::from_secs(20));
        assert_eq!(dev.database_statement_timeout, Duration::from_millis(5000));
        assert_eq!(dev.database_lock_timeout, Duration::from_millis(2000));
        assert_eq!(dev.database_idle_in_transaction_timeout, Duration::from_millis(10_000));
        let explicit = config(&[URL, ("APP_ENV", "development")]).expect("dev");
        assert!(!explicit.environment_defaulted);
        let secret = "x".repeat(32);
        let prod =
            config(&[URL, ("APP_ENV", "production"), ("JWT_SECRET", &secret)]).expect("prod");
        assert!(!prod.graphiql && !prod.environment_defaulted);
        let prod_on = config(&[
            URL,
            ("APP_ENV", "production"),
            ("JWT_SECRET", &secret),
            ("GRAPHIQL", "true"),
            ("DATABASE_STATEMENT_TIMEOUT_MS", "0"),
        ])
        .expect("prod");
        assert!(prod_on.graphiql);
        assert_eq!(prod_on.database_statement_timeout, Duration::ZERO);
    }

    #[test]
    fn rates_read_as_count_per_window() {
        assert_eq!(parse_rate("5/1m"), Some(RateLimit::per_minute(5)));
        assert_eq!(parse_rate("3/1h"), Some(RateLimit::per_hour(3)));
        assert_eq!(
            parse_rate("2/30s"),
            Some(RateLimit { max: 2, window: Duration::from_secs(30) })
        );
        for bad in ["5", "0/1m", "5/m", "5/1d", "x/1m", "5/-1m"] {
            assert_eq!(parse_rate(bad), None, "{bad}");
        }
    }

    #[test]
    fn a_missing_database_url_is_an_error() {
        let err = config(&[]).expect_err("no url");
        assert_eq!(err.var, "DATABASE_URL");
    }

    #[test]
    fn debug_output_hides_the_database_password() {
        let c = config(&[URL]).expect("valid");
        assert!(!format!("{c:?}").contains("u:p@"));
        let secret = "s3cr3t-".repeat(6);
        let c = config(&[URL, ("JWT_SECRET", &secret)]).expect("valid");
        assert!(!format!("{c:?}").contains(&secret));
    }
}

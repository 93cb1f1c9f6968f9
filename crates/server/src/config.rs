//! Settings, read once at start-up from the environment (and `.env` in development) into a typed
//! struct. A bad value stops the start with one line naming the variable.
use std::net::SocketAddr;
use std::time::Duration;

use axum::http::HeaderValue;

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

        Ok(Self {
            environment,
            database_url,
            database_max_connections,
            database_timeout: Duration::from_secs(database_timeout_secs),
            bind_addr,
            cors_allowed_origins,
            log_level,
            log_format,
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
    fn a_missing_database_url_is_an_error() {
        let err = config(&[]).expect_err("no url");
        assert_eq!(err.var, "DATABASE_URL");
    }

    #[test]
    fn debug_output_hides_the_database_password() {
        let c = config(&[URL]).expect("valid");
        assert!(!format!("{c:?}").contains("u:p@"));
    }
}

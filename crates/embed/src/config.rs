//! Which embedder to run, from configuration (the server, the seed and the re-embed command
//! read the same variables).
//!
//! - `EMBEDDER`: `wordllama` (the default: the offline static model) or `openai`.
//! - `EMBEDDER_MODEL_DIR`: the default model's folder (default `.models/wordllama-l2-supercat-256`,
//!   relative to the working directory; `scripts/model.sh` fills it).
//! - With `EMBEDDER=openai`: `OPENAI_BASE_URL` (default `https://api.openai.com/v1`; any
//!   OpenAI-compatible `/v1`), `OPENAI_API_KEY` (required for api.openai.com),
//!   `OPENAI_EMBEDDING_MODEL` (text-embedding-3-small), `OPENAI_EMBEDDING_DIMENSION` (1536, at
//!   most 1536), `OPENAI_TIMEOUT_SECS` (20), `OPENAI_MAX_RETRIES` (4), `OPENAI_BATCH_SIZE` (96).
use std::path::PathBuf;
use std::sync::Arc;

use std::time::Duration;

use crate::{EmbedError, Embedder, OpenAiConfig, OpenAiEmbedder, StaticEmbedder, wordllama};

/// The variable that chooses the provider.
pub const PROVIDER_ENV: &str = "EMBEDDER";

#[derive(Debug, Clone)]
pub enum EmbedderConfig {
    /// wordllama's static table, from this folder.
    Static { model_dir: PathBuf },
    /// An OpenAI-compatible `/v1/embeddings` provider.
    OpenAi(OpenAiConfig),
}

/// A configuration variable with a bad value.
#[derive(Debug, Clone, thiserror::Error)]
#[error("{var} {problem}")]
pub struct ConfigError {
    pub var: &'static str,
    pub problem: String,
}

impl EmbedderConfig {
    /// Reads the variables through `lookup` (the environment, or a test's map); unset or empty
    /// variables take their defaults.
    ///
    /// # Errors
    /// An unknown provider, or a missing setting of the chosen one, naming the variable.
    pub fn from_lookup(lookup: impl Fn(&str) -> Option<String>) -> Result<Self, ConfigError> {
        let get = |key: &str| lookup(key).map(|v| v.trim().to_owned()).filter(|v| !v.is_empty());
        match get(PROVIDER_ENV).as_deref() {
            None | Some("wordllama") => Ok(Self::Static {
                model_dir: get(wordllama::MODEL_DIR_ENV)
                    .map_or_else(|| PathBuf::from(wordllama::DEFAULT_MODEL_DIR), PathBuf::from),
            }),
            Some("openai") => {
                let number = |var: &'static str,
                              default: u64,
                              max: u64|
                 -> Result<u64, ConfigError> {
                    match get(var) {
                        None => Ok(default),
                        Some(v) => match v.parse::<u64>() {
                            Ok(n) if (1..=max).contains(&n) => Ok(n),
                            _ => Err(ConfigError {
                                var,
                                problem: format!("is '{v}': use a whole number from 1 to {max}"),
                            }),
                        },
                    }
                };
                let base_url =
                    get("OPENAI_BASE_URL").unwrap_or_else(|| OpenAiConfig::OPENAI_BASE_URL.into());
                let api_key = get("OPENAI_API_KEY");
                if api_key.is_none() && base_url.contains("api.openai.com") {
                    return Err(ConfigError {
                        var: "OPENAI_API_KEY",
                        problem: "is not set: api.openai.com needs a key".into(),
                    });
                }
                let max_retries = match get("OPENAI_MAX_RETRIES") {
                    None => 4,
                    Some(v) => v.parse::<u32>().ok().filter(|n| *n <= 20).ok_or(ConfigError {
                        var: "OPENAI_MAX_RETRIES",
                        problem: format!("is '{v}': use a whole number from 0 to 20"),
                    })?,
                };
                Ok(Self::OpenAi(OpenAiConfig {
                    base_url,
                    api_key,
                    model: get("OPENAI_EMBEDDING_MODEL")
                        .unwrap_or_else(|| OpenAiConfig::OPENAI_MODEL.into()),
                    dimension: number(
                        "OPENAI_EMBEDDING_DIMENSION",
                        OpenAiConfig::OPENAI_DIMENSION as u64,
                        crate::STORAGE_DIMENSION as u64,
                    )? as usize,
                    timeout: Duration::from_secs(number("OPENAI_TIMEOUT_SECS", 20, 600)?),
                    max_retries,
                    max_batch: number("OPENAI_BATCH_SIZE", 96, 2048)? as usize,
                    ..OpenAiConfig::default()
                }))
            }
            Some(other) => Err(ConfigError {
                var: PROVIDER_ENV,
                problem: format!("is '{other}': use wordllama or openai"),
            }),
        }
    }

    /// Loads the model (or checks the provider's settings).
    ///
    /// # Errors
    /// The model's files are missing or wrong ([`EmbedError::Load`], saying how to fetch them).
    pub fn build(&self) -> Result<Arc<dyn Embedder>, EmbedError> {
        match self {
            Self::Static { model_dir } => Ok(Arc::new(StaticEmbedder::load(model_dir)?)),
            Self::OpenAi(config) => Ok(Arc::new(OpenAiEmbedder::new(config.clone())?)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_default_is_the_offline_model_in_its_default_folder() {
        let config = EmbedderConfig::from_lookup(|_| None).unwrap();
        assert!(matches!(config, EmbedderConfig::Static { model_dir }
            if model_dir.as_path() == std::path::Path::new(wordllama::DEFAULT_MODEL_DIR)));
        let err = EmbedderConfig::from_lookup(|k| (k == PROVIDER_ENV).then(|| "bert".into()))
            .unwrap_err();
        assert_eq!(err.to_string(), "EMBEDDER is 'bert': use wordllama or openai");
    }

    #[test]
    fn openai_reads_its_variables_and_needs_a_key_for_openai_itself() {
        let vars = |pairs: &'static [(&'static str, &'static str)]| {
            move |k: &str| pairs.iter().find(|(n, _)| *n == k).map(|(_, v)| (*v).to_owned())
        };
        let err = EmbedderConfig::from_lookup(vars(&[("EMBEDDER", "openai")])).unwrap_err();
        assert_eq!(err.var, "OPENAI_API_KEY");
        let config = EmbedderConfig::from_lookup(vars(&[
            ("EMBEDDER", "openai"),
            ("OPENAI_BASE_URL", "http://127.0.0.1:11434/v1"),
            ("OPENAI_EMBEDDING_MODEL", "nomic-embed-text"),
            ("OPENAI_EMBEDDING_DIMENSION", "768"),
            ("OPENAI_MAX_RETRIES", "0"),
        ]))
        .unwrap();
        let EmbedderConfig::OpenAi(c) = &config else { panic!("{config:?}") };
        assert_eq!(
            (c.model.as_str(), c.dimension, c.max_retries, c.api_key.as_deref()),
            ("nomic-embed-text", 768, 0, None)
        );
        assert_eq!(config.build().unwrap().model_id(), "openai:nomic-embed-text@768");
        let err = EmbedderConfig::from_lookup(vars(&[
            ("EMBEDDER", "openai"),
            ("OPENAI_API_KEY", "k"),
            ("OPENAI_EMBEDDING_DIMENSION", "3072"),
        ]))
        .unwrap_err();
        assert_eq!(err.var, "OPENAI_EMBEDDING_DIMENSION");
    }
}

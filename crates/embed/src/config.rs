//! Which embedder to run, from configuration (the server, the seed and the re-embed command
//! read the same variables).
//!
//! - `EMBEDDER`: `wordllama` (the default: the offline static model) or `openai`.
//! - `EMBEDDER_MODEL_DIR`: the default model's folder (default `.models/wordllama-l2-supercat-256`,
//!   relative to the working directory; `scripts/model.sh` fills it).
use std::path::PathBuf;
use std::sync::Arc;

use crate::{EmbedError, Embedder, StaticEmbedder, wordllama};

/// The variable that chooses the provider.
pub const PROVIDER_ENV: &str = "EMBEDDER";

#[derive(Debug, Clone)]
pub enum EmbedderConfig {
    /// wordllama's static table, from this folder.
    Static { model_dir: PathBuf },
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
            if model_dir == PathBuf::from(wordllama::DEFAULT_MODEL_DIR)));
        let err = EmbedderConfig::from_lookup(|k| (k == PROVIDER_ENV).then(|| "bert".into()))
            .unwrap_err();
        assert_eq!(err.to_string(), "EMBEDDER is 'bert': use wordllama or openai");
    }
}

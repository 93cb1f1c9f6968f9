//! Text embeddings for discovery: one [`Embedder`] abstraction and its providers.
//!
//! - [`StaticEmbedder`], the default: wordllama's static table `l2_supercat_256` (256 dimensions)
//!   with its Llama 2 tokenizer, loaded from local files that `scripts/model.sh` fetches from
//!   PyPI. Pure Rust, on the CPU, in the server's process; no network at run time.
//! - [`HashEmbedder`], a deterministic test double for unit tests elsewhere (no model files).
//! - [`OpenAiEmbedder`], for OpenAI-compatible `POST {base_url}/embeddings` providers: OpenAI's
//!   text-embedding-3-small at 1536 dimensions by default, or a local server (Ollama, vLLM,
//!   LM Studio) through [`OpenAiConfig::compatible`]. Batched requests, a timeout per request,
//!   retries with exponential backoff on connection errors, timeouts, 429 and 5xx; model id
//!   `openai:<model>@<dimension>`. A blocking HTTP client (ureq, rustls).
//!
//! Every vector is stored with the [`Embedder::model_id`] that produced it, and vectors of
//! different models are never compared: the same text has unrelated vectors under two models.
//! Vectors go into the `vector(1536)` columns through [`pad_for_storage`].
pub mod config;
mod hash;
pub mod openai;
mod safetensors;
mod tokenizer;
pub mod wordllama;

use std::path::PathBuf;

pub use config::EmbedderConfig;
pub use hash::HashEmbedder;
pub use openai::{OpenAiConfig, OpenAiEmbedder};
pub use wordllama::StaticEmbedder;

/// The dimension of the database's embedding columns (`vector(1536)`, sized for OpenAI's
/// text-embedding-3-small).
pub const STORAGE_DIMENSION: usize = 1536;

/// A text-embedding model.
///
/// `embed_batch` is blocking (the static table is CPU work; [`OpenAiEmbedder`] blocks on the
/// network): async code calls it from `tokio::task::spawn_blocking`. Implementations are
/// `Send + Sync`, to be shared as `Arc<dyn Embedder>`.
pub trait Embedder: Send + Sync {
    /// Names the model and its version, e.g. `wordllama-l2-supercat-256@0.4.0.post1`; recorded with
    /// every vector, so that vectors of different models are never compared.
    fn model_id(&self) -> &str;

    /// The length of the vectors this model returns (before [`pad_for_storage`]).
    fn dimension(&self) -> usize;

    /// One entry per text, in order: a vector of [`Self::dimension`] finite values with unit L2
    /// norm (so cosine similarity is the dot product), or `None` for a text the model finds
    /// nothing in (no tokens, such as the empty string). Never NaN: a `None` is stored as NULL and
    /// such a row falls back to full-text search.
    ///
    /// # Errors
    /// When the provider fails (the static table never does).
    fn embed_batch(&self, texts: &[&str]) -> Result<Vec<Option<Vec<f32>>>, EmbedError>;
}

/// What can go wrong loading or calling a model.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum EmbedError {
    /// A model file is missing, unreadable, not the pinned one, or malformed.
    #[error("{}: {reason}", path.display())]
    Load { path: PathBuf, reason: String },
    /// A vector longer than the storage columns.
    #[error(
        "a vector of {dimension} dimensions does not fit the vector({STORAGE_DIMENSION}) columns"
    )]
    TooManyDimensions { dimension: usize },
    /// A provider's configuration that cannot work (such as a dimension of 0 or above
    /// [`STORAGE_DIMENSION`]); found when the provider is built, before any request.
    #[error("invalid embedding provider configuration: {reason}")]
    InvalidConfig { reason: String },
    /// An HTTP provider failed: unreachable, timed out, an error status (`status`, with the
    /// provider's message, truncated), or an unusable response. After the retries, for the
    /// failures worth retrying. Never contains the API key.
    #[error("{reason}")]
    Provider { status: Option<u16>, reason: String },
}

/// Zero-pads a model's vector to [`STORAGE_DIMENSION`] for the `vector(1536)` columns.
///
/// Why: the columns have a fixed dimension (pgvector compares only vectors of equal length, and
/// an HNSW index covers one dimension), chosen for the 1536-dimension OpenAI model, while the
/// default model has 256. Appended zeros change neither the dot product of two padded vectors nor
/// their norms, so cosine distance (`<=>`) between two vectors of the same model is exactly what
/// it was, and a unit vector stays a unit vector. It does not make two models comparable: that is
/// what the stored model id is for.
///
/// # Errors
/// [`EmbedError::TooManyDimensions`] for a vector longer than [`STORAGE_DIMENSION`].
pub fn pad_for_storage(mut vector: Vec<f32>) -> Result<Vec<f32>, EmbedError> {
    if vector.len() > STORAGE_DIMENSION {
        return Err(EmbedError::TooManyDimensions { dimension: vector.len() });
    }
    vector.resize(STORAGE_DIMENSION, 0.0);
    Ok(vector)
}

/// `v` divided by its L2 norm, or `None` when the norm is zero (or not finite), rather than NaN.
fn normalize(mut v: Vec<f32>) -> Option<Vec<f32>> {
    let norm = v.iter().map(|x| x * x).sum::<f32>().sqrt();
    if !(norm > 0.0 && norm.is_finite()) {
        return None;
    }
    v.iter_mut().for_each(|x| *x /= norm);
    Some(v)
}

#[cfg(test)]
mod tests {
    use std::path::{Path, PathBuf};
    use std::sync::OnceLock;

    use super::*;

    /// The real model for the unit tests that need it (one load per test process). Found in
    /// `EMBEDDER_MODEL_DIR`, else in the repository's `.models/`; absent, the test fails saying
    /// how to fetch it.
    pub(crate) fn real_model() -> &'static StaticEmbedder {
        static MODEL: OnceLock<StaticEmbedder> = OnceLock::new();
        MODEL.get_or_init(|| {
            let dir = std::env::var_os(wordllama::MODEL_DIR_ENV).map(PathBuf::from).unwrap_or_else(
                || {
                    Path::new(env!("CARGO_MANIFEST_DIR"))
                        .join("../..")
                        .join(wordllama::DEFAULT_MODEL_DIR)
                },
            );
            StaticEmbedder::load(&dir).unwrap_or_else(|e| {
                panic!("the embedding model is needed by this test and does not load: {e}")
            })
        })
    }

    #[test]
    fn padding_keeps_the_values_and_cosine_and_refuses_longer_vectors() {
        let a = normalize(vec![3.0, -4.0, 1.0]).unwrap();
        let b = normalize(vec![1.0, 2.0, 2.0]).unwrap();
        let cosine = |x: &[f32], y: &[f32]| {
            let dot: f32 = x.iter().zip(y).map(|(p, q)| p * q).sum();
            let norm = |v: &[f32]| v.iter().map(|p| p * p).sum::<f32>().sqrt();
            dot / (norm(x) * norm(y))
        };
        let (pa, pb) = (pad_for_storage(a.clone()).unwrap(), pad_for_storage(b.clone()).unwrap());
        assert_eq!(pa.len(), STORAGE_DIMENSION);
        assert_eq!(&pa[..3], &a[..]);
        assert!(pa[3..].iter().all(|&x| x == 0.0));
        assert_eq!(cosine(&pa, &pb), cosine(&a, &b));
        assert_eq!(
            pad_for_storage(vec![0.5; STORAGE_DIMENSION]).unwrap(),
            vec![0.5; STORAGE_DIMENSION]
        );
        let err = pad_for_storage(vec![0.0; STORAGE_DIMENSION + 1]).unwrap_err();
        assert_eq!(
            err.to_string(),
            "a vector of 1537 dimensions does not fit the vector(1536) columns"
        );
    }

    #[test]
    fn normalising_a_zero_vector_gives_none() {
        assert_eq!(normalize(vec![0.0; 4]), None);
        assert_eq!(normalize(vec![f32::NAN, 1.0]), None);
        assert_eq!(normalize(vec![f32::INFINITY, 1.0]), None);
        assert_eq!(normalize(vec![0.0, 2.0]), Some(vec![0.0, 1.0]));
    }

    #[test]
    fn embedders_are_usable_as_shared_trait_objects() {
        let embedders: Vec<std::sync::Arc<dyn Embedder>> = vec![
            std::sync::Arc::new(HashEmbedder::new(8)),
            std::sync::Arc::new(HashEmbedder::new(16)),
        ];
        for e in &embedders {
            let out = e.embed_batch(&["a text", ""]).unwrap();
            assert_eq!(out.len(), 2);
            assert_eq!(out[0].as_ref().map(Vec::len), Some(e.dimension()));
            assert_eq!(out[1], None);
        }
    }
}

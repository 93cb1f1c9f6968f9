//! [`StaticEmbedder`]: wordllama's static table `l2_supercat_256`, on the CPU, in process.
//!
//! A static embedding model is a table with one vector per token: a text's vector is the mean of
//! its tokens' rows, L2-normalised. No neural network runs, so embedding costs a tokenization and
//! a few hundred additions per token. This one is wordllama's `l2_supercat_256` (PyPI
//! `wordllama==0.4.0.post1`, MIT): 32,000 rows of 256 dimensions (F16 on disk, F32 in memory,
//! 32.8 MB), trained from the token-embedding codebooks of Llama 2 70B and other models, with the
//! Llama 2 tokenizer (see the README, "The embedding model", for origin and licence).
//!
//! What wordllama does, and so this: ids = the tokenizer's encoding without special tokens (how
//! exactly: `src/tokenizer.rs`), no truncation; the rows of those ids as f32; their mean; L2
//! normalisation. A text with no tokens (only the empty string) gets `None` where wordllama
//! would give NaN.
//!
//! The files are fetched by `scripts/model.sh` into `.models/wordllama-l2-supercat-256/`
//! ([`DEFAULT_MODEL_DIR`], or the folder in `EMBEDDER_MODEL_DIR`, [`MODEL_DIR_ENV`]); nothing is
//! downloaded at run time. [`StaticEmbedder::load`] checks both files' sha256 against the pinned
//! ones, so that every vector labelled [`MODEL_ID`] really comes from this model.
use std::fmt;
use std::io::ErrorKind;
use std::path::Path;

use sha2::{Digest, Sha256};

use crate::safetensors::read_matrix;
use crate::tokenizer::Tokenizer;
use crate::{EmbedError, Embedder};

/// Recorded with every vector this model produces: the table and the wheel it came from.
pub const MODEL_ID: &str = "wordllama-l2-supercat-256@0.4.0.post1";
/// The model's own dimension (before padding for storage, see [`crate::pad_for_storage`]).
pub const DIMENSION: usize = 256;
/// The environment variable naming the folder that holds the model's files.
pub const MODEL_DIR_ENV: &str = "EMBEDDER_MODEL_DIR";
/// Where `scripts/model.sh` puts the files when `EMBEDDER_MODEL_DIR` is not set, relative to the
/// repository's root.
pub const DEFAULT_MODEL_DIR: &str = ".models/wordllama-l2-supercat-256";
/// The table: safetensors, one tensor [`TENSOR`] of F16 [32000, 256].
pub const WEIGHTS_FILE: &str = "l2_supercat_256.safetensors";
/// The tokenizer: a Hugging Face `tokenizer.json` (Llama 2's BPE).
pub const TOKENIZER_FILE: &str = "l2_supercat_tokenizer_config.json";
/// The tensor of [`WEIGHTS_FILE`] that holds the table.
pub const TENSOR: &str = "embedding.weight";
const ROWS: usize = 32_000;
// The same hashes as in scripts/model.sh (the files of the wheel wordllama 0.4.0.post1).
const WEIGHTS_SHA256: &str = "64b47a2dc493cb8e85944076601189739852d7b64e0e1eedcb1937a251cd9fd5";
const TOKENIZER_SHA256: &str = "93248f2a9ec36c7b35f700a033d5f36228aae48db61aee31007fa49062cdeb68";

/// The default embedder: see the [module](self).
pub struct StaticEmbedder {
    tokenizer: Tokenizer,
    /// [`ROWS`] × [`DIMENSION`], row-major.
    table: Vec<f32>,
}

impl fmt::Debug for StaticEmbedder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("StaticEmbedder").field("model_id", &MODEL_ID).finish_non_exhaustive()
    }
}

impl StaticEmbedder {
    /// Loads the model from `dir`, which holds [`WEIGHTS_FILE`] and [`TOKENIZER_FILE`] as
    /// `scripts/model.sh` leaves them. Reads about 18 MB and keeps about 37 MB.
    ///
    /// # Errors
    /// [`EmbedError::Load`] naming the file and what is wrong with it: missing (with how to fetch
    /// it), unreadable, not the pinned file (sha256), or not of the expected format.
    pub fn load(dir: &Path) -> Result<Self, EmbedError> {
        let tokenizer_path = dir.join(TOKENIZER_FILE);
        let weights_path = dir.join(WEIGHTS_FILE);
        let tokenizer_json = read_pinned(&tokenizer_path, TOKENIZER_SHA256)?;
        let weights = read_pinned(&weights_path, WEIGHTS_SHA256)?;
        Self::from_bytes(&tokenizer_json, &weights).map_err(|(which, reason)| EmbedError::Load {
            path: if which == TOKENIZER_FILE { tokenizer_path } else { weights_path },
            reason,
        })
    }

    /// Builds the embedder from the two files' contents; the error names which file is wrong.
    fn from_bytes(tokenizer_json: &[u8], weights: &[u8]) -> Result<Self, (&'static str, String)> {
        let tokenizer = Tokenizer::from_json(tokenizer_json).map_err(|e| (TOKENIZER_FILE, e))?;
        let matrix = read_matrix(weights, TENSOR).map_err(|e| (WEIGHTS_FILE, e))?;
        if (matrix.rows, matrix.cols) != (ROWS, DIMENSION) {
            return Err((
                WEIGHTS_FILE,
                format!(
                    "tensor {TENSOR:?} has shape [{}, {}], expected [{ROWS}, {DIMENSION}]",
                    matrix.rows, matrix.cols
                ),
            ));
        }
        if usize::try_from(tokenizer.id_bound()).map_or(true, |n| n > ROWS) {
            return Err((
                TOKENIZER_FILE,
                format!(
                    "has token ids up to {}, but the table has {ROWS} rows",
                    tokenizer.id_bound()
                ),
            ));
        }
        Ok(Self { tokenizer, table: matrix.data })
    }

    /// The token ids of `text`, exactly as wordllama's tokenizer gives them.
    pub fn token_ids(&self, text: &str) -> Vec<u32> {
        self.tokenizer.encode(text)
    }

    /// The unit vector of `text` ([`DIMENSION`] values), or `None` if it has no tokens (or if
    /// the mean of its rows were exactly zero, which no text seen so far does).
    pub fn embed(&self, text: &str) -> Option<Vec<f32>> {
        let ids = self.tokenizer.encode(text);
        if ids.is_empty() {
            return None;
        }
        let mut v = vec![0f32; DIMENSION];
        for &id in &ids {
            // The loader checked that every id the tokenizer produces has a row.
            let start = id as usize * DIMENSION;
            for (sum, x) in v.iter_mut().zip(&self.table[start..start + DIMENSION]) {
                *sum += x;
            }
        }
        let n = ids.len() as f32;
        v.iter_mut().for_each(|x| *x /= n);
        crate::normalize(v)
    }
}

impl Embedder for StaticEmbedder {
    fn model_id(&self) -> &str {
        MODEL_ID
    }

    fn dimension(&self) -> usize {
        DIMENSION
    }

    fn embed_batch(&self, texts: &[&str]) -> Result<Vec<Option<Vec<f32>>>, EmbedError> {
        Ok(texts.iter().map(|t| self.embed(t)).collect())
    }
}

/// Reads a model file and checks it is the pinned one.
fn read_pinned(path: &Path, sha256: &str) -> Result<Vec<u8>, EmbedError> {
    let load_error = |reason: String| EmbedError::Load { path: path.to_path_buf(), reason };
    let bytes = std::fs::read(path).map_err(|e| {
        load_error(if e.kind() == ErrorKind::NotFound {
            format!(
                "not found: fetch the model with scripts/model.sh (./tribe test and ./tribe run do), or set {MODEL_DIR_ENV} to the folder that holds it"
            )
        } else {
            format!("cannot be read: {e}")
        })
    })?;
    let got: String = Sha256::digest(&bytes).iter().map(|b| format!("{b:02x}")).collect();
    if got != sha256 {
        return Err(load_error(format!(
            "not the file of wordllama 0.4.0.post1 (sha256 {got}, expected {sha256}; {} bytes): fetch it again with scripts/model.sh",
            bytes.len()
        )));
    }
    Ok(bytes)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::safetensors::tests::file;
    use crate::tokenizer::tests::tokenizer_json;

    fn tiny_tokenizer() -> Vec<u8> {
        tokenizer_json(&["▁", "a", "▁a"], &["▁ a"]).to_string().into_bytes()
    }

    fn weights(dtype: &str, rows: usize, cols: usize) -> Vec<u8> {
        let width = if dtype == "F16" { 2 } else { 4 };
        let len = rows * cols * width;
        let header = serde_json::json!({TENSOR: {"dtype": dtype, "shape": [rows, cols], "data_offsets": [0, len]}});
        file(&header, &vec![0; len])
    }

    #[test]
    fn the_table_must_have_the_models_shape_and_cover_every_token() {
        let ok = StaticEmbedder::from_bytes(&tiny_tokenizer(), &weights("F16", ROWS, DIMENSION));
        assert!(ok.is_ok());
        let (file, reason) =
            StaticEmbedder::from_bytes(&tiny_tokenizer(), &weights("F16", 100, DIMENSION))
                .unwrap_err();
        assert_eq!(file, WEIGHTS_FILE);
        assert_eq!(
            reason,
            "tensor \"embedding.weight\" has shape [100, 256], expected [32000, 256]"
        );
        let mut big = tokenizer_json(&["▁", "a", "▁a"], &["▁ a"]);
        big["model"]["vocab"]["zzz"] = 40_000.into();
        let (file, reason) = StaticEmbedder::from_bytes(
            big.to_string().as_bytes(),
            &weights("F16", ROWS, DIMENSION),
        )
        .unwrap_err();
        assert_eq!(file, TOKENIZER_FILE);
        assert!(reason.contains("token ids up to 40001"), "{reason}");
        let (file, _) =
            StaticEmbedder::from_bytes(b"{}", &weights("F16", ROWS, DIMENSION)).unwrap_err();
        assert_eq!(file, TOKENIZER_FILE);
    }

    #[test]
    fn a_text_whose_rows_are_zero_has_no_vector_rather_than_nan() {
        let e = StaticEmbedder::from_bytes(&tiny_tokenizer(), &weights("F32", ROWS, DIMENSION))
            .unwrap();
        assert_eq!(e.token_ids("a"), vec![261]);
        assert_eq!(e.embed("a"), None);
        assert_eq!(e.embed(""), None);
    }

    /// The heap BPE against the naive one on the real vocabulary and merges, on random text
    /// (the tokenizer's own tests do it on a tiny vocabulary, exhaustively).
    #[test]
    fn the_heap_bpe_agrees_with_the_naive_one_on_the_real_merges() {
        let model = crate::tests::real_model();
        let alphabet: Vec<char> =
            "abcdefghijklmnopqrstuvwxyzABCDEFGH     .,;:!?-_/()\n\t'\"0123456789éüß中文日本😀▁<>"
                .chars()
                .collect();
        let mut seed = 0x2545_f491_4f6c_dd1du64;
        let mut next = |n: usize| {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            (seed % n as u64) as usize
        };
        for _ in 0..500 {
            let len = 1 + next(200);
            let text: String = (0..len).map(|_| alphabet[next(alphabet.len())]).collect();
            assert_eq!(
                model.tokenizer.encode(&text),
                model.tokenizer.encode_naive(&text),
                "{text:?}"
            );
        }
    }
}

//! Discovery: search over builders, projects and tribes, and matching with reasons (the builders
//! who fit an open role, the roles that fit a builder, similar builders and projects).
//!
//! Explicit and explainable: every result carries its evidence (matched words, skills, tech,
//! similarity, availability), and no engagement signal (followers, activity, builder score)
//! takes part in any ranking. Builders who left discovery (`users.discoverable = false`) appear
//! in no result; their profile stays reachable by id and username. See docs/discovery.md.
pub mod jobs;
pub mod matching;
pub mod query;
pub mod search;
pub mod texts;

use std::sync::Arc;
use std::time::Duration;

use embed::Embedder;

/// The settings of every discovery transaction that scans vectors. The iterative scan walks the
/// graph past rows a filter drops instead of returning fewer than LIMIT (relaxed order: the
/// statements re-sort). With `ef_search` raised, the planner's cost for an HNSW scan rises past a
/// sequential scan of 20,000 projects, which in fact reads and sorts every 6 KiB vector (100 ms
/// instead of 20): `enable_seqscan = off` keeps the index (every other table these statements
/// read is reached by an index too; measured in docs/benchmarks.md, "Discovery").
///
/// Search: `ef_search` 150. A search's vector is that of a few words, unlike any profile, and
/// the graph's first candidates miss more of its true neighbours: recall@10 at the benchmark's
/// scale is 0.85 at the default 40, 0.90 at 100, 0.987 at 150 and at 200 (which is slower).
pub const SEARCH_SCAN_SETTINGS: &str = "SET LOCAL hnsw.iterative_scan = relaxed_order; \
     SET LOCAL hnsw.ef_search = 150; SET LOCAL enable_seqscan = off";

/// Matching (candidates, suggestions, similar builders and projects): `ef_search` 100. Its
/// vectors are profiles and roles, among which the graph's neighbours are already 0.98–0.99 of
/// the true ones at the default 40; 100 keeps the candidate list as long as the 100 nearest a
/// statement asks for, and a wider one only costs time (candidates p50 +40 % at 200).
pub const MATCH_SCAN_SETTINGS: &str = "SET LOCAL hnsw.iterative_scan = relaxed_order; \
     SET LOCAL hnsw.ef_search = 100; SET LOCAL enable_seqscan = off";

/// How discovery ranks, and which embedder it uses.
pub struct Discovery {
    embedder: Arc<dyn Embedder>,
    pub settings: DiscoverySettings,
}

impl std::fmt::Debug for Discovery {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Discovery")
            .field("model_id", &self.embedder.model_id())
            .field("settings", &self.settings)
            .finish()
    }
}

#[derive(Debug, Clone, Copy)]
pub struct DiscoverySettings {
    /// The length of each ranked list a search fuses (full text, skills, nearest vectors), per
    /// kind; so also the deepest a search pages (at most three lists' worth per kind).
    pub window: usize,
    /// The least cosine similarity for a semantic-only match: below it, a row shares no word with
    /// the query and is not close in meaning either. Calibrated for the default model on the
    /// relevance set (docs/discovery.md).
    pub min_similarity: f64,
    /// How long a search waits for the query's vector before answering from full text alone.
    pub query_embed_timeout: Duration,
}

impl Default for DiscoverySettings {
    fn default() -> Self {
        Self { window: 100, min_similarity: 0.25, query_embed_timeout: Duration::from_secs(2) }
    }
}

impl Discovery {
    pub fn new(embedder: Arc<dyn Embedder>, settings: DiscoverySettings) -> Self {
        Self { embedder, settings }
    }

    pub fn embedder(&self) -> &Arc<dyn Embedder> {
        &self.embedder
    }

    /// The model whose vectors are compared: rows embedded by another are left to full text.
    pub fn model_id(&self) -> &str {
        self.embedder.model_id()
    }

    /// The query's vector in pgvector's text form, or `None` when the model finds nothing in it,
    /// fails or is too slow: the search then runs on full text alone.
    pub async fn embed_query(&self, text: &str) -> Option<String> {
        let embedder = self.embedder.clone();
        let owned = text.to_owned();
        let task = tokio::task::spawn_blocking(move || embedder.embed_batch(&[owned.as_str()]));
        match tokio::time::timeout(self.settings.query_embed_timeout, task).await {
            Ok(Ok(Ok(mut vectors))) => {
                let vector = vectors.pop().flatten()?;
                match embed::pad_for_storage(vector) {
                    Ok(padded) => Some(jobs::vector_literal(&padded)),
                    Err(e) => {
                        tracing::warn!(error = %e, "the query vector does not fit; full text only");
                        None
                    }
                }
            }
            Ok(Ok(Err(e))) => {
                tracing::warn!(error = %e, "embedding the query failed; full text only");
                None
            }
            Ok(Err(e)) => {
                tracing::warn!(error = %e, "embedding the query panicked; full text only");
                None
            }
            Err(_) => {
                tracing::warn!("embedding the query timed out; full text only");
                None
            }
        }
    }
}

/// A fingerprint of a ranked list's request, carried by its cursors so that a cursor of another
/// search (or role) is refused rather than read as a position in this one.
fn fingerprint(parts: &[&str]) -> String {
    use sha2::{Digest, Sha256};
    let mut hasher = Sha256::new();
    for part in parts {
        hasher.update(part.len().to_le_bytes());
        hasher.update(part.as_bytes());
    }
    hasher.finalize().iter().take(8).map(|b| format!("{b:02x}")).collect()
}

/// Cosine similarity as shown to users: three decimals.
fn rounded(similarity: Option<f64>) -> Option<f64> {
    similarity.map(|s| (s * 1000.0).round() / 1000.0)
}

//! [`HashEmbedder`]: a deterministic stand-in for a real model, for tests.
use crate::{EmbedError, Embedder};

/// A test double: no files, instant, the same vectors on every machine and every run.
///
/// A text's words (maximal runs of alphanumeric characters, lowercased) each get a pseudo-random
/// vector seeded by the model id and the word (FNV-1a, then SplitMix64); the text's vector is
/// their normalised sum. So texts that share words are similar, the word order does not matter,
/// and unrelated texts are nearly orthogonal: enough to test ranking, storage and staleness
/// without the real model. A text with no word (empty, whitespace, punctuation, emoji) gets
/// `None`, as a text with no tokens does from a real model. It knows no synonyms: semantic cases
/// need the real model.
#[derive(Clone, Debug)]
pub struct HashEmbedder {
    dimension: usize,
    model_id: String,
}

impl HashEmbedder {
    /// A double of `dimension` dimensions, with the model id `hash-test-double-<dimension>`.
    ///
    /// # Panics
    /// If `dimension` is 0.
    pub fn new(dimension: usize) -> Self {
        assert!(dimension > 0, "an embedding has at least one dimension");
        Self { dimension, model_id: format!("hash-test-double-{dimension}") }
    }

    /// The same double under another model id, which also changes every vector (to test a
    /// model change).
    #[must_use]
    pub fn with_model_id(mut self, model_id: impl Into<String>) -> Self {
        self.model_id = model_id.into();
        self
    }

    fn embed(&self, text: &str) -> Option<Vec<f32>> {
        let mut v = vec![0f32; self.dimension];
        let mut words = 0;
        for word in text.split(|c: char| !c.is_alphanumeric()).filter(|w| !w.is_empty()) {
            words += 1;
            let mut state = fnv1a(fnv1a(FNV_OFFSET, self.model_id.as_bytes()), &[0xff]);
            for c in word.chars().flat_map(char::to_lowercase) {
                state = fnv1a(state, c.encode_utf8(&mut [0; 4]).as_bytes());
            }
            for x in &mut v {
                // The top 24 bits, as a value in [-1, 1).
                *x += (splitmix64(&mut state) >> 40) as f32 / (1u32 << 23) as f32 - 1.0;
            }
        }
        if words == 0 {
            return None;
        }
        crate::normalize(v)
    }
}

impl Embedder for HashEmbedder {
    fn model_id(&self) -> &str {
        &self.model_id
    }

    fn dimension(&self) -> usize {
        self.dimension
    }

    fn embed_batch(&self, texts: &[&str]) -> Result<Vec<Option<Vec<f32>>>, EmbedError> {
        Ok(texts.iter().map(|t| self.embed(t)).collect())
    }
}

const FNV_OFFSET: u64 = 0xcbf2_9ce4_8422_2325;

fn fnv1a(mut hash: u64, bytes: &[u8]) -> u64 {
    for &b in bytes {
        hash ^= u64::from(b);
        hash = hash.wrapping_mul(0x0000_0100_0000_01b3);
    }
    hash
}

fn splitmix64(state: &mut u64) -> u64 {
    *state = state.wrapping_add(0x9e37_79b9_7f4a_7c15);
    let mut z = *state;
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn dot(a: &[f32], b: &[f32]) -> f32 {
        a.iter().zip(b).map(|(x, y)| x * y).sum()
    }

    #[test]
    fn vectors_are_deterministic_unit_vectors_and_shared_words_make_texts_similar() {
        let e = HashEmbedder::new(64);
        assert_eq!(e.model_id(), "hash-test-double-64");
        assert_eq!(e.dimension(), 64);
        let [kube, kube_go, painter, again] = e
            .embed_batch(&["Kubernetes", "Go and KUBERNETES", "watercolor painter", "Kubernetes"])
            .unwrap()
            .try_into()
            .unwrap();
        let (kube, kube_go, painter) = (kube.unwrap(), kube_go.unwrap(), painter.unwrap());
        assert_eq!(Some(&kube), again.as_ref());
        for v in [&kube, &kube_go, &painter] {
            assert_eq!(v.len(), 64);
            assert!((dot(v, v) - 1.0).abs() < 1e-5);
        }
        assert!(dot(&kube, &kube_go) > 0.4, "{}", dot(&kube, &kube_go));
        assert!(dot(&kube, &kube_go) > dot(&kube, &painter) + 0.3);
        // Pinned, so that a change to the double is noticed (tests elsewhere may rely on it).
        assert_eq!(kube[0], -0.05774601);
        assert_eq!(e.embed_batch(&["a b"]).unwrap(), e.embed_batch(&["B, a!"]).unwrap());
    }

    #[test]
    fn a_text_with_no_word_has_no_vector() {
        let e = HashEmbedder::new(8);
        assert_eq!(e.embed_batch(&["", "   ", "!?", "😀", "\0"]).unwrap(), vec![None; 5]);
        assert!(e.embed_batch(&["é"]).unwrap()[0].is_some());
    }

    #[test]
    fn another_model_id_gives_other_vectors() {
        let a = HashEmbedder::new(32);
        let b = HashEmbedder::new(32).with_model_id("hash-b");
        assert_eq!(b.model_id(), "hash-b");
        let (va, vb) = (a.embed("design system").unwrap(), b.embed("design system").unwrap());
        assert!(dot(&va, &vb).abs() < 0.5, "{}", dot(&va, &vb));
    }
}

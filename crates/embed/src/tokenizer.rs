//! The Llama 2 tokenizer of wordllama, reimplemented from its Hugging Face `tokenizer.json`.
//!
//! That file describes a SentencePiece-style BPE with no pre-tokenizer. What Hugging Face
//! `tokenizers` does with it when called as wordllama calls it (`add_special_tokens=False`):
//!
//! 1. The added tokens (`<unk>`, `<s>`, `</s>`, all `normalized: false`) are found in the raw
//!    text, leftmost-longest, and each becomes its own id. The text between them is split into
//!    pieces, each normalised and tokenized on its own. (So a user who types `</s>` gets the id of
//!    `</s>`, exactly as in wordllama; it is just another row of the table here.)
//! 2. Normalising a non-empty piece: prepend `▁` (U+2581), then replace every U+0020 space by
//!    `▁`. Nothing else: no lowercasing, no Unicode normalisation; `\n`, `\t` and no-break spaces
//!    stay as they are. An empty piece gives no ids.
//! 3. Initial symbols: each `char` of the normalised piece is its vocabulary id when that single
//!    character is a token; otherwise each of its UTF-8 bytes is the token `<0xXX>` (byte
//!    fallback, so `<unk>` is never produced).
//! 4. BPE: repeatedly merge the adjacent pair whose merge has the lowest rank (its line in
//!    `merges`), the leftmost one on ties, until no adjacent pair has a merge. Done here with a
//!    heap over a linked list of symbols, as `tokenizers` does it: O(n log n) in the symbols.
//!
//! The loader checks that the file says exactly this (model type, normaliser, no pre-tokenizer,
//! byte fallback, no dropout, the added tokens' options), so a different tokenizer file is a load
//! error and never a silent mis-tokenization. The result was checked against `tokenizers` 0.23.3
//! on the texts in `tests/data/` (see `tests/data/README.md`).
use std::cmp::Reverse;
use std::collections::{BinaryHeap, HashMap};
use std::hash::{BuildHasherDefault, Hasher};

use serde::Deserialize;
use serde_json::{Value, json};

/// A fast hash for the tokenizer's maps, whose keys come from the model file, not from users (so
/// SipHash's protection against chosen keys is not needed): FxHash's rotate-xor-multiply, as in
/// rustc. Embedding is mostly merge lookups, and this makes it nearly three times as fast.
#[derive(Default)]
struct FxHasher(u64);

impl Hasher for FxHasher {
    fn write(&mut self, bytes: &[u8]) {
        for &b in bytes {
            self.write_u64(u64::from(b));
        }
    }

    fn write_u32(&mut self, n: u32) {
        self.write_u64(u64::from(n));
    }

    fn write_u64(&mut self, n: u64) {
        self.0 = (self.0.rotate_left(5) ^ n).wrapping_mul(0x51_7c_c1_b7_27_22_0a_95);
    }

    fn finish(&self) -> u64 {
        self.0
    }
}

type FastMap<K, V> = HashMap<K, V, BuildHasherDefault<FxHasher>>;

/// A merge of two adjacent symbols: its rank (lower merges first) and the id it produces.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct Merge {
    rank: u32,
    id: u32,
}

#[derive(Debug)]
pub(crate) struct Tokenizer {
    /// The id of every token that is a single character.
    chars: FastMap<char, u32>,
    /// The id of `<0xXX>` for every byte.
    byte_ids: [u32; 256],
    merges: FastMap<(u32, u32), Merge>,
    /// Added tokens, matched in the raw text (their content, their id).
    added: Vec<(String, u32)>,
    /// One more than the largest id the tokenizer can produce.
    id_bound: u32,
}

#[derive(Deserialize)]
struct TokenizerFile {
    #[serde(default)]
    added_tokens: Vec<AddedToken>,
    normalizer: Value,
    pre_tokenizer: Value,
    model: BpeModel,
}

#[derive(Deserialize)]
struct AddedToken {
    id: u32,
    content: String,
    single_word: bool,
    lstrip: bool,
    rstrip: bool,
    normalized: bool,
}

#[derive(Deserialize)]
struct BpeModel {
    #[serde(rename = "type")]
    kind: String,
    #[serde(default)]
    dropout: Option<f64>,
    #[serde(default)]
    continuing_subword_prefix: Option<String>,
    #[serde(default)]
    end_of_word_suffix: Option<String>,
    #[serde(default)]
    byte_fallback: bool,
    #[serde(default)]
    ignore_merges: bool,
    vocab: HashMap<String, u32>,
    merges: Vec<MergeEntry>,
}

/// `tokenizers` writes a merge as `"a b"` (older files) or as `["a", "b"]`.
#[derive(Deserialize)]
#[serde(untagged)]
enum MergeEntry {
    Joined(String),
    Pair(String, String),
}

const WORD_START: char = '\u{2581}';

impl Tokenizer {
    /// Reads a `tokenizer.json`; the error says what is wrong (the caller names the file).
    pub(crate) fn from_json(bytes: &[u8]) -> Result<Self, String> {
        let file: TokenizerFile =
            serde_json::from_slice(bytes).map_err(|e| format!("not a tokenizer.json: {e}"))?;
        let expected_normalizer = json!({"type": "Sequence", "normalizers": [
            {"type": "Prepend", "prepend": "\u{2581}"},
            {"type": "Replace", "pattern": {"String": " "}, "content": "\u{2581}"}
        ]});
        if file.normalizer != expected_normalizer {
            return Err(format!(
                "unsupported normalizer {} (expected Prepend \"\u{2581}\" then Replace \" \" by \"\u{2581}\")",
                file.normalizer
            ));
        }
        if !file.pre_tokenizer.is_null() {
            return Err(format!(
                "unsupported pre_tokenizer {} (expected none)",
                file.pre_tokenizer
            ));
        }
        let model = file.model;
        if model.kind != "BPE" {
            return Err(format!("unsupported model type {:?} (expected \"BPE\")", model.kind));
        }
        if model.dropout.is_some_and(|d| d != 0.0) {
            return Err("BPE dropout is not supported".into());
        }
        if model.continuing_subword_prefix.is_some() || model.end_of_word_suffix.is_some() {
            return Err("continuing_subword_prefix and end_of_word_suffix are not supported".into());
        }
        if !model.byte_fallback {
            return Err("byte_fallback is off (this tokenizer needs it on)".into());
        }
        if model.ignore_merges {
            return Err("ignore_merges is not supported".into());
        }
        let vocab = model.vocab;
        let mut id_bound = 0;
        let mut chars = FastMap::default();
        for (token, &id) in &vocab {
            id_bound = id_bound.max(id.saturating_add(1));
            let mut it = token.chars();
            if let (Some(c), None) = (it.next(), it.next()) {
                chars.insert(c, id);
            }
        }
        let mut byte_ids = [0; 256];
        for (b, slot) in byte_ids.iter_mut().enumerate() {
            let name = format!("<0x{b:02X}>");
            *slot = *vocab
                .get(&name)
                .ok_or_else(|| format!("the vocabulary has no byte token {name}"))?;
        }
        let mut merges = FastMap::with_capacity_and_hasher(model.merges.len(), Default::default());
        for (rank, entry) in model.merges.iter().enumerate() {
            let (a, b) = match entry {
                MergeEntry::Joined(s) => s
                    .split_once(' ')
                    .filter(|(_, b)| !b.contains(' '))
                    .ok_or_else(|| format!("merge {rank} ({s:?}) is not two tokens"))?,
                MergeEntry::Pair(a, b) => (a.as_str(), b.as_str()),
            };
            let id_of = |t: &str| {
                vocab
                    .get(t)
                    .copied()
                    .ok_or_else(|| format!("merge {rank} uses {t:?}, not in the vocabulary"))
            };
            let merged = format!("{a}{b}");
            let merge = Merge {
                rank: u32::try_from(rank).map_err(|_| "too many merges".to_string())?,
                id: id_of(&merged)?,
            };
            // As in `tokenizers`, the first merge of a pair counts.
            merges.entry((id_of(a)?, id_of(b)?)).or_insert(merge);
        }
        let mut added = Vec::new();
        for token in file.added_tokens {
            if token.single_word || token.lstrip || token.rstrip || token.normalized {
                return Err(format!(
                    "added token {:?} has options this tokenizer does not support (single_word, lstrip, rstrip, normalized must be false)",
                    token.content
                ));
            }
            if token.content.is_empty() {
                return Err("an added token is empty".into());
            }
            id_bound = id_bound.max(token.id.saturating_add(1));
            added.push((token.content, token.id));
        }
        Ok(Self { chars, byte_ids, merges, added, id_bound })
    }

    /// One more than the largest id [`Self::encode`] can return.
    pub(crate) fn id_bound(&self) -> u32 {
        self.id_bound
    }

    /// The token ids of `text`, as `tokenizers` encodes it without special tokens.
    pub(crate) fn encode(&self, text: &str) -> Vec<u32> {
        self.encode_with(text, Self::merge_all)
    }

    /// [`Self::encode`] with the naive BPE: the oracle of the tests.
    #[cfg(test)]
    pub(crate) fn encode_naive(&self, text: &str) -> Vec<u32> {
        self.encode_with(text, Self::merge_all_naive)
    }

    fn encode_with(&self, text: &str, merge: fn(&Self, &mut Vec<u32>)) -> Vec<u32> {
        let mut ids = Vec::new();
        let mut rest = text;
        while let Some((at, content, id)) = self.next_added(rest) {
            self.encode_piece(&rest[..at], merge, &mut ids);
            ids.push(id);
            rest = &rest[at + content.len()..];
        }
        self.encode_piece(rest, merge, &mut ids);
        ids
    }

    /// The leftmost added token in `text` (the longest at that position): where, what, its id.
    fn next_added(&self, text: &str) -> Option<(usize, &str, u32)> {
        let mut best: Option<(usize, &str, u32)> = None;
        for (content, id) in &self.added {
            if let Some(at) = text.find(content.as_str()) {
                let better = match best {
                    None => true,
                    Some((b_at, b_content, _)) => {
                        at < b_at || (at == b_at && content.len() > b_content.len())
                    }
                };
                if better {
                    best = Some((at, content, *id));
                }
            }
        }
        best
    }

    /// Normalises one piece between added tokens and appends its BPE ids.
    fn encode_piece(&self, piece: &str, merge: fn(&Self, &mut Vec<u32>), out: &mut Vec<u32>) {
        if piece.is_empty() {
            return;
        }
        let mut symbols = Vec::with_capacity(piece.len() + 1);
        let mut buf = [0; 4];
        for ch in std::iter::once(WORD_START).chain(piece.chars()) {
            let ch = if ch == ' ' { WORD_START } else { ch };
            match self.chars.get(&ch) {
                Some(&id) => symbols.push(id),
                None => symbols.extend(
                    ch.encode_utf8(&mut buf).bytes().map(|b| self.byte_ids[usize::from(b)]),
                ),
            }
        }
        merge(self, &mut symbols);
        out.extend(symbols);
    }

    /// BPE: the lowest-ranked adjacent pair first, the leftmost on ties, until none merges.
    fn merge_all(&self, ids: &mut Vec<u32>) {
        const NONE: usize = usize::MAX;
        struct Symbol {
            id: u32,
            prev: usize,
            next: usize,
            alive: bool,
        }
        if ids.len() < 2 {
            return;
        }
        let n = ids.len();
        let mut syms: Vec<Symbol> = ids
            .iter()
            .enumerate()
            .map(|(i, &id)| Symbol {
                id,
                prev: if i == 0 { NONE } else { i - 1 },
                next: if i + 1 == n { NONE } else { i + 1 },
                alive: true,
            })
            .collect();
        // (rank, position of the left symbol, merged id); the smallest pops first.
        let mut heap = BinaryHeap::with_capacity(n);
        for (i, pair) in ids.windows(2).enumerate() {
            if let Some(m) = self.merges.get(&(pair[0], pair[1])) {
                heap.push(Reverse((m.rank, i, m.id)));
            }
        }
        while let Some(Reverse((rank, pos, id))) = heap.pop() {
            let next = syms[pos].next;
            if !syms[pos].alive || next == NONE {
                continue;
            }
            // Stale when either symbol has changed since the entry was pushed: a rank names one
            // pair, so the pair is still this one exactly when its merge still has this rank.
            match self.merges.get(&(syms[pos].id, syms[next].id)) {
                Some(m) if m.rank == rank => {}
                _ => continue,
            }
            syms[pos].id = id;
            syms[next].alive = false;
            let after = syms[next].next;
            syms[pos].next = after;
            if after != NONE {
                syms[after].prev = pos;
                if let Some(m) = self.merges.get(&(id, syms[after].id)) {
                    heap.push(Reverse((m.rank, pos, m.id)));
                }
            }
            let before = syms[pos].prev;
            if before != NONE
                && let Some(m) = self.merges.get(&(syms[before].id, id))
            {
                heap.push(Reverse((m.rank, before, m.id)));
            }
        }
        ids.clear();
        let mut at = 0;
        while at != NONE {
            ids.push(syms[at].id);
            at = syms[at].next;
        }
    }

    /// The same BPE done the obvious way, O(n²).
    #[cfg(test)]
    fn merge_all_naive(&self, ids: &mut Vec<u32>) {
        loop {
            let best = ids
                .windows(2)
                .enumerate()
                .filter_map(|(i, w)| self.merges.get(&(w[0], w[1])).map(|m| (m.rank, i, m.id)))
                .min();
            let Some((_, i, id)) = best else { break };
            ids[i] = id;
            ids.remove(i + 1);
        }
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    /// A tokenizer.json of the supported shape with the given vocabulary (besides the 256 byte
    /// tokens, ids 3..259, and `<unk>` `<s>` `</s>`, 0..3) and merges.
    pub(crate) fn tokenizer_json(tokens: &[&str], merges: &[&str]) -> Value {
        let mut vocab = serde_json::Map::new();
        for (i, t) in ["<unk>", "<s>", "</s>"].iter().enumerate() {
            vocab.insert((*t).into(), json!(i));
        }
        for b in 0..256 {
            vocab.insert(format!("<0x{b:02X}>"), json!(3 + b));
        }
        for (i, t) in tokens.iter().enumerate() {
            vocab.insert((*t).into(), json!(259 + i));
        }
        let added: Vec<Value> = ["<unk>", "<s>", "</s>"]
            .iter()
            .enumerate()
            .map(|(i, t)| {
                json!({"id": i, "content": t, "single_word": false, "lstrip": false,
                "rstrip": false, "normalized": false, "special": true})
            })
            .collect();
        json!({
            "version": "1.0",
            "added_tokens": added,
            "normalizer": {"type": "Sequence", "normalizers": [
                {"type": "Prepend", "prepend": "\u{2581}"},
                {"type": "Replace", "pattern": {"String": " "}, "content": "\u{2581}"}]},
            "pre_tokenizer": null,
            "model": {"type": "BPE", "dropout": null, "unk_token": "<unk>",
                "continuing_subword_prefix": null, "end_of_word_suffix": null, "fuse_unk": true,
                "byte_fallback": true, "ignore_merges": false, "vocab": vocab, "merges": merges}
        })
    }

    const TINY: [&str; 10] = ["▁", "a", "b", "c", "ab", "bc", "▁a", "▁ab", "aa", "abc"];

    fn tiny() -> Tokenizer {
        let merges = ["a b", "b c", "▁ a", "▁a b", "a a", "ab c"];
        Tokenizer::from_json(tokenizer_json(&TINY, &merges).to_string().as_bytes()).unwrap()
    }

    fn ids(tokens: &[&str]) -> Vec<u32> {
        let vocab = &tokenizer_json(&TINY, &[])["model"]["vocab"];
        tokens.iter().map(|t| u32::try_from(vocab[*t].as_u64().unwrap()).unwrap()).collect()
    }

    #[test]
    fn merges_lowest_rank_first_and_leftmost_on_ties() {
        let t = tiny();
        // a b (rank 0) first, then ab c; ▁ a (rank 2) no longer has its a.
        assert_eq!(t.encode("abc"), ids(&["▁", "abc"]));
        // ▁ a (rank 2) before a a (rank 4); then the leftmost a a.
        assert_eq!(t.encode("aaa"), ids(&["▁a", "aa"]));
        assert_eq!(t.encode("aaaa"), ids(&["▁a", "aa", "a"]));
        assert_eq!(t.encode("aaaaa"), ids(&["▁a", "aa", "aa"]));
        // a b (0) before ▁ a (2), so each ▁ stays alone.
        assert_eq!(t.encode("abc abc"), ids(&["▁", "abc", "▁", "abc"]));
        // The heap and the naive oracle agree on every string over the alphabet up to length 7.
        let alphabet = ['a', 'b', 'c', ' '];
        for len in 1..=7u32 {
            for mut n in 0..4usize.pow(len) {
                let mut text = String::new();
                for _ in 0..len {
                    text.push(alphabet[n % 4]);
                    n /= 4;
                }
                assert_eq!(t.encode(&text), t.encode_naive(&text), "{text:?}");
            }
        }
    }

    #[test]
    fn spaces_become_word_starts_and_unknown_chars_fall_back_to_bytes() {
        let t = tiny();
        assert_eq!(t.encode("a b"), ids(&["▁a", "▁", "b"]));
        assert_eq!(t.encode("  "), ids(&["▁", "▁", "▁"]));
        // é is not a token: its two UTF-8 bytes are.
        assert_eq!(t.encode("é"), [ids(&["▁"]), vec![3 + 0xC3, 3 + 0xA9]].concat());
        assert_eq!(t.encode("\0"), [ids(&["▁"]), vec![3]].concat());
        // Only U+0020 is a space here.
        assert_eq!(t.encode("\u{a0}"), [ids(&["▁"]), vec![3 + 0xC2, 3 + 0xA0]].concat());
        assert!(t.encode("").is_empty());
    }

    #[test]
    fn added_tokens_split_the_text_and_each_piece_is_normalised_alone() {
        let t = tiny();
        // As tokenizers: "a<s>b" → ▁a, <s>, ▁b (each piece gets its own ▁).
        assert_eq!(t.encode("a<s>b"), [ids(&["▁a"]), vec![1], ids(&["▁", "b"])].concat());
        assert_eq!(t.encode("<s>"), vec![1]);
        assert_eq!(t.encode("</s><unk><s>"), vec![2, 0, 1]);
        assert_eq!(t.encode("<</s>"), [ids(&["▁"]), vec![3 + b'<' as u32, 2]].concat());
        // Not an added token: plain text, byte by byte where the chars are not tokens.
        assert_eq!(t.encode("<x>").len(), 4);
        assert_eq!(t.id_bound(), 269);
    }

    #[test]
    fn a_tokenizer_of_another_shape_is_refused_with_the_reason() {
        let base = tokenizer_json(&["▁", "a", "▁a"], &["▁ a"]);
        let refused = |edit: &dyn Fn(&mut Value), wanted: &str| {
            let mut json = base.clone();
            edit(&mut json);
            let err = Tokenizer::from_json(json.to_string().as_bytes()).unwrap_err();
            assert!(err.contains(wanted), "{err:?} should mention {wanted:?}");
        };
        assert!(Tokenizer::from_json(base.to_string().as_bytes()).is_ok());
        let err = Tokenizer::from_json(b"{not json").unwrap_err();
        assert!(err.starts_with("not a tokenizer.json"), "{err}");
        refused(&|j| j["model"]["type"] = json!("WordPiece"), "model type");
        refused(&|j| j["model"]["byte_fallback"] = json!(false), "byte_fallback");
        refused(&|j| j["model"]["dropout"] = json!(0.1), "dropout");
        refused(&|j| j["pre_tokenizer"] = json!({"type": "Metaspace"}), "pre_tokenizer");
        refused(&|j| j["normalizer"] = json!({"type": "NFKC"}), "normalizer");
        refused(&|j| j["model"]["merges"] = json!(["▁ b"]), "not in the vocabulary");
        refused(&|j| j["model"]["merges"] = json!(["▁a"]), "not two tokens");
        refused(&|j| j["added_tokens"][0]["lstrip"] = json!(true), "options");
        refused(
            &|j| {
                j["model"]["vocab"].as_object_mut().unwrap().remove("<0x7F>");
            },
            "<0x7F>",
        );
        // Merges written as pairs are read too.
        let mut pairs = base.clone();
        pairs["model"]["merges"] = json!([["▁", "a"]]);
        let t = Tokenizer::from_json(pairs.to_string().as_bytes()).unwrap();
        assert_eq!(t.encode("a"), vec![261]);
    }
}

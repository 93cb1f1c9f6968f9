//! The default embedder on the real model files, against wordllama's own output.
//!
//! These tests need the model: `scripts/model.sh` fetches it (`./tribe test` runs it first) into
//! `.models/wordllama-l2-supercat-256/`, or `EMBEDDER_MODEL_DIR` names the folder. Without it
//! they fail, saying so.
#![allow(clippy::unwrap_used, clippy::expect_used)]
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use embed::wordllama::{self, DEFAULT_MODEL_DIR, MODEL_DIR_ENV, TOKENIZER_FILE, WEIGHTS_FILE};
use embed::{EmbedError, Embedder, STORAGE_DIMENSION, StaticEmbedder, pad_for_storage};
use serde::Deserialize;

fn model_dir() -> PathBuf {
    std::env::var_os(MODEL_DIR_ENV).map(PathBuf::from).unwrap_or_else(|| {
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../..").join(DEFAULT_MODEL_DIR)
    })
}

fn model() -> &'static StaticEmbedder {
    static MODEL: OnceLock<StaticEmbedder> = OnceLock::new();
    MODEL.get_or_init(|| {
        StaticEmbedder::load(&model_dir()).unwrap_or_else(|e| {
            panic!("the embedding model is needed by this test and does not load: {e}")
        })
    })
}

#[derive(Deserialize)]
struct Fixture {
    cases: Vec<Case>,
}

#[derive(Deserialize)]
struct Case {
    text: String,
    ids: Vec<u32>,
    #[serde(default)]
    embedding: Vec<f32>,
}

fn cases(file: &str) -> Vec<Case> {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data").join(file);
    let bytes = std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    serde_json::from_slice::<Fixture>(&bytes).unwrap().cases
}

fn dot(a: &[f32], b: &[f32]) -> f32 {
    a.iter().zip(b).map(|(x, y)| x * y).sum()
}

fn assert_unit(v: &[f32], what: &str) {
    assert_eq!(v.len(), wordllama::DIMENSION, "{what}");
    assert!(v.iter().all(|x| x.is_finite()), "{what}: not finite");
    assert!((dot(v, v) - 1.0).abs() < 1e-5, "{what}: norm² {}", dot(v, v));
}

/// wordllama-fixture.json: 20 texts with the ids and normalised vectors (6 decimals) that
/// wordllama 0.4.0.post1 itself produced.
#[test]
fn ids_and_vectors_equal_wordllamas() {
    let model = model();
    let cases = cases("wordllama-fixture.json");
    assert_eq!(cases.len(), 20);
    for case in &cases {
        assert_eq!(model.token_ids(&case.text), case.ids, "ids of {:?}", case.text);
        let v = model.embed(&case.text).unwrap_or_else(|| panic!("no vector for {:?}", case.text));
        assert_unit(&v, &case.text);
        let worst = v.iter().zip(&case.embedding).map(|(a, b)| (a - b).abs()).fold(0f32, f32::max);
        // The fixture is rounded to 6 decimals.
        assert!(worst < 1e-6, "{:?}: a value differs by {worst}", case.text);
    }
}

/// tokenizer-cases.json: ids from Hugging Face `tokenizers` for edge cases and random texts
/// (see tests/data/make_tokenizer_cases.py).
#[test]
fn ids_equal_hugging_face_tokenizers_on_edge_cases_and_random_texts() {
    let model = model();
    let cases = cases("tokenizer-cases.json");
    assert!(cases.len() > 300);
    let wrong: Vec<String> = cases
        .iter()
        .filter(|c| model.token_ids(&c.text) != c.ids)
        .map(|c| format!("{:?}: {:?} instead of {:?}", c.text, model.token_ids(&c.text), c.ids))
        .collect();
    assert!(wrong.is_empty(), "{} of {} differ:\n{}", wrong.len(), cases.len(), wrong.join("\n"));
}

#[test]
fn odd_texts_get_a_unit_vector_or_none_and_never_nan() {
    let model = model();
    assert_eq!(model.model_id(), "wordllama-l2-supercat-256@0.4.0.post1");
    assert_eq!(model.dimension(), 256);
    // The empty text has no tokens: None, where wordllama gives NaN.
    assert_eq!(model.token_ids(""), Vec::<u32>::new());
    assert_eq!(model.embed(""), None);
    // Everything else has at least the word-start token.
    let long = "Kubernetes ".repeat(10_000) + &"x".repeat(20_000);
    let odd = [
        " ",
        "   ",
        "\n",
        "\t",
        "\0",
        "\0\0\0",
        "😀",
        "👨‍👩‍👧",
        "<s>",
        "</s>",
        "\u{2581}",
        "\u{feff}",
        &long,
    ];
    for text in odd {
        let v = model.embed(text).unwrap_or_else(|| panic!("no vector for {text:?}"));
        assert_unit(&v, text);
    }
    assert_eq!(model.token_ids("\0"), vec![29871, 3]);
    assert_eq!(model.token_ids("😀"), vec![29871, 243, 162, 155, 131]);
}

#[test]
fn a_batch_gives_what_each_text_gives_alone() {
    let model = model();
    let texts: Vec<String> = cases("wordllama-fixture.json").into_iter().map(|c| c.text).collect();
    let mut texts: Vec<&str> = texts.iter().map(String::as_str).collect();
    texts.insert(3, "");
    texts.push("Kubernetes");
    let batch = model.embed_batch(&texts).unwrap();
    assert_eq!(batch.len(), texts.len());
    for (text, got) in texts.iter().zip(&batch) {
        assert_eq!(got, &model.embed_batch(&[text]).unwrap()[0], "{text:?}");
        assert_eq!(got, &model.embed(text), "{text:?}");
    }
    assert_eq!(batch[3], None);
    assert_eq!(model.embed_batch(&[]).unwrap(), Vec::<Option<Vec<f32>>>::new());
}

#[test]
fn padded_for_storage_the_cosine_is_unchanged() {
    let model = model();
    let (a, b) =
        (model.embed("backend engineer").unwrap(), model.embed("server-side developer").unwrap());
    let (pa, pb) = (pad_for_storage(a.clone()).unwrap(), pad_for_storage(b.clone()).unwrap());
    assert_eq!(pa.len(), STORAGE_DIMENSION);
    assert_eq!(dot(&pa, &pb), dot(&a, &b));
    assert!((dot(&pa, &pa) - 1.0).abs() < 1e-5);
}

/// Not a quality benchmark: only that the vectors mean something (the research's probes).
#[test]
fn related_texts_are_closer_than_unrelated_ones() {
    let model = model();
    let sim = |a: &str, b: &str| dot(&model.embed(a).unwrap(), &model.embed(b).unwrap());
    assert!(sim("kube", "Kubernetes") > sim("kube", "watercolor painter"));
    assert!(
        sim("backend engineer", "server-side developer")
            > sim("backend engineer", "watercolor painter")
    );
    assert!(
        sim("help students learn", "Making personalized learning accessible to every student.")
            > sim("help students learn", "Building the operating system for independent hotels.")
    );
}

/// A scratch folder for one test, removed when dropped.
struct Scratch(PathBuf);

impl Scratch {
    fn new(name: &str) -> Self {
        let dir = std::env::temp_dir().join(format!("embed-test-{}-{name}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        Self(dir)
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

fn load_error(dir: &Path) -> (PathBuf, String) {
    match StaticEmbedder::load(dir) {
        Err(EmbedError::Load { path, reason }) => (path, reason),
        other => panic!("expected a load error, got {other:?}"),
    }
}

#[test]
fn a_missing_file_is_named_with_how_to_fetch_it() {
    let empty = Scratch::new("missing");
    let (path, reason) = load_error(&empty.0);
    assert_eq!(path, empty.0.join(TOKENIZER_FILE));
    assert!(reason.contains("not found") && reason.contains("scripts/model.sh"), "{reason}");
    assert!(reason.contains(MODEL_DIR_ENV), "{reason}");
    std::fs::copy(model_dir().join(TOKENIZER_FILE), empty.0.join(TOKENIZER_FILE)).unwrap();
    let err = StaticEmbedder::load(&empty.0).unwrap_err();
    let message = err.to_string();
    assert!(
        message.starts_with(&format!("{}: not found", empty.0.join(WEIGHTS_FILE).display())),
        "{message}"
    );
}

#[test]
fn a_corrupt_or_different_file_is_refused_by_its_hash() {
    let dir = Scratch::new("corrupt");
    let weights = std::fs::read(model_dir().join(WEIGHTS_FILE)).unwrap();
    std::fs::copy(model_dir().join(TOKENIZER_FILE), dir.0.join(TOKENIZER_FILE)).unwrap();
    // Truncated (an interrupted copy).
    std::fs::write(dir.0.join(WEIGHTS_FILE), &weights[..weights.len() / 2]).unwrap();
    let (path, reason) = load_error(&dir.0);
    assert_eq!(path, dir.0.join(WEIGHTS_FILE));
    assert!(reason.starts_with("not the file of wordllama 0.4.0.post1 (sha256 "), "{reason}");
    assert!(reason.contains("8192048 bytes") && reason.contains("scripts/model.sh"), "{reason}");
    // One value changed: the same shape, so only the hash tells.
    let mut changed = weights.clone();
    changed[1000] ^= 1;
    std::fs::write(dir.0.join(WEIGHTS_FILE), &changed).unwrap();
    assert_eq!(load_error(&dir.0).0, dir.0.join(WEIGHTS_FILE));
    // A tokenizer file that is not this one.
    std::fs::write(dir.0.join(WEIGHTS_FILE), &weights).unwrap();
    std::fs::write(dir.0.join(TOKENIZER_FILE), b"{}").unwrap();
    let (path, reason) = load_error(&dir.0);
    assert_eq!(path, dir.0.join(TOKENIZER_FILE));
    assert!(reason.contains("sha256"), "{reason}");
    // Put back, it loads.
    std::fs::copy(model_dir().join(TOKENIZER_FILE), dir.0.join(TOKENIZER_FILE)).unwrap();
    assert!(StaticEmbedder::load(&dir.0).is_ok());
}

//! A rough measurement of the default embedder, not a benchmark: the load time, the memory the
//! model takes (resident-set growth, Linux only) and texts per second on the 20 fixture texts.
//!
//! cargo run --release -p embed --example throughput [-- <model dir>]
use std::error::Error;
use std::path::{Path, PathBuf};
use std::time::Instant;

use embed::wordllama::{DEFAULT_MODEL_DIR, MODEL_DIR_ENV};
use embed::{Embedder, StaticEmbedder};

const ROUNDS: usize = 1000;

/// VmRSS and VmHWM (peak) of this process in KiB, from /proc/self/status.
fn memory_kib() -> (u64, u64) {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    let field = |name: &str| {
        status
            .lines()
            .find_map(|l| l.strip_prefix(name))
            .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
            .unwrap_or(0)
    };
    (field("VmRSS:"), field("VmHWM:"))
}

fn main() -> Result<(), Box<dyn Error>> {
    let dir = std::env::args_os()
        .nth(1)
        .or_else(|| std::env::var_os(MODEL_DIR_ENV))
        .map(PathBuf::from)
        .unwrap_or_else(|| {
            Path::new(env!("CARGO_MANIFEST_DIR")).join("../..").join(DEFAULT_MODEL_DIR)
        });
    let fixture: serde_json::Value = serde_json::from_slice(&std::fs::read(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/wordllama-fixture.json"),
    )?)?;
    let texts: Vec<String> = fixture["cases"]
        .as_array()
        .ok_or("the fixture has no cases")?
        .iter()
        .filter_map(|c| c["text"].as_str().map(String::from))
        .collect();
    let texts: Vec<&str> = texts.iter().map(String::as_str).collect();

    let (rss_before, _) = memory_kib();
    let started = Instant::now();
    let model = StaticEmbedder::load(&dir)?;
    let load = started.elapsed();
    let (rss_loaded, peak_loaded) = memory_kib();

    let tokens: usize = texts.iter().map(|t| model.token_ids(t).len()).sum();
    let mut checksum = 0f32;
    let started = Instant::now();
    for _ in 0..ROUNDS {
        for v in model.embed_batch(&texts)?.into_iter().flatten() {
            checksum += v[0];
        }
    }
    let elapsed = started.elapsed().as_secs_f64();
    let n = (ROUNDS * texts.len()) as f64;
    println!(
        "model {} ({} dims), loaded in {:.0} ms",
        model.model_id(),
        model.dimension(),
        load.as_secs_f64() * 1e3
    );
    println!(
        "memory: RSS {:.1} MB before, {:.1} MB after loading (+{:.1} MB); peak {:.1} MB",
        rss_before as f64 / 1024.0,
        rss_loaded as f64 / 1024.0,
        (rss_loaded - rss_before.min(rss_loaded)) as f64 / 1024.0,
        peak_loaded as f64 / 1024.0
    );
    println!(
        "{} texts ({} tokens per round, {:.1} per text) x {ROUNDS}: {:.2} s, {:.0} texts/s, {:.0} tokens/s, one thread (checksum {checksum:.3})",
        texts.len(),
        tokens,
        tokens as f64 / texts.len() as f64,
        elapsed,
        n / elapsed,
        (ROUNDS * tokens) as f64 / elapsed
    );
    // Profile-sized texts, for comparison with wordllama's own ~24k texts/s in Python (research).
    let longest = texts.iter().max_by_key(|t| t.len()).copied().unwrap_or_default();
    let batch = vec![longest; ROUNDS * texts.len()];
    let started = Instant::now();
    let vectors = model.embed_batch(&batch)?;
    let elapsed = started.elapsed().as_secs_f64();
    println!(
        "the longest text ({} chars, {} tokens) x {}: {:.2} s, {:.0} texts/s",
        longest.chars().count(),
        model.token_ids(longest).len(),
        vectors.len(),
        elapsed,
        vectors.len() as f64 / elapsed
    );
    Ok(())
}

//! `cargo run -p seed` against a database it cannot reach: one clear line, non-zero exit.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::process::Command;

#[test]
fn an_unreachable_database_is_one_clear_line_and_a_failure() {
    let output = Command::new(env!("CARGO_BIN_EXE_seed"))
        .current_dir(std::env::temp_dir())
        .env_clear()
        .env("DATABASE_URL", "postgres://tribe:secret@127.0.0.1:1/tribe")
        .output()
        .expect("run the seed binary");
    assert_eq!(output.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(stderr.trim_end().lines().count(), 1, "{stderr}");
    assert!(stderr.starts_with("seed: cannot reach the database"), "{stderr}");
    assert!(!stderr.contains("secret"));
}

//! The server binary's start-up failures: one clear line and a non-zero exit, never a backtrace.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::process::{Command, Output};

/// Runs the server in an empty folder (so no .env is found) with only the given variables.
fn run_server(vars: &[(&str, &str)]) -> Output {
    let dir = std::env::temp_dir();
    let mut command = Command::new(env!("CARGO_BIN_EXE_server"));
    command.current_dir(dir).env_clear().env("RUST_BACKTRACE", "1");
    for (k, v) in vars {
        command.env(k, v);
    }
    command.output().expect("run the server binary")
}

fn one_line(output: &Output) -> String {
    let stderr = String::from_utf8_lossy(&output.stderr).into_owned();
    assert_eq!(stderr.trim_end().lines().count(), 1, "exactly one line: {stderr}");
    stderr.trim_end().to_owned()
}

#[test]
fn a_bad_setting_stops_the_start_with_one_line_naming_it() {
    let output = run_server(&[
        ("DATABASE_URL", "postgres://tribe:secret@127.0.0.1:1/tribe"),
        ("BIND_ADDR", "not-an-address"),
    ]);
    assert_eq!(output.status.code(), Some(2));
    let line = one_line(&output);
    assert!(line.starts_with("server: invalid configuration: BIND_ADDR"), "{line}");
    assert!(!line.contains("secret"), "{line}");
}

#[test]
fn a_missing_database_url_stops_the_start_with_one_line() {
    let output = run_server(&[]);
    assert_eq!(output.status.code(), Some(2));
    let line = one_line(&output);
    assert!(line.contains("DATABASE_URL is not set"), "{line}");
}

#[test]
fn an_unreachable_database_stops_the_start_with_one_line() {
    let output = run_server(&[
        ("DATABASE_URL", "postgres://tribe:secret@127.0.0.1:1/tribe"),
        ("DATABASE_TIMEOUT_SECS", "2"),
    ]);
    assert_eq!(output.status.code(), Some(1));
    let line = one_line(&output);
    assert!(line.starts_with("server: cannot reach the database at DATABASE_URL"), "{line}");
    assert!(!line.contains("secret"), "{line}");
}

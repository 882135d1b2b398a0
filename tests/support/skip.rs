//! What a test may need that a plain clone lacks (the `../shared` folder
//! beside the project, an outside tool, a way to make a folder read-only as
//! root), and what the test does without it: skips, saying what it skipped,
//! so `cargo test` in a user's clone needs only Rust; or fails, where
//! `WIREFEED_REQUIRE_ALL=1` (set by `.ci/run`) says every test must run.
//!
//! Used as `mod support;` (`support::skip`) or, by a test crate that needs
//! nothing else of `support`, as `#[path = "support/skip.rs"] mod skip;`.
#![allow(dead_code)]

use std::path::{Path, PathBuf};

/// The switch `.ci/run` sets: no test may skip.
pub const REQUIRE_ALL: &str = "WIREFEED_REQUIRE_ALL";

/// Whether every test must run (`WIREFEED_REQUIRE_ALL=1`).
pub fn all_required() -> bool {
    std::env::var(REQUIRE_ALL).is_ok_and(|v| v == "1")
}

/// The test cannot run for lack of `what`: prints `skipped: <what>` and
/// returns (the caller then returns, passing), or panics with the same text
/// under `WIREFEED_REQUIRE_ALL=1`.
#[track_caller]
pub fn skip_or_fail(what: &str) {
    if all_required() {
        panic!(
            "skipped: {what} ({REQUIRE_ALL}=1: nothing may skip; .ci/run installs what tests need)"
        );
    }
    eprintln!("skipped: {what}");
}

/// `name` in the shared folder beside the project (`../shared/<name>`), or
/// wherever `env_var` points (a git worktree sits deeper; `.ci/run` names
/// each folder). Whether it exists is for the caller to check.
pub fn shared_folder(env_var: &str, name: &str) -> PathBuf {
    match std::env::var_os(env_var) {
        Some(dir) => PathBuf::from(dir),
        None => Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../shared")
            .join(name),
    }
}

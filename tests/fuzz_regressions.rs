//! Every input a fuzz target ever crashed on, replayed through the same
//! checks the target makes (`fuzz/checks.rs`), so a fixed crash stays
//! fixed; the committed seeds are replayed too. Inputs live in
//! `tests/fixtures/fuzz-regressions/<target>/` (and `fuzz/seeds/<target>/`).

#[path = "../fuzz/checks.rs"]
mod checks;

use std::path::{Path, PathBuf};

/// Every file of the regression and seed folders of `target`.
fn inputs(target: &str) -> Vec<(PathBuf, Vec<u8>)> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut found = Vec::new();
    for folder in [
        root.join("tests/fixtures/fuzz-regressions").join(target),
        root.join("fuzz/seeds").join(target),
    ] {
        let Ok(entries) = std::fs::read_dir(&folder) else {
            continue;
        };
        for entry in entries.flatten() {
            let path = entry.path();
            let bytes = std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
            found.push((path, bytes));
        }
    }
    assert!(!found.is_empty(), "no inputs for {target}");
    found
}

/// Runs `check` on every input of `target`, naming the file that fails.
fn replay(target: &str, check: impl Fn(&[u8])) {
    for (path, bytes) in inputs(target) {
        let outcome = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| check(&bytes)));
        assert!(outcome.is_ok(), "{} fails again", path.display());
    }
}

#[test]
fn config_inputs_that_crashed_the_fuzzer_are_now_reported_as_problems() {
    replay("config", checks::config);
}

#[test]
fn feed_inputs_that_crashed_the_fuzzer_now_parse_or_fail_cleanly() {
    replay("feed", checks::feed);
}

#[test]
fn slug_inputs_that_crashed_the_fuzzer_now_give_valid_stable_slugs() {
    // The slug target reads its input as cargo-fuzz's `&str` does: the
    // longest valid UTF-8 prefix.
    replay("slug", |bytes| {
        let name = match std::str::from_utf8(bytes) {
            Ok(name) => name,
            Err(error) => std::str::from_utf8(&bytes[..error.valid_up_to()]).unwrap_or_default(),
        };
        checks::slug(name);
    });
}

#[test]
fn a_weekday_named_in_arabic_is_a_problem_with_its_line_not_a_panic() {
    // Found by the config target: the first three bytes of a day name were
    // sliced, and an Arabic letter is two bytes long.
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/fuzz-regressions/config/arabic-weekday-name.toml");
    let text = std::fs::read_to_string(&path).expect("fixture");
    let problems = wirefeed::config::parse_str(&text, &path).expect_err("an invalid schedule");
    let problem = problems
        .errors()
        .find(|problem| problem.message.contains("day of the week"))
        .unwrap_or_else(|| panic!("no day-of-week problem in {problems:?}"));
    assert_eq!(problem.line, Some(8), "{problem:?}");
}

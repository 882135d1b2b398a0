//! Regression guard for duplicate folding: the hand-labelled evaluation set
//! of `tests/fixtures/dedup-eval/` must keep its precision and recall.
//! `cargo bench --bench dedup` prints the same figures with every wrong pair.

#[path = "support/dedup_eval.rs"]
mod dedup_eval;

/// Folding two different stories hides news: no look-alike of the set may
/// fold (follow-ups with new figures, templated reports, translations,
/// ticker lines).
const MIN_PRECISION: f64 = 1.0;
/// A missed duplicate only shows a story twice. 202 of the set's 204
/// same-story pairs fold today (one excerpt is never a candidate); the
/// floor leaves room for two more misses.
const MIN_RECALL: f64 = 0.98;

#[test]
fn folding_the_evaluation_set_keeps_precision_and_recall() {
    let state = tempfile::tempdir().expect("temp dir");
    let evaluation = dedup_eval::evaluate(&dedup_eval::fixture_dir(), state.path())
        .unwrap_or_else(|error| panic!("evaluation failed: {error}"));
    // Shown with `--nocapture`; `cargo bench --bench dedup` prints the same.
    println!("{evaluation}");
    assert!(
        evaluation.items >= 359 && evaluation.feeds >= 7,
        "the set shrank:\n{evaluation}"
    );
    assert!(
        evaluation.precision() >= MIN_PRECISION,
        "precision below {MIN_PRECISION}:\n{evaluation}"
    );
    assert!(
        evaluation.recall() >= MIN_RECALL,
        "recall below {MIN_RECALL}:\n{evaluation}"
    );
}

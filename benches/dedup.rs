//! Duplicate folding, measured: precision and recall on the hand-labelled
//! evaluation set, then the time to fold one new feed into a large state.
//!
//! ```text
//! cargo bench --bench dedup [-- --articles 50000 --runs 12]
//! ```
//!
//! The first part is the same evaluation `tests/dedup_eval.rs` guards
//! (`tests/support/dedup_eval.rs`), printed with every false and missed
//! fold. The second builds a state of `--articles` stored articles and times
//! `Store::ingest` of a 50-item feed (half duplicates of stored articles,
//! half new stories), once per run on a distinct feed.

#[path = "../tests/support/dedup_eval.rs"]
mod dedup_eval;
#[path = "dedup/speed.rs"]
mod speed;

#[path = "support/args.rs"]
mod args;

fn main() {
    let articles = args::number("--articles", 50_000);
    let runs = args::number("--runs", 12).max(1);

    let state = tempfile::tempdir().expect("temp dir");
    match dedup_eval::evaluate(&dedup_eval::fixture_dir(), state.path()) {
        Ok(evaluation) => print!("{evaluation}"),
        Err(error) => {
            eprintln!("evaluation failed: {error}");
            std::process::exit(1);
        }
    }
    println!();
    let state = tempfile::tempdir().expect("temp dir");
    print!("{}", speed::measure(state.path(), articles, runs));
}

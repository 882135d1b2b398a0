//! The floor: the corpus parsed by bare `feed_rs::parser::parse`, with
//! nothing else done, on one thread and then on every core.
//!
//! The files are read into memory first, so the figures are parsing alone.

use std::path::Path;
use std::time::Instant;

/// Timings of one pass over the corpus on one thread and on `threads`.
pub struct BareParse {
    /// Bytes parsed per pass.
    pub bytes: usize,
    /// Entries feed-rs found per pass (a check that the parses did the work).
    pub entries: usize,
    /// Feeds feed-rs refused.
    pub failed: usize,
    /// Seconds for one pass on one thread.
    pub one_thread: f64,
    /// How many threads the second pass used (one per core).
    pub threads: usize,
    /// Seconds for one pass spread over `threads`.
    pub all_threads: f64,
}

/// Reads every file of `corpus` and times parsing all of them.
pub fn measure(corpus: &Path) -> std::io::Result<BareParse> {
    let mut documents = Vec::new();
    for entry in std::fs::read_dir(corpus)? {
        documents.push(std::fs::read(entry?.path())?);
    }
    let bytes = documents.iter().map(Vec::len).sum();

    let started = Instant::now();
    let (entries, failed) = parse_all(documents.iter());
    let one_thread = started.elapsed().as_secs_f64();

    let threads = std::thread::available_parallelism().map_or(1, |n| n.get());
    let started = Instant::now();
    std::thread::scope(|scope| {
        let workers: Vec<_> = (0..threads)
            .map(|t| {
                // Every `threads`-th file: the formats alternate, so each
                // thread gets the same mix of RSS, Atom and JSON Feed.
                let share = documents.iter().skip(t).step_by(threads);
                scope.spawn(move || parse_all(share))
            })
            .collect();
        for worker in workers {
            let _ = worker.join();
        }
    });
    let all_threads = started.elapsed().as_secs_f64();

    Ok(BareParse {
        bytes,
        entries,
        failed,
        one_thread,
        threads,
        all_threads,
    })
}

/// Parses each document; returns (entries found, documents refused).
fn parse_all<'a>(documents: impl Iterator<Item = &'a Vec<u8>>) -> (usize, usize) {
    let mut entries = 0;
    let mut failed = 0;
    for document in documents {
        match feed_rs::parser::parse(document.as_slice()) {
            Ok(feed) => entries += feed.entries.len(),
            Err(_) => failed += 1,
        }
    }
    (entries, failed)
}

//! Prints `path<TAB>items` for every corpus file named on standard input (one per
//! line, relative to the corpus folder given as the first argument): how many items
//! `wirefeed::parse::read`, the cycle's reading of a document, finds in it, or 0
//! when it does not read. The Rust half of `benches/corpus/compare`; a measurement,
//! not a benchmark of speed.
//!
//! ```text
//! find … | cargo bench --bench corpus -- ../shared/corpus
//! ```
//!
//! A feedparser `http_*` case names the Content-Type to simulate in a `Header:`
//! comment; it is passed as the document's Content-Type, as `tests/corpus.rs` does.
//! Reasons for documents that do not read go to standard error.

#[path = "../../tests/support/corpus_document.rs"]
mod corpus_document;

use std::io::{BufRead, Write};
use std::path::{Path, PathBuf};

use wirefeed::parse::{Parsed, read};

fn main() {
    let root = match std::env::args_os().nth(1) {
        Some(dir) if Path::new(&dir).is_dir() => PathBuf::from(dir),
        _ => {
            eprintln!("usage: corpus <corpus folder>  (file paths on standard input)");
            std::process::exit(2);
        }
    };
    let stdout = std::io::stdout();
    let mut out = stdout.lock();
    for line in std::io::stdin().lock().lines() {
        let relative = line.expect("standard input is text");
        if relative.is_empty() {
            continue;
        }
        let items = match corpus_document::document(&root.join(&relative)) {
            Ok(doc) => match read(&doc, None) {
                Ok(Parsed::Feed(parsed)) => parsed.feed.entries.len(),
                Ok(Parsed::Agency(document)) => document.items.len(),
                Err(error) => {
                    eprintln!("{relative}: {error}");
                    0
                }
            },
            Err(error) => {
                eprintln!("{relative}: {error}");
                0
            }
        };
        writeln!(out, "{relative}\t{items}").expect("standard output is writable");
    }
}

//! The third cycle's input: 10% of the feeds moved on. Every tenth feed (so
//! every run changes the same ones) gets five fresh stories on top and loses
//! its five oldest, the rest byte for byte as before
//! (`Corpus::moved_on`). Those versions are written next to the corpus at
//! generation and swapped in by renames, so the server sees whole files.

use std::path::Path;

/// Every `EVERY`th feed changes: 10%.
pub const EVERY: usize = 10;
/// Stories each changed feed gains (and old ones it drops).
pub const FRESH: usize = 5;

/// Whether feed number `f` is one that changes.
pub fn changes(f: usize) -> bool {
    f.is_multiple_of(EVERY)
}

/// Swaps the files `names` between the folders `a` and `b`; swapping twice
/// puts everything back.
pub fn exchange(a: &Path, b: &Path, names: &[String]) -> std::io::Result<()> {
    for name in names {
        let parked = a.join(format!(".{name}.parked"));
        std::fs::rename(a.join(name), &parked)?;
        std::fs::rename(b.join(name), a.join(name))?;
        std::fs::rename(&parked, b.join(name))?;
    }
    Ok(())
}

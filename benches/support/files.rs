//! Counting what a bench left in a folder (the published output).

use std::path::Path;

/// The files under `dir`, in every subfolder; only those whose name ends
/// in `.{extension}` when one is given.
pub fn count(dir: &Path, extension: Option<&str>) -> usize {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return 0;
    };
    entries
        .flatten()
        .map(|entry| match entry.file_type() {
            Ok(kind) if kind.is_dir() => count(&entry.path(), extension),
            Ok(kind) if kind.is_file() => usize::from(
                extension
                    .is_none_or(|wanted| entry.path().extension().is_some_and(|e| e == wanted)),
            ),
            _ => 0,
        })
        .sum()
}

/// The folder a bench publishes into: benches write to a folder, never to a bucket.
pub fn output_folder(config: &wirefeed::config::Config) -> &Path {
    config
        .site
        .output_dir
        .folder()
        .expect("a bench's output_dir is a folder")
}

//! Why publishing failed, with the file it was working on.

use std::path::PathBuf;

/// A failure to render or write one output file. Every variant names the
/// file, so an operator knows which path to look at.
#[derive(Debug, thiserror::Error)]
pub enum PublishError {
    /// A file-system operation on the output folder failed.
    #[error("cannot {op} {}: {source}", path.display())]
    Io {
        /// What was being done: "create folder", "write", "rename", ...
        op: &'static str,
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    /// A feed could not be serialized (a bug or an impossible value, never
    /// bad input: the writers escape everything).
    #[error("cannot render {format} for {}: {source}", path.display())]
    Render {
        /// "RSS", "Atom" or "JSON Feed".
        format: &'static str,
        path: PathBuf,
        #[source]
        source: Box<dyn std::error::Error + Send + Sync>,
    },
}

//! Why publishing failed, with the file it was working on.

use std::path::PathBuf;

/// A failure to publish: to render or write one output file (those variants
/// name the file, so an operator knows which path to look at), or to read
/// the state the publish plan needs.
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
    /// A request to the output bucket failed (or its client could not be
    /// set up from the `AWS_*` variables). `url` is `s3://BUCKET/KEY`.
    #[error("cannot {op} {url}: {source}")]
    Bucket {
        /// What was being done: "write", "list", "delete", ...
        op: &'static str,
        url: String,
        #[source]
        source: object_store::Error,
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
    /// The state could not be read for the publish, or what was published
    /// could not be recorded (the next publish renders those channels again).
    #[error("the state database failed: {0}")]
    State(#[from] crate::store::StoreError),
    /// The publishing task died; nothing it rendered was recorded.
    #[error("the publishing task stopped unexpectedly")]
    Task,
}

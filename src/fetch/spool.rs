//! What becomes of a drop folder's files once a cycle has read them
//! (`spool = "move"` or `"delete"`): stored ones go to `processed/` (or
//! away), ones that did not parse to `failed/`, so each file is read once
//! and a bad one waits for a person instead of failing every cycle.

use std::path::{Path, PathBuf};

use crate::config::SpoolMode;

/// Files of one drop folder read by one fetch.
#[derive(Debug, Clone, Default)]
pub struct SpoolFiles {
    pub mode: SpoolMode,
    /// The drop folder.
    pub folder: PathBuf,
    /// Read and parsed: settled once their articles are stored.
    pub stored: Vec<PathBuf>,
    /// Did not parse, with why.
    pub failed: Vec<(PathBuf, String)>,
}

/// Where stored files go in `move` mode.
pub const PROCESSED: &str = "processed";
/// Where files that did not parse go.
pub const FAILED: &str = "failed";

impl SpoolFiles {
    /// Moves or deletes the files: call once their articles are committed.
    /// A file that cannot be moved is logged and left, to be read again
    /// (its articles are then unchanged, so nothing is published twice).
    pub fn settle(&self, feed_id: &str) {
        if self.mode == SpoolMode::Keep {
            return;
        }
        for (path, error) in &self.failed {
            tracing::warn!(feed = %feed_id, path = %path.display(), %error, "moved to failed/: does not parse");
            move_into(feed_id, path, &self.folder.join(FAILED));
        }
        for path in &self.stored {
            match self.mode {
                SpoolMode::Delete => {
                    if let Err(error) = std::fs::remove_file(path) {
                        tracing::warn!(feed = %feed_id, path = %path.display(), %error, "cannot delete a stored spool file");
                    }
                }
                _ => move_into(feed_id, path, &self.folder.join(PROCESSED)),
            }
        }
    }
}

/// Moves `path` into `folder` under its own name, replacing an older file of
/// that name (agencies reuse names for new versions).
fn move_into(feed_id: &str, path: &Path, folder: &Path) {
    let Some(name) = path.file_name() else {
        return;
    };
    let moved =
        std::fs::create_dir_all(folder).and_then(|()| std::fs::rename(path, folder.join(name)));
    if let Err(error) = moved {
        tracing::warn!(feed = %feed_id, path = %path.display(), to = %folder.display(), %error, "cannot move a spool file");
    }
}

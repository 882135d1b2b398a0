//! The output: files appear whole, and only when their bytes change.
//!
//! In a folder, each file is written to a temporary name in the same folder
//! and renamed over the old one, so a reader (or the web server) never sees
//! half a file. When the new bytes equal the file already there, nothing is
//! touched, so an unchanged feed keeps its mtime and `Last-Modified` stays
//! meaningful. In a bucket (`s3://`), `bucket` keeps the same promises with
//! objects. This is the only place that writes the output.

use std::fs;
use std::io::{self, Write};
use std::path::{Path, PathBuf};

use super::bucket::BucketOutput;
use super::error::PublishError;
use crate::config::Output;

/// What [`OutputDir::put`] did with a file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WriteOutcome {
    /// The file was created or its content replaced.
    Written,
    /// The file already held exactly these bytes.
    Unchanged,
}

/// The folder or bucket feeds are published into.
#[derive(Debug, Clone)]
pub struct OutputDir {
    target: Target,
}

#[derive(Debug, Clone)]
enum Target {
    Folder(PathBuf),
    Bucket(BucketOutput),
}

impl OutputDir {
    /// The folder `root`; it and its subfolders are created on first write.
    pub fn new(root: impl Into<PathBuf>) -> Self {
        Self {
            target: Target::Folder(root.into()),
        }
    }

    /// The folder or bucket `output` names. A bucket's client is set up
    /// from the `AWS_*` environment variables, which can fail (a malformed
    /// endpoint); nothing is sent yet.
    pub fn open(output: &Output) -> Result<Self, PublishError> {
        let target = match output {
            Output::Folder(root) => Target::Folder(root.clone()),
            Output::Bucket(bucket) => Target::Bucket(BucketOutput::open(bucket)?),
        };
        Ok(Self { target })
    }

    /// Puts `bytes` at `relative` (a '/'-separated path under the root)
    /// unless the file already holds them.
    pub fn put(&self, relative: &str, bytes: &[u8]) -> Result<WriteOutcome, PublishError> {
        let root = match &self.target {
            Target::Folder(root) => root,
            Target::Bucket(bucket) => return bucket.put(relative, bytes),
        };
        let path = root.join(relative);
        if existing_content_equals(&path, bytes)? {
            tracing::debug!(path = %path.display(), "unchanged");
            return Ok(WriteOutcome::Unchanged);
        }
        let folder = path.parent().unwrap_or(root);
        fs::create_dir_all(folder).map_err(|source| PublishError::Io {
            op: "create folder",
            path: folder.to_path_buf(),
            source,
        })?;
        replace_atomically(&path, bytes)?;
        tracing::debug!(path = %path.display(), bytes = bytes.len(), "written");
        Ok(WriteOutcome::Written)
    }
}

impl OutputDir {
    /// The regular files directly in the folder `relative` (none when it
    /// does not exist), as '/'-separated paths under the root.
    pub fn files_in(&self, relative: &str) -> Result<Vec<String>, PublishError> {
        let folder = match &self.target {
            Target::Folder(root) => root.join(relative),
            Target::Bucket(bucket) => return bucket.files_in(relative),
        };
        let entries = match fs::read_dir(&folder) {
            Ok(entries) => entries,
            Err(error) if error.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
            Err(source) => {
                return Err(PublishError::Io {
                    op: "list folder",
                    path: folder,
                    source,
                });
            }
        };
        Ok(entries
            .flatten()
            .filter(|entry| entry.file_type().is_ok_and(|kind| kind.is_file()))
            .filter_map(|entry| {
                let name = entry.file_name().into_string().ok()?;
                Some(format!("{relative}/{name}"))
            })
            .collect())
    }

    /// Removes the file at `relative`; one already gone is fine.
    pub fn remove(&self, relative: &str) -> Result<(), PublishError> {
        let path = match &self.target {
            Target::Folder(root) => root.join(relative),
            Target::Bucket(bucket) => return bucket.remove(relative),
        };
        match fs::remove_file(&path) {
            Ok(()) => {
                tracing::debug!(path = %path.display(), "removed");
                Ok(())
            }
            Err(error) if error.kind() == std::io::ErrorKind::NotFound => Ok(()),
            Err(source) => Err(PublishError::Io {
                op: "remove file",
                path,
                source,
            }),
        }
    }
}

impl OutputDir {
    /// Whether a file is at `relative`.
    pub fn contains(&self, relative: &str) -> Result<bool, PublishError> {
        match &self.target {
            Target::Folder(root) => Ok(root.join(relative).is_file()),
            Target::Bucket(bucket) => bucket.contains(relative),
        }
    }

    /// Removes temporary files left by a process that died between writing
    /// and renaming (a `kill -9`, a power cut). A temporary of a process that
    /// is still alive is left alone: it may be about to be renamed. A bucket
    /// has none: a PUT is atomic.
    pub fn remove_stale_temporaries(&self) {
        let root = match &self.target {
            Target::Folder(root) => root,
            Target::Bucket(_) => return,
        };
        let mut folders = vec![root.clone()];
        while let Some(folder) = folders.pop() {
            let Ok(entries) = fs::read_dir(&folder) else {
                continue;
            };
            for entry in entries.flatten() {
                let path = entry.path();
                if entry.file_type().is_ok_and(|kind| kind.is_dir()) {
                    folders.push(path);
                } else if temporary_owner(&path).is_some_and(|pid| !process_alive(pid)) {
                    match fs::remove_file(&path) {
                        Ok(()) => {
                            tracing::info!(path = %path.display(), "removed a stale temporary file")
                        }
                        Err(error) => {
                            tracing::warn!(path = %path.display(), %error, "cannot remove a stale temporary file")
                        }
                    }
                }
            }
        }
    }
}

/// The pid in a name made by [`temporary_sibling`], if it is one.
fn temporary_owner(path: &Path) -> Option<u32> {
    let name = path.file_name()?.to_str()?;
    let (_, pid) = name.strip_prefix('.')?.rsplit_once(".tmp-")?;
    pid.parse().ok()
}

fn process_alive(pid: u32) -> bool {
    pid == std::process::id() || Path::new("/proc").join(pid.to_string()).exists()
}

fn existing_content_equals(path: &Path, bytes: &[u8]) -> Result<bool, PublishError> {
    match fs::read(path) {
        Ok(existing) => Ok(existing == bytes),
        Err(error) if error.kind() == io::ErrorKind::NotFound => Ok(false),
        Err(source) => Err(PublishError::Io {
            op: "read",
            path: path.to_path_buf(),
            source,
        }),
    }
}

/// Writes a sibling temporary file, syncs it and renames it over `path`.
/// On failure the temporary file is removed and `path` is left as it was.
fn replace_atomically(path: &Path, bytes: &[u8]) -> Result<(), PublishError> {
    let temporary = temporary_sibling(path);
    let result = write_synced(&temporary, bytes)
        .map_err(|source| PublishError::Io {
            op: "write a temporary file for",
            path: path.to_path_buf(),
            source,
        })
        .and_then(|()| {
            fs::rename(&temporary, path).map_err(|source| PublishError::Io {
                op: "rename into place",
                path: path.to_path_buf(),
                source,
            })
        });
    if result.is_err() {
        // Best effort: the temporary may never have been created.
        let _ = fs::remove_file(&temporary);
    }
    result
}

fn write_synced(path: &Path, bytes: &[u8]) -> io::Result<()> {
    let mut file = fs::File::create(path)?;
    file.write_all(bytes)?;
    file.sync_all()
}

/// `.all.rss.tmp-<pid>` next to `all.rss`: same folder, so the rename stays
/// on one file system; dot-prefixed, so a web server listing skips it; the
/// pid keeps two processes from sharing one.
fn temporary_sibling(path: &Path) -> PathBuf {
    let name = path
        .file_name()
        .map(|name| name.to_string_lossy().into_owned())
        .unwrap_or_default();
    path.with_file_name(format!(".{name}.tmp-{}", std::process::id()))
}

#[cfg(test)]
mod stale_tests {
    use super::*;

    #[test]
    fn temporaries_of_dead_processes_are_removed_and_others_kept() {
        let root = std::env::temp_dir().join(format!("wirefeed-stale-{}", std::process::id()));
        fs::create_dir_all(root.join("sections")).unwrap();
        // pid_max on Linux is at most 2^22, so this pid cannot be alive.
        let dead = root.join("sections/.politics.rss.tmp-99999999");
        let ours = root.join(format!(".all.rss.tmp-{}", std::process::id()));
        let feed = root.join("all.rss");
        for path in [&dead, &ours, &feed] {
            fs::write(path, b"x").unwrap();
        }
        OutputDir::new(&root).remove_stale_temporaries();
        assert!(!dead.exists());
        assert!(ours.exists() && feed.exists());
        fs::remove_dir_all(root).unwrap();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn scratch(name: &str) -> PathBuf {
        let dir =
            std::env::temp_dir().join(format!("wirefeed-write-{name}-{}", std::process::id()));
        let _ = fs::remove_dir_all(&dir);
        dir
    }

    #[test]
    fn new_file_is_written_with_its_folders() {
        let root = scratch("new");
        let out = OutputDir::new(&root);
        let outcome = out.put("sections/politics.rss", b"<rss/>").unwrap();
        assert_eq!(outcome, WriteOutcome::Written);
        assert_eq!(
            fs::read(root.join("sections/politics.rss")).unwrap(),
            b"<rss/>"
        );
        fs::remove_dir_all(root).unwrap();
    }

    #[test]
    fn same_bytes_are_not_rewritten() {
        let root = scratch("same");
        let out = OutputDir::new(&root);
        out.put("all.json", b"{}").unwrap();
        let before = fs::metadata(root.join("all.json"))
            .unwrap()
            .modified()
            .unwrap();
        std::thread::sleep(std::time::Duration::from_millis(20));
        assert_eq!(out.put("all.json", b"{}").unwrap(), WriteOutcome::Unchanged);
        let after = fs::metadata(root.join("all.json"))
            .unwrap()
            .modified()
            .unwrap();
        assert_eq!(before, after);
        fs::remove_dir_all(root).unwrap();
    }

    #[test]
    fn changed_bytes_replace_the_file_and_leave_no_temporary() {
        let root = scratch("changed");
        let out = OutputDir::new(&root);
        out.put("all.json", b"{}").unwrap();
        assert_eq!(out.put("all.json", b"[]").unwrap(), WriteOutcome::Written);
        assert_eq!(fs::read(root.join("all.json")).unwrap(), b"[]");
        let names: Vec<_> = fs::read_dir(&root)
            .unwrap()
            .map(|entry| entry.unwrap().file_name())
            .collect();
        assert_eq!(names, vec![std::ffi::OsString::from("all.json")]);
        fs::remove_dir_all(root).unwrap();
    }
}

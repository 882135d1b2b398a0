//! `file://` sources: one feed file, or a folder (a spool) of feed files.
//!
//! A folder gives one document per regular, non-hidden file, in name order;
//! subfolders (such as a `processed/` archive) and dot-files (partial uploads)
//! are skipped. Like HTTP, a file source answers "not modified" cheaply: the
//! validator is a fingerprint of every file's name, size and mtime, so an
//! unchanged spool costs a directory listing and no reads.
//!
//! A source is read only inside its `file_roots` folder, judged on real
//! paths (symlinks resolved) each time, so a link placed in a spool, or a
//! spool folder swapped for a link, cannot lead out of it.

use std::io::ErrorKind;
use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use sha2::{Digest, Sha256};
use tokio::io::AsyncReadExt;
use url::Url;

use super::{Document, FetchError, Fetched, Validators};

/// One file to read, with the metadata its fingerprint is made of.
struct Entry {
    path: PathBuf,
    size: u64,
    /// Nanoseconds since the epoch; 0 where the platform keeps no mtime.
    modified: u128,
}

/// Reads the file or folder at `path`, unless its fingerprint equals `previous.etag`.
///
/// `root` is the feed's `file_roots` folder; without one nothing is read.
/// With `settle`, a folder's files changed more recently than that are
/// left for a later fetch: an upload still in progress.
pub(crate) async fn fetch(
    path: &Path,
    root: Option<&Path>,
    max_body: u64,
    previous: &Validators,
    settle: Option<Duration>,
) -> Result<Fetched, FetchError> {
    let Some(root) = root else {
        return Err(FetchError::NoFileRoot {
            path: path.to_owned(),
        });
    };
    let root = tokio::fs::canonicalize(root)
        .await
        .map_err(|source| io_error(root, source))?;
    // Absolute, so each document gets a file:// URL that relative links resolve against.
    let real = tokio::fs::canonicalize(path)
        .await
        .map_err(|source| io_error(path, source))?;
    inside(path, &real, &root)?;
    let path = real;
    let metadata = tokio::fs::metadata(&path)
        .await
        .map_err(|source| io_error(&path, source))?;
    let entries = if metadata.is_dir() {
        list_folder(&path, &root, settle).await?
    } else {
        vec![entry(path, &metadata)]
    };

    let etag = fingerprint(&entries);
    if previous.etag.as_deref() == Some(etag.as_str()) {
        return Ok(Fetched::NotModified {
            status: None,
            fresh_for: None,
        });
    }

    let mut documents = Vec::with_capacity(entries.len());
    for entry in &entries {
        documents.push(read(entry, max_body).await?);
    }
    Ok(Fetched::Documents {
        fresh_for: None,
        status: None,
        validators: Validators {
            etag: Some(etag),
            last_modified: None,
        },
        documents,
    })
}

/// Refuses `real` (the real path of `path`) when it is not inside `root` (a real path too).
fn inside(path: &Path, real: &Path, root: &Path) -> Result<(), FetchError> {
    if real.starts_with(root) {
        Ok(())
    } else {
        Err(FetchError::OutsideFileRoot {
            path: path.to_owned(),
            real: real.to_owned(),
            root: root.to_owned(),
        })
    }
}

/// The folder's regular, non-hidden files, sorted by name; a link to a file
/// outside `root` fails the whole fetch.
async fn list_folder(
    folder: &Path,
    root: &Path,
    settle: Option<Duration>,
) -> Result<Vec<Entry>, FetchError> {
    let mut listing = tokio::fs::read_dir(folder)
        .await
        .map_err(|source| io_error(folder, source))?;
    let mut entries = Vec::new();
    while let Some(item) = listing
        .next_entry()
        .await
        .map_err(|source| io_error(folder, source))?
    {
        if item.file_name().to_string_lossy().starts_with('.') {
            continue;
        }
        let path = item.path();
        // The folder is a real path inside the root: only a link can lead out.
        if item.file_type().await.is_ok_and(|kind| kind.is_symlink()) {
            match tokio::fs::canonicalize(&path).await {
                Ok(real) => inside(&path, &real, root)?,
                // A dangling link: nothing to read.
                Err(error) if error.kind() == ErrorKind::NotFound => continue,
                Err(source) => return Err(io_error(&path, source)),
            }
        }
        // Follows symlinks, so a linked feed file counts as a file.
        let metadata = match tokio::fs::metadata(&path).await {
            Ok(metadata) => metadata,
            // Moved away (to processed/, say) between the listing and now, or a dangling link.
            Err(error) if error.kind() == ErrorKind::NotFound => continue,
            Err(source) => return Err(io_error(&path, source)),
        };
        if !metadata.is_file() {
            continue;
        }
        // A time in the future is a file being written on a skewed clock:
        // it waits too. Without any time (no such platform here) it is read.
        let unsettled = settle.is_some_and(|settle| {
            metadata.modified().is_ok_and(|modified| {
                SystemTime::now()
                    .duration_since(modified)
                    .map_or(true, |age| age < settle)
            })
        });
        if unsettled {
            // Left out of the fingerprint too, so the fetch that finds it
            // settled sees a changed folder.
            tracing::debug!(path = %path.display(), "still being written; read once it settles");
            continue;
        }
        entries.push(entry(path, &metadata));
    }
    entries.sort_by(|a, b| a.path.cmp(&b.path));
    Ok(entries)
}

fn entry(path: PathBuf, metadata: &std::fs::Metadata) -> Entry {
    let modified = metadata
        .modified()
        .ok()
        .and_then(|time| time.duration_since(UNIX_EPOCH).ok())
        .map_or(0, |since| since.as_nanos());
    Entry {
        path,
        size: metadata.len(),
        modified,
    }
}

/// A validator that changes when any file is added, removed, resized or touched.
fn fingerprint(entries: &[Entry]) -> String {
    let mut hash = Sha256::new();
    for entry in entries {
        hash.update(entry.path.as_os_str().as_encoded_bytes());
        hash.update([0]);
        hash.update(entry.size.to_le_bytes());
        hash.update(entry.modified.to_le_bytes());
    }
    let digest = hash.finalize();
    let hex: String = digest.iter().map(|byte| format!("{byte:02x}")).collect();
    format!("files-{hex}")
}

/// Reads one file, refusing it when it is (or has grown) over `max_body`.
async fn read(entry: &Entry, max_body: u64) -> Result<Document, FetchError> {
    let too_large = || FetchError::TooLarge {
        location: entry.path.display().to_string(),
        limit: max_body,
    };
    if entry.size > max_body {
        return Err(too_large());
    }
    let file = tokio::fs::File::open(&entry.path)
        .await
        .map_err(|source| io_error(&entry.path, source))?;
    let mut body = Vec::with_capacity(usize::try_from(entry.size).unwrap_or(0));
    // One byte past the cap tells a file that grew since the listing from one that fits.
    file.take(max_body.saturating_add(1))
        .read_to_end(&mut body)
        .await
        .map_err(|source| io_error(&entry.path, source))?;
    if body.len() as u64 > max_body {
        return Err(too_large());
    }
    let url = Url::from_file_path(&entry.path).map_err(|()| {
        io_error(
            &entry.path,
            std::io::Error::new(ErrorKind::InvalidInput, "not an absolute path"),
        )
    })?;
    Ok(Document {
        url,
        body,
        content_type: None,
    })
}

fn io_error(path: &Path, source: std::io::Error) -> FetchError {
    if source.kind() == ErrorKind::NotFound {
        FetchError::Missing {
            path: path.to_owned(),
        }
    } else {
        FetchError::Io {
            path: path.to_owned(),
            source,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(name: &str, size: u64, modified: u128) -> Entry {
        Entry {
            path: PathBuf::from(name),
            size,
            modified,
        }
    }

    #[test]
    fn fingerprint_changes_with_name_size_and_mtime() {
        let base = fingerprint(&[entry("/spool/a.xml", 10, 1)]);
        assert_eq!(base, fingerprint(&[entry("/spool/a.xml", 10, 1)]));
        assert_ne!(base, fingerprint(&[entry("/spool/b.xml", 10, 1)]));
        assert_ne!(base, fingerprint(&[entry("/spool/a.xml", 11, 1)]));
        assert_ne!(base, fingerprint(&[entry("/spool/a.xml", 10, 2)]));
        assert_ne!(base, fingerprint(&[]));
    }
}

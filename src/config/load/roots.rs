//! `file_roots` of `[site]`: the only folders `file:` feeds may read from.
//!
//! An editor's typo (`file:///etc/wirefeed/credentials.toml`) must not
//! publish a local file. The loader checks each file feed's path, with `.`
//! and `..` worked out, against the roots and records the root it lies in;
//! the fetcher checks again on the real path, so a symlink cannot lead out.

use std::ops::Range;
use std::path::{Component, Path, PathBuf};

use super::fields::Fields;
use super::report::Report;
use super::values::resolve;

/// `file_roots` in `[site]`, each resolved against the config folder.
pub(super) fn file_roots(
    fields: &Fields<'_, '_>,
    base_dir: &Path,
    report: &mut Report<'_>,
) -> Vec<PathBuf> {
    let roots = fields.strings("file_roots", report).unwrap_or_default();
    roots
        .iter()
        .map(|root| normal(&resolve(base_dir, Path::new(root))))
        .collect()
}

/// The root `path` lies in, or an error at `span` naming the feed.
pub(super) fn root_of(
    path: &Path,
    roots: &[PathBuf],
    what: &str,
    span: Range<usize>,
    report: &mut Report<'_>,
) -> Option<PathBuf> {
    let path = normal(path);
    if let Some(root) = roots.iter().find(|root| path.starts_with(root)) {
        return Some(root.clone());
    }
    let hint = if roots.is_empty() {
        "no file_roots are set in [site]; add the folder, like file_roots = [\"spool\"]".to_string()
    } else {
        let listed: Vec<String> = roots.iter().map(|r| r.display().to_string()).collect();
        format!(
            "file_roots allows only: {}; add the folder there if it is meant to be read",
            listed.join(", ")
        )
    };
    report.error_with_hint(
        span,
        format!(
            "`url` in {what}: {} is outside every folder of file_roots in [site]",
            path.display()
        ),
        Some(hint),
    );
    None
}

/// `path` with `.` dropped and `..` taken off the end, without looking at the
/// disk (it may not exist yet, and symlinks are the fetcher's check).
pub(super) fn normal(path: &Path) -> PathBuf {
    let mut out = PathBuf::new();
    for component in path.components() {
        match component {
            Component::CurDir => {}
            Component::ParentDir => match out.components().next_back() {
                Some(Component::Normal(_)) => {
                    out.pop();
                }
                // `..` past `/` stays at `/`, as the kernel does.
                Some(Component::RootDir | Component::Prefix(_)) => {}
                // A relative path keeps its leading `..`.
                _ => out.push(".."),
            },
            other => out.push(other),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dot_dot_is_worked_out_before_comparing_with_a_root() {
        assert_eq!(
            normal(Path::new("/srv/spool/../../etc/passwd")),
            PathBuf::from("/etc/passwd")
        );
        assert_eq!(
            normal(Path::new("/srv/./spool/ap/")),
            PathBuf::from("/srv/spool/ap")
        );
        assert_eq!(normal(Path::new("/../etc")), PathBuf::from("/etc"));
        assert_eq!(normal(Path::new("a/../../b")), PathBuf::from("../b"));
    }
}

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
    // After `normal`, `..` can only lead a relative path: one left after the
    // root's own components climbs out of it.
    let inside = |root: &&PathBuf| {
        path.strip_prefix(root)
            .is_ok_and(|rest| !rest.starts_with(".."))
    };
    if let Some(root) = roots.iter().find(inside) {
        return Some(folder(root));
    }
    let hint = if roots.is_empty() {
        "no file_roots are set in [site]; add the folder, like file_roots = [\"spool\"]".to_string()
    } else {
        let listed: Vec<String> = roots
            .iter()
            .map(|r| folder(r).display().to_string())
            .collect();
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

/// A normal path as a folder to open: the empty path (the config folder,
/// when feeds.toml was named by a bare relative name) is `.`.
fn folder(normal: &Path) -> PathBuf {
    if normal.as_os_str().is_empty() {
        PathBuf::from(".")
    } else {
        normal.to_owned()
    }
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

#[cfg(test)]
mod access_tests {
    use std::path::{Path, PathBuf};

    use super::super::parse_with_env;
    use crate::config::{Config, Problems};

    const SITE: &str = "[site]\ntitle = \"T\"\nbase_url = \"https://example.org/\"\n";

    fn load(text: &str) -> Result<Config, Problems> {
        parse_with_env(text, Path::new("/etc/wirefeed/feeds.toml"), &|_| None)
            .map(|(config, _)| config)
    }

    #[test]
    fn a_file_feed_inside_a_root_records_that_root() {
        let config = load(&format!(
            "{SITE}file_roots = [\"spool\", \"/srv/wire\"]\n\
             [[feed]]\nid = \"a\"\nurl = \"file:spool/ap\"\n\
             [[feed]]\nid = \"b\"\nurl = \"file:///srv/wire/./b.xml\"\n"
        ))
        .unwrap_or_else(|p| panic!("{p}"));
        assert_eq!(
            config.feeds[0].file_root,
            Some(PathBuf::from("/etc/wirefeed/spool"))
        );
        assert_eq!(config.feeds[1].file_root, Some(PathBuf::from("/srv/wire")));
    }

    #[test]
    fn with_a_bare_config_name_the_root_dot_is_the_current_folder() {
        let text = format!(
            "{SITE}file_roots = [\".\"]\n[[feed]]\nid = \"a\"\nurl = \"file:agency.rss\"\n\
             [[feed]]\nid = \"b\"\nurl = \"file:spool/../b.rss\"\n"
        );
        let (config, _) = parse_with_env(&text, Path::new("feeds.toml"), &|_| None)
            .unwrap_or_else(|p| panic!("{p}"));
        for feed in &config.feeds {
            assert_eq!(feed.file_root, Some(PathBuf::from(".")));
        }
        let outside =
            format!("{SITE}file_roots = [\".\"]\n[[feed]]\nid = \"a\"\nurl = \"file:../x.rss\"\n");
        assert!(parse_with_env(&outside, Path::new("feeds.toml"), &|_| None).is_err());
    }

    #[test]
    fn a_file_feed_outside_every_root_is_an_error_at_its_url() {
        for url in [
            "file:///etc/passwd",
            "file:spool/../credentials.toml",
            "file:spool-other/a.xml",
        ] {
            let problems = load(&format!(
                "{SITE}file_roots = [\"spool\"]\n[[feed]]\nid = \"a\"\nurl = \"{url}\"\n"
            ))
            .unwrap_err();
            assert_eq!(problems.0.len(), 1, "{problems}");
            let problem = &problems.0[0];
            assert_eq!((problem.line, problem.column), (Some(7), Some(7)), "{url}");
            assert!(
                problem
                    .message
                    .contains("outside every folder of file_roots")
            );
            assert!(problem.message.contains("\"a\""), "{problems}");
        }
    }

    #[test]
    fn without_file_roots_no_file_feed_loads() {
        let problems = load(&format!(
            "{SITE}[[feed]]\nid = \"a\"\nurl = \"file:spool\"\n"
        ))
        .unwrap_err();
        assert!(
            problems.0[0]
                .hint
                .as_deref()
                .is_some_and(|hint| hint.contains("no file_roots are set")),
            "{problems}"
        );
    }

    #[test]
    fn allow_private_is_inherited_from_defaults_and_a_feed_may_override_it() {
        let config = load(&format!(
            "{SITE}[defaults]\nallow_private = true\n\
             [[feed]]\nid = \"a\"\nurl = \"http://10.0.0.5/feed\"\n\
             [[feed]]\nid = \"b\"\nurl = \"https://agency.example/\"\nallow_private = false\n"
        ))
        .unwrap_or_else(|p| panic!("{p}"));
        assert!(config.defaults.allow_private);
        assert!(config.feeds[0].allow_private);
        assert!(!config.feeds[1].allow_private);
        let config = load(&format!(
            "{SITE}[[feed]]\nid = \"a\"\nurl = \"http://10.0.0.5/feed\"\n"
        ))
        .unwrap_or_else(|p| panic!("{p}"));
        assert!(!config.feeds[0].allow_private);
    }
}

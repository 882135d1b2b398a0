//! Appending `[[feed]]` entries to feeds.toml without touching the rest of it.
//!
//! `toml_edit` keeps every comment, blank line and key order of the parsed
//! file, so the text outside the new entries comes back byte for byte. The
//! new text is written atomically (temp file in the same folder, then
//! rename), then loaded with [`config::load`]; if it does not load, the
//! original text is put back the same way.

use std::io::Write as _;
use std::path::{Path, PathBuf};

use toml_edit::{ArrayOfTables, DocumentMut, Item, Table, value};

use super::EditorError;
use crate::config::{self, Config};

/// One `[[feed]]` entry to add: only what `add` and `import` fill in; every
/// other setting comes from `[defaults]`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewFeed {
    pub id: String,
    pub name: String,
    /// The feed URL, written as given.
    pub url: String,
    /// A declared section slug.
    pub section: Option<String>,
}

/// `text` with `feeds` appended as `[[feed]]` tables after the last existing
/// one (at the end when there is none). `path` names the file in errors.
pub fn append_feeds(text: &str, path: &Path, feeds: &[NewFeed]) -> Result<String, EditorError> {
    let edit_error = |reason: String| EditorError::Edit {
        path: path.to_path_buf(),
        reason,
    };
    let mut document: DocumentMut = text
        .parse()
        .map_err(|err: toml_edit::TomlError| edit_error(err.to_string()))?;
    let array = document
        .entry("feed")
        .or_insert_with(|| Item::ArrayOfTables(ArrayOfTables::new()))
        .as_array_of_tables_mut()
        .ok_or_else(|| edit_error("`feed` is not an array of [[feed]] tables".to_string()))?;
    for feed in feeds {
        let mut table = Table::new();
        // A blank line between entries, as in the examples of DESIGN.md.
        table.decor_mut().set_prefix("\n");
        table.insert("id", value(&feed.id));
        table.insert("name", value(&feed.name));
        table.insert("url", value(&feed.url));
        if let Some(section) = &feed.section {
            table.insert("section", value(section));
        }
        array.push(table);
    }
    let mut edited = document.to_string();
    // An entry appended to a file without a final newline would otherwise
    // leave the file without one too.
    if !edited.ends_with('\n') {
        edited.push('\n');
    }
    Ok(edited)
}

/// Writes `edited` over `path` and checks that it loads; on failure puts
/// `original` back and says what `config::load` found. Refuses when the file
/// no longer holds `original` (someone saved it while the feed was fetched).
pub fn write_checked(path: &Path, original: &str, edited: &str) -> Result<Config, EditorError> {
    let now = std::fs::read_to_string(path).map_err(|source| EditorError::Io {
        path: path.to_path_buf(),
        source,
    })?;
    if now != original {
        return Err(EditorError::ChangedMeanwhile {
            path: path.to_path_buf(),
        });
    }
    write_atomically(path, edited)?;
    match config::load(path) {
        Ok((config, _warnings)) => Ok(config),
        Err(problems) => {
            write_atomically(path, original)?;
            Err(EditorError::EditRejected {
                path: path.to_path_buf(),
                problems,
            })
        }
    }
}

/// Replaces `path` with `text` so a reader (the service watching the file)
/// sees the old file or the new one, never half of it.
fn write_atomically(path: &Path, text: &str) -> Result<(), EditorError> {
    let io_error = |path: &Path| {
        let path = path.to_path_buf();
        move |source| EditorError::Io { path, source }
    };
    // Through a symlink (feeds.toml kept in a config repository), replace
    // the file it points to, not the link.
    let path = &std::fs::canonicalize(path).unwrap_or_else(|_| path.to_path_buf());
    let temp = temp_path(path);
    let result = (|| {
        let mut file = std::fs::File::create(&temp)?;
        // Keep the mode of the original (feeds.toml may be group-readable only).
        if let Ok(metadata) = std::fs::metadata(path) {
            file.set_permissions(metadata.permissions())?;
        }
        file.write_all(text.as_bytes())?;
        file.sync_all()?;
        std::fs::rename(&temp, path)
    })();
    if result.is_err() {
        // Best effort: the error that matters is the one returned below.
        let _ = std::fs::remove_file(&temp);
    }
    result.map_err(io_error(path))
}

/// A temp file next to `path`, so the rename stays on one file system.
fn temp_path(path: &Path) -> PathBuf {
    let name = path
        .file_name()
        .map_or_else(|| "feeds.toml".into(), |n| n.to_string_lossy().into_owned());
    path.with_file_name(format!(".{name}.{}.tmp", std::process::id()))
}

#[cfg(test)]
mod tests {
    use super::*;

    const COMMENTED: &str = r#"# Newsroom feeds — edited by hand, keep the comments.

[site]
title = "Example News"   # shown in every feed
base_url = "https://feeds.example.org/"

[[section]]
slug = "politics"
title = "Politics"

# Agencies first.
[[feed]]
url = "https://agency.example/world.rss"    # key order: url before id
id = "ap-world"
name  =  'Associated Press'

  [[feed.rule]]
  category = "Sport"
  drop = true
"#;

    /// Blank lines and comments before a table belong to it: the new entry
    /// goes after the last feed's last line, before them.
    const TAIL: &str = r#"

# Aliases come last.
[tags.aliases]
"palestinian territories" = "palestine"
"#;

    fn new_feed(id: &str, section: Option<&str>) -> NewFeed {
        NewFeed {
            id: id.into(),
            name: format!("Name \"{id}\""),
            url: format!("https://{id}.example/feed.xml"),
            section: section.map(String::from),
        }
    }

    #[test]
    fn appended_entry_leaves_every_other_byte_alone() {
        let text = format!("{COMMENTED}{TAIL}");
        let edited = append_feeds(
            &text,
            Path::new("feeds.toml"),
            &[new_feed("partner", Some("politics"))],
        )
        .expect("appends");
        let entry = "\n[[feed]]\nid = \"partner\"\nname = 'Name \"partner\"'\nurl = \"https://partner.example/feed.xml\"\nsection = \"politics\"\n";
        assert_eq!(edited, format!("{COMMENTED}{entry}{TAIL}"));
    }

    #[test]
    fn entries_go_at_the_end_when_the_file_has_no_feed_yet() {
        let text = "[site]\ntitle = \"T\"\nbase_url = \"https://e.example/\"\n# end";
        let edited = append_feeds(
            text,
            Path::new("feeds.toml"),
            &[new_feed("a", None), new_feed("b", None)],
        )
        .expect("appends");
        assert!(edited.starts_with("[site]\ntitle = \"T\"\n"), "{edited}");
        assert!(edited.contains("# end"), "{edited}");
        let document: DocumentMut = edited.parse().expect("still TOML");
        let ids: Vec<&str> = document["feed"]
            .as_array_of_tables()
            .expect("[[feed]]")
            .iter()
            .filter_map(|t| t["id"].as_str())
            .collect();
        assert_eq!(ids, ["a", "b"]);
        assert!(document["feed"][0].get("section").is_none());
        assert!(edited.ends_with('\n'));
    }

    #[test]
    fn feed_that_is_not_an_array_of_tables_is_refused() {
        let err = append_feeds("feed = 3\n", Path::new("x.toml"), &[new_feed("a", None)])
            .expect_err("refused");
        assert!(err.to_string().contains("`feed` is not an array"), "{err}");
    }

    #[test]
    fn a_file_saved_meanwhile_is_not_overwritten() {
        let dir = tempfile::tempdir().expect("temp dir");
        let path = dir.path().join("feeds.toml");
        std::fs::write(&path, "# saved by someone else\n").expect("write");
        let err = write_checked(&path, "# what add read\n", "# edited\n").expect_err("refused");
        assert!(matches!(err, EditorError::ChangedMeanwhile { .. }), "{err}");
        assert_eq!(
            std::fs::read_to_string(&path).expect("read"),
            "# saved by someone else\n"
        );
    }

    #[test]
    fn an_edit_through_a_symlink_keeps_the_link() {
        let dir = tempfile::tempdir().expect("temp dir");
        let real = dir.path().join("real.toml");
        let link = dir.path().join("feeds.toml");
        let original = "[site]\ntitle = \"T\"\nbase_url = \"https://e.example/\"\n";
        std::fs::write(&real, original).expect("write");
        std::os::unix::fs::symlink(&real, &link).expect("symlink");
        let edited = append_feeds(original, &link, &[new_feed("a", None)]).expect("appends");
        write_checked(&link, original, &edited).expect("written");
        assert!(std::fs::symlink_metadata(&link).expect("stat").is_symlink());
        assert_eq!(std::fs::read_to_string(&real).expect("read"), edited);
    }

    #[test]
    fn a_file_that_no_longer_loads_is_restored() {
        let dir = tempfile::tempdir().expect("temp dir");
        let path = dir.path().join("feeds.toml");
        let original = "[site]\ntitle = \"T\"\nbase_url = \"https://e.example/\"\n";
        std::fs::write(&path, original).expect("write");
        let broken =
            format!("{original}\n[[feed]]\nid = \"Bad Id\"\nurl = \"https://e.example/f\"\n");
        let err = write_checked(&path, original, &broken).expect_err("rejected");
        assert!(matches!(err, EditorError::EditRejected { .. }), "{err}");
        assert_eq!(std::fs::read_to_string(&path).expect("read"), original);
        let leftovers = std::fs::read_dir(dir.path()).expect("list").count();
        assert_eq!(leftovers, 1, "no temp file is left behind");
    }
}

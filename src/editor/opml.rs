//! OPML: reading the outlines an aggregator exported, writing the configured
//! feeds as OPML 2.0. Both sides use quick-xml (already used by the tests of
//! `publish`), whose reader reports byte positions and whose writer escapes
//! every attribute; the `opml` crate would add a serde layer and a second XML
//! stack for the same few elements.

use std::io::Write;
use std::path::Path;

use quick_xml::events::{BytesDecl, BytesEnd, BytesStart, BytesText, Event};
use quick_xml::{Reader, Writer, XmlVersion};

use url::Url;

use super::EditorError;
use crate::config::{Config, FeedConfig, SourceLocation};

/// One `<outline>` that is, or should have been, a feed.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct OpmlFeed {
    /// `xmlUrl` as written; `None` for an outline with neither `xmlUrl` nor
    /// children, which the import reports as skipped.
    pub url: Option<String>,
    /// `text`, or `title` when `text` is missing or blank.
    pub title: Option<String>,
    pub html_url: Option<String>,
    /// Where the outline is filed, most specific first: its own `category`
    /// attribute (the last part of each `/a/b` path), then the `text`/`title`
    /// of each enclosing outline, nearest first.
    pub categories: Vec<String>,
}

/// The feeds of an OPML document in document order. `path` names the file in errors.
pub fn read_opml(text: &str, path: &Path) -> Result<Vec<OpmlFeed>, EditorError> {
    let mut reader = Reader::from_str(text);
    let mut feeds = Vec::new();
    // One entry per open <outline>: its title, used as a category by its children.
    let mut open: Vec<Option<String>> = Vec::new();
    loop {
        let opml_error = |reader: &Reader<&[u8]>, reason: String| EditorError::Opml {
            path: path.to_path_buf(),
            position: reader.error_position(),
            reason,
        };
        let event = reader
            .read_event()
            .map_err(|err| opml_error(&reader, err.to_string()))?;
        let (element, has_children) = match event {
            Event::Start(element) => (element, true),
            Event::Empty(element) => (element, false),
            Event::End(element) if element.local_name().as_ref() == "outline" => {
                open.pop();
                continue;
            }
            Event::Eof => break,
            _ => continue,
        };
        if element.local_name().as_ref() != "outline" {
            continue;
        }
        let outline =
            outline(&element, &open).map_err(|err| opml_error(&reader, err.to_string()))?;
        if has_children {
            open.push(outline.title.clone());
        }
        // A folder is a category, not a feed; a childless outline without
        // xmlUrl is kept so the import can say it skipped it.
        if outline.url.is_some() || !has_children {
            feeds.push(outline);
        }
    }
    Ok(feeds)
}

/// The attributes of one `<outline>`, with the categories its place gives it.
fn outline(
    element: &BytesStart<'_>,
    open: &[Option<String>],
) -> Result<OpmlFeed, quick_xml::Error> {
    let mut feed = OpmlFeed::default();
    let mut text = None;
    let mut title = None;
    for attribute in element.attributes() {
        let attribute = attribute.map_err(quick_xml::Error::from)?;
        let value = attribute
            .normalized_value(XmlVersion::Implicit1_0)?
            .trim()
            .to_string();
        if value.is_empty() {
            continue;
        }
        match attribute.key.local_name().as_ref() {
            "xmlUrl" => feed.url = Some(value),
            "htmlUrl" => feed.html_url = Some(value),
            "text" => text = Some(value),
            "title" => title = Some(value),
            "category" => feed.categories.extend(
                value
                    .split(',')
                    .filter_map(|path| path.rsplit('/').map(str::trim).find(|s| !s.is_empty()))
                    .map(String::from),
            ),
            _ => {}
        }
    }
    feed.title = text.or(title);
    feed.categories.extend(open.iter().rev().flatten().cloned());
    Ok(feed)
}

/// Said once in the exported file when it lists local files: the URLs work
/// for `wirefeed import` on this machine, and nowhere else.
const LOCAL_FILES_NOTE: &str = " file:/// outlines are local files of the machine this was exported on: \
`wirefeed import` there reads them (inside its file_roots); a feed reader elsewhere cannot ";

/// Writes every enabled `[[feed]]` of `config` as OPML 2.0: one outline per
/// section that has feeds (titled with the section's title, in declared
/// order), each holding its feeds, then the feeds without a section.
///
/// A `file:` feed is written as an absolute `file:///` URL: the relative
/// `file:spool/ap` of feeds.toml means something only next to that file.
pub fn write_opml(config: &Config, out: impl Write) -> std::io::Result<()> {
    let mut writer = Writer::new_with_indent(out, b' ', 2);
    writer.write_event(Event::Decl(BytesDecl::new("1.0", Some("UTF-8"), None)))?;
    writer.write_event(Event::Start(
        BytesStart::new("opml").with_attributes([("version", "2.0")]),
    ))?;
    writer.write_event(Event::Start(BytesStart::new("head")))?;
    writer.write_event(Event::Start(BytesStart::new("title")))?;
    writer.write_event(Event::Text(BytesText::new(&config.site.title)))?;
    writer.write_event(Event::End(BytesEnd::new("title")))?;
    writer.write_event(Event::End(BytesEnd::new("head")))?;
    writer.write_event(Event::Start(BytesStart::new("body")))?;

    let enabled = || config.feeds.iter().filter(|feed| feed.enabled);
    if enabled().any(|feed| matches!(feed.location, SourceLocation::File(_))) {
        writer.write_event(Event::Comment(BytesText::from_escaped(LOCAL_FILES_NOTE)))?;
    }
    for section in &config.sections {
        let mut feeds = enabled()
            .filter(|feed| feed.section.as_deref() == Some(section.slug.as_str()))
            .peekable();
        if feeds.peek().is_none() {
            continue;
        }
        let title = section.title.as_str();
        writer.write_event(Event::Start(
            BytesStart::new("outline").with_attributes([("text", title), ("title", title)]),
        ))?;
        for feed in feeds {
            writer.write_event(Event::Empty(feed_outline(feed)))?;
        }
        writer.write_event(Event::End(BytesEnd::new("outline")))?;
    }
    for feed in enabled().filter(|feed| feed.section.is_none()) {
        writer.write_event(Event::Empty(feed_outline(feed)))?;
    }

    writer.write_event(Event::End(BytesEnd::new("body")))?;
    writer.write_event(Event::End(BytesEnd::new("opml")))?;
    let out = writer.get_mut();
    out.write_all(b"\n")?;
    out.flush()
}

/// `<outline type="rss" …/>` for one feed.
fn feed_outline(feed: &FeedConfig) -> BytesStart<'_> {
    let mut element = BytesStart::new("outline").with_attributes([
        ("type", "rss"),
        ("text", feed.name.as_str()),
        ("title", feed.name.as_str()),
    ]);
    element.push_attribute(("xmlUrl", exported_url(feed).as_str()));
    if let Some(home) = &feed.home_url {
        element.push_attribute(("htmlUrl", home.as_str()));
    }
    element
}

/// The feed's URL as a reader of the OPML file can use it: http(s) as
/// written, a file source as an absolute `file:///` URL. The loader already
/// resolved a relative path against the config's folder, as the fetcher
/// reads it; a config named by a relative path leaves it relative to the
/// working folder, which is where the loader found it.
fn exported_url(feed: &FeedConfig) -> String {
    match &feed.location {
        SourceLocation::File(path) => file_url(path).map_or_else(|| feed.url.clone(), String::from),
        SourceLocation::Http(_) => feed.url.clone(),
    }
}

/// `path` (absolute, or relative to the working folder) as a `file:///` URL
/// with `.` and `..` worked out; `None` when it cannot be one.
pub(super) fn file_url(path: &Path) -> Option<Url> {
    let absolute = std::path::absolute(path).ok()?;
    let url = Url::from_file_path(absolute).ok()?;
    // Parsing again works out `.` and `..` segments.
    Url::parse(url.as_str()).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read(text: &str) -> Vec<OpmlFeed> {
        read_opml(text, Path::new("subscriptions.opml")).unwrap_or_else(|e| panic!("{e}"))
    }

    #[test]
    fn nested_outlines_give_their_titles_as_categories() {
        let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/editor/reader.opml");
        let text = std::fs::read_to_string(&path).expect("fixture");
        let feeds = read(&text);
        let found: Vec<(Option<&str>, Option<&str>, Vec<&str>)> = feeds
            .iter()
            .map(|f| {
                (
                    f.url.as_deref(),
                    f.title.as_deref(),
                    f.categories.iter().map(String::as_str).collect(),
                )
            })
            .collect();
        assert_eq!(
            found,
            [
                (
                    Some("https://agency.example/world.rss"),
                    Some("Agency & World"),
                    vec!["Politics", "News"]
                ),
                (
                    Some("https://sport.example/atom"),
                    Some("Sport daily"),
                    vec!["Sports", "Politics", "News"]
                ),
                (None, Some("Bookmark without a feed"), vec!["News"]),
                (
                    Some("https://blog.example/feed.json"),
                    Some("A blog"),
                    vec!["Culture", "Tech"]
                ),
                (Some("not a url"), Some("Broken"), vec![]),
                (Some("https://top.example/rss"), Some("Top level"), vec![]),
            ]
        );
        assert_eq!(
            feeds[0].html_url.as_deref(),
            Some("https://agency.example/")
        );
    }

    #[test]
    fn malformed_opml_names_the_file_and_position() {
        let err = read_opml(
            "<opml><body><outline text='a'></body></opml>",
            Path::new("x.opml"),
        )
        .expect_err("mismatched tags");
        let text = err.to_string();
        assert!(text.starts_with("x.opml: not valid OPML at byte"), "{text}");
    }

    #[test]
    fn export_escapes_and_groups_by_section() {
        let text = "[site]\ntitle = \"News <&> Co\"\nbase_url = \"https://e.example/\"\nfile_roots = [\"spool\"]\n\
            [[section]]\nslug = \"politics\"\ntitle = \"Politics & \\\"Power\\\"\"\n\
            [[section]]\nslug = \"empty\"\ntitle = \"Never used\"\n\
            [[feed]]\nid = \"a\"\nname = \"A <Agency>\"\nurl = \"https://a.example/rss?x=1&y=2\"\nsection = \"politics\"\nhome_url = \"https://a.example/\"\n\
            [[feed]]\nid = \"off\"\nurl = \"https://off.example/rss\"\nenabled = false\nsection = \"politics\"\n\
            [[feed]]\nid = \"spool\"\nname = \"Spool\"\nurl = \"file:spool/wire\"\n";
        let (config, _) = crate::config::parse_str(text, Path::new("/srv/feeds.toml"))
            .unwrap_or_else(|p| panic!("{p}"));
        let mut out = Vec::new();
        write_opml(&config, &mut out).expect("write to a Vec");
        let opml = String::from_utf8(out).expect("utf-8");
        assert_eq!(
            opml,
            format!(
                r#"<?xml version="1.0" encoding="UTF-8"?>
<opml version="2.0">
  <head>
    <title>News &lt;&amp;&gt; Co</title>
  </head>
  <body>
    <!--{LOCAL_FILES_NOTE}-->
    <outline text="Politics &amp; &quot;Power&quot;" title="Politics &amp; &quot;Power&quot;">
      <outline type="rss" text="A &lt;Agency&gt;" title="A &lt;Agency&gt;" xmlUrl="https://a.example/rss?x=1&amp;y=2" htmlUrl="https://a.example/"/>
    </outline>
    <outline type="rss" text="Spool" title="Spool" xmlUrl="file:///srv/spool/wire"/>
  </body>
</opml>
"#
            )
        );
        let back = read(&opml);
        assert_eq!(back[0].title.as_deref(), Some("A <Agency>"));
        assert_eq!(
            back[0].url.as_deref(),
            Some("https://a.example/rss?x=1&y=2")
        );
        assert_eq!(back[0].categories, ["Politics & \"Power\""]);
        assert_eq!(back[1].url.as_deref(), Some("file:///srv/spool/wire"));
    }

    #[test]
    fn a_file_feed_under_a_relative_config_path_is_exported_absolute() {
        let text = "[site]\ntitle = \"T\"\nbase_url = \"https://e.example/\"\nfile_roots = [\"spool\"]\n\
            [[feed]]\nid = \"spool\"\nurl = \"file:spool/./wire/../ap\"\n";
        let (config, _) = crate::config::parse_str(text, Path::new("feeds.toml"))
            .unwrap_or_else(|p| panic!("{p}"));
        let mut out = Vec::new();
        write_opml(&config, &mut out).expect("write to a Vec");
        let opml = String::from_utf8(out).expect("utf-8");
        let here = std::env::current_dir().expect("working folder");
        let expected = Url::from_file_path(here.join("spool/ap")).expect("absolute");
        let back = read(&opml);
        assert_eq!(back[0].url.as_deref(), Some(expected.as_str()), "{opml}");
    }
}

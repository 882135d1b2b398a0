//! Real, strict consumers read every file a rich newsroom publishes: Python
//! feedparser, `xmllint`, and strict RFC 4287 / RSS 2.0 / JSON Feed 1.1
//! checkers written here.
//!
//! feedparser and xmllint are outside tools: when one is missing its test
//! passes with a "skipped:" note, so a plain `cargo test` needs only Rust.
//! With `WIREFEED_REQUIRE_ALL=1` (set by `.ci/run`, which installs both) a
//! missing tool fails (`support::skip`).
//! `WIREFEED_PYTHON` names the interpreter that has feedparser (default
//! `python3`).

mod support;

#[path = "readers/dates.rs"]
mod dates;
#[path = "readers/strict_atom.rs"]
mod strict_atom;
#[path = "readers/strict_json.rs"]
mod strict_json;
#[path = "readers/strict_rss.rs"]
mod strict_rss;
#[path = "readers/xml_tree.rs"]
mod xml_tree;

use std::collections::BTreeSet;
use std::io::ErrorKind;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use support::newsroom::{AGENCY, Newsroom};

/// What a strict checker found in one file.
pub struct Checked {
    pub items: usize,
    pub problems: Vec<String>,
}

const ARABIC: &str = r#"
[[feed]]
id = "arabic"
name = "وكالة الأنباء"
url = "{url}"
language = "ar"
section = "politics"
regions = ["MENA"]
tags = ["Palestine"]
"#;

/// Every feed id the rich newsroom publishes from.
const FEED_IDS: [&str; 7] = [
    "agency", "arabic", "markets", "partner", "region", "spool", "tech",
];

/// Agency RSS with rules, partner Atom with hostile HTML, JSON Feeds (one
/// with control characters XML forbids), a Latin-1 feed, an Arabic feed and
/// a local spool, published once.
fn rich_newsroom() -> Newsroom {
    let mut newsroom = Newsroom::new();
    newsroom.serve_fixture("/agency.rss", "agency.rss", "application/rss+xml");
    newsroom.serve_fixture("/partner.atom", "partner.atom", "application/atom+xml");
    newsroom.serve_fixture("/tech.json", "tech.json", "application/feed+json");
    newsroom.serve_fixture("/latin1.rss", "latin1.rss", "application/rss+xml");
    newsroom.serve(
        "/arabic.rss",
        readers_fixture("arabic.rss"),
        "application/rss+xml",
    );
    newsroom.serve(
        "/controls.json",
        readers_fixture("controls.json"),
        "application/feed+json",
    );
    let spool = newsroom.dir.path().join("spool");
    std::fs::create_dir_all(&spool).expect("spool folder");
    std::fs::write(spool.join("ticker.xml"), Newsroom::fixture("ticker.rss")).expect("spool file");

    newsroom.feed("/agency.rss", AGENCY);
    newsroom.feed("/arabic.rss", ARABIC);
    for (path, id, section) in [
        ("/partner.atom", "partner", "politics"),
        ("/tech.json", "tech", "technology"),
        ("/latin1.rss", "region", "politics"),
        ("/controls.json", "markets", "economy"),
    ] {
        let block =
            format!("[[feed]]\nid = \"{id}\"\nurl = \"{{url}}\"\nsection = \"{section}\"\n");
        newsroom.feed(path, &block);
    }
    newsroom.raw_feed("[[feed]]\nid = \"spool\"\nurl = \"file:spool\"\nsection = \"sports\"\n");
    let report = newsroom.once();
    assert!(report.failed.is_empty(), "{:?}", report.failed);
    newsroom
}

fn readers_fixture(name: &str) -> Vec<u8> {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/readers")
        .join(name);
    std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// One published feed file and what a reader should find in it.
struct Published {
    path: PathBuf,
    /// feedparser's name for the format: rss20, atom10, json11.
    version: &'static str,
    /// Items written, counted by the strict checker.
    items: usize,
    problems: Vec<String>,
}

/// Every `.rss`, `.atom` and `.json` feed under `output`, strictly checked;
/// `ninjs/` holds articles in IPTC ninjs, not feeds (tests/agency.rs
/// validates those against IPTC's schema).
fn published(output: &Path) -> Vec<Published> {
    let mut files = Vec::new();
    collect(output, &mut files);
    files.retain(|path| !path.starts_with(output.join("ninjs")));
    files.sort();
    files
        .into_iter()
        .filter_map(|path| {
            let ext = path.extension()?.to_str()?;
            let text = std::fs::read_to_string(&path)
                .unwrap_or_else(|e| panic!("{}: {e}", path.display()));
            let (version, checked) = match ext {
                "rss" => ("rss20", xml_check(&text, strict_rss::check)),
                "atom" => ("atom10", xml_check(&text, strict_atom::check)),
                "json" => match serde_json::from_str(&text) {
                    Ok(feed) => ("json11", strict_json::check(&feed)),
                    Err(e) => ("json11", invalid(format!("not JSON: {e}"))),
                },
                _ => return None,
            };
            Some(Published {
                path,
                version,
                items: checked.items,
                problems: checked.problems,
            })
        })
        .collect()
}

fn collect(dir: &Path, files: &mut Vec<PathBuf>) {
    let entries = std::fs::read_dir(dir).unwrap_or_else(|e| panic!("{}: {e}", dir.display()));
    for entry in entries {
        let path = entry.expect("directory entry").path();
        if path.is_dir() {
            collect(&path, files);
        } else {
            files.push(path);
        }
    }
}

fn xml_check(text: &str, check: fn(&xml_tree::Element) -> Checked) -> Checked {
    match xml_tree::parse(text) {
        Ok(root) => check(&root),
        Err(e) => invalid(format!("not well-formed XML: {e}")),
    }
}

fn invalid(problem: String) -> Checked {
    Checked {
        items: 0,
        problems: vec![problem],
    }
}

/// A missing tool skips the test, unless CI requires every test to run.
fn missing(tool: &str, why: &str) {
    support::skip::skip_or_fail(&format!("{tool} not installed ({why}) (see .ci/run)"));
}

/// Runs `command`; `None` when its program is not installed.
fn run(mut command: Command) -> Option<Output> {
    match command.output() {
        Ok(output) => Some(output),
        Err(e) if e.kind() == ErrorKind::NotFound => None,
        Err(e) => panic!("{command:?}: {e}"),
    }
}

fn relative(path: &Path, output: &Path) -> String {
    path.strip_prefix(output)
        .unwrap_or(path)
        .display()
        .to_string()
}

#[test]
fn rich_newsroom_publishes_every_feed_and_language() {
    let newsroom = rich_newsroom();
    let sources: BTreeSet<String> = newsroom
        .items("all.json")
        .iter()
        .filter_map(|item| {
            item["_wirefeed"]["source"]["feed_id"]
                .as_str()
                .map(str::to_owned)
        })
        .collect();
    assert_eq!(sources, BTreeSet::from(FEED_IDS.map(str::to_owned)));
    for stem in [
        "languages/ar",
        "languages/fr",
        "regions/mena",
        "tags/palestine",
        "breaking",
    ] {
        assert!(
            newsroom.output_path(&format!("{stem}.atom")).is_file(),
            "{stem}"
        );
    }
}

#[test]
fn every_published_file_passes_the_strict_checkers() {
    let newsroom = rich_newsroom();
    let output = newsroom.output_path("");
    let files = published(&output);
    assert!(
        files.len() >= 30,
        "only {} feed files published",
        files.len()
    );
    let mut problems = Vec::new();
    for file in &files {
        let name = relative(&file.path, &output);
        problems.extend(file.problems.iter().map(|p| format!("{name}: {p}")));
        // The three formats of a channel carry the same items.
        let json = file.path.with_extension("json");
        let json_items = files.iter().find(|f| f.path == json).map(|f| f.items);
        if json_items != Some(file.items) {
            problems.push(format!(
                "{name}: {} items, its .json has {json_items:?}",
                file.items
            ));
        }
    }
    assert!(
        problems.is_empty(),
        "strict checkers:\n{}",
        problems.join("\n")
    );
}

#[test]
fn every_published_file_is_read_cleanly_by_feedparser() {
    let newsroom = rich_newsroom();
    let output = newsroom.output_path("");
    let manifest: String = published(&output)
        .iter()
        .map(|file| {
            format!(
                "{}\t{}\t{}\n",
                file.path.display(),
                file.version,
                file.items
            )
        })
        .collect();
    let manifest_path = newsroom.dir.path().join("readers-manifest.tsv");
    std::fs::write(&manifest_path, manifest).expect("write manifest");

    let python = std::env::var("WIREFEED_PYTHON").unwrap_or_else(|_| "python3".to_owned());
    let script =
        Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/readers/check_with_feedparser.py");
    let mut command = Command::new(&python);
    command.arg(&script).arg(&manifest_path);
    let Some(result) = run(command) else {
        return missing("feedparser", &format!("no interpreter {python}"));
    };
    let report = String::from_utf8_lossy(&result.stdout);
    match result.status.code() {
        Some(0) => eprintln!("{report}"),
        Some(77) => missing("feedparser", report.trim()),
        _ => panic!(
            "feedparser rejected published files:\n{report}{}",
            String::from_utf8_lossy(&result.stderr)
        ),
    }
}

/// feed-rs, the Rust reader wirefeed itself ingests with, is the one real
/// JSON Feed consumer here: released feedparser reads XML only.
#[test]
fn every_published_file_is_read_by_feed_rs() {
    use feed_rs::model::FeedType;
    let newsroom = rich_newsroom();
    let output = newsroom.output_path("");
    let mut problems = Vec::new();
    for file in published(&output) {
        let name = relative(&file.path, &output);
        let bytes = std::fs::read(&file.path).expect("read published file");
        let feed = match feed_rs::parser::parse(bytes.as_slice()) {
            Ok(feed) => feed,
            Err(e) => {
                problems.push(format!("{name}: {e}"));
                continue;
            }
        };
        let expected = match file.version {
            "rss20" => FeedType::RSS2,
            "atom10" => FeedType::Atom,
            _ => FeedType::JSON,
        };
        if feed.feed_type != expected || feed.entries.len() != file.items {
            problems.push(format!(
                "{name}: read as {:?} with {} entries, wrote {expected:?} with {}",
                feed.feed_type,
                feed.entries.len(),
                file.items
            ));
        }
        for (index, entry) in feed.entries.iter().enumerate() {
            let lacks: Vec<&str> = [
                ("title", entry.title.is_some()),
                ("link", !entry.links.is_empty()),
                ("author", !entry.authors.is_empty()),
                ("date", entry.published.or(entry.updated).is_some()),
                (
                    "content",
                    entry.content.is_some() || entry.summary.is_some(),
                ),
            ]
            .into_iter()
            .filter_map(|(what, present)| (!present).then_some(what))
            .collect();
            if !lacks.is_empty() {
                problems.push(format!(
                    "{name}: entry {index} ({}): no {}",
                    entry.id,
                    lacks.join(", ")
                ));
            }
        }
    }
    assert!(problems.is_empty(), "feed-rs:\n{}", problems.join("\n"));
}

#[test]
fn every_published_xml_file_is_well_formed_for_xmllint() {
    let newsroom = rich_newsroom();
    let output = newsroom.output_path("");
    let xml: Vec<PathBuf> = published(&output)
        .into_iter()
        .filter(|file| file.version != "json11")
        .map(|file| file.path)
        .chain([output.join("feeds.opml")])
        .collect();
    let mut command = Command::new("xmllint");
    command.args(["--noout", "--nonet"]).args(&xml);
    let Some(result) = run(command) else {
        return missing("xmllint", "no xmllint on PATH");
    };
    assert!(
        result.status.success(),
        "xmllint rejected published files:\n{}",
        String::from_utf8_lossy(&result.stderr)
    );
    eprintln!("xmllint: {} files well-formed", xml.len());
}

#[test]
fn strict_atom_checker_catches_rfc_4287_violations() {
    let xml = r#"<feed xmlns="http://www.w3.org/2005/Atom">
      <title>t</title><updated>2026-11-25T10:00:00Z</updated>
      <entry><id>relative/id</id><title>a</title><updated>2026-11-25 10:00:00</updated>
        <link href="https://a.example/1"/><link rel="alternate" href="https://a.example/2"/></entry>
      <entry><id>relative/id</id><title>b</title><updated>2026-11-25T10:00:00Z</updated>
        <author><name>X</name></author><source><id>urn:x</id><id>urn:y</id></source></entry>
    </feed>"#;
    let checked = xml_check(xml, strict_atom::check);
    let expected = [
        "feed: 0 atom:id, exactly one required",
        "entry 0 (relative/id): atom:id \"relative/id\" is not an absolute IRI",
        "entry 0 (relative/id): atom:updated \"2026-11-25 10:00:00\" is not RFC 3339",
        "entry 0 (relative/id): two alternate links for (None, None)",
        "entry 0 (relative/id): no atom:author here, in its source or the feed",
        "entry 1 (relative/id): atom:id repeats an earlier entry's",
        "entry 1 (relative/id) source: 2 atom:id, at most one allowed",
    ];
    for problem in expected {
        assert!(
            checked.problems.iter().any(|p| p == problem),
            "{problem}\nnot in {:#?}",
            checked.problems
        );
    }
    assert_eq!(checked.items, 2);
}

#[test]
fn strict_rss_checker_catches_rss_2_violations() {
    let xml = r#"<rss version="2.0"><channel><title>t</title><link>https://x.example/</link>
      <item><guid>g</guid><pubDate>25/11/2026</pubDate><source url="file:///spool">S</source></item>
      <item><title>b</title><guid isPermaLink="false">g</guid><pubDate>Wed, 25 Nov 2026 09:00:00 GMT</pubDate></item>
    </channel></rss>"#;
    let checked = xml_check(xml, strict_rss::check);
    let expected = [
        "channel: needs exactly one <description>",
        "item 0 (g): neither <title> nor <description>",
        "item 0 (g): permalink <guid> is not a URL",
        "item 0 (g): <pubDate> \"25/11/2026\" is not RFC 822",
        "item 0 (g): <source url> is not an absolute http(s) URL",
        "item 1 (g): <guid> repeats an earlier item's",
        "item 1 (g): no <source> attribution",
    ];
    for problem in expected {
        assert!(
            checked.problems.iter().any(|p| p == problem),
            "{problem}\nnot in {:#?}",
            checked.problems
        );
    }
}

#[test]
fn strict_json_checker_catches_json_feed_violations() {
    let feed = serde_json::json!({
        "version": "https://jsonfeed.org/version/1",
        "title": "t",
        "items": [
            {"id": 7, "content_html": "x", "authors": [{"name": "A"}], "_wirefeed": {"source": {"feed_id": "f"}}},
            {"id": "b", "date_published": "yesterday", "authors": {"name": "A"}}
        ]
    });
    let checked = strict_json::check(&feed);
    let expected = [
        "feed: version \"https://jsonfeed.org/version/1\", expected https://jsonfeed.org/version/1.1",
        "item 0 (7): id is not a non-empty string",
        "item 1 (\"b\"): neither content_html nor content_text",
        "item 1 (\"b\"): date_published \"yesterday\" is not RFC 3339",
        "item 1 (\"b\"): authors is not an array of author objects",
        "item 1 (\"b\"): no _wirefeed object with source.feed_id",
    ];
    for problem in expected {
        assert!(
            checked.problems.iter().any(|p| p == problem),
            "{problem}\nnot in {:#?}",
            checked.problems
        );
    }
}

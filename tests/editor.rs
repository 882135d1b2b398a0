//! `wirefeed add`, `import` and `export-opml` as an editor runs them: the real
//! binary against the real test HTTP server on 127.0.0.1.

mod support;

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use support::http_server::{Route, TestServer};

/// A feeds.toml as an editor keeps it: comments, blank lines, odd spacing.
const FEEDS_TOML: &str = r#"# Newsroom feeds. Ask the desk before removing one.

[site]
title = "Example News"
base_url = "https://feeds.example.org/"

[defaults]
allow_private = true    # the agencies are test servers on 127.0.0.1

[[section]]
slug = "politics"
title = "Politics"

[[section]]
slug = "sports"
title = "Sports"

# Agencies.
[[feed]]
id   = "agency-wire"            # from the old system
url  = "{agency}"
section = "politics"
"#;

fn wirefeed(args: &[&str], dir: &Path) -> Output {
    Command::new(env!("CARGO_BIN_EXE_wirefeed"))
        .args(args)
        .current_dir(dir)
        .env("RUST_LOG", "warn")
        .output()
        .expect("run wirefeed")
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

fn fixture(path: &str) -> Vec<u8> {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(path);
    std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// A server with an agency feed, a partner home page linking its Atom feed
/// (relative href) and an RSS one, and the feeds.toml above in a temp dir.
struct Newsroom {
    server: TestServer,
    dir: tempfile::TempDir,
    config: PathBuf,
    original: String,
}

impl Newsroom {
    fn new() -> Newsroom {
        let server = TestServer::start();
        server.set(
            "/agency.rss",
            Route::ok(fixture("pipeline/agency.rss"), "application/rss+xml"),
        );
        server.set(
            "/partner/atom.xml",
            Route::ok(fixture("pipeline/partner.atom"), "application/atom+xml"),
        );
        server.set(
            "/partner/",
            Route::ok(
                r#"<!doctype html><html><head><title>Partner</title>
                <link rel="alternate" type="application/atom+xml" title="Partner Atom" href="atom.xml">
                <link rel="alternate" type="application/rss+xml" title="Partner RSS" href="/partner/rss">
                </head><body>Partner home</body></html>"#,
                "text/html; charset=utf-8",
            ),
        );
        let dir = tempfile::tempdir().expect("temp dir");
        let config = dir.path().join("feeds.toml");
        let original = FEEDS_TOML.replace("{agency}", &server.url("/agency.rss"));
        std::fs::write(&config, &original).expect("write feeds.toml");
        Newsroom {
            server,
            dir,
            config,
            original,
        }
    }

    fn run(&self, args: &[&str]) -> Output {
        let mut all = args.to_vec();
        all.extend(["--config", self.config.to_str().expect("utf-8 path")]);
        wirefeed(&all, self.dir.path())
    }

    fn feeds_toml(&self) -> String {
        std::fs::read_to_string(&self.config).expect("read feeds.toml")
    }
}

#[test]
fn add_of_a_home_page_appends_exactly_its_feed_and_the_file_still_checks() {
    let room = Newsroom::new();
    let out = room.run(&["add", &room.server.url("/partner/"), "--section", "sports"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));

    let atom = room.server.url("/partner/atom.xml");
    let expected = format!(
        "{}\n[[feed]]\nid = \"partner-daily\"\nname = \"Partner Daily\"\nurl = \"{atom}\"\nsection = \"sports\"\n",
        room.original
    );
    assert_eq!(room.feeds_toml(), expected);

    let stdout = text(&out.stdout);
    assert!(
        stdout.contains("added [[feed]] `partner-daily`"),
        "{stdout}"
    );
    assert!(
        stdout.contains(&format!("found on {}", room.server.url("/partner/"))),
        "{stdout}"
    );
    assert!(
        stdout.contains(&room.server.url("/partner/rss")),
        "other link listed: {stdout}"
    );
    // Fetched once to check it, through the pipeline's fetcher.
    assert_eq!(room.server.requests("/partner/atom.xml").len(), 1);
    assert!(room.server.requests("/partner/rss").is_empty());

    let check = room.run(&["check"]);
    assert_eq!(check.status.code(), Some(0), "{}", text(&check.stderr));
    assert!(
        text(&check.stdout).contains("ok (2 feeds"),
        "{}",
        text(&check.stdout)
    );
}

#[test]
fn add_of_a_configured_url_or_id_exits_1_and_leaves_the_file_alone() {
    let room = Newsroom::new();
    let agency = room.server.url("/agency.rss");

    let out = room.run(&["add", &agency]);
    assert_eq!(out.status.code(), Some(1));
    let stderr = text(&out.stderr);
    assert!(
        stderr.contains(&format!(
            "{agency} is already configured as feed `agency-wire` (line 20"
        )),
        "{stderr}"
    );

    let out = room.run(&["add", &room.server.url("/partner/"), "--id", "agency-wire"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        text(&out.stderr).contains("feed id `agency-wire` is already used"),
        "{}",
        text(&out.stderr)
    );

    let out = room.run(&["add", &room.server.url("/partner/"), "--section", "sport"]);
    assert_eq!(out.status.code(), Some(1));
    let stderr = text(&out.stderr);
    assert!(
        stderr.contains("section `sport` is not declared"),
        "{stderr}"
    );
    assert!(
        stderr.contains("did you mean `sports`? declared sections: politics, sports"),
        "{stderr}"
    );

    assert_eq!(room.feeds_toml(), room.original);
    // Refused before anything was fetched.
    assert!(room.server.requests("/partner/").is_empty());
}

#[test]
fn add_of_a_page_without_feed_links_says_so() {
    let room = Newsroom::new();
    room.server.set(
        "/plain/",
        Route::ok(
            "<!doctype html><html><head><title>x</title></head><body>hi</body></html>",
            "text/html",
        ),
    );
    let out = room.run(&["add", &room.server.url("/plain/")]);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        text(&out.stderr).contains("links none"),
        "{}",
        text(&out.stderr)
    );
    assert_eq!(room.feeds_toml(), room.original);
}

#[test]
fn import_reports_what_it_added_and_what_it_skipped_and_why() {
    let room = Newsroom::new();
    let opml = format!(
        r#"<?xml version="1.0"?>
<opml version="2.0"><head><title>Reader</title></head><body>
  <outline text="sports">
    <outline type="rss" text="Partner Daily" xmlUrl="{partner}"/>
    <outline type="rss" text="Gone" xmlUrl="{gone}"/>
  </outline>
  <outline text="Weather">
    <outline type="rss" text="Agency Wire" xmlUrl="{page}"/>
  </outline>
  <outline type="rss" text="Again" xmlUrl="{agency}"/>
  <outline type="rss" text="Again in this file" xmlUrl="{partner}"/>
  <outline type="rss" text="Typo" xmlUrl="htp//nowhere"/>
  <outline text="Just a bookmark"/>
</body></opml>"#,
        partner = room.server.url("/partner/atom.xml"),
        gone = room.server.url("/gone.rss"),
        page = room.server.url("/agency-home/"),
        agency = room.server.url("/agency.rss"),
    );
    // A page on another path linking a second copy of the agency feed.
    room.server.set(
        "/agency-copy.rss",
        Route::ok(fixture("pipeline/agency.rss"), "application/rss+xml"),
    );
    room.server.set(
        "/agency-home/",
        Route::ok(
            r#"<html><head><link rel="alternate" type="application/rss+xml" href="/agency-copy.rss"></head></html>"#,
            "text/html",
        ),
    );
    let opml_path = room.dir.path().join("reader.opml");
    std::fs::write(&opml_path, opml).expect("write opml");

    let out = room.run(&["import", opml_path.to_str().expect("utf-8")]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let report = text(&out.stdout);
    let lines: Vec<&str> = report.lines().collect();
    assert_eq!(lines[0], "2 added, 5 skipped", "{report}");
    let skipped: Vec<&str> = lines
        .iter()
        .filter_map(|l| l.strip_prefix("  skipped "))
        .collect();
    let in_order = [
        "Gone <",
        "Again <",
        "Again in this file <",
        "Typo <",
        "Just a bookmark:",
    ];
    assert_eq!(skipped.len(), in_order.len(), "{report}");
    for (line, start) in skipped.iter().zip(in_order) {
        assert!(line.starts_with(start), "skips in document order: {report}");
    }
    assert!(
        report.contains("added   partner-daily [sports] Partner Daily"),
        "{report}"
    );
    assert!(
        report.contains("added   agency-wire-2 [-] Agency Wire"),
        "{report}"
    );
    assert!(
        report.contains("note: id `agency-wire` is taken, used `agency-wire-2`"),
        "{report}"
    );
    assert!(
        report.contains("note: category `Weather` matches no declared section"),
        "{report}"
    );
    assert!(
        report.contains("is a page; added the feed it links"),
        "{report}"
    );
    assert!(
        report.contains("skipped Gone") && report.contains("check failed"),
        "{report}"
    );
    assert!(
        report.contains("skipped Again <")
            && report.contains("duplicate URL: already feed `agency-wire`"),
        "{report}"
    );
    assert!(
        report.contains("skipped Again in this file")
            && report.contains("listed earlier in the OPML file"),
        "{report}"
    );
    assert!(
        report.contains("skipped Typo <htp//nowhere>: bad URL"),
        "{report}"
    );
    assert!(
        report.contains("skipped Just a bookmark: no xmlUrl"),
        "{report}"
    );

    let edited = room.feeds_toml();
    assert!(
        edited.starts_with(&room.original),
        "existing text kept:\n{edited}"
    );
    assert!(edited.contains(&format!(
        "url = \"{}\"",
        room.server.url("/agency-copy.rss")
    )));
    let check = room.run(&["check"]);
    assert_eq!(check.status.code(), Some(0), "{}", text(&check.stderr));
}

#[test]
fn exported_opml_imports_into_an_empty_config_with_the_same_urls() {
    let dir = tempfile::tempdir().expect("temp dir");
    let full = dir.path().join("full.toml");
    let sections = "[[section]]\nslug = \"politics\"\ntitle = \"Politics & Power\"\n\n[[section]]\nslug = \"sports\"\ntitle = \"Sports\"\n";
    let site = "[site]\ntitle = \"Example <News>\"\nbase_url = \"https://feeds.example.org/\"\n\n";
    std::fs::write(
        &full,
        format!(
            "{site}{sections}
[[feed]]
id = \"ap\"
name = \"AP \\\"World\\\" & more\"
url = \"https://agency.example/world.rss?a=1&b=2\"
section = \"politics\"
home_url = \"https://agency.example/\"

[[feed]]
id = \"sport\"
url = \"https://sport.example/atom\"
section = \"sports\"

[[feed]]
id = \"blog\"
name = \"Blog\"
url = \"https://blog.example/feed.json\"

[[feed]]
id = \"off\"
url = \"https://off.example/rss\"
enabled = false
"
        ),
    )
    .expect("write");
    let out = wirefeed(
        &["export-opml", "--config", full.to_str().expect("utf-8")],
        dir.path(),
    );
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let opml = text(&out.stdout);
    assert!(opml.contains("<opml version=\"2.0\">"), "{opml}");
    assert!(
        opml.contains("xmlUrl=\"https://agency.example/world.rss?a=1&amp;b=2\""),
        "{opml}"
    );
    assert!(
        !opml.contains("off.example"),
        "disabled feeds are not exported: {opml}"
    );

    let opml_path = dir.path().join("export.opml");
    let written = wirefeed(
        &[
            "export-opml",
            "--config",
            full.to_str().expect("utf-8"),
            "-o",
            opml_path.to_str().expect("utf-8"),
        ],
        dir.path(),
    );
    assert_eq!(written.status.code(), Some(0), "{}", text(&written.stderr));
    assert_eq!(std::fs::read_to_string(&opml_path).expect("read"), opml);

    let empty = dir.path().join("empty.toml");
    std::fs::write(&empty, format!("{site}{sections}")).expect("write");
    let out = wirefeed(
        &[
            "import",
            opml_path.to_str().expect("utf-8"),
            "--no-check",
            "--config",
            empty.to_str().expect("utf-8"),
        ],
        dir.path(),
    );
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert!(
        text(&out.stdout).starts_with("3 added, 0 skipped"),
        "{}",
        text(&out.stdout)
    );

    let load = |path: &Path| {
        let (config, _) = wirefeed::config::load(path).unwrap_or_else(|p| panic!("{p}"));
        config
            .feeds
            .into_iter()
            .filter(|f| f.enabled)
            .map(|f| (f.url, f.name, f.section))
            .collect::<BTreeSet<_>>()
    };
    let (before, after) = (load(&full), load(&empty));
    assert_eq!(after, before);
}

#[test]
fn add_of_a_feed_url_takes_the_given_id_and_no_section() {
    let room = Newsroom::new();
    let atom = room.server.url("/partner/atom.xml");
    let out = room.run(&["add", &atom, "--id", "partner"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert_eq!(
        room.feeds_toml(),
        format!(
            "{}\n[[feed]]\nid = \"partner\"\nname = \"Partner Daily\"\nurl = \"{atom}\"\n",
            room.original
        )
    );
    assert!(
        !text(&out.stdout).contains("found on"),
        "{}",
        text(&out.stdout)
    );

    let out = room.run(&["add", &room.server.url("/partner/"), "--id", "Partner Two"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        text(&out.stderr).contains("may hold only lower-case letters"),
        "{}",
        text(&out.stderr)
    );
}

/// The demo newsroom's feeds.toml: at the top of the clone, or where it
/// lived before it moved there.
fn demo_config() -> PathBuf {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    [
        root.join("feeds.toml"),
        root.join("examples/demo/feeds.toml"),
    ]
    .into_iter()
    .find(|path| path.is_file())
    .expect("the demo feeds.toml, at the top of the clone or in examples/demo/")
}

#[test]
fn the_demo_exported_as_opml_imports_into_an_empty_config_with_the_same_feeds() {
    let demo = demo_config();
    let (demo_config, _) = wirefeed::config::load(&demo).unwrap_or_else(|p| panic!("{p}"));
    let dir = tempfile::tempdir().expect("temp dir");
    let opml_path = dir.path().join("demo.opml");
    let out = wirefeed(
        &[
            "export-opml",
            "--config",
            demo.to_str().expect("utf-8"),
            "-o",
            opml_path.to_str().expect("utf-8"),
        ],
        dir.path(),
    );
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let opml = std::fs::read_to_string(&opml_path).expect("read the export");
    assert!(
        !opml.contains("xmlUrl=\"file:feeds/"),
        "no relative file: URL: {opml}"
    );
    assert!(opml.contains("xmlUrl=\"file:///"), "{opml}");

    // Elsewhere on the same machine: the demo's sections and a file_roots
    // that allows the demo's folders, but no feeds.
    let roots: BTreeSet<String> = demo_config
        .feeds
        .iter()
        .filter_map(|feed| feed.file_root.as_ref())
        .map(|root| {
            format!(
                "{:?}",
                std::path::absolute(root)
                    .expect("absolute")
                    .display()
                    .to_string()
            )
        })
        .collect();
    let mut empty_text = format!(
        "[site]\ntitle = \"Elsewhere\"\nbase_url = \"https://elsewhere.example/\"\nfile_roots = [{}]\n",
        roots.into_iter().collect::<Vec<_>>().join(", ")
    );
    for section in &demo_config.sections {
        empty_text.push_str(&format!(
            "\n[[section]]\nslug = {:?}\ntitle = {:?}\n",
            section.slug, section.title
        ));
    }
    let empty = dir.path().join("feeds.toml");
    std::fs::write(&empty, &empty_text).expect("write");
    // Checking on: each file must be there.
    let out = wirefeed(
        &[
            "import",
            opml_path.to_str().expect("utf-8"),
            "--config",
            "feeds.toml",
        ],
        dir.path(),
    );
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert!(
        text(&out.stdout).contains(" 0 skipped"),
        "{}",
        text(&out.stdout)
    );

    let feeds = |config: wirefeed::config::Config| {
        config
            .feeds
            .into_iter()
            .filter(|f| f.enabled)
            .map(|f| {
                let wirefeed::config::SourceLocation::File(path) = f.location else {
                    panic!("the demo reads only local files: {}", f.url)
                };
                (
                    std::path::absolute(path).expect("absolute"),
                    f.name,
                    f.section,
                )
            })
            .collect::<BTreeSet<_>>()
    };
    let (imported, _) = wirefeed::config::load(&empty).unwrap_or_else(|p| panic!("{p}"));
    let before = feeds(demo_config);
    assert!(!before.is_empty());
    assert_eq!(feeds(imported), before);
}

#[test]
fn an_import_that_skips_every_outline_exits_1_with_the_reasons() {
    let room = Newsroom::new();
    let outside = tempfile::tempdir().expect("temp dir");
    let stray = outside.path().join("stray.rss");
    std::fs::write(&stray, fixture("pipeline/agency.rss")).expect("write");
    let stray_url = url::Url::from_file_path(&stray).expect("absolute");
    let opml = format!(
        r#"<?xml version="1.0"?>
<opml version="2.0"><head><title>Old export</title></head><body>
  <outline type="rss" text="Relative" xmlUrl="file:feeds/wire-world.rss"/>
  <outline type="rss" text="Outside the roots" xmlUrl="{stray_url}"/>
</body></opml>"#
    );
    let opml_path = room.dir.path().join("old.opml");
    std::fs::write(&opml_path, opml).expect("write opml");

    let out = room.run(&["import", opml_path.to_str().expect("utf-8")]);
    let stderr = text(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert!(stderr.contains("nothing imported"), "{stderr}");
    assert!(
        stderr.contains("skipped Relative <file:feeds/wire-world.rss>: bad URL")
            && stderr.contains("file:///absolute/path"),
        "{stderr}"
    );
    assert!(
        stderr.contains("skipped Outside the roots <") && stderr.contains("file_roots"),
        "{stderr}"
    );
    assert_eq!(room.feeds_toml(), room.original);
}

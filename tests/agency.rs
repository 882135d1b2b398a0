//! Agency formats through the whole pipeline: ninjs and NewsML-G2 items
//! fetched over HTTP and from a spool folder, published with their pictures,
//! urgency and rules, and their editorial signals (withheld, kill, embargo)
//! honoured across cycles of the real `once`.

mod support;

use std::path::{Path, PathBuf};

use support::newsroom::{Newsroom, item, titles};
use support::skip;

fn fixture(path: &str) -> String {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/agency")
        .join(path);
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// Every file the publish wrote, as text.
fn every_output(newsroom: &Newsroom) -> String {
    let mut all = String::new();
    let mut folders = vec![newsroom.output_path("")];
    while let Some(folder) = folders.pop() {
        for entry in std::fs::read_dir(&folder).expect("output folder") {
            let path = entry.expect("entry").path();
            if path.is_dir() {
                folders.push(path);
            } else {
                all.push_str(&std::fs::read_to_string(&path).unwrap_or_default());
            }
        }
    }
    all
}

fn all_titles(newsroom: &Newsroom) -> Vec<String> {
    titles(&newsroom.items("all.json"))
}

#[test]
fn agency_items_over_http_are_published_with_pictures_urgency_and_rules() {
    let mut newsroom = Newsroom::new();
    let array = format!(
        "[{}, {}]",
        fixture("ninjs/text-with-picture-2.json"),
        fixture("ninjs/flash-1x.json")
    );
    newsroom.serve("/wire/items", array.into_bytes(), "application/json");
    newsroom.serve(
        "/g2/flash",
        fixture("newsml/flash.xml").into_bytes(),
        "application/vnd.iptc.g2.newsitem+xml",
    );
    let ninjs_url = newsroom.url("/wire/items");
    newsroom.raw_feed(&format!(
        "[[feed]]\nid = \"wire\"\nurl = \"{ninjs_url}\"\nsection = \"politics\"\nbreaking_urgency = 1\n\n\
         \x20 [[feed.rule]]\n  category = \"armed conflict\"\n  tags = [\"Conflict\"]\n\n\
         \x20 [[feed.rule]]\n  category = \"medtop:20000151\"\n  tags = [\"Earthquakes\"]\n"
    ));
    let g2_url = newsroom.url("/g2/flash");
    newsroom.raw_feed(&format!(
        "[[feed]]\nid = \"g2\"\nurl = \"{g2_url}\"\nformat = \"newsml-g2\"\nsection = \"politics\"\n"
    ));
    let report = newsroom.once();
    assert!(report.failed.is_empty(), "{:?}", report.failed);

    let all = all_titles(&newsroom);
    for title in [
        "Ceasefire talks resume in Cairo as mediators press for a deal",
        "FLASH: Strong earthquake shakes eastern Turkey",
        "FLASH: Strong earthquake hits Tokyo",
    ] {
        assert!(
            all.iter().any(|t| t == title),
            "{title} missing from {all:?}"
        );
    }
    // Urgency 1 is breaking everywhere; the Cairo story's 3 is not, because
    // this feed sets breaking_urgency = 1.
    let breaking = titles(&newsroom.items("breaking.json"));
    assert!(
        breaking.iter().any(|t| t.contains("eastern Turkey")),
        "{breaking:?}"
    );
    assert!(
        breaking.iter().any(|t| t.contains("hits Tokyo")),
        "{breaking:?}"
    );
    assert!(
        !breaking.iter().any(|t| t.contains("Cairo")),
        "{breaking:?}"
    );

    // A subject's name matched a rule.
    // A subject's code matched a rule: the 1.x scheme + code became the
    // qcode a NewsML-G2 item would carry.
    let quakes = titles(&newsroom.items("tags/earthquakes.json"));
    assert_eq!(quakes, ["FLASH: Strong earthquake shakes eastern Turkey"]);
    let conflict = titles(&newsroom.items("tags/conflict.json"));
    assert_eq!(
        conflict,
        ["Ceasefire talks resume in Cairo as mediators press for a deal"]
    );

    let items = newsroom.items("all.json");
    let cairo = item(&items, "Ceasefire talks");
    assert_eq!(cairo["image"], "https://cdn.wire.example/cairo-1600.jpg");
    let published = every_output(&newsroom);
    assert!(
        !published.contains("NOT FOR PUBLICATION"),
        "an ednote reached the published files"
    );
    assert!(
        published.contains("within reach"),
        "the HTML body is published"
    );

    // One ninjs file per published article, carrying its attribution.
    let files: Vec<PathBuf> = items
        .iter()
        .map(|item| {
            let id = item["id"].as_str().expect("item id");
            newsroom.output_path(&format!("ninjs/{id}.json"))
        })
        .collect();
    for file in &files {
        assert!(file.is_file(), "{} missing", file.display());
    }
    let cairo_id = cairo["id"].as_str().expect("id");
    let ninjs: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(newsroom.output_path(&format!("ninjs/{cairo_id}.json")))
            .expect("read ninjs"),
    )
    .expect("ninjs is JSON");
    assert_eq!(
        ninjs["headlines"][0]["value"],
        "Ceasefire talks resume in Cairo as mediators press for a deal"
    );
    assert_eq!(ninjs["infosources"][0]["literal"], "wire");
    assert_eq!(ninjs["urgency"], 3);
    assert_eq!(ninjs["located"], "Cairo");
    assert_eq!(
        ninjs["associations"][0]["renditions"][0]["href"],
        "https://cdn.wire.example/cairo-1600.jpg"
    );
    assert!(ninjs.get("ednote").is_none());
    validate_against_ninjs_schema(&files);
}

/// Runs `tests/agency/validate_ninjs.py` (Python jsonschema) over `files`
/// with IPTC's ninjs 2.0 schema from `../shared/agency-formats`; skips, saying
/// why, without the schema (a user's clone) or without jsonschema, unless
/// WIREFEED_REQUIRE_ALL=1 (CI) demands the validator.
fn validate_against_ninjs_schema(files: &[PathBuf]) {
    let schema = skip::shared_folder("WIREFEED_AGENCY_FORMATS", "agency-formats")
        .join("ninjs/schema/ninjs-schema_2.0.json");
    if !schema.is_file() {
        skip::skip_or_fail(&format!("no ninjs schema at {}", schema.display()));
        return;
    }
    let python = std::env::var("WIREFEED_PYTHON").unwrap_or_else(|_| "python3".to_owned());
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/agency/validate_ninjs.py");
    let output = std::process::Command::new(&python)
        .arg(&script)
        .arg(&schema)
        .args(files)
        .output();
    match output {
        Ok(output) => {
            let report = String::from_utf8_lossy(&output.stdout);
            match output.status.code() {
                Some(0) => eprintln!("{report}"),
                // The script's "no jsonschema here".
                Some(77) => skip::skip_or_fail(report.trim()),
                _ => panic!(
                    "ninjs files fail the IPTC schema:\n{report}{}",
                    String::from_utf8_lossy(&output.stderr)
                ),
            }
        }
        Err(error) => skip::skip_or_fail(&format!("no {python}: {error}")),
    }
}

struct Spool {
    newsroom: Newsroom,
    folder: PathBuf,
}

impl Spool {
    fn new() -> Spool {
        let mut newsroom = Newsroom::new();
        let folder = newsroom.dir.path().join("agency-spool");
        std::fs::create_dir_all(&folder).expect("spool folder");
        newsroom.raw_feed(
            "[[feed]]\nid = \"wire\"\nurl = \"file:agency-spool\"\nsection = \"politics\"\n",
        );
        Spool { newsroom, folder }
    }

    /// Drops `text` into the spool as `name`, replacing what was there: an
    /// agency re-sending the item.
    fn drop(&self, name: &str, text: &str) {
        std::fs::write(self.folder.join(name), text).expect("write to the spool");
    }

    fn titles(&self) -> Vec<String> {
        let report = self.newsroom.once();
        assert!(report.failed.is_empty(), "{:?}", report.failed);
        all_titles(&self.newsroom)
    }
}

fn ninjs_version(status: &str, versioncreated: &str, headline: &str) -> String {
    format!(
        r#"{{"uri": "urn:newsml:wire.example:quote", "versioncreated": "{versioncreated}",
            "pubstatus": "{status}", "headlines": [{{"value": "{headline}"}}],
            "bodies": [{{"contenttype": "text/html", "value": "<p>{headline}.</p>"}}]}}"#
    )
}

#[test]
fn withheld_stories_leave_the_feeds_until_released_and_kills_are_final() {
    let spool = Spool::new();
    spool.drop("other.xml", &fixture("newsml/flash.xml"));
    spool.drop(
        "quote.json",
        &ninjs_version(
            "usable",
            "2026-11-25T10:00:00Z",
            "Minister says talks failed",
        ),
    );
    assert!(
        spool
            .titles()
            .contains(&"Minister says talks failed".to_owned())
    );

    spool.drop(
        "quote.json",
        &ninjs_version(
            "withheld",
            "2026-11-25T10:15:00Z",
            "Minister says talks failed",
        ),
    );
    let titles = spool.titles();
    assert!(
        !titles.iter().any(|t| t.contains("Minister")),
        "withheld: {titles:?}"
    );
    assert!(
        titles.contains(&"FLASH: Strong earthquake hits Tokyo".to_owned()),
        "the others stay"
    );

    spool.drop(
        "quote.json",
        &ninjs_version(
            "usable",
            "2026-11-25T10:30:00Z",
            "Minister says talks stalled",
        ),
    );
    assert!(
        spool
            .titles()
            .contains(&"Minister says talks stalled".to_owned()),
        "released"
    );

    spool.drop(
        "quote.json",
        &ninjs_version("canceled", "2026-11-25T11:00:00Z", "KILLED"),
    );
    assert!(
        !spool
            .titles()
            .iter()
            .any(|t| t.contains("Minister") || t.contains("KILLED"))
    );

    // The original, re-delivered late, and a newer usable version: the kill holds.
    for (versioncreated, headline) in [
        ("2026-11-25T10:00:00Z", "Minister says talks failed"),
        ("2026-11-25T12:00:00Z", "Minister says talks resumed"),
    ] {
        spool.drop(
            "quote.json",
            &ninjs_version("usable", versioncreated, headline),
        );
        let titles = spool.titles();
        assert!(!titles.iter().any(|t| t.contains("Minister")), "{titles:?}");
    }
    let output = every_output(&spool.newsroom);
    assert!(
        !output.contains("Minister"),
        "not in the feeds, nor in ninjs/"
    );
    let ninjs = std::fs::read_dir(spool.newsroom.output_path("ninjs"))
        .expect("ninjs folder")
        .count();
    assert_eq!(ninjs, 1, "only the Tokyo flash keeps a ninjs file");
}

#[test]
fn a_newsml_kill_takes_down_the_story_its_withheld_version_held_back() {
    let spool = Spool::new();
    spool.drop("crash.xml", &fixture("newsml/withheld.xml"));
    assert!(!spool.titles().iter().any(|t| t.contains("crash")));
    spool.drop("crash.xml", &fixture("newsml/canceled.xml"));
    assert!(!spool.titles().iter().any(|t| t.contains("crash")));
}

#[test]
fn an_embargoed_story_is_published_by_the_first_run_after_its_embargo() {
    let spool = Spool::new();
    let lifts = chrono::Utc::now() + chrono::Duration::seconds(2);
    let item = format!(
        r#"{{"uri": "urn:newsml:wire.example:budget", "versioncreated": "2026-11-25T06:00:00Z",
            "embargoed": "{}", "headlines": [{{"value": "Budget figures released"}}],
            "bodies": [{{"value": "The figures."}}]}}"#,
        lifts.to_rfc3339()
    );
    spool.drop("budget.json", &item);
    assert!(
        !spool.titles().iter().any(|t| t.contains("Budget")),
        "not before its embargo"
    );
    assert!(!every_output(&spool.newsroom).contains("Budget figures"));

    std::thread::sleep(std::time::Duration::from_millis(2100));
    // Nothing new in the spool: the run publishes it because its time came.
    let report = spool.newsroom.once();
    assert_eq!(report.not_modified, 1);
    let items = spool.newsroom.items("all.json");
    let budget = item_named(&items, "Budget figures released");
    let published = chrono::DateTime::parse_from_rfc3339(
        budget["date_published"].as_str().expect("date_published"),
    )
    .expect("RFC 3339");
    assert!(
        (published.timestamp() - lifts.timestamp()).abs() <= 1,
        "published when its embargo lifted, not when it was filed: {published}"
    );
}

fn item_named<'a>(items: &'a [serde_json::Value], title: &str) -> &'a serde_json::Value {
    item(items, title)
}

#[test]
fn the_daemon_wakes_to_publish_a_story_when_its_embargo_lifts() {
    let mut newsroom = Newsroom::new();
    let folder = newsroom.dir.path().join("agency-spool");
    std::fs::create_dir_all(&folder).expect("spool folder");
    // Fetched at start, then not for a year: only the embargo can wake it.
    newsroom.raw_feed(
        "[[feed]]\nid = \"wire\"\nurl = \"file:agency-spool\"\nsection = \"politics\"\nschedule = \"0 0 1 1 *\"\n",
    );
    let lifts = chrono::Utc::now() + chrono::Duration::seconds(3);
    let embargoed = format!(
        r#"{{"uri": "urn:newsml:wire.example:rates", "versioncreated": "2026-11-25T06:00:00Z",
            "embargoed": "{}", "headlines": [{{"value": "Central bank cuts rates"}}],
            "bodies": [{{"value": "Rates were cut."}}]}}"#,
        lifts.to_rfc3339()
    );
    std::fs::write(folder.join("rates.json"), embargoed).expect("spool item");
    std::fs::write(folder.join("flash.xml"), fixture("newsml/flash.xml")).expect("spool item");

    let mut daemon = std::process::Command::new(env!("CARGO_BIN_EXE_wirefeed"))
        .args(["run", "--config"])
        .arg(newsroom.config_path())
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .expect("start wirefeed run");
    let all = newsroom.output_path("all.json");
    let read_all = || std::fs::read_to_string(&all).unwrap_or_default();
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
    let mut seen_before = false;
    let mut seen_after = false;
    while std::time::Instant::now() < deadline {
        let text = read_all();
        if text.contains("hits Tokyo") && chrono::Utc::now() < lifts {
            assert!(
                !text.contains("Central bank"),
                "published before its embargo"
            );
            seen_before = true;
        }
        if text.contains("Central bank cuts rates") {
            seen_after = true;
            break;
        }
        std::thread::sleep(std::time::Duration::from_millis(100));
    }
    let _ = daemon.kill();
    let _ = daemon.wait();
    assert!(
        seen_before,
        "the start-up publish came after the embargo: the test proves nothing"
    );
    assert!(
        seen_after,
        "the embargoed story was not published after its embargo lifted"
    );
}

/// Sets `path`'s modification time a minute back: a file whose upload
/// finished long ago.
fn settled(path: &Path) {
    let file = std::fs::File::options()
        .write(true)
        .open(path)
        .expect("open to set its time");
    file.set_modified(std::time::SystemTime::now() - std::time::Duration::from_secs(60))
        .expect("set the modification time");
}

#[test]
fn a_drop_folder_reads_settled_files_once_and_moves_them_to_processed_or_failed() {
    let mut newsroom = Newsroom::new();
    let folder = newsroom.dir.path().join("drop");
    std::fs::create_dir_all(&folder).expect("drop folder");
    newsroom.raw_feed(
        "[[feed]]\nid = \"wire\"\nurl = \"file:drop\"\nsection = \"politics\"\nspool = \"move\"\n",
    );
    let write = |name: &str, text: &str, settle: bool| {
        let path = folder.join(name);
        std::fs::write(&path, text).expect("drop a file");
        if settle {
            settled(&path);
        }
    };
    write("flash.xml", &fixture("newsml/flash.xml"), true);
    write(
        "cairo.json",
        &fixture("ninjs/text-with-picture-2.json"),
        true,
    );
    write("broken.xml", &fixture("newsml/truncated.xml"), true);
    // Still arriving over FTP: half of a story.
    let whole = fixture("ninjs/flash-1x.json");
    write("uploading.json", &whole[..whole.len() / 2], false);

    let report = newsroom.once();
    assert!(report.failed.is_empty(), "{:?}", report.failed);
    let titles = all_titles(&newsroom);
    assert_eq!(titles.len(), 2, "{titles:?}");
    let names = |sub: &str| -> Vec<String> {
        let mut names: Vec<String> = std::fs::read_dir(folder.join(sub))
            .map(|entries| {
                entries
                    .flatten()
                    .filter(|e| e.path().is_file())
                    .map(|e| e.file_name().to_string_lossy().into_owned())
                    .collect()
            })
            .unwrap_or_default();
        names.sort();
        names
    };
    assert_eq!(names("processed"), ["cairo.json", "flash.xml"]);
    assert_eq!(names("failed"), ["broken.xml"]);
    assert_eq!(
        names(""),
        ["uploading.json"],
        "the upload in progress is left alone"
    );

    // The upload completes and settles: read on the next run.
    write("uploading.json", &whole, true);
    newsroom.once();
    assert!(
        all_titles(&newsroom)
            .iter()
            .any(|t| t.contains("eastern Turkey"))
    );
    assert_eq!(names(""), Vec::<String>::new());
    assert_eq!(names("processed").len(), 3);
}

#[test]
fn a_delete_spool_removes_stored_files() {
    let mut newsroom = Newsroom::new();
    let folder = newsroom.dir.path().join("drop");
    std::fs::create_dir_all(&folder).expect("drop folder");
    newsroom.raw_feed(
        "[[feed]]\nid = \"wire\"\nurl = \"file:drop\"\nsection = \"politics\"\nspool = \"delete\"\n",
    );
    let path = folder.join("flash.xml");
    std::fs::write(&path, fixture("newsml/flash.xml")).expect("drop a file");
    settled(&path);
    newsroom.once();
    assert_eq!(
        all_titles(&newsroom),
        ["FLASH: Strong earthquake hits Tokyo"]
    );
    assert!(!path.exists(), "deleted once stored");
    assert!(!folder.join("processed").exists());
    // The next run finds an empty folder: nothing fails, nothing is lost.
    let report = newsroom.once();
    assert!(report.failed.is_empty(), "{:?}", report.failed);
    assert_eq!(
        all_titles(&newsroom),
        ["FLASH: Strong earthquake hits Tokyo"]
    );
}

/// IPTC's published examples, from `../shared/agency-formats` (absent in a
/// user's clone: the test says so and passes, unless WIREFEED_REQUIRE_ALL=1).
fn shared_examples() -> Option<Vec<PathBuf>> {
    let root = skip::shared_folder("WIREFEED_AGENCY_FORMATS", "agency-formats");
    if !root.is_dir() {
        skip::skip_or_fail(&format!("no IPTC examples at {}", root.display()));
        return None;
    }
    let mut files = Vec::new();
    for folder in [
        "ninjs/examples/1.4",
        "ninjs/examples/2.1",
        "newsml-g2/examples",
    ] {
        for entry in std::fs::read_dir(root.join(folder)).expect("examples folder") {
            let path = entry.expect("entry").path();
            if path
                .extension()
                .is_some_and(|ext| ext == "json" || ext == "xml")
            {
                files.push(path);
            }
        }
    }
    files.sort();
    Some(files)
}

#[test]
fn every_published_text_and_picture_example_is_ingested_and_published() {
    let Some(examples) = shared_examples() else {
        return;
    };
    let mut newsroom = Newsroom::new();
    let folder = newsroom.dir.path().join("examples");
    std::fs::create_dir_all(&folder).expect("spool");
    let mut expected = Vec::new();
    for (index, path) in examples.iter().enumerate() {
        let text = std::fs::read_to_string(path).expect("read an example");
        let url = url::Url::from_file_path(path).expect("file url");
        // What the readers make of it decides what must be published: every
        // text or picture item they read (the rest are schemas, concept,
        // planning and package items, refused by the readers' own tests).
        let items = if path.extension().is_some_and(|ext| ext == "json") {
            wirefeed::parse::agency::ninjs::read(&text, &url).unwrap_or_default()
        } else {
            wirefeed::parse::agency::newsml::read(&text, &url).unwrap_or_default()
        };
        if items.is_empty() {
            continue;
        }
        expected.push((path.clone(), items.len()));
        let name = format!(
            "{index:02}-{}",
            path.file_name()
                .expect("name")
                .to_string_lossy()
                .replace(' ', "-")
        );
        std::fs::write(folder.join(name), text).expect("copy into the spool");
    }
    assert!(
        expected.len() >= 30,
        "only {} examples read",
        expected.len()
    );
    newsroom.raw_feed("[[feed]]\nid = \"iptc\"\nurl = \"file:examples\"\nsection = \"politics\"\n");
    let report = newsroom.once();
    assert!(report.failed.is_empty(), "{:?}", report.failed);
    // Some examples share a uri (Business Wire's in 1.4 and 2.1, listings 3
    // and 3A): one article each, the second delivery unchanged.
    let read: usize = expected.iter().map(|(_, items)| items).sum();
    assert_eq!(
        report.new + report.folded + report.unchanged,
        read,
        "{read} items read from {} examples: {report:?}",
        expected.len()
    );
    assert!(report.new >= 25, "{report:?}");
    let published = newsroom.items("all.json");
    assert!(!published.is_empty());
    for item in &published {
        assert!(
            item["_wirefeed"]["source"]["feed_id"] == "iptc",
            "attribution: {item}"
        );
    }
}

//! A newsroom for integration tests: a temporary folder with a feeds.toml,
//! a real HTTP server on 127.0.0.1 serving fixture feeds, and helpers to run a
//! cycle and read the published output back.

use std::path::{Path, PathBuf};

use wirefeed::cycle::CycleReport;

use super::http_server::{Route, TestServer};

pub const SITE: &str = r#"
[site]
title = "Test News"
base_url = "https://feeds.test.example/"
output_dir = "output"
state_dir = "state"
max_items = 50
websub_hub = "https://hub.test.example/"
# Spools are written next to feeds.toml.
file_roots = ["."]

[defaults]
# The feeds are served by a test server on 127.0.0.1.
allow_private = true

[[section]]
slug = "politics"
title = "Politics"

[[section]]
slug = "economy"
title = "Economy"

[[section]]
slug = "sports"
title = "Sports"

[[section]]
slug = "technology"
title = "Technology"

[tags.aliases]
"palestinian territories" = "Palestine"
"#;

/// The agency feed of the fixtures, with mapping rules for every field.
pub const AGENCY: &str = r#"
[[feed]]
id = "agency"
name = "Agency Wire"
url = "{url}"
section = "politics"
kind = "news"
credit = "Source: Agency Wire"
priority = 10

  [[feed.rule]]
  title_matches = "(?i)^sponsored"
  drop = true

  [[feed.rule]]
  category = "Middle East"
  regions = ["MENA"]

  [[feed.rule]]
  category = "Palestinian Territories"
  tags = ["Palestinian Territories"]
  regions = ["Palestine"]

  [[feed.rule]]
  category = "Markets"
  section = "economy"

  [[feed.rule]]
  category = "Sports"
  section = "sports"

  [[feed.rule]]
  title_matches = "(?i)^breaking:"
  breaking = true
"#;

/// The partner feed that republishes some agency stories.
pub const PARTNER: &str = r#"
[[feed]]
id = "partner"
name = "Partner Daily"
url = "{url}"
section = "politics"
credit = "Source: Partner Daily"
priority = 1
"#;

pub struct Newsroom {
    pub dir: tempfile::TempDir,
    pub server: TestServer,
    feeds: Vec<String>,
}

impl Newsroom {
    pub fn new() -> Newsroom {
        Newsroom {
            dir: tempfile::tempdir().expect("temp dir"),
            server: TestServer::start(),
            feeds: Vec::new(),
        }
    }

    pub fn fixture(name: &str) -> Vec<u8> {
        let path = Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("tests/fixtures/pipeline")
            .join(name);
        std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
    }

    /// Serves a fixture file at `path`, with an ETag so repeat fetches get 304.
    pub fn serve_fixture(&self, path: &str, fixture: &str, content_type: &str) {
        self.serve(path, Self::fixture(fixture), content_type);
    }

    /// Serves `body` at `path` with an ETag derived from the bytes.
    pub fn serve(&self, path: &str, body: Vec<u8>, content_type: &str) {
        let hash = body.iter().fold(0xcbf2_9ce4_8422_2325u64, |h, b| {
            (h ^ u64::from(*b)).wrapping_mul(0x0100_0000_01b3)
        });
        let etag = format!("\"{hash:016x}\"");
        self.server
            .set(path, Route::ok(body, content_type).with_etag(&etag));
    }

    pub fn url(&self, path: &str) -> String {
        self.server.url(path)
    }

    /// Adds a `[[feed]]` block; `{url}` in it is replaced by the server URL of `path`.
    pub fn feed(&mut self, path: &str, block: &str) {
        self.feeds.push(block.replace("{url}", &self.url(path)));
    }

    /// Adds a `[[feed]]` block verbatim.
    pub fn raw_feed(&mut self, block: &str) {
        self.feeds.push(block.to_owned());
    }

    pub fn config_path(&self) -> PathBuf {
        let path = self.dir.path().join("feeds.toml");
        let mut text = SITE.to_owned();
        for block in &self.feeds {
            text.push('\n');
            text.push_str(block);
            text.push('\n');
        }
        std::fs::write(&path, text).expect("write feeds.toml");
        path
    }

    /// Runs one cycle in-process, like `wirefeed once`.
    pub fn once(&self) -> CycleReport {
        let (config, _warnings) =
            wirefeed::config::load(&self.config_path()).unwrap_or_else(|p| panic!("{p}"));
        let runtime = tokio::runtime::Runtime::new().expect("runtime");
        runtime
            .block_on(wirefeed::cycle::run_once(&config))
            .expect("cycle runs")
    }

    pub fn output_path(&self, rel: &str) -> PathBuf {
        self.dir.path().join("output").join(rel)
    }

    pub fn output(&self, rel: &str) -> String {
        let path = self.output_path(rel);
        std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
    }

    pub fn json(&self, rel: &str) -> serde_json::Value {
        serde_json::from_str(&self.output(rel)).expect("valid JSON Feed")
    }

    /// The items of a published JSON Feed.
    pub fn items(&self, rel: &str) -> Vec<serde_json::Value> {
        self.json(rel)["items"]
            .as_array()
            .cloned()
            .unwrap_or_default()
    }

    pub fn rss(&self, rel: &str) -> rss::Channel {
        rss::Channel::read_from(self.output(rel).as_bytes()).expect("valid RSS")
    }

    pub fn atom(&self, rel: &str) -> atom_syndication::Feed {
        atom_syndication::Feed::read_from(self.output(rel).as_bytes()).expect("valid Atom")
    }
}

/// Titles of a JSON Feed's items.
pub fn titles(items: &[serde_json::Value]) -> Vec<String> {
    items
        .iter()
        .map(|i| i["title"].as_str().unwrap_or_default().to_owned())
        .collect()
}

/// The item whose title contains `needle`.
pub fn item<'a>(items: &'a [serde_json::Value], needle: &str) -> &'a serde_json::Value {
    items
        .iter()
        .find(|i| i["title"].as_str().is_some_and(|t| t.contains(needle)))
        .unwrap_or_else(|| panic!("no item titled like {needle:?} in {:?}", titles(items)))
}

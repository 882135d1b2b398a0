//! `feeds.toml`: the validated configuration every other stage reads.
//!
//! The types here are the *validated* settings (ripgrep's habit: raw input is
//! kept apart from what the program runs on). `load` turns the text of
//! feeds.toml into them and reports every problem at once, each with file,
//! line and column.

mod auth;
mod load;
mod problem;

pub use auth::{Auth, Secret};
pub(crate) use load::{closest, did_you_mean, is_feed_id};
pub use load::{load, parse_str};
pub use problem::{Problem, Problems, Severity};

use std::collections::BTreeMap;
use std::fmt;
use std::path::{Path, PathBuf};
use std::time::Duration;

use regex::Regex;
use url::Url;

/// Default cap on a feed body, counted on decompressed bytes.
pub const DEFAULT_MAX_BODY: u64 = 10 * 1024 * 1024;
/// Default per-request timeout.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(20);
/// Default schedule: every five minutes.
pub const DEFAULT_SCHEDULE: &str = "*/5 * * * *";
/// Default number of items per published feed.
pub const DEFAULT_MAX_ITEMS: usize = 50;
/// Default number of fetches in flight at once.
pub const DEFAULT_CONCURRENCY: usize = 32;
/// Default number of fetches in flight at once against one host.
pub const DEFAULT_PER_HOST: usize = 4;

/// The whole configuration, validated.
#[derive(Debug, Clone)]
pub struct Config {
    /// The file it was read from (for messages).
    pub path: PathBuf,
    pub site: Site,
    pub defaults: Defaults,
    pub sections: Vec<Section>,
    pub feeds: Vec<FeedConfig>,
    /// Lower-cased alias -> canonical tag name (`[tags.aliases]`).
    pub tag_aliases: BTreeMap<String, String>,
    /// `[server]`: serve the output over HTTP; `None` when the table is absent.
    pub server: Option<ServerConfig>,
    /// `[store]`: where the state lives when not in SQLite under `state_dir`.
    pub store: Option<StoreConfig>,
}

/// `[store]`: a PostgreSQL database shared by several instances.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoreConfig {
    /// `postgres://USER@HOST:PORT/DB` or libpq's `key=value` form, never with
    /// a password (that comes from `PGPASSWORD` or the password file).
    pub url: String,
}

/// `[server]`: the optional HTTP server for `output/`, `/healthz` and `/metrics`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ServerConfig {
    /// Socket address to listen on, such as `127.0.0.1:8080`.
    pub listen: std::net::SocketAddr,
}

/// `[site]`: what is published and where.
#[derive(Debug, Clone)]
pub struct Site {
    pub title: String,
    pub description: Option<String>,
    /// Where `output/` is served; self links are built from it. Always ends in '/'.
    pub base_url: Url,
    /// `output_dir`: a folder (relative paths in feeds.toml are relative to
    /// the folder holding feeds.toml), or `s3://BUCKET/PREFIX`.
    pub output_dir: Output,
    pub state_dir: PathBuf,
    pub max_items: usize,
    /// BCP 47 code used when neither item nor feed says.
    pub language: String,
    /// `websub_hub`: the WebSub hub published feeds name in `rel="hub"` links
    /// and that is pinged when a feed's bytes change. http(s) only.
    pub websub_hub: Option<Url>,
}

/// Where published files go: a local folder, or an S3-compatible bucket.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Output {
    /// A folder on this machine; `[server]` serves it.
    Folder(PathBuf),
    /// `s3://BUCKET/PREFIX`: every file becomes the object `PREFIX/<path>`.
    /// Its own host serves it; `[server]` then serves only `/healthz`,
    /// `/metrics` and `/status`.
    Bucket(Bucket),
}

/// An S3 bucket and the key prefix published files go under.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Bucket {
    /// The bucket's name, as S3 spells it.
    pub name: String,
    /// Segments joined by '/', no leading or trailing '/'; empty for the
    /// bucket's root.
    pub prefix: String,
}

impl Output {
    /// The folder, when the output is one: what the HTTP server can serve
    /// and what a local reader can open.
    pub fn folder(&self) -> Option<&Path> {
        match self {
            Output::Folder(folder) => Some(folder),
            Output::Bucket(_) => None,
        }
    }
}

impl From<PathBuf> for Output {
    fn from(folder: PathBuf) -> Self {
        Output::Folder(folder)
    }
}

/// The folder's path, or the bucket as `s3://BUCKET/PREFIX`: for logs and messages.
impl fmt::Display for Output {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Output::Folder(folder) => write!(f, "{}", folder.display()),
            Output::Bucket(bucket) => write!(f, "{bucket}"),
        }
    }
}

impl fmt::Display for Bucket {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.prefix.is_empty() {
            write!(f, "s3://{}", self.name)
        } else {
            write!(f, "s3://{}/{}", self.name, self.prefix)
        }
    }
}

/// `[defaults]`: settings every feed inherits unless it sets its own.
#[derive(Debug, Clone)]
pub struct Defaults {
    pub schedule: Schedule,
    pub timeout: Duration,
    pub max_body: u64,
    /// Fetches in flight at once, all hosts together.
    pub concurrency: usize,
    /// Fetches in flight at once against one host.
    pub per_host: usize,
    /// `allow_private`: every feed may reach loopback, private, link-local
    /// and unique-local addresses unless it says otherwise. Off by default.
    pub allow_private: bool,
}

/// A cron schedule as written (5 fields, or 6 with seconds) and parsed.
#[derive(Debug, Clone)]
pub struct Schedule {
    /// As the editor wrote it.
    pub expr: String,
    /// Parsed; 5-field expressions are run at second 0.
    pub cron: cron::Schedule,
}

impl Schedule {
    /// The shortest time between two runs, judged over the next few dozen
    /// runs from a fixed date, so the answer is the same on every call.
    pub fn shortest_interval(&self) -> Option<Duration> {
        let start =
            chrono::TimeZone::with_ymd_and_hms(&chrono::Utc, 2024, 1, 1, 0, 0, 0).single()?;
        let runs: Vec<_> = self.cron.after(&start).take(64).collect();
        runs.windows(2)
            .filter_map(|pair| (pair[1] - pair[0]).to_std().ok())
            .min()
    }
}

/// `[[section]]`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Section {
    pub slug: String,
    pub title: String,
}

/// Where a feed is read from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SourceLocation {
    /// http:// or https://
    Http(Url),
    /// A local file, or a folder whose feed files are all read (a spool).
    /// `file:relative/path` is relative to the folder holding feeds.toml.
    File(PathBuf),
}

/// One `[[feed]]`, with defaults applied.
#[derive(Debug, Clone)]
pub struct FeedConfig {
    /// Stable id, used in state and attribution. Lower-case letters, digits, '-', '_'.
    pub id: String,
    /// Outlet name shown in attribution.
    pub name: String,
    /// The URL exactly as written in feeds.toml (for messages and attribution).
    pub url: String,
    pub location: SourceLocation,
    /// The outlet's home page, when the feed's own channel link should not be used.
    pub home_url: Option<Url>,
    pub schedule: Schedule,
    pub timeout: Duration,
    pub max_body: u64,
    /// Default section slug for the feed's items.
    pub section: Option<String>,
    pub kind: Option<String>,
    pub tags: Vec<String>,
    pub regions: Vec<String>,
    pub series: Option<String>,
    pub language: Option<String>,
    /// "Source: AP".
    pub credit: Option<String>,
    pub rights: Option<String>,
    /// Higher wins when duplicates are folded. Default 0.
    pub priority: i64,
    /// Disabled feeds stay in feeds.toml but are not fetched.
    pub enabled: bool,
    pub rules: Vec<Rule>,
    /// `allow_private`: the feed may reach loopback, private, link-local and
    /// unique-local addresses (an internal agency server, a test server).
    pub allow_private: bool,
    /// `auth`: credentials sent to the feed's own origin, never after a redirect elsewhere.
    pub auth: Option<Auth>,
    /// For a file source, the `file_roots` folder (of `[site]`) it lies in; the
    /// fetcher reads it only while its real path (symlinks resolved) stays
    /// inside. `None` means no folder allows it and it is never read.
    pub file_root: Option<PathBuf>,
    /// `format`: what the source delivers; `None` (the default) sniffs each
    /// document.
    pub format: Option<SourceFormat>,
    /// `breaking_urgency`: agency items of this urgency or more urgent (1 is
    /// a flash) are breaking; 0 leaves breaking to the rules.
    pub breaking_urgency: u8,
    /// `spool`: what becomes of a spool folder's files once read.
    pub spool: SpoolMode,
}

/// What becomes of the files of a spool folder (a `file:` source that is a
/// folder) once they are read.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum SpoolMode {
    /// Left in place and read again when they change (`spool = "keep"`): a
    /// folder the operator maintains.
    #[default]
    Keep,
    /// A drop folder (`spool = "move"`): files are read once they have
    /// stopped changing for [`SPOOL_SETTLE`], then moved to `processed/` once
    /// stored, or to `failed/` when they do not parse.
    Move,
    /// Like `Move`, but stored files are deleted (`spool = "delete"`).
    Delete,
}

impl SpoolMode {
    /// The `spool` values feeds.toml accepts.
    pub const NAMES: [&str; 3] = ["keep", "move", "delete"];

    pub fn from_name(name: &str) -> Option<SpoolMode> {
        match name {
            "keep" => Some(SpoolMode::Keep),
            "move" => Some(SpoolMode::Move),
            "delete" => Some(SpoolMode::Delete),
            _ => None,
        }
    }
}

/// How long a file in a drop folder must stay unchanged before it is read:
/// agencies upload over FTP, and a file still growing is half a story.
pub const SPOOL_SETTLE: Duration = Duration::from_secs(2);

/// What a source delivers, for a feed whose documents cannot be told apart
/// by sniffing (`format = "ninjs"`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SourceFormat {
    /// RSS, Atom or JSON Feed (`format = "feed"`).
    Feed,
    /// IPTC ninjs, any version (`format = "ninjs"`).
    Ninjs,
    /// IPTC NewsML-G2 (`format = "newsml-g2"`).
    NewsmlG2,
}

impl SourceFormat {
    /// The `format` values feeds.toml accepts.
    pub const NAMES: [&str; 3] = ["feed", "ninjs", "newsml-g2"];

    pub fn from_name(name: &str) -> Option<SourceFormat> {
        match name {
            "feed" => Some(SourceFormat::Feed),
            "ninjs" => Some(SourceFormat::Ninjs),
            "newsml-g2" => Some(SourceFormat::NewsmlG2),
            _ => None,
        }
    }
}

/// Agency urgencies 1 (flash) to 3 are breaking news unless a feed says otherwise.
pub const DEFAULT_BREAKING_URGENCY: u8 = 3;

impl FeedConfig {
    /// What a `[[feed]]` with only `id` and `url` loads as: schedule, timeout,
    /// body cap and `allow_private` from `defaults`, named after its id,
    /// enabled, nothing else set (so a file source has no root and is not read).
    pub fn with_defaults(
        id: &str,
        url: &str,
        location: SourceLocation,
        defaults: &Defaults,
    ) -> FeedConfig {
        FeedConfig {
            id: id.to_owned(),
            name: id.to_owned(),
            url: url.to_owned(),
            location,
            home_url: None,
            schedule: defaults.schedule.clone(),
            timeout: defaults.timeout,
            max_body: defaults.max_body,
            section: None,
            kind: None,
            tags: Vec::new(),
            regions: Vec::new(),
            series: None,
            language: None,
            credit: None,
            rights: None,
            priority: 0,
            enabled: true,
            rules: Vec::new(),
            allow_private: defaults.allow_private,
            auth: None,
            file_root: None,
            format: None,
            breaking_urgency: DEFAULT_BREAKING_URGENCY,
            spool: SpoolMode::Keep,
        }
    }
}

/// One `[[feed.rule]]`: a match and what it sets. First match wins per field.
#[derive(Debug, Clone)]
pub struct Rule {
    /// 1-based line in feeds.toml, so tools can say which rule fired.
    pub line: usize,
    pub when: RuleMatch,
    pub then: RuleAction,
}

/// All conditions given must hold. A rule with no condition matches every item.
#[derive(Debug, Clone, Default)]
pub struct RuleMatch {
    /// Matches one of the item's categories, case-insensitive, whole name.
    pub category: Option<String>,
    pub title_matches: Option<Regex>,
    pub url_matches: Option<Regex>,
    /// Matches one of the item's authors, case-insensitive.
    pub author: Option<String>,
}

/// What a matching rule sets. `None` leaves the field to later rules / the feed.
#[derive(Debug, Clone, Default)]
pub struct RuleAction {
    pub section: Option<String>,
    pub kind: Option<String>,
    pub tags: Option<Vec<String>>,
    pub regions: Option<Vec<String>>,
    pub series: Option<String>,
    pub breaking: Option<bool>,
    pub drop: bool,
}

/// Configuration values for unit tests of the stages that read them.
#[cfg(test)]
pub(crate) mod testing {
    use std::str::FromStr;

    use super::*;

    /// An enabled HTTP feed `id` on `expr` (the cron crate's syntax, seconds
    /// first), every other setting at its default.
    pub(crate) fn feed(id: &str, expr: &str) -> FeedConfig {
        let url = format!("https://agency.example/{id}.rss");
        let defaults = Defaults {
            schedule: Schedule {
                expr: expr.into(),
                cron: cron::Schedule::from_str(expr).expect("test schedule"),
            },
            timeout: DEFAULT_TIMEOUT,
            max_body: DEFAULT_MAX_BODY,
            concurrency: DEFAULT_CONCURRENCY,
            per_host: DEFAULT_PER_HOST,
            allow_private: false,
        };
        let location = SourceLocation::Http(Url::parse(&url).expect("static url"));
        FeedConfig::with_defaults(id, &url, location, &defaults)
    }
}

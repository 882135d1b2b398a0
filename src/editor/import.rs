//! `wirefeed import`: every feed of an OPML file, in one edit of feeds.toml.
//!
//! An outline may be an http(s) feed or, as `export-opml` writes local
//! sources, an absolute `file:///` URL. A relative `file:` URL is refused: it
//! meant a folder next to the feeds.toml it came from, which the OPML file
//! does not say. A file feed is added only if feeds.toml's `file_roots`
//! allow its path; with checking on, the path must exist (its content is
//! read on the next cycle, as a spool folder's files are).

use std::fmt;
use std::path::Path;

use url::Url;

use super::EditorError;
use super::add::read_config;
use super::append::{NewFeed, append_feeds, write_checked};
use super::existing::{Existing, http_url};
use super::ids::{base_id, unique_id};
use super::opml::{OpmlFeed, read_opml};
use super::probe::Prober;
use super::sections;
use crate::config::Section;

/// How to import.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ImportOptions {
    /// Fetch and parse every feed before adding it (the default); off for
    /// offline imports, where only the URLs are checked.
    pub check: bool,
}

impl Default for ImportOptions {
    fn default() -> ImportOptions {
        ImportOptions { check: true }
    }
}

/// What an import did, outline by outline.
#[derive(Debug, Clone, Default)]
pub struct ImportReport {
    pub added: Vec<Imported>,
    pub skipped: Vec<Skipped>,
}

/// One feed added, with what the editor should know about it.
#[derive(Debug, Clone)]
pub struct Imported {
    pub feed: NewFeed,
    /// Such as "id `world` is taken, used `world-2`".
    pub notes: Vec<String>,
}

/// One outline not added.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Skipped {
    /// `xmlUrl` as written, if any.
    pub url: Option<String>,
    /// The outline's text or title.
    pub title: Option<String>,
    pub reason: SkipReason,
}

/// Why an outline was not added.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SkipReason {
    /// An outline with neither `xmlUrl` nor children.
    NoUrl,
    /// `xmlUrl` is not an absolute http(s) or `file:///` URL.
    BadUrl(String),
    /// feeds.toml (or an earlier outline) already has the URL, under this id.
    DuplicateUrl { id: String },
    /// Fetching or parsing failed (only with checking on).
    CheckFailed(String),
    /// feeds.toml would not load with it, such as a file outside every
    /// folder of `file_roots`: what the loader said.
    Refused(String),
}

/// Adds every feed of the OPML file at `opml_path` to the feeds.toml at
/// `config_path` with one atomic write, and says what it skipped and why.
pub async fn import(
    config_path: &Path,
    opml_path: &Path,
    options: ImportOptions,
) -> Result<ImportReport, EditorError> {
    let (text, config) = read_config(config_path)?;
    let opml = std::fs::read_to_string(opml_path).map_err(|source| EditorError::Io {
        path: opml_path.to_path_buf(),
        source,
    })?;
    let outlines = read_opml(&opml, opml_path)?;
    let mut seen = Existing::of(&config);
    let mut report = ImportReport::default();

    // URLs first, so nothing is fetched for an outline that is skipped anyway.
    let mut candidates: Vec<(usize, OpmlFeed, Url)> = Vec::new();
    // (place in the file, what was skipped), sorted at the end.
    let mut skipped: Vec<(usize, Skipped)> = Vec::new();
    for (place, outline) in outlines.into_iter().enumerate() {
        match candidate_url(&outline, &seen) {
            Ok(url) => {
                // No id yet: an empty one marks a URL listed earlier in the file.
                seen.insert("", url.as_str(), Some(url.clone()));
                candidates.push((place, outline, url));
            }
            Err(reason) => skipped.push((place, Skipped::new(outline, reason))),
        }
    }
    let probes: Vec<Option<Result<_, EditorError>>> = if options.check {
        let prober = Prober::new(&config.defaults)?;
        let urls = candidates.iter().map(|(_, _, url)| url);
        // Fetched all at once; the fetcher keeps to `[defaults]` concurrency.
        futures_util::future::join_all(urls.map(|url| async {
            match url.to_file_path() {
                Ok(path) if url.scheme() == "file" => local_source_exists(path).err().map(Err),
                _ => Some(prober.probe(url).await),
            }
        }))
        .await
        .into_iter()
        .collect()
    } else {
        candidates.iter().map(|_| None).collect()
    };

    // Ids are given in document order, against the configured ones only.
    let mut existing = Existing::of(&config);
    for ((place, outline, url), probe) in candidates.into_iter().zip(probes) {
        let (url, feed_title, mut notes) = match probe {
            None => (url, None, Vec::new()),
            Some(Err(error)) => {
                let reason = SkipReason::CheckFailed(error.to_string());
                skipped.push((place, Skipped::new(outline, reason)));
                continue;
            }
            Some(Ok(probed)) if probed.feed_url != url => {
                let note = format!("{url} is a page; added the feed it links");
                (probed.feed_url, probed.title, vec![note])
            }
            Some(Ok(probed)) => (url, probed.title, Vec::new()),
        };
        if let Some(id) = existing.id_for_url(&url) {
            let reason = SkipReason::DuplicateUrl { id: id.to_string() };
            skipped.push((place, Skipped::new(outline, reason)));
            continue;
        }
        let title = outline.title.clone().or(feed_title);
        let feed = new_feed(title, url, &mut existing, &mut notes);
        let feed = NewFeed {
            section: section_for(&outline, &config.sections, &mut notes),
            ..feed
        };
        if let Err(reason) = loads_with(&text, config_path, &feed) {
            skipped.push((place, Skipped::new(outline, SkipReason::Refused(reason))));
            continue;
        }
        report.added.push(Imported { feed, notes });
    }

    skipped.sort_by_key(|&(place, _)| place);
    report.skipped = skipped.into_iter().map(|(_, s)| s).collect();

    if !report.added.is_empty() {
        let feeds: Vec<NewFeed> = report.added.iter().map(|a| a.feed.clone()).collect();
        let edited = append_feeds(&text, config_path, &feeds)?;
        write_checked(config_path, &text, &edited)?;
    }
    tracing::debug!(
        added = report.added.len(),
        skipped = report.skipped.len(),
        "imported {}",
        opml_path.display()
    );
    Ok(report)
}

/// The entry for a feed at `url`, its id made unique against `existing`
/// (and recorded there); without a section yet.
fn new_feed(
    title: Option<String>,
    url: Url,
    existing: &mut Existing,
    notes: &mut Vec<String>,
) -> NewFeed {
    let base = base_id(title.as_deref(), &url);
    let id = unique_id(&base, existing.ids());
    if id != base {
        notes.push(format!("id `{base}` is taken, used `{id}`"));
    }
    existing.insert(&id, url.as_str(), Some(url.clone()));
    NewFeed {
        name: title
            .or_else(|| url.host_str().map(String::from))
            .unwrap_or_else(|| id.clone()),
        id,
        url: url.to_string(),
        section: None,
    }
}

/// The outline's URL if it can be added, or why not.
fn candidate_url(outline: &OpmlFeed, existing: &Existing) -> Result<Url, SkipReason> {
    let written = outline.url.as_deref().ok_or(SkipReason::NoUrl)?;
    let url = feed_url(written).map_err(SkipReason::BadUrl)?;
    match existing.id_for_url(&url) {
        Some(id) => Err(SkipReason::DuplicateUrl { id: id.to_string() }),
        None => Ok(url),
    }
}

/// `text` as an absolute http(s) URL or a `file:///` URL naming a local path.
fn feed_url(text: &str) -> Result<Url, String> {
    let text = text.trim();
    let Some(rest) = text
        .get(..5)
        .filter(|scheme| scheme.eq_ignore_ascii_case("file:"))
        .and_then(|_| text.get(5..))
    else {
        return http_url(text);
    };
    // The url crate reads `file:spool/ap` as `file:///spool/ap`: a relative
    // path must be caught before it is parsed.
    if !rest.starts_with("//") {
        return Err(format!(
            "`{text}` is relative to the feeds.toml it came from; \
             write it as file:///absolute/path (export-opml does)"
        ));
    }
    let url = Url::parse(text).map_err(|err| err.to_string())?;
    match url.to_file_path() {
        Ok(_) => Ok(url),
        Err(()) => Err(format!(
            "`{text}` names no local path (use file:///absolute/path)"
        )),
    }
}

/// With checking on, a local source is only looked for: the fetcher reads
/// it, inside its `file_roots` folder, on the next cycle.
fn local_source_exists(path: std::path::PathBuf) -> Result<(), EditorError> {
    std::fs::metadata(&path)
        .map(|_| ())
        .map_err(|source| EditorError::Io { path, source })
}

/// Whether feeds.toml (`text`) still loads with `feed` appended, or what the
/// loader said: a file source must lie inside `file_roots`, which only the
/// loader knows. Lines are left out, they would point into a file never written.
fn loads_with(text: &str, config_path: &Path, feed: &NewFeed) -> Result<(), String> {
    if !feed.url.starts_with("file:") {
        // An http(s) URL that parsed here loads there.
        return Ok(());
    }
    let edited = append_feeds(text, config_path, std::slice::from_ref(feed))
        .map_err(|err| err.to_string())?;
    match crate::config::parse_str(&edited, config_path) {
        Ok(_) => Ok(()),
        Err(problems) => Err(problems
            .0
            .iter()
            .filter(|problem| problem.is_error())
            .map(|problem| match &problem.hint {
                Some(hint) => format!("{} ({hint})", problem.message),
                None => problem.message.clone(),
            })
            .collect::<Vec<_>>()
            .join("; ")),
    }
}

/// The first of the outline's categories that names a declared section.
fn section_for(
    outline: &OpmlFeed,
    declared: &[Section],
    notes: &mut Vec<String>,
) -> Option<String> {
    let found = outline
        .categories
        .iter()
        .find_map(|category| sections::for_category(category, declared));
    if found.is_none()
        && let Some(category) = outline.categories.first()
    {
        notes.push(format!("category `{category}` matches no declared section"));
    }
    found.map(|section| section.slug.clone())
}

impl Skipped {
    fn new(outline: OpmlFeed, reason: SkipReason) -> Skipped {
        Skipped {
            url: outline.url,
            title: outline.title,
            reason,
        }
    }
}

impl fmt::Display for SkipReason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SkipReason::NoUrl => write!(f, "no xmlUrl"),
            SkipReason::BadUrl(reason) => write!(f, "bad URL: {reason}"),
            SkipReason::DuplicateUrl { id } if id.is_empty() => {
                write!(f, "duplicate URL: listed earlier in the OPML file")
            }
            SkipReason::DuplicateUrl { id } => write!(f, "duplicate URL: already feed `{id}`"),
            SkipReason::CheckFailed(error) => write!(f, "check failed: {error}"),
            SkipReason::Refused(reason) => write!(f, "feeds.toml would not load: {reason}"),
        }
    }
}

impl ImportReport {
    /// Every outline was refused: nothing was added though there was
    /// something to add, which the command reports as a failure.
    pub fn refused_all(&self) -> bool {
        self.added.is_empty() && !self.skipped.is_empty()
    }
}

impl fmt::Display for ImportReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(
            f,
            "{} added, {} skipped",
            self.added.len(),
            self.skipped.len()
        )?;
        for imported in &self.added {
            let feed = &imported.feed;
            let section = feed.section.as_deref().unwrap_or("-");
            writeln!(
                f,
                "  added   {} [{section}] {} <{}>",
                feed.id, feed.name, feed.url
            )?;
            for note in &imported.notes {
                writeln!(f, "          note: {note}")?;
            }
        }
        for skipped in &self.skipped {
            let title = skipped.title.as_deref().unwrap_or("untitled");
            match &skipped.url {
                Some(url) => writeln!(f, "  skipped {title} <{url}>: {}", skipped.reason)?,
                None => writeln!(f, "  skipped {title}: {}", skipped.reason)?,
            }
        }
        Ok(())
    }
}

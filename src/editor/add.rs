//! `wirefeed add`: one feed, from its URL or its site's home page, checked
//! and appended to feeds.toml.

use std::fmt;
use std::path::Path;

use url::Url;

use super::append::{NewFeed, append_feeds, write_checked};
use super::discover::FeedLink;
use super::existing::{Existing, http_url};
use super::ids::{base_id, unique_id};
use super::probe::Prober;
use super::{EditorError, sections};
use crate::config::is_feed_id;
use crate::config::{self, Config};

/// What the editor asked for.
#[derive(Debug, Clone, Default)]
pub struct AddRequest {
    /// A feed URL, or a page that links its feed.
    pub url: String,
    /// The id to use; by default a slug of the feed's title, made unique.
    pub id: Option<String>,
    /// A declared section slug.
    pub section: Option<String>,
}

/// What `add` wrote.
#[derive(Debug, Clone)]
pub struct Added {
    /// The entry appended to feeds.toml.
    pub feed: NewFeed,
    /// The page the feed was found on, when the URL given was a page.
    pub found_on: Option<Url>,
    /// The page's other feed links, not added.
    pub other_links: Vec<FeedLink>,
    /// Entries in the feed when it was checked.
    pub entries: usize,
}

/// Finds, checks and appends the feed `request` names to the feeds.toml at `path`.
pub async fn add(path: &Path, request: &AddRequest) -> Result<Added, EditorError> {
    let (text, config) = read_config(path)?;
    let existing = Existing::of(&config);
    // Everything that can be refused without the network is refused first.
    let (given, section) = check_request(request, &config, &existing, path)?;
    refuse_duplicate(&existing, &given, path, &text)?;

    let probed = Prober::new(&config.defaults)?.probe(&given).await?;
    let found_on = (probed.feed_url != given).then_some(given);
    if found_on.is_some() {
        refuse_duplicate(&existing, &probed.feed_url, path, &text)?;
    }
    let id = request.id.clone().unwrap_or_else(|| {
        unique_id(
            &base_id(probed.title.as_deref(), &probed.feed_url),
            existing.ids(),
        )
    });
    let feed = NewFeed {
        name: probed
            .title
            .clone()
            .or_else(|| probed.feed_url.host_str().map(String::from))
            .unwrap_or_else(|| id.clone()),
        id,
        url: probed.feed_url.to_string(),
        section,
    };
    let edited = append_feeds(&text, path, std::slice::from_ref(&feed))?;
    write_checked(path, &text, &edited)?;
    tracing::debug!(feed = %feed.id, url = %feed.url, "feed added to {}", path.display());
    Ok(Added {
        feed,
        found_on,
        other_links: probed.other_links,
        entries: probed.entries,
    })
}

/// The URL and section of `request`, once its URL, section and id are acceptable.
fn check_request(
    request: &AddRequest,
    config: &Config,
    existing: &Existing,
    path: &Path,
) -> Result<(Url, Option<String>), EditorError> {
    let given = http_url(&request.url).map_err(|reason| EditorError::BadUrl {
        url: request.url.clone(),
        reason,
    })?;
    let section = match &request.section {
        Some(wanted) => Some(
            sections::declared(wanted, &config.sections).map_err(|hint| {
                EditorError::UnknownSection {
                    section: wanted.clone(),
                    path: path.to_path_buf(),
                    hint: Some(hint),
                }
            })?,
        ),
        None => None,
    };
    if let Some(id) = &request.id {
        if !is_feed_id(id) {
            return Err(EditorError::BadId { id: id.clone() });
        }
        if existing.ids().contains(id) {
            return Err(EditorError::DuplicateId {
                id: id.clone(),
                path: path.to_path_buf(),
            });
        }
    }
    Ok((given, section))
}

/// The text of feeds.toml and the configuration it holds, read once so the
/// edit applies to exactly what was checked.
pub(super) fn read_config(path: &Path) -> Result<(String, Config), EditorError> {
    let text = std::fs::read_to_string(path).map_err(|source| EditorError::Io {
        path: path.to_path_buf(),
        source,
    })?;
    match config::parse_str(&text, path) {
        Ok((config, _warnings)) => Ok((text, config)),
        Err(problems) => Err(EditorError::InvalidConfig {
            path: path.to_path_buf(),
            problems,
        }),
    }
}

fn refuse_duplicate(
    existing: &Existing,
    url: &Url,
    path: &Path,
    text: &str,
) -> Result<(), EditorError> {
    let Some(id) = existing.id_for_url(url) else {
        return Ok(());
    };
    // The validated config keeps no lines; the line of `id = "…"` is enough to find it.
    let id_line = format!("\"{id}\"");
    let line = text
        .lines()
        .position(|l| l.trim_start().starts_with("id") && l.contains(&id_line))
        .map(|i| i + 1);
    Err(EditorError::DuplicateUrl {
        url: url.to_string(),
        id: id.to_string(),
        path: path.to_path_buf(),
        line,
    })
}

impl fmt::Display for Added {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let feed = &self.feed;
        writeln!(f, "added [[feed]] `{}`: {}", feed.id, feed.name)?;
        writeln!(f, "  url = {}", feed.url)?;
        if let Some(section) = &feed.section {
            writeln!(f, "  section = {section}")?;
        }
        writeln!(f, "  {} entries in the feed now", self.entries)?;
        if let Some(page) = &self.found_on {
            writeln!(f, "  found on {page}")?;
        }
        for link in &self.other_links {
            write!(f, "  also linked, not added: {} {}", link.kind, link.url)?;
            match &link.title {
                Some(title) => writeln!(f, " ({title})")?,
                None => writeln!(f)?,
            }
        }
        Ok(())
    }
}

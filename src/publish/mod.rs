//! Publishing: the only module that writes the output folder (or bucket).
//!
//! `plan` decides which channels to render from the state; everything else
//! here works on plain data.
//!
//! Input is plain data, one [`ChannelFeed`] per published channel, articles
//! newest first and already capped at `max_items`. Each channel becomes
//! `<stem>.rss`, `<stem>.atom` and `<stem>.json` (layout in DESIGN.md,
//! "Output layout"), and `index.html` and `feeds.opml` list them all.
//!
//! Output depends only on the input: no clock is read, so publishing the
//! same articles twice yields the same bytes, and [`OutputDir`] then leaves the
//! files alone. Attribution reaches every item in every format.

mod atom;
mod bucket;
mod channels;
mod credit;
mod error;
mod escape;
mod html_index;
mod json_feed;
mod media_type;
mod ninjs;
mod opml;
mod plan;
mod rss;
mod write;

pub use error::PublishError;
pub use escape::escape_markup;
pub use media_type::media_type;
pub(crate) use plan::wanted_channels;
pub use plan::{PublishedRecord, Record, publish_changes, publish_stale};
pub use write::{OutputDir, WriteOutcome};

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::path::Path;

use sha2::{Digest, Sha256};

use crate::config::Config;
use crate::model::{Channel, ChannelFeed};

use channels::{ChannelInfo, Format};
use escape::drop_non_xml_chars;

/// What one publish did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PublishReport {
    /// Files created or replaced because their content changed.
    pub written: usize,
    /// Files left alone because they already held the same bytes.
    pub unchanged: usize,
    /// The channel files among `written` (not index.html or feeds.opml),
    /// relative to the output folder: what WebSub subscribers care about.
    pub changed_feeds: Vec<String>,
}

impl PublishReport {
    fn count(&mut self, outcome: WriteOutcome) {
        match outcome {
            WriteOutcome::Written => self.written += 1,
            WriteOutcome::Unchanged => self.unchanged += 1,
        }
    }
}

/// Writes every channel in `channels` in all three formats, plus
/// `index.html` and `feeds.opml` listing them, into `config.site.output_dir`.
///
/// Stops at the first file that cannot be rendered or written; files already
/// written stay, and the failing file keeps its previous content.
pub fn publish(config: &Config, channels: &[ChannelFeed]) -> Result<PublishReport, PublishError> {
    let wanted: Vec<Channel> = channels.iter().map(|feed| feed.channel.clone()).collect();
    Publication::default().publish(config, channels, &wanted)
}

/// What one process has published, so that the next publish renders only
/// the channels whose articles changed and still lists every channel in
/// index.html and feeds.opml. Valid for one configuration: start a new one
/// when the configuration changes (titles and URLs are in every file).
#[derive(Debug, Default)]
pub struct Publication {
    listed: BTreeMap<Channel, ChannelInfo>,
}

impl Publication {
    /// The publication an earlier publish (of any process) left: every
    /// channel of `wanted` among `recorded` (path stem and listing entry, as
    /// [`Publication::recorded`] gave them, still current) whose three files
    /// are still in the output folder. A channel whose files cannot be
    /// checked (the bucket does not answer) counts as missing: rendering it
    /// again is safe, and its write reports the problem.
    pub fn resume<'a>(
        config: &Config,
        recorded: impl IntoIterator<Item = (&'a str, &'a str)>,
        wanted: &[Channel],
    ) -> Publication {
        let Ok(output) = OutputDir::open(&config.site.output_dir) else {
            return Publication::default();
        };
        let recorded: HashMap<&str, &str> = recorded.into_iter().collect();
        let listed = wanted
            .iter()
            .filter_map(|channel| {
                let listing = recorded.get(channel.path_stem().as_str())?;
                let info: ChannelInfo = serde_json::from_str(listing).ok()?;
                let on_disk = Format::ALL.iter().all(|format| {
                    matches!(output.contains(&info.relative_path(*format)), Ok(true))
                });
                on_disk.then(|| (channel.clone(), info))
            })
            .collect();
        Publication { listed }
    }

    /// Whether `channel` was published by this publication, so that it can
    /// be left alone while its articles do not change.
    pub fn has(&self, channel: &Channel) -> bool {
        self.listed.contains_key(channel)
    }

    /// Every listed channel as the state records it: path stem and listing
    /// entry, for [`Publication::resume`] in a later process.
    pub fn recorded(&self) -> Vec<(String, String)> {
        self.listed
            .iter()
            // Plain strings, numbers and a date: serializing cannot fail,
            // and a channel left out would only be rendered again.
            .filter_map(|(channel, info)| {
                Some((channel.path_stem(), serde_json::to_string(info).ok()?))
            })
            .collect()
    }

    /// Writes the channels of `rendered` in all three formats, then
    /// `index.html` and `feeds.opml` listing every channel of `wanted`: those
    /// just rendered and those published before (a channel in neither is
    /// left out). Channels not in `wanted` are forgotten.
    ///
    /// Stops at the first file that cannot be rendered or written; files
    /// already written stay, the failing file keeps its previous content,
    /// and the failing channel counts as not published.
    pub fn publish(
        &mut self,
        config: &Config,
        rendered: &[ChannelFeed],
        wanted: &[Channel],
    ) -> Result<PublishReport, PublishError> {
        let output = OutputDir::open(&config.site.output_dir)?;
        output.remove_stale_temporaries();
        let mut report = PublishReport::default();

        for feed in rendered {
            let info = ChannelInfo::new(config, feed);
            for format in Format::ALL {
                let relative = info.relative_path(format);
                let bytes = render(config, &info, feed, format, &output_path(config, &relative))?;
                let outcome = output.put(&relative, &bytes)?;
                if outcome == WriteOutcome::Written {
                    report.changed_feeds.push(relative);
                }
                report.count(outcome);
            }
            self.listed.insert(feed.channel.clone(), info);
        }
        if let Some(all) = rendered.iter().find(|feed| feed.channel == Channel::All) {
            publish_ninjs(config, &output, &all.articles, &mut report)?;
        }
        let wanted: BTreeSet<&Channel> = wanted.iter().collect();
        self.listed.retain(|channel, _| wanted.contains(channel));
        remove_vanished_channels(&output, &wanted)?;

        // Listing order: by group, then by channel (slug) within a group, so
        // the pages do not change when the caller's order does.
        let mut listing: Vec<(&Channel, &ChannelInfo)> = self.listed.iter().collect();
        listing.sort_by(|a, b| (a.1.group, a.0).cmp(&(b.1.group, b.0)));
        let listing: Vec<ChannelInfo> = listing.into_iter().map(|(_, info)| info.clone()).collect();

        let index = html_index::render(config, &listing);
        report.count(output.put("index.html", index.as_bytes())?);
        let subscriptions = opml::render(config, &listing);
        report.count(output.put("feeds.opml", subscriptions.as_bytes())?);

        // A publish that wrote nothing is routine: the operator's log keeps
        // the ones that changed what readers get.
        let level_info = report.written > 0;
        macro_rules! published {
            ($level:ident) => {
                tracing::$level!(
                    output = %config.site.output_dir,
                    channels = listing.len(),
                    rendered = rendered.len(),
                    written = report.written,
                    unchanged = report.unchanged,
                    "published"
                )
            };
        }
        if level_info {
            published!(info);
        } else {
            published!(debug);
        }
        Ok(report)
    }
}

/// The folders channels other than `all` and `breaking` are published in.
const CHANNEL_FOLDERS: [&str; 4] = ["sections", "tags", "regions", "languages"];

/// Removes the files of channels no longer published: a section taken out
/// of feeds.toml, a tag or region no stored article carries any more. A
/// reader's subscription then ends in a 404 rather than a feed that never
/// changes again; index.html and feeds.opml no longer list it either.
fn remove_vanished_channels(
    output: &OutputDir,
    wanted: &BTreeSet<&Channel>,
) -> Result<(), PublishError> {
    let stems: BTreeSet<String> = wanted.iter().map(|channel| channel.path_stem()).collect();
    for folder in CHANNEL_FOLDERS {
        for relative in output.files_in(folder)? {
            let Some((stem, extension)) = relative.rsplit_once('.') else {
                continue;
            };
            let ours = Format::ALL
                .iter()
                .any(|format| format.extension() == extension);
            if ours && !stems.contains(stem) {
                output.remove(&relative)?;
                tracing::info!(file = %relative, "removed the file of a channel no longer published");
            }
        }
    }
    Ok(())
}

/// Writes `ninjs/<id>.json` for every article of the `all` channel and
/// removes the files of articles no longer in it (withheld, killed, aged
/// out), so the folder mirrors what is published.
fn publish_ninjs(
    config: &Config,
    output: &OutputDir,
    articles: &[crate::model::Article],
    report: &mut PublishReport,
) -> Result<(), PublishError> {
    let mut wanted = BTreeSet::new();
    for article in articles {
        let relative = ninjs::relative_path(article);
        report.count(output.put(&relative, ninjs::render(config, article).as_bytes())?);
        wanted.insert(relative);
    }
    for relative in output.files_in(ninjs::FOLDER)? {
        if relative.ends_with(".json") && !wanted.contains(&relative) {
            output.remove(&relative)?;
        }
    }
    Ok(())
}

/// A fingerprint of everything besides articles that shapes the published
/// files: the site settings, the sections and this build's version. Files
/// rendered under another fingerprint are rendered again.
pub fn settings_fingerprint(config: &Config) -> String {
    let settings = format!(
        "{}\n{:?}\n{:?}",
        env!("CARGO_PKG_VERSION"),
        config.site,
        config.sections
    );
    Sha256::digest(settings.as_bytes())
        .iter()
        .map(|byte| format!("{byte:02x}"))
        .collect()
}

fn render(
    config: &Config,
    info: &ChannelInfo,
    feed: &ChannelFeed,
    format: Format,
    path: &Path,
) -> Result<Vec<u8>, PublishError> {
    let rendered: Result<Vec<u8>, Box<dyn std::error::Error + Send + Sync>> = match format {
        // Source text may hold characters XML forbids; the feed crates write
        // them through, and one would make the whole file unreadable.
        Format::Rss => rss::render(config, info, feed)
            .map(drop_non_xml_chars)
            .map_err(Into::into),
        Format::Atom => atom::render(config, info, feed)
            .map(drop_non_xml_chars)
            .map_err(Into::into),
        Format::JsonFeed => json_feed::render(info, feed).map_err(Into::into),
    };
    rendered.map_err(|source| PublishError::Render {
        format: format.name(),
        path: path.to_path_buf(),
        source,
    })
}

/// Where `relative` is published, for messages: a path in the folder, or
/// `s3://BUCKET/PREFIX/relative`.
fn output_path(config: &Config, relative: &str) -> std::path::PathBuf {
    match &config.site.output_dir {
        crate::config::Output::Folder(folder) => folder.join(relative),
        bucket => std::path::PathBuf::from(format!("{bucket}/{relative}")),
    }
}

#[cfg(test)]
mod test_support;

#[cfg(test)]
mod tests {
    use super::*;
    use test_support::{article, config, feed};

    #[test]
    fn the_files_of_a_channel_no_longer_published_are_removed_and_others_kept() {
        let dir = tempfile::tempdir().unwrap();
        let config = config(dir.path().to_path_buf());
        let everything = [
            feed(Channel::All, "", vec![article("a")]),
            feed(Channel::Tag("strike".into()), "Strike", vec![article("a")]),
            feed(Channel::Tag("budget".into()), "Budget", vec![article("a")]),
        ];
        publish(&config, &everything).unwrap();
        assert!(dir.path().join("tags/strike.atom").is_file());
        // Something else an operator keeps beside the feeds stays.
        std::fs::write(dir.path().join("tags/README.txt"), "ours").unwrap();

        // The strike's last article was killed: its tag is gone.
        publish(&config, &[everything[0].clone(), everything[2].clone()]).unwrap();
        for format in ["rss", "atom", "json"] {
            assert!(!dir.path().join(format!("tags/strike.{format}")).exists());
            assert!(dir.path().join(format!("tags/budget.{format}")).is_file());
        }
        assert!(dir.path().join("tags/README.txt").is_file());
        let index = std::fs::read_to_string(dir.path().join("index.html")).unwrap();
        assert!(!index.contains("strike") && index.contains("budget"));
    }

    #[test]
    fn control_characters_from_sources_never_reach_rss_or_atom() {
        let config = config("out".into());
        let mut story = article("a");
        story.title = "Stocks\u{8} rally\u{0}".to_owned();
        story.authors = vec!["Ana\u{7} Ruiz".to_owned()];
        let feed = feed(Channel::All, "", vec![story]);
        let info = ChannelInfo::new(&config, &feed);
        for format in [Format::Rss, Format::Atom] {
            let bytes = render(&config, &info, &feed, format, Path::new("all")).unwrap();
            let text = String::from_utf8(bytes).unwrap();
            assert!(text.contains("Stocks rally<"), "{text}");
            assert!(text.contains("Ana Ruiz<"), "{text}");
        }
    }

    #[test]
    fn a_publication_renders_only_what_it_is_given_and_lists_every_wanted_channel() {
        let dir = tempfile::tempdir().unwrap();
        let config = config(dir.path().to_owned());
        let politics = Channel::Section("politics".into());
        let budget = Channel::Tag("budget".into());
        let mut publication = Publication::default();
        let first = vec![
            feed(Channel::All, "", vec![article("a")]),
            feed(politics.clone(), "Politics", vec![article("a")]),
        ];
        let report = publication
            .publish(&config, &first, &[Channel::All, politics.clone()])
            .unwrap();
        assert_eq!(report.changed_feeds.len(), 6, "{report:?}");
        assert!(publication.has(&politics));

        // Only the new tag is rendered; the listing still has all three.
        let before = std::fs::metadata(dir.path().join("all.rss"))
            .unwrap()
            .modified()
            .unwrap();
        let wanted = [Channel::All, politics.clone(), budget.clone()];
        let second = vec![feed(budget.clone(), "Budget", vec![article("a")])];
        let report = publication.publish(&config, &second, &wanted).unwrap();
        assert_eq!(
            report.changed_feeds,
            ["tags/budget.rss", "tags/budget.atom", "tags/budget.json"]
        );
        let after = std::fs::metadata(dir.path().join("all.rss"))
            .unwrap()
            .modified()
            .unwrap();
        assert_eq!(before, after, "all.rss is left alone");
        let index = std::fs::read_to_string(dir.path().join("index.html")).unwrap();
        for listed in ["all.rss", "sections/politics.rss", "tags/budget.rss"] {
            assert!(index.contains(listed), "{listed} in {index}");
        }

        // A channel no longer wanted leaves the listing and the publication.
        publication.publish(&config, &[], &[Channel::All]).unwrap();
        let opml = std::fs::read_to_string(dir.path().join("feeds.opml")).unwrap();
        assert!(opml.contains("all.rss"), "{opml}");
        assert!(!opml.contains("tags/budget.rss"), "{opml}");
        assert!(!publication.has(&budget));
    }
}

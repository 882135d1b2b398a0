//! Publishing: the only module that writes the output folder.
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
mod channels;
mod credit;
mod error;
mod escape;
mod html_index;
mod json_feed;
mod opml;
mod rss;
mod write;

pub use error::PublishError;
pub use write::{OutputDir, WriteOutcome};

use std::path::Path;

use crate::config::Config;
use crate::model::ChannelFeed;

use channels::{ChannelInfo, Format};
use escape::drop_non_xml_chars;

/// What one [`publish`] did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct PublishReport {
    /// Files created or replaced because their content changed.
    pub written: usize,
    /// Files left alone because they already held the same bytes.
    pub unchanged: usize,
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
    let output = OutputDir::new(&config.site.output_dir);
    output.remove_stale_temporaries();
    let mut report = PublishReport::default();
    let mut listing = Vec::with_capacity(channels.len());

    for feed in channels {
        let info = ChannelInfo::new(config, feed);
        for format in Format::ALL {
            let relative = info.relative_path(format);
            let bytes = render(config, &info, feed, format, &output_path(config, &relative))?;
            report.count(output.put(&relative, &bytes)?);
        }
        listing.push(info);
    }

    // Listing order: by group, then by channel (slug) within a group, so the
    // pages do not change when the caller's order does.
    let mut order: Vec<usize> = (0..channels.len()).collect();
    order.sort_by(|&a, &b| {
        (listing[a].group, &channels[a].channel).cmp(&(listing[b].group, &channels[b].channel))
    });
    let listing: Vec<ChannelInfo> = order.into_iter().map(|i| listing[i].clone()).collect();

    let index = html_index::render(config, &listing);
    report.count(output.put("index.html", index.as_bytes())?);
    let subscriptions = opml::render(config, &listing);
    report.count(output.put("feeds.opml", subscriptions.as_bytes())?);

    tracing::info!(
        output = %config.site.output_dir.display(),
        channels = channels.len(),
        written = report.written,
        unchanged = report.unchanged,
        "published"
    );
    Ok(report)
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

fn output_path(config: &Config, relative: &str) -> std::path::PathBuf {
    config.site.output_dir.join(relative)
}

#[cfg(test)]
mod test_support;

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::Channel;
    use test_support::{article, config, feed};

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
}

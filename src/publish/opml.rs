//! `feeds.opml`: every published feed as an OPML 2.0 subscription list, so
//! a reader can import them all at once.

use std::fmt::Write;

use crate::config::Config;

use super::channels::{ChannelInfo, Format, Group};
use super::escape::escape_markup;

/// Renders the subscription list for `channels`, already in listing order,
/// with one folder outline per group.
pub fn render(config: &Config, channels: &[ChannelInfo]) -> String {
    let site = &config.site;
    let home = escape_markup(site.base_url.as_str());
    let mut opml =
        String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<opml version=\"2.0\">\n");
    // Writing into a String cannot fail.
    let _ = write!(
        opml,
        "  <head>\n    <title>{}</title>\n    <docs>http://opml.org/spec2.opml</docs>\n  </head>\n  <body>\n",
        escape_markup(&site.title)
    );
    let mut current: Option<Group> = None;
    for info in channels {
        if current != Some(info.group) {
            if current.is_some() {
                opml.push_str("    </outline>\n");
            }
            let _ = writeln!(
                opml,
                "    <outline text=\"{0}\" title=\"{0}\">",
                info.group.heading()
            );
            current = Some(info.group);
        }
        let title = escape_markup(&info.title);
        let _ = writeln!(
            opml,
            "      <outline type=\"rss\" version=\"RSS2\" text=\"{title}\" title=\"{title}\" \
             language=\"{language}\" xmlUrl=\"{xml_url}\" htmlUrl=\"{home}\"/>",
            language = escape_markup(&info.language),
            xml_url = escape_markup(&info.url(Format::Rss)),
        );
    }
    if current.is_some() {
        opml.push_str("    </outline>\n");
    }
    opml.push_str("  </body>\n</opml>\n");
    opml
}

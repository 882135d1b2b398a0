//! `index.html`: every published feed on one page, for people.
//!
//! Self-contained (inline CSS, no scripts, no external assets) so it works
//! from any static host, and every piece of text is escaped.

use std::fmt::Write;

use crate::config::Config;

use super::channels::{ChannelInfo, EMPTY_FEED_UPDATED, Format, Group};
use super::escape::escape_markup;

const STYLE: &str = "\
body{font-family:system-ui,-apple-system,'Segoe UI',Roboto,sans-serif;max-width:56rem;\
margin:2rem auto;padding:0 1rem;line-height:1.5;color:#1a1a1a;background:#fff}\
h1{margin-bottom:.25rem}h2{margin-top:2rem;border-bottom:1px solid #ddd}\
table{border-collapse:collapse;width:100%}\
th,td{text-align:start;padding:.35rem .5rem;border-bottom:1px solid #eee}\
td.count{text-align:end;font-variant-numeric:tabular-nums}\
a{color:#0645ad}.formats a{margin-inline-end:.75rem}.muted{color:#666}";

/// Renders the page listing `channels`, which are already in listing order.
pub fn render(config: &Config, channels: &[ChannelInfo]) -> String {
    let site = &config.site;
    let title = escape_markup(&site.title);
    let mut html = String::new();
    // Writing into a String cannot fail.
    let _ = write!(
        html,
        "<!DOCTYPE html>\n<html lang=\"{lang}\">\n<head>\n<meta charset=\"utf-8\">\n\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n\
         <title>{title} — feeds</title>\n<style>{STYLE}</style>\n",
        lang = escape_markup(&site.language),
    );
    if let Some(all) = channels.iter().find(|info| info.group == Group::All) {
        for format in [Format::Rss, Format::Atom] {
            let _ = writeln!(
                html,
                "<link rel=\"alternate\" type=\"{}\" title=\"{}\" href=\"{}\">",
                format.mime_type(),
                escape_markup(&all.title),
                escape_markup(&all.url(format)),
            );
        }
    }
    let _ = write!(html, "</head>\n<body>\n<header>\n<h1>{title}</h1>\n");
    if let Some(description) = &site.description {
        let _ = writeln!(html, "<p>{}</p>", escape_markup(description));
    }
    let _ = write!(
        html,
        "<p class=\"muted\">Subscribe to any feed below in RSS, Atom or JSON Feed, \
         or import them all at once with <a href=\"{}feeds.opml\">feeds.opml</a>.</p>\n</header>\n",
        escape_markup(site.base_url.as_str()),
    );
    for group in groups_in_order(channels) {
        write_group(&mut html, group, channels);
    }
    html.push_str("</body>\n</html>\n");
    html
}

fn groups_in_order(channels: &[ChannelInfo]) -> Vec<Group> {
    let mut groups: Vec<Group> = channels.iter().map(|info| info.group).collect();
    groups.dedup();
    groups
}

fn write_group(html: &mut String, group: Group, channels: &[ChannelInfo]) {
    let _ = write!(
        html,
        "<section>\n<h2>{}</h2>\n<table>\n<thead><tr><th>Feed</th><th>Items</th>\
         <th>Updated</th><th>Formats</th></tr></thead>\n<tbody>\n",
        group.heading()
    );
    for info in channels.iter().filter(|info| info.group == group) {
        let updated = if info.updated == EMPTY_FEED_UPDATED {
            "<span class=\"muted\">—</span>".to_owned()
        } else {
            format!(
                "<time datetime=\"{}\">{}</time>",
                info.updated.to_rfc3339(),
                info.updated.format("%Y-%m-%d %H:%M UTC")
            )
        };
        let links: Vec<String> = Format::ALL
            .iter()
            .map(|format| {
                format!(
                    "<a href=\"{}\" type=\"{}\">{}</a>",
                    escape_markup(&info.url(*format)),
                    format.mime_type(),
                    format.name()
                )
            })
            .collect();
        let _ = writeln!(
            html,
            "<tr><td dir=\"auto\" lang=\"{lang}\">{name}</td><td class=\"count\">{count}</td>\
             <td>{updated}</td><td class=\"formats\">{links}</td></tr>",
            lang = escape_markup(&info.language),
            name = escape_markup(&info.short_name),
            count = info.item_count,
            links = links.join(""),
        );
    }
    html.push_str("</tbody>\n</table>\n</section>\n");
}

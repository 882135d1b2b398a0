//! The status as an HTML page for `/status`: a card per feed with the
//! table's facts (worded by the same helpers) and a chart of the last 24
//! hours, items taken in above the line and failed fetches below it.
//!
//! Inline CSS and SVG only, no script: it must render wherever an operator
//! opens it, and it is served by the daemon, so nothing it shows may come
//! from elsewhere. Every text is escaped. It shows what `wirefeed status`
//! shows and nothing more: no feed URL, no header, no credential (errors
//! are stored with URLs already redacted by `fetch`).

use std::fmt::Write as _;

use chrono::{DateTime, DurationRound, TimeDelta, Utc};

use super::table::{ago, backoff, next_fetch};
use super::{Row, rows};
use crate::config::Config;
use crate::publish::escape_markup;
use crate::store::{FeedState, FetchHour};

/// Hours the chart covers, the current one included.
pub const CHART_HOURS: i64 = 24;
/// Longer errors are cut: the page is for a glance, `--json` has them whole.
const MAX_ERROR_CHARS: usize = 500;

// The chart's geometry, in SVG user units: a column per hour, items rising
// from the baseline, failures hanging below it.
const COLUMN: i64 = 10;
const BAR: i64 = 8;
const ITEMS_HEIGHT: i64 = 36;
const BASELINE: i64 = 40;
const FAILURES_HEIGHT: i64 = 14;
const CHART_HEIGHT: i64 = 66;

const STYLE: &str = "\
*,*::before,*::after{box-sizing:border-box}\
body{margin:0 auto;max-width:80rem;padding:1rem;font-family:system-ui,-apple-system,\
'Segoe UI',Roboto,sans-serif;line-height:1.4;color:#1a1a1a;background:#f6f6f6}\
h1{margin:0;font-size:1.6rem}header p{margin:.25rem 0 1rem;color:#555}\
.feeds{display:grid;gap:1rem;grid-template-columns:repeat(auto-fill,minmax(min(100%,23rem),1fr))}\
.feed{min-width:0;background:#fff;border:1px solid #ddd;border-inline-start:6px solid #2e7d32;\
border-radius:4px;padding:.75rem}\
.feed.failing{border-inline-start-color:#c62828}.feed.waiting{border-inline-start-color:#999}\
.feed h2{display:flex;flex-wrap:wrap;align-items:baseline;gap:.25rem .5rem;margin:0 0 .5rem;\
font-size:1.05rem;overflow-wrap:anywhere}\
.badge{font-size:.75rem;font-weight:600;padding:0 .4rem;border-radius:3px;background:#e8f5e9;color:#1b5e20}\
.failing .badge{background:#ffebee;color:#b71c1c}.waiting .badge{background:#eee;color:#444}\
dl{display:grid;grid-template-columns:max-content minmax(0,1fr);gap:.1rem .75rem;margin:0;font-size:.9rem}\
dt{color:#555}dd{margin:0;overflow-wrap:anywhere}\
.error{margin:.5rem 0 0;padding:.4rem .5rem;background:#fff5f5;border-radius:3px;font-size:.85rem;\
overflow-wrap:anywhere;white-space:pre-wrap}\
figure{margin:.75rem 0 0}.chart{display:block;width:100%;max-width:28rem;height:auto}\
figcaption{font-size:.8rem;color:#555}\
footer{margin-top:1.5rem;font-size:.85rem;color:#555}a{color:#0645ad}";

/// Renders `/status` for `config`'s feeds (and those only the state knows,
/// as the table lists them) at `now`. `hours` may hold any feed's hours;
/// those of the last [`CHART_HOURS`] are charted.
pub fn render_html(
    config: &Config,
    states: &[FeedState],
    hours: &[FetchHour],
    now: DateTime<Utc>,
) -> String {
    let rows = rows(config, states);
    let failing = rows.iter().filter(|row| health(row).1 == "failing").count();
    let site = escape_markup(&config.site.title);
    let mut html = String::new();
    // Writing into a String cannot fail.
    let _ = write!(
        html,
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n\
         <meta name=\"robots\" content=\"noindex\">\n\
         <title>{site} — feed status</title>\n<style>{STYLE}</style>\n</head>\n<body>\n\
         <header>\n<h1>Feed status</h1>\n<p>{site} · {count} · {failing} · as of \
         <time datetime=\"{datetime}\">{when}</time></p>\n</header>\n<main class=\"feeds\">\n",
        count = plural(rows.len(), "feed", "feeds"),
        failing = plural(failing, "failing", "failing"),
        datetime = now.format("%Y-%m-%dT%H:%M:%SZ"),
        when = now.format("%Y-%m-%d %H:%M:%SZ"),
    );
    for row in &rows {
        let own: Vec<&FetchHour> = hours
            .iter()
            .filter(|hour| hour.feed_id == row.feed_id)
            .collect();
        write_feed(&mut html, row, &own, now);
    }
    html.push_str(
        "</main>\n<footer>The same facts as <code>wirefeed status</code>. \
         Chart: items taken in per hour above the line, failed fetches below it \
         (as a share of the hour's fetches), oldest hour first. \
         <a href=\"/\">Front page</a> · <a href=\"/healthz\">/healthz</a> · \
         <a href=\"/metrics\">/metrics</a></footer>\n</body>\n</html>\n",
    );
    html
}

/// The card's class and badge: "ok", "failing", or a grey state.
fn health(row: &Row<'_>) -> (&'static str, &'static str) {
    let fetched = row.state.is_some_and(|state| state.last_fetch.is_some());
    match (row.configured, row.enabled, row.state) {
        (false, _, _) => ("waiting", "not in config"),
        (true, false, _) => ("waiting", "disabled"),
        (true, true, Some(state)) if state.consecutive_failures > 0 => ("failing", "failing"),
        _ if !fetched => ("waiting", "never fetched"),
        _ => ("ok", "ok"),
    }
}

fn write_feed(html: &mut String, row: &Row<'_>, hours: &[&FetchHour], now: DateTime<Utc>) {
    let (class, badge) = health(row);
    let _ = write!(
        html,
        "<article class=\"feed {class}\">\n<h2><span dir=\"auto\">{id}</span> \
         <span class=\"badge\">{badge}</span></h2>\n<dl>\n",
        id = escape_markup(row.feed_id),
    );
    let facts: Vec<(&str, String)> = match row.state {
        None => vec![
            ("Last fetch", "never".to_owned()),
            ("Last success", "never".to_owned()),
        ],
        Some(state) => vec![
            ("Last fetch", ago(state.last_fetch, now)),
            ("Last success", ago(state.last_success, now)),
            (
                "HTTP",
                state.http_status.map_or("-".into(), |s| s.to_string()),
            ),
            ("Items", state.items.to_string()),
            ("Failures", state.consecutive_failures.to_string()),
            ("Next fetch", next_fetch(state.next_fetch, now)),
            ("Backoff", backoff(state, now)),
        ],
    };
    for (term, value) in facts {
        let _ = writeln!(html, "<dt>{term}</dt><dd>{}</dd>", escape_markup(&value));
    }
    html.push_str("</dl>\n");
    if let Some(error) = row.state.and_then(|state| state.last_error.as_deref()) {
        let _ = writeln!(
            html,
            "<p class=\"error\"><strong>Last error:</strong> {}</p>",
            escape_markup(&cut(error))
        );
    }
    write_chart(html, row.feed_id, hours, now);
    html.push_str("</article>\n");
}

/// The chart of the last [`CHART_HOURS`]: per hour, a bar of the items
/// taken in (scaled to the busiest hour) and one of the failed share of
/// its fetches; an hour with fetches but neither shows a thin grey mark,
/// an hour without fetches nothing. Each hour has a `<title>` tooltip.
fn write_chart(html: &mut String, feed_id: &str, hours: &[&FetchHour], now: DateTime<Utc>) {
    let current = now.duration_trunc(TimeDelta::hours(1)).unwrap_or(now);
    let first = current - TimeDelta::hours(CHART_HOURS - 1);
    let charted: Vec<(i64, &FetchHour)> = hours
        .iter()
        .filter(|hour| hour.hour >= first && hour.hour <= current)
        .map(|hour| ((hour.hour - first).num_hours(), *hour))
        .collect();
    let most_items = charted
        .iter()
        .map(|(_, hour)| hour.items)
        .max()
        .unwrap_or(0);
    let items: u64 = charted.iter().map(|(_, hour)| hour.items).sum();
    let failures: u64 = charted
        .iter()
        .map(|(_, hour)| u64::from(hour.failures))
        .sum();
    let fetches: u64 = charted
        .iter()
        .map(|(_, hour)| u64::from(hour.fetches))
        .sum();
    let summary = format!(
        "Last 24 hours: {}, {} in {}",
        plural(items as usize, "item", "items"),
        plural(failures as usize, "failed fetch", "failed fetches"),
        plural(fetches as usize, "fetch", "fetches"),
    );
    let width = COLUMN * CHART_HOURS;
    let _ = write!(
        html,
        "<figure>\n<svg class=\"chart\" xmlns=\"http://www.w3.org/2000/svg\" \
         viewBox=\"0 0 {width} {CHART_HEIGHT}\" role=\"img\" aria-label=\"{label}\">\n\
         <title>{label}</title>\n\
         <line x1=\"0\" y1=\"{BASELINE}.5\" x2=\"{width}\" y2=\"{BASELINE}.5\" stroke=\"#bbb\" stroke-width=\"1\"/>\n",
        label = escape_markup(&format!("{feed_id}: {summary}")),
    );
    for (column, hour) in &charted {
        let x = column * COLUMN + (COLUMN - BAR) / 2;
        let start = hour.hour.format("%H:%M");
        let end = (hour.hour + TimeDelta::hours(1)).format("%H:%M");
        let _ = write!(
            html,
            "<g><title>{start}–{end} UTC: {}, {} failed, {}</title>",
            plural(hour.fetches as usize, "fetch", "fetches"),
            hour.failures,
            plural(hour.items as usize, "item", "items"),
        );
        if hour.items > 0 {
            // At least 2 units, so one item among hundreds still shows.
            let height = scale(hour.items, most_items, ITEMS_HEIGHT).max(2);
            let _ = write!(
                html,
                "<rect x=\"{x}\" y=\"{}\" width=\"{BAR}\" height=\"{height}\" fill=\"#1565c0\"/>",
                BASELINE - height
            );
        }
        if hour.failures > 0 {
            let height = scale(
                u64::from(hour.failures),
                u64::from(hour.fetches.max(hour.failures)),
                FAILURES_HEIGHT,
            )
            .max(2);
            let _ = write!(
                html,
                "<rect x=\"{x}\" y=\"{}\" width=\"{BAR}\" height=\"{height}\" fill=\"#c62828\"/>",
                BASELINE + 2
            );
        }
        if hour.items == 0 && hour.failures == 0 {
            let _ = write!(
                html,
                "<rect x=\"{x}\" y=\"{}\" width=\"{BAR}\" height=\"2\" fill=\"#9e9e9e\"/>",
                BASELINE - 2
            );
        }
        html.push_str("</g>\n");
    }
    let _ = write!(
        html,
        "<text x=\"0\" y=\"{CHART_HEIGHT}\" font-size=\"7\" fill=\"#666\">{first}</text>\
         <text x=\"{width}\" y=\"{CHART_HEIGHT}\" font-size=\"7\" fill=\"#666\" \
         text-anchor=\"end\">now</text>\n</svg>\n<figcaption>{summary}</figcaption>\n</figure>\n",
        first = first.format("%H:%M UTC"),
    );
}

/// `value` of `most` as a share of `height`, rounded up.
fn scale(value: u64, most: u64, height: i64) -> i64 {
    if most == 0 {
        return 0;
    }
    let height = u64::try_from(height).unwrap_or(0);
    i64::try_from((value.min(most) * height).div_ceil(most)).unwrap_or(0)
}

fn plural(count: usize, one: &str, many: &str) -> String {
    if count == 1 {
        format!("1 {one}")
    } else {
        format!("{count} {many}")
    }
}

fn cut(text: &str) -> String {
    if text.chars().count() <= MAX_ERROR_CHARS {
        return text.to_owned();
    }
    let mut cut: String = text.chars().take(MAX_ERROR_CHARS - 1).collect();
    cut.push('…');
    cut
}

#[cfg(test)]
mod tests {
    use super::super::testing::{at, backing_off, config, healthy};
    use super::*;

    fn hour(feed_id: &str, hours_ago: i64, fetches: u32, failures: u32, items: u64) -> FetchHour {
        FetchHour {
            feed_id: feed_id.to_owned(),
            hour: at(0).duration_trunc(TimeDelta::hours(1)).unwrap() - TimeDelta::hours(hours_ago),
            fetches,
            failures,
            items,
        }
    }

    /// The card of `feed_id`.
    fn card<'a>(html: &'a str, feed_id: &str) -> &'a str {
        let start = html
            .find(&format!("<span dir=\"auto\">{feed_id}</span>"))
            .unwrap_or_else(|| panic!("no card for {feed_id}:\n{html}"));
        let end = html[start..].find("</article>").unwrap() + start;
        &html[start..end]
    }

    #[test]
    fn each_feed_shows_the_facts_of_the_status_table() {
        let states = [
            healthy("ap"),
            backing_off("afp", "HTTP 503 Service Unavailable"),
        ];
        let html = render_html(&config(&["ap", "afp", "new"]), &states, &[], at(0));
        let ap = card(&html, "ap");
        assert!(ap.contains("class=\"badge\">ok<"), "{ap}");
        assert!(
            ap.contains("<dt>Last success</dt><dd>2025-11-25 12:59:00Z (1m ago)</dd>"),
            "{ap}"
        );
        assert!(ap.contains("<dt>Next fetch</dt><dd>in 4m</dd>"), "{ap}");
        assert!(ap.contains("<dt>Backoff</dt><dd>-</dd>"), "{ap}");
        let afp = card(&html, "afp");
        assert!(afp.contains("class=\"badge\">failing<"), "{afp}");
        assert!(
            afp.contains("<dt>Backoff</dt><dd>4m (3 failures)</dd>"),
            "{afp}"
        );
        assert!(
            afp.contains("Last error:</strong> HTTP 503 Service Unavailable"),
            "{afp}"
        );
        assert!(card(&html, "new").contains(">never fetched<"), "{html}");
        assert!(card(&html, "paused").contains(">disabled<"), "{html}");
        assert!(html.contains("4 feeds · 1 failing"), "{html}");
    }

    #[test]
    fn the_chart_draws_the_last_24_hours_of_items_and_failures() {
        let hours = [
            hour("ap", 0, 12, 0, 10),
            hour("ap", 5, 12, 3, 5),
            hour("ap", 23, 12, 12, 0),
            hour("ap", 24, 12, 12, 0),
            hour("ap", 6, 1, 0, 0),
            hour("afp", 0, 12, 12, 0),
        ];
        let html = render_html(&config(&["ap"]), &[healthy("ap")], &hours, at(0));
        let ap = card(&html, "ap");
        assert!(ap.contains("<svg class=\"chart\""), "{ap}");
        // The hour 24 hours ago is out; afp's hours are not ap's.
        assert!(
            ap.contains(
                "<figcaption>Last 24 hours: 15 items, 15 failed fetches in 37 fetches</figcaption>"
            ),
            "{ap}"
        );
        // The busiest hour fills the items height, the hour of half as many half of it.
        assert!(
            ap.contains(&format!(
                "y=\"{}\" width=\"8\" height=\"36\" fill=\"#1565c0\"",
                BASELINE - 36
            )),
            "{ap}"
        );
        assert!(ap.contains("height=\"18\" fill=\"#1565c0\""), "{ap}");
        // All fetches failed: the full failure height, in the first column.
        assert!(
            ap.contains("<rect x=\"1\" y=\"42\" width=\"8\" height=\"14\" fill=\"#c62828\"/>"),
            "{ap}"
        );
        assert!(ap.contains("height=\"2\" fill=\"#9e9e9e\""), "{ap}");
        assert!(
            ap.contains("<title>13:00–14:00 UTC: 12 fetches, 0 failed, 10 items</title>"),
            "{ap}"
        );
    }

    #[test]
    fn hostile_text_in_an_error_stays_text() {
        let state = backing_off("ap", "<script>alert(1)</script> \"onerror=x");
        let html = render_html(&config(&["ap"]), &[state], &[], at(0));
        assert!(!html.contains("<script"), "{html}");
        assert!(!html.contains("\"onerror"), "{html}");
        assert!(
            html.contains("&lt;script&gt;alert(1)&lt;/script&gt; &quot;onerror=x"),
            "{html}"
        );
    }

    #[test]
    fn a_long_error_is_cut() {
        let state = backing_off("ap", &"x".repeat(2000));
        let html = render_html(&config(&["ap"]), &[state], &[], at(0));
        assert!(html.contains(&format!("{}…", "x".repeat(MAX_ERROR_CHARS - 1))));
        assert!(!html.contains(&"x".repeat(MAX_ERROR_CHARS)));
    }

    #[test]
    fn scaling_rounds_up_and_never_exceeds_the_height() {
        assert_eq!(scale(1, 1000, 36), 1);
        assert_eq!(scale(500, 1000, 36), 18);
        assert_eq!(scale(2000, 1000, 36), 36);
        assert_eq!(scale(3, 0, 36), 0);
    }
}

//! `wirefeed status`: per-feed health from the state, as a table a person reads.

use std::fmt::Write as _;

use chrono::{DateTime, Utc};

use crate::config::Config;
use crate::store::FeedState;

/// Renders one row per configured feed (in feeds.toml order), then any feed
/// the state still knows but feeds.toml no longer lists.
pub fn render_table(config: &Config, states: &[FeedState], now: DateTime<Utc>) -> String {
    let mut rows: Vec<[String; 7]> = Vec::new();
    let header = [
        "FEED",
        "LAST FETCH",
        "LAST SUCCESS",
        "HTTP",
        "ITEMS",
        "FAILURES",
        "LAST ERROR",
    ];
    let find = |id: &str| states.iter().find(|s| s.feed_id == id);
    for feed in &config.feeds {
        let id = if feed.enabled {
            feed.id.clone()
        } else {
            format!("{} (disabled)", feed.id)
        };
        rows.push(row(id, find(&feed.id), now));
    }
    for state in states {
        if !config.feeds.iter().any(|f| f.id == state.feed_id) {
            rows.push(row(
                format!("{} (not in config)", state.feed_id),
                Some(state),
                now,
            ));
        }
    }

    let mut widths = header.map(str::len);
    for r in &rows {
        for (width, cell) in widths.iter_mut().zip(r.iter()) {
            *width = (*width).max(cell.chars().count());
        }
    }
    let mut out = String::new();
    let mut line = |cells: &[String]| {
        let last = cells.len() - 1;
        for (i, cell) in cells.iter().enumerate() {
            if i == last {
                let _ = write!(out, "{cell}");
            } else {
                let pad = widths[i] - cell.chars().count();
                let _ = write!(out, "{cell}{}  ", " ".repeat(pad));
            }
        }
        out.push('\n');
    };
    line(&header.map(str::to_owned));
    for r in &rows {
        line(r);
    }
    out
}

fn row(id: String, state: Option<&FeedState>, now: DateTime<Utc>) -> [String; 7] {
    let Some(state) = state else {
        return [
            id,
            "never".into(),
            "never".into(),
            "-".into(),
            "0".into(),
            "0".into(),
            String::new(),
        ];
    };
    [
        id,
        ago(state.last_fetch, now),
        ago(state.last_success, now),
        state.http_status.map_or("-".into(), |s| s.to_string()),
        state.items.to_string(),
        state.consecutive_failures.to_string(),
        state
            .last_error
            .clone()
            .unwrap_or_default()
            .replace('\n', " "),
    ]
}

/// "2025-11-25 13:02:11Z (4m ago)"
fn ago(at: Option<DateTime<Utc>>, now: DateTime<Utc>) -> String {
    let Some(at) = at else { return "never".into() };
    let secs = (now - at).num_seconds().max(0);
    let relative = match secs {
        0..60 => format!("{secs}s"),
        60..3600 => format!("{}m", secs / 60),
        3600..86400 => format!("{}h", secs / 3600),
        _ => format!("{}d", secs / 86400),
    };
    format!("{} ({relative} ago)", at.format("%Y-%m-%d %H:%M:%SZ"))
}

//! The status table: one aligned line per feed, for a terminal.

use std::fmt::Write as _;

use chrono::{DateTime, TimeDelta, Utc};

use super::{Row, rows};
use crate::config::Config;
use crate::store::FeedState;

/// A next fetch this far past is not one the daemon is busy with (a batch
/// ends within the fetch timeout and a publish): the daemon is not running.
const OVERDUE_AFTER: TimeDelta = TimeDelta::minutes(5);
/// Longer errors are cut in the table (`--json` has them whole), so one
/// chatty server does not push every line off the screen.
const MAX_ERROR_CHARS: usize = 100;

const HEADER: [&str; 9] = [
    "FEED",
    "LAST FETCH",
    "LAST SUCCESS",
    "HTTP",
    "ITEMS",
    "FAILURES",
    "NEXT FETCH",
    "BACKOFF",
    "LAST ERROR",
];

/// Renders one row per configured feed (in feeds.toml order), then any feed
/// the state still knows but feeds.toml no longer lists; a closing note when
/// a planned fetch is long overdue.
pub fn render_table(config: &Config, states: &[FeedState], now: DateTime<Utc>) -> String {
    let rows = rows(config, states);
    let overdue = rows
        .iter()
        .filter_map(|row| row.state?.next_fetch)
        .any(|next| now - next > OVERDUE_AFTER);
    let cells: Vec<[String; 9]> = rows.iter().map(|row| cells(row, now)).collect();

    let mut widths = HEADER.map(str::len);
    for row in &cells {
        for (width, cell) in widths.iter_mut().zip(row.iter()) {
            *width = (*width).max(cell.chars().count());
        }
    }
    let mut out = String::new();
    let mut line = |cells: &[String]| {
        let last = cells.len() - 1;
        for (i, cell) in cells.iter().enumerate() {
            if i == last {
                out.push_str(cell);
            } else {
                let pad = widths[i] - cell.chars().count();
                let _ = write!(out, "{cell}{}  ", " ".repeat(pad));
            }
        }
        // The last column is not padded: an empty one leaves no trailing blanks.
        let trimmed = out.trim_end_matches(' ').len();
        out.truncate(trimmed);
        out.push('\n');
    };
    line(&HEADER.map(str::to_owned));
    for row in &cells {
        line(row);
    }
    if overdue {
        out.push_str("\nsome next fetches are long overdue: is `wirefeed run` running?\n");
    }
    out
}

fn cells(row: &Row<'_>, now: DateTime<Utc>) -> [String; 9] {
    let id = match (row.configured, row.enabled) {
        (true, true) => row.feed_id.to_owned(),
        (true, false) => format!("{} (disabled)", row.feed_id),
        (false, _) => format!("{} (not in config)", row.feed_id),
    };
    let Some(state) = row.state else {
        return [
            id,
            "never".into(),
            "never".into(),
            "-".into(),
            "0".into(),
            "0".into(),
            "-".into(),
            "-".into(),
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
        next_fetch(state.next_fetch, now),
        backoff(state, now),
        state.last_error.as_deref().map(error).unwrap_or_default(),
    ]
}

/// "2025-11-25 13:02:11Z (4m ago)"
pub(super) fn ago(at: Option<DateTime<Utc>>, now: DateTime<Utc>) -> String {
    let Some(at) = at else { return "never".into() };
    format!(
        "{} ({} ago)",
        at.format("%Y-%m-%d %H:%M:%SZ"),
        span(now - at)
    )
}

/// "in 4m", "due", or "overdue 2h" once past [`OVERDUE_AFTER`].
pub(super) fn next_fetch(at: Option<DateTime<Utc>>, now: DateTime<Utc>) -> String {
    let Some(at) = at else { return "-".into() };
    let wait = at - now;
    if wait >= TimeDelta::seconds(1) {
        format!("in {}", span(wait))
    } else if -wait > OVERDUE_AFTER {
        format!("overdue {}", span(-wait))
    } else {
        "due".into()
    }
}

/// "4m (3 failures)": the wait from the last fetch to the retry, while it
/// lasts; "-" when the feed follows its schedule.
pub(super) fn backoff(state: &FeedState, now: DateTime<Utc>) -> String {
    let Some(until) = state.backoff_until.filter(|&until| until > now) else {
        return "-".into();
    };
    let wait = span(until - state.last_fetch.unwrap_or(now));
    match state.consecutive_failures {
        0 => wait,
        1 => format!("{wait} (1 failure)"),
        n => format!("{wait} ({n} failures)"),
    }
}

/// On one line, at most [`MAX_ERROR_CHARS`].
fn error(text: &str) -> String {
    let flat = text.replace(['\n', '\r'], " ");
    if flat.chars().count() <= MAX_ERROR_CHARS {
        return flat;
    }
    let mut cut: String = flat.chars().take(MAX_ERROR_CHARS - 1).collect();
    cut.push('…');
    cut
}

/// A duration in its largest whole unit: "45s", "4m", "2h", "3d".
fn span(delta: TimeDelta) -> String {
    let secs = delta.num_seconds().max(0);
    match secs {
        0..60 => format!("{secs}s"),
        60..3600 => format!("{}m", secs / 60),
        3600..86400 => format!("{}h", secs / 3600),
        _ => format!("{}d", secs / 86400),
    }
}

#[cfg(test)]
mod tests {
    use super::super::testing::{at, backing_off, config, healthy};
    use super::*;

    /// The table's line for `feed`, split at the column starts of the header.
    fn columns(table: &str, feed: &str) -> Vec<String> {
        let header = table.lines().next().unwrap();
        let starts: Vec<usize> = HEADER
            .iter()
            .map(|title| header.find(title).unwrap())
            .collect();
        let line = table
            .lines()
            .find(|line| line.split("  ").next() == Some(feed))
            .unwrap_or_else(|| panic!("no line for {feed}:\n{table}"));
        let chars: Vec<char> = line.chars().collect();
        starts
            .iter()
            .enumerate()
            .map(|(i, &start)| {
                let end = starts.get(i + 1).copied().unwrap_or(chars.len());
                chars[start.min(chars.len())..end.min(chars.len())]
                    .iter()
                    .collect::<String>()
                    .trim()
                    .to_owned()
            })
            .collect()
    }

    #[test]
    fn a_healthy_feed_shows_when_it_is_fetched_next_and_no_backoff() {
        let table = render_table(&config(&["ap"]), &[healthy("ap")], at(0));
        let ap = columns(&table, "ap");
        assert_eq!(ap[1], "2025-11-25 12:59:00Z (1m ago)");
        assert_eq!(ap[3..], ["200", "12", "0", "in 4m", "-", ""]);
        assert!(!table.contains("overdue"), "{table}");
    }

    #[test]
    fn a_failing_feed_shows_its_backoff_and_failure_count() {
        let state = backing_off("ap", "HTTP 503 Service Unavailable");
        let table = render_table(&config(&["ap"]), &[state], at(0));
        let ap = columns(&table, "ap");
        assert_eq!(
            ap[3..],
            [
                "503",
                "12",
                "3",
                "in 3m",
                "4m (3 failures)",
                "HTTP 503 Service Unavailable"
            ]
        );
    }

    #[test]
    fn a_backoff_that_has_ended_is_not_shown() {
        let state = backing_off("ap", "HTTP 503");
        let table = render_table(&config(&["ap"]), &[state], at(200));
        let ap = columns(&table, "ap");
        assert_eq!((ap[5].as_str(), ap[7].as_str()), ("3", "-"));
    }

    #[test]
    fn a_next_fetch_just_past_is_due_and_one_long_past_is_overdue_with_a_hint() {
        let config = config(&["ap"]);
        let due = render_table(&config, &[healthy("ap")], at(300));
        assert_eq!(columns(&due, "ap")[6], "due");
        assert!(!due.contains("wirefeed run"), "{due}");

        let stale = render_table(&config, &[healthy("ap")], at(240 + 7200));
        assert_eq!(columns(&stale, "ap")[6], "overdue 2h");
        assert!(
            stale.ends_with("is `wirefeed run` running?\n"),
            "the service looks stopped: {stale}"
        );
    }

    #[test]
    fn unplanned_unknown_disabled_and_orphaned_feeds_each_get_a_row() {
        let running = FeedState {
            next_fetch: None,
            ..healthy("running")
        };
        let states = [running, healthy("retired")];
        let table = render_table(&config(&["running", "new"]), &states, at(0));
        let lines: Vec<&str> = table.lines().collect();
        assert_eq!(lines.len(), 5, "{table}");
        assert!(lines[0].starts_with("FEED "));
        assert_eq!(columns(&table, "running")[6], "-");
        assert_eq!(
            columns(&table, "new")[1..8],
            ["never", "never", "-", "0", "0", "-", "-"]
        );
        assert!(lines[3].starts_with("paused (disabled) "), "{table}");
        assert!(lines[4].starts_with("retired (not in config) "), "{table}");
    }

    #[test]
    fn a_long_multiline_error_is_cut_and_leaves_the_other_columns_aligned() {
        let long = format!("parse error:\n{}", "x".repeat(500));
        let states = [backing_off("broken", &long), healthy("ap")];
        let table = render_table(&config(&["broken", "ap"]), &states, at(0));
        let header = table.lines().next().unwrap();
        let error_column = header.find("LAST ERROR").unwrap();
        assert!(error_column < 150, "{header}");
        let broken = table.lines().find(|l| l.starts_with("broken")).unwrap();
        assert_eq!(broken.chars().count(), error_column + MAX_ERROR_CHARS);
        assert!(broken.ends_with("x…"), "{broken}");
        assert!(broken.contains("parse error: x"), "{broken}");
        assert_eq!(columns(&table, "broken")[8].chars().count(), 100);
        assert_eq!(columns(&table, "ap")[6], "in 4m");
    }

    #[test]
    fn spans_use_their_largest_whole_unit() {
        let spans: Vec<String> = [0, 59, 60, 3599, 3600, 86399, 86400, -5]
            .map(|s| span(TimeDelta::seconds(s)))
            .into();
        assert_eq!(spans, ["0s", "59s", "1m", "59m", "1h", "23h", "1d", "0s"]);
    }
}

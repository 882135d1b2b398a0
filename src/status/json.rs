//! `wirefeed status --json`: the same rows as the table, as a JSON array with
//! stable field names, for scripts and monitoring.

use chrono::{DateTime, SecondsFormat, Utc};
use serde::Serialize;

use super::{Row, rows};
use crate::config::Config;
use crate::store::FeedState;

/// One feed; times are RFC 3339 in UTC, `null` when unknown.
#[derive(Serialize)]
struct FeedStatus<'a> {
    feed: &'a str,
    configured: bool,
    enabled: bool,
    last_fetch: Option<String>,
    last_success: Option<String>,
    http_status: Option<u16>,
    items: u64,
    consecutive_failures: u32,
    last_error: Option<&'a str>,
    next_fetch: Option<String>,
    backoff_until: Option<String>,
}

/// A pretty-printed JSON array with one object per feed, in the table's
/// order: `feed`, `configured`, `enabled`, `last_fetch`, `last_success`,
/// `http_status`, `items`, `consecutive_failures`, `last_error`, `next_fetch`,
/// `backoff_until`. Unlike the table, errors are whole.
pub fn render_json(config: &Config, states: &[FeedState]) -> serde_json::Result<String> {
    let feeds: Vec<FeedStatus<'_>> = rows(config, states).iter().map(feed_status).collect();
    serde_json::to_string_pretty(&feeds)
}

fn feed_status<'a>(row: &Row<'a>) -> FeedStatus<'a> {
    let state = row.state;
    let time = |pick: fn(&FeedState) -> Option<DateTime<Utc>>| {
        state
            .and_then(pick)
            .map(|at| at.to_rfc3339_opts(SecondsFormat::Secs, true))
    };
    FeedStatus {
        feed: row.feed_id,
        configured: row.configured,
        enabled: row.enabled,
        last_fetch: time(|s| s.last_fetch),
        last_success: time(|s| s.last_success),
        http_status: state.and_then(|s| s.http_status),
        items: state.map_or(0, |s| s.items),
        consecutive_failures: state.map_or(0, |s| s.consecutive_failures),
        last_error: state.and_then(|s| s.last_error.as_deref()),
        next_fetch: time(|s| s.next_fetch),
        backoff_until: time(|s| s.backoff_until),
    }
}

#[cfg(test)]
mod tests {
    use serde_json::{Value, json};

    use super::super::testing::{backing_off, config, healthy};
    use super::*;

    fn parse(config: &Config, states: &[FeedState]) -> Vec<Value> {
        let text = render_json(config, states).unwrap();
        match serde_json::from_str(&text).unwrap() {
            Value::Array(feeds) => feeds,
            other => panic!("not an array: {other}"),
        }
    }

    #[test]
    fn every_field_is_named_and_times_are_rfc3339() {
        let error = "HTTP 503\nService Unavailable";
        let feeds = parse(&config(&["ap"]), &[backing_off("ap", error)]);
        assert_eq!(
            feeds,
            [
                json!({
                    "feed": "ap",
                    "configured": true,
                    "enabled": true,
                    "last_fetch": "2025-11-25T12:59:00Z",
                    "last_success": "2025-11-25T12:00:00Z",
                    "http_status": 503,
                    "items": 12,
                    "consecutive_failures": 3,
                    "last_error": error,
                    "next_fetch": "2025-11-25T13:03:00Z",
                    "backoff_until": "2025-11-25T13:03:00Z",
                }),
                json!({
                    "feed": "paused",
                    "configured": true,
                    "enabled": false,
                    "last_fetch": null,
                    "last_success": null,
                    "http_status": null,
                    "items": 0,
                    "consecutive_failures": 0,
                    "last_error": null,
                    "next_fetch": null,
                    "backoff_until": null,
                }),
            ]
        );
    }

    #[test]
    fn a_feed_only_the_state_knows_comes_last_and_is_marked_unconfigured() {
        let feeds = parse(&config(&["ap"]), &[healthy("retired"), healthy("ap")]);
        let ids: Vec<&str> = feeds.iter().map(|f| f["feed"].as_str().unwrap()).collect();
        assert_eq!(ids, ["ap", "paused", "retired"]);
        assert_eq!(feeds[2]["configured"], json!(false));
        assert_eq!(feeds[2]["enabled"], json!(false));
        assert_eq!(feeds[0]["next_fetch"], json!("2025-11-25T13:04:00Z"));
        assert_eq!(feeds[0]["backoff_until"], Value::Null);
    }
}

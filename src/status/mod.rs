//! `wirefeed status`: per-feed health from the state, as a table a person
//! reads ([`render_table`]), JSON for scripts ([`render_json`]), or the HTML
//! page the daemon serves at `/status` ([`render_html`]): the same rows and
//! the same wording in all three. On a state shared by several instances,
//! the table is followed by the cluster ([`render_cluster`]).
//!
//! The state is written by other processes (`wirefeed once`, and the daemon,
//! which also saves its plan there): this module only reads what they left.

mod cluster;
mod json;
mod page;
mod table;

pub use cluster::render_cluster;
pub use json::render_json;
pub use page::{CHART_HOURS, render_html};
pub use table::render_table;

use crate::config::Config;
use crate::store::FeedState;

/// One feed of the status: one of the config, or one only the state knows.
struct Row<'a> {
    feed_id: &'a str,
    /// Listed in feeds.toml.
    configured: bool,
    /// Listed and enabled: the daemon fetches it.
    enabled: bool,
    /// `None` before anything was recorded about it.
    state: Option<&'a FeedState>,
}

/// Every configured feed in feeds.toml order, then every feed the state
/// still knows but feeds.toml no longer lists, by id.
fn rows<'a>(config: &'a Config, states: &'a [FeedState]) -> Vec<Row<'a>> {
    let find = |id: &str| states.iter().find(|s| s.feed_id == id);
    let configured = config.feeds.iter().map(|feed| Row {
        feed_id: &feed.id,
        configured: true,
        enabled: feed.enabled,
        state: find(&feed.id),
    });
    let orphans = states
        .iter()
        .filter(|state| !config.feeds.iter().any(|f| f.id == state.feed_id))
        .map(|state| Row {
            feed_id: &state.feed_id,
            configured: false,
            enabled: false,
            state: Some(state),
        });
    configured.chain(orphans).collect()
}

/// Test data shared by the table and JSON tests.
#[cfg(test)]
mod testing {
    use chrono::{DateTime, TimeDelta, TimeZone, Utc};

    use crate::config::Config;
    use crate::fetch::Validators;
    use crate::store::FeedState;

    /// 2025-11-25 13:00:00 UTC + `seconds`.
    pub fn at(seconds: i64) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2025, 11, 25, 13, 0, 0).unwrap() + TimeDelta::seconds(seconds)
    }

    /// A config listing `ids` (enabled) and "paused" (disabled).
    pub fn config(ids: &[&str]) -> Config {
        let mut text =
            String::from("[site]\ntitle = \"Status\"\nbase_url = \"https://feeds.example.org/\"\n");
        for id in ids {
            text.push_str(&format!(
                "[[feed]]\nid = \"{id}\"\nurl = \"https://agency.example/{id}.rss\"\n"
            ));
        }
        text.push_str(
            "[[feed]]\nid = \"paused\"\nurl = \"https://agency.example/paused.rss\"\nenabled = false\n",
        );
        let (config, _warnings) =
            crate::config::parse_str(&text, std::path::Path::new("feeds.toml")).unwrap();
        config
    }

    /// A feed fetched at `at(-60)` that worked.
    pub fn healthy(feed_id: &str) -> FeedState {
        FeedState {
            feed_id: feed_id.to_owned(),
            last_fetch: Some(at(-60)),
            last_success: Some(at(-60)),
            last_error: None,
            http_status: Some(200),
            consecutive_failures: 0,
            items: 12,
            validators: Validators::default(),
            next_fetch: Some(at(240)),
            backoff_until: None,
        }
    }

    /// A feed whose third failure, at `at(-60)`, holds it back 4 minutes.
    pub fn backing_off(feed_id: &str, error: &str) -> FeedState {
        FeedState {
            last_success: Some(at(-3600)),
            last_error: Some(error.to_owned()),
            http_status: Some(503),
            consecutive_failures: 3,
            next_fetch: Some(at(180)),
            backoff_until: Some(at(180)),
            ..healthy(feed_id)
        }
    }
}

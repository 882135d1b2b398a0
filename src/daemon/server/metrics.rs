//! The counters the service loop updates and `/metrics` renders, in the
//! Prometheus text exposition format 0.0.4.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use chrono::{DateTime, Utc};

use crate::daemon::websub::PingStats;
use crate::store::cluster::ClusterView;

/// Counters the service loop updates and the server reads. Cheap to clone
/// (one `Arc` inside), `Send + Sync`.
#[derive(Clone, Default)]
pub struct Metrics {
    inner: Arc<Mutex<Counters>>,
}

#[derive(Default)]
struct Counters {
    /// (feed id, outcome) -> fetches.
    fetches: BTreeMap<(String, &'static str), u64>,
    last_success: BTreeMap<String, DateTime<Utc>>,
    ingested: u64,
    folded: u64,
    publish_seconds_sum: f64,
    publish_count: u64,
    last_publish: Option<DateTime<Utc>>,
    /// What the WebSub notifier has done, when a hub is configured.
    websub: Option<PingStats>,
    /// This instance's name and the cluster it is part of, on a shared state.
    cluster: Option<(String, ClusterView)>,
}

impl Metrics {
    /// Counts one fetch of `feed_id`; `outcome` is `"fetched"`,
    /// `"not_modified"` or `"failed"`.
    pub fn record_fetch(&self, feed_id: &str, outcome: &'static str) {
        *self
            .lock()
            .fetches
            .entry((feed_id.to_string(), outcome))
            .or_default() += 1;
    }

    /// Notes that `feed_id` was fetched successfully at `at`.
    pub fn record_success(&self, feed_id: &str, at: DateTime<Utc>) {
        self.lock().last_success.insert(feed_id.to_string(), at);
    }

    /// Adds `items` stored items: new stories, updates and folded duplicates.
    pub fn add_ingested(&self, items: u64) {
        self.lock().ingested += items;
    }

    /// Adds `items` items folded into an earlier story as duplicates.
    pub fn add_folded(&self, items: u64) {
        self.lock().folded += items;
    }

    /// Notes a publish that took `duration` and finished at `at`.
    pub fn record_publish(&self, duration: Duration, at: DateTime<Utc>) {
        let mut counters = self.lock();
        counters.publish_seconds_sum += duration.as_secs_f64();
        counters.publish_count += 1;
        counters.last_publish = Some(at);
    }

    /// Notes that the output was found current at `at` without a publish
    /// (nothing had changed): as fresh as a publish, for /healthz.
    pub fn record_current(&self, at: DateTime<Utc>) {
        self.lock().last_publish = Some(at);
    }

    /// Notes what the WebSub notifier has done so far.
    pub fn record_websub(&self, stats: PingStats) {
        self.lock().websub = Some(stats);
    }

    /// Notes the cluster as this instance (`me`) last saw it.
    pub fn record_cluster(&self, me: &str, view: ClusterView) {
        self.lock().cluster = Some((me.to_owned(), view));
    }

    /// Forgets the cluster: the state moved to one of its own (SQLite).
    pub fn forget_cluster(&self) {
        self.lock().cluster = None;
    }

    /// This instance's name and the cluster, when it is part of one.
    pub fn cluster(&self) -> Option<(String, ClusterView)> {
        self.lock().cluster.clone()
    }

    /// Drops every series of a feed a reload removed, so it stops being exported.
    pub fn forget_feed(&self, feed_id: &str) {
        let mut counters = self.lock();
        counters.fetches.retain(|(feed, _), _| feed != feed_id);
        counters.last_success.remove(feed_id);
    }

    /// When the last publish finished, if one has.
    pub fn last_publish(&self) -> Option<DateTime<Utc>> {
        self.lock().last_publish
    }

    /// Every metric in the Prometheus text format 0.0.4; ages are counted to `now`.
    pub fn render(&self, now: DateTime<Utc>) -> String {
        let counters = self.lock();
        let mut out = String::new();
        header(
            &mut out,
            "wirefeed_fetches_total",
            "counter",
            "Feed fetches by feed and outcome.",
        );
        for ((feed, outcome), count) in &counters.fetches {
            let _ = writeln!(
                out,
                "wirefeed_fetches_total{{feed=\"{}\",outcome=\"{}\"}} {count}",
                escape_label(feed),
                escape_label(outcome)
            );
        }
        header(
            &mut out,
            "wirefeed_items_ingested_total",
            "counter",
            "Items stored: new stories, updates of stored ones and duplicates folded into them \
             (the folds alone: wirefeed_duplicates_folded_total).",
        );
        let _ = writeln!(out, "wirefeed_items_ingested_total {}", counters.ingested);
        header(
            &mut out,
            "wirefeed_duplicates_folded_total",
            "counter",
            "Items folded into an earlier story as duplicates.",
        );
        let _ = writeln!(out, "wirefeed_duplicates_folded_total {}", counters.folded);
        header(
            &mut out,
            "wirefeed_publish_duration_seconds",
            "summary",
            "Time spent publishing the output files.",
        );
        let _ = writeln!(
            out,
            "wirefeed_publish_duration_seconds_sum {}",
            counters.publish_seconds_sum
        );
        let _ = writeln!(
            out,
            "wirefeed_publish_duration_seconds_count {}",
            counters.publish_count
        );
        if let Some(at) = counters.last_publish {
            header(
                &mut out,
                "wirefeed_last_publish_timestamp_seconds",
                "gauge",
                "Unix time the last publish finished.",
            );
            let _ = writeln!(
                out,
                "wirefeed_last_publish_timestamp_seconds {}",
                seconds(at - DateTime::UNIX_EPOCH)
            );
        }
        if let Some(stats) = counters.websub {
            header(
                &mut out,
                "wirefeed_websub_pings_total",
                "counter",
                "WebSub publish pings by outcome: delivered, failed (attempts) and given_up (topics).",
            );
            for (outcome, count) in [
                ("delivered", stats.delivered),
                ("failed", stats.failed),
                ("given_up", stats.given_up),
            ] {
                let _ = writeln!(
                    out,
                    "wirefeed_websub_pings_total{{outcome=\"{outcome}\"}} {count}"
                );
            }
            header(
                &mut out,
                "wirefeed_websub_waiting",
                "gauge",
                "Topics waiting for a WebSub ping or its retry.",
            );
            let _ = writeln!(out, "wirefeed_websub_waiting {}", stats.waiting);
        }
        if let Some((me, view)) = &counters.cluster {
            render_cluster(&mut out, me, view);
        }
        header(
            &mut out,
            "wirefeed_feed_last_success_age_seconds",
            "gauge",
            "Seconds since each feed was last fetched successfully.",
        );
        for (feed, at) in &counters.last_success {
            let _ = writeln!(
                out,
                "wirefeed_feed_last_success_age_seconds{{feed=\"{}\"}} {}",
                escape_label(feed),
                seconds(now - *at)
            );
        }
        out
    }

    fn lock(&self) -> MutexGuard<'_, Counters> {
        // The counters stay consistent even if a holder panicked: every update is one step.
        self.inner
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }
}

/// Instances alive, the feeds each holds, which one publishes, and
/// whether this one does: what an alert on "nobody publishes" or "one
/// instance holds everything" needs.
fn render_cluster(out: &mut String, me: &str, view: &ClusterView) {
    header(
        out,
        "wirefeed_cluster_instances",
        "gauge",
        "Instances sharing the state that were heard from in the last 5 s.",
    );
    let _ = writeln!(out, "wirefeed_cluster_instances {}", view.instances.len());
    header(
        out,
        "wirefeed_cluster_feeds_held",
        "gauge",
        "Feeds each instance is fetching now, by instance.",
    );
    for instance in &view.instances {
        let _ = writeln!(
            out,
            "wirefeed_cluster_feeds_held{{instance=\"{}\",publishing=\"{}\"}} {}",
            escape_label(&instance.instance),
            instance.publishing,
            instance.feeds.len()
        );
    }
    header(
        out,
        "wirefeed_cluster_publisher",
        "gauge",
        "1 when this instance publishes for the cluster.",
    );
    let publishing = view
        .instances
        .iter()
        .any(|instance| instance.publishing && instance.instance == me);
    let _ = writeln!(
        out,
        "wirefeed_cluster_publisher{{instance=\"{}\"}} {}",
        escape_label(me),
        u8::from(publishing)
    );
}

fn header(out: &mut String, name: &str, kind: &str, help: &str) {
    let _ = writeln!(out, "# HELP {name} {help}\n# TYPE {name} {kind}");
}

fn seconds(delta: chrono::TimeDelta) -> f64 {
    delta.num_milliseconds() as f64 / 1000.0
}

/// Label values escape backslash, double quote and line feed (exposition format 0.0.4).
fn escape_label(value: &str) -> String {
    let mut escaped = String::with_capacity(value.len());
    for c in value.chars() {
        match c {
            '\\' => escaped.push_str("\\\\"),
            '"' => escaped.push_str("\\\""),
            '\n' => escaped.push_str("\\n"),
            c => escaped.push(c),
        }
    }
    escaped
}

#[cfg(test)]
mod tests {
    use chrono::TimeZone;

    use super::*;

    fn at(seconds: i64) -> DateTime<Utc> {
        Utc.timestamp_opt(1_700_000_000 + seconds, 0).unwrap()
    }

    #[test]
    fn fetches_are_counted_per_feed_and_outcome() {
        let metrics = Metrics::default();
        metrics.record_fetch("ap-world", "fetched");
        metrics.record_fetch("ap-world", "fetched");
        metrics.record_fetch("ap-world", "failed");
        metrics.record_fetch("bbc", "not_modified");
        let text = metrics.render(at(0));
        assert!(text.contains("wirefeed_fetches_total{feed=\"ap-world\",outcome=\"fetched\"} 2\n"));
        assert!(text.contains("wirefeed_fetches_total{feed=\"ap-world\",outcome=\"failed\"} 1\n"));
        assert!(text.contains("wirefeed_fetches_total{feed=\"bbc\",outcome=\"not_modified\"} 1\n"));
        assert!(text.contains("# TYPE wirefeed_fetches_total counter\n"));
    }

    #[test]
    fn the_cluster_shows_instances_alive_feeds_held_and_who_publishes() {
        use crate::store::cluster::InstanceView;
        let instance = |name: &str, publishing: bool, feeds: &[&str]| InstanceView {
            instance: name.to_owned(),
            host: "wire-1".to_owned(),
            pid: 1,
            started: at(0),
            seen: at(9),
            publishing,
            feeds: feeds.iter().map(|id| (*id).to_owned()).collect(),
        };
        let metrics = Metrics::default();
        assert!(
            !metrics.render(at(10)).contains("wirefeed_cluster"),
            "alone: no cluster"
        );
        metrics.record_cluster(
            "wire-2/7/1",
            ClusterView {
                instances: vec![
                    instance("wire-1/5/1", true, &["ap"]),
                    instance("wire-2/7/1", false, &["afp", "dpa"]),
                ],
            },
        );
        let text = metrics.render(at(10));
        assert!(text.contains("wirefeed_cluster_instances 2\n"), "{text}");
        assert!(text.contains(
            "wirefeed_cluster_feeds_held{instance=\"wire-1/5/1\",publishing=\"true\"} 1\n"
        ));
        assert!(text.contains(
            "wirefeed_cluster_feeds_held{instance=\"wire-2/7/1\",publishing=\"false\"} 2\n"
        ));
        assert!(text.contains("wirefeed_cluster_publisher{instance=\"wire-2/7/1\"} 0\n"));
    }

    #[test]
    fn label_values_escape_backslash_quote_and_newline() {
        assert_eq!(escape_label("a\\b\"c\nd"), "a\\\\b\\\"c\\nd");
        let metrics = Metrics::default();
        metrics.record_fetch("odd\"feed", "failed");
        assert!(
            metrics
                .render(at(0))
                .contains("{feed=\"odd\\\"feed\",outcome=\"failed\"} 1\n")
        );
    }

    #[test]
    fn success_age_publish_and_item_counters_are_rendered() {
        let metrics = Metrics::default();
        metrics.record_success("ap-world", at(0));
        metrics.add_ingested(7);
        metrics.add_ingested(3);
        metrics.add_folded(2);
        metrics.record_publish(Duration::from_millis(250), at(5));
        metrics.record_publish(Duration::from_millis(750), at(10));
        let text = metrics.render(at(90));
        assert!(text.contains("wirefeed_feed_last_success_age_seconds{feed=\"ap-world\"} 90\n"));
        assert!(text.contains("wirefeed_items_ingested_total 10\n"));
        assert!(text.contains("wirefeed_duplicates_folded_total 2\n"));
        assert!(text.contains("wirefeed_publish_duration_seconds_sum 1\n"));
        assert!(text.contains("wirefeed_publish_duration_seconds_count 2\n"));
        assert!(text.contains("wirefeed_last_publish_timestamp_seconds 1700000010\n"));
        assert_eq!(metrics.last_publish(), Some(at(10)));
    }

    #[test]
    fn the_ingested_help_names_everything_the_counter_counts() {
        let text = Metrics::default().render(Utc::now());
        let help = text
            .lines()
            .find(|line| line.starts_with("# HELP wirefeed_items_ingested_total "))
            .expect("a HELP line");
        // The service adds new + updated + folded to it.
        for counted in ["new", "updates", "folded"] {
            assert!(help.contains(counted), "{help}");
        }
        assert!(!help.contains("stored as new"), "{help}");
    }

    #[test]
    fn a_forgotten_feed_is_no_longer_exported() {
        let metrics = Metrics::default();
        metrics.record_fetch("gone", "fetched");
        metrics.record_success("gone", at(0));
        metrics.record_fetch("kept", "fetched");
        metrics.forget_feed("gone");
        let text = metrics.render(at(1));
        assert!(!text.contains("gone"), "{text}");
        assert!(text.contains("feed=\"kept\""));
    }

    #[test]
    fn no_last_publish_timestamp_before_the_first_publish() {
        let text = Metrics::default().render(at(0));
        assert!(!text.contains("wirefeed_last_publish_timestamp_seconds"));
        assert!(text.contains("wirefeed_publish_duration_seconds_count 0\n"));
    }

    #[test]
    fn websub_pings_are_exported_only_when_a_hub_is_configured() {
        let metrics = Metrics::default();
        assert!(!metrics.render(at(0)).contains("websub"));
        metrics.record_websub(PingStats {
            delivered: 12,
            failed: 3,
            given_up: 1,
            waiting: 2,
        });
        let text = metrics.render(at(0));
        assert!(text.contains("wirefeed_websub_pings_total{outcome=\"delivered\"} 12\n"));
        assert!(text.contains("wirefeed_websub_pings_total{outcome=\"failed\"} 3\n"));
        assert!(text.contains("wirefeed_websub_pings_total{outcome=\"given_up\"} 1\n"));
        assert!(text.contains("wirefeed_websub_waiting 2\n"));
    }
}

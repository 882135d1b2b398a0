//! The cluster part of `wirefeed status`: on a shared PostgreSQL state, the
//! instances alive, which one publishes, and the feeds each fetches now.

use chrono::{DateTime, Utc};

use crate::plural::count;
use crate::store::cluster::ClusterView;

/// Feeds named per instance before the rest are only counted.
const FEEDS_NAMED: usize = 5;

/// A few lines under the feed table.
pub fn render_cluster(view: &ClusterView, now: DateTime<Utc>) -> String {
    let alive = view.instances.len();
    let mut out = format!("\ncluster: {} alive", count(alive, "instance", "instances"));
    match view.publisher() {
        Some(publisher) => out.push_str(&format!(", {} publishing\n", publisher.instance)),
        None if alive > 0 => out.push_str(", none publishing\n"),
        None => out.push_str(": is `wirefeed run` running?\n"),
    }
    for instance in &view.instances {
        let role = if instance.publishing {
            "publishing"
        } else {
            "fetching"
        };
        let mut line = format!(
            "  {}  {role}  seen {} s ago, up {} s",
            instance.instance,
            (now - instance.seen).num_seconds().max(0),
            (now - instance.started).num_seconds().max(0),
        );
        if !instance.feeds.is_empty() {
            let named: Vec<&str> = instance
                .feeds
                .iter()
                .take(FEEDS_NAMED)
                .map(String::as_str)
                .collect();
            line.push_str(&format!(
                ", holds {}: {}",
                count(instance.feeds.len(), "feed", "feeds"),
                named.join(", ")
            ));
            if instance.feeds.len() > FEEDS_NAMED {
                line.push_str(", …");
            }
        }
        out.push_str(&line);
        out.push('\n');
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::cluster::InstanceView;

    fn at(seconds: i64) -> DateTime<Utc> {
        DateTime::from_timestamp(1_800_000_000 + seconds, 0).unwrap()
    }

    fn instance(name: &str, publishing: bool, feeds: &[&str]) -> InstanceView {
        InstanceView {
            instance: name.to_owned(),
            host: "news-1".to_owned(),
            pid: 7,
            started: at(0),
            seen: at(58),
            publishing,
            feeds: feeds.iter().map(|id| (*id).to_owned()).collect(),
        }
    }

    #[test]
    fn the_cluster_names_its_publisher_and_what_each_instance_holds() {
        let view = ClusterView {
            instances: vec![
                instance("news-1/7/1", true, &[]),
                instance("news-2/9/1", false, &["a", "b", "c", "d", "e", "f"]),
            ],
        };
        let text = render_cluster(&view, at(60));
        assert!(
            text.contains("cluster: 2 instances alive, news-1/7/1 publishing\n"),
            "{text}"
        );
        assert!(
            text.contains("  news-1/7/1  publishing  seen 2 s ago, up 60 s\n"),
            "{text}"
        );
        assert!(
            text.contains(
                "news-2/9/1  fetching  seen 2 s ago, up 60 s, holds 6 feeds: a, b, c, d, e, …\n"
            ),
            "{text}"
        );
    }

    #[test]
    fn a_cluster_without_a_publisher_says_so() {
        let view = ClusterView {
            instances: vec![instance("news-2/9/1", false, &[])],
        };
        assert!(render_cluster(&view, at(60)).contains("1 instance alive, none publishing"));
        assert!(
            render_cluster(&ClusterView::default(), at(60))
                .contains("0 instances alive: is `wirefeed run` running?")
        );
    }
}

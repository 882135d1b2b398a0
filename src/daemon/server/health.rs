//! `/healthz`: is the state readable, has something been published lately,
//! and, on a shared state, does some instance publish for the cluster?

use std::sync::Arc;

use crate::store::Location;
use crate::store::cluster::{ClusterView, InstanceView};
use std::time::Duration;

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use chrono::{DateTime, Utc};
use serde::Serialize;

use super::AppState;

/// The JSON body of `/healthz`.
#[derive(Debug, Serialize, PartialEq)]
pub(super) struct Health {
    status: &'static str,
    reasons: Vec<String>,
    last_publish_seconds_ago: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    cluster: Option<ClusterHealth>,
}

/// The cluster as this instance sees it.
#[derive(Debug, Serialize, PartialEq)]
struct ClusterHealth {
    /// This instance's name.
    instance: String,
    /// The instance publishing for the cluster, if any.
    publisher: Option<String>,
    /// The instances alive, with the feeds each fetches now.
    instances: Vec<InstanceView>,
}

impl ClusterHealth {
    fn of((instance, view): (String, ClusterView)) -> ClusterHealth {
        ClusterHealth {
            instance,
            publisher: view.publisher().map(|p| p.instance.clone()),
            instances: view.instances,
        }
    }
}

pub(super) async fn healthz(State(state): State<AppState>) -> (StatusCode, Json<Health>) {
    let location = Arc::clone(&state.state);
    // Reading the state blocks; keep it off the server's worker threads.
    let readable = tokio::task::spawn_blocking(move || check_state(&location))
        .await
        .unwrap_or_else(|err| Err(format!("state check did not finish: {err}")));
    let mut health = assess(
        readable,
        state.metrics.last_publish(),
        state.max_publish_age,
        Utc::now(),
    );
    if let Some(cluster) = state.metrics.cluster() {
        judge_cluster(&mut health, cluster);
    }
    let code = if health.reasons.is_empty() {
        StatusCode::OK
    } else {
        StatusCode::SERVICE_UNAVAILABLE
    };
    (code, Json(health))
}

/// Whether the state answers: read through the store, the only module that
/// touches the database.
fn check_state(location: &Location) -> Result<(), String> {
    location
        .check_readable()
        .map_err(|error| format!("state unreadable: {error}"))
}

/// Adds the cluster to `health`: unhealthy when instances are alive and
/// none publishes (before the first heartbeat the view is empty: nothing
/// to judge yet).
fn judge_cluster(health: &mut Health, cluster: (String, ClusterView)) {
    let cluster = ClusterHealth::of(cluster);
    if !cluster.instances.is_empty() && cluster.publisher.is_none() {
        health
            .reasons
            .push("no instance publishes for the cluster".to_owned());
        health.status = "unhealthy";
    }
    health.cluster = Some(cluster);
}

fn assess(
    readable: Result<(), String>,
    last_publish: Option<DateTime<Utc>>,
    max_publish_age: Duration,
    now: DateTime<Utc>,
) -> Health {
    let mut reasons = Vec::new();
    if let Err(reason) = readable {
        reasons.push(reason);
    }
    let ago = last_publish.map(|at| (now - at).num_seconds());
    match ago {
        None => reasons.push("nothing published yet".to_string()),
        Some(ago) if ago > i64::try_from(max_publish_age.as_secs()).unwrap_or(i64::MAX) => reasons
            .push(format!(
                "last publish {ago}s ago, more than the allowed {}s",
                max_publish_age.as_secs()
            )),
        Some(_) => {}
    }
    Health {
        status: if reasons.is_empty() {
            "ok"
        } else {
            "unhealthy"
        },
        reasons,
        last_publish_seconds_ago: ago,
        cluster: None,
    }
}

#[cfg(test)]
mod tests {
    use chrono::TimeZone;

    use super::*;

    fn at(seconds: i64) -> DateTime<Utc> {
        Utc.timestamp_opt(1_700_000_000 + seconds, 0).unwrap()
    }

    #[test]
    fn recent_publish_and_readable_state_is_ok() {
        let health = assess(Ok(()), Some(at(0)), Duration::from_secs(60), at(30));
        assert_eq!(
            health,
            Health {
                status: "ok",
                reasons: vec![],
                last_publish_seconds_ago: Some(30),
                cluster: None,
            }
        );
    }

    #[test]
    fn a_cluster_where_no_instance_publishes_is_unhealthy() {
        let instance = |publishing| InstanceView {
            instance: "wire-1/5/1".to_owned(),
            host: "wire-1".to_owned(),
            pid: 5,
            started: at(0),
            seen: at(29),
            publishing,
            feeds: vec![],
        };
        let judged = |instances: Vec<InstanceView>| {
            let mut health = assess(Ok(()), Some(at(0)), Duration::from_secs(60), at(30));
            judge_cluster(
                &mut health,
                ("wire-1/5/1".to_owned(), ClusterView { instances }),
            );
            health
        };
        let led = judged(vec![instance(true)]);
        assert_eq!(led.status, "ok");
        assert_eq!(
            led.cluster.as_ref().and_then(|c| c.publisher.as_deref()),
            Some("wire-1/5/1")
        );
        let leaderless = judged(vec![instance(false)]);
        assert_eq!(leaderless.status, "unhealthy");
        assert_eq!(
            leaderless.reasons,
            ["no instance publishes for the cluster"]
        );
        assert_eq!(
            judged(vec![]).status,
            "ok",
            "no heartbeat yet: nothing to judge"
        );
    }

    #[test]
    fn stale_or_missing_publish_and_unreadable_state_each_give_a_reason() {
        let health = assess(
            Err("state file x unreadable".into()),
            Some(at(0)),
            Duration::from_secs(60),
            at(61),
        );
        assert_eq!(health.status, "unhealthy");
        assert_eq!(health.reasons.len(), 2, "{:?}", health.reasons);
        assert!(health.reasons[1].contains("61s ago"));
        let never = assess(Ok(()), None, Duration::from_secs(60), at(0));
        assert_eq!(never.reasons, ["nothing published yet"]);
        assert_eq!(never.last_publish_seconds_ago, None);
    }
}

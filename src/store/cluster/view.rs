//! The cluster as the state records it: the instances alive, the feeds
//! each holds this moment, and which one publishes.

use chrono::{DateTime, Utc};
use serde::Serialize;
use tokio_postgres::Row;

use super::ALIVE_WITHIN;
use crate::store::error::StoreError;

/// The instances alive, by name.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct ClusterView {
    pub instances: Vec<InstanceView>,
}

/// One instance as its last heartbeat left it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct InstanceView {
    /// `host/pid/start`.
    pub instance: String,
    pub host: String,
    pub pid: i64,
    pub started: DateTime<Utc>,
    pub seen: DateTime<Utc>,
    /// Holds the publish lock.
    pub publishing: bool,
    /// The feeds it is fetching now, by id.
    pub feeds: Vec<String>,
}

impl ClusterView {
    /// The instance publishing for the cluster, if any is.
    pub fn publisher(&self) -> Option<&InstanceView> {
        self.instances.iter().find(|instance| instance.publishing)
    }
}

/// Instances seen since `alive_since` and the feeds they hold at `now`
/// (all times in microseconds).
const QUERY: &str = "
    SELECT i.instance, i.host, i.pid, i.started, i.seen, i.publishing,
           COALESCE(array_agg(c.feed_id ORDER BY c.feed_id)
                    FILTER (WHERE c.feed_id IS NOT NULL), '{}')
    FROM cluster_instances AS i
    LEFT JOIN feed_claims AS c ON c.holder = i.instance AND c.lease_until > $2
    WHERE i.seen >= $1
    GROUP BY i.instance
    ORDER BY i.instance";

pub(super) async fn read(
    client: &tokio_postgres::Client,
    alive_since: i64,
    now: i64,
) -> Result<ClusterView, tokio_postgres::Error> {
    let rows = client.query(QUERY, &[&alive_since, &now]).await?;
    Ok(from_rows(&rows))
}

/// The cluster of the state at `url`, read through a connection of its
/// own: what `wirefeed status` prints.
pub fn read_view(url: &str) -> Result<ClusterView, StoreError> {
    let state = crate::store::PostgresBackend::shown_address(url);
    let failed = |operation| {
        let state = state.clone();
        move |source| StoreError::Postgres {
            state,
            operation,
            source,
        }
    };
    let now = Utc::now();
    let alive_since = now - chrono::TimeDelta::from_std(ALIVE_WITHIN).unwrap_or_default();
    // `status` opened (and migrated) the state already: a plain connection.
    let mut client = crate::store::postgres::connect_plain(url)?;
    let rows = client
        .query(
            QUERY,
            &[&alive_since.timestamp_micros(), &now.timestamp_micros()],
        )
        .map_err(failed("read the cluster"))?;
    Ok(from_rows(&rows))
}

fn from_rows(rows: &[Row]) -> ClusterView {
    let time = |micros: i64| DateTime::from_timestamp_micros(micros).unwrap_or_default();
    ClusterView {
        instances: rows
            .iter()
            .map(|row| InstanceView {
                instance: row.get(0),
                host: row.get(1),
                pid: row.get(2),
                started: time(row.get(3)),
                seen: time(row.get(4)),
                publishing: row.get(5),
                feeds: row.get(6),
            })
            .collect(),
    }
}

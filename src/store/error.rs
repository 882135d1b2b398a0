//! What can go wrong in the store, with the database path and the operation.
//!
//! Each message ends with its cause ("database is locked", "disk I/O
//! error"): the CLI and the daemon's log print one line, and an operator
//! needs both the file and the reason to act.

use std::path::PathBuf;

/// A failure of the state database.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("cannot create the state folder {}: {source}", path.display())]
    CreateDir {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("cannot open the state database {}: {source}", path.display())]
    Open {
        path: PathBuf,
        #[source]
        source: rusqlite::Error,
    },
    #[error(
        "the state database {state} has schema version {found}, newer than this wirefeed knows ({known}); upgrade wirefeed"
    )]
    NewerSchema {
        state: String,
        found: i64,
        known: i64,
    },
    /// `reason` is the driver's error with its causes ("error connecting
    /// to server: Connection refused").
    #[error("cannot connect to the state database {state}: {reason}")]
    Connect { state: String, reason: String },
    #[error("the state database {state}: {reason}")]
    Settings { state: String, reason: String },
    #[error("{state}: cannot {operation}: {}", causes(.source))]
    Postgres {
        state: String,
        operation: &'static str,
        #[source]
        source: postgres::Error,
    },
    #[error("{}: cannot {operation}: {source}", path.display())]
    Sql {
        path: PathBuf,
        operation: &'static str,
        #[source]
        source: rusqlite::Error,
    },
    #[error("{}: stored article {article_id} is unreadable: {source}", path.display())]
    Corrupt {
        path: PathBuf,
        article_id: String,
        #[source]
        source: serde_json::Error,
    },
    #[error("cannot serialize article {article_id}: {source}")]
    Serialize {
        article_id: String,
        #[source]
        source: serde_json::Error,
    },
    #[error("feed {feed_id}: nothing stored, the ingest was rolled back: {source}")]
    Ingest {
        feed_id: String,
        #[source]
        source: Box<StoreError>,
    },
}

/// Attaches the database path and the operation to a SQLite error.
pub(crate) trait SqlContext<T> {
    fn context(self, conn: &rusqlite::Connection, operation: &'static str)
    -> Result<T, StoreError>;
}

impl<T> SqlContext<T> for rusqlite::Result<T> {
    fn context(
        self,
        conn: &rusqlite::Connection,
        operation: &'static str,
    ) -> Result<T, StoreError> {
        self.map_err(|source| StoreError::Sql {
            path: db_path(conn),
            operation,
            source,
        })
    }
}

/// The file behind a connection, for error messages.
pub(crate) fn db_path(conn: &rusqlite::Connection) -> PathBuf {
    PathBuf::from(conn.path().unwrap_or(":memory:"))
}

/// A driver error with its causes: PostgreSQL's own message ("terminating
/// connection due to administrator command") sits below the driver's
/// "db error", and an operator needs it.
pub(crate) fn causes(error: &(dyn std::error::Error + 'static)) -> String {
    let mut text = error.to_string();
    let mut cause = error.source();
    while let Some(next) = cause {
        let said = next.to_string();
        if !text.ends_with(&said) {
            text.push_str(": ");
            text.push_str(&said);
        }
        cause = next.source();
    }
    text
}

//! Where a configuration's state lives, decided in one place: every command,
//! the daemon's writer and `/healthz` open the state through this, so a new
//! backend is chosen here and nowhere else.

use std::fmt;
use std::path::{Path, PathBuf};

use crate::config::Config;
use crate::store::error::StoreError;
use crate::store::postgres::PostgresBackend;
use crate::store::sqlite::{self, SqliteBackend};
use crate::store::{STATE_FILE, Store};

/// The state of a configuration.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Location {
    /// One SQLite file: `state_dir`/[`STATE_FILE`].
    Sqlite(PathBuf),
    /// A PostgreSQL database: `[store] url`, without a password.
    Postgres(String),
}

impl Location {
    /// Where `config` keeps its state.
    pub fn of(config: &Config) -> Location {
        match &config.store {
            Some(store) => Location::Postgres(store.url.clone()),
            None => Location::Sqlite(config.site.state_dir.join(STATE_FILE)),
        }
    }

    /// Opens the state, creating and migrating it when needed.
    pub fn open(&self) -> Result<Store, StoreError> {
        match self {
            Location::Sqlite(path) => Ok(Store::on(Box::new(SqliteBackend::open(path)?))),
            Location::Postgres(url) => Ok(Store::on(Box::new(PostgresBackend::open(url)?))),
        }
    }

    /// Whether a state is there yet: commands that only read never create
    /// one. A database server is always there: connecting tells the rest.
    pub fn exists(&self) -> bool {
        match self {
            Location::Sqlite(path) => path.exists(),
            Location::Postgres(_) => true,
        }
    }

    /// Whether the state answers a trivial read, without creating or
    /// migrating anything: what `/healthz` calls readable.
    pub fn check_readable(&self) -> Result<(), StoreError> {
        match self {
            Location::Sqlite(path) => sqlite::check_readable(path),
            Location::Postgres(url) => PostgresBackend::check_readable(url),
        }
    }

    /// What the state open now is: it differs once the file was deleted or
    /// replaced (a restore from backup), and the writer then opens the new
    /// one. `None` when there is none.
    pub fn identity(&self) -> Option<(u64, u64)> {
        match self {
            Location::Sqlite(path) => file_identity(path),
            // The same database whatever happens to any file.
            Location::Postgres(_) => Some((0, 0)),
        }
    }
}

impl fmt::Display for Location {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Location::Sqlite(path) => write!(f, "{}", path.display()),
            Location::Postgres(url) => f.write_str(&PostgresBackend::shown_address(url)),
        }
    }
}

/// Device and inode of the file at `path`; `None` when there is none.
fn file_identity(path: &Path) -> Option<(u64, u64)> {
    use std::os::unix::fs::MetadataExt;
    std::fs::metadata(path)
        .ok()
        .map(|metadata| (metadata.dev(), metadata.ino()))
}

//! From `[store] url` to connection settings: the password from the
//! environment the way libpq finds it (`PGPASSWORD`, then the password
//! file), never from feeds.toml, and a form of the address fit to print.

use std::path::PathBuf;
use std::str::FromStr;
use std::time::Duration;

use tokio_postgres::config::Host;

use crate::store::error::StoreError;

/// How long connecting may take before the state counts as unreachable.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(10);

/// Settings to connect with, and the address as logs and errors show it.
pub(crate) struct Settings {
    /// tokio-postgres' form: the state converts it for the blocking
    /// driver, the cluster's coordination connection uses it as it is.
    pub config: tokio_postgres::Config,
    pub shown: String,
}

/// Reads `url` (a `postgres://` URL or libpq's `key=value` form) and adds
/// the password from the environment. A password written in the URL is
/// refused: feeds.toml is read by editors and kept in version control.
pub(crate) fn settings(url: &str) -> Result<Settings, StoreError> {
    let Settings { mut config, shown } = parse(url)?;
    if let Some(password) = std::env::var_os("PGPASSWORD").filter(|value| !value.is_empty()) {
        config.password(password.as_encoded_bytes());
    } else if let Some(password) = from_password_file(&config) {
        config.password(password);
    }
    config.application_name("wirefeed");
    // The server's notices ("relation already exists, skipping") are not
    // events an operator needs; warnings still reach the log.
    if config.get_options().is_none() {
        config.options("-c client_min_messages=warning");
    }
    if config.get_connect_timeout().is_none() {
        config.connect_timeout(CONNECT_TIMEOUT);
    }
    Ok(Settings { config, shown })
}

/// `url` read and checked, without looking for the password: what printing
/// the address needs.
pub(super) fn parse(url: &str) -> Result<Settings, StoreError> {
    let config = tokio_postgres::Config::from_str(url).map_err(|error| StoreError::Settings {
        state: "[store] url".to_owned(),
        reason: format!("not a PostgreSQL address: {error}"),
    })?;
    let shown = shown(&config);
    if config.get_password().is_some() {
        return Err(StoreError::Settings {
            state: shown,
            reason: "the address holds a password; take it out of feeds.toml and set \
                     PGPASSWORD or a ~/.pgpass line in the service's environment"
                .to_owned(),
        });
    }
    if config.get_ssl_mode() == tokio_postgres::config::SslMode::Require {
        return Err(StoreError::Settings {
            state: shown,
            reason: "asks for TLS (sslmode=require), which wirefeed does not speak to \
                     PostgreSQL yet; use a local socket, a private network or a tunnel"
                .to_owned(),
        });
    }
    Ok(Settings { config, shown })
}

/// `postgres://user@host:port/db`, rebuilt from the settings so nothing
/// secret in the original text can reach a log line.
fn shown(config: &tokio_postgres::Config) -> String {
    let host = match config.get_hosts().first() {
        Some(Host::Tcp(host)) => host.clone(),
        Some(Host::Unix(path)) => path.display().to_string(),
        None => "localhost".to_owned(),
    };
    let port = config.get_ports().first().copied().unwrap_or(5432);
    let user = config
        .get_user()
        .map(|user| format!("{user}@"))
        .unwrap_or_default();
    let dbname = config.get_dbname().unwrap_or("");
    format!("postgres://{user}{host}:{port}/{dbname}")
}

/// The password of the first line of the password file (`PGPASSFILE`, or
/// `~/.pgpass`) that matches host, port, database and user, `*` matching
/// anything, as libpq reads it.
fn from_password_file(config: &tokio_postgres::Config) -> Option<String> {
    let path = std::env::var_os("PGPASSFILE")
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|home| PathBuf::from(home).join(".pgpass")))?;
    let text = std::fs::read_to_string(path).ok()?;
    let host = match config.get_hosts().first() {
        Some(Host::Tcp(host)) => host.clone(),
        // libpq matches a socket connection as "localhost".
        Some(Host::Unix(_)) | None => "localhost".to_owned(),
    };
    let port = config
        .get_ports()
        .first()
        .copied()
        .unwrap_or(5432)
        .to_string();
    let user = config.get_user().unwrap_or_default().to_owned();
    let dbname = config.get_dbname().unwrap_or(&user).to_owned();
    let wanted = [host, port, dbname, user];
    text.lines()
        .filter(|line| !line.trim_start().starts_with('#'))
        .find_map(|line| {
            let fields = password_file_fields(line);
            let [h, p, d, u, password] = <[String; 5]>::try_from(fields).ok()?;
            let matches = [h, p, d, u]
                .iter()
                .zip(&wanted)
                .all(|(field, wanted)| field == "*" || field == wanted);
            matches.then_some(password)
        })
}

/// A password file line split at unescaped colons, `\:` and `\\` unescaped.
fn password_file_fields(line: &str) -> Vec<String> {
    let mut fields = vec![String::new()];
    let mut chars = line.chars();
    while let Some(c) = chars.next() {
        match c {
            '\\' => {
                if let Some(next) = chars.next()
                    && let Some(field) = fields.last_mut()
                {
                    field.push(next);
                }
            }
            ':' => fields.push(String::new()),
            c => {
                if let Some(field) = fields.last_mut() {
                    field.push(c);
                }
            }
        }
    }
    fields
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_password_in_the_address_is_refused_and_never_shown() {
        let Err(error) = settings("postgres://wire:hunter2@db.example:5433/news") else {
            panic!("a password in the URL was accepted");
        };
        let message = error.to_string();
        assert!(
            message.contains("postgres://wire@db.example:5433/news"),
            "{message}"
        );
        assert!(message.contains("PGPASSWORD"), "{message}");
        assert!(!message.contains("hunter2"), "{message}");
    }

    #[test]
    fn the_address_shown_names_user_host_port_and_database() {
        let settings = settings("postgres://wire@db.example:5433/news").unwrap();
        assert_eq!(settings.shown, "postgres://wire@db.example:5433/news");
        let socket = settings_of("host=/var/run/postgresql user=wire dbname=news");
        assert_eq!(socket, "postgres://wire@/var/run/postgresql:5432/news");
    }

    fn settings_of(url: &str) -> String {
        settings(url).unwrap().shown
    }

    #[test]
    fn password_file_lines_split_at_unescaped_colons() {
        assert_eq!(
            password_file_fields(r"db.example:5432:*:wire:pa\:ss\\word"),
            ["db.example", "5432", "*", "wire", r"pa:ss\word"]
        );
    }

    #[test]
    fn tls_required_is_refused_saying_what_to_do_instead() {
        let Err(error) = parse("postgres://wire@db.example:5432/news?sslmode=require") else {
            panic!("sslmode=require accepted")
        };
        let text = error.to_string();
        assert!(
            text.contains("postgres://wire@db.example:5432/news"),
            "{text}"
        );
        assert!(
            text.contains("sslmode=require") && text.contains("tunnel"),
            "{text}"
        );
    }

    #[test]
    fn an_address_that_is_not_postgres_says_so() {
        let Err(error) = settings("postgres://wire@db.example:notaport/news") else {
            panic!("a bad port was accepted");
        };
        assert!(
            error.to_string().contains("not a PostgreSQL address"),
            "{error}"
        );
    }
}

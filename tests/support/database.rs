//! A database of its own on the PostgreSQL server `WIREFEED_TEST_POSTGRES`
//! names (`.ci/run` starts one), for tests that run wirefeed on it.
//!
//! Used as `#[path = "support/database.rs"] mod database;` beside
//! `#[path = "support/skip.rs"] mod skip;`.
#![allow(dead_code)]

use std::str::FromStr;

use postgres::config::Host;

/// A database of its own on the test server, dropped afterwards.
pub struct Database {
    pub admin: postgres::Config,
    pub name: String,
    /// `postgres://USER@HOST:PORT/NAME`, for feeds.toml.
    pub url: String,
}

impl Database {
    pub fn create(label: &str) -> Option<Database> {
        let Ok(server) = std::env::var("WIREFEED_TEST_POSTGRES") else {
            crate::skip::skip_or_fail("a PostgreSQL server: WIREFEED_TEST_POSTGRES names none");
            return None;
        };
        let admin = postgres::Config::from_str(&server).expect("WIREFEED_TEST_POSTGRES");
        let name = format!("wirefeed_{label}_{}", std::process::id());
        let mut client = admin
            .connect(postgres::NoTls)
            .expect("connect to the test server");
        // One statement each: neither may run in a transaction block.
        client
            .batch_execute(&format!("DROP DATABASE IF EXISTS {name}"))
            .expect("drop a leftover database");
        client
            .batch_execute(&format!("CREATE DATABASE {name}"))
            .expect("create a database");
        let host = match admin.get_hosts().first() {
            Some(Host::Tcp(host)) => host.clone(),
            _ => "127.0.0.1".to_owned(),
        };
        let port = admin.get_ports().first().copied().unwrap_or(5432);
        let user = admin.get_user().unwrap_or("postgres");
        let url = format!("postgres://{user}@{host}:{port}/{name}");
        Some(Database { admin, name, url })
    }

    pub fn query_one(&self, sql: &str) -> i64 {
        self.connect().query_one(sql, &[]).expect(sql).get(0)
    }
}

impl Drop for Database {
    fn drop(&mut self) {
        if let Ok(mut client) = self.admin.connect(postgres::NoTls) {
            let _ = client.batch_execute(&format!(
                "DROP DATABASE IF EXISTS {} WITH (FORCE)",
                self.name
            ));
        }
    }
}

impl Database {
    /// A connection to this database.
    pub fn connect(&self) -> postgres::Client {
        let mut config = self.admin.clone();
        config.dbname(&self.name);
        config.connect(postgres::NoTls).expect("connect")
    }
}

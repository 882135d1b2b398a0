//! The long-running service: schedules, systemd, reload.
//!
//! - [`planner`] decides when each feed is fetched next (pure, no I/O).
//! - [`service`] is `wirefeed run`: the loop that runs due feeds, reloads and reports.
//! - [`notify`] speaks systemd's notification protocol (`READY=1`, `STATUS=`, `WATCHDOG=1`).
//! - [`server`] is the optional HTTP server: the output folder, `/healthz`, `/metrics`.

pub mod notify;
pub mod planner;
pub mod server;
pub mod service;
pub mod websub;

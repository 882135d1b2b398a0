//! The long-running service: schedules, systemd, reload.
//!
//! - [`planner`] decides when each feed is fetched next (pure, no I/O).
//! - [`notify`] speaks systemd's notification protocol (`READY=1`, `STATUS=`, `WATCHDOG=1`).

pub mod notify;
pub mod planner;

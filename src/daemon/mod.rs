//! The long-running service: schedules, systemd, reload.
//!
//! - [`notify`] speaks systemd's notification protocol (`READY=1`, `STATUS=`, `WATCHDOG=1`).

pub mod notify;

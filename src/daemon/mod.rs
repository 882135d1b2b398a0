//! The long-running service: schedules, systemd, reload.
//!
//! - [`planner`] decides when each feed is fetched next (pure, no I/O).

pub mod planner;

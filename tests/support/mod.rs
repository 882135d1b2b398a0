//! Helpers shared by the integration tests. Each test crate uses a subset.
#![allow(dead_code)]

pub mod fetching;
pub mod http_server;
pub mod newsroom;
pub mod skip;

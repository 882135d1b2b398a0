//! A real `wirefeed run` for the daemon benches (`latency`, `cadence`,
//! `cluster`): started on a feeds.toml, waited on, stopped as systemd
//! stops it.

use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// Starts `wirefeed run --config config`, its log going to `log`.
pub fn start(config: &Path, log: &Path) -> Child {
    Command::new(env!("CARGO_BIN_EXE_wirefeed"))
        .args(["run", "--config"])
        .arg(config)
        .stdout(Stdio::null())
        .stderr(std::fs::File::create(log).expect("log file"))
        .spawn()
        .expect("start wirefeed run")
}

/// Sends SIGTERM and waits for the process to end.
pub fn stop(service: &mut Child) {
    let _ = Command::new("kill")
        .args(["-s", "TERM", &service.id().to_string()])
        .status();
    let _ = service.wait();
}

/// Whether `done` held within `limit`, polled every 2 ms: the resolution
/// of the latency figures.
#[allow(dead_code)]
pub fn wait_until(limit: Duration, mut done: impl FnMut() -> bool) -> bool {
    let deadline = Instant::now() + limit;
    while Instant::now() < deadline {
        if done() {
            return true;
        }
        std::thread::sleep(Duration::from_millis(2));
    }
    false
}

//! systemd's notification protocol (`sd_notify(3)`), written by hand.
//!
//! systemd starts a `Type=notify` service with `NOTIFY_SOCKET` naming a Unix
//! datagram socket; the service reports its state by sending it datagrams of
//! newline-separated `KEY=VALUE` lines (`READY=1`, `STATUS=…`, `WATCHDOG=1`).
//! Outside systemd the variable is unset and every call here does nothing, so
//! the daemon can notify unconditionally.
//!
//! Notifying is best effort: a failed send is logged (once at warn, then at
//! debug) and never reaches the caller, because a service must not stop
//! working because its supervisor stopped listening.

use std::ffi::OsStr;
use std::os::unix::ffi::OsStrExt;
use std::os::unix::net::{SocketAddr, UnixDatagram};
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

/// How long one send may block when systemd's receive queue is full: long
/// enough for systemd to drain it, short enough not to stall the scheduler.
const SEND_TIMEOUT: Duration = Duration::from_secs(1);

/// Sends state changes to systemd's notification socket, if there is one.
///
/// Cheap to call from any thread (`&self`, `Sync`); share it with an `Arc`.
#[derive(Debug)]
pub struct Notifier {
    /// `None` when there is no usable socket: every call is then a no-op.
    target: Option<Target>,
    /// How often to send `WATCHDOG=1`, when systemd's watchdog is on for us.
    watchdog: Option<Duration>,
    /// Set by the first failed send, so a gone socket warns once, not per call.
    send_failed: AtomicBool,
}

#[derive(Debug)]
struct Target {
    socket: UnixDatagram,
    addr: SocketAddr,
    /// The address as given in `NOTIFY_SOCKET`, for logs.
    shown: String,
}

impl Notifier {
    /// Reads `NOTIFY_SOCKET`, `WATCHDOG_USEC` and `WATCHDOG_PID` as systemd
    /// sets them. Without `NOTIFY_SOCKET` every call is a no-op.
    pub fn from_env() -> Notifier {
        Notifier::from_parts(
            std::env::var_os("NOTIFY_SOCKET").as_deref(),
            std::env::var("WATCHDOG_USEC").ok().as_deref(),
            std::env::var("WATCHDOG_PID").ok().as_deref(),
        )
    }

    /// A notifier sending to `address`, written as in `NOTIFY_SOCKET`: an
    /// absolute filesystem path, or `@name` for a Linux abstract socket.
    ///
    /// The watchdog is off (tests and callers that are not under systemd). An
    /// unusable address is logged at warn and yields a no-op notifier.
    pub fn to_socket(address: impl AsRef<OsStr>) -> Notifier {
        Notifier::with_target(Target::open(address.as_ref()))
    }

    /// `from_env` without the environment, so tests need not mutate it.
    fn from_parts(
        socket: Option<&OsStr>,
        watchdog_usec: Option<&str>,
        watchdog_pid: Option<&str>,
    ) -> Notifier {
        let target = socket
            .filter(|address| !address.is_empty())
            .and_then(Target::open);
        Notifier {
            watchdog: watchdog_interval_from(watchdog_usec, watchdog_pid, std::process::id()),
            ..Notifier::with_target(target)
        }
    }

    fn with_target(target: Option<Target>) -> Notifier {
        Notifier {
            target,
            watchdog: None,
            send_failed: AtomicBool::new(false),
        }
    }

    /// `READY=1`: startup is finished (config loaded, state opened).
    pub fn ready(&self) {
        self.send("READY=1");
    }

    /// `STATUS=<text>`: the one line `systemctl status` shows. Line breaks in
    /// `text` become spaces, since a newline would start a new assignment.
    pub fn status(&self, text: &str) {
        let line = text
            .split(['\r', '\n'])
            .filter(|part| !part.is_empty())
            .collect::<Vec<_>>()
            .join(" ");
        self.send(&format!("STATUS={line}"));
    }

    /// `RELOADING=1`: the configuration is being read again; send
    /// [`ready`](Self::ready) when done. `MONOTONIC_USEC` is what systemd ≥ 253
    /// requires with it (for `Type=notify-reload`); older versions ignore it.
    pub fn reloading(&self) {
        self.send(&format!("RELOADING=1\nMONOTONIC_USEC={}", monotonic_usec()));
    }

    /// `STOPPING=1`: shutdown has begun.
    pub fn stopping(&self) {
        self.send("STOPPING=1");
    }

    /// `WATCHDOG=1`: the service is healthy. Send it every
    /// [`watchdog_interval`](Self::watchdog_interval), and only while healthy.
    pub fn watchdog(&self) {
        self.send("WATCHDOG=1");
    }

    /// How often to send [`watchdog`](Self::watchdog): half of systemd's
    /// `WATCHDOG_USEC` timeout (as `sd_watchdog_enabled(3)` advises), or
    /// `None` when the watchdog is off or meant for another process.
    pub fn watchdog_interval(&self) -> Option<Duration> {
        self.watchdog
    }

    fn send(&self, message: &str) {
        let Some(target) = &self.target else {
            return;
        };
        match target.socket.send_to_addr(message.as_bytes(), &target.addr) {
            Ok(_) => tracing::trace!(socket = %target.shown, message, "notified systemd"),
            Err(error) => {
                if self.send_failed.swap(true, Ordering::Relaxed) {
                    tracing::debug!(socket = %target.shown, %error, message, "could not notify systemd");
                } else {
                    tracing::warn!(
                        socket = %target.shown, %error, message,
                        "could not notify systemd; further failures are logged at debug"
                    );
                }
            }
        }
    }
}

impl Target {
    fn open(address: &OsStr) -> Option<Target> {
        let shown = address.to_string_lossy().into_owned();
        match Target::try_open(address) {
            Ok((socket, addr)) => Some(Target {
                socket,
                addr,
                shown,
            }),
            Err(error) => {
                tracing::warn!(socket = %shown, %error, "cannot use the systemd notification socket; not notifying");
                None
            }
        }
    }

    fn try_open(address: &OsStr) -> std::io::Result<(UnixDatagram, SocketAddr)> {
        let addr = socket_addr(address)?;
        let socket = UnixDatagram::unbound()?;
        socket.set_write_timeout(Some(SEND_TIMEOUT))?;
        Ok((socket, addr))
    }
}

/// Parses a `NOTIFY_SOCKET` value the way `sd_notify(3)` does.
fn socket_addr(address: &OsStr) -> std::io::Result<SocketAddr> {
    let bytes = address.as_bytes();
    if let Some(name) = bytes.strip_prefix(b"@") {
        return abstract_addr(name);
    }
    if !bytes.starts_with(b"/") {
        return Err(std::io::Error::new(
            std::io::ErrorKind::InvalidInput,
            "NOTIFY_SOCKET must be an absolute path or start with '@'",
        ));
    }
    SocketAddr::from_pathname(address)
}

#[cfg(target_os = "linux")]
fn abstract_addr(name: &[u8]) -> std::io::Result<SocketAddr> {
    use std::os::linux::net::SocketAddrExt;
    SocketAddr::from_abstract_name(name)
}

#[cfg(not(target_os = "linux"))]
fn abstract_addr(_name: &[u8]) -> std::io::Result<SocketAddr> {
    Err(std::io::Error::new(
        std::io::ErrorKind::Unsupported,
        "abstract sockets exist only on Linux",
    ))
}

/// `CLOCK_MONOTONIC` in microseconds, the clock systemd compares reloads on
/// (`std::time::Instant` hides its value).
fn monotonic_usec() -> u64 {
    let now = rustix::time::clock_gettime(rustix::time::ClockId::Monotonic);
    // The monotonic clock counts up from boot: both fields are non-negative.
    let secs = u64::try_from(now.tv_sec).unwrap_or(0);
    let nanos = u64::try_from(now.tv_nsec).unwrap_or(0);
    secs * 1_000_000 + nanos / 1_000
}

/// The ping interval from `WATCHDOG_USEC` and `WATCHDOG_PID`, as
/// `sd_watchdog_enabled(3)` reads them: the watchdog is ours when no pid is
/// given or the pid is `our_pid`; a missing, zero or malformed timeout is off.
fn watchdog_interval_from(usec: Option<&str>, pid: Option<&str>, our_pid: u32) -> Option<Duration> {
    let usec: u64 = usec?.trim().parse().ok()?;
    if usec == 0 {
        return None;
    }
    if let Some(pid) = pid {
        // A pid for another process (systemd set it for a parent that
        // exec'd us without clearing it) means the watchdog is not ours.
        if pid.trim().parse::<u32>().ok()? != our_pid {
            return None;
        }
    }
    Some(Duration::from_micros(usec) / 2)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A bound receiving socket standing in for systemd.
    fn listener(dir: &tempfile::TempDir) -> (UnixDatagram, std::path::PathBuf) {
        let path = dir.path().join("notify.sock");
        let socket = UnixDatagram::bind(&path).unwrap();
        socket
            .set_read_timeout(Some(Duration::from_secs(5)))
            .unwrap();
        (socket, path)
    }

    fn receive(socket: &UnixDatagram) -> String {
        let mut buf = [0u8; 4096];
        let len = socket.recv(&mut buf).unwrap();
        String::from_utf8(buf[..len].to_vec()).unwrap()
    }

    #[test]
    fn each_state_change_is_one_datagram_with_the_exact_assignment() {
        let dir = tempfile::tempdir().unwrap();
        let (systemd, path) = listener(&dir);
        let notifier = Notifier::to_socket(&path);

        notifier.ready();
        notifier.status("48 feeds, 2 failing, last publish 14 s ago");
        notifier.watchdog();
        notifier.stopping();

        assert_eq!(receive(&systemd), "READY=1");
        assert_eq!(
            receive(&systemd),
            "STATUS=48 feeds, 2 failing, last publish 14 s ago"
        );
        assert_eq!(receive(&systemd), "WATCHDOG=1");
        assert_eq!(receive(&systemd), "STOPPING=1");
    }

    #[test]
    fn line_breaks_in_status_text_become_spaces() {
        let dir = tempfile::tempdir().unwrap();
        let (systemd, path) = listener(&dir);
        let notifier = Notifier::to_socket(&path);

        notifier.status("reload refused:\nline 4: unknown field\r\nline 9: bad cron\n");

        assert_eq!(
            receive(&systemd),
            "STATUS=reload refused: line 4: unknown field line 9: bad cron"
        );
    }

    #[test]
    fn reloading_carries_the_current_monotonic_time() {
        let dir = tempfile::tempdir().unwrap();
        let (systemd, path) = listener(&dir);
        let notifier = Notifier::to_socket(&path);

        let before = monotonic_usec();
        notifier.reloading();
        let after = monotonic_usec();

        let datagram = receive(&systemd);
        let usec = datagram
            .strip_prefix("RELOADING=1\nMONOTONIC_USEC=")
            .unwrap_or_else(|| panic!("unexpected datagram {datagram:?}"));
        let usec: u64 = usec.parse().unwrap();
        assert!(
            (before..=after).contains(&usec),
            "{usec} not in {before}..={after}"
        );
    }

    #[cfg(target_os = "linux")]
    #[test]
    fn an_at_sign_names_an_abstract_socket() {
        use std::os::linux::net::SocketAddrExt;
        let name = format!("wirefeed-notify-test-{}", std::process::id());
        let addr = SocketAddr::from_abstract_name(name.as_bytes()).unwrap();
        let systemd = UnixDatagram::bind_addr(&addr).unwrap();
        systemd
            .set_read_timeout(Some(Duration::from_secs(5)))
            .unwrap();

        Notifier::to_socket(format!("@{name}")).ready();

        assert_eq!(receive(&systemd), "READY=1");
    }

    #[test]
    fn without_a_socket_every_call_is_a_no_op() {
        for socket in [None, Some(OsStr::new(""))] {
            let notifier = Notifier::from_parts(socket, None, None);
            assert!(notifier.target.is_none());
            notifier.ready();
            notifier.status("idle");
            notifier.reloading();
            notifier.watchdog();
            notifier.stopping();
            assert!(!notifier.send_failed.load(Ordering::Relaxed));
            assert_eq!(notifier.watchdog_interval(), None);
        }
    }

    #[test]
    fn a_relative_socket_path_is_refused_rather_than_guessed() {
        assert!(Notifier::to_socket("run/notify.sock").target.is_none());
    }

    #[test]
    fn a_socket_nobody_listens_on_fails_quietly_and_is_remembered() {
        let dir = tempfile::tempdir().unwrap();
        let notifier = Notifier::to_socket(dir.path().join("gone.sock"));

        notifier.ready();
        notifier.watchdog();

        assert!(notifier.send_failed.load(Ordering::Relaxed));
    }

    #[test]
    fn from_env_values_set_the_socket_and_the_watchdog() {
        let dir = tempfile::tempdir().unwrap();
        let (systemd, path) = listener(&dir);
        let pid = std::process::id().to_string();

        let notifier = Notifier::from_parts(Some(path.as_os_str()), Some("60000000"), Some(&pid));
        notifier.watchdog();

        assert_eq!(receive(&systemd), "WATCHDOG=1");
        assert_eq!(notifier.watchdog_interval(), Some(Duration::from_secs(30)));
    }

    #[test]
    fn watchdog_is_pinged_at_half_its_timeout() {
        assert_eq!(
            watchdog_interval_from(Some("60000000"), None, 42),
            Some(Duration::from_secs(30))
        );
        assert_eq!(
            watchdog_interval_from(Some("3000000"), Some("42"), 42),
            Some(Duration::from_millis(1500))
        );
    }

    #[test]
    fn watchdog_meant_for_another_process_is_ignored() {
        assert_eq!(
            watchdog_interval_from(Some("60000000"), Some("41"), 42),
            None
        );
        assert_eq!(
            watchdog_interval_from(Some("60000000"), Some("pid"), 42),
            None
        );
    }

    #[test]
    fn missing_zero_or_malformed_watchdog_timeout_means_off() {
        assert_eq!(watchdog_interval_from(None, Some("42"), 42), None);
        assert_eq!(watchdog_interval_from(Some("0"), None, 42), None);
        assert_eq!(watchdog_interval_from(Some("60s"), None, 42), None);
        assert_eq!(watchdog_interval_from(Some("-5"), None, 42), None);
    }
}

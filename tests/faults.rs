//! Faults an operator meets, on the real binary: the disk fills or the
//! output folder turns read-only mid-publish, another process locks the
//! SQLite file, the state is deleted under the running service, and every
//! feed's host stops resolving at once.
//!
//! Nothing here needs privileges. A full disk is a temporary file that is a
//! symlink to `/dev/full` (writes fail with ENOSPC, for root too); a
//! read-only folder is `chmod a-w` for an ordinary user and a read-only bind
//! mount in a private mount namespace for root, and the test says why when it
//! can have neither.

mod support;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

use support::http_server::{Route, TestServer};

const WIREFEED: &str = env!("CARGO_BIN_EXE_wirefeed");

/// The site of every test. Feeds are served from 127.0.0.1, which only
/// `allow_private` lets a feed reach.
const SITE: &str = r#"
[site]
title = "Fault News"
base_url = "https://feeds.example.org/"
output_dir = "output"
state_dir = "state"
max_items = 50

[defaults]
timeout = "5s"
allow_private = true

[[section]]
slug = "politics"
title = "Politics"
"#;

/// A `[[feed]]` entry.
fn feed(id: &str, url: &str, schedule: &str) -> String {
    format!(
        "\n[[feed]]\nid = \"{id}\"\nname = \"Wire {id}\"\nurl = \"{url}\"\nsection = \"politics\"\n\
         tags = [\"world\"]\nschedule = \"{schedule}\"\n"
    )
}

/// An RSS feed of `stories` (id, title).
fn rss(stories: &[(&str, &str)]) -> Vec<u8> {
    let mut xml = String::from(
        "<?xml version=\"1.0\"?><rss version=\"2.0\"><channel><title>Wire</title>\
         <link>https://wire.example/</link><description>d</description>",
    );
    for (id, title) in stories {
        xml.push_str(&format!(
            "<item><title>{title}</title><link>https://wire.example/{id}</link>\
             <guid isPermaLink=\"false\">{id}</guid><pubDate>Wed, 25 Nov 2026 08:00:00 GMT</pubDate>\
             <description>{title}, as the wire filed it.</description></item>"
        ));
    }
    xml.push_str("</channel></rss>");
    xml.into_bytes()
}

const FIRST: &[(&str, &str)] = &[
    ("a-1", "Parliament passes the budget"),
    ("a-2", "Talks resume in Geneva"),
];
const SECOND: &[(&str, &str)] = &[
    ("a-1", "Parliament passes the budget"),
    ("a-2", "Talks resume in Geneva"),
    ("a-3", "Harbour strike ends after nine days"),
];
const NEW_TITLE: &str = "Harbour strike ends after nine days";

/// A newsroom folder with one feed served over HTTP.
struct Desk {
    dir: tempfile::TempDir,
    server: TestServer,
}

impl Desk {
    fn new(schedule: &str) -> Desk {
        let dir = tempfile::tempdir().expect("temp dir");
        let server = TestServer::start();
        let config = format!("{SITE}{}", feed("wire", &server.url("/wire.rss"), schedule));
        std::fs::write(dir.path().join("feeds.toml"), config).expect("feeds.toml");
        let desk = Desk { dir, server };
        desk.serve(FIRST, "\"v1\"");
        desk
    }

    fn serve(&self, stories: &[(&str, &str)], etag: &str) {
        self.server.set(
            "/wire.rss",
            Route::ok(rss(stories), "application/rss+xml").with_etag(etag),
        );
    }

    fn config(&self) -> PathBuf {
        self.dir.path().join("feeds.toml")
    }

    fn output(&self) -> PathBuf {
        self.dir.path().join("output")
    }

    fn state(&self) -> PathBuf {
        self.dir.path().join("state/wirefeed.sqlite3")
    }

    /// `wirefeed once`, plainly.
    fn once(&self) -> Output {
        Command::new(WIREFEED)
            .args(["once", "--config"])
            .arg(self.config())
            .output()
            .expect("run wirefeed once")
    }

    /// `wirefeed once` whose temporary files for `full` (paths under the
    /// output folder) are symlinks to /dev/full: writing them fails with
    /// "No space left on device", as on a full disk. The names carry the
    /// writer's pid, so a shell makes them with its own pid and then execs
    /// wirefeed, which keeps it.
    fn once_with_full_disk(&self, full: &[PathBuf]) -> Output {
        let script = r#"bin="$1"; config="$2"; shift 2
            for file in "$@"; do
                ln -s /dev/full "$(dirname "$file")/.$(basename "$file").tmp-$$" || exit 99
            done
            exec "$bin" once --config "$config""#;
        Command::new("sh")
            .args(["-c", script, "sh", WIREFEED])
            .arg(self.config())
            .args(full)
            .output()
            .expect("run wirefeed once under sh")
    }

    /// `wirefeed run`, its log in `service.log`.
    fn start_service(&self) -> Service {
        let log = self.dir.path().join("service.log");
        let file = std::fs::File::create(&log).expect("log file");
        let child = Command::new(WIREFEED)
            .args(["run", "--config"])
            .arg(self.config())
            .env("RUST_LOG", "info")
            .env_remove("NOTIFY_SOCKET")
            .stdout(Stdio::null())
            .stderr(file)
            .spawn()
            .expect("start wirefeed run");
        Service { child, log }
    }
}

/// A running `wirefeed run`.
struct Service {
    child: Child,
    log: PathBuf,
}

impl Service {
    fn log(&self) -> String {
        std::fs::read_to_string(&self.log).unwrap_or_default()
    }

    /// Waits up to `limit` for the log to contain `needle`.
    fn wait_for_log(&self, needle: &str, limit: Duration) -> bool {
        wait_until(limit, || self.log().contains(needle))
    }

    fn alive(&mut self) -> bool {
        matches!(self.child.try_wait(), Ok(None))
    }

    /// SIGTERM, then the exit status.
    fn stop(mut self) -> std::process::ExitStatus {
        let _ = Command::new("kill")
            .args(["-s", "TERM", &self.child.id().to_string()])
            .status();
        let deadline = Instant::now() + Duration::from_secs(20);
        while Instant::now() < deadline {
            if let Ok(Some(status)) = self.child.try_wait() {
                return status;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        let _ = self.child.kill();
        self.child.wait().expect("reap")
    }
}

impl Drop for Service {
    fn drop(&mut self) {
        // A failed assertion must not leave a daemon behind.
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn wait_until(limit: Duration, mut done: impl FnMut() -> bool) -> bool {
    let deadline = Instant::now() + limit;
    while Instant::now() < deadline {
        if done() {
            return true;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    done()
}

/// Every file under `root` by its relative path, temporaries included.
fn files(root: &Path) -> BTreeMap<String, Vec<u8>> {
    let mut found = BTreeMap::new();
    let mut folders = vec![root.to_path_buf()];
    while let Some(folder) = folders.pop() {
        let Ok(entries) = std::fs::read_dir(&folder) else {
            continue;
        };
        for entry in entries.flatten() {
            let path = entry.path();
            let kind = entry.file_type().expect("file type");
            if kind.is_dir() {
                folders.push(path);
                continue;
            }
            let relative = path
                .strip_prefix(root)
                .expect("under root")
                .to_string_lossy()
                .into_owned();
            // A dangling or /dev/full symlink is recorded, not read.
            let bytes = if kind.is_symlink() {
                b"<symlink>".to_vec()
            } else {
                std::fs::read(&path).expect("read output")
            };
            found.insert(relative, bytes);
        }
    }
    found
}

fn text(output: &Output) -> String {
    format!(
        "status {:?}\nstdout:\n{}\nstderr:\n{}",
        output.status,
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    )
}

/// Every feed file parses whole, every one lists the story titled `title`
/// (the feed has one section and one tag, so every channel holds every
/// story), and no temporary file is left.
fn assert_published_with(output: &Path, title: &str) {
    let all = files(output);
    assert!(all.contains_key("all.json"), "{:?}", all.keys());
    for (name, bytes) in &all {
        assert!(!name.contains(".tmp-"), "temporary left behind: {name}");
        let text = String::from_utf8_lossy(bytes);
        match Path::new(name).extension().and_then(|e| e.to_str()) {
            Some("json") => {
                serde_json::from_slice::<serde_json::Value>(bytes)
                    .unwrap_or_else(|e| panic!("{name}: {e}"));
            }
            Some("rss") => {
                rss::Channel::read_from(&bytes[..]).unwrap_or_else(|e| panic!("{name}: {e}"));
            }
            Some("atom") => {
                atom_syndication::Feed::read_from(&bytes[..])
                    .unwrap_or_else(|e| panic!("{name}: {e}"));
            }
            _ => continue,
        }
        // ninjs/ holds one file per article, not channels.
        if !name.starts_with("breaking") && !name.starts_with("ninjs/") {
            assert!(text.contains(title), "{name} lacks {title:?}");
        }
    }
}

fn no_panic(log: &str) {
    assert!(!log.contains("panicked"), "a panic in the log:\n{log}");
}

#[test]
fn a_disk_full_mid_publish_keeps_previous_files_and_the_next_run_publishes_everything() {
    if !Path::new("/dev/full").exists() {
        support::skip::skip_or_fail("no /dev/full to stand in for a full disk");
        return;
    }
    let desk = Desk::new("*/5 * * * *");
    let first = desk.once();
    assert!(first.status.success(), "{}", text(&first));
    let before = files(&desk.output());

    // New copy arrives; the disk is full for every file but the `all` feeds:
    // the publish gets part-way, then fails.
    desk.serve(SECOND, "\"v2\"");
    let full: Vec<PathBuf> = before
        .keys()
        .filter(|name| !name.starts_with("all."))
        .map(|name| desk.output().join(name))
        .collect();
    let failed = desk.once_with_full_disk(&full);
    let report = text(&failed);
    assert_eq!(failed.status.code(), Some(2), "{report}");
    assert!(report.contains("No space left on device"), "{report}");
    assert!(
        full.iter()
            .any(|path| report.contains(&path.display().to_string())),
        "the error names the file: {report}"
    );

    // Every file the full disk refused is exactly as the last publish left it.
    let after = files(&desk.output());
    for (name, bytes) in &before {
        if !name.starts_with("all.") {
            assert!(after.get(name) == Some(bytes), "{name} changed");
        }
    }
    // The file that failed has no temporary left; the others' stand-ins
    // belong to a process that is gone.
    let dangling: Vec<&String> = after.keys().filter(|name| name.contains(".tmp-")).collect();
    assert_eq!(dangling.len(), full.len() - 1, "{dangling:?}");

    // Space returns: the next run (the feed is unchanged, 304) publishes
    // what the failed one could not, and clears the stale temporaries.
    let again = desk.once();
    assert!(again.status.success(), "{}", text(&again));
    assert!(
        String::from_utf8_lossy(&again.stdout).contains("1 not modified"),
        "{}",
        text(&again)
    );
    assert_published_with(&desk.output(), NEW_TITLE);
}

/// How to run a command against a read-only output folder.
enum ReadOnly {
    /// `chmod a-w` holds: run the command as it is.
    Permissions,
    /// Root: run it in a private mount namespace with the folder bound read-only.
    BindMount,
}

/// Sets the mode of `folder` and of every folder under it.
fn chmod_folders(folder: &Path, mode: u32) {
    use std::os::unix::fs::PermissionsExt;
    let mut folders = vec![folder.to_path_buf()];
    while let Some(next) = folders.pop() {
        std::fs::set_permissions(&next, std::fs::Permissions::from_mode(mode)).expect("chmod");
        for entry in std::fs::read_dir(&next).expect("read folder").flatten() {
            if entry.file_type().is_ok_and(|kind| kind.is_dir()) {
                folders.push(entry.path());
            }
        }
    }
}

/// Makes `folder` read-only for the next command, if this machine allows it.
fn make_read_only(folder: &Path) -> Result<ReadOnly, String> {
    chmod_folders(folder, 0o555);
    let probe = folder.join("probe");
    if std::fs::write(&probe, b"x").is_err() {
        return Ok(ReadOnly::Permissions);
    }
    // Permissions do not stop root.
    let _ = std::fs::remove_file(&probe);
    chmod_folders(folder, 0o755);
    let mounted = Command::new("unshare")
        .args(["-m", "sh", "-c"])
        .arg(bind_read_only("! touch \"$0/probe\""))
        .arg(folder)
        .stderr(Stdio::null())
        .status();
    match mounted {
        Ok(status) if status.success() => Ok(ReadOnly::BindMount),
        _ => Err("running as root, and no private mount namespace (unshare -m) to mount the folder read-only".into()),
    }
}

/// A shell script that bind-mounts `$0` read-only over itself, then runs `then`.
fn bind_read_only(then: &str) -> String {
    format!("mount --bind \"$0\" \"$0\" && mount -o remount,bind,ro \"$0\" \"$0\" && {then}")
}

#[test]
fn a_read_only_output_folder_keeps_previous_files_and_publishing_resumes_when_writable() {
    let desk = Desk::new("*/5 * * * *");
    let first = desk.once();
    assert!(first.status.success(), "{}", text(&first));
    let before = files(&desk.output());
    desk.serve(SECOND, "\"v2\"");

    let how = match make_read_only(&desk.output()) {
        Ok(how) => how,
        Err(why) => {
            support::skip::skip_or_fail(&format!("cannot make a folder read-only here: {why}"));
            return;
        }
    };
    let failed = match how {
        ReadOnly::Permissions => desk.once(),
        ReadOnly::BindMount => Command::new("unshare")
            .args(["-m", "sh", "-c"])
            .arg(bind_read_only("exec \"$1\" once --config \"$2\""))
            .arg(desk.output())
            .arg(WIREFEED)
            .arg(desk.config())
            .output()
            .expect("run wirefeed once in a mount namespace"),
    };
    let report = text(&failed);
    assert_eq!(failed.status.code(), Some(2), "{report}");
    assert!(
        report.contains("Read-only file system") || report.contains("Permission denied"),
        "{report}"
    );
    assert!(
        report.contains(&desk.output().join("all.rss").display().to_string()),
        "the error names the file: {report}"
    );
    assert_eq!(files(&desk.output()), before, "the output is untouched");

    if let ReadOnly::Permissions = how {
        chmod_folders(&desk.output(), 0o755);
    }
    let again = desk.once();
    assert!(again.status.success(), "{}", text(&again));
    assert_published_with(&desk.output(), NEW_TITLE);
}

#[test]
fn the_service_retries_a_failed_publish_and_resumes_when_space_returns() {
    if !Path::new("/dev/full").exists() {
        support::skip::skip_or_fail("no /dev/full to stand in for a full disk");
        return;
    }
    let desk = Desk::new("0 0 * * * *");
    // The first fetch is slow, so the disk is full before the first publish.
    desk.server.set(
        "/wire.rss",
        Route::ok(rss(FIRST), "application/rss+xml").with_delay(Duration::from_millis(800)),
    );
    std::fs::create_dir_all(desk.output()).expect("output folder");
    let mut service = desk.start_service();
    let pid = service.child.id();
    let stand_in = desk.output().join(format!(".all.rss.tmp-{pid}"));
    std::os::unix::fs::symlink("/dev/full", &stand_in).expect("symlink");

    assert!(
        service.wait_for_log("publish failed; retrying", Duration::from_secs(15)),
        "{}",
        service.log()
    );
    let log = service.log();
    assert!(log.contains("No space left on device"), "{log}");
    assert!(
        log.contains(&desk.output().join("all.rss").display().to_string()),
        "{log}"
    );
    assert!(!desk.output().join("all.rss").exists());
    assert!(service.alive(), "{log}");

    // Space returns: the retry, a few seconds later, publishes everything.
    std::fs::remove_file(&stand_in).ok();
    let published = wait_until(Duration::from_secs(15), || {
        std::fs::read_to_string(desk.output().join("sections/politics.json"))
            .is_ok_and(|json| json.contains("Talks resume in Geneva"))
    });
    assert!(published, "{}", service.log());
    let log = service.log();
    let status = service.stop();
    assert!(status.success(), "{status:?}\n{log}");
    no_panic(&log);
    assert_published_with(&desk.output(), "Talks resume in Geneva");
}

/// Holds SQLite's write lock on `path` from this process until dropped.
fn lock_database(path: &Path) -> rusqlite::Connection {
    let conn = rusqlite::Connection::open(path).expect("open the state");
    conn.execute_batch("BEGIN EXCLUSIVE")
        .expect("take the write lock");
    conn
}

#[test]
fn a_locked_state_database_fails_once_with_the_file_and_the_reason() {
    let desk = Desk::new("*/5 * * * *");
    let first = desk.once();
    assert!(first.status.success(), "{}", text(&first));
    let before = files(&desk.output());
    desk.serve(SECOND, "\"v2\"");

    let lock = lock_database(&desk.state());
    let started = Instant::now();
    let locked = desk.once();
    let report = text(&locked);
    // Exit code 2: the state cannot be used (README, "Exit codes").
    assert_eq!(locked.status.code(), Some(2), "{report}");
    assert!(report.contains("database is locked"), "{report}");
    assert!(
        report.contains(&desk.state().display().to_string()),
        "the error names the file: {report}"
    );
    no_panic(&report);
    // It waited for the lock (SQLite's busy timeout) before giving up.
    assert!(started.elapsed() >= Duration::from_secs(5), "{report}");
    assert_eq!(files(&desk.output()), before, "the output is untouched");

    drop(lock);
    let again = desk.once();
    assert!(again.status.success(), "{}", text(&again));
    assert_published_with(&desk.output(), NEW_TITLE);
}

#[test]
fn the_service_keeps_running_while_the_state_database_is_locked() {
    let desk = Desk::new("0 0 * * * *");
    let first = desk.once();
    assert!(first.status.success(), "{}", text(&first));
    std::fs::remove_dir_all(desk.output()).expect("clear the output");

    let lock = lock_database(&desk.state());
    let mut service = desk.start_service();
    assert!(
        service.wait_for_log("cycle failed", Duration::from_secs(20)),
        "{}",
        service.log()
    );
    let log = service.log();
    assert!(log.contains("database is locked"), "{log}");
    assert!(log.contains(&desk.state().display().to_string()), "{log}");
    assert!(service.alive(), "{log}");

    // Once the lock goes, the service publishes what the state holds.
    drop(lock);
    let published = wait_until(Duration::from_secs(20), || {
        desk.output().join("all.json").exists()
    });
    assert!(published, "{}", service.log());
    let log = service.log();
    let status = service.stop();
    assert!(status.success(), "{status:?}\n{log}");
    no_panic(&log);
    assert_published_with(&desk.output(), "Talks resume in Geneva");
}

#[test]
fn deleting_the_state_under_the_running_service_starts_a_new_one_without_a_panic() {
    let desk = Desk::new("* * * * * *");
    let mut service = desk.start_service();
    let first = wait_until(Duration::from_secs(15), || {
        std::fs::read_to_string(desk.output().join("all.json"))
            .is_ok_and(|json| json.contains("Talks resume in Geneva"))
    });
    assert!(first, "{}", service.log());

    let state = desk.state();
    for suffix in ["", "-wal", "-shm"] {
        let mut path = state.clone().into_os_string();
        path.push(suffix);
        let _ = std::fs::remove_file(path);
    }
    desk.serve(SECOND, "\"v2\"");

    let republished = wait_until(Duration::from_secs(15), || {
        std::fs::read_to_string(desk.output().join("all.json"))
            .is_ok_and(|json| json.contains(NEW_TITLE))
    });
    assert!(republished, "{}", service.log());
    assert!(state.exists(), "a new state file is created");
    assert!(service.alive(), "{}", service.log());
    let log = service.log();
    assert!(
        log.contains("state database is missing"),
        "the loss is logged: {log}"
    );
    let status = service.stop();
    assert!(status.success(), "{status:?}\n{log}");
    no_panic(&log);
    assert_published_with(&desk.output(), NEW_TITLE);
}

/// CPU time (user + system) of process `pid` so far.
fn cpu_time(pid: u32) -> Duration {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).expect("read /proc stat");
    // The command name may hold spaces: fields are counted after its ')'.
    let fields: Vec<&str> = stat
        .rsplit_once(')')
        .map(|(_, rest)| rest.split_whitespace().collect())
        .unwrap_or_default();
    // utime and stime are fields 14 and 15 of stat(5), 12 and 13 after ')'.
    let ticks: u64 =
        fields[11].parse::<u64>().expect("utime") + fields[12].parse::<u64>().expect("stime");
    // SAFETY: sysconf only reads a constant of the running system.
    let per_second = unsafe { libc::sysconf(libc::_SC_CLK_TCK) };
    Duration::from_secs_f64(ticks as f64 / per_second.max(1) as f64)
}

#[test]
fn when_no_feed_host_resolves_the_service_backs_off_and_stays_idle() {
    const FEEDS: usize = 6;
    let dir = tempfile::tempdir().expect("temp dir");
    let mut config = SITE.to_owned();
    for n in 0..FEEDS {
        // `.invalid` never resolves (RFC 6761); every 2 s is far faster
        // than any backoff.
        config.push_str(&feed(
            &format!("wire-{n}"),
            &format!("http://wire-{n}.invalid/feed.rss"),
            "*/2 * * * * *",
        ));
    }
    std::fs::write(dir.path().join("feeds.toml"), config).expect("feeds.toml");
    let desk = Desk {
        dir,
        server: TestServer::start(),
    };
    let mut service = desk.start_service();
    assert!(
        service.wait_for_log("service started", Duration::from_secs(10)),
        "{}",
        service.log()
    );
    // After the first round of fetches, measure five quiet seconds.
    assert!(
        service.wait_for_log("publish", Duration::from_secs(15)),
        "{}",
        service.log()
    );
    let pid = service.child.id();
    let cpu_before = cpu_time(pid);
    std::thread::sleep(Duration::from_secs(5));
    let cpu = cpu_time(pid).saturating_sub(cpu_before);
    assert!(service.alive(), "{}", service.log());
    let log = service.log();
    let status = service.stop();
    assert!(status.success(), "{status:?}\n{log}");
    no_panic(&log);

    // Each feed failed once, at start; its first retry is 30 s away.
    for n in 0..FEEDS {
        let attempts = log
            .lines()
            .filter(|line| {
                line.contains("feed failed") && line.contains(&format!("feed=wire-{n} "))
            })
            .count();
        assert!(
            (1..=2).contains(&attempts),
            "wire-{n}: {attempts} attempts\n{log}"
        );
    }
    assert!(
        log.contains("wire-0.invalid"),
        "the error names the host: {log}"
    );
    assert!(
        cpu < Duration::from_millis(500),
        "{cpu:?} of CPU in 5 idle seconds\n{log}"
    );
}

//! `wirefeed run` as systemd runs it: a real process, a real notify socket,
//! real signals, feeds from a local spool.

mod support;

use std::os::unix::net::UnixDatagram;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

const CONFIG: &str = r#"
[site]
title = "Service News"
base_url = "https://feeds.example.org/"
file_roots = ["."]

[[section]]
slug = "politics"
title = "Politics"

[[feed]]
id = "spool"
url = "file:spool"
section = "politics"
schedule = "* * * * * *"
"#;

fn item(id: &str, title: &str) -> String {
    format!(
        r#"<?xml version="1.0"?><rss version="2.0"><channel><title>Agency</title><link>https://agency.example/</link><description>d</description>
<item><title>{title}</title><link>https://agency.example/{id}</link><guid isPermaLink="false">{id}</guid><pubDate>Wed, 25 Nov 2026 08:00:00 GMT</pubDate><description>{title}.</description></item></channel></rss>"#
    )
}

/// Datagrams the service sends to its NOTIFY_SOCKET.
struct Systemd {
    socket: UnixDatagram,
    seen: Vec<String>,
}

impl Systemd {
    fn listen(path: &Path) -> Systemd {
        let socket = UnixDatagram::bind(path).expect("bind notify socket");
        socket
            .set_read_timeout(Some(Duration::from_millis(200)))
            .expect("timeout");
        Systemd {
            socket,
            seen: Vec::new(),
        }
    }

    /// Waits up to `limit` for a message containing `needle`.
    fn wait_for(&mut self, needle: &str, limit: Duration) -> bool {
        let deadline = Instant::now() + limit;
        if self.seen.iter().any(|m| m.contains(needle)) {
            return true;
        }
        let mut buffer = [0u8; 4096];
        while Instant::now() < deadline {
            if let Ok(n) = self.socket.recv(&mut buffer) {
                let message = String::from_utf8_lossy(&buffer[..n]).into_owned();
                let found = message.contains(needle);
                self.seen.push(message);
                if found {
                    return true;
                }
            }
        }
        false
    }
}

/// Starts `wirefeed run` on `config`, reporting to `dir/notify.sock`.
fn start_service(config: &Path, dir: &Path) -> Child {
    Command::new(env!("CARGO_BIN_EXE_wirefeed"))
        .args(["run", "--config"])
        .arg(config)
        .env("NOTIFY_SOCKET", dir.join("notify.sock"))
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("start wirefeed run")
}

fn wait_until(limit: Duration, mut done: impl FnMut() -> bool) -> bool {
    let deadline = Instant::now() + limit;
    while Instant::now() < deadline {
        if done() {
            return true;
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    false
}

fn signal(child: &Child, name: &str) {
    let status = Command::new("kill")
        .args(["-s", name, &child.id().to_string()])
        .status()
        .expect("kill");
    assert!(status.success());
}

#[test]
fn the_service_publishes_follows_edits_refuses_a_bad_reload_and_stops_cleanly() {
    let dir = tempfile::tempdir().expect("temp dir");
    let spool = dir.path().join("spool");
    std::fs::create_dir_all(&spool).expect("spool");
    std::fs::write(spool.join("a.xml"), item("a", "Ceasefire talks resume")).expect("feed");
    let config = dir.path().join("feeds.toml");
    std::fs::write(&config, CONFIG).expect("config");
    let mut systemd = Systemd::listen(&dir.path().join("notify.sock"));

    let mut child = start_service(&config, dir.path());

    assert!(
        systemd.wait_for("READY=1", Duration::from_secs(10)),
        "READY=1: {:?}",
        systemd.seen
    );
    let all = dir.path().join("output/all.json");
    let published =
        |needle: &str| std::fs::read_to_string(&all).is_ok_and(|text| text.contains(needle));
    assert!(
        wait_until(Duration::from_secs(10), || published(
            "Ceasefire talks resume"
        )),
        "first publish"
    );
    assert!(
        systemd.wait_for("STATUS=1 feed, 0 failing", Duration::from_secs(5)),
        "{:?}",
        systemd.seen
    );

    // A new file in the spool is picked up on the feed's schedule.
    std::fs::write(
        spool.join("b.xml"),
        item("b", "Storm warning for the coast"),
    )
    .expect("feed");
    assert!(
        wait_until(Duration::from_secs(10), || published(
            "Storm warning for the coast"
        )),
        "second item"
    );

    // An editor's typo: the service keeps running on the last good file and says so.
    std::fs::write(&config, format!("{CONFIG}\nshedule = \"oops\"\n")).expect("bad config");
    assert!(
        systemd.wait_for("reload refused", Duration::from_secs(10)),
        "{:?}",
        systemd.seen
    );
    assert!(
        child.try_wait().expect("poll").is_none(),
        "still running after a bad reload"
    );
    std::fs::write(
        spool.join("c.xml"),
        item("c", "Budget passes after marathon session"),
    )
    .expect("feed");
    assert!(
        wait_until(Duration::from_secs(10), || published("Budget passes")),
        "still fetching"
    );

    signal(&child, "TERM");
    let deadline = Instant::now() + Duration::from_secs(15);
    let status = loop {
        if let Some(status) = child.try_wait().expect("poll") {
            break status;
        }
        assert!(Instant::now() < deadline, "did not stop within 15 s");
        std::thread::sleep(Duration::from_millis(100));
    };
    assert!(status.success(), "exit status {status:?}");
    assert!(
        systemd.wait_for("STOPPING=1", Duration::from_secs(2)),
        "{:?}",
        systemd.seen
    );
}

#[test]
fn sighup_adds_a_feed_and_a_change_republishes_only_the_channels_it_touches() {
    let dir = tempfile::tempdir().expect("temp dir");
    let spool = dir.path().join("spool");
    let sports_spool = dir.path().join("sports-spool");
    std::fs::create_dir_all(&spool).expect("spool");
    std::fs::create_dir_all(&sports_spool).expect("spool");
    std::fs::write(spool.join("a.xml"), item("a", "Ceasefire talks resume")).expect("feed");
    std::fs::write(sports_spool.join("s.xml"), item("s", "Derby ends level")).expect("feed");
    let config = dir.path().join("feeds.toml");
    std::fs::write(&config, CONFIG).expect("config");
    let mut systemd = Systemd::listen(&dir.path().join("notify.sock"));
    let mut child = start_service(&config, dir.path());
    let output = dir.path().join("output");
    let contains = |file: &str, needle: &str| {
        std::fs::read_to_string(output.join(file)).is_ok_and(|text| text.contains(needle))
    };
    assert!(
        wait_until(Duration::from_secs(10), || contains(
            "all.json",
            "Ceasefire"
        )),
        "first publish"
    );

    // The added feed is only seen through SIGHUP: the file keeps its old
    // mtime, so the watch for edits cannot be what notices it.
    let before = std::fs::metadata(&config)
        .and_then(|m| m.modified())
        .expect("mtime");
    let added = format!(
        "{CONFIG}\n[[section]]\nslug = \"sports\"\ntitle = \"Sports\"\n\n\
         [[feed]]\nid = \"sports\"\nurl = \"file:sports-spool\"\nsection = \"sports\"\n\
         schedule = \"* * * * * *\"\n"
    );
    std::fs::write(&config, added).expect("config");
    std::fs::File::options()
        .write(true)
        .open(&config)
        .and_then(|file| file.set_modified(before))
        .expect("restore mtime");
    signal(&child, "HUP");
    assert!(
        wait_until(Duration::from_secs(10), || contains(
            "sections/sports.json",
            "Derby ends level"
        )),
        "the added feed's section is published"
    );
    assert!(contains("index.html", "sections/sports.rss"));

    // A file no change touches is not rendered again: this stand-in stays
    // while a new politics story reaches the channels it belongs to.
    std::thread::sleep(Duration::from_millis(1500));
    std::fs::write(output.join("sections/sports.json"), "stand-in").expect("stand-in");
    std::fs::write(
        spool.join("b.xml"),
        item("b", "Storm warning for the coast"),
    )
    .expect("feed");
    assert!(
        wait_until(Duration::from_secs(10), || contains(
            "sections/politics.json",
            "Storm warning"
        ) && contains(
            "all.json",
            "Storm warning"
        )),
        "the change is published"
    );
    assert_eq!(
        std::fs::read_to_string(output.join("sections/sports.json")).expect("sports"),
        "stand-in"
    );
    assert!(
        contains("index.html", "sections/sports.rss"),
        "still listed"
    );

    signal(&child, "TERM");
    let status = child.wait().expect("reap");
    assert!(status.success(), "exit status {status:?}");
    assert!(
        systemd.wait_for("RELOADING=1", Duration::from_secs(1)),
        "{:?}",
        systemd.seen
    );
}

#[test]
fn an_invalid_config_stops_the_service_from_starting_with_exit_1() {
    let dir = tempfile::tempdir().expect("temp dir");
    let config = dir.path().join("feeds.toml");
    std::fs::write(&config, "[site]\ntitle = \"x\"\n").expect("config");
    let output = Command::new(env!("CARGO_BIN_EXE_wirefeed"))
        .args(["run", "--config"])
        .arg(&config)
        .output()
        .expect("run");
    assert_eq!(output.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&output.stderr).contains("base_url"));
}

#[test]
fn a_stop_waits_for_running_fetches_at_most_ten_seconds() {
    let server = support::http_server::TestServer::start();
    let slow = support::http_server::Route::ok(item("s", "Slow story"), "application/rss+xml")
        .with_delay(Duration::from_secs(60));
    server.set("/slow.rss", slow);
    let dir = tempfile::tempdir().expect("temp dir");
    let config = dir.path().join("feeds.toml");
    let text = format!(
        "[site]\ntitle = \"T\"\nbase_url = \"https://feeds.example.org/\"\n\n\
         [[feed]]\nid = \"slow\"\nurl = \"{}\"\ntimeout = \"2m\"\nallow_private = true\n",
        server.url("/slow.rss")
    );
    std::fs::write(&config, text).expect("config");
    let mut systemd = Systemd::listen(&dir.path().join("notify.sock"));
    let mut child = start_service(&config, dir.path());
    assert!(systemd.wait_for("READY=1", Duration::from_secs(10)));
    assert!(
        wait_until(Duration::from_secs(5), || !server
            .requests("/slow.rss")
            .is_empty()),
        "fetch started"
    );

    let stop = Instant::now();
    signal(&child, "TERM");
    let status = loop {
        if let Some(status) = child.try_wait().expect("poll") {
            break status;
        }
        assert!(
            stop.elapsed() < Duration::from_secs(20),
            "still running 20 s after SIGTERM"
        );
        std::thread::sleep(Duration::from_millis(100));
    };
    let waited = stop.elapsed();
    assert!(status.success(), "{status:?}");
    assert!(
        waited >= Duration::from_secs(9),
        "gave the running fetch its grace: {waited:?}"
    );
    assert!(waited < Duration::from_secs(15), "but no more: {waited:?}");
}

/// A GET over a plain TCP connection: status line and body.
fn get(port: u16, path: &str) -> (String, String) {
    use std::io::{Read, Write};
    let mut stream = std::net::TcpStream::connect(("127.0.0.1", port)).expect("connect");
    write!(stream, "GET {path} HTTP/1.0\r\nHost: localhost\r\n\r\n").expect("request");
    let mut response = String::new();
    stream.read_to_string(&mut response).expect("response");
    let (head, body) = response.split_once("\r\n\r\n").unwrap_or((&response, ""));
    (head.to_owned(), body.to_owned())
}

#[test]
fn the_service_serves_its_output_health_and_metrics() {
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("free port")
        .port();
    let dir = tempfile::tempdir().expect("temp dir");
    let spool = dir.path().join("spool");
    std::fs::create_dir_all(&spool).expect("spool");
    std::fs::write(spool.join("a.xml"), item("a", "Ceasefire talks resume")).expect("feed");
    let config = dir.path().join("feeds.toml");
    std::fs::write(
        &config,
        format!("{CONFIG}\n[server]\nlisten = \"127.0.0.1:{port}\"\n"),
    )
    .expect("config");
    let mut systemd = Systemd::listen(&dir.path().join("notify.sock"));
    let child = start_service(&config, dir.path());
    assert!(
        systemd.wait_for("STATUS=1 feed,", Duration::from_secs(10)),
        "{:?}",
        systemd.seen
    );

    let (head, body) = get(port, "/all.rss");
    assert!(
        head.starts_with("HTTP/1.0 200") || head.starts_with("HTTP/1.1 200"),
        "{head}"
    );
    assert!(
        head.to_ascii_lowercase()
            .contains("content-type: application/rss+xml"),
        "{head}"
    );
    assert!(body.contains("Ceasefire talks resume"));
    let (head, _) = get(port, "/healthz");
    assert!(head.contains(" 200 "), "{head}");
    let (_, metrics) = get(port, "/metrics");
    assert!(
        metrics.contains(r#"wirefeed_fetches_total{feed="spool",outcome="fetched"} 1"#),
        "{metrics}"
    );

    signal(&child, "TERM");
    let mut child = child;
    let status = child.wait().expect("reap");
    assert!(status.success(), "{status:?}");
}

#[test]
fn a_hanging_host_does_not_hold_back_another_feed() {
    let server = support::http_server::TestServer::start();
    let hanging = support::http_server::Route::ok(item("h", "Late story"), "application/rss+xml")
        .with_delay(Duration::from_secs(15));
    server.set("/hanging.rss", hanging);
    let quick = |items: &[(&str, &str)]| {
        let items: String = items
            .iter()
            .map(|(id, title)| {
                format!(
                    "<item><title>{title}</title><link>https://agency.example/{id}</link><guid isPermaLink=\"false\">{id}</guid><pubDate>Wed, 25 Nov 2026 08:00:00 GMT</pubDate><description>{title}.</description></item>"
                )
            })
            .collect();
        let xml = format!(
            r#"<?xml version="1.0"?><rss version="2.0"><channel><title>Agency</title><link>https://agency.example/</link><description>d</description>{items}</channel></rss>"#
        );
        support::http_server::Route::ok(xml, "application/rss+xml")
    };
    server.set("/quick.rss", quick(&[("a", "Ceasefire talks resume")]));
    let dir = tempfile::tempdir().expect("temp dir");
    let config = dir.path().join("feeds.toml");
    let text = format!(
        "[site]\ntitle = \"T\"\nbase_url = \"https://feeds.example.org/\"\n\n\
         [defaults]\nschedule = \"* * * * * *\"\ntimeout = \"1m\"\nallow_private = true\n\n\
         [[feed]]\nid = \"hanging\"\nurl = \"{}\"\n\n\
         [[feed]]\nid = \"quick\"\nurl = \"{}\"\n",
        server.url("/hanging.rss"),
        server.url("/quick.rss")
    );
    std::fs::write(&config, text).expect("config");
    let _systemd = Systemd::listen(&dir.path().join("notify.sock"));
    let mut child = start_service(&config, dir.path());
    let all = dir.path().join("output/all.json");
    let published =
        |needle: &str| std::fs::read_to_string(&all).is_ok_and(|text| text.contains(needle));

    assert!(
        wait_until(Duration::from_secs(10), || published("Ceasefire")),
        "the quick feed is published while the other host hangs"
    );
    server.set(
        "/quick.rss",
        quick(&[
            ("b", "Storm warning for the coast"),
            ("a", "Ceasefire talks resume"),
        ]),
    );
    let changed = wait_until(Duration::from_secs(10), || published("Storm warning"));
    let late = published("Late story");
    let hanging_requests = server.requests("/hanging.rss").len();
    let _ = child.kill();
    let _ = child.wait();
    assert!(changed, "the quick feed's new story is published");
    assert!(!late, "before the hanging host answered");
    assert_eq!(hanging_requests, 1, "the hanging feed is not started twice");
}

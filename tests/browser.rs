//! The front page and `/status` as people see them: a demo-like newsroom
//! published by `wirefeed run` with `[server]` on 127.0.0.1, read over HTTP,
//! and rendered in a real headless Chromium at 1280 and 390 px wide.
//!
//! Chromium is driven over the DevTools protocol rather than with
//! `--screenshot`/`--dump-dom`: neither of those can say how wide the laid-out
//! page is (a screenshot is cut to the window, a DOM dump has no layout),
//! while `Runtime.evaluate` of `document.documentElement.scrollWidth` under
//! `Emulation.setDeviceMetricsOverride` is the browser's own answer, with
//! mobile emulation honouring the viewport meta as a phone does. The pages
//! themselves stay script-free: only the test evaluates script.
//!
//! Screenshots go to the test's temporary folder, and are copied to
//! `WIREFEED_SCREENSHOTS=DIR` when set. Without Chromium the browser test
//! skips, saying so; under `WIREFEED_REQUIRE_ALL=1` it fails instead.

use std::io::{BufRead, BufReader};
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use base64::Engine as _;
use serde_json::{Value, json};
use tungstenite::stream::MaybeTlsStream;
use tungstenite::{Message, WebSocket};

/// The failing feed's password (sent as Basic auth); `/status` must never
/// show it.
const SECRET: &str = "s3cr3t-t0ken-value";

/// Widths the pages are checked at: a desktop and a phone.
const WIDTHS: [u32; 2] = [1280, 390];

/// An Arabic edition's feed, as the demo has.
const ARABIC: &str = r#"<?xml version="1.0" encoding="UTF-8"?>
<rss version="2.0"><channel><title>غلوبال واير</title><link>https://ar.wire.example/</link>
<description>أخبار</description><language>ar</language>
<item><title>استئناف محادثات وقف إطلاق النار في القاهرة</title>
<link>https://ar.wire.example/2026/11/25/cairo-talks</link><guid isPermaLink="false">ar-1</guid>
<pubDate>Wed, 25 Nov 2026 08:20:00 GMT</pubDate><description>وصل المفاوضون إلى القاهرة.</description></item>
<item><title>فيضانات تشرد الآلاف في دلتا النهر بعد أمطار غزيرة استمرت ثلاثة أيام متواصلة</title>
<link>https://ar.wire.example/2026/11/24/floods</link><guid isPermaLink="false">ar-2</guid>
<pubDate>Tue, 24 Nov 2026 16:20:00 GMT</pubDate><description>فيضانات.</description></item>
</channel></rss>"#;

/// A partner whose titles are hostile or unbreakable.
const HOSTILE: &str = r#"<?xml version="1.0" encoding="UTF-8"?>
<rss version="2.0"><channel><title>Hostile Times</title><link>https://hostile.example/</link>
<description>x</description>
<item><title>&lt;script&gt;alert(1)&lt;/script&gt; "onerror=alert(2) &lt;img src=x onerror=alert(3)&gt;</title>
<link>https://hostile.example/a</link><guid isPermaLink="false">h-1</guid>
<pubDate>Wed, 25 Nov 2026 07:30:00 GMT</pubDate><description>x</description></item>
<item><title>Supercalifragilisticexpialidocious-unbreakable-headline-https://hostile.example/a/very/long/path/that/never/breaks</title>
<link>https://hostile.example/b</link><guid isPermaLink="false">h-2</guid>
<pubDate>Wed, 25 Nov 2026 07:00:00 GMT</pubDate><description>x</description></item>
</channel></rss>"#;

fn require_all() -> bool {
    std::env::var("WIREFEED_REQUIRE_ALL").is_ok_and(|v| v == "1")
}

/// A `wirefeed run` of a demo-like newsroom, serving on 127.0.0.1; stopped
/// (SIGTERM, then waited for) when dropped.
struct Daemon {
    dir: tempfile::TempDir,
    child: Child,
    base: String,
}

impl Daemon {
    fn start() -> Daemon {
        let dir = tempfile::tempdir().expect("temp dir");
        let feeds = dir.path().join("feeds");
        std::fs::create_dir_all(&feeds).unwrap();
        let fixtures = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/pipeline");
        for name in ["agency.rss", "partner.atom", "tech.json"] {
            std::fs::copy(fixtures.join(name), feeds.join(name))
                .unwrap_or_else(|e| panic!("{name}: {e}"));
        }
        std::fs::write(feeds.join("arabic.rss"), ARABIC).unwrap();
        std::fs::write(feeds.join("hostile.rss"), HOSTILE).unwrap();
        let port = free_port();
        // Nothing listens there: the feed fails, with a secret in its
        // Authorization header.
        let closed = free_port();
        let config = format!(
            r#"
[site]
title = "Example News"
description = "Agency and partner news, folded and attributed"
base_url = "https://feeds.example.org/"
output_dir = "output"
state_dir = "state"
language = "en"
file_roots = ["feeds"]

[defaults]
allow_private = true
timeout = "5s"

[server]
listen = "127.0.0.1:{port}"

[[section]]
slug = "politics"
title = "Politics"

[[section]]
slug = "economy"
title = "Economy"

[[section]]
slug = "sports"
title = "Sports"

[[section]]
slug = "technology"
title = "Technology"

[[feed]]
id = "agency"
name = "Agency Wire"
url = "file:feeds/agency.rss"
section = "politics"
credit = "Source: Agency Wire"
priority = 10

  [[feed.rule]]
  category = "Middle East"
  regions = ["MENA"]

  [[feed.rule]]
  category = "Markets"
  section = "economy"

  [[feed.rule]]
  category = "Sports"
  section = "sports"

  [[feed.rule]]
  title_matches = "(?i)^breaking:"
  breaking = true

[[feed]]
id = "partner"
name = "Partner Daily"
url = "file:feeds/partner.atom"
section = "politics"
priority = 1

[[feed]]
id = "tech"
name = "Tech Daily"
url = "file:feeds/tech.json"
section = "technology"
tags = ["technology"]

[[feed]]
id = "arabic"
name = "غلوبال واير"
url = "file:feeds/arabic.rss"
section = "politics"
language = "ar"
regions = ["MENA"]

[[feed]]
id = "hostile"
name = "Hostile Times"
url = "file:feeds/hostile.rss"
section = "politics"

[[feed]]
id = "paywalled"
name = "Paywalled Agency"
url = "http://127.0.0.1:{closed}/feed.rss"
section = "politics"
auth = {{ user = "newsroom", password_env = "WIREFEED_TEST_PASSWORD" }}
"#
        );
        let config_path = dir.path().join("feeds.toml");
        std::fs::write(&config_path, config).unwrap();
        let log = std::fs::File::create(dir.path().join("wirefeed.log")).unwrap();
        let child = Command::new(env!("CARGO_BIN_EXE_wirefeed"))
            .args(["run", "--config"])
            .arg(&config_path)
            .env("WIREFEED_TEST_PASSWORD", SECRET)
            .stdout(Stdio::null())
            .stderr(log)
            .spawn()
            .expect("wirefeed runs");
        let mut daemon = Daemon {
            dir,
            child,
            base: format!("http://127.0.0.1:{port}"),
        };
        daemon.wait_until_published();
        daemon
    }

    fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    /// Waits until /healthz says a publish happened and the failing feed
    /// has been tried (the first batch runs every feed, then publishes).
    fn wait_until_published(&mut self) {
        let deadline = Instant::now() + Duration::from_secs(90);
        loop {
            if let Some((200, _)) = get(&self.url("/healthz")) {
                return;
            }
            let log = || {
                std::fs::read_to_string(self.dir.path().join("wirefeed.log")).unwrap_or_default()
            };
            if let Ok(Some(status)) = self.child.try_wait() {
                panic!("wirefeed run ended ({status}); log:\n{}", log());
            }
            assert!(
                Instant::now() < deadline,
                "nothing published within 90 s; log:\n{}",
                log()
            );
            std::thread::sleep(Duration::from_millis(200));
        }
    }
}

impl Drop for Daemon {
    fn drop(&mut self) {
        let _ = Command::new("kill")
            .args(["-s", "TERM", &self.child.id().to_string()])
            .status();
        let _ = self.child.wait();
    }
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|listener| listener.local_addr())
        .map(|address| address.port())
        .expect("a free port")
}

/// A plain HTTP/1.1 GET: status code and body. `None` when the server does
/// not answer (not up yet).
fn get(url: &str) -> Option<(u16, String)> {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .ok()?;
    runtime.block_on(async {
        let response = reqwest::Client::new()
            .get(url)
            .timeout(Duration::from_secs(10))
            .send()
            .await
            .ok()?;
        let status = response.status().as_u16();
        Some((status, response.text().await.ok()?))
    })
}

/// The `href` values of `html`, in order.
fn hrefs(html: &str) -> Vec<String> {
    html.split("href=\"")
        .skip(1)
        .filter_map(|rest| rest.split('"').next())
        .map(|href| href.replace("&amp;", "&"))
        .collect()
}

#[test]
fn the_front_page_under_run_links_to_our_own_files_relatively_and_they_resolve() {
    let daemon = Daemon::start();
    let (status, html) = get(&daemon.url("/")).expect("the front page");
    assert_eq!(status, 200, "{html}");
    assert!(html.contains("<h2>Latest"), "{html}");
    assert!(html.contains("Ceasefire talks resume in Cairo"), "{html}");
    assert!(
        html.contains("<section class=\"block\" lang=\"ar\" dir=\"rtl\">"),
        "{html}"
    );
    assert!(!html.contains("<script"), "a hostile title became markup");
    assert!(
        !html.contains("feeds.example.org"),
        "links to base_url: {html}"
    );
    let own: Vec<String> = hrefs(&html)
        .into_iter()
        .filter(|href| !href.starts_with("http") && !href.starts_with('#'))
        .collect();
    for wanted in [
        "all.rss",
        "all.atom",
        "all.json",
        "feeds.opml",
        "sections/politics.rss",
    ] {
        assert!(own.iter().any(|href| href == wanted), "{wanted} in {own:?}");
    }
    for href in &own {
        let (status, _) = get(&daemon.url(&format!("/{href}"))).expect("an answer");
        assert_eq!(status, 200, "{href}");
    }
    // The same files are there to browse from the folder.
    for href in &own {
        assert!(
            daemon.dir.path().join("output").join(href).is_file(),
            "{href}"
        );
    }
}

#[test]
fn status_shows_each_feeds_health_and_chart_and_never_a_secret() {
    let daemon = Daemon::start();
    // The failing feed is recorded by the first batch, before the publish
    // that /healthz waited for.
    let (status, html) = get(&daemon.url("/status")).expect("/status");
    assert_eq!(status, 200, "{html}");
    for feed in [
        "agency",
        "partner",
        "tech",
        "arabic",
        "hostile",
        "paywalled",
    ] {
        assert!(
            html.contains(&format!("<span dir=\"auto\">{feed}</span>")),
            "{feed} in {html}"
        );
    }
    let paywalled = &html[html.find(">paywalled<").unwrap()..];
    let paywalled = &paywalled[..paywalled.find("</article>").unwrap()];
    assert!(
        paywalled.contains("class=\"badge\">failing<"),
        "{paywalled}"
    );
    assert!(paywalled.contains("Last error:"), "{paywalled}");
    assert!(paywalled.contains("<dt>Backoff</dt>"), "{paywalled}");
    // A failure bar in the chart's current hour (the daemon may have retried).
    assert!(paywalled.contains("fill=\"#c62828\""), "{paywalled}");
    let agency = &html[html.find(">agency<").unwrap()..];
    assert!(agency.contains("class=\"badge\">ok<"), "{agency}");
    assert!(agency.contains("<svg class=\"chart\""), "{agency}");
    assert!(!html.contains(SECRET), "a secret on /status:\n{html}");
    assert!(!html.contains("<script"), "{html}");
}

#[test]
fn the_front_page_and_status_fit_a_phone_and_a_desktop_in_chromium() {
    let Some(chromium) = chromium() else {
        assert!(
            !require_all(),
            "WIREFEED_REQUIRE_ALL=1 but no Chromium (install Debian's `chromium`, or set WIREFEED_CHROMIUM)"
        );
        eprintln!(
            "skipping the browser check: no Chromium found (install Debian's `chromium`, or set WIREFEED_CHROMIUM)"
        );
        return;
    };
    let daemon = Daemon::start();
    let screens = daemon.dir.path().join("screenshots");
    std::fs::create_dir_all(&screens).unwrap();
    let mut browser = Browser::launch(&chromium, &daemon.dir.path().join("chromium-profile"));
    // The measure itself: a page that is too wide must be seen as too wide.
    let too_wide = browser.render(
        "data:text/html,<meta name=viewport content='width=device-width'><div style='width:431px'>x</div>",
        390,
    );
    assert!(too_wide.scroll_width >= 431, "{}", too_wide.scroll_width);
    let mut measured = Vec::new();
    for (page, path) in [("index", "/"), ("status", "/status")] {
        for width in WIDTHS {
            let shot = browser.render(&daemon.url(path), width);
            let file = screens.join(format!("{page}-{width}.png"));
            std::fs::write(&file, &shot.png).unwrap();
            assert_eq!(png_width(&shot.png), Some(width), "{}", file.display());
            measured.push((page, width, shot.scroll_width, file));
        }
    }
    if let Ok(dir) = std::env::var("WIREFEED_SCREENSHOTS") {
        std::fs::create_dir_all(&dir).unwrap();
        for (_, _, _, file) in &measured {
            let name = file.file_name().unwrap();
            std::fs::copy(file, Path::new(&dir).join(name)).unwrap();
        }
    }
    for (page, width, scroll_width, _) in &measured {
        eprintln!("{page} at {width} px: the page is {scroll_width} px wide");
    }
    for (page, width, scroll_width, _) in &measured {
        assert!(
            scroll_width <= width,
            "{page} is {scroll_width} px wide in a {width} px viewport: it scrolls sideways"
        );
    }
}

/// Chromium to drive: `WIREFEED_CHROMIUM`, else `chromium` or
/// `chromium-browser` on the PATH.
fn chromium() -> Option<PathBuf> {
    if let Ok(path) = std::env::var("WIREFEED_CHROMIUM") {
        return Some(PathBuf::from(path));
    }
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path)
        .flat_map(|dir| ["chromium", "chromium-browser"].map(|name| dir.join(name)))
        .find(|candidate| candidate.is_file())
}

/// The width of a PNG, from its IHDR chunk.
fn png_width(png: &[u8]) -> Option<u32> {
    let bytes: [u8; 4] = png.get(16..20)?.try_into().ok()?;
    png.starts_with(b"\x89PNG")
        .then(|| u32::from_be_bytes(bytes))
}

/// What one page looked like at one width.
struct Shot {
    png: Vec<u8>,
    /// `document.documentElement.scrollWidth`: wider than the viewport when
    /// the page scrolls sideways.
    scroll_width: u32,
}

/// A headless Chromium and one page of it, driven over the DevTools protocol.
struct Browser {
    child: Child,
    socket: WebSocket<MaybeTlsStream<TcpStream>>,
    session: String,
    next_id: u64,
}

/// How long one DevTools exchange (a navigation included) may take.
const STEP: Duration = Duration::from_secs(60);

impl Browser {
    fn launch(chromium: &Path, profile: &Path) -> Browser {
        let mut child = Command::new(chromium)
            .args([
                "--headless",
                "--no-sandbox",
                "--disable-gpu",
                "--disable-quic",
                "--no-first-run",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                "--hide-scrollbars",
                "--remote-debugging-port=0",
            ])
            .arg(format!("--user-data-dir={}", profile.display()))
            .arg("about:blank")
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap_or_else(|e| panic!("{}: {e}", chromium.display()));
        // Chromium prints where its DevTools endpoint listens on stderr.
        let stderr = child.stderr.take().expect("piped stderr");
        let (found, endpoint) = mpsc::channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stderr).lines().map_while(Result::ok) {
                if let Some(url) = line.strip_prefix("DevTools listening on ") {
                    let _ = found.send(url.trim().to_owned());
                }
            }
        });
        let endpoint = endpoint
            .recv_timeout(STEP)
            .expect("Chromium announces its DevTools endpoint");
        let (socket, _) = tungstenite::connect(endpoint.as_str()).expect("DevTools connects");
        if let MaybeTlsStream::Plain(stream) = socket.get_ref() {
            stream
                .set_read_timeout(Some(Duration::from_secs(5)))
                .expect("read timeout");
        }
        let mut browser = Browser {
            child,
            socket,
            session: String::new(),
            next_id: 0,
        };
        let target = browser.call("Target.createTarget", json!({"url": "about:blank"}));
        let target_id = target["targetId"].as_str().expect("a target id").to_owned();
        let attached = browser.call(
            "Target.attachToTarget",
            json!({"targetId": target_id, "flatten": true}),
        );
        browser.session = attached["sessionId"]
            .as_str()
            .expect("a session id")
            .to_owned();
        browser.call("Page.enable", json!({}));
        browser
    }

    /// Loads `url` in a `width` px wide viewport (a phone's, with touch and
    /// the viewport meta honoured, under 600 px) and returns its width and a
    /// screenshot of the whole page.
    fn render(&mut self, url: &str, width: u32) -> Shot {
        self.call(
            "Emulation.setDeviceMetricsOverride",
            json!({"width": width, "height": 900, "deviceScaleFactor": 1, "mobile": width < 600}),
        );
        self.call("Page.navigate", json!({"url": url}));
        self.wait_for_event("Page.loadEventFired");
        let measured = self.call(
            "Runtime.evaluate",
            json!({
                "expression": "[document.documentElement.scrollWidth, document.documentElement.scrollHeight]",
                "returnByValue": true
            }),
        );
        let values = &measured["result"]["value"];
        let scroll_width = values[0].as_u64().expect("a width") as u32;
        let height = values[1].as_u64().expect("a height").clamp(1, 12_000);
        let shot = self.call(
            "Page.captureScreenshot",
            json!({
                "format": "png",
                "captureBeyondViewport": true,
                "clip": {"x": 0, "y": 0, "width": width, "height": height, "scale": 1}
            }),
        );
        let png = base64::engine::general_purpose::STANDARD
            .decode(shot["data"].as_str().expect("screenshot data"))
            .expect("base64 PNG");
        Shot { png, scroll_width }
    }

    /// Sends a command (to the page once attached) and returns its result.
    fn call(&mut self, method: &str, params: Value) -> Value {
        self.next_id += 1;
        let id = self.next_id;
        let mut message = json!({"id": id, "method": method, "params": params});
        if !self.session.is_empty() {
            message["sessionId"] = json!(self.session);
        }
        self.socket
            .send(Message::text(message.to_string()))
            .unwrap_or_else(|e| panic!("{method}: {e}"));
        let reply = self.read_until(STEP, |message| message["id"] == json!(id));
        if let Some(error) = reply.get("error") {
            panic!("{method} failed: {error}");
        }
        reply["result"].clone()
    }

    fn wait_for_event(&mut self, method: &str) {
        self.read_until(STEP, |message| message["method"] == json!(method));
    }

    /// Reads messages until one `wanted`, skipping events; panics after `limit`.
    fn read_until(&mut self, limit: Duration, wanted: impl Fn(&Value) -> bool) -> Value {
        let deadline = Instant::now() + limit;
        loop {
            assert!(Instant::now() < deadline, "Chromium did not answer in time");
            let message = match self.socket.read() {
                Ok(Message::Text(text)) => text,
                Ok(_) => continue,
                Err(tungstenite::Error::Io(error))
                    if matches!(
                        error.kind(),
                        std::io::ErrorKind::WouldBlock | std::io::ErrorKind::TimedOut
                    ) =>
                {
                    continue;
                }
                Err(error) => panic!("DevTools connection: {error}"),
            };
            let value: Value = serde_json::from_str(message.as_str()).expect("DevTools JSON");
            if wanted(&value) {
                return value;
            }
        }
    }
}

impl Drop for Browser {
    fn drop(&mut self) {
        let _ = self.socket.close(None);
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

//! Captures what the library logs, so a test can assert that a failure was
//! logged and that it named the feed.
//!
//! The cycle logs from tokio workers and blocking threads, which a
//! thread-local subscriber would not see, so one global subscriber (WARN and
//! above, plain text) writes every line to a shared buffer. Tests run in
//! parallel: each looks only at lines naming its own feed ids.

use std::io::Write;
use std::sync::{Mutex, OnceLock, PoisonError};

use tracing_subscriber::fmt::MakeWriter;

static LINES: Mutex<Vec<u8>> = Mutex::new(Vec::new());
static INSTALLED: OnceLock<()> = OnceLock::new();

/// Installs the capturing subscriber once per test process.
pub fn install() {
    INSTALLED.get_or_init(|| {
        let subscriber = tracing_subscriber::fmt()
            .with_max_level(tracing::Level::WARN)
            .with_ansi(false)
            .with_writer(Buffer)
            .finish();
        // Another test binary helper may have installed one first; then
        // nothing is captured and the log assertions say so.
        let _ = tracing::subscriber::set_global_default(subscriber);
    });
}

/// Every captured line (WARN and above) that carries `feed=<feed_id>`.
pub fn lines_for(feed_id: &str) -> Vec<String> {
    let needle = format!("feed={feed_id} ");
    let text = {
        let buffer = LINES.lock().unwrap_or_else(PoisonError::into_inner);
        String::from_utf8_lossy(&buffer).into_owned()
    };
    text.lines()
        .filter(|line| format!("{line} ").contains(&needle))
        .map(str::to_owned)
        .collect()
}

/// Everything captured so far, for assertions that nothing leaked into logs.
pub fn all() -> String {
    let buffer = LINES.lock().unwrap_or_else(PoisonError::into_inner);
    String::from_utf8_lossy(&buffer).into_owned()
}

#[derive(Clone, Copy)]
struct Buffer;

impl Write for Buffer {
    fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
        LINES
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .extend_from_slice(bytes);
        Ok(bytes.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl<'a> MakeWriter<'a> for Buffer {
    type Writer = Buffer;

    fn make_writer(&'a self) -> Buffer {
        Buffer
    }
}

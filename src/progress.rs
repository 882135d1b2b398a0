//! The progress bar `wirefeed once` shows on a terminal: feeds done out of
//! the total and how many failed so far. Log lines printed meanwhile go
//! through [`LogWriter`], which lifts the bar out of their way.

use std::io::Write;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, PoisonError};

use indicatif::{ProgressBar, ProgressStyle};

use wirefeed::cycle::Progress;

/// The bar being shown, if any: log lines are written around it.
static SHOWN: Mutex<Option<ProgressBar>> = Mutex::new(None);

/// A progress bar over `total` feeds, drawn on stderr.
pub struct FeedProgress {
    bar: ProgressBar,
    failed: AtomicU64,
}

impl FeedProgress {
    /// Shows a bar for `total` feeds until [`FeedProgress::finish`].
    pub fn start(total: u64) -> Arc<FeedProgress> {
        let bar = ProgressBar::new(total);
        // The template is a constant; should it ever not parse, the default
        // style still shows the count.
        if let Ok(style) =
            ProgressStyle::with_template("{spinner} [{elapsed}] {bar:30} {pos}/{len} feeds {msg}")
        {
            bar.set_style(style);
        }
        bar.enable_steady_tick(std::time::Duration::from_millis(200));
        *SHOWN.lock().unwrap_or_else(PoisonError::into_inner) = Some(bar.clone());
        Arc::new(FeedProgress {
            bar,
            failed: AtomicU64::new(0),
        })
    }

    /// Removes the bar; later log lines print plainly.
    pub fn finish(&self) {
        SHOWN.lock().unwrap_or_else(PoisonError::into_inner).take();
        self.bar.finish_and_clear();
    }
}

impl Progress for FeedProgress {
    fn feed_done(&self, _feed_id: &str, failed: bool) {
        if failed {
            let failed = self.failed.fetch_add(1, Ordering::Relaxed) + 1;
            self.bar.set_message(format!("({failed} failing)"));
        }
        self.bar.inc(1);
    }
}

/// Writes log lines to stderr, around the progress bar when one is shown.
#[derive(Clone, Copy, Default)]
pub struct LogWriter;

impl Write for LogWriter {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        let shown = SHOWN.lock().unwrap_or_else(PoisonError::into_inner).clone();
        match shown {
            Some(bar) => bar.suspend(|| std::io::stderr().write_all(buf))?,
            None => std::io::stderr().write_all(buf)?,
        }
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        std::io::stderr().flush()
    }
}

impl<'a> tracing_subscriber::fmt::MakeWriter<'a> for LogWriter {
    type Writer = LogWriter;

    fn make_writer(&'a self) -> Self::Writer {
        LogWriter
    }
}

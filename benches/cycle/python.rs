//! The field: the same corpus through the pipeline a newsroom would script in
//! Python (`benches/python/pipeline.py`: fetch, feedparser, drop duplicates
//! by link, feedgen RSS and Atom per section).
//!
//! The interpreter and its two packages live in a venv under
//! `target/bench-venv`, created on the first run and reused after.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Instant;

use super::FeedSpec;

/// Packages the pipeline imports, with the major versions it was written for.
const PACKAGES: [&str; 2] = ["feedparser>=6,<7", "feedgen>=1,<2"];
/// Written into the venv once the packages are in, so a half-made venv is
/// made again rather than reused.
const READY_MARKER: &str = ".wirefeed-bench-ready";
/// Fetch threads, as a newsroom script would configure a thread pool.
const WORKERS: usize = 32;

/// One timed run of the Python pipeline.
pub struct PythonRun {
    /// Wall clock of the whole process, interpreter start-up included.
    pub seconds: f64,
    /// The script's own summary line (feeds, entries, duplicates dropped,
    /// files written, its own seconds), as JSON.
    pub summary: String,
}

/// Makes the venv if needed, then runs the pipeline against `feeds` with its
/// output under `dir`. `Err` carries why Python could not run.
pub fn run(
    dir: &Path,
    feeds: &[FeedSpec],
    sections: &[&str],
    max_items: usize,
) -> Result<PythonRun, String> {
    let python = venv()?;
    let plan = dir.join("python-plan.json");
    write_plan(&plan, feeds, sections, max_items)?;
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("benches/python/pipeline.py");

    let started = Instant::now();
    let output = Command::new(&python)
        .arg(&script)
        .arg(&plan)
        .arg(dir.join("python-output"))
        .stderr(Stdio::inherit())
        .output()
        .map_err(|e| format!("cannot start {}: {e}", python.display()))?;
    let seconds = started.elapsed().as_secs_f64();
    if !output.status.success() {
        return Err(format!("pipeline.py exited with {}", output.status));
    }
    let stdout = String::from_utf8_lossy(&output.stdout);
    let summary = stdout.lines().last().unwrap_or_default().to_owned();
    Ok(PythonRun { seconds, summary })
}

/// The venv's interpreter, after creating the venv and installing the
/// packages if an earlier run has not.
fn venv() -> Result<PathBuf, String> {
    let target = std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("target"));
    let venv = target.join("bench-venv");
    let python = venv.join("bin").join("python");
    if venv.join(READY_MARKER).exists() && python.exists() {
        return Ok(python);
    }
    eprintln!(
        "python: creating {} and installing {} (once)",
        venv.display(),
        PACKAGES.join(", ")
    );
    quiet(
        Command::new("python3")
            .args(["-m", "venv", "--clear"])
            .arg(&venv),
        "python3 -m venv",
    )?;
    quiet(
        Command::new(&python)
            .args([
                "-m",
                "pip",
                "install",
                "--quiet",
                "--disable-pip-version-check",
            ])
            .args(PACKAGES),
        "pip install",
    )?;
    std::fs::write(venv.join(READY_MARKER), "")
        .map_err(|e| format!("cannot write to {}: {e}", venv.display()))?;
    Ok(python)
}

/// Runs `command`; on failure, says which step failed and the last line it
/// printed.
fn quiet(command: &mut Command, step: &str) -> Result<(), String> {
    let output = command
        .stdout(Stdio::null())
        .output()
        .map_err(|e| format!("{step}: {e}"))?;
    if output.status.success() {
        return Ok(());
    }
    let stderr = String::from_utf8_lossy(&output.stderr);
    let last = stderr.lines().rev().find(|l| !l.trim().is_empty());
    Err(format!(
        "{step} failed ({}): {}",
        output.status,
        last.unwrap_or("no output")
    ))
}

/// The plan pipeline.py reads: the site of feeds.toml, its sections, and
/// every feed with the section it belongs to.
fn write_plan(
    path: &Path,
    feeds: &[FeedSpec],
    sections: &[&str],
    max_items: usize,
) -> Result<(), String> {
    let plan = serde_json::json!({
        "site_title": super::SITE_TITLE,
        "base_url": super::BASE_URL,
        "max_items": max_items,
        "workers": WORKERS,
        "sections": sections
            .iter()
            .map(|slug| serde_json::json!({"slug": slug, "title": slug}))
            .collect::<Vec<_>>(),
        "feeds": feeds
            .iter()
            .map(|f| serde_json::json!({
                "id": f.id, "name": f.name, "url": f.url, "section": f.section
            }))
            .collect::<Vec<_>>(),
    });
    std::fs::write(path, plan.to_string())
        .map_err(|e| format!("cannot write {}: {e}", path.display()))
}

//! The `wirefeed` command: parses flags, sets up logging, calls the library.
//!
//! Exit codes: 0 success (a cycle that ran, even with failing feeds);
//! 1 the configuration is invalid, or `add`/`import` refused an edit (an
//! import that skipped every outline too); 2 the state or output cannot be
//! used (or, for `preview`, the feed cannot be fetched or read); 3 the feed
//! or article asked for does not exist.

mod allocator;
mod progress;

use std::io::{IsTerminal, Write as _};
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::Arc;

use clap::{Parser, Subcommand};
use tracing_subscriber::EnvFilter;

use progress::{FeedProgress, LogWriter};
use wirefeed::config::{self, Config};
use wirefeed::plural::count;
use wirefeed::{cycle, editor, inspect, status};

const EXIT_CONFIG: u8 = 1;
const EXIT_RUNTIME: u8 = 2;
const EXIT_UNKNOWN: u8 = 3;

#[derive(Parser)]
#[command(name = "wirefeed", version, about = "A newsroom syndication engine")]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Validate feeds.toml and print every problem with its line and column.
    Check(ConfigArg),
    /// Run one full cycle over every feed now, publish, and exit.
    Once(ConfigArg),
    /// Run as a service: every feed on its schedule, reload on SIGHUP or when
    /// feeds.toml changes, clean stop on SIGTERM, systemd notifications.
    Run(ConfigArg),
    /// Show per-feed health from the state, and when the service fetches
    /// each feed next.
    Status(StatusArgs),
    /// Add a feed, given its URL or its site's home page: check that it
    /// parses and append a [[feed]] entry to feeds.toml, keeping its comments.
    Add(AddArgs),
    /// Add every feed of an OPML file to feeds.toml.
    Import(ImportArgs),
    /// Print the configured feeds as OPML 2.0.
    ExportOpml(ExportArgs),
    /// Fetch one feed now and show how each item would come out (fields,
    /// the rule lines that set them, drops, folds) without storing or
    /// publishing anything.
    Preview(PreviewArgs),
    /// Everything wirefeed knows about one stored article: its sources,
    /// the rules behind its fields, where it is published, why duplicates
    /// were folded into it.
    Explain(ExplainArgs),
    /// Copy the SQLite state (articles, versions, fold evidence, fetch
    /// history, validators, plans, the publish record) into a PostgreSQL
    /// database, so a newsroom moves to `[store] url` without refetching or
    /// republishing anything.
    MigrateState(MigrateArgs),
}

#[derive(clap::Args)]
struct MigrateArgs {
    /// The PostgreSQL database: postgres://USER@HOST:PORT/DATABASE (the
    /// password from PGPASSWORD or ~/.pgpass, never here).
    #[arg(long)]
    to: String,
    /// Empty a target that already holds a state instead of refusing it.
    #[arg(long)]
    replace: bool,
    /// The configuration file: its `state_dir` holds the SQLite state.
    #[arg(long, short, default_value = "feeds.toml")]
    config: PathBuf,
}

#[derive(clap::Args)]
struct PreviewArgs {
    /// The `[[feed]] id` to fetch.
    feed_id: String,
    /// The configuration file.
    #[arg(long, short, default_value = "feeds.toml")]
    config: PathBuf,
}

#[derive(clap::Args)]
struct ExplainArgs {
    /// The article id, or a canonical URL or original link of any of its sources.
    article: String,
    /// The configuration file.
    #[arg(long, short, default_value = "feeds.toml")]
    config: PathBuf,
    /// Print one JSON object, for scripts.
    #[arg(long)]
    json: bool,
}

#[derive(clap::Args)]
struct ConfigArg {
    /// The configuration file.
    #[arg(long, short, default_value = "feeds.toml")]
    config: PathBuf,
}

#[derive(clap::Args)]
struct StatusArgs {
    /// The configuration file.
    #[arg(long, short, default_value = "feeds.toml")]
    config: PathBuf,
    /// Print a JSON array, one object per feed, for scripts.
    #[arg(long)]
    json: bool,
}

#[derive(clap::Args)]
struct AddArgs {
    /// A feed URL, or a page that links its feed.
    url: String,
    /// The feed's id (default: from its title, made unique).
    #[arg(long)]
    id: Option<String>,
    /// A declared section slug for the feed's items.
    #[arg(long)]
    section: Option<String>,
    /// The configuration file.
    #[arg(long, short, default_value = "feeds.toml")]
    config: PathBuf,
}

#[derive(clap::Args)]
struct ImportArgs {
    /// The OPML file.
    file: PathBuf,
    /// Add the feeds without fetching them (offline imports).
    #[arg(long)]
    no_check: bool,
    /// The configuration file.
    #[arg(long, short, default_value = "feeds.toml")]
    config: PathBuf,
}

#[derive(clap::Args)]
struct ExportArgs {
    /// The configuration file.
    #[arg(long, short, default_value = "feeds.toml")]
    config: PathBuf,
    /// Write to this file instead of stdout.
    #[arg(long, short)]
    output: Option<PathBuf>,
}

fn main() -> ExitCode {
    allocator::limit_arenas();
    let cli = Cli::parse();
    let terminal = std::io::stderr().is_terminal();
    // With a progress bar, a line per feed would bury it: warnings and
    // errors still print, RUST_LOG still decides when set.
    let progress = terminal && matches!(cli.command, Command::Once(_));
    let default_level = if progress { "warn" } else { "info" };
    tracing_subscriber::fmt()
        .with_writer(LogWriter)
        .with_ansi(terminal)
        .with_env_filter(
            EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new(default_level)),
        )
        .init();
    match cli.command {
        Command::Check(arg) => check(&arg.config),
        Command::Once(arg) => once(&arg.config, progress),
        Command::Run(arg) => run(&arg.config),
        Command::Status(args) => show_status(&args.config, args.json),
        Command::Add(args) => add(args),
        Command::Import(args) => import(args),
        Command::ExportOpml(args) => export_opml(&args.config, args.output.as_deref()),
        Command::Preview(args) => preview(&args.config, &args.feed_id),
        Command::Explain(args) => explain(&args.config, &args.article, args.json),
        Command::MigrateState(args) => migrate_state(&args),
    }
}

fn check(path: &Path) -> ExitCode {
    match config::load(path) {
        Ok((config, warnings)) => {
            if !warnings.is_empty() {
                eprintln!("{warnings}");
            }
            println!(
                "{}: ok ({}, {}, {})",
                path.display(),
                count(config.feeds.len(), "feed", "feeds"),
                count(config.sections.len(), "section", "sections"),
                count(warnings.warnings().count(), "warning", "warnings")
            );
            ExitCode::SUCCESS
        }
        Err(problems) => {
            eprintln!("{problems}");
            eprintln!(
                "{}: {}",
                path.display(),
                count(problems.errors().count(), "error", "errors")
            );
            ExitCode::from(EXIT_CONFIG)
        }
    }
}

/// Loads the configuration or prints why not.
fn load(path: &Path) -> Result<Config, ExitCode> {
    match config::load(path) {
        Ok((config, warnings)) => {
            if !warnings.is_empty() {
                eprintln!("{warnings}");
            }
            Ok(config)
        }
        Err(problems) => {
            eprintln!("{problems}");
            // A file that could not be read at all is said in full above;
            // `check` can add nothing to it.
            if problems.errors().any(|problem| problem.line.is_some()) {
                eprintln!(
                    "{}: invalid, run `wirefeed check` for details",
                    path.display()
                );
            }
            Err(ExitCode::from(EXIT_CONFIG))
        }
    }
}

fn once(path: &Path, show_progress: bool) -> ExitCode {
    let config = match load(path) {
        Ok(config) => config,
        Err(code) => return code,
    };
    let runtime = match runtime() {
        Ok(runtime) => runtime,
        Err(code) => return code,
    };
    let progress = show_progress.then(|| {
        let total = config.feeds.iter().filter(|feed| feed.enabled).count();
        FeedProgress::start(total as u64)
    });
    let result = runtime.block_on(cycle::run_once_with(
        &config,
        progress
            .clone()
            .map(|progress| progress as Arc<dyn cycle::Progress>),
    ));
    if let Some(progress) = &progress {
        progress.finish();
    }
    match result {
        Ok(report) => {
            println!(
                "{}: {} failed, {} not modified; {} new, {} updated, {} folded, {} unchanged, {} dropped; \
                 {} written, {} unchanged, in {:.2}s",
                count(report.feeds, "feed", "feeds"),
                report.failed.len(),
                report.not_modified,
                report.new,
                report.updated,
                report.folded,
                report.unchanged,
                report.dropped,
                count(report.publish.written, "file", "files"),
                report.publish.unchanged,
                report.elapsed.as_secs_f64()
            );
            for failure in &report.failed {
                println!("  failed {}: {}", failure.feed_id, failure.error);
            }
            ExitCode::SUCCESS
        }
        Err(error) => {
            eprintln!("error: {error}");
            ExitCode::from(EXIT_RUNTIME)
        }
    }
}

fn run(path: &Path) -> ExitCode {
    let runtime = match runtime() {
        Ok(runtime) => runtime,
        Err(code) => return code,
    };
    let result = runtime.block_on(async {
        let mut terminate =
            match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
                Ok(signal) => signal,
                Err(error) => return Err(wirefeed::daemon::service::ServiceError::Signals(error)),
            };
        let shutdown = async move {
            tokio::select! {
                _ = terminate.recv() => {}
                _ = tokio::signal::ctrl_c() => {}
            }
        };
        wirefeed::daemon::service::run(path, shutdown).await
    });
    // Fetches abandoned at a stop must not hold the exit: they are retried
    // after the restart, and what they stored is whole.
    runtime.shutdown_timeout(std::time::Duration::from_secs(2));
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(error @ wirefeed::daemon::service::ServiceError::Config { .. }) => {
            eprintln!("{error}");
            ExitCode::from(EXIT_CONFIG)
        }
        Err(error) => {
            eprintln!("error: {error}");
            ExitCode::from(EXIT_RUNTIME)
        }
    }
}

fn migrate_state(args: &MigrateArgs) -> ExitCode {
    let config = match load(&args.config) {
        Ok(config) => config,
        Err(code) => return code,
    };
    let from = config.site.state_dir.join(wirefeed::store::STATE_FILE);
    match wirefeed::store::sqlite_to_postgres(&from, &args.to, args.replace) {
        Ok(copied) => {
            let to = wirefeed::store::Location::Postgres(args.to.clone());
            println!("moved the state from {} to {to}: {copied}", from.display());
            println!(
                "set [store] url = \"{to}\" in {} to use it",
                args.config.display()
            );
            ExitCode::SUCCESS
        }
        Err(error) => {
            eprintln!("error: {error}");
            ExitCode::from(EXIT_RUNTIME)
        }
    }
}

fn show_status(path: &Path, json: bool) -> ExitCode {
    let config = match load(path) {
        Ok(config) => config,
        Err(code) => return code,
    };
    let state = wirefeed::store::Location::of(&config);
    let states = if state.exists() {
        match state.open().and_then(|store| store.feed_states()) {
            Ok(states) => states,
            Err(error) => {
                eprintln!("error: {error}");
                return ExitCode::from(EXIT_RUNTIME);
            }
        }
    } else {
        let note = format!("no state yet at {}: run `wirefeed once` first", state);
        // Scripts read stdout as JSON: the note goes aside.
        if json {
            eprintln!("{note}");
        } else {
            println!("{note}");
        }
        Vec::new()
    };
    let text = if json {
        match status::render_json(&config, &states) {
            Ok(text) => text + "\n",
            Err(error) => {
                eprintln!("error: cannot write the status as JSON: {error}");
                return ExitCode::from(EXIT_RUNTIME);
            }
        }
    } else {
        let now = chrono::Utc::now();
        let mut text = status::render_table(&config, &states, now);
        if let wirefeed::store::Location::Postgres(url) = &state {
            match wirefeed::store::cluster::read_view(url) {
                Ok(view) => text.push_str(&status::render_cluster(&view, now)),
                Err(error) => text.push_str(&format!(
                    "
cluster: cannot read it: {error}
"
                )),
            }
        }
        text
    };
    // A reader that stops early (`| head`) is not an error worth a panic.
    match std::io::stdout().lock().write_all(text.as_bytes()) {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) if error.kind() == std::io::ErrorKind::BrokenPipe => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("error: cannot write the status: {error}");
            ExitCode::from(EXIT_RUNTIME)
        }
    }
}

fn add(args: AddArgs) -> ExitCode {
    let request = editor::AddRequest {
        url: args.url,
        id: args.id,
        section: args.section,
    };
    edit(editor::add(&args.config, &request))
}

fn import(args: ImportArgs) -> ExitCode {
    let options = editor::ImportOptions {
        check: !args.no_check,
    };
    let file = args.file.clone();
    edit(async move {
        let report = editor::import(&args.config, &args.file, options).await?;
        Ok(Imported { report, file })
    })
}

/// An import's report, and how it ends: refusing every outline is a failure
/// (exit 1, the reasons on stderr); refusing some is not.
struct Imported {
    report: editor::ImportReport,
    file: PathBuf,
}

impl Edited for Imported {
    fn finish(&self) -> ExitCode {
        if self.report.refused_all() {
            eprint!(
                "error: nothing imported from {}, every outline was skipped:\n{}",
                self.file.display(),
                self.report
            );
            return ExitCode::from(EXIT_CONFIG);
        }
        print!("{}", self.report);
        ExitCode::SUCCESS
    }
}

impl Edited for editor::Added {
    fn finish(&self) -> ExitCode {
        print!("{self}");
        ExitCode::SUCCESS
    }
}

/// What an edit of feeds.toml says when it is done, and its exit code.
trait Edited {
    fn finish(&self) -> ExitCode;
}

/// Runs an edit of feeds.toml and prints what it did, or why it refused.
fn edit<T: Edited>(work: impl Future<Output = Result<T, editor::EditorError>>) -> ExitCode {
    let runtime = match runtime() {
        Ok(runtime) => runtime,
        Err(code) => return code,
    };
    match runtime.block_on(work) {
        Ok(done) => done.finish(),
        Err(error @ editor::EditorError::Io { .. }) => {
            eprintln!("error: {error}");
            ExitCode::from(EXIT_RUNTIME)
        }
        Err(error) => {
            eprintln!("error: {error}");
            ExitCode::from(EXIT_CONFIG)
        }
    }
}

fn export_opml(path: &Path, output: Option<&Path>) -> ExitCode {
    let config = match load(path) {
        Ok(config) => config,
        Err(code) => return code,
    };
    let written = match output {
        Some(file) => std::fs::File::create(file)
            .and_then(|out| editor::write_opml(&config, std::io::BufWriter::new(out))),
        None => editor::write_opml(&config, std::io::stdout().lock()),
    };
    match written {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) if error.kind() == std::io::ErrorKind::BrokenPipe => ExitCode::SUCCESS,
        Err(error) => {
            let target = output.map_or_else(|| "stdout".to_string(), |f| f.display().to_string());
            eprintln!("error: cannot write the OPML to {target}: {error}");
            ExitCode::from(EXIT_RUNTIME)
        }
    }
}

fn preview(path: &Path, feed_id: &str) -> ExitCode {
    let config = match load(path) {
        Ok(config) => config,
        Err(code) => return code,
    };
    let runtime = match runtime() {
        Ok(runtime) => runtime,
        Err(code) => return code,
    };
    match runtime.block_on(inspect::preview(&config, feed_id)) {
        Ok(preview) => print(&inspect::render_preview(
            &preview,
            &path.display().to_string(),
        )),
        Err(error) => inspect_failed(&error),
    }
}

fn explain(path: &Path, query: &str, json: bool) -> ExitCode {
    let config = match load(path) {
        Ok(config) => config,
        Err(code) => return code,
    };
    match inspect::explain(&config, query) {
        Ok(explanation) if json => {
            print(&format!("{:#}\n", inspect::explanation_json(&explanation)))
        }
        Ok(explanation) => print(&inspect::render_explanation(
            &explanation,
            &path.display().to_string(),
        )),
        Err(error) => inspect_failed(&error),
    }
}

fn inspect_failed(error: &inspect::InspectError) -> ExitCode {
    eprintln!("error: {error}");
    ExitCode::from(if error.is_unknown() {
        EXIT_UNKNOWN
    } else {
        EXIT_RUNTIME
    })
}

/// Writes `text` to stdout; a reader that stops early (`| head`) is fine.
fn print(text: &str) -> ExitCode {
    match std::io::stdout().lock().write_all(text.as_bytes()) {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) if error.kind() == std::io::ErrorKind::BrokenPipe => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("error: cannot write the output: {error}");
            ExitCode::from(EXIT_RUNTIME)
        }
    }
}

/// The async runtime, or the exit code after saying why there is none.
fn runtime() -> Result<tokio::runtime::Runtime, ExitCode> {
    tokio::runtime::Runtime::new().map_err(|error| {
        eprintln!("error: cannot start the async runtime: {error}");
        ExitCode::from(EXIT_RUNTIME)
    })
}

//! Sanitizer benchmark: wirefeed's ammonia sanitizer against a streaming
//! candidate on lol_html with the same allowlist (issue 5).
//!
//! ```text
//! cargo bench --bench sanitize [-- --bodies 2000 --runs 5 --probes --show NAME]
//! ```
//!
//! `--probes` prints every probe's outputs. `--show NAME` prints the input and both outputs of every case whose file
//! name contains NAME.
//!
//! Speed: MB/s of each sanitizer on one core, over synthetic ~3.5 KB agency
//! bodies and over the HTML of feedparser's sanitizer cases. Safety: every
//! output of the 745 cases goes through an "unsafe output" checker (an
//! html5ever tokenizer flagging scripts, event handlers, style, scripting
//! URLs, active elements), and the two outputs' visible text is compared.
//!
//! The cases live in `../shared/corpus` (or `$WIREFEED_CORPUS`); without them
//! the safety part is skipped with a message and speed uses the bodies only.

#[path = "sanitize/bodies.rs"]
mod bodies;
#[path = "sanitize/cases.rs"]
mod cases;
#[path = "sanitize/probes.rs"]
mod probes;
#[path = "sanitize/safety.rs"]
mod safety;
#[path = "sanitize/streaming.rs"]
mod streaming;

use std::path::{Path, PathBuf};
use std::time::Instant;

use url::Url;

use cases::Case;
use streaming::sanitize_streaming;
use wirefeed::normalize::sanitize_html;

/// How many differing or unsafe cases to print in full.
const SHOWN: usize = 12;

#[path = "support/args.rs"]
mod args;
#[path = "support/words.rs"]
mod words;

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let body_count = args::number("--bodies", 2000);
    let runs = args::number("--runs", 5).max(1);
    let base = Url::parse("https://news.example/world/story.html").expect("constant base URL");

    safety::self_test();
    let cases = load_cases();

    let bodies = bodies::generate(body_count);
    let case_html: Vec<String> = cases
        .iter()
        .flat_map(|c| c.fragments.iter().cloned())
        .collect();
    println!("speed (one core, best and median of {runs} runs)");
    speed("synthetic bodies", &bodies, &base, runs);
    if !case_html.is_empty() {
        speed("feedparser case HTML", &case_html, &base, runs);
    }

    if !cases.is_empty() {
        safety_report(&cases, &base);
    }
    probe_report(&base, args.iter().any(|a| a == "--probes"));
    let shown = args
        .iter()
        .position(|a| a == "--show")
        .and_then(|i| args.get(i + 1));
    for case in cases
        .iter()
        .filter(|c| shown.is_some_and(|s| c.name.contains(s.as_str())))
    {
        show(case, &base);
    }
}

/// Print one case's fragments and what each sanitizer made of them.
fn show(case: &Case, base: &Url) {
    for fragment in &case.fragments {
        println!("\n== {}\n-- input\n{fragment}", case.name);
        println!("-- ammonia\n{}", sanitize_html(fragment, Some(base)));
        println!("-- lol_html\n{}", sanitize_streaming(fragment, Some(base)));
    }
}

fn load_cases() -> Vec<Case> {
    let root = match std::env::var_os("WIREFEED_CORPUS") {
        Some(dir) => PathBuf::from(dir),
        None => Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/corpus"),
    };
    let dir = root.join("feedparser/wellformed/sanitize");
    match cases::load(&dir) {
        Ok(cases) => cases,
        Err(e) => {
            eprintln!(
                "skipped safety: no sanitizer cases at {} ({e}); set WIREFEED_CORPUS",
                dir.display()
            );
            Vec::new()
        }
    }
}

fn speed(label: &str, inputs: &[String], base: &Url, runs: usize) {
    let bytes: usize = inputs.iter().map(String::len).sum();
    let mean = bytes as f64 / inputs.len().max(1) as f64;
    println!(
        "  {label}: {} inputs, {:.2} MB, {mean:.0} B each",
        inputs.len(),
        bytes as f64 / 1e6
    );
    let ammonia = |h: &str| sanitize_html(h, Some(base));
    let streaming = |h: &str| sanitize_streaming(h, Some(base));
    // Warm-up, then runs alternating between the two, so load from other
    // processes on a shared machine hits both alike.
    pass(inputs, ammonia);
    pass(inputs, streaming);
    let mut rates = (Vec::new(), Vec::new());
    for _ in 0..runs {
        rates.0.push(bytes as f64 / 1e6 / pass(inputs, ammonia));
        rates.1.push(bytes as f64 / 1e6 / pass(inputs, streaming));
    }
    let (ammonia, streaming) = (best_and_median(rates.0), best_and_median(rates.1));
    println!(
        "    ammonia   {:7.1} MB/s best, {:7.1} median",
        ammonia.0, ammonia.1
    );
    println!(
        "    lol_html  {:7.1} MB/s best, {:7.1} median  ({:.2}x ammonia)",
        streaming.0,
        streaming.1,
        streaming.1 / ammonia.1
    );
}

/// Seconds one sanitizer takes over every input.
fn pass(inputs: &[String], sanitize: impl Fn(&str) -> String) -> f64 {
    let started = Instant::now();
    let mut sink = 0usize;
    for html in inputs {
        sink += std::hint::black_box(sanitize(html)).len();
    }
    std::hint::black_box(sink);
    started.elapsed().as_secs_f64()
}

fn best_and_median(mut rates: Vec<f64>) -> (f64, f64) {
    rates.sort_by(f64::total_cmp);
    (rates[rates.len() - 1], rates[rates.len() / 2])
}

/// What one sanitizer did to one case.
#[derive(Default)]
struct Outcome {
    problems: Vec<String>,
    text: Vec<String>,
    output: Vec<String>,
}

fn run_case(case: &Case, sanitize: impl Fn(&str) -> String) -> Outcome {
    let mut outcome = Outcome::default();
    for fragment in &case.fragments {
        let output = sanitize(fragment);
        let report = safety::check(&output);
        outcome.problems.extend(report.problems);
        outcome.text.push(report.visible_text);
        outcome.output.push(output);
    }
    outcome
}

fn safety_report(cases: &[Case], base: &Url) {
    let mut empty = 0;
    let mut hostile_inputs = 0;
    let mut unsafe_ammonia = Vec::new();
    let mut unsafe_streaming = Vec::new();
    let mut differ = Vec::new();
    for case in cases {
        if case.fragments.is_empty() {
            empty += 1;
            continue;
        }
        let input = run_case(case, |h| h.to_owned());
        if !input.problems.is_empty() {
            hostile_inputs += 1;
        }
        let ammonia = run_case(case, |h| sanitize_html(h, Some(base)));
        let streaming = run_case(case, |h| sanitize_streaming(h, Some(base)));
        if !ammonia.problems.is_empty() {
            unsafe_ammonia.push((
                case.name.as_str(),
                ammonia.problems.clone(),
                ammonia.output.clone(),
            ));
        }
        if !streaming.problems.is_empty() {
            unsafe_streaming.push((
                case.name.as_str(),
                streaming.problems.clone(),
                streaming.output.clone(),
            ));
        }
        let squash =
            |t: &[String]| -> String { t.iter().flat_map(|s| s.split_whitespace()).collect() };
        if squash(&ammonia.text) != squash(&streaming.text) {
            differ.push((case.name.as_str(), ammonia.text, streaming.text));
        }
    }

    println!("\nsafety over {} feedparser sanitizer cases", cases.len());
    println!("  cases with no HTML field found     {empty}");
    println!("  cases whose input the checker flags {hostile_inputs}");
    println!(
        "  unsafe output, ammonia             {}",
        unsafe_ammonia.len()
    );
    println!(
        "  unsafe output, lol_html            {}",
        unsafe_streaming.len()
    );
    println!("  visible text differs              {}", differ.len());
    for (label, list) in [
        ("ammonia", &unsafe_ammonia),
        ("lol_html", &unsafe_streaming),
    ] {
        for (name, problems, output) in list.iter().take(SHOWN) {
            println!(
                "  unsafe {label} {name}: {problems:?}\n      {}",
                excerpt(&output.join(" | "))
            );
        }
    }
    for (name, ammonia, streaming) in differ.iter().take(SHOWN) {
        println!(
            "  differs {name}\n      ammonia:  {}\n      lol_html: {}",
            excerpt(&ammonia.join(" | ")),
            excerpt(&streaming.join(" | "))
        );
    }
}

/// Run the hand-written probes through both and print every unsafe output.
fn probe_report(base: &Url, verbose: bool) {
    let mut unsafe_counts = (0, 0);
    println!(
        "\nprobes: {} hand-written tree/stream differentials",
        probes::PROBES.len()
    );
    for probe in probes::PROBES {
        let ammonia = sanitize_html(probe, Some(base));
        let streaming = sanitize_streaming(probe, Some(base));
        if verbose {
            println!("  {probe:?}\n      ammonia  {ammonia:?}\n      lol_html {streaming:?}");
        }
        for (label, output, count) in [
            ("ammonia", &ammonia, &mut unsafe_counts.0),
            ("lol_html", &streaming, &mut unsafe_counts.1),
        ] {
            let problems = safety::check(output).problems;
            if !problems.is_empty() {
                *count += 1;
                println!("  unsafe {label}: {probe:?}\n      -> {output:?} {problems:?}");
            }
        }
    }
    println!("  unsafe output, ammonia             {}", unsafe_counts.0);
    println!("  unsafe output, lol_html            {}", unsafe_counts.1);
}

/// The first 160 characters of `s`, on one line.
fn excerpt(s: &str) -> String {
    let one_line: String = s.chars().map(|c| if c == '\n' { ' ' } else { c }).collect();
    match one_line.char_indices().nth(160) {
        Some((at, _)) => format!("{}…", &one_line[..at]),
        None => one_line,
    }
}

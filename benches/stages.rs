//! Micro-benchmarks of each pipeline stage on the synthetic corpus of
//! `benches/support/corpus.rs` (feeds of 50 items of ~3.5 KB with HTML bodies):
//!
//! ```text
//! cargo bench --bench stages [-- <filter>]
//! ```
//!
//! - `parse`: `wirefeed::parse::parse` of one RSS, Atom and JSON Feed document;
//! - `normalize`: `normalize_feed` of one parsed feed, sanitizing included;
//! - `fold`: `Fingerprint::of` and its band keys for 50 articles, then
//!   `compare` and `is_same_story` on a republished pair and an unrelated one;
//! - `store`: `Store::ingest` of a fresh 50-item feed into a growing SQLite file;
//! - `publish`: `publish::publish` of one channel of 50 articles (RSS, Atom,
//!   JSON Feed, index.html, feeds.opml) into an empty folder.

#[path = "support/corpus.rs"]
mod corpus;
#[path = "support/words.rs"]
mod words;

use std::hint::black_box;
use std::path::Path;
use std::time::Duration;

use chrono::{DateTime, TimeZone, Utc};
use criterion::measurement::WallTime;
use criterion::{
    BatchSize, BenchmarkGroup, Criterion, Throughput, criterion_group, criterion_main,
};
use wirefeed::config::{Config, FeedConfig};
use wirefeed::dedup::{Fingerprint, compare, is_same_story};
use wirefeed::fetch::{Document, Validators};
use wirefeed::model::{Article, Channel, ChannelFeed};
use wirefeed::normalize::{Context, Outcome, normalize_feed};
use wirefeed::parse::ParsedFeed;
use wirefeed::store::{FeedIngest, Store};

use corpus::{Corpus, EXTENSIONS};

/// Items per feed, as in the cycle benchmark.
const ITEMS: usize = 50;

/// One generated feed, ready for each stage.
struct Sample {
    ext: &'static str,
    doc: Document,
    feed: FeedConfig,
}

/// What every stage reads: the corpus, a configuration with one feed per
/// format, and a fixed clock so runs compare.
struct Bench {
    corpus: Corpus,
    config: Config,
    now: DateTime<Utc>,
    /// Holds the configuration's folder (and the output under it) while the benchmarks run.
    dir: tempfile::TempDir,
}

impl Bench {
    fn new() -> Bench {
        let dir = tempfile::tempdir().expect("temp dir");
        let mut toml = String::from(
            "[site]\ntitle = \"Bench News\"\nbase_url = \"https://feeds.example.org/\"\n\
             output_dir = \"output\"\nstate_dir = \"state\"\nmax_items = 50\n\n\
             [[section]]\nslug = \"world\"\ntitle = \"World\"\n\n",
        );
        for ext in EXTENSIONS {
            toml.push_str(&format!(
                "[[feed]]\nid = \"template-{ext}\"\nname = \"Outlet\"\n\
                 url = \"https://outlet.example/feed.{ext}\"\nsection = \"world\"\n\n"
            ));
        }
        let path = dir.path().join("feeds.toml");
        let (config, _warnings) = wirefeed::config::parse_str(&toml, &path)
            .unwrap_or_else(|problems| panic!("{problems}"));
        Bench {
            corpus: Corpus::new(EXTENSIONS.len(), ITEMS),
            config,
            now: Utc.with_ymd_and_hms(2026, 11, 25, 12, 0, 0).unwrap(),
            dir,
        }
    }

    /// Feed number `f` of the corpus as fetched, with its own `[[feed]]`
    /// (id `feed-0007`), so that every `f` gives distinct article ids.
    fn sample(&self, f: usize) -> Sample {
        let (name, text) = self.corpus.feed(f, ITEMS);
        let ext = EXTENSIONS[f % EXTENSIONS.len()];
        let mut feed = self
            .config
            .feeds
            .iter()
            .find(|feed| feed.url.ends_with(ext))
            .expect("a feed per format")
            .clone();
        feed.id = format!("feed-{f:04}");
        feed.url = format!("https://outlet{f}.example/{name}");
        let content_type = match ext {
            "rss" => "application/rss+xml",
            "atom" => "application/atom+xml",
            _ => "application/feed+json",
        };
        let doc = Document {
            url: url::Url::parse(&feed.url).expect("a valid feed URL"),
            body: text.into_bytes(),
            content_type: Some(content_type.to_owned()),
        };
        Sample { ext, doc, feed }
    }

    fn normalize(&self, sample: &Sample, parsed: &ParsedFeed) -> Vec<Outcome> {
        let ctx = Context {
            site: &self.config.site,
            tag_aliases: &self.config.tag_aliases,
            now: self.now,
        };
        normalize_feed(&sample.feed, &ctx, parsed)
    }

    /// The kept articles of `sample`, parsed and normalized.
    fn articles(&self, sample: &Sample) -> Vec<Article> {
        let parsed = wirefeed::parse::parse(&sample.doc).expect("the corpus parses");
        self.normalize(sample, &parsed)
            .into_iter()
            .filter_map(|outcome| match outcome {
                Outcome::Keep(article) => Some(article),
                Outcome::Dropped { .. } => None,
            })
            .collect()
    }
}

/// Short runs: the whole bench should finish in about two minutes.
fn configure<'a>(c: &'a mut Criterion, name: &str) -> BenchmarkGroup<'a, WallTime> {
    let mut group = c.benchmark_group(name);
    group
        .sample_size(20)
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(3));
    group
}

fn stages(c: &mut Criterion) {
    let bench = Bench::new();
    let samples: Vec<Sample> = (0..EXTENSIONS.len()).map(|f| bench.sample(f)).collect();

    let mut group = configure(c, "parse");
    for sample in &samples {
        group.throughput(Throughput::Bytes(sample.doc.body.len() as u64));
        group.bench_function(sample.ext, |b| {
            b.iter(|| wirefeed::parse::parse(black_box(&sample.doc)).expect("the corpus parses"))
        });
    }
    group.finish();

    let mut group = configure(c, "normalize");
    group.throughput(Throughput::Elements(ITEMS as u64));
    for sample in &samples {
        let parsed = wirefeed::parse::parse(&sample.doc).expect("the corpus parses");
        group.bench_function(sample.ext, |b| {
            b.iter(|| bench.normalize(sample, black_box(&parsed)))
        });
    }
    group.finish();

    let articles: Vec<Vec<Article>> = samples.iter().map(|s| bench.articles(s)).collect();
    fold(c, &articles);
    store(c, &bench);
    publish(c, &bench, &articles[0]);
}

fn fold(c: &mut Criterion, articles: &[Vec<Article>]) {
    let mut group = configure(c, "fold");
    let feed = &articles[0];
    group.throughput(Throughput::Elements(feed.len() as u64));
    group.bench_function("fingerprint_of_feed", |b| {
        b.iter(|| {
            feed.iter()
                .map(|a| Fingerprint::of(black_box(a)))
                .collect::<Vec<_>>()
        })
    });
    let prints: Vec<Fingerprint> = feed.iter().map(Fingerprint::of).collect();
    group.bench_function("band_keys_of_feed", |b| {
        b.iter(|| {
            prints
                .iter()
                .map(|p| black_box(p).band_keys())
                .collect::<Vec<_>>()
        })
    });

    let (republished, unrelated) = pairs(articles);
    group.throughput(Throughput::Elements(1));
    for (name, (a, b)) in [("republished", &republished), ("unrelated", &unrelated)] {
        group.bench_function(format!("compare_{name}"), |bench| {
            bench.iter(|| compare(black_box(a), black_box(b)))
        });
        group.bench_function(format!("is_same_story_{name}"), |bench| {
            bench.iter(|| is_same_story(black_box(a), black_box(b)))
        });
    }
    group.finish();
}

/// A pair of fingerprints of one story republished by two items (same
/// title, different URL) and a pair of unrelated stories.
fn pairs(articles: &[Vec<Article>]) -> ((Fingerprint, Fingerprint), (Fingerprint, Fingerprint)) {
    let all: Vec<&Article> = articles.iter().flatten().collect();
    let (a, b) = all
        .iter()
        .enumerate()
        .find_map(|(i, a)| {
            all[i + 1..]
                .iter()
                .find(|b| b.title == a.title)
                .map(|b| (*a, *b))
        })
        .expect("the corpus republishes a shared story");
    let first = all[0];
    let other = all
        .iter()
        .find(|x| x.title != first.title && x.source.feed_id != first.source.feed_id)
        .expect("the corpus has more than one story");
    let republished = (Fingerprint::of(a), Fingerprint::of(b));
    let unrelated = (Fingerprint::of(first), Fingerprint::of(other));
    // Timing the wrong kind of pair would go unnoticed otherwise.
    assert!(is_same_story(&republished.0, &republished.1));
    assert!(!is_same_story(&unrelated.0, &unrelated.1));
    (republished, unrelated)
}

fn store(c: &mut Criterion, bench: &Bench) {
    let mut store = Store::open(&bench.dir.path().join("state.db")).expect("open the state");
    let mut next_feed = EXTENSIONS.len();
    let mut group = configure(c, "store");
    group.throughput(Throughput::Elements(ITEMS as u64));
    group.bench_function("ingest_new_feed", |b| {
        b.iter_batched(
            || {
                // A feed never seen before: new ids, new stories except the
                // corpus's 10% republished copies, which fold.
                let sample = bench.sample(next_feed);
                next_feed += 1;
                let articles = bench.articles(&sample);
                (sample.feed.id, articles)
            },
            |(feed_id, articles): (String, Vec<Article>)| {
                let feed = FeedIngest {
                    feed_id: &feed_id,
                    priority: 0,
                    fetched_at: bench.now,
                    http_status: Some(200),
                    validators: Validators::default(),
                };
                store.ingest(&feed, articles).expect("ingest a feed")
            },
            BatchSize::SmallInput,
        )
    });
    group.finish();
    eprintln!(
        "store: {} feeds ingested in all",
        next_feed - EXTENSIONS.len()
    );
}

fn publish(c: &mut Criterion, bench: &Bench, articles: &[Article]) {
    let mut newest_first = articles.to_vec();
    newest_first.sort_by_key(|article| std::cmp::Reverse(article.published));
    let channels = [ChannelFeed {
        channel: Channel::Section("world".to_owned()),
        label: "World".to_owned(),
        articles: newest_first,
    }];
    let mut group = configure(c, "publish");
    group.throughput(Throughput::Elements(articles.len() as u64));
    group.bench_function("channel_all_formats", |b| {
        b.iter_batched(
            || empty_output(&bench.config, bench.dir.path()),
            |(config, output)| {
                let report = wirefeed::publish::publish(&config, &channels).expect("publish");
                // Returned so the folder is removed outside the timing.
                (report, output)
            },
            BatchSize::SmallInput,
        )
    });
    group.finish();
}

/// `config` writing into a new empty folder, so every publish writes its files.
fn empty_output(config: &Config, root: &Path) -> (Config, tempfile::TempDir) {
    let output = tempfile::tempdir_in(root).expect("output folder");
    let mut config = config.clone();
    config.site.output_dir = output.path().to_path_buf().into();
    (config, output)
}

criterion_group!(benches, stages);
criterion_main!(benches);

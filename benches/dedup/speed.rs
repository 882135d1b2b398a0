//! How long folding one new feed takes against a large state: synthetic
//! stories of realistic size (a 6–14 word title, a 30–55 word standfirst, a
//! body of about 350 words) from a shared vocabulary, so stories share words
//! the way a newsroom's do without being copies of each other.

use std::fmt;
use std::path::Path;
use std::time::{Duration, Instant};

use chrono::{DateTime, TimeZone, Utc};
use wirefeed::fetch::Validators;
use wirefeed::model::{Article, Attribution};
use wirefeed::store::{FeedIngest, PreparedArticle, Store};

/// Items per feed, for the stored state and for each timed feed.
const FEED_ITEMS: usize = 50;
/// Of each timed feed's items, how many republish a stored story.
const DUPLICATES: usize = 25;

/// The timings of [`measure`].
pub struct Speed {
    pub stored: usize,
    pub build: Duration,
    /// One `Store::ingest` of a 50-item feed per run.
    pub runs: Vec<Duration>,
    /// Per run, the part of the ingest that needs no database (JSON,
    /// digest, fingerprint, band keys: `PreparedArticle::new`), timed
    /// separately on a copy of the same items.
    pub preparing: Vec<Duration>,
    /// Items folded into stored articles, over all runs.
    pub folded: usize,
    pub duplicates: usize,
    /// One more feed's ingest in a store opened afresh on the same state,
    /// as a `wirefeed once` pays it: loading dedup's candidate index first.
    pub first_after_open: Duration,
}

impl fmt::Display for Speed {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut sorted = self.runs.clone();
        sorted.sort();
        let ms = |d: Duration| d.as_secs_f64() * 1000.0;
        writeln!(
            f,
            "stored articles   {} (built in {:.1} s)",
            self.stored,
            self.build.as_secs_f64()
        )?;
        writeln!(
            f,
            "fold one feed     {FEED_ITEMS} items ({DUPLICATES} duplicates of stored stories), whole Store::ingest"
        )?;
        writeln!(
            f,
            "  median          {:.2} ms over {} runs",
            ms(sorted[sorted.len() / 2]),
            sorted.len()
        )?;
        writeln!(
            f,
            "  max             {:.2} ms",
            ms(sorted[sorted.len() - 1])
        )?;
        let mut preparing = self.preparing.clone();
        preparing.sort();
        writeln!(
            f,
            "  of which        {:.2} ms (median) preparing the items without the database",
            ms(preparing[preparing.len() / 2])
        )?;
        writeln!(
            f,
            "  folded          {} of {} duplicates",
            self.folded, self.duplicates
        )?;
        writeln!(
            f,
            "first feed after opening the state  {:.1} ms (loads the candidate index)",
            ms(self.first_after_open)
        )
    }
}

/// Builds a state of `stored` articles under `dir` and times `runs` feeds.
pub fn measure(dir: &Path, stored: usize, runs: usize) -> Speed {
    let mut store = Store::open(&dir.join("state.db")).expect("open the state");
    let mut words = Words::new(0x5eed);
    let now = Utc.with_ymd_and_hms(2026, 11, 25, 12, 0, 0).unwrap();
    let mut stories = Vec::with_capacity(stored);

    let build = Instant::now();
    store
        .group(|store| {
            for (feed, chunk) in (0..stored)
                .collect::<Vec<_>>()
                .chunks(FEED_ITEMS)
                .enumerate()
            {
                let feed_id = format!("outlet-{feed:04}");
                let articles: Vec<Article> = chunk
                    .iter()
                    .map(|&n| {
                        let story = words.story();
                        let article = story.article(&feed_id, &format!("item-{n}"), now);
                        stories.push(story);
                        article
                    })
                    .collect();
                store.ingest(&feed_ingest(&feed_id, now), articles)?;
            }
            Ok(())
        })
        .expect("build the state");
    let build = build.elapsed();

    let mut timings = Vec::with_capacity(runs);
    let mut preparing = Vec::with_capacity(runs);
    let mut folded = 0;
    for run in 0..runs {
        let feed_id = format!("incoming-{run:02}");
        let articles: Vec<Article> = (0..FEED_ITEMS)
            .map(|n| {
                let item = format!("new-{run}-{n}");
                if n < DUPLICATES && !stories.is_empty() {
                    // Spread the duplicates over the whole state.
                    let original = &stories[(run * 7919 + n * 104_729) % stories.len()];
                    original
                        .republished(&mut words)
                        .article(&feed_id, &item, now)
                } else {
                    words.story().article(&feed_id, &item, now)
                }
            })
            .collect();
        let start = Instant::now();
        for article in articles.clone() {
            PreparedArticle::new(article).expect("prepare an article");
        }
        preparing.push(start.elapsed());
        let start = Instant::now();
        let report = store
            .ingest(&feed_ingest(&feed_id, now), articles)
            .expect("fold a feed");
        timings.push(start.elapsed());
        folded += report.folded;
    }
    drop(store);
    let mut reopened = Store::open(&dir.join("state.db")).expect("reopen the state");
    let feed_id = "incoming-after-open";
    let articles: Vec<Article> = (0..FEED_ITEMS)
        .map(|n| words.story().article(feed_id, &format!("late-{n}"), now))
        .collect();
    let start = Instant::now();
    reopened
        .ingest(&feed_ingest(feed_id, now), articles)
        .expect("fold a feed after opening");
    let first_after_open = start.elapsed();
    Speed {
        first_after_open,
        stored,
        build,
        runs: timings,
        preparing,
        folded,
        duplicates: runs * DUPLICATES.min(stored),
    }
}

fn feed_ingest(feed_id: &str, now: DateTime<Utc>) -> FeedIngest<'_> {
    FeedIngest {
        feed_id,
        priority: 0,
        fetched_at: now,
        http_status: Some(200),
        validators: Validators::default(),
    }
}

/// A synthetic story's words.
#[derive(Clone)]
struct Story {
    title: Vec<&'static str>,
    lead: Vec<&'static str>,
    body: Vec<&'static str>,
}

impl Story {
    /// A partner's copy: a new headline over the same lead with one word
    /// changed, as the evaluation set's partners do.
    fn republished(&self, words: &mut Words) -> Story {
        let mut copy = self.clone();
        copy.title = (0..words.between(6, 12)).map(|_| words.word()).collect();
        let at = words.between(0, copy.lead.len() - 1);
        copy.lead[at] = words.word();
        copy
    }

    fn article(&self, feed_id: &str, item_id: &str, now: DateTime<Utc>) -> Article {
        let url = format!("https://{feed_id}.example/news/{item_id}");
        let title = capitalized(&self.title.join(" "));
        let lead = capitalized(&self.lead.join(" ")) + ".";
        let body = self
            .body
            .chunks(70)
            .map(|paragraph| format!("<p>{}.</p>", capitalized(&paragraph.join(" "))))
            .collect::<String>();
        Article {
            id: wirefeed::normalize::article_id(feed_id, item_id),
            url: Some(url.clone()),
            title,
            summary: Some(lead),
            content_html: Some(body),
            authors: vec!["Staff reporter".to_owned()],
            source: Attribution {
                feed_id: feed_id.to_owned(),
                name: format!("Outlet {feed_id}"),
                home_url: Some(format!("https://{feed_id}.example/")),
                feed_url: format!("https://{feed_id}.example/feed.rss"),
                item_id: item_id.to_owned(),
                item_url: Some(url),
                credit: None,
                rights: None,
                published: Some(now),
            },
            also_via: Vec::new(),
            published: now,
            updated: now,
            section: Some("politics".to_owned()),
            kind: Some("news".to_owned()),
            tags: Vec::new(),
            regions: Vec::new(),
            series: None,
            language: Some("en".to_owned()),
            image: None,
            enclosures: Vec::new(),
            reading_minutes: Some(2),
            breaking: false,
            categories: vec!["World".to_owned()],
            editorial: Default::default(),
        }
    }
}

fn capitalized(text: &str) -> String {
    let mut chars = text.chars();
    match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => String::new(),
    }
}

/// A deterministic word source: news prose's small words often, a
/// vocabulary of 4,000 made-up content words otherwise.
struct Words {
    state: u64,
    vocabulary: Vec<&'static str>,
}

const COMMON: [&str; 24] = [
    "the",
    "of",
    "and",
    "to",
    "in",
    "a",
    "on",
    "said",
    "for",
    "that",
    "was",
    "with",
    "by",
    "at",
    "is",
    "from",
    "after",
    "government",
    "minister",
    "police",
    "city",
    "new",
    "year",
    "people",
];
const SYLLABLES: [&str; 20] = [
    "ka", "lo", "mer", "tan", "vi", "sor", "el", "du", "ran", "bel", "os", "tre", "min", "ga",
    "hol", "ne", "pra", "sil", "ur", "ven",
];

impl Words {
    fn new(seed: u64) -> Words {
        let mut words = Words {
            state: seed,
            vocabulary: Vec::new(),
        };
        let vocabulary = (0..4000)
            .map(|_| {
                let syllables = words.between(2, 4);
                let word: String = (0..syllables)
                    .map(|_| SYLLABLES[words.between(0, SYLLABLES.len() - 1)])
                    .collect();
                &*Box::leak(word.into_boxed_str())
            })
            .collect();
        words.vocabulary = vocabulary;
        words
    }

    fn next(&mut self) -> u64 {
        // SplitMix64: tiny, fast and good enough for test data.
        self.state = self.state.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.state;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    fn between(&mut self, low: usize, high: usize) -> usize {
        low + (self.next() % (high - low + 1) as u64) as usize
    }

    fn word(&mut self) -> &'static str {
        if self.next().is_multiple_of(3) {
            COMMON[self.between(0, COMMON.len() - 1)]
        } else {
            let at = self.between(0, self.vocabulary.len() - 1);
            self.vocabulary[at]
        }
    }

    fn story(&mut self) -> Story {
        Story {
            title: (0..self.between(6, 14)).map(|_| self.word()).collect(),
            lead: (0..self.between(30, 55)).map(|_| self.word()).collect(),
            body: (0..self.between(250, 450)).map(|_| self.word()).collect(),
        }
    }
}

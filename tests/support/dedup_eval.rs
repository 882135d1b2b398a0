//! The duplicate-folding evaluation: the hand-labelled feeds of
//! `tests/fixtures/dedup-eval/` go through the real pipeline (parse,
//! normalize, `Store::ingest` on a temporary SQLite file, feed by feed in the
//! order of its feeds.toml), and the folds the store made are compared with
//! the labels pair by pair.
//!
//! Shared by `tests/dedup_eval.rs` (the regression guard) and
//! `benches/dedup.rs` (the report anyone can run), so both measure the same.
//!
//! A pair is two items of different feeds (items of one feed never fold into
//! each other). It is labelled "same" when both items carry the same story
//! id in `labels.toml`, and predicted "same" when the store keeps both in one
//! article (as its source or in `also_via`).

use std::collections::{BTreeMap, HashMap, HashSet};
use std::fmt;
use std::path::{Path, PathBuf};

use chrono::{DateTime, Utc};
use wirefeed::config::{Config, SourceLocation};
use wirefeed::dedup::{Comparison, Fingerprint, compare};
use wirefeed::fetch::{Document, Validators};
use wirefeed::model::{Article, Channel};
use wirefeed::normalize::{Context, Outcome, normalize_feed};
use wirefeed::store::{FeedIngest, Store};

/// The folder of the evaluation set.
pub fn fixture_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/dedup-eval")
}

/// The time the evaluation "runs" at: after every item of the set, so no
/// date is clamped and undated items get a fixed date.
const NOW: &str = "2026-11-25T12:00:00Z";

/// One item of the set, as `feed/item id` in labels.toml.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct ItemKey {
    pub feed: String,
    pub item: String,
}

impl fmt::Display for ItemKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.feed, self.item)
    }
}

/// A pair the folding got wrong, with the evidence `compare` saw.
#[derive(Debug, Clone)]
pub struct WrongPair {
    pub a: ItemKey,
    pub a_title: String,
    pub b: ItemKey,
    pub b_title: String,
    /// Both items have the same canonical URL (the store folds those first).
    pub same_url: bool,
    pub comparison: Comparison,
}

/// The outcome of one evaluation run.
#[derive(Debug, Clone)]
pub struct Evaluation {
    pub feeds: usize,
    pub items: usize,
    /// Cross-feed pairs labelled "same".
    pub same_pairs: usize,
    /// Cross-feed pairs labelled "different".
    pub different_pairs: usize,
    /// Pairs folded and labelled "same".
    pub true_folds: usize,
    /// Pairs folded but labelled "different": news hidden from readers.
    pub false_folds: Vec<WrongPair>,
    /// Pairs labelled "same" but left apart: a story shown twice.
    pub missed_folds: Vec<WrongPair>,
    /// Groups of look-alike different stories of labels.toml, and how many
    /// of them ended up in as many articles as they have items.
    pub hard_negatives: usize,
    pub hard_negatives_apart: usize,
}

impl Evaluation {
    /// Share of folded pairs that are truly the same story (1 when nothing
    /// was folded).
    pub fn precision(&self) -> f64 {
        let folded = self.true_folds + self.false_folds.len();
        if folded == 0 {
            1.0
        } else {
            self.true_folds as f64 / folded as f64
        }
    }

    /// Share of same-story pairs that were folded (1 when there are none).
    pub fn recall(&self) -> f64 {
        if self.same_pairs == 0 {
            1.0
        } else {
            self.true_folds as f64 / self.same_pairs as f64
        }
    }
}

impl fmt::Display for Evaluation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(
            f,
            "evaluation set    {} items in {} feeds, {} labelled cross-feed pairs ({} same, {} different)",
            self.items,
            self.feeds,
            self.same_pairs + self.different_pairs,
            self.same_pairs,
            self.different_pairs
        )?;
        writeln!(
            f,
            "precision         {:.4}  ({} of {} folded pairs are the same story)",
            self.precision(),
            self.true_folds,
            self.true_folds + self.false_folds.len()
        )?;
        writeln!(
            f,
            "recall            {:.4}  ({} of {} same-story pairs folded)",
            self.recall(),
            self.true_folds,
            self.same_pairs
        )?;
        writeln!(
            f,
            "hard negatives    {} of {} look-alike groups kept apart",
            self.hard_negatives_apart, self.hard_negatives
        )?;
        writeln!(f, "false folds       {}", self.false_folds.len())?;
        for pair in &self.false_folds {
            writeln!(f, "{pair}")?;
        }
        writeln!(f, "missed folds      {}", self.missed_folds.len())?;
        for pair in &self.missed_folds {
            writeln!(f, "{pair}")?;
        }
        Ok(())
    }
}

impl fmt::Display for WrongPair {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let score = |value: Option<f64>| value.map_or("-".to_owned(), |v| format!("{v:.2}"));
        writeln!(f, "  {}  {:?}", self.a, self.a_title)?;
        writeln!(f, "  {}  {:?}", self.b, self.b_title)?;
        write!(
            f,
            "    {:?}: story {}, title {:.2}, lead {}{}",
            self.comparison.verdict,
            score(self.comparison.story),
            self.comparison.title,
            score(self.comparison.lead),
            if self.same_url {
                ", same canonical URL"
            } else {
                ""
            }
        )
    }
}

/// labels.toml: every item's story id, and notes on the hard negatives.
#[derive(Debug, serde::Deserialize)]
struct Labels {
    /// `"feed/item id"` → story id.
    items: BTreeMap<String, String>,
    #[serde(default)]
    hard_negative: Vec<HardNegative>,
}

/// Items that look alike and are different stories; checked to carry
/// different story ids so a relabelling cannot quietly turn them "same".
#[derive(Debug, serde::Deserialize)]
struct HardNegative {
    items: Vec<String>,
    note: String,
}

/// One ingested item: its label and what the pipeline made of it.
struct Item {
    key: ItemKey,
    story: String,
    article: Article,
}

/// Runs the evaluation set in `fixtures` with a state database under
/// `state_dir` (which must be empty or missing).
pub fn evaluate(fixtures: &Path, state_dir: &Path) -> Result<Evaluation, String> {
    let config_path = fixtures.join("feeds.toml");
    let (config, _warnings) = wirefeed::config::load(&config_path)
        .map_err(|problems| format!("{}: {problems}", config_path.display()))?;
    let labels = read_labels(&fixtures.join("labels.toml"))?;
    let now: DateTime<Utc> = NOW.parse().map_err(|e| format!("NOW: {e}"))?;
    let mut store = Store::open(&state_dir.join("state.db"))
        .map_err(|e| format!("open the state under {}: {e}", state_dir.display()))?;

    let mut items = Vec::new();
    for feed in &config.feeds {
        let articles = read_feed(&config, feed, now)?;
        for article in &articles {
            let key = ItemKey {
                feed: feed.id.clone(),
                item: article.source.item_id.clone(),
            };
            let story = labels
                .items
                .get(&key.to_string())
                .ok_or_else(|| format!("{key} ({:?}) has no label", article.title))?
                .clone();
            items.push(Item {
                key,
                story,
                article: article.clone(),
            });
        }
        let ingest = FeedIngest {
            feed_id: &feed.id,
            priority: feed.priority,
            fetched_at: now,
            http_status: None,
            validators: Validators::default(),
        };
        store
            .ingest(&ingest, articles)
            .map_err(|e| format!("ingest {}: {e}", feed.id))?;
    }
    check_labels(&labels, &items)?;

    let joined = joined_articles(&store)?;
    let mut evaluation = Evaluation {
        feeds: config.feeds.len(),
        items: items.len(),
        same_pairs: 0,
        different_pairs: 0,
        true_folds: 0,
        false_folds: Vec::new(),
        missed_folds: Vec::new(),
        hard_negatives: labels.hard_negative.len(),
        hard_negatives_apart: 0,
    };
    let article_of = |item: &Item| {
        joined
            .get(&item.key)
            .ok_or_else(|| format!("{} is in no stored article", item.key))
    };
    for (i, a) in items.iter().enumerate() {
        for b in &items[i + 1..] {
            if a.key.feed == b.key.feed {
                continue;
            }
            let labelled_same = a.story == b.story;
            let folded = article_of(a)? == article_of(b)?;
            if labelled_same {
                evaluation.same_pairs += 1;
            } else {
                evaluation.different_pairs += 1;
            }
            match (labelled_same, folded) {
                (true, true) => evaluation.true_folds += 1,
                (false, true) => evaluation.false_folds.push(wrong_pair(a, b)),
                (true, false) => evaluation.missed_folds.push(wrong_pair(a, b)),
                (false, false) => {}
            }
        }
    }
    let by_name: HashMap<String, &Item> = items
        .iter()
        .map(|item| (item.key.to_string(), item))
        .collect();
    for negative in &labels.hard_negative {
        let mut articles = HashSet::new();
        for name in &negative.items {
            // check_labels made sure every name is an item.
            if let Some(item) = by_name.get(name) {
                articles.insert(article_of(item)?);
            }
        }
        if articles.len() == negative.items.len() {
            evaluation.hard_negatives_apart += 1;
        }
    }
    Ok(evaluation)
}

/// The kept articles of one feed of the set, parsed and normalized.
fn read_feed(
    config: &Config,
    feed: &wirefeed::config::FeedConfig,
    now: DateTime<Utc>,
) -> Result<Vec<Article>, String> {
    let SourceLocation::File(path) = &feed.location else {
        return Err(format!("feed {} is not a file: source", feed.id));
    };
    let body = std::fs::read(path).map_err(|e| format!("read {}: {e}", path.display()))?;
    let url = url::Url::from_file_path(path)
        .map_err(|()| format!("{} is not an absolute path", path.display()))?;
    let doc = Document {
        url,
        body,
        content_type: None,
    };
    let parsed = wirefeed::parse::parse(&doc).map_err(|e| format!("parse {}: {e}", feed.id))?;
    let ctx = Context {
        site: &config.site,
        tag_aliases: &config.tag_aliases,
        now,
    };
    Ok(normalize_feed(feed, &ctx, &parsed)
        .into_iter()
        .filter_map(|outcome| match outcome {
            Outcome::Keep(article) => Some(article),
            Outcome::Dropped { .. } => None,
        })
        .collect())
}

fn read_labels(path: &Path) -> Result<Labels, String> {
    let text =
        std::fs::read_to_string(path).map_err(|e| format!("read {}: {e}", path.display()))?;
    toml::from_str(&text).map_err(|e| format!("{}: {e}", path.display()))
}

/// Every label names an ingested item, and hard negatives are labelled apart.
fn check_labels(labels: &Labels, items: &[Item]) -> Result<(), String> {
    let stories: HashMap<String, &str> = items
        .iter()
        .map(|item| (item.key.to_string(), item.story.as_str()))
        .collect();
    if let Some(stale) = labels.items.keys().find(|key| !stories.contains_key(*key)) {
        return Err(format!("labels.toml names {stale}, which no feed has"));
    }
    for negative in &labels.hard_negative {
        let mut seen = HashMap::new();
        for key in &negative.items {
            let story = stories
                .get(key)
                .ok_or_else(|| format!("hard negative names {key}, which no feed has"))?;
            if let Some(other) = seen.insert(*story, key) {
                return Err(format!(
                    "hard negative ({}): {other} and {key} carry the same story id {story}",
                    negative.note
                ));
            }
        }
    }
    Ok(())
}

/// The stored article each item joined: its own, or the one it folded into.
fn joined_articles(store: &Store) -> Result<HashMap<ItemKey, String>, String> {
    let articles = store
        .latest(&Channel::All, usize::MAX)
        .map_err(|e| format!("read back the articles: {e}"))?;
    let mut joined = HashMap::new();
    for article in articles {
        for source in std::iter::once(&article.source).chain(&article.also_via) {
            let key = ItemKey {
                feed: source.feed_id.clone(),
                item: source.item_id.clone(),
            };
            joined.insert(key, article.id.clone());
        }
    }
    Ok(joined)
}

fn wrong_pair(a: &Item, b: &Item) -> WrongPair {
    WrongPair {
        a: a.key.clone(),
        a_title: a.article.title.clone(),
        b: b.key.clone(),
        b_title: b.article.title.clone(),
        same_url: a.article.url.is_some() && a.article.url == b.article.url,
        comparison: compare(&Fingerprint::of(&a.article), &Fingerprint::of(&b.article)),
    }
}

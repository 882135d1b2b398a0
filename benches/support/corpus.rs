//! The synthetic feed corpus the benchmarks share: deterministic feeds in
//! RSS 2.0, Atom 1.0 and JSON Feed 1.1 in turn, items of ~3.5 KB with HTML
//! bodies (links, a figure, a script for the sanitizer to drop), 10% of them
//! republished copies of a shared pool of agency stories (new URL, same text).
//! Each feed can also be had as it reads once fresh stories came in
//! ([`Corpus::moved_on`]), for the cycle bench's cycle with changed feeds.
//!
//! Used through `#[path]` by `benches/cycle.rs` and `benches/stages.rs`,
//! which also include `support/words.rs` as `words`.

use std::fmt::Write as _;

use crate::words::{Rng, vocabulary};

/// The format of feed `f` is `EXTENSIONS[f % 3]`.
pub const EXTENSIONS: [&str; 3] = ["rss", "atom", "json"];

/// The vocabulary and the shared story pool feeds are built from.
pub struct Corpus {
    words: Vec<String>,
    pool: Vec<Story>,
}

impl Corpus {
    /// A corpus for `feeds` feeds of `items` items: the shared pool holds
    /// one story per 20 items, so each is republished about twice.
    pub fn new(feeds: usize, items: usize) -> Corpus {
        let words = vocabulary();
        let mut pool_rng = Rng(0x9E37_79B9_7F4A_7C15);
        let pool = (0..(feeds * items / 20).max(1))
            .map(|_| story(&mut pool_rng, &words))
            .collect();
        Corpus { words, pool }
    }

    /// Feed number `f` with `items` items: its file name
    /// (`feed-0007.json`) and its text. The same `f` always gives the same feed.
    pub fn feed(&self, f: usize, items: usize) -> (String, String) {
        self.moved_on(f, items, 0)
    }

    /// Feed `f` as it reads after `fresh` new stories came in: those on top,
    /// newest first, dated after every earlier item, and its `fresh` oldest
    /// items gone, as a real feed moves on. Every other item is byte for byte
    /// the one [`Corpus::feed`] lists. `fresh` 0 is the feed itself.
    pub fn moved_on(&self, f: usize, items: usize, fresh: usize) -> (String, String) {
        let mut rng =
            Rng(0xD1B5_4A32_D192_ED03 ^ (f as u64 + 1).wrapping_mul(0x2545_F491_4F6C_DD1D));
        // Items are drawn in index order from one generator, so the first
        // `items` are the same whatever comes after them.
        let mut drawn: Vec<Item> = (0..items + fresh)
            .map(|index| {
                let url = format!("https://outlet{f}.example/news/{index}");
                let text = if rng.next().is_multiple_of(10) {
                    self.pool[(rng.next() % self.pool.len() as u64) as usize].clone()
                } else {
                    story(&mut rng, &self.words)
                };
                Item {
                    index,
                    url,
                    story: text,
                    published: published(f, index, items),
                }
            })
            .collect();
        // The fresh items go on top, newest first; as many of the oldest
        // (by date) leave the feed.
        let mut listed = drawn.split_off(items);
        listed.reverse();
        let mut by_age: Vec<(&str, usize)> = drawn
            .iter()
            .map(|item| (item.published.as_str(), item.index))
            .collect();
        by_age.sort_unstable();
        let gone: Vec<usize> = by_age.iter().take(fresh).map(|&(_, index)| index).collect();
        listed.extend(drawn.into_iter().filter(|item| !gone.contains(&item.index)));

        let ext = EXTENSIONS[f % EXTENSIONS.len()];
        let text = match ext {
            "rss" => rss(f, &listed),
            "atom" => atom(f, &listed),
            _ => json(f, &listed),
        };
        (format!("feed-{f:04}.{ext}"), text)
    }
}

/// The date of item `index` of feed `f`: spread over 1–24 November for the
/// first `items`, on 25 November, a minute apart, for the fresh ones.
fn published(f: usize, index: usize, items: usize) -> String {
    match index.checked_sub(items) {
        None => format!(
            "2026-11-{:02}T{:02}:{:02}:00Z",
            1 + (index % 24),
            (f + index) % 24,
            index % 60
        ),
        Some(fresh) => format!("2026-11-25T{:02}:{:02}:00Z", fresh / 60, fresh % 60),
    }
}

/// One item of a feed; `index` makes its id and link, whatever its place.
struct Item {
    index: usize,
    url: String,
    story: Story,
    published: String,
}

#[derive(Clone)]
struct Story {
    title: String,
    lead: String,
    body: String,
}

fn story(rng: &mut Rng, words: &[String]) -> Story {
    let title = capitalize(&rng.sentence(words, 9));
    let lead = format!("{}.", capitalize(&rng.sentence(words, 28)));
    let mut body = format!("<p>{lead}</p>");
    for _ in 0..5 {
        let _ = write!(
            body,
            "<p>{}. <a href=\"/related/{}\">{}</a> {}.</p>",
            capitalize(&rng.sentence(words, 40)),
            rng.next() % 100_000,
            rng.sentence(words, 3),
            rng.sentence(words, 20)
        );
    }
    body.push_str("<figure><img src=\"/img/photo.jpg\" alt=\"photo\"><figcaption>A photo (Agency)</figcaption></figure>");
    body.push_str("<script>track()</script>");
    Story { title, lead, body }
}

fn capitalize(s: &str) -> String {
    let mut c = s.chars();
    c.next()
        .map(|f| f.to_uppercase().collect::<String>() + c.as_str())
        .unwrap_or_default()
}

fn xml_escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

fn rss(f: usize, items: &[Item]) -> String {
    let mut out = format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<rss version=\"2.0\"><channel><title>Outlet {f}</title>\
         <link>https://outlet{f}.example/</link><description>News</description>"
    );
    for Item {
        index: i,
        url,
        story: s,
        published,
    } in items
    {
        let date = chrono::DateTime::parse_from_rfc3339(published)
            .map(|d| d.to_rfc2822())
            .unwrap_or_default();
        let _ = write!(
            out,
            "<item><title>{}</title><link>{url}?utm_source=rss</link><guid isPermaLink=\"false\">o{f}-{i}</guid>\
             <pubDate>{date}</pubDate><description>{}</description><category>World</category>\
             <content:encoded xmlns:content=\"http://purl.org/rss/1.0/modules/content/\"><![CDATA[{}]]></content:encoded></item>",
            xml_escape(&s.title),
            xml_escape(&s.lead),
            s.body
        );
    }
    out.push_str("</channel></rss>\n");
    out
}

fn atom(f: usize, items: &[Item]) -> String {
    let mut out = format!(
        "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n<feed xmlns=\"http://www.w3.org/2005/Atom\"><title>Outlet {f}</title>\
         <id>urn:outlet:{f}</id><updated>2026-11-25T00:00:00Z</updated><link href=\"https://outlet{f}.example/\"/>"
    );
    for Item {
        index: i,
        url,
        story: s,
        published,
    } in items
    {
        let _ = write!(
            out,
            "<entry><title>{}</title><link href=\"{url}\"/><id>urn:outlet:{f}:{i}</id><updated>{published}</updated>\
             <author><name>Reporter {i}</name></author><summary>{}</summary><content type=\"html\">{}</content></entry>",
            xml_escape(&s.title),
            xml_escape(&s.lead),
            xml_escape(&s.body)
        );
    }
    out.push_str("</feed>\n");
    out
}

fn json(f: usize, items: &[Item]) -> String {
    let entries: Vec<serde_json::Value> = items
        .iter()
        .map(|Item { index: i, url, story: s, published }| {
            serde_json::json!({
                "id": format!("o{f}-{i}"), "url": url, "title": s.title, "summary": s.lead,
                "content_html": s.body, "date_published": published, "authors": [{"name": format!("Reporter {i}")}]
            })
        })
        .collect();
    serde_json::json!({
        "version": "https://jsonfeed.org/version/1.1", "title": format!("Outlet {f}"),
        "home_page_url": format!("https://outlet{f}.example/"), "items": entries
    })
    .to_string()
}

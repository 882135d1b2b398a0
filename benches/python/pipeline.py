"""The pipeline a newsroom would otherwise script, for the cycle benchmark.

Fetch every feed, parse it with feedparser, drop duplicates by link, and
write one RSS 2.0 and one Atom 1.0 file per section with feedgen. It is the
fair Python counterpart of one wirefeed cold cycle: concurrent fetching,
feedparser's own HTML sanitizing (wirefeed sanitizes too), the newest
`max_items` entries per section (wirefeed's `site.max_items`), nothing slowed
down on purpose.

    python pipeline.py PLAN.json OUTPUT_DIR

PLAN.json is written by benches/cycle.rs:

    {"site_title": ..., "base_url": ..., "max_items": 50, "workers": 32,
     "sections": [{"slug": ..., "title": ...}, ...],
     "feeds": [{"id": ..., "name": ..., "url": ..., "section": ...}, ...]}

The last line on stdout is a JSON summary the benchmark prints.
"""

import concurrent.futures
import json
import os
import sys
import time
import urllib.request
from datetime import datetime, timezone

import feedparser
import feedgen.feed

# feedparser 6.0 reads RSS and Atom but not JSON Feed, so the JSON feeds go
# through the standard json module; their HTML still goes through feedparser's
# sanitizer so every item gets the same cleaning. It is feedparser's own
# (underscored) function, the one it applies to RSS and Atom content.
from feedparser.sanitizer import _sanitize_html

FETCH_TIMEOUT_SECONDS = 30


def fetch(url):
    """The body of `url` and its Content-Type; raises on any HTTP error."""
    with urllib.request.urlopen(url, timeout=FETCH_TIMEOUT_SECONDS) as response:
        return response.read(), response.headers.get("Content-Type", "")


def published(struct_time):
    """feedparser's UTC struct_time as the aware datetime feedgen wants."""
    if struct_time is None:
        return None
    return datetime(*struct_time[:6], tzinfo=timezone.utc)


def entries_from_feedparser(body):
    """Entries of an RSS or Atom document, as plain dicts."""
    parsed = feedparser.parse(body)
    entries = []
    for entry in parsed.entries:
        content = entry.get("content")
        entries.append(
            {
                "id": entry.get("id") or entry.get("link"),
                "link": entry.get("link"),
                "title": entry.get("title", ""),
                "summary": entry.get("summary", ""),
                "content": content[0].value if content else "",
                "author": entry.get("author"),
                "published": published(
                    entry.get("published_parsed") or entry.get("updated_parsed")
                ),
            }
        )
    return entries


def entries_from_json_feed(body):
    """Entries of a JSON Feed 1.1 document, in the same shape."""
    document = json.loads(body)
    entries = []
    for item in document.get("items", []):
        date = item.get("date_published") or item.get("date_modified")
        authors = item.get("authors") or []
        entries.append(
            {
                "id": item.get("id") or item.get("url"),
                "link": item.get("url"),
                "title": item.get("title", ""),
                "summary": _sanitize_html(item.get("summary", ""), "utf-8", "text/html"),
                "content": _sanitize_html(
                    item.get("content_html", ""), "utf-8", "text/html"
                ),
                "author": authors[0].get("name") if authors else None,
                # fromisoformat reads a trailing "Z" only from Python 3.11 on.
                "published": (
                    datetime.fromisoformat(date.replace("Z", "+00:00")) if date else None
                ),
            }
        )
    return entries


def parse(body, content_type):
    """Entries of one fetched feed, whatever its format."""
    if "json" in content_type or body.lstrip().startswith(b"{"):
        return entries_from_json_feed(body)
    return entries_from_feedparser(body)


def collect(plan):
    """Fetches and parses every feed; returns ({feed id: entries}, failures).

    The fetches run on a thread pool; each document is parsed on the main
    thread as soon as it arrives, so parsing overlaps the remaining fetches
    (parsing on the pool instead would only contend for the GIL).
    """
    by_feed = {}
    failures = []
    with concurrent.futures.ThreadPoolExecutor(max_workers=plan["workers"]) as pool:
        pending = {pool.submit(fetch, feed["url"]): feed for feed in plan["feeds"]}
        for future in concurrent.futures.as_completed(pending):
            feed = pending[future]
            try:
                body, content_type = future.result()
                by_feed[feed["id"]] = parse(body, content_type)
            except Exception as error:  # one bad feed must not stop the run
                failures.append(f"{feed['id']}: {error}")
    return by_feed, failures


def group_by_section(plan, by_feed):
    """Entries per section slug, the first of each link kept; and the count dropped.

    Feeds are visited in the plan's order, so which copy is kept does not
    depend on which fetch finished first.
    """
    seen_links = set()
    dropped = 0
    sections = {section["slug"]: [] for section in plan["sections"]}
    for feed in plan["feeds"]:
        for entry in by_feed.get(feed["id"], []):
            if entry["link"] in seen_links:
                dropped += 1
                continue
            seen_links.add(entry["link"])
            entry["source"] = feed
            sections[feed["section"]].append(entry)
    return sections, dropped


def newest_first(entry):
    """Sort key: undated entries last."""
    date = entry["published"]
    return (date is not None, date or datetime.min.replace(tzinfo=timezone.utc))


def write_section(plan, section, entries, output_dir):
    """Writes `<slug>.rss` and `<slug>.atom` with the newest entries."""
    home = f"{plan['base_url']}{section['slug']}/"
    generator = feedgen.feed.FeedGenerator()
    generator.id(home)
    generator.title(f"{plan['site_title']}: {section['title']}")
    generator.link(href=home, rel="alternate")
    generator.description(f"{section['title']} from {plan['site_title']}")
    generator.language("en")
    newest = sorted(entries, key=newest_first, reverse=True)[: plan["max_items"]]
    for entry in newest:
        item = generator.add_entry(order="append")
        item.id(entry["id"])
        item.guid(entry["id"], permalink=False)
        item.title(entry["title"])
        item.link(href=entry["link"])
        item.summary(entry["summary"], type="html")
        if entry["content"]:
            item.content(entry["content"], type="html")
        if entry["published"] is not None:
            item.published(entry["published"])
            item.updated(entry["published"])
        if entry["author"]:
            item.author(name=entry["author"])
        # Attribution, as wirefeed always carries it.
        item.source(url=entry["source"]["url"], title=entry["source"]["name"])
    base = os.path.join(output_dir, section["slug"])
    generator.rss_file(base + ".rss", pretty=True)
    generator.atom_file(base + ".atom", pretty=True)
    return 2


def main():
    plan_path, output_dir = sys.argv[1], sys.argv[2]
    started = time.perf_counter()
    with open(plan_path, encoding="utf-8") as file:
        plan = json.load(file)
    os.makedirs(output_dir, exist_ok=True)

    by_feed, failures = collect(plan)
    sections, dropped = group_by_section(plan, by_feed)
    written = sum(
        write_section(plan, section, sections[section["slug"]], output_dir)
        for section in plan["sections"]
    )

    for failure in failures[:5]:
        print(f"failed {failure}", file=sys.stderr)
    summary = {
        "feeds": len(by_feed),
        "failed": len(failures),
        "entries": sum(len(entries) for entries in by_feed.values()),
        "duplicates_dropped": dropped,
        "files_written": written,
        "seconds": round(time.perf_counter() - started, 3),
    }
    print(json.dumps(summary))


if __name__ == "__main__":
    main()

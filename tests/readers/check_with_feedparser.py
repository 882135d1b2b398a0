"""Reads wirefeed's published feeds with feedparser, as a feed reader would.

Usage: check_with_feedparser.py MANIFEST

MANIFEST has one line per file: path, expected version (rss20, atom10,
json11) and the number of items written, separated by tabs. Every problem is
printed as "FAIL <file>: <where>: <problem>".

Exit codes: 0 every file passed, 1 some did not, 77 feedparser is not
installed (the Rust test then skips, or fails when readers are required).
"""

import importlib.util
import json
import re
import sys

try:
    import feedparser
except ImportError:
    print("no feedparser module for " + sys.executable)
    sys.exit(77)

# What our server would send; feedparser picks its parser from it.
CONTENT_TYPES = {
    "rss20": "application/rss+xml",
    "atom10": "application/atom+xml",
    "json11": "application/feed+json",
}
FORBIDDEN = ("<script", "javascript:")
# XML 1.0 cannot carry these, so the RSS and Atom files drop what the JSON
# Feed escapes.
NON_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def reads_json_feed():
    """Released feedparser (6.0.x) reads XML only; JSON Feed support is in
    its development line, as feedparser.parsers.json."""
    try:
        return importlib.util.find_spec("feedparser.parsers.json") is not None
    except ModuleNotFoundError:
        return False


def texts(entry):
    """Every piece of markup or text the entry carries, as published."""
    yield "title", entry.get("title", "")
    yield "summary", entry.get("summary", "")
    for content in entry.get("content", []):
        yield "content", content.get("value", "")


def entry_problems(entry, version):
    problems = []
    for key in ("id", "title", "link", "author"):
        if not entry.get(key):
            problems.append("no " + key)
    if not (entry.get("published_parsed") or entry.get("updated_parsed")):
        problems.append("no date feedparser can read")
    if version != "json11":
        source = entry.get("source") or {}
        if not source.get("title") or not (source.get("href") or source.get("id")):
            problems.append("no source (got %r)" % dict(source))
    for field, value in texts(entry):
        for bad in FORBIDDEN:
            if bad in value.lower():
                problems.append("%s contains %r" % (field, bad))
    return problems


def as_written(path):
    """The items of the channel's JSON Feed: what the reader should show."""
    with open(path.rsplit(".", 1)[0] + ".json", encoding="utf-8") as sibling:
        return json.load(sibling)["items"]


def mismatches(entry, written):
    """Title and link as the reader shows them, against what was written:
    catches double escaping, lost characters and mangled encodings."""
    problems = []
    title = NON_XML.sub("", written.get("title", ""))
    if entry.get("title") != title:
        problems.append("title %r, written %r" % (entry.get("title"), title))
    if written.get("url") and entry.get("link") != written["url"]:
        problems.append("link %r, written %r" % (entry.get("link"), written["url"]))
    return problems


def check(path, version, count):
    parsed = feedparser.parse(
        path,
        sanitize_html=False,
        response_headers={"content-type": CONTENT_TYPES[version]},
    )
    problems = []
    if parsed.bozo:
        problems.append("feed: bozo: %s" % parsed.get("bozo_exception"))
    if parsed.version != version:
        problems.append("feed: version %r, expected %r" % (parsed.version, version))
    for key in ("title", "link"):
        if not parsed.feed.get(key):
            problems.append("feed: no " + key)
    if len(parsed.entries) != count:
        problems.append("feed: %d entries, %d written" % (len(parsed.entries), count))
    written = as_written(path)
    for index, entry in enumerate(parsed.entries):
        where = "entry %d (%s)" % (index, entry.get("id", "no id"))
        problems.extend(where + ": " + p for p in entry_problems(entry, version))
        if index < len(written):
            problems.extend(where + ": " + p for p in mismatches(entry, written[index]))
    return problems


def main():
    with open(sys.argv[1], encoding="utf-8") as manifest:
        files = [line.rstrip("\n").split("\t") for line in manifest if line.strip()]
    json_feed = reads_json_feed()
    failures = checked = 0
    for path, version, count in files:
        if version == "json11" and not json_feed:
            continue
        checked += 1
        for problem in check(path, version, int(count)):
            failures += 1
            print("FAIL %s: %s" % (path, problem))
    skipped = len(files) - checked
    print("feedparser %s read %d files, %d problems" % (feedparser.__version__, checked, failures))
    if skipped:
        print(
            "note: feedparser %s has no JSON Feed support; %d .json files are left "
            "to the strict checker" % (feedparser.__version__, skipped)
        )
    sys.exit(1 if failures else 0)


if __name__ == "__main__":
    main()

#!/usr/bin/env python3
"""Prints `path<TAB>entries` for every corpus file feedparser (loose mode) reads.

The Python half of `benches/corpus/compare`: the same files, in the same order,
as `cargo bench --bench corpus`, so the two outputs can be joined line by line.
A feedparser `http_*` case names the Content-Type to simulate in a `Header:`
comment; it is passed as the response header, as feedparser's own tests do.
"""

import os
import re
import sys

import feedparser

HEADER = re.compile(rb"^\s*Header:\s*content-type:\s*(.+?)\s*$", re.I | re.M)


def content_type(path, body):
    if "http_" not in os.path.basename(path):
        return None
    match = HEADER.search(body[:1024])
    return match.group(1).decode("latin-1") if match else None


def main():
    root = sys.argv[1]
    for relative in sys.stdin.read().split("\n"):
        if not relative:
            continue
        path = os.path.join(root, relative)
        with open(path, "rb") as f:
            body = f.read()
        headers = {}
        declared = content_type(path, body)
        if declared:
            headers["content-type"] = declared
        try:
            result = feedparser.parse(body, response_headers=headers)
            entries = len(result.entries)
        except Exception as error:  # a crash is "reads nothing", and said so
            print(f"{relative}: feedparser raised {error!r}", file=sys.stderr)
            entries = 0
        print(f"{relative}\t{entries}")


if __name__ == "__main__":
    main()

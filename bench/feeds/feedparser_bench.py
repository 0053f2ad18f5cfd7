"""Feed parsing speed of Python feedparser on the same files as
`cargo run -p newsdex-feed --example feed_bench -- DIR ROUNDS` (see bench/feeds/run)."""
import json, os, sys, time

import feedparser

d = sys.argv[1]
rounds = int(sys.argv[2]) if len(sys.argv) > 2 else 20
files = []
for root, _, names in os.walk(d):
    for n in names:
        if n.endswith(".serde.json"):
            continue
        if n.endswith((".xml", ".rss", ".atom", ".json")):
            with open(os.path.join(root, n), "rb") as f:
                files.append((n, f.read()))
files.sort()
size = sum(len(b) for _, b in files)
items = 0
failed = 0
for _, b in files:
    r = feedparser.parse(b)
    items += len(r.entries)
    failed += 1 if (r.bozo and not r.entries) else 0
t = time.perf_counter()
for _ in range(rounds):
    for _, b in files:
        feedparser.parse(b)
secs = time.perf_counter() - t
parses = rounds * len(files)
print(json.dumps({
    "parser": "feedparser " + feedparser.__version__,
    "files": len(files), "bytes": size, "items": items, "failed": failed, "rounds": rounds,
    "secs": secs, "feeds_per_sec": parses / secs, "ms_per_feed": secs * 1000 / parses,
    "mb_per_sec": size * rounds / secs / 1e6,
}))

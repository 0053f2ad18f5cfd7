#!/usr/bin/env python3
"""Read every record of WARC files with warcio and FastWARC, each record's content read
to its end (HTTP headers parsed, as a reader of pages must), best of --runs timed runs,
one process, one core. Prints one JSON line per tool: records, seconds, records/s.

    read_peers.py FILE.warc.gz [--runs 3]
"""
import json, sys, time

def warcio_read(path):
    from warcio.archiveiterator import ArchiveIterator
    n = 0
    with open(path, "rb") as f:
        for rec in ArchiveIterator(f):
            rec.content_stream().read()
            n += 1
    return n

def fastwarc_read(path):
    from fastwarc.warc import ArchiveIterator
    n = 0
    # FastWARC 2 opens the path and detects the gzip members itself.
    for rec in ArchiveIterator(path, parse_http=True):
        rec.reader.read()
        n += 1
    return n

def main():
    path = sys.argv[1]
    runs = int(sys.argv[sys.argv.index("--runs") + 1]) if "--runs" in sys.argv else 3
    for name, fn in [("warcio", warcio_read), ("fastwarc", fastwarc_read)]:
        try:
            __import__(name)
        except ImportError:
            print(json.dumps({"tool": name, "error": "not installed"}))
            continue
        best, n = None, 0
        for _ in range(runs):
            t = time.perf_counter()
            n = fn(path)
            dt = time.perf_counter() - t
            best = dt if best is None else min(best, dt)
        print(json.dumps({"tool": name, "records": n, "secs": round(best, 3), "records_per_s": round(n / best)}))

main()

#!/usr/bin/env python3
"""warcio writing the same records newsdex export-warc wrote: every record of IN.warc.gz
(its type, its header fields but the digests and length, its block) is read into memory
first, then written with warcio's WARCWriter (gzip, one member per record; warcio computes
the block and payload digests itself, SHA-1 base32, as newsdex does). Only the writing is
timed. Prints one JSON line: records, block bytes, output bytes, seconds, records/s and
MB/s (block bytes per second).

    write_peer.py IN.warc.gz [--runs 3]
"""
import io, json, sys, time
from importlib.metadata import version

from warcio.archiveiterator import ArchiveIterator
from warcio.statusandheaders import StatusAndHeaders
from warcio.warcwriter import WARCWriter

DROP = {"content-length", "warc-block-digest", "warc-payload-digest"}


def load(path):
    recs = []
    with open(path, "rb") as f:
        for r in ArchiveIterator(f, arc2warc=False, ensure_http_headers=False):
            headers = [(k, v) for k, v in r.rec_headers.headers if k.lower() not in DROP]
            block = r.raw_stream.read()
            if r.http_headers is not None:
                block = r.http_headers.to_bytes() + block
            recs.append((r.rec_type, headers, block))
    return recs


def write(recs):
    out = io.BytesIO()
    w = WARCWriter(out, gzip=True)
    for rec_type, headers, block in recs:
        uri = dict((k.lower(), v) for k, v in headers).get("warc-target-uri", "")
        rec = w.create_warc_record(
            uri, rec_type, payload=io.BytesIO(block), length=len(block),
            warc_headers=StatusAndHeaders("WARC/1.1", list(headers), protocol="WARC/1.1"),
        )
        w.write_record(rec)
    return out.tell()


def main():
    path = sys.argv[1]
    runs = int(sys.argv[sys.argv.index("--runs") + 1]) if "--runs" in sys.argv else 3
    recs = load(path)
    block_bytes = sum(len(b) for _, _, b in recs)
    best = None
    for _ in range(runs):
        t0 = time.perf_counter()
        n = write(recs)
        secs = time.perf_counter() - t0
        best = secs if best is None else min(best, secs)
    print(json.dumps({"tool": f"warcio {version('warcio')} WARCWriter", "records": len(recs),
                      "block_bytes": block_bytes, "out_bytes": n, "secs": round(best, 3),
                      "records_per_s": round(len(recs) / best), "mb_per_s": round(block_bytes / best / 1e6, 1)}))


main()

#!/usr/bin/env python3
"""The news-please style pipeline on a WARC file: warcio reads it, every response record
with status 200 and an HTML type goes through trafilatura (text and metadata, as
news-please extracts), one process, one core. Prints records read, pages extracted,
seconds and pages/s. Nothing is indexed (newsdex's figure includes indexing).

    e2e_peer.py FILE.warc.gz
"""
import json, sys, time
from warcio.archiveiterator import ArchiveIterator
import trafilatura

def main():
    path = sys.argv[1]
    t = time.perf_counter()
    records = pages = texts = 0
    with open(path, "rb") as f:
        for rec in ArchiveIterator(f):
            records += 1
            if rec.rec_type != "response" or rec.http_headers is None:
                continue
            if rec.http_headers.get_statuscode() != "200":
                continue
            if "html" not in (rec.http_headers.get_header("Content-Type") or ""):
                continue
            html = rec.content_stream().read()
            doc = trafilatura.bare_extraction(html, url=rec.rec_headers.get_header("WARC-Target-URI"), with_metadata=True)
            pages += 1
            if doc is not None and (doc.text if hasattr(doc, "text") else doc.get("text")):
                texts += 1
    dt = time.perf_counter() - t
    print(json.dumps({"tool": "warcio+trafilatura", "records": records, "pages": pages, "with_text": texts,
                      "secs": round(dt, 2), "pages_per_s": round(pages / dt, 1)}))

main()

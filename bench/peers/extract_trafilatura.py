#!/usr/bin/env python3
"""Run trafilatura (peer) over an extraction dataset and time it.

Usage:
    extract_trafilatura.py DATASET_DIR --out PRED.jsonl [--repeat N]
                           [--include-comments] [--with-url] [--limit N]

DATASET_DIR is one of /work/shared/data/extraction-{scrapinghub,readability,
trafilatura,newspaper4k,goose3}. Pages are located through the dataset's
normalised gold file (see README.md, "Dataset formats"):

    ground-truth.jsonl  (scrapinghub)   key "id", page "html_file"
    evaldata.jsonl      (trafilatura)   key "id", page "html_file"
    expected.jsonl      (readability)   key "id", page "source_file"
                        (newspaper4k, goose3) key "id", page "html_file"

Pages ending in .gz are gunzipped. All pages are read into memory as bytes
before any timing; trafilatura gets the raw bytes and detects the encoding
itself (the way its own benchmark calls it), so non-UTF-8 pages are handled
by trafilatura, not by us.

Timed phases, each over all pages, best of --repeat runs:
  text     trafilatura.extract(html, include_comments=False, [url=URL])
           everything else at trafilatura's defaults (fast=False, i.e. with
           fallback extractors; no favor_precision/favor_recall; tables on;
           formatting/links/images off; output_format="txt"; no dedup).
  metadata trafilatura.extract_metadata(html, [default_url=URL])
           -> title, author, date (htmldate, extensive search, "%Y-%m-%d").

Writes one JSON line per page to --out:
    {"id", "text", "title", "author", "date"}   (null when absent)
and prints one JSON summary line to stdout. "seconds"/"pages_per_s" are for
the text phase alone; "seconds_metadata" for extract_metadata alone;
"seconds_total"/"pages_per_s_total" for both (what a text+metadata
extractor costs when the two are run as separate calls).
"""

from __future__ import annotations

import argparse
import gzip
import json
import logging
import os
import sys
import time
from importlib.metadata import version as dist_version

GOLD_FILES = ("ground-truth.jsonl", "evaldata.jsonl", "expected.jsonl")
PAGE_FIELDS = ("html_file", "source_file")


def load_pages(dataset_dir: str) -> list[dict]:
    """Return [{"id", "url", "path", "html": bytes}] in gold-file order."""
    gold = None
    for name in GOLD_FILES:
        candidate = os.path.join(dataset_dir, name)
        if os.path.isfile(candidate):
            gold = candidate
            break
    if gold is None:
        raise SystemExit(f"no gold file ({', '.join(GOLD_FILES)}) in {dataset_dir}")

    pages = []
    seen = set()
    with open(gold, encoding="utf-8") as fh:
        for lineno, line in enumerate(fh, 1):
            if not line.strip():
                continue
            row = json.loads(line)
            key = row["id"]
            if key in seen:
                raise SystemExit(f"{gold}:{lineno}: duplicate id {key!r}")
            seen.add(key)
            rel = next((row[f] for f in PAGE_FIELDS if row.get(f)), None)
            if rel is None:
                raise SystemExit(f"{gold}:{lineno}: no {'/'.join(PAGE_FIELDS)} for {key!r}")
            path = os.path.join(dataset_dir, rel)
            with open(path, "rb") as page:
                data = page.read()
            if path.endswith(".gz"):
                data = gzip.decompress(data)
            url = row.get("url")
            if not url and isinstance(row.get("metadata"), dict):  # newspaper4k
                url = row["metadata"].get("url") or None
            pages.append({"id": key, "url": url, "path": rel, "html": data})
    return pages


def as_text(value):
    """Normalise a metadata value to str or None."""
    if value is None:
        return None
    if isinstance(value, (list, tuple)):
        value = "; ".join(str(v) for v in value if v)
    value = str(value)
    return value if value.strip() else None


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("dataset_dir")
    ap.add_argument("--out", required=True, help="predictions JSONL to write")
    ap.add_argument("--repeat", type=int, default=1, help="timed runs per phase; best is reported")
    ap.add_argument("--include-comments", action="store_true",
                    help="keep comment sections (trafilatura's API default; off here as in "
                         "trafilatura's and ScrapingHub's own benchmarks)")
    ap.add_argument("--with-url", action="store_true",
                    help="pass the dataset's page URL (url=/default_url=) where known; "
                         "default: HTML only, no URL")
    ap.add_argument("--limit", type=int, default=0, help="only the first N pages (smoke tests)")
    args = ap.parse_args()

    # trafilatura logs warnings per page (e.g. discarded documents); keep stdout clean.
    logging.basicConfig(level=logging.CRITICAL)
    import trafilatura  # noqa: E402  (import after logging setup)

    dataset_dir = os.path.abspath(args.dataset_dir)
    pages = load_pages(dataset_dir)
    if args.limit:
        pages = pages[: args.limit]
    total_bytes = sum(len(p["html"]) for p in pages)
    repeat = max(1, args.repeat)

    def url_of(page):
        return page["url"] if args.with_url else None

    # Warm-up on a tiny page: pays lazy imports / one-time setup outside the timings.
    trafilatura.extract(b"<html><body><article><p>warm up text</p></article></body></html>")
    trafilatura.extract_metadata(b"<html><head><title>t</title></head><body></body></html>")

    # ---- text phase -------------------------------------------------------
    texts: list = [None] * len(pages)
    errors: dict[int, str] = {}
    best_text = float("inf")
    for run in range(repeat):
        run_texts = [None] * len(pages)
        run_errors = {}
        t0 = time.perf_counter()
        for i, page in enumerate(pages):
            try:
                run_texts[i] = trafilatura.extract(
                    page["html"], url=url_of(page), include_comments=args.include_comments
                )
            except Exception as exc:  # a crash counts as a failed page
                run_errors[i] = f"{type(exc).__name__}: {exc}"
        elapsed = time.perf_counter() - t0
        print(f"[text] run {run + 1}/{repeat}: {elapsed:.3f}s", file=sys.stderr)
        if elapsed < best_text:
            best_text = elapsed
        texts, errors = run_texts, run_errors

    # ---- metadata phase ---------------------------------------------------
    metas: list = [None] * len(pages)
    meta_errors: dict[int, str] = {}
    best_meta = float("inf")
    for run in range(repeat):
        run_metas = [None] * len(pages)
        run_errors = {}
        t0 = time.perf_counter()
        for i, page in enumerate(pages):
            try:
                run_metas[i] = trafilatura.extract_metadata(page["html"], default_url=url_of(page))
            except Exception as exc:
                run_errors[i] = f"{type(exc).__name__}: {exc}"
        elapsed = time.perf_counter() - t0
        print(f"[metadata] run {run + 1}/{repeat}: {elapsed:.3f}s", file=sys.stderr)
        if elapsed < best_meta:
            best_meta = elapsed
        metas, meta_errors = run_metas, run_errors

    # ---- output -----------------------------------------------------------
    out_dir = os.path.dirname(os.path.abspath(args.out))
    os.makedirs(out_dir, exist_ok=True)
    failed_ids, empty_ids = [], []
    with open(args.out, "w", encoding="utf-8") as out:
        for i, page in enumerate(pages):
            text = texts[i]
            if i in errors:
                failed_ids.append(page["id"])
            elif not text or not text.strip():
                empty_ids.append(page["id"])
                text = None
            meta = metas[i]
            rec = {
                "id": page["id"],
                "text": text,
                "title": as_text(getattr(meta, "title", None)),
                "author": as_text(getattr(meta, "author", None)),
                "date": as_text(getattr(meta, "date", None)),
            }
            out.write(json.dumps(rec, ensure_ascii=False) + "\n")

    for i, msg in sorted(errors.items()):
        print(f"[text] error on {pages[i]['id']}: {msg}", file=sys.stderr)
    for i, msg in sorted(meta_errors.items()):
        print(f"[metadata] error on {pages[i]['id']}: {msg}", file=sys.stderr)

    n = len(pages)
    total = best_text + best_meta
    summary = {
        "tool": "trafilatura",
        "version": dist_version("trafilatura"),
        "dataset": os.path.basename(dataset_dir.rstrip("/")),
        "pages": n,
        "seconds": round(best_text, 4),
        "pages_per_s": round(n / best_text, 2) if best_text > 0 else None,
        "bytes": total_bytes,
        "mb_per_s": round(total_bytes / 1e6 / best_text, 3) if best_text > 0 else None,
        "failed": len(errors) + len(empty_ids),
        "errors": len(errors),
        "empty": len(empty_ids),
        "seconds_metadata": round(best_meta, 4),
        "metadata_errors": len(meta_errors),
        "seconds_total": round(total, 4),
        "pages_per_s_total": round(n / total, 2) if total > 0 else None,
        "repeat": repeat,
        "options": {
            "include_comments": args.include_comments,
            "with_url": args.with_url,
            "fast": False,
            "favor_precision": False,
            "favor_recall": False,
            "input": "bytes",
        },
        "lxml": dist_version("lxml"),
        "python": sys.version.split()[0],
    }
    if empty_ids:
        summary["empty_ids"] = empty_ids
    if failed_ids:
        summary["error_ids"] = failed_ids
    print(json.dumps(summary, ensure_ascii=False))
    return 0


if __name__ == "__main__":
    sys.exit(main())

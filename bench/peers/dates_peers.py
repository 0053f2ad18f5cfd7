#!/usr/bin/env python3
"""Publication dates by the peers (trafilatura, htmldate) over extraction sets (issue #16).

Usage:
    dates_peers.py OUT_DIR DATASET_DIR [DATASET_DIR ...]

For every page of every set (found through the set's gold file, as in
extract_trafilatura.py), writes one line per page to
OUT_DIR/<tool>-<set>.jsonl:  {"id", "date"}   (date "YYYY-MM-DD" or null)

  trafilatura  trafilatura.extract_metadata(html_bytes).date
               (htmldate inside, with trafilatura's own date settings:
               original_date=True, extensive_search=True, max_date=today)
  htmldate     htmldate.find_date(html_bytes, extensive_search=True,
               original_date=True)   (publication date, not last modified)

Both get the page's bytes only, no URL (newsdex gets no URL either). One JSON
summary line per tool and set is printed on stdout: versions, pages, pages
with a date, seconds. `newsdex-eval dates --peers PYTHON` runs this script and
scores its output beside newsdex's in the same run.
"""

from __future__ import annotations

import json
import logging
import os
import sys
import time
from importlib.metadata import version as dist_version

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from extract_trafilatura import load_pages  # noqa: E402


def main() -> int:
    if len(sys.argv) < 3:
        print(__doc__, file=sys.stderr)
        return 2
    out_dir, sets = sys.argv[1], sys.argv[2:]
    logging.basicConfig(level=logging.CRITICAL)
    import htmldate  # noqa: E402
    import trafilatura  # noqa: E402

    os.makedirs(out_dir, exist_ok=True)
    tools = {
        "trafilatura": lambda html: trafilatura.extract_metadata(html).date,
        "htmldate": lambda html: htmldate.find_date(html, extensive_search=True, original_date=True),
    }
    versions = {"trafilatura": dist_version("trafilatura"), "htmldate": dist_version("htmldate")}
    for ds in sets:
        pages = load_pages(os.path.abspath(ds))
        name = os.path.basename(os.path.abspath(ds).rstrip("/"))
        for tool, call in tools.items():
            t0 = time.perf_counter()
            dated = errors = 0
            path = os.path.join(out_dir, f"{tool}-{name}.jsonl")
            with open(path, "w", encoding="utf-8") as out:
                for page in pages:
                    try:
                        date = call(page["html"])
                    except Exception:  # a crash is a page without a date
                        date, errors = None, errors + 1
                    date = str(date)[:10] if date else None
                    dated += date is not None
                    out.write(json.dumps({"id": page["id"], "date": date}, ensure_ascii=False) + "\n")
            summary = {
                "tool": tool,
                "version": versions[tool],
                "dataset": name,
                "pages": len(pages),
                "dated": dated,
                "errors": errors,
                "seconds": round(time.perf_counter() - t0, 3),
                "predictions": path,
            }
            print(json.dumps(summary, ensure_ascii=False), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())

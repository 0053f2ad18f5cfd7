#!/usr/bin/env python3
"""Run ftfy (peer) for mojibake repair: accuracy on the ftfy cases, and throughput.

Usage:
    repair_ftfy.py cases [CASES_JSONL] --out PRED.jsonl
        CASES_JSONL defaults to /work/shared/data/mojibake-ftfy/cases.jsonl.
        Runs ftfy.fix_text(original) (default TextFixerConfig) on every case and
        also ftfy.fix_encoding(original) (encoding repair only). Writes per case
            {"id", "source_file", "expect", "output", "output_fix_encoding"}
        and prints one JSON summary line. "passed" = output == case["fixed"]
        exactly; "passed_fix_encoding" = output_fix_encoding ==
        case["fixed_encoding"] exactly. Cases the dataset marks "expect": "fail"
        (ftfy's own known failures) are counted separately as well.

    repair_ftfy.py throughput JSONL_OR_ZST [--field text] [--repeat 3]
        Reads the string values of --field from every line of a JSONL file
        (plain, or .zst decompressed with `zstd -dc`) into memory, then times
        ftfy.fix_text over all of them; best of --repeat runs. MB = UTF-8 bytes
        of the input texts / 1e6. Prints one JSON summary line.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import time
from collections import Counter, defaultdict
from importlib.metadata import version as dist_version

DEFAULT_CASES = "/work/shared/data/mojibake-ftfy/cases.jsonl"


def read_jsonl_lines(path: str):
    """Yield decoded lines of a JSONL file, transparently decompressing .zst/.gz."""
    if path.endswith(".zst"):
        if shutil.which("zstd"):
            raw = subprocess.run(["zstd", "-dc", "--", path], check=True,
                                 stdout=subprocess.PIPE).stdout
        else:  # optional fallback; not in requirements.txt
            import zstandard  # type: ignore

            with open(path, "rb") as fh:
                raw = zstandard.ZstdDecompressor().stream_reader(fh).read()
        text = raw.decode("utf-8")
    elif path.endswith(".gz"):
        import gzip

        with gzip.open(path, "rt", encoding="utf-8") as fh:
            text = fh.read()
    else:
        with open(path, encoding="utf-8") as fh:
            text = fh.read()
    # split on "\n" only: str.splitlines() would also break inside JSON strings at
    # U+0085, U+2028, \x1c.. \x1e, which mojibake text does contain.
    for line in text.split("\n"):
        if line.strip():
            yield line


def cmd_cases(args) -> int:
    import ftfy

    cases = [json.loads(line) for line in read_jsonl_lines(args.cases)]
    ids = [c["id"] for c in cases]
    if len(set(ids)) != len(ids):
        raise SystemExit("duplicate case ids")

    totals = Counter()
    by_source = defaultdict(Counter)
    failures = []
    os.makedirs(os.path.dirname(os.path.abspath(args.out)), exist_ok=True)
    with open(args.out, "w", encoding="utf-8") as out:
        for case in cases:
            original = case["original"]
            output = ftfy.fix_text(original)
            output_enc = ftfy.fix_encoding(original)
            expect = case.get("expect", "pass")
            ok = output == case["fixed"]
            fixed_encoding = case.get("fixed_encoding")
            if fixed_encoding is None:
                fixed_encoding = case["fixed"]
            ok_enc = output_enc == fixed_encoding
            src = case.get("source_file", "?")
            for bucket in (totals, by_source[src]):
                bucket["cases"] += 1
                bucket["passed"] += ok
                bucket["passed_fix_encoding"] += ok_enc
                bucket[f"expect_{expect}"] += 1
                bucket[f"expect_{expect}_passed"] += ok
            if ok != (expect == "pass"):
                failures.append({"id": case["id"], "expect": expect, "passed": ok})
            out.write(json.dumps({
                "id": case["id"],
                "source_file": src,
                "expect": expect,
                "output": output,
                "output_fix_encoding": output_enc,
            }, ensure_ascii=False) + "\n")

    summary = {
        "tool": "ftfy",
        "version": dist_version("ftfy"),
        "cases": totals["cases"],
        "passed": totals["passed"],
        "passed_fix_encoding": totals["passed_fix_encoding"],
        # the dataset's own expectation: "expect": "pass" (ftfy gets it right) or
        # "fail" (known ftfy failure, gold is still the correct answer)
        "expect_pass": totals["expect_pass"],
        "expect_pass_passed": totals["expect_pass_passed"],
        "expect_fail": totals["expect_fail"],
        "expect_fail_passed": totals["expect_fail_passed"],
        "unexpected": failures,
        "by_source_file": {k: dict(v) for k, v in sorted(by_source.items())},
    }
    print(json.dumps(summary, ensure_ascii=False))
    return 0


def cmd_throughput(args) -> int:
    import ftfy

    texts = []
    for line in read_jsonl_lines(args.path):
        value = json.loads(line).get(args.field)
        if isinstance(value, str):
            texts.append(value)
    if args.limit:
        texts = texts[: args.limit]
    total_bytes = sum(len(t.encode("utf-8")) for t in texts)
    ftfy.fix_text("warm up: cafÃ©")  # one-time setup outside the timing

    best = float("inf")
    changed = 0
    for run in range(max(1, args.repeat)):
        t0 = time.perf_counter()
        outputs = [ftfy.fix_text(t) for t in texts]
        elapsed = time.perf_counter() - t0
        print(f"[fix_text] run {run + 1}/{args.repeat}: {elapsed:.3f}s", file=sys.stderr)
        best = min(best, elapsed)
        changed = sum(o != t for o, t in zip(outputs, texts))

    mb = total_bytes / 1e6
    print(json.dumps({
        "tool": "ftfy",
        "version": dist_version("ftfy"),
        "input": os.path.basename(args.path),
        "field": args.field,
        "texts": len(texts),
        "mb": round(mb, 3),
        "seconds": round(best, 4),
        "mb_per_s": round(mb / best, 3) if best > 0 else None,
        "texts_per_s": round(len(texts) / best, 1) if best > 0 else None,
        "changed": changed,
        "repeat": args.repeat,
        "python": sys.version.split()[0],
    }))
    return 0


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    sub = ap.add_subparsers(dest="cmd", required=True)

    c = sub.add_parser("cases", help="accuracy on mojibake-ftfy/cases.jsonl")
    c.add_argument("cases", nargs="?", default=DEFAULT_CASES)
    c.add_argument("--out", required=True)
    c.set_defaults(func=cmd_cases)

    t = sub.add_parser("throughput", help="time fix_text over a JSONL corpus")
    t.add_argument("path")
    t.add_argument("--field", default="text")
    t.add_argument("--repeat", type=int, default=3)
    t.add_argument("--limit", type=int, default=0, help="only the first N texts")
    t.set_defaults(func=cmd_throughput)

    args = ap.parse_args()
    return args.func(args)


if __name__ == "__main__":
    sys.exit(main())

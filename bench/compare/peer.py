"""The peer of bench/compare/run: pandas over newsdex's exports.

Per-month counts of two queries' matches (articles, distinct stories, distinct outlets,
share of all articles of the month) by groupby, and keyness of `oil` (words split on
spaces, G2 against the rest of the archive; no stop words, no pairs: it measures what
the counting costs, newsdex's keyness is checked for quality by its tests). Times are
medians of `rounds`, reading the CSVs included.
"""
import collections
import math
import statistics
import sys
import time

import pandas as pd

work, rounds = sys.argv[1], int(sys.argv[2])
check = sys.argv[4] if len(sys.argv) > 4 and sys.argv[3] == "--check" else None


def month(s):
    # newsdex's `published` as the source gave it: an RFC 3339 time or a date; UTC month.
    t = pd.to_datetime(s, utc=True, errors="coerce", format="mixed")
    return t.dt.strftime("%Y-%m")


def compare():
    allm = pd.read_csv(f"{work}/all.csv", usecols=["id", "published"], dtype=str)
    allm["period"] = month(allm["published"])
    denom = allm.groupby("period").size()
    out = {}
    for q in ["oil", "wheat"]:
        df = pd.read_csv(f"{work}/{q}.csv", dtype=str)
        df["period"] = month(df["published"])
        g = df.groupby("period").agg(
            articles=("id", "size"), stories=("story", "nunique"), outlets=("outlet", "nunique")
        )
        g = g.reindex(denom.index, fill_value=0)
        g["all_articles"] = denom
        g["share"] = g["articles"] / g["all_articles"]
        out[q] = (g, int(df["period"].isna().sum()))
    return out


def keyness():
    allt = pd.read_csv(f"{work}/all.csv", dtype=str, keep_default_na=False)
    ids = set(pd.read_csv(f"{work}/oil.csv", usecols=["id"], dtype=str)["id"])
    target, rest = collections.Counter(), collections.Counter()
    for i, title, body in zip(allt["id"], allt["title"], allt["body"]):
        words = [w.lower() for w in (title + " " + body).split() if any(c.isalpha() for c in w)]
        (target if i in ids else rest).update(words)
    c, d = sum(target.values()), sum(rest.values())
    scored = []
    for w, a in target.items():
        b = rest.get(w, 0)
        e1, e2 = c * (a + b) / (c + d), d * (a + b) / (c + d)
        g2 = 2 * (a * math.log(a / e1) + (b * math.log(b / e2) if b else 0))
        if a >= 5 and a / c > b / d:
            scored.append((g2, w))
    scored.sort(reverse=True)
    return scored[:20]


if check:
    got = pd.read_csv(check, dtype={"period": str})
    res = compare()
    bad = 0
    for q, (g, undated) in res.items():
        mine = got[(got["series"] == q) & (got["period"] != "undated")].set_index("period")
        for p, row in g.iterrows():
            r = mine.loc[p]
            if (r["articles"], r["stories"], r["outlets"], r["all_articles"]) != (
                row["articles"], row["stories"], row["outlets"], row["all_articles"]
            ):
                bad += 1
                print(f"differs: {q} {p}: newsdex {tuple(r)} pandas {tuple(row)}")
        u = got[(got["series"] == q) & (got["period"] == "undated")]["articles"].iloc[0]
        if u != undated:
            bad += 1
            print(f"undated differs: {q}: newsdex {u} pandas {undated}")
    print("check: newsdex and pandas agree on every period" if bad == 0 else f"check: {bad} differences")
    sys.exit(1 if bad else 0)

for name, f in [("pandas compare oil wheat by month", compare), ("python keyness oil (words only)", keyness)]:
    times = []
    for _ in range(rounds):
        s = time.perf_counter()
        f()
        times.append((time.perf_counter() - s) * 1000)
    print(f"{name}: {statistics.median(times):.0f} ms (median of {rounds})")

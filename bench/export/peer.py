"""The peer of bench/export/run: pandas and pyarrow writing the rows newsdex exported.

Reads newsdex's JSON Lines export (every field) into a DataFrame (not timed), then times
writing it as CSV (`DataFrame.to_csv`), JSON Lines (`to_json(orient="records",
lines=True)`, 100,000 rows at a time) and Parquet (`to_parquet`, pyarrow engine, its default compression),
each once, and prints rows/s as bench/export/run does for newsdex.
"""
import os
import sys
import time

import pandas as pd

src, out = sys.argv[1], sys.argv[2]
os.makedirs(out, exist_ok=True)
df = pd.read_json(src, lines=True, dtype=False)
rows = len(df)


def write_jsonl(path, chunk=100_000):
    # In slices: one `to_json` of a million articles builds the whole 2 GB string in
    # memory first (it was killed for memory on this 24 GB machine).
    with open(path, "w", encoding="utf-8") as f:
        for start in range(0, rows, chunk):
            f.write(df.iloc[start : start + chunk].to_json(orient="records", lines=True, force_ascii=False))


for name, write in [
    ("csv", lambda p: df.to_csv(p, index=False)),
    ("jsonl", write_jsonl),
    ("parquet", lambda p: df.to_parquet(p, engine="pyarrow")),
]:
    path = os.path.join(out, "all." + name)
    t = time.perf_counter()
    write(path)
    secs = time.perf_counter() - t
    mib = os.path.getsize(path) // (1 << 20)
    print(f"pandas {pd.__version__} {name}: {rows} rows in {secs:.2f} s = {round(rows / secs)} rows/s, {mib} MiB")
    os.remove(path)

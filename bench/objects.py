"""kpirules benchmark: data held in Python against the same rows in a CSV file (issue 22).

    python bench/objects.py                # 300,000 rows
    python bench/objects.py --rows 50000   # a smoke run

The same long-form rows (period, unit, metric, value; 60% whole numbers, 40%
with two decimals) are read by ``load_data`` from a CSV file (the baseline:
its Python reader, the one every file of fewer than 50 MB is read by) and by
each in-memory constructor: ``data_from_rows`` of tuples (the values ints
and Decimals), ``data_from_frame`` of a pandas frame (the same values, an
object column), of a pandas frame of float64 values with ``floats="shortest"``,
of a polars frame and of an Arrow table (a ``decimal128`` column), and
``data_from_cursor`` of an sqlite3 cursor (INTEGER values, the decimals as
text).  A frame or table that is not installed prints "not installed".

Each figure is the median CPU time of --runs calls, the readers in turns,
so the ratio to the CSV file holds on a loaded machine where the seconds do
not; building the frame or running the query is not timed (it is the
caller's), fetching the cursor's rows is.  docs/performance.md records a run.
"""

from __future__ import annotations

import argparse
import csv
import gc
import os
import random
import sqlite3
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from decimal import Decimal
from typing import Any

import kpirules
import kpirules.data.duckcsv as duckcsv


def make_rows(count: int, rng: random.Random) -> list[tuple[str, str, str, Any]]:
    metrics = [f"chi_tieu_{i:02d}" for i in range(50)]
    rows: list[tuple[str, str, str, Any]] = []
    q = 0
    while len(rows) < count:
        period = f"{2019 + q // 4}-Q{q % 4 + 1}"
        for u in range(200):
            for m in metrics:
                k = rng.randrange(10_000_000)
                v: Any = Decimal(f"{k // 100}.{k % 100:02d}") if rng.random() < 0.4 else k // 100
                rows.append((period, f"DV{u:04d}", m, v))
        q += 1
    return rows[:count]


def readers(rows: list[tuple[str, str, str, Any]], path: str) -> dict[str, Callable[[], Any] | None]:
    cols = list(zip(*rows))
    out: dict[str, Callable[[], Any] | None] = {
        "load_data of the CSV file (the baseline)": lambda: kpirules.load_data(path),
        "data_from_rows, tuples": lambda: kpirules.data_from_rows(rows),
    }
    try:
        import pandas as pd
    except ImportError:
        out["data_from_frame, pandas"] = out["data_from_frame, pandas float64, floats='shortest'"] = None
    else:
        frame = pd.DataFrame({"period": cols[0], "unit": cols[1], "metric": cols[2], "value": cols[3]})
        floats = frame.assign(value=[float(v) for v in cols[3]])
        out["data_from_frame, pandas"] = lambda: kpirules.data_from_frame(frame)
        out["data_from_frame, pandas float64, floats='shortest'"] = (
            lambda: kpirules.data_from_frame(floats, floats="shortest"))
    try:
        import polars as pl
    except ImportError:
        out["data_from_frame, polars"] = None
    else:
        pframe = pl.DataFrame({"period": cols[0], "unit": cols[1], "metric": cols[2],
                               "value": [Decimal(v) for v in cols[3]]},
                              schema_overrides={"value": pl.Decimal(12, 2)})
        out["data_from_frame, polars"] = lambda: kpirules.data_from_frame(pframe)
    try:
        import pyarrow as pa
    except ImportError:
        out["data_from_frame, Arrow table"] = None
    else:
        table = pa.table({"period": cols[0], "unit": cols[1], "metric": cols[2],
                          "value": pa.array([Decimal(v) for v in cols[3]], pa.decimal128(12, 2))})
        out["data_from_frame, Arrow table"] = lambda: kpirules.data_from_frame(table)
    con = sqlite3.connect(":memory:")
    con.execute("CREATE TABLE t (period TEXT, unit TEXT, metric TEXT, value)")
    con.executemany("INSERT INTO t VALUES (?, ?, ?, ?)",
                    [(p, u, m, v if type(v) is int else str(v)) for p, u, m, v in rows])
    cursors: list[Any] = []

    def cursor() -> Any:
        return kpirules.data_from_cursor(cursors.pop())

    out["data_from_cursor, sqlite3"] = cursor
    out["(the cursors' query, made before each timed call)"] = lambda: cursors.append(con.execute("SELECT * FROM t"))
    return out


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--rows", type=int, default=300_000)
    ap.add_argument("--runs", type=int, default=5)
    args = ap.parse_args(argv)
    duckcsv.MIN_BYTES = 1 << 62  # (the Python reader, whatever the file's size)
    rows = make_rows(args.rows, random.Random(22))
    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, "values.csv")
        with open(path, "w", encoding="utf-8", newline="") as fh:
            w = csv.writer(fh)
            w.writerow(["period", "unit", "metric", "value"])
            w.writerows(rows)
        fns = readers(rows, path)
        prepare = fns.pop("(the cursors' query, made before each timed call)")
        assert prepare is not None
        reference = kpirules.load_data(path)
        for name, fn in fns.items():  # (each reads what the file reads, before any is timed)
            if fn is not None:
                if name.startswith("data_from_cursor"):
                    prepare()
                assert fn().snapshots == reference.snapshots, name
        times: dict[str, list[float]] = {name: [] for name, fn in fns.items() if fn is not None}
        for _ in range(args.runs):
            for name in times:
                fn = fns[name]
                assert fn is not None
                if name.startswith("data_from_cursor"):
                    prepare()
                gc.collect()
                t = time.process_time()
                fn()
                times[name].append(time.process_time() - t)
        print(f"kpirules {kpirules.__version__}, Python {sys.version.split()[0]}, {args.rows:,} rows, "
              f"medians of {args.runs} runs in turns (CPU time)\n")
        base = statistics.median(times["load_data of the CSV file (the baseline)"])
        print("| reader | median CPU time | × the CSV file |\n| --- | --- | --- |")
        for name, fn in fns.items():
            if fn is None:
                print(f"| {name} | not installed | |")
                continue
            t = statistics.median(times[name])
            print(f"| {name} | {t:.2f} s | {t / base:.2f} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())

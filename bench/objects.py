"""kpirules benchmark: data held in Python against the same rows in a CSV file (issue 22).

    python bench/objects.py                # 300,000 rows
    python bench/objects.py --rows 50000   # a smoke run

The same long-form rows (period, unit, metric, value; 60% whole numbers, 40%
with two decimals) are read by ``load_data`` from a CSV file (the baseline:
what ``load_data`` really does with it; a file of 4 MB or more, as 300,000
rows are, is read by DuckDB, its values read when first asked for), by
``load_data`` with the small-file Python reader forced (every file of fewer
than 4 MB is read by it), and by each in-memory constructor: ``data_from_rows`` of tuples (the values ints
and Decimals), ``data_from_frame`` of a pandas frame (the same values, an
object column), of a pandas frame of float64 values with ``floats="shortest"``,
of a polars frame and of an Arrow table (a ``decimal128`` column), and
``data_from_cursor`` of an sqlite3 cursor (INTEGER values, the decimals as
text).  A frame or table that is not installed prints "not installed".

Three figures a reader: reading alone (``load``; a lazy reader has read no
value yet), reading and then every value (``load + every value``), and
reading and then the values of one quarter (``load + one quarter``: what
checking one quarter reads).  Each figure is the median of --runs calls, the
readers in turns, so the ratio to the CSV file holds on a loaded machine where
the seconds do not: the wall-clock time (DuckDB reads with threads: its CPU
time is larger than the wait), and the CPU time.  Writing the CSV file,
building the frame or running the query is not timed (it is the caller's),
fetching the cursor's rows is.  docs/performance.md records a run.
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


def _python_reader(path: str) -> Any:
    """load_data with the small-file Python reader forced, whatever the file's size."""
    keep = duckcsv.MIN_BYTES
    duckcsv.MIN_BYTES = 1 << 62
    try:
        return kpirules.load_data(path)
    finally:
        duckcsv.MIN_BYTES = keep


def readers(rows: list[tuple[str, str, str, Any]], path: str) -> dict[str, Callable[[], Any] | None]:
    cols = list(zip(*rows))
    out: dict[str, Callable[[], Any] | None] = {
        BASE: lambda: kpirules.load_data(path),
        "load_data, the Python reader forced": lambda: _python_reader(path),
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


#: the baseline every figure is compared with
BASE = "load_data of the CSV file (the baseline)"
#: what is done after reading: nothing, read every value, read one quarter's values
STEPS = ("load", "load + every value", "load + one quarter")


def _every(data: Any) -> None:
    for values in data.snapshots.values():  # (a lazy Data reads every value here)
        len(values)


def _quarter(data: Any, key: Any) -> None:
    snapshots = data.snapshots
    for k in list(snapshots):  # (the keys: a lazy Data reads no value for them)
        if k[0] == key:
            len(snapshots[k])  # (a lazy Data reads the quarter's values at the first)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--rows", type=int, default=300_000)
    ap.add_argument("--runs", type=int, default=5)
    args = ap.parse_args(argv)
    rows = make_rows(args.rows, random.Random(22))
    quarter = kpirules.parse_period(rows[-1][0]).key  # (the last quarter: a check of the current one)
    after: dict[str, Callable[[Any], None]] = {
        "load": lambda data: None, "load + every value": _every, "load + one quarter": lambda d: _quarter(d, quarter)}
    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, "values.csv")
        with open(path, "w", encoding="utf-8", newline="") as fh:
            w = csv.writer(fh)
            w.writerow(["period", "unit", "metric", "value"])
            w.writerows(rows)
        fns = readers(rows, path)
        prepare = fns.pop("(the cursors' query, made before each timed call)")
        assert prepare is not None
        reference = _python_reader(path)
        for name, fn in fns.items():  # (each reads what the file reads, before any is timed)
            if fn is not None:
                if name.startswith("data_from_cursor"):
                    prepare()
                assert fn().snapshots == reference.snapshots, name
        times: dict[tuple[str, str], list[tuple[float, float]]] = {
            (name, step): [] for name, fn in fns.items() if fn is not None for step in STEPS}
        for _ in range(args.runs):
            for name, step in times:
                fn = fns[name]
                assert fn is not None
                if name.startswith("data_from_cursor"):
                    prepare()
                gc.collect()
                wall, cpu = time.perf_counter(), time.process_time()
                after[step](fn())
                times[name, step].append((time.perf_counter() - wall, time.process_time() - cpu))
        print(f"kpirules {kpirules.__version__}, Python {sys.version.split()[0]}, {args.rows:,} rows "
              f"({os.path.getsize(path) / 1e6:.1f} MB of CSV), medians of {args.runs} runs in turns: "
              "wall-clock seconds (CPU seconds), × the CSV file's wall-clock time\n")
        base = {step: statistics.median(w for w, _ in times[BASE, step]) for step in STEPS}
        print("| reader | " + " | ".join(STEPS) + " |\n| --- |" + " --- |" * len(STEPS))
        for name, fn in fns.items():
            if fn is None:
                print(f"| {name} | not installed |" + " |" * (len(STEPS) - 1))
                continue
            cells = []
            for step in STEPS:
                wall = statistics.median(w for w, _ in times[name, step])
                cpu = statistics.median(c for _, c in times[name, step])
                cells.append(f"{wall:.2f} s ({cpu:.2f} s) {wall / base[step]:.2f}×")
            print(f"| {name} | " + " | ".join(cells) + " |")
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""kpirules benchmark: metrics counted from records (issue 18).

    python bench/records.py                   # 1,000,000 generated dossiers
    python bench/records.py --rows 10000000 --csv /tmp/dossiers.csv   # ten million (750 MB of CSV, kept
                                              # at --csv and generated only when the file is not there)
    python bench/records.py --postgres postgresql://user@host/db      # (c) too: a table on that server

(a) the DuckDB engine counting examples/records/plan.kpi's metrics (28 quarters 2019-2025 x 50 units)
    against one hand-written DuckDB query doing the same job (the same counts from the same CSV: the
    windows joined by the range of their days, as a person writes it), and against the same query with
    the engine's month key (see docs/records.md), on CSV and on Parquet;
(b) the Python engine's rows per second against the csv module's bare read of the same file;
(c) with --postgres (or KPIRULES_TEST_POSTGRES), the PostgreSQL engine on a typed table of the first
    --pg-rows rows, against the hand-written query run there;
(d) unless --no-spark, the Spark engine (a local session, made before the clock starts) on a CSV of the
    first --spark-rows rows, against the hand-written query in Spark SQL on the same file.

The figures of each line are measured in turns (kpirules, hand-written, hand-written with the key,
again, --repeat times) and the best of each kept, so that a burst of other work on the machine weighs
on all of them alike. Wall time is what the issue's target speaks of; CPU time (of every thread of the
process) is given beside it. docs/performance.md records a run.
"""

from __future__ import annotations

import argparse
import csv
import os
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
PLAN = os.path.join(ROOT, "examples", "records", "plan.kpi")
#: the hand-written queries' types of the example's columns
SPARK_SCHEMA = ("ma_ho_so STRING, ma_don_vi STRING, ngay_tiep_nhan DATE, ngay_hen_tra DATE, ngay_tra_ket_qua DATE, "
                "kenh_nop STRING, qua_mot_cua BOOLEAN, muc_do INT, so_ngay_xu_ly INT")
PG_COLUMNS = ("ma_ho_so TEXT, ma_don_vi TEXT, ngay_tiep_nhan DATE, ngay_hen_tra DATE, ngay_tra_ket_qua DATE, "
              "kenh_nop TEXT, qua_mot_cua BOOLEAN, muc_do INT, so_ngay_xu_ly INT")


def turns(fns: list, repeat: int) -> list[tuple[float, float]]:
    """(best wall seconds, best CPU seconds) of each of ``fns``, run in turns ``repeat`` times."""
    wall = [float("inf")] * len(fns)
    cpu = [float("inf")] * len(fns)
    for _ in range(repeat):
        for i, fn in enumerate(fns):
            c, t = time.process_time(), time.perf_counter()
            fn()
            wall[i] = min(wall[i], time.perf_counter() - t)
            cpu[i] = min(cpu[i], time.process_time() - c)
    return list(zip(wall, cpu))


def hand_query(src: str, windows, month_key: bool = False, dialect: str = "duckdb") -> str:
    """The hand-written query: every metric of the plan per quarter and unit, from ``src`` (a relation
    with typed columns). ``month_key``: the windows joined on the month key beside the range."""
    date = "DATE"
    if month_key:
        rows = [f"('{w.label}', {date} '{w.start}', {date} '{w.end}', {k})"
                for w in windows for k in range(w.start.year * 12 + w.start.month, w.end.year * 12 + w.end.month + 1)]
        cols, key = "label, s, e, mk", ("EXTRACT(YEAR FROM r.ngay_tra_ket_qua) * 12 + "
                                        "EXTRACT(MONTH FROM r.ngay_tra_ket_qua) = w.mk AND ")
    else:
        rows = [f"('{w.label}', {date} '{w.start}', {date} '{w.end}')" for w in windows]
        cols, key = "label, s, e", ""
    values = f"(VALUES {', '.join(rows)}) AS w({cols})"
    if dialect == "spark":
        values = f"(SELECT * FROM VALUES {', '.join(rows)} AS t({cols})) AS w"
    return f"""
    SELECT w.label, r.ma_don_vi, GROUPING(r.ma_don_vi), COUNT(*),
           SUM(CASE WHEN r.kenh_nop = 'Trực tuyến' THEN 1 ELSE 0 END),
           SUM(CASE WHEN r.ngay_tra_ket_qua <= r.ngay_hen_tra THEN 1 ELSE 0 END),
           SUM(CASE WHEN r.qua_mot_cua THEN 1 ELSE 0 END),
           SUM(r.so_ngay_xu_ly), COUNT(r.so_ngay_xu_ly)
    FROM {src} AS r JOIN {values}
      ON {key}r.ngay_tra_ket_qua >= w.s AND r.ngay_tra_ket_qua <= w.e
    GROUP BY GROUPING SETS ((w.label, r.ma_don_vi), (w.label))"""


def hand_written(path: str, windows, parquet: bool, month_key: bool = False) -> list:
    import duckdb

    con = duckdb.connect()
    src = f"read_parquet('{path}')" if parquet else f"read_csv('{path}')"
    try:
        return con.execute(hand_query(src, windows, month_key)).fetchall()
    finally:
        con.close()


def peak_memory(code: str) -> float:
    """The peak resident memory (MB) of a fresh Python process running ``code``: its VmHWM on Linux (the
    getrusage maximum of a process started from this one can be this process's own peak, carried over
    the fork: it gave the same figure for every job after a large one), ru_maxrss elsewhere."""
    script = (f"import resource, sys; sys.path.insert(0, {os.path.join(ROOT, 'src')!r})\n{code}\n"
              "try:\n"
              "    print([int(l.split()[1]) for l in open('/proc/self/status') if l.startswith('VmHWM:')][0])\n"
              "except OSError:\n"
              "    print(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)")
    out = subprocess.run([sys.executable, "-c", script], check=True, capture_output=True, text=True).stdout
    return int(out.split()[-1]) / 1024


def head(path: str, rows: int, out: str) -> str:
    """The header and the first ``rows`` rows of the CSV at ``path``, written to ``out``."""
    with open(path, encoding="utf-8") as f, open(out, "w", encoding="utf-8") as g:
        for i, line in enumerate(f):
            if i > rows:
                break
            g.write(line)
    return out


def line(what: str, t_engine: tuple[float, float], t_hand: tuple[float, float],
         t_key: tuple[float, float] | None = None, extra: str = "", cpu: bool = True) -> None:
    """One line of the table. ``cpu``: whether CPU times mean anything (not when a server or a JVM does
    the work)."""
    def c(a: float, b: float | None = None) -> str:
        if not cpu:
            return ""
        return f" (CPU {a:6.2f})" if b is None else f" (CPU {a / b:4.2f})"

    text = (f"{what:28} kpirules {t_engine[0]:7.2f} s{c(t_engine[1])}   hand-written {t_hand[0]:7.2f} s"
            f"{c(t_hand[1])}   ratio {t_engine[0] / t_hand[0]:4.2f}{c(t_engine[1], t_hand[1])}")
    if t_key is not None:
        text += (f"   with the month key {t_key[0]:6.2f} s{c(t_key[1])}: ratio {t_engine[0] / t_key[0]:4.2f}"
                 f"{c(t_engine[1], t_key[1])}")
    print(text + extra, flush=True)


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--rows", type=int, default=1_000_000)
    p.add_argument("--csv", help="where the generated CSV is kept (generated when missing; default: a temporary "
                                 "folder)")
    p.add_argument("--repeat", type=int, default=3)
    p.add_argument("--python-rows", type=int, default=200_000, help="rows for the Python engine (it is slow)")
    p.add_argument("--postgres", default=os.environ.get("KPIRULES_TEST_POSTGRES"),
                   help="a PostgreSQL URL for (c) (default: $KPIRULES_TEST_POSTGRES; none: (c) is left out)")
    p.add_argument("--pg-rows", type=int, default=1_000_000)
    p.add_argument("--no-spark", action="store_true")
    p.add_argument("--spark-rows", type=int, default=1_000_000)
    p.add_argument("--no-memory", action="store_true", help="leave out the peak memory (two more runs each)")
    a = p.parse_args(argv)
    sys.path.insert(0, os.path.join(ROOT, "src"))
    import duckdb

    from kpirules import load
    from kpirules.engine.records import records_data
    from kpirules.records.windows import windows_for

    plan = load(PLAN)
    windows = windows_for(2019, 2025).finest
    with tempfile.TemporaryDirectory() as tmp:
        path = a.csv or os.path.join(tmp, "dossiers.csv")
        if not os.path.exists(path):
            subprocess.run([sys.executable, os.path.join(ROOT, "examples", "records", "generate.py"), "--rows",
                            str(a.rows), "--units", "50", "--from", "2019-01-01", "--to", "2025-12-31", "-o", path],
                           check=True)
        with open(path, encoding="utf-8") as f:
            rows = sum(1 for _ in f) - 1
        pq = os.path.join(tmp, "dossiers.parquet")
        duckdb.connect().execute(f"COPY (SELECT * FROM read_csv('{path}')) TO '{pq}' (FORMAT parquet)")
        print(f"{rows:,} dossiers, {os.path.getsize(path) / 1e6:,.0f} MB of CSV, "
              f"{os.path.getsize(pq) / 1e6:,.0f} MB of Parquet; 28 quarters x 50 units; "
              f"{os.cpu_count()} cores, load average {os.getloadavg()[0]:.1f} at the start", flush=True)
        for name, src, parquet in (("CSV", path, False), ("Parquet", pq, True)):
            t_engine, t_hand, t_key = turns([
                lambda: records_data(plan, {"dossiers": src}, "duckdb", years=(2019, 2025)),
                lambda: hand_written(src, windows, parquet),
                lambda: hand_written(src, windows, parquet, month_key=True)], a.repeat)
            extra = ""
            if not a.no_memory:
                m_engine = peak_memory(
                    "from kpirules import load; from kpirules.engine.records import records_data\n"
                    f"records_data(load({PLAN!r}), {{'dossiers': {src!r}}}, 'duckdb', years=(2019, 2025))")
                m_hand = peak_memory(
                    f"sys.path.insert(0, {os.path.dirname(os.path.abspath(__file__))!r}); import records as b\n"
                    "from kpirules.records.windows import windows_for\n"
                    f"b.hand_written({src!r}, windows_for(2019, 2025).finest, {parquet!r})")
                extra = f"   peak memory {m_engine:,.0f} MB / {m_hand:,.0f} MB"
            line(f"(a) DuckDB, {name}", t_engine, t_hand, t_key, extra)
        small = head(path, a.python_rows, os.path.join(tmp, "small.csv"))

        def bare() -> int:
            with open(small, encoding="utf-8", newline="") as f:
                return sum(1 for _ in csv.reader(f))

        (t_py, _), (t_csv, _) = turns([
            lambda: records_data(plan, {"dossiers": small}, "python", years=(2019, 2025)), bare], a.repeat)
        n = a.python_rows
        print(f"(b) Python engine ({n:,} rows)   {n / t_py:,.0f} rows/s   csv module's bare read {n / t_csv:,.0f} rows/s"
              f"   ratio {t_py / t_csv:4.1f}", flush=True)
        if a.postgres:
            postgres(a, plan, path, windows, tmp)
        if not a.no_spark:
            spark(a, plan, path, windows, tmp)
    return 0


def postgres(a, plan, path: str, windows, tmp: str) -> None:
    import psycopg

    from kpirules.engine.records import records_data

    n = min(a.pg_rows, a.rows)
    small = head(path, n, os.path.join(tmp, "pg.csv"))
    with psycopg.connect(a.postgres, autocommit=True) as con:
        con.execute("DROP TABLE IF EXISTS kpirules_bench_dossiers")
        con.execute(f"CREATE TABLE kpirules_bench_dossiers ({PG_COLUMNS})")
        with con.cursor() as cur, cur.copy("COPY kpirules_bench_dossiers FROM STDIN (FORMAT csv, HEADER true)") as cp:
            with open(small, "rb") as f:
                while chunk := f.read(1 << 20):
                    cp.write(chunk)
        con.execute("ANALYZE kpirules_bench_dossiers")
        try:
            def hand(month_key: bool) -> list:
                return con.execute(hand_query("kpirules_bench_dossiers", windows, month_key, "postgres")).fetchall()

            t_engine, t_hand, t_key = turns([
                lambda: records_data(plan, {"dossiers": "kpirules_bench_dossiers"}, a.postgres, years=(2019, 2025)),
                lambda: hand(False), lambda: hand(True)], a.repeat)
            line(f"(c) PostgreSQL, {n:,} rows", t_engine, t_hand, t_key,
                 "   (wall time: the server does the work)", cpu=False)
        finally:
            con.execute("DROP TABLE IF EXISTS kpirules_bench_dossiers")


def spark(a, plan, path: str, windows, tmp: str) -> None:
    from kpirules.engine.records import records_data
    from kpirules.records import SparkEngine

    n = min(a.spark_rows, a.rows)
    small = head(path, n, os.path.join(tmp, "spark.csv"))
    engine = SparkEngine()  # (the session is made here, before the clock starts)
    session = engine.spark
    session.sparkContext.setLogLevel("ERROR")

    def hand(month_key: bool) -> list:
        session.read.csv(small, header=True, schema=SPARK_SCHEMA).createOrReplaceTempView("hand_dossiers")
        return session.sql(hand_query("hand_dossiers", windows, month_key, "spark")).collect()

    t_engine, t_hand, t_key = turns([
        lambda: records_data(plan, {"dossiers": small}, engine, years=(2019, 2025)),
        lambda: hand(False), lambda: hand(True)], a.repeat)
    line(f"(d) Spark, {n:,} rows of CSV", t_engine, t_hand, t_key,
         "   (wall time, a local[1] session: the JVM does the work)", cpu=False)
    session.stop()


if __name__ == "__main__":
    raise SystemExit(main())

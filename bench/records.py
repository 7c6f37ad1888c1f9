"""kpirules benchmark: metrics counted from records (issue 18).

    python bench/records.py                   # 1,000,000 generated dossiers
    python bench/records.py --rows 10000000   # ten million (about 1 GB of CSV, written to a temporary folder)

(a) the DuckDB engine counting examples/records/plan.kpi's metrics (28 quarters 2019-2025 x 50 units)
    against one hand-written DuckDB query doing the same job (the same counts from the same CSV),
    on CSV and on Parquet;
(b) the Python engine's rows per second against the csv module's bare read of the same file.

Every ratio compares two figures measured in the same run, one after the other (best of --repeat).
docs/performance.md records a run.
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


def best(fn, repeat: int) -> tuple[float, object]:
    times, out = [], None
    for _ in range(repeat):
        t = time.perf_counter()
        out = fn()
        times.append(time.perf_counter() - t)
    return min(times), out


def hand_written(path: str, windows, parquet: bool) -> list:
    import duckdb

    con = duckdb.connect()
    values = ", ".join(f"('{w.label}', DATE '{w.start}', DATE '{w.end}')" for w in windows)
    src = f"read_parquet('{path}')" if parquet else f"read_csv('{path}')"
    q = f"""
    SELECT w.label, r.ma_don_vi, GROUPING(r.ma_don_vi), COUNT(*),
           SUM(CASE WHEN r.kenh_nop = 'Trực tuyến' THEN 1 ELSE 0 END),
           SUM(CASE WHEN r.ngay_tra_ket_qua <= r.ngay_hen_tra THEN 1 ELSE 0 END),
           SUM(CASE WHEN r.qua_mot_cua THEN 1 ELSE 0 END),
           SUM(r.so_ngay_xu_ly), COUNT(r.so_ngay_xu_ly)
    FROM {src} AS r JOIN (VALUES {values}) AS w(label, s, e)
      ON r.ngay_tra_ket_qua >= w.s AND r.ngay_tra_ket_qua <= w.e
    GROUP BY GROUPING SETS ((w.label, r.ma_don_vi), (w.label))"""
    try:
        return con.execute(q).fetchall()
    finally:
        con.close()


def peak_memory(code: str) -> float:
    """The peak resident memory (MB) of a fresh Python process running ``code``."""
    script = (f"import resource, sys; sys.path.insert(0, {os.path.join(ROOT, 'src')!r})\n{code}\n"
              "print(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)")
    out = subprocess.run([sys.executable, "-c", script], check=True, capture_output=True, text=True).stdout
    return int(out.split()[-1]) / 1024


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--rows", type=int, default=1_000_000)
    p.add_argument("--repeat", type=int, default=3)
    p.add_argument("--python-rows", type=int, default=200_000, help="rows for the Python engine (it is slow)")
    a = p.parse_args(argv)
    sys.path.insert(0, os.path.join(ROOT, "src"))
    import duckdb

    from kpirules import load
    from kpirules.engine.records import records_data
    from kpirules.records.windows import windows_for

    plan = load(PLAN)
    windows = windows_for(2019, 2025).finest
    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, "dossiers.csv")
        subprocess.run([sys.executable, os.path.join(ROOT, "examples", "records", "generate.py"), "--rows",
                        str(a.rows), "--units", "50", "--from", "2019-01-01", "--to", "2025-12-31", "-o", path],
                       check=True)
        pq = os.path.join(tmp, "dossiers.parquet")
        duckdb.connect().execute(f"COPY (SELECT * FROM read_csv('{path}')) TO '{pq}' (FORMAT parquet)")
        print(f"{a.rows:,} dossiers, {os.path.getsize(path) / 1e6:,.0f} MB of CSV, "
              f"{os.path.getsize(pq) / 1e6:,.0f} MB of Parquet; 28 quarters x 50 units")
        for name, src, parquet in (("CSV", path, False), ("Parquet", pq, True)):
            t_engine, _ = best(lambda: records_data(plan, {"dossiers": src}, "duckdb", years=(2019, 2025)), a.repeat)
            t_hand, _ = best(lambda: hand_written(src, windows, parquet), a.repeat)
            m_engine = peak_memory(
                "from kpirules import load; from kpirules.engine.records import records_data\n"
                f"records_data(load({PLAN!r}), {{'dossiers': {src!r}}}, 'duckdb', years=(2019, 2025))")
            m_hand = peak_memory(
                f"sys.path.insert(0, {os.path.dirname(os.path.abspath(__file__))!r}); import records as b\n"
                "from kpirules.records.windows import windows_for\n"
                f"b.hand_written({src!r}, windows_for(2019, 2025).finest, {parquet!r})")
            print(f"(a) {name:8} DuckDB engine {t_engine:6.2f} s   hand-written query {t_hand:6.2f} s   "
                  f"ratio {t_engine / t_hand:4.2f}   peak memory {m_engine:,.0f} MB / {m_hand:,.0f} MB "
                  f"(ratio {m_engine / m_hand:4.2f})")
        small = os.path.join(tmp, "small.csv")
        with open(path, encoding="utf-8") as f, open(small, "w", encoding="utf-8") as g:
            for i, line in enumerate(f):
                if i > a.python_rows:
                    break
                g.write(line)

        def bare() -> int:
            with open(small, encoding="utf-8", newline="") as f:
                return sum(1 for _ in csv.reader(f))

        t_py, _ = best(lambda: records_data(plan, {"dossiers": small}, "python", years=(2019, 2025)), a.repeat)
        t_csv, _ = best(bare, a.repeat)
        n = a.python_rows
        print(f"(b) Python engine {n / t_py:,.0f} rows/s   csv module's bare read {n / t_csv:,.0f} rows/s   "
              f"ratio {t_py / t_csv:4.1f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

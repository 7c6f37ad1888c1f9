"""kpirules benchmark: the report of the national plan for 700 units (issue 19 item 6).

    python bench/report.py               # 700 units, 8 quarters of data
    python bench/report.py --units 2000

rules/nq17_national.kpi with its two groups listing 700 made-up ministries and provinces, each reporting
its 13 metrics for the 8 quarters 2019-Q1 .. 2020-Q4 (the trends need 8).  Each figure is the CPU time of
one step in a fresh process (best of --repeat), beside loading the data in the same run:

    load      kpirules.load_data of the data file (the baseline: "x load")
    html      report --format html (the screen layout), from the plan and data files ("x html")
    official  report --layout official (HTML)
    pdf       report --format pdf (needs the pdf extra): the official HTML laid out by WeasyPrint
    docx      report --format docx (needs the docx extra): the official layout as a Word file

The steps are timed in turns in the same run, so that the ratios (the PDF against the HTML) hold on a
loaded machine where the seconds do not.

docs/performance.md records a run.  The goal: HTML under a second of CPU, PDF in a few seconds.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import os
import random
import re
import subprocess
import sys
import tempfile

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
PERIODS = [f"{y}-Q{q}" for y in (2019, 2020) for q in (1, 2, 3, 4)]


def write_inputs(units: int, folder: str, quarters: int = len(PERIODS)) -> tuple[str, str]:
    """The national plan with groups of ``units`` units, and their data for ``quarters`` quarters from
    2019-Q1 (8 by default: the trends of the report), in ``folder`` (bench/run.py's part f uses 28)."""
    periods = [f"{2019 + q // 4}-Q{q % 4 + 1}" for q in range(quarters)]
    with open(os.path.join(ROOT, "rules", "nq17_national.kpi"), encoding="utf-8") as f:
        plan = f.read()
    half = units // 2
    ministries = [f"M{i:04d}" for i in range(half)]
    provinces = [f"P{i:04d}" for i in range(units - half)]
    plan = re.sub(r"^group ministries: .*$", "group ministries: " + ", ".join(ministries), plan, flags=re.M)
    plan = re.sub(r"^group provinces: .*$", "group provinces: " + ", ".join(provinces), plan, flags=re.M)
    rng = random.Random(20)
    snaps = []
    for i, period in enumerate(periods):
        grow = min(1.0, (i + 1) / len(PERIODS))
        for unit in ministries + provinces:
            handled = rng.randint(1_000, 200_000)
            services = rng.randint(20, 1_500)
            users = rng.randint(5_000, 1_000_000)
            snaps.append({"period": period, "unit": unit, "values": {
                "dossiers_handled": handled, "dossiers_online": int(handled * rng.uniform(0.05, 0.45) * grow),
                "dossiers_one_stop": int(handled * rng.uniform(0.8, 1.0)),
                "egov_users": users, "eid_verified_users": int(users * rng.uniform(0.05, 0.35) * grow),
                "online_services": services, "services_level4": int(services * rng.uniform(0.1, 0.4)),
                "services_level34": int(services * 0.9), "services_level34_integrated": int(services * 0.3 * grow),
                "public_services": services + 50, "services_with_qa": services + rng.randint(0, 50),
                "mobile_portal": rng.random() < grow, "document_axis_connected": rng.random() < 0.5 + grow / 2}})
    plan_path, data_path = os.path.join(folder, "national.kpi"), os.path.join(folder, "data.json")
    with open(plan_path, "w", encoding="utf-8") as f:
        f.write(plan)
    with open(data_path, "w", encoding="utf-8") as f:
        json.dump({"snapshots": snaps}, f)
    return plan_path, data_path


_CHILD = """
import sys, time
import kpirules
from kpirules.cli import main
step, plan, data, out = sys.argv[1:5]
t = time.process_time()
if step == "load":
    kpirules.load_data(data)
    code = 0
else:
    extra = {"html": [], "official": ["--layout", "official"], "pdf": [], "docx": []}[step]
    code = main(["report", plan, "--data", data, "--period", "2020-Q4", *extra, "-o", out])
print(time.process_time() - t, code)
"""


def cpu(step: str, plan: str, data: str, folder: str) -> float:
    """The CPU seconds of one run of ``step`` in a fresh process."""
    out = os.path.join(folder, {"pdf": "r.pdf", "docx": "r.docx"}.get(step, "r.html"))
    proc = subprocess.run([sys.executable, "-c", _CHILD, step, plan, data, out], capture_output=True, text=True,
                          check=False)
    try:
        seconds, code = proc.stdout.split()
    except ValueError:
        raise SystemExit(f"{step} failed: {proc.stderr[-2000:]}") from None
    if code not in ("0", "1"):
        raise SystemExit(f"{step} failed: {proc.stderr[-2000:]}")
    return float(seconds)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--units", type=int, default=700)
    ap.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args(argv)
    with tempfile.TemporaryDirectory() as folder:
        plan, data = write_inputs(args.units, folder)
        steps = (["load", "html", "official"] + (["pdf"] if importlib.util.find_spec("weasyprint") else [])
                 + (["docx"] if importlib.util.find_spec("docx") else []))
        times = dict.fromkeys(steps, float("inf"))
        for _ in range(args.repeat):  # in turns, best of --repeat each
            for step in steps:
                times[step] = min(times[step], cpu(step, plan, data, folder))
    print(f"report of rules/nq17_national.kpi for {args.units} units, 8 quarters (CPU seconds, best of {args.repeat})")
    print(f"{'step':<10} {'seconds':>8} {'x load':>7} {'x html':>7}")
    for step, seconds in times.items():
        print(f"{step:<10} {seconds:8.2f} {seconds / times['load']:7.2f} {seconds / times['html']:7.2f}")
    if "pdf" in times:
        # the PDF is the official HTML laid out by WeasyPrint: this ratio is what the layout engine adds
        print(f"pdf / official HTML: {times['pdf'] / times['official']:.1f}x in this run")
    if "docx" in times:
        print(f"docx / official HTML: {times['docx'] / times['official']:.1f}x in this run")
    return 0


if __name__ == "__main__":
    sys.exit(main())

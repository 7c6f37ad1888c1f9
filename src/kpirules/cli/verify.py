"""`kpirules verify REPORT.json [--data FILE …] [--plan PLAN.kpi]`: re-derive a report's results and compare."""

from __future__ import annotations

import argparse
import sys

from kpirules.report.verify import DATA_CHANGED, PLAN_CHANGED, RESULTS_DIFFER, verify
from kpirules.text import visible

HELP = "re-derive the results of a report or check JSON from the files it names, and say what differs"


def register(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    p = sub.add_parser(
        "verify", help=HELP,
        description=HELP + f". Exit status 0 when the plan, the data and the results are those stamped; "
                           f"{PLAN_CHANGED} when the plan file changed; {DATA_CHANGED} when a data file changed "
                           f"(and the plan did not); {RESULTS_DIFFER} when the results differ on the same inputs; "
                           "2 on bad input.")
    p.add_argument("report", metavar="REPORT.json",
                   help="the JSON of `kpirules report --format json` or `kpirules check --format json`")
    p.add_argument("--data", metavar="FILE", action="append", default=None,
                   help="the data files to re-derive from, in order (default: the files the report names)")
    p.add_argument("--plan", metavar="PLAN.kpi", default=None,
                   help="the rule file to re-derive from (default: the file the report names)")
    p.add_argument("--number-format", choices=("vi", "en"), default=None,
                   help="how CSV/.xlsx numbers are written (default: as stamped in the report)")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    verdict = verify(args.report, args.data, args.plan, args.number_format)
    # (the ids, units and values quoted come from the report and the data: control characters as escapes)
    sys.stdout.write("\n".join(map(visible, verdict.text.split("\n"))))
    return verdict.code

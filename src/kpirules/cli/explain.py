"""`kpirules explain PLAN --data FILE --id ID [--as-of DATE] [--unit U]`."""

from __future__ import annotations

import argparse
import sys

from kpirules.cli.args import add_data_options, read_data
from kpirules.engine.evaluate import load
from kpirules.engine.trace import explain

HELP = "show how the status of one rule or task came about"


def register(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    p = sub.add_parser("explain", help=HELP, description=HELP + ": the judged period and why, "
                       "each metric with the file and row it came from, every intermediate value, "
                       "the comparison, and for no_data what is missing.")
    p.add_argument("plan", metavar="PLAN.kpi", help="the rule file")
    add_data_options(p)
    p.add_argument("--id", required=True, dest="ident", metavar="ID", help="the rule or task id")
    p.add_argument("--as-of", metavar="YYYY-MM-DD", default=None, help="judge as of this date (default: today)")
    p.add_argument("--unit", metavar="UNIT", default=None, help="the unit, for a `for each unit:` rule")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    plan = load(args.plan)
    results = plan.evaluate(read_data(args, plan), args.as_of)
    explanation = explain(results, args.ident, args.unit)
    sys.stdout.write(explanation.text())
    return 1 if explanation.result.failing else 0  # as for check: 1 when this result fails

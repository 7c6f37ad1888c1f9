"""`kpirules explain PLAN --data FILE --id ID [--as-of DATE] [--unit U]`."""

from __future__ import annotations

import argparse
import sys

from kpirules.cli.args import add_data_options, count, read_data
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
    p.add_argument("--show-rows", metavar="N", type=count, default=0,
                   help="for a metric counted from records, show the first N rows it counts in the judged window")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    plan = load(args.plan)
    data = read_data(args, plan)
    results = plan.evaluate(data, args.as_of)
    explanation = explain(results, args.ident, args.unit)
    sys.stdout.write(explanation.text())
    if getattr(plan.ast, "records", ()):  # metrics counted from records: their definitions and counts
        from kpirules import nodes as n
        from kpirules.engine.records import explain_counted
        from kpirules.records.sources import parse_binding

        item = plan.item(args.ident)
        if isinstance(item, n.Rule):
            names = list(dict.fromkeys(x.name for x in n.walk(item.condition) if isinstance(x, n.Metric)))
            sources = dict(parse_binding(t, table_of=args.engine if args.engine and
                                         args.engine.startswith("postgres") else None)
                           for t in args.records or [])
            r = explanation.result
            period = plan.as_current(r.period) if r.period else None
            extra = explain_counted(plan, data, names, period, r.unit, sources, args.show_rows)
            if extra:
                sys.stdout.write("\n" + extra)
    return 1 if explanation.result.failing else 0  # as for check: 1 when this result fails

"""`kpirules check PLAN --data FILE [--as-of DATE] [--format table|json]`."""

from __future__ import annotations

import argparse
import json
import sys

from ._cmdargs import add_data_options, read_data
from .evaluate import Results, load
from .values import format_value

HELP = "evaluate a plan's rules and tasks on reported data"


def register(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    p = sub.add_parser("check", help=HELP, description=HELP + ".")
    p.add_argument("plan", metavar="PLAN.kpi", help="the rule file")
    add_data_options(p)
    p.add_argument("--as-of", metavar="YYYY-MM-DD", default=None,
                   help="judge as of this date (default: today); the current period is the last window closed before it")
    p.add_argument("--format", choices=("table", "json"), default="table", help="output format (default: table)")
    p.add_argument("--explain", action="store_true",
                   help="under every result that is not met, print how its status came about (table format)")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    plan = load(args.plan)
    data = read_data(args)
    results = plan.evaluate(data, args.as_of)
    if args.format == "json":
        json.dump(results.to_json(), sys.stdout, ensure_ascii=False, indent=2)
        sys.stdout.write("\n")
    else:
        sys.stdout.write(render_table(results))
        for w in results.warnings:  # after the results, on stderr: the table stays clean to pipe
            print(f"kpirules: {w}", file=sys.stderr)
        if getattr(args, "explain", False):
            for r in results:
                if r.status.value not in ("met", "done"):
                    sys.stdout.write("\n" + r.explain().text())
    return 1 if results.failing else 0


def _cell(v: object) -> str:
    if isinstance(v, tuple):
        return " … ".join(_cell(x) for x in v)
    text = format_value(v)
    return "" if text is None else text


def render_table(results: Results) -> str:
    """A plain-text table, one line per result, then the counts."""
    head = ("STATUS", "ID", "UNIT", "PERIOD", "VALUE", "TARGET", "REASON")
    rows = [head]
    for r in results:
        rows.append((r.status.value, r.id, r.unit or "", r.period or "", _cell(r.value), _cell(r.target),
                     r.reason or ""))
    widths = [max(len(row[i]) for row in rows) for i in range(len(head) - 1)]
    lines = []
    for row in rows:
        cells = [c.ljust(w) for c, w in zip(row[:-1], widths)]
        lines.append("  ".join(cells + [row[-1]]).rstrip())
    current = results.current.label if results.current else "none"
    lines.append("")
    counts = ", ".join(f"{k} {v}" for k, v in sorted(results.counts().items()))
    lines.append(f"plan {results.plan.id}, as of {results.as_of.isoformat()} (current period {current}): {counts}")
    return "\n".join(lines) + "\n"

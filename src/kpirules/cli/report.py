"""`kpirules report PLAN --data FILE --period P [--as-of DATE] [--format md|html|json] [--lang vi|en] [-o FILE]`."""

from __future__ import annotations

import argparse
import os
import sys

from kpirules.cli.args import add_data_options, read_data
from kpirules.engine.evaluate import load
from kpirules.report import FORMATS, LANGS, Report, build_report, fmt_period, render

HELP = "write the implementation report of one reporting period (Markdown, HTML or JSON)"


def register(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    p = sub.add_parser("report", help=HELP, description=HELP + ". Exit status 1 when a result is not_met, "
                       "overdue or error (as for check), 2 on bad input.")
    p.add_argument("plan", metavar="PLAN.kpi", help="the rule file")
    add_data_options(p)
    p.add_argument("--period", metavar="PERIOD", required=True,
                   help="the reporting period (2020-Q4, Q4/2020, 'Quý IV/2020', …), taken as the current period")
    p.add_argument("--as-of", metavar="YYYY-MM-DD", default=None,
                   help="judge tasks as of this date (default: the period's due date, or the day after its window; "
                        "today while that is still to come)")
    p.add_argument("--format", choices=FORMATS, default=None,
                   help="output format (default: from the -o file's extension, else md)")
    p.add_argument("--lang", choices=LANGS, default="vi", help="labels: Vietnamese (default) or English")
    p.add_argument("-o", "--output", metavar="FILE", default=None, help="write the report here (default: stdout)")
    p.set_defaults(func=run)


def _format(args: argparse.Namespace) -> str:
    if args.format:
        return str(args.format)
    if args.output:
        ext = os.path.splitext(args.output)[1].lower()
        return {".html": "html", ".htm": "html", ".json": "json"}.get(ext, "md")
    return "md"


def run(args: argparse.Namespace) -> int:
    plan = load(args.plan)
    data = read_data(args)
    report = build_report(plan, data, args.period, args.as_of, args.lang, number_format=args.number_format)
    text = render(report, _format(args))
    code = 1 if report.failing else 0
    if args.output:
        with open(args.output, "w", encoding="utf-8", newline="\n") as fh:
            fh.write(text)
        print(written_line(report, args.output, code), file=sys.stderr)
    else:
        sys.stdout.write(text)
    return code


def written_line(report: Report, path: str, code: int) -> str:
    """The one line printed on standard error after writing a report file: what, which period, the counts
    by status (targets, then tasks; zeros left out) and what the exit status means."""
    def counts(c: dict[str, int]) -> str:
        return ", ".join(f"{v} {k.replace('_', ' ')}" for k, v in c.items() if v) or "none"

    why = ("some targets are not met, tasks overdue or data in error" if code else
           "nothing is not met, overdue or in error")
    return (f"kpirules: wrote {path} ({fmt_period(report.period, report.lang)}): "
            f"targets {counts(report.rule_counts())}; tasks {counts(report.task_counts())} — exit {code}: {why}")

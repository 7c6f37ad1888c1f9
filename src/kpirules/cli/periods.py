"""``kpirules periods``: list the reporting windows of a year, or name the window of a date.

::

    kpirules periods 2020                          # quarters of 2020, cut-off 15, due 20
    kpirules periods 2020 --kind month --calendar  # calendar months
    kpirules periods --containing 2020-03-15 --kind half
    kpirules periods 2020 --format json
"""

from __future__ import annotations

import argparse
import datetime
import json
import re
import sys
from collections.abc import Sequence

from kpirules.errors import KpiError, KpiPeriodError
from kpirules.periods import (
    DEFAULT_SCHEME,
    Kind,
    Period,
    Scheme,
    containing,
    parse_date,
    parse_kind,
    periods_of_year,
)

__all__ = ["register", "run"]

_PLURAL = {
    Kind.MONTH: "months",
    Kind.QUARTER: "quarters",
    Kind.HALF: "half-years",
    Kind.NINE_MONTH: "nine-month windows",
    Kind.YEAR: "years",
}


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> argparse.ArgumentParser:
    p = sub.add_parser(
        "periods",
        help="list the reporting windows of a year, or name the window of a date",
        description=(
            "List the reporting windows of YEAR, or name the window containing a date. "
            "Default: quarters, Decree 09 windows (cut-off 15: 15th of the previous "
            "month to the 14th), report due the 20th."
        ),
    )
    p.add_argument("year", nargs="?", metavar="YEAR", help="a year, e.g. 2020")
    p.add_argument(
        "--containing",
        action="append",
        metavar="DATE",
        help="name the window containing DATE (YYYY-MM-DD or DD/MM/YYYY); may be repeated",
    )
    p.add_argument(
        "--kind",
        default="quarter",
        metavar="KIND",
        help="month, quarter, half, nine-month or year (default: quarter)",
    )
    cut = p.add_mutually_exclusive_group()
    cut.add_argument(
        "--cutoff",
        metavar="N",
        help=f"cut-off day 2..28: windows from day N of the previous month to day N-1 "
        f"(default: {DEFAULT_SCHEME.cutoff}; 1 means calendar windows)",
    )
    cut.add_argument("--calendar", action="store_true", help="calendar windows (cut-off 1)")
    due = p.add_mutually_exclusive_group()
    due.add_argument(
        "--due",
        metavar="N",
        help=f"report due on the first day N after the window ends (default: {DEFAULT_SCHEME.due})",
    )
    due.add_argument("--no-due", action="store_true", help="no due date")
    p.add_argument(
        "--format",
        choices=("table", "json"),
        default="table",
        help="output format (default: table)",
    )
    p.set_defaults(func=run)
    return p


def _day(option: str, text: str) -> int:
    if not re.fullmatch(r"\s*[0-9]{1,2}\s*", text):
        raise KpiPeriodError(f"{option} takes a day of the month (a number), not {text!r}")
    return int(text)


def _scheme(args: argparse.Namespace) -> Scheme:
    cutoff = 1 if args.calendar else DEFAULT_SCHEME.cutoff
    if args.cutoff is not None:
        cutoff = _day("--cutoff", args.cutoff)
    due: int | None = DEFAULT_SCHEME.due
    if args.no_due:
        due = None
    elif args.due is not None:
        due = _day("--due", args.due)
    try:
        return Scheme(cutoff, due)
    except KpiPeriodError as exc:
        if args.due is None and not args.no_due and due is not None and 1 <= cutoff <= 28 and cutoff >= due:
            raise KpiPeriodError(f"{exc} (give a later --due N, or --no-due)") from None
        raise


def _date(text: str) -> datetime.date:
    return parse_date(text)


def _year(text: str) -> int:
    if not re.fullmatch(r"[0-9]{1,4}", text.strip()) or not 1 <= int(text) <= 9999:
        raise KpiError(f"not a year: {text!r}; write a year from 1 to 9999, e.g. 2020")
    return int(text)


def _row(p: Period) -> dict[str, str | None]:
    due = p.due
    return {
        "label": p.label,
        "start": p.start.isoformat(),
        "end": p.end.isoformat(),
        "due": None if due is None else due.isoformat(),
    }


def _table(caption: str, periods: Sequence[Period], dates: Sequence[datetime.date] | None) -> str:
    head = ["period", "start", "end", "days", "due"]
    rows = [
        [p.label, p.start.isoformat(), p.end.isoformat(), str(p.days), p.due.isoformat() if p.due else "-"]
        for p in periods
    ]
    if dates is not None:
        head.insert(0, "date")
        for row, d in zip(rows, dates):
            row.insert(0, d.isoformat())
    widths = [max(len(r[i]) for r in [head, *rows]) for i in range(len(head))]
    numeric = {head.index("days")}

    def fmt(cells: Sequence[str]) -> str:
        return "  ".join(
            c.rjust(w) if i in numeric else c.ljust(w) for i, (c, w) in enumerate(zip(cells, widths))
        ).rstrip()

    return "\n".join([caption, fmt(head), *(fmt(r) for r in rows)])


def run(args: argparse.Namespace) -> int:
    kind = parse_kind(args.kind)
    scheme = _scheme(args)
    if args.containing and args.year is not None:
        raise KpiError("give either a YEAR or --containing DATE, not both")
    if args.containing:
        dates = [_date(t) for t in args.containing]
        periods = [containing(d, kind, scheme) for d in dates]
        caption = f"{kind.value} windows containing the dates ({scheme.describe()})"
    elif args.year is not None:
        dates = None
        periods = periods_of_year(_year(args.year), kind, scheme)
        caption = f"{_PLURAL[kind]} of {periods[0].year} ({scheme.describe()})"
    else:
        raise KpiError("give a YEAR (kpirules periods 2020) or --containing DATE")
    if args.format == "json":
        sys.stdout.write(json.dumps([_row(p) for p in periods], indent=2, ensure_ascii=False) + "\n")
    else:
        sys.stdout.write(_table(caption, periods, dates) + "\n")
    return 0

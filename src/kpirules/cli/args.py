"""Options that several subcommands share, defined once."""

from __future__ import annotations

import argparse
import re
import sys
from typing import Any

from kpirules.data import Data, load_data
from kpirules.errors import KpiDataError, KpiError


def count(text: str) -> int:
    """An option's count: a whole number from 0 (argparse reports the error, exit 2)."""
    if not re.fullmatch(r"\s*[0-9]+\s*", text):
        raise argparse.ArgumentTypeError(f"expected a whole number from 0 (0, 1, 2, …), not {text!r}")
    return int(text)


def add_data_options(p: argparse.ArgumentParser) -> None:
    """``--data FILE`` (repeatable), ``--number-format vi|en``, ``--records NAME=SOURCE`` and ``--engine``."""
    p.add_argument("--data", metavar="FILE", action="append", default=None,
                   help="reported data: JSON, CSV or .xlsx (repeat to merge several files)")
    p.add_argument("--records", metavar="NAME=SOURCE", action="append", default=None,
                   help="the rows of a dataset the plan declares: a CSV, Parquet or JSON lines file, "
                        "postgresql://host/db?table=T, or spark:TABLE (repeat for each dataset)")
    p.add_argument("--engine", metavar="ENGINE", default=None,
                   help="what counts the records: duckdb (the default), python, spark, or a postgresql:// URL "
                        "(then a SOURCE may be a bare table name)")
    p.add_argument("--number-format", choices=("vi", "en"), default=None,
                   help="how CSV/.xlsx numbers are written: vi (1.234,5) or en (1,234.5); without it each "
                        "file's own unambiguous cells decide (2.400,5 is vi), and an ambiguous number such "
                        "as 1.234 in a file where nothing decides is an error")
    p.add_argument("-v", "--verbose", action="store_true",
                   help="say on stderr how each data file was read: its number format and the cell that "
                        "decided it (the JSON output's `sources` says the same)")


def _years_named(args: argparse.Namespace) -> list[int]:
    """The years of the command's --as-of date and --period (data for them belongs to the plan's span)."""
    found = (re.search(r"(?<!\d)\d{4}(?!\d)", str(getattr(args, name, None) or "")) for name in ("as_of", "period"))
    return [int(m.group()) for m in found if m]


def _load(args: argparse.Namespace, plan: Any) -> Data:
    """The --data files read; with errors, the problems of units the plan does not declare (seen in the
    rows that read well) are listed with the others, so that one bad cell hides no unit's error."""
    try:
        return load_data(args.data, number_format=args.number_format)
    except KpiDataError as exc:
        if plan is None or not isinstance(exc.partial, Data):
            raise
        try:
            plan.bind(exc.partial)
        except KpiDataError as more:
            raise KpiDataError(f"{exc}\n{more}", (*exc.diagnostics, *more.diagnostics)) from None
        raise


def _records_years(plan: Any, args: argparse.Namespace) -> tuple[int, int] | None:
    """The years whose windows the records are counted in: those the plan speaks of, the years of
    ``--period`` (a period asked for is counted, whatever the plan's deadlines) and, without
    ``--period`` or with ``--period all``, the year of the current period as of ``--as-of`` (default
    today: the last window closed before it, the period `check` judges without ``--period``, the last
    of a roll-up ``--period all``)."""
    from kpirules.engine import timing
    from kpirules.engine.records import plan_years

    years = plan_years(plan)
    if years is None:
        return None  # (the records' own span)
    lo, hi = years
    periods = [str(text) for text in getattr(args, "period", None) or []]
    for text in periods:
        for m in re.finditer(r"(?<!\d)\d{4}(?!\d)", text):
            lo, hi = min(lo, int(m.group())), max(hi, int(m.group()))
    if periods and not any(text.strip().lower() == "all" for text in periods):
        return lo, hi  # (the periods checked are those asked for)
    try:
        day = timing.as_of(getattr(args, "as_of", None)).date
    except KpiError:
        return lo, hi  # (a bad --as-of is the command's own error, said where it is read)
    current = timing.current(day, plan.kind, plan.scheme)
    if current is not None:
        lo, hi = min(lo, current.year), max(hi, current.year)
    return lo, hi


def read_data(args: argparse.Namespace, plan: Any = None) -> Data:
    """The data named by :func:`add_data_options`' options: the reported files, and the counted
    metrics of ``plan`` from ``--records`` (merged; the same metric in both is an error)."""
    records = getattr(args, "records", None)
    if not args.data and not records:
        raise KpiDataError("give the data: --data FILE (reported values) and/or --records NAME=SOURCE "
                           "(the rows of a dataset the plan declares)")
    reported = _load(args, plan) if args.data else None
    if reported is not None and getattr(args, "verbose", False):
        from kpirules.text import visible

        for fs in reported.file_sources.values():
            print(f"kpirules: read {visible(fs.describe())}", file=sys.stderr)
    if not records:
        if plan is not None:
            from kpirules.engine.records import check_records_bound

            check_records_bound(plan, ())  # (a plan that counts metrics needs their rows: --records)
            plan.check_data(reported, _years_named(args))
        return reported  # type: ignore[return-value]
    if plan is None:  # pragma: no cover - every command that takes --records passes its plan
        raise KpiDataError("--records needs a plan")
    from kpirules.engine.records import check_dataset_names, check_records_bound, merge_counted, records_data
    from kpirules.records.sources import PostgresSource, is_postgres_url, parse_binding

    engine = getattr(args, "engine", None)
    table_of = engine if engine and is_postgres_url(engine) else None
    sources = {}
    for text in records:
        name, source = parse_binding(text, table_of=table_of)
        if name in sources:
            raise KpiDataError(f"--records {name}=… is given twice")
        sources[name] = source
    check_dataset_names(plan, sources, lambda name: f"--records {name}=…")
    check_records_bound(plan, sources)
    if engine is None and any(type(s).__name__ == "PostgresSource" for s in sources.values()):
        pg = [s for s in sources.values() if isinstance(s, PostgresSource)]
        engine = pg[0].url
    if engine is None and any(type(s).__name__ == "SparkSource" for s in sources.values()):
        engine = "spark"
    return merge_counted(plan, reported, records_data(plan, sources, engine, _records_years(plan, args)))

"""`kpirules sql PLAN --dialect duckdb|postgres|trino|spark [--records NAME=TABLE] [--text-columns]`:
the queries that count the plan's metrics from records, for a database or a cluster."""

from __future__ import annotations

import argparse
import sys

from kpirules.errors import KpiDataError

HELP = "print the SQL that counts the plan's metrics from records (for a database or a cluster)"


def register(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    from kpirules.records.sqlbuild import DIALECTS

    p = sub.add_parser("sql", help=HELP, description=HELP + ".")
    p.add_argument("plan", metavar="PLAN.kpi", help="the rule file")
    p.add_argument("--dialect", choices=DIALECTS, default="duckdb", help="the SQL dialect (default: duckdb)")
    p.add_argument("--records", metavar="NAME=TABLE", action="append", default=None,
                   help="the table that holds a dataset's rows (default: a table named like the dataset); "
                        "SCHEMA.TABLE for another schema")
    p.add_argument("--text-columns", action="store_true",
                   help="the table's columns hold text (as a CSV loaded as it is): check and cast every cell")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from sqlglot import exp

    from kpirules.engine.evaluate import load
    from kpirules.engine.records import check_dataset_names, counted_metrics, datasets, plan_years
    from kpirules.records.model import ColType, column_types
    from kpirules.records.sqlbuild import plan_queries
    from kpirules.records.windows import windows_for

    plan = load(args.plan)
    tables: dict[str, str] = {}
    for text in args.records or []:
        name, sep, table = text.partition("=")
        if not sep or not table:
            raise KpiDataError(f"--records {text!r}: write NAME=TABLE")
        parts = table.split(".")
        if len(parts) > 3 or not all(p.strip() for p in parts):
            raise KpiDataError(f"--records {text!r}: {table!r} is not a table name "
                               "(TABLE, SCHEMA.TABLE or CATALOG.SCHEMA.TABLE)")
        if name in tables:
            raise KpiDataError(f"--records {name}=… is given twice")
        tables[name] = table
    # (as in check: a --records name the plan declares no dataset of is an error, not ignored)
    check_dataset_names(plan, tables, lambda name: f"--records {name}=…")
    metrics = counted_metrics(plan)
    if not metrics:
        raise KpiDataError(f"{args.plan}: the plan counts no metric from records (no `metric NAME = count(…)`)")
    years = plan_years(plan)
    if years is None:
        import datetime

        years = (datetime.date.today().year,) * 2
    windows = windows_for(years[0], years[1], plan.kind, plan.scheme)
    sql_type = {ColType.DATE: "DATE", ColType.NUMBER: "DECIMAL(38, 9)", ColType.BOOL: "BOOLEAN",
                ColType.TEXT: "VARCHAR", ColType.ANY: "VARCHAR"}
    out = []
    for ds in datasets(plan):
        ms = [m for m in metrics if m.dataset == ds.name]
        if not ms:
            continue
        parts = tables.get(ds.name, ds.name).split(".")
        table = exp.Table(this=exp.to_identifier(parts[-1], quoted=True),
                          db=exp.to_identifier(parts[-2], quoted=True) if len(parts) > 1 else None,
                          catalog=exp.to_identifier(parts[-3], quoted=True) if len(parts) > 2 else None)
        types = None if args.text_columns else {c: sql_type[t] for c, t in column_types(ds, ms).items()}
        q = plan_queries(ds, ms, table, windows.finest, windows.all, types, args.dialect)
        out.append(f"-- dataset {ds.name}: {', '.join(m.name for m in ms)}; windows {windows.finest[0].label} … "
                   f"{windows.finest[-1].label} ({plan.scheme.describe()})")
        named = [("cells that are not of their column's kind", q.validate), ("rows, rows without a date",
                 q.summary), ("counts per window and unit", q.main), ("distinct counts", q.distinct)]
        for what, query in named:
            if query is not None:
                out.append(f"-- {what}")
                out.append(query.sql(dialect=args.dialect, identify=True, pretty=True) + ";")
    sys.stdout.write("\n".join(out) + "\n")
    return 0

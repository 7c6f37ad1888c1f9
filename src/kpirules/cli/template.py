"""`kpirules template PLAN --period P [--unit U …] -o form.xlsx|form.csv|DIR/`: data-entry forms from a plan."""

from __future__ import annotations

import argparse
import os
import sys

from kpirules.errors import KpiError
from kpirules.text import visible

HELP = "write the data-entry form a unit fills in for a period: .xlsx (a sheet per unit) or .csv"


def register(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    p = sub.add_parser(
        "template", help=HELP,
        description=HELP + ". Each unit's sheet lists the metrics the plan needs from it for the period (title, "
                           "unit of measure, kind) and the tasks it leads (deadline, a status to choose); "
                           "a filled form reads back with `kpirules check PLAN --data FORM`. "
                           "-o DIR/ writes one file per unit. See docs/forms.md.")
    p.add_argument("plan", metavar="PLAN.kpi", help="the rule file")
    p.add_argument("--period", required=True, metavar="P", help="the reporting period, e.g. 2020-Q4")
    p.add_argument("--unit", action="append", default=None, metavar="U",
                   help="only this unit (its code or declared name; repeat for several); default: every unit "
                        "the plan names, after a sheet for what no unit answers for")
    p.add_argument("-o", "--output", required=True, metavar="OUT",
                   help="form.xlsx, form.csv (tasks go to form-tasks.csv), or a folder DIR/ for one file per unit")
    p.add_argument("--format", choices=("xlsx", "csv"), default=None,
                   help="the kind of file (default: from OUT's extension; xlsx for a folder)")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from kpirules.forms import csv_form, forms_for, sheet_names, xlsx_form
    from kpirules.engine.evaluate import load
    from kpirules.outfile import check_not_input, check_output, write_file

    plan = load(args.plan)
    period = plan.as_current(args.period)
    out: str = args.output
    folder = out.endswith(("/", os.sep)) or os.path.isdir(out)
    fmt = args.format or ("xlsx" if folder else os.path.splitext(out)[1].lower().lstrip("."))
    if fmt not in ("xlsx", "csv"):
        raise KpiError(f"-o {out}: write the form as .xlsx or .csv (or give --format)")
    if not folder and args.format and not out.lower().endswith("." + fmt):
        raise KpiError(f"-o {out}: the name does not end in .{fmt}, the --format given")
    forms = forms_for(plan, period, args.unit)
    if not any(f.metrics or f.tasks for f in forms):
        raise KpiError(f"the plan {plan.id} needs nothing from "
                       f"{', '.join(args.unit) if args.unit else 'any unit'} for {period.label}: no form to write")
    from kpirules.forms import UnitForm

    jobs: list[tuple[str, list[UnitForm]]]
    if folder:
        os.makedirs(out, exist_ok=True)
        jobs = [(os.path.join(out, f"{name}.{fmt}"), [f]) for f, name in zip(forms, sheet_names(forms))]
    else:
        jobs = [(out, list(forms))]
    made: list[tuple[list[UnitForm], list[tuple[str, str | bytes]]]] = []
    for path, group in jobs:
        if fmt == "xlsx":
            files: list[tuple[str, str | bytes]] = [(path, xlsx_form(plan, period, group))]
        else:
            values, tasks = csv_form(plan, period, group)
            files = [(path, values)]
            if tasks is not None:
                files.append((os.path.splitext(path)[0] + "-tasks.csv", tasks))
        made.append((group, files))
    for _, files in made:  # (every file is checked before any is written: all of them or none)
        for target, _content in files:
            check_not_input(target, [("plan", args.plan)])
            check_output(target)
    for group, files in made:
        for target, content in files:
            write_file(target, content)
        written = [target for target, _content in files]
        what = "; ".join(f"{f.unit or 'Chung'}: {_count(len(f.metrics), 'metric')}, {_count(len(f.tasks), 'task')}"
                         for f in group)
        sys.stdout.write(visible(f"wrote {', '.join(map(str, written))} for {period.label} ({what})") + "\n")
    return 0


def _count(n: int, word: str) -> str:
    return f"{n} {word}{'' if n == 1 else 's'}"

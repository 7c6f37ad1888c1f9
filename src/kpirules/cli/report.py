"""`kpirules report PLAN --data FILE --period P [--as-of DATE] [--format md|html|json|pdf|docx] [--layout screen|official]
[--template DIR] [--number N] [--date D] [--signer NAME] [--place PLACE] [--lang vi|en] [-o FILE]`."""

from __future__ import annotations

import argparse
import os
import sys

from kpirules.cli.args import add_data_options, read_data
from kpirules.engine import timing
from kpirules.engine.evaluate import load
from kpirules.errors import KpiError
from kpirules.outfile import check_not_input, check_output, write_file
from kpirules.report import FORMATS, LANGS, LAYOUTS, Official, Report, build_report, fmt_period, render
from kpirules.text import visible

HELP = "write the implementation report of one reporting period (Markdown, HTML, JSON, PDF or Word)"

#: the format each file extension means
EXTENSIONS = {".md": "md", ".markdown": "md", ".html": "html", ".htm": "html", ".json": "json", ".pdf": "pdf",
              ".docx": "docx"}


def register(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    p = sub.add_parser("report", help=HELP, description=HELP + ". Exit status 1 when a result is not_met, "
                       "overdue or error, or a task's deadline has passed with nothing reported (as for check), "
                       "2 on bad input.")
    p.add_argument("plan", metavar="PLAN.kpi", help="the rule file")
    add_data_options(p)
    p.add_argument("--period", metavar="PERIOD", required=True,
                   help="the reporting period (2020-Q4, Q4/2020, 'Quý IV/2020', …), taken as the current period")
    p.add_argument("--as-of", metavar="YYYY-MM-DD", default=None,
                   help="judge tasks as of this date (default: the period's due date, or the day after its window; "
                        "today while that is still to come)")
    p.add_argument("--format", choices=FORMATS, default=None,
                   help="output format (default: from the -o file's extension, else md); pdf and docx are the "
                        "official layout and need -o")
    p.add_argument("--layout", choices=LAYOUTS, default=None,
                   help="the HTML's layout: screen (default) or official (Decree 30/2020/NĐ-CP; pdf and docx always)")
    p.add_argument("--template", metavar="DIR", default=None,
                   help="a directory of templates to use in place of the shipped ones (the HTML of either layout, and the PDF)")
    p.add_argument("--number", metavar="NUMBER", default=None,
                   help="the official report's number and symbol (Số/ký hiệu), e.g. 12/BC-BKHCN")
    p.add_argument("--date", metavar="YYYY-MM-DD", default=None,
                   help="the official report's date (default: the as-of date)")
    p.add_argument("--signer", metavar="NAME", default=None, help="the official report's signer's name")
    p.add_argument("--place", metavar="PLACE", default=None, help="the place in the official report's date line")
    p.add_argument("--lang", choices=LANGS, default="vi", help="labels: Vietnamese (default) or English")
    p.add_argument("-o", "--output", metavar="FILE", default=None,
                   help="write the report here (default, or -o -: standard output; not for pdf and docx)")
    p.set_defaults(func=run)


def _format(args: argparse.Namespace) -> str:
    """The format to write: --format, else the -o file's extension, else md.  With --format, the file's
    extension must be that format's own (or the file has none): one that names another format
    (`-o out.pdf --format md`) or none (`-o out.txt --format pdf`) is an error, as is pdf or docx without -o."""
    ext = os.path.splitext(args.output)[1].lower() if _to_file(args) else ""
    by_ext = EXTENSIONS.get(ext)
    fmt = str(args.format) if args.format else (by_ext or "md")
    if args.format and by_ext and by_ext != fmt:
        raise KpiError(f"-o {args.output}: a {ext} file is {by_ext}, but --format is {fmt}; "
                       f"name the file .{fmt} or leave --format out")
    if args.format and ext and by_ext is None:  # (-o x.txt --format pdf wrote a PDF named .txt: issue 19)
        own = " or ".join(e for e, f in EXTENSIONS.items() if f == fmt)
        raise KpiError(f"-o {args.output}: --format {fmt} writes a {own} file, not {ext}; "
                       f"name the file {own.split(' or ')[0]} (or leave --format out to write Markdown)")
    if fmt in ("pdf", "docx") and args.output == "-":
        raise KpiError(f"--format {fmt} writes a binary file, which is not written to standard output (-o -): "
                       f"give the file with -o FILE.{fmt}")
    if fmt in ("pdf", "docx") and not args.output:
        raise KpiError(f"--format {fmt} writes a file: give it with -o FILE.{fmt}")
    layout = args.layout or "screen"
    if args.layout == "official" and fmt not in ("html", "pdf", "docx"):
        raise KpiError(f"--layout official is for html, pdf and docx, not {fmt}")
    if args.layout == "screen" and fmt in ("pdf", "docx"):
        raise KpiError(f"--format {fmt} is always the official layout; leave --layout screen out")
    if (args.number or args.date or args.signer or args.place) and not (layout == "official" or fmt in ("pdf", "docx")):
        raise KpiError("--number, --date, --signer and --place are for the official layout: "
                       "give --layout official, --format pdf or --format docx")
    if args.template and fmt not in ("html", "pdf"):
        raise KpiError(f"--template is for the HTML (either layout) and the PDF, not {fmt}")
    return fmt


def _to_file(args: argparse.Namespace) -> bool:
    """Whether the report goes to a file: ``-o FILE``; ``-o -`` (or no -o) is standard output."""
    return bool(args.output) and args.output != "-"


def run(args: argparse.Namespace) -> int:
    fmt = _format(args)  # (a usage error before anything is read)
    if _to_file(args):
        check_not_input(args.output, [("plan", args.plan), *(("--data", d) for d in args.data or []),
                                      *(("--records", r.partition("=")[2]) for r in args.records or [])])
        check_output(args.output)
    official = Official.of(args.number, args.date, args.signer, args.place)
    plan = load(args.plan)
    when = timing.as_of(args.as_of)  # (the one place the date is read)
    data = read_data(args, plan)
    report = build_report(plan, data, args.period, when, args.lang, number_format=args.number_format)
    out = render(report, fmt, layout="official" if fmt in ("pdf", "docx") else (args.layout or "screen"),
                 template=args.template, official=official)
    code = 1 if report.failing else 0
    if _to_file(args):
        write_file(args.output, out)
        print(written_line(report, args.output, code), file=sys.stderr)
    else:
        sys.stdout.write(out if isinstance(out, str) else out.decode("utf-8"))
    return code


def written_line(report: Report, path: str, code: int) -> str:
    """The one line printed on standard error after writing a report file: what, which period, the counts
    by status (targets, then tasks; zeros left out) and what the exit status means."""
    def counts(c: dict[str, int]) -> str:
        return ", ".join(f"{v} {k.replace('_', ' ')}" for k, v in c.items() if v) or "none"

    why = ("some targets are not met, tasks overdue or silent past their deadline, or data in error" if code else
           "nothing is not met, overdue, silent past its deadline or in error")
    return (f"kpirules: wrote {visible(str(path))} ({fmt_period(report.period, report.lang)}): "
            f"targets {counts(report.rule_counts())}; tasks {counts(report.task_counts())} — exit {code}: {why}")

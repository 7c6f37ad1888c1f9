"""`kpirules lint [--select CODES] [--ignore CODES] [--format text|json] PATH…`."""

from __future__ import annotations

import argparse
import json
import sys

from kpirules.cli import error_text
from kpirules.cli.fmt import kpi_files, read_source
from kpirules.errors import KpiError
from kpirules.lint import CODES, Finding, lint_text, selected

HELP = "report likely mistakes in .kpi files, each with a stable code (K001…)"


def _codes(text: str) -> list[str]:
    codes = [c.strip().upper() for c in text.split(",") if c.strip()]
    for c in codes:
        if not any(code.startswith(c) for code in CODES):
            raise argparse.ArgumentTypeError(f"unknown code {c!r}; codes are {', '.join(CODES)}")
    return codes


def register(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    epilog = "codes:\n" + "\n".join(f"  {code}  {text}" for code, text in CODES.items())
    p = sub.add_parser("lint", help=HELP, description=HELP + ".", epilog=epilog,
                       formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("paths", metavar="PATH", nargs="+", help="a .kpi file, or a directory searched for *.kpi files")
    p.add_argument("--select", metavar="CODES", type=_codes, default=None,
                   help="report only these codes or prefixes, comma-separated (K001,K00)")
    p.add_argument("--ignore", metavar="CODES", type=_codes, default=[],
                   help="do not report these codes or prefixes, comma-separated")
    p.add_argument("--format", choices=("text", "json"), default="text", help="output format (default: text)")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    findings: list[Finding] = []
    failed = False
    for path in kpi_files(args.paths):
        try:
            found = lint_text(read_source(path), path)
        except KpiError as exc:
            print(error_text(exc), file=sys.stderr)
            failed = True
            continue
        findings.extend(f for f in found if selected(f.code, args.select, args.ignore))
    if args.format == "json":
        json.dump([f.to_json() for f in findings], sys.stdout, ensure_ascii=False, indent=2)
        sys.stdout.write("\n")
    else:
        for f in findings:
            print(f)
        if findings:
            print(f"{len(findings)} finding{'s' if len(findings) != 1 else ''}", file=sys.stderr)
    if failed:
        return 2
    return 1 if findings else 0

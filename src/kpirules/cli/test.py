"""`kpirules test PATH…`: run the .kpitest files (folders are searched)."""

from __future__ import annotations

import argparse
import sys

from kpirules.kpitest import run_paths
from kpirules.text import visible

HELP = "run the tests of rule files (.kpitest)"


def register(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    p = sub.add_parser("test", help=HELP, description=HELP + "; prints each test and a summary "
                       "`N passed, N failed`; exits 1 when any test fails, 2 when a file cannot be read or "
                       "the paths hold no test.")
    p.add_argument("paths", nargs="+", metavar="PATH", help=".kpitest files, or folders to search for them")
    p.add_argument("-q", "--quiet", action="store_true", help="print only the failures and the summary")
    p.add_argument("--number-format", choices=("vi", "en"), default=None,
                   help="how the numbers of CSV/.xlsx data are written, vi (1.234,5) or en (1,234.5), "
                        "for the tests whose file has no `number format` line")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    outcomes = run_paths(args.paths, args.number_format)
    if not outcomes:  # a folder without .kpitest files, a misspelt path: never a silent success
        print(f"kpirules: no test found in {', '.join(args.paths)}: .kpitest files (or folders holding them) "
              "are what `kpirules test` runs", file=sys.stderr)
        return 2
    for o in outcomes:
        if not (args.quiet and o.passed):
            # (test names and values come from the test file, data and plan: control characters as escapes)
            sys.stdout.write("\n".join(map(visible, o.text().split("\n"))) + "\n")
    failed = sum(1 for o in outcomes if not o.passed)
    sys.stdout.write(f"{len(outcomes) - failed} passed, {failed} failed\n")
    return 1 if failed else 0

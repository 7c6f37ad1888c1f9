"""`kpirules fmt [--check] [--diff] PATH…`: rewrite rule files in the canonical layout."""

from __future__ import annotations

import argparse
import difflib
import os
import sys
from collections.abc import Iterator, Sequence

from kpirules.cli import error_text
from kpirules.errors import KpiError
from kpirules.outfile import write_file
from kpirules.fmt import format_text
from kpirules.text import read_text, visible

HELP = "rewrite .kpi files in the canonical layout (comments kept)"


def register(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    p = sub.add_parser("fmt", help=HELP, description=HELP + ".")
    p.add_argument("paths", metavar="PATH", nargs="+", help="a .kpi file, or a directory searched for *.kpi files")
    p.add_argument("--check", action="store_true",
                   help="change nothing; exit 1 and name the files that would change")
    p.add_argument("--diff", action="store_true", help="change nothing; print a unified diff of the changes")
    p.set_defaults(func=run)


def kpi_files(paths: Sequence[str]) -> Iterator[str]:
    """The files named, and the *.kpi files under the directories named, in a stable order."""
    for path in paths:
        if os.path.isdir(path):
            found: list[str] = []
            for root, dirs, files in os.walk(path):
                dirs[:] = sorted(d for d in dirs if not d.startswith("."))
                found.extend(os.path.join(root, f) for f in files if f.endswith(".kpi"))
            yield from sorted(found)
        elif os.path.exists(path):
            yield path
        else:
            raise KpiError(f"{path}: no such file or directory")


def read_source(path: str) -> str:
    return read_text(path, "rule file", KpiError)


def run(args: argparse.Namespace) -> int:
    files = list(kpi_files(args.paths))
    changed: list[str] = []
    failed = 0
    for path in files:
        try:
            source = read_source(path)
            formatted = format_text(source, path)
        except KpiError as exc:
            print(error_text(exc), file=sys.stderr)
            failed += 1
            continue
        if formatted == source:
            continue
        changed.append(path)
        if args.diff:
            sys.stdout.writelines(difflib.unified_diff(
                source.splitlines(keepends=True), formatted.splitlines(keepends=True),
                fromfile=f"{path} (original)", tofile=f"{path} (formatted)",
            ))
        if args.check:
            print(f"would reformat {visible(path)}")
        elif not args.diff:
            try:
                write_file(path, formatted, follow_links=True)  # (whole or not at all)
            except KpiError as exc:
                print(error_text(exc), file=sys.stderr)
                changed.pop()  # (not reformatted: left as it was)
                failed += 1
                continue
            print(f"reformatted {visible(path)}")
    unchanged = len(files) - len(changed) - failed
    verb = "would be reformatted" if args.check or args.diff else "reformatted"
    print(f"{len(changed)} file{'s' if len(changed) != 1 else ''} {verb}, "
          f"{unchanged} left unchanged" + (f", {failed} in error" if failed else ""), file=sys.stderr)
    if failed:
        return 2
    return 1 if changed and (args.check or args.diff) else 0

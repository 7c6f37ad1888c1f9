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
        sys.stdout.write(render_json(results) + "\n")
    else:
        sys.stdout.write(render_table(results))
        for w in results.warnings:  # after the results, on stderr: the table stays clean to pipe
            print(f"kpirules: {w}", file=sys.stderr)
        if getattr(args, "explain", False):
            for r in results:
                if r.status.value not in ("met", "done"):
                    sys.stdout.write("\n" + r.explain().text())
    return 1 if results.failing else 0


def render_json(results: Results) -> str:
    """The text of ``--format json``: ``json.dumps(results.to_json(), ensure_ascii=False, indent=2)``."""
    return json_text(results.to_json())


class _Other(Exception):
    """A value that json_text leaves to the json module."""


_encode_str = json.encoder.encode_basestring  # what json uses for text with ensure_ascii=False (C)


def json_text(obj: object) -> str:
    """``json.dumps(obj, ensure_ascii=False, indent=2)``, the same text, made faster.

    The json module indents in pure Python, one generator per object; this
    writes the plain shapes of our output (dicts with text keys, lists,
    text, ints, booleans, null) into one list.  Anything else (a float, a
    subclass, a key that is not text) is left to the json module.
    """
    out: list[str] = []
    try:
        _encode(obj, out, "\n")
    except _Other:
        return json.dumps(obj, ensure_ascii=False, indent=2)
    return "".join(out)


def _encode(o: object, out: list[str], nl: str) -> None:
    t = type(o)
    if t is str:
        out.append(_encode_str(o))
    elif o is None:
        out.append("null")
    elif o is True:
        out.append("true")
    elif o is False:
        out.append("false")
    elif t is int:
        out.append(int.__repr__(o))  # type: ignore[arg-type]
    elif t is dict:
        if not o:
            out.append("{}")
            return
        inner = nl + "  "
        sep = "{" + inner
        for k, v in o.items():  # type: ignore[attr-defined]
            if type(k) is not str:
                raise _Other
            tv = type(v)
            if tv is str:  # (the common flat cases inline)
                out.append(sep + _encode_str(k) + ": " + _encode_str(v))
            elif v is None:
                out.append(sep + _encode_str(k) + ": null")
            else:
                out.append(sep + _encode_str(k) + ": ")
                _encode(v, out, inner)
            sep = "," + inner
        out.append(nl + "}")
    elif t is list or t is tuple:
        if not o:
            out.append("[]")
            return
        inner = nl + "  "
        sep = "[" + inner
        for v in o:  # type: ignore[attr-defined]
            out.append(sep)
            sep = "," + inner
            _encode(v, out, inner)
        out.append(nl + "]")
    else:
        raise _Other


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

"""`kpirules check PLAN --data FILE [--as-of DATE] [--format table|json]`."""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Iterator
from itertools import chain

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
#: the types json_text writes itself (exact types: no subclasses)
_KNOWN = frozenset({str, int, bool, type(None), list, tuple, dict})


def json_text(obj: object) -> str:
    """``json.dumps(obj, ensure_ascii=False, indent=2)``, the same text, made faster.

    The json module indents in pure Python, one generator per object.  Here
    the texts among the values of a list (of a whole list of dicts) are
    written by json's C function in one ``map``, the few other values by
    type, and the dicts by one template per set of keys, filled by ``%`` in
    C (no JSON text holds a raw newline or an unescaped quote, so a template
    is the whole structure).  This covers the plain shapes of our output (dicts
    with text keys, lists, text, ints, booleans, null); anything else (a
    float, a subclass, a key that is not text) is left to the json module.
    """
    out: list[str] = []
    try:
        _encode(obj, out, "\n")
    except _Other:
        return json.dumps(obj, ensure_ascii=False, indent=2)
    return "".join(out)


def _texts(values: list[object], nl: str) -> list[str]:
    """The JSON text of each value: text by json's own C function, in one map; then the few
    others in their places (a nested list or dict starting on a line indented ``nl``)."""
    kinds = list(map(type, values))
    other = set(kinds)
    other.discard(str)
    if not other:
        return list(map(_encode_str, values))  # type: ignore[arg-type]
    if not other <= _KNOWN:
        raise _Other
    at = [i for t in other for i in _at(kinds, t)]
    plain = values.copy()
    for i in at:
        plain[i] = ""
    texts = list(map(_encode_str, plain))  # type: ignore[arg-type]
    for i in at:
        v = values[i]
        if v is None:
            texts[i] = "null"
        elif v is True:
            texts[i] = "true"
        elif v is False:
            texts[i] = "false"
        elif type(v) is int:
            texts[i] = int.__repr__(v)  # type: ignore[arg-type]
        else:
            part: list[str] = []
            _encode(v, part, nl)
            texts[i] = "".join(part)
    return texts


def _at(seq: list[object], x: object) -> Iterator[int]:
    """Every index of ``x`` in ``seq`` (found by list.index, in C)."""
    i = -1
    try:
        while True:
            i = seq.index(x, i + 1)
            yield i
    except ValueError:
        return


def _objects(objs: list[dict[str, object]], nl: str) -> str:
    """The text of ``objs`` (dicts), each starting a line indented ``nl``, separated by commas."""
    inner = nl + "  "
    keys = list(map(tuple, objs))
    shapes = set(keys)
    if not set(map(type, chain.from_iterable(shapes))) <= {str}:
        raise _Other
    texts = _texts(list(chain.from_iterable(map(dict.values, objs))), inner)
    templates = {  # '{' inner '"key": %s,' inner … nl '}', a '%' in a key doubled
        ks: "{" + inner + ("," + inner).join(_encode_str(k).replace("%", "%%") + ": %s" for k in ks) + nl + "}"
        if ks else "{}"
        for ks in shapes
    }
    return ("," + nl).join(map(templates.__getitem__, keys)) % tuple(texts)


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
        out.append(_objects([o], nl) if o else "{}")  # type: ignore[list-item]
    elif t is list or t is tuple:
        if not o:
            out.append("[]")
            return
        inner = nl + "  "
        if set(map(type, o)) == {dict}:  # type: ignore[call-overload]
            out.append("[" + inner + _objects(o, inner) + nl + "]")  # type: ignore[arg-type]
        else:
            out.append("[" + inner + ("," + inner).join(_texts(list(o), inner)) + nl + "]")  # type: ignore[call-overload]
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

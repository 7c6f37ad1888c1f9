"""`kpirules check PLAN --data FILE [--as-of DATE] [--format table|json]`."""

from __future__ import annotations

import argparse
import datetime
import json
import sys
from collections.abc import Iterator
from itertools import chain
from typing import Any

from kpirules.cli.args import add_data_options, read_data
from kpirules.errors import KpiError
from kpirules.engine.export import Rollup
from kpirules import nodes as n
from kpirules.engine.evaluate import Plan, Result, Results, Status, load
from kpirules.engine import timing
from kpirules.periods import Period, periods_between
from kpirules.report.model import is_percent_rule, shown_numbers
from kpirules.report.provenance import provenance
from kpirules.text import visible
from kpirules.values import format_number, format_value, is_big, is_number

HELP = "evaluate a plan's rules and tasks on reported data"


def register(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    p = sub.add_parser("check", help=HELP, description=HELP + ". Exit status 1 when a result is not_met, "
                       "overdue or error, or a task's deadline has passed with nothing reported (no_data after "
                       "it); 2 on bad input.")
    p.add_argument("plan", metavar="PLAN.kpi", help="the rule file")
    add_data_options(p)
    p.add_argument("--as-of", metavar="YYYY-MM-DD", default=None,
                   help="judge as of this date (default: today); the current period is the last window closed before it")
    p.add_argument("--period", metavar="PERIOD", action="append", default=None,
                   help="check this period as the current one (2020-Q4, Q4/2020, 'Quý IV/2020'), judged on its due "
                        "date (today while that is still to come) unless --as-of says otherwise; a range 2019-Q1..2020-Q4, 'all' (every period from the "
                        "first with data through the last closed by --as-of) or the option repeated checks each "
                        "period in turn (a roll-up)")
    p.add_argument("--format", choices=("table", "json"), default="table", help="output format (default: table)")
    p.add_argument("--explain", action="store_true",
                   help="under every result that is not met, print how its status came about (table format)")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    plan = load(args.plan)
    wanted = args.period or []
    if len(wanted) > 1 or any(w.strip().lower() == "all" or ".." in w for w in wanted):
        return _run_rollup(args, plan, wanted)
    periods = [plan.as_current(w) for w in wanted]  # (a bad label is an error before the data is read)
    when = timing.as_of(args.as_of)  # (the one place the date is read)
    data = read_data(args, plan)
    if periods:
        results = plan.evaluate_period(data, periods[0], when)
    else:
        results = plan.evaluate(data, when)
    if args.format == "json":
        sys.stdout.write(json_text(check_json(results, args.number_format)) + "\n")
    else:
        sys.stdout.write(render_table(results))
        for w in results.warnings:  # after the results, on stderr: the table stays clean to pipe
            print(f"kpirules: {visible(str(w))}", file=sys.stderr)
        if getattr(args, "explain", False):
            for r in results:
                if r.status.value not in ("met", "done"):
                    sys.stdout.write("\n" + r.explain().text())
    return 1 if results.failing else 0


def _chosen(plan: Plan, wanted: list[str]) -> list[Period] | None:
    """The periods that ``--period`` values name, in order (None for ``all``)."""
    out: list[Period] = []
    for w in wanted:
        if w.strip().lower() == "all":
            if len(wanted) > 1:
                raise KpiError("--period all checks every period; give it alone")
            return None
        if ".." in w:
            a, _, b = w.partition("..")
            a, b = a.strip(), b.strip()
            if not a or not b or b.startswith(".") or ".." in b:
                raise KpiError(f"--period {w}: a range is two periods with '..' between them, as in 2019-Q1..2020-Q4")
            first, last = plan.as_current(a), plan.as_current(b)
            if last < first:
                raise KpiError(f"--period {w}: the range ends ({last.label}) before it starts ({first.label})")
            out.extend(periods_between(first, last))
        else:
            out.append(plan.as_current(w))
    return out


def _run_rollup(args: argparse.Namespace, plan: Plan, wanted: list[str]) -> int:
    if getattr(args, "explain", False):
        raise KpiError("--explain explains the results of one period; give a single --period with it")
    chosen = _chosen(plan, wanted)
    when = timing.as_of(args.as_of)  # (the one place the date is read)
    data = read_data(args, plan)
    checks = plan.evaluate_periods(data, chosen, when)
    as_of = when.date
    if not checks:
        print(f"kpirules: no period to check: no {plan.kind.value} with data has closed by {as_of.isoformat()}",
              file=sys.stderr)
    if args.format == "json":
        sys.stdout.write(rollup_text(plan, as_of, checks, number_format=args.number_format))
    else:
        sys.stdout.write(render_rollup_table(plan, as_of, checks))
        seen: dict[str, None] = {}
        for results in checks:
            seen.update(dict.fromkeys(str(w) for w in results.warnings))
        for w in seen:
            print(f"kpirules: {visible(str(w))}", file=sys.stderr)
    return 1 if any(r.failing for r in checks) else 0


def check_json(results: Results, number_format: str | None = None) -> dict[str, Any]:
    """The JSON of ``check --format json`` for one period: ``Results.to_json()`` with the provenance block."""
    doc = results.to_json()
    doc["provenance"] = provenance(results, number_format=number_format, result_objects=doc["results"])
    return doc


def rollup_json(plan: Plan, as_of: datetime.date, checks: list[Results]) -> dict[str, Any]:
    """The JSON of a roll-up: each period's check (the object ``check --format json`` gives) in ``checks``,
    with the periods and the counts summed over them (``Rollup.to_json``)."""
    return Rollup(checks, plan, as_of).to_json()


def rollup_text(plan: Plan, as_of: datetime.date, checks: list[Results], *, stamp: bool = True,
                number_format: str | None = None) -> str:
    """The text of a roll-up's ``--format json``: :func:`rollup_json` written compactly, each period's
    check on a line of its own (a national roll-up runs to tens of megabytes: json's C encoder writes
    this in less than half the time the indented form takes, and a third fewer bytes).  ``stamp``: with
    the provenance block of the whole roll-up (when there is a period)."""
    doc = Rollup(checks, plan, as_of)._json_doc(shared=True)  # (a result the same in many periods: one object)
    if stamp and checks:
        objs = [o for c in doc["checks"] for o in c["results"]]
        doc["provenance"] = provenance(checks, number_format=number_format, result_objects=objs, as_of=as_of,
                                       shared=True)
    checks_doc = doc.pop("checks")
    if not checks_doc:
        return json.dumps(doc, ensure_ascii=False)[:-1] + ', "checks": []}\n'
    pieces = [json.dumps(doc, ensure_ascii=False)[:-1], ', "checks": [\n']
    known: dict[int, str] = {}  # the text of each result object, by id, made once (the doc keeps them alive)
    for i, check in enumerate(checks_doc):
        if i:
            pieces.append(",\n")
        _check_pieces(check, known, pieces)
    pieces.append("\n]}\n")
    return "".join(pieces)  # (one copy of the text, however long)


def _check_pieces(check: dict[str, Any], known: dict[int, str], pieces: list[str]) -> None:
    """The text of ``json.dumps(check, ensure_ascii=False)``, in ``pieces``, the text of each of its results
    taken from ``known`` (by id) or made and put there: an object is written as ``{"key": value, …}``
    and a list as ``[item, …]``."""
    encode = _ENCODE
    sep = "{"
    for key, value in check.items():
        pieces.append(sep)
        sep = ", "
        if key == "results":
            pieces.append('"results": [')
            for j, o in enumerate(value):
                text = known.get(id(o))
                if text is None:
                    text = known[id(o)] = encode(o)
                if j:
                    pieces.append(", ")
                pieces.append(text)
            pieces.append("]")
        else:
            pieces.append(f"{encode(key)}: {encode(value)}")
    pieces.append("}")


_ENCODE = json.JSONEncoder(ensure_ascii=False).encode  # (json.dumps(o, ensure_ascii=False), made once)


def render_rollup_table(plan: Plan, as_of: datetime.date, checks: list[Results]) -> str:
    """One line per period: the day it is judged on and how many results have each status."""
    counts = [r.counts() for r in checks]
    statuses = [s.value for s in Status if any(s.value in c for c in counts)]
    head = ("PERIOD", "JUDGED ON", *statuses)
    rows = [head] + [(r.current.label if r.current else "", r.as_of.isoformat(), *(str(c.get(s, 0)) for s in statuses))
                     for r, c in zip(checks, counts)]
    widths = [max(len(row[i]) for row in rows) for i in range(len(head))]
    lines = ["  ".join(c.rjust(w) if i >= 2 else c.ljust(w) for i, (c, w) in enumerate(zip(row, widths))).rstrip()
             for row in rows]
    failing = sum(r.failing for r in checks)
    labels = [r.current.label for r in checks if r.current]
    steps = all(b.current == a.current.next() for a, b in zip(checks, checks[1:]))  # type: ignore[union-attr]
    if not labels:
        span = "none"
    elif steps and len(labels) > 1:
        span = f"{labels[0]}…{labels[-1]}"
    else:  # one period, or periods in an order of the user's
        span = ", ".join(labels) if len(labels) <= 7 else ", ".join(labels[:6]) + f", …, {labels[-1]}"
    lines.append("")
    lines.append(f"plan {visible(str(plan.id))}, as of {as_of.isoformat()}: {len(checks)} period{'' if len(checks) == 1 else 's'} "
                 f"({span}), {failing} with a result not_met, overdue or error, or a task silent past its deadline")
    return "\n".join(lines) + "\n"


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
            texts[i] = int.__repr__(v)
        else:
            part: list[str] = []
            _encode(v, part, nl)
            texts[i] = "".join(part)
    return texts


def _at(seq: list[Any], x: object) -> Iterator[int]:
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
        out.append(_encode_str(o))  # type: ignore[arg-type]  # (t is str)
    elif o is None:
        out.append("null")
    elif o is True:
        out.append("true")
    elif o is False:
        out.append("false")
    elif t is int:
        out.append(int.__repr__(o))
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


def _numbers(r: Result, percent: set[str]) -> tuple[str, str]:
    """The VALUE and TARGET cells: a ratio rule's (a `ratio`/`change`, or a `%` target) as percentages, with
    enough decimals to show on which side of the target the value is (else `≈ rounded (exact)`); any
    other rule's exactly, unless a number of it has no exact decimal (``avg`` of a counted metric: 7/3),
    which is then shown as a decimal the same way. (The JSON keeps the exact values.)"""
    numeric = [x for x in (r.value, *(r.target if isinstance(r.target, tuple) else (r.target,)))
               if x is not None]
    if r.kind == "rule" and numeric and all(is_number(x) for x in numeric):
        pct = r.id in percent
        if pct or any("/" in format_number(x) or is_big(x) for x in numeric):  # (4,000 digits: as reports do)
            value, target, _ = shown_numbers(r.value, r.target, None, pct, "en")
            return ("" if r.value is None else value), target.replace(" – ", " … ")
    return _cell(r.value), _cell(r.target)


def render_table(results: Results) -> str:
    """A plain-text table, one line per result, then the counts."""
    head = ("STATUS", "ID", "UNIT", "PERIOD", "VALUE", "TARGET", "REASON")
    rows: list[tuple[str, ...]] = [head]
    ast = getattr(results.plan, "ast", None)
    percent = {i.id for i in (ast.items if ast is not None else ()) if isinstance(i, n.Rule) and is_percent_rule(i)}
    for r in results:
        value, target = _numbers(r, percent)
        rows.append(tuple(map(visible, (r.status.value, r.id, r.unit or "", r.period or "", value,
                                        target, r.reason or ""))))  # (data text never moves the cursor)
    widths = [max(len(row[i]) for row in rows) for i in range(len(head) - 1)]
    lines = []
    for row in rows:
        cells = [c.ljust(w) for c, w in zip(row[:-1], widths)]
        lines.append("  ".join(cells + [row[-1]]).rstrip())
    current = results.current.label if results.current else "none"
    lines.append("")
    counts = ", ".join(f"{k} {v}" for k, v in sorted(results.counts().items()))
    lines.append(f"plan {visible(str(results.plan.id))}, as of {results.as_of.isoformat()} (current period {current}): {counts}")
    return "\n".join(lines) + "\n"

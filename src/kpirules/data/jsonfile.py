"""The JSON reader of reported data, with its fast path for plain files."""

from __future__ import annotations

import itertools
import json
import re
from collections.abc import Iterator
from fractions import Fraction
from typing import Any, cast

from kpirules.data.cells import exact_int, exact_number
from kpirules.data.model import Data, Problems, FileSource, FORM_JSON, Source, Value, unit_name
from kpirules.data.tasks import read_event_row, read_task_row
from kpirules.errors import Diagnostic, KpiDataError, KpiPeriodError, Span
from kpirules.periods import Period, parse_date, parse_period
from kpirules.text import decode_text


class _Dupes(dict):  # type: ignore[type-arg]
    pass


def _pairs(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    out: dict[str, Any] = dict(pairs)
    if len(out) == len(pairs):  # no key given twice (the common case, read in C)
        return out
    out = {}
    dupes = []
    for k, v in pairs:
        if k in out:
            dupes.append(k)
        out[k] = v
    if dupes:
        d = _Dupes(out)
        d.duplicates = dupes  # type: ignore[attr-defined]
        return d
    return out


def _reject_message(name: str) -> str:
    return f"{name} is not a number kpirules accepts"


def _reject_constant(name: str) -> Any:
    raise ValueError(_reject_message(name))


#: ASCII digits to "0", to find a run of them with one ``in``
_DIGITS_TO_ZERO = bytes.maketrans(b"123456789", b"000000000")
_LONG_INT = b"0" * 31  # (exact_int reads up to 30 characters with int())


def _plain_json(text: str) -> Any:
    """The document as json's C scanner reads it alone, when that is sure to be what the hooks make; else None.

    The hooks of :func:`parse_json_data` cost a Python call per integer and
    per object.  Without them, integers are read by ``int`` (as exact_int
    reads any of up to 30 characters: so no run of 31 digits may be in the
    text), and an object given a key twice keeps the last value silently.  No
    key is given twice when the text has exactly as many ``:`` as the
    snapshot, values, task and top-level objects have keys: every key of the
    text has its own ``:``, and those objects' keys are among them.  Any
    other text (a ``:`` in a string, an object elsewhere, an error) is left to
    the hooks.
    """
    if _LONG_INT in text.encode("utf-8", "surrogatepass").translate(_DIGITS_TO_ZERO):
        return None
    try:
        doc = json.loads(text, parse_float=exact_number, parse_constant=_reject_constant)
    except (ValueError, RecursionError):
        return None
    if type(doc) is not dict:
        return None
    keys = len(doc)
    snaps, tasks = doc.get("snapshots", ()), doc.get("tasks", ())
    for obj in snaps if type(snaps) is list else ():
        if type(obj) is dict:
            values = obj.get("values")
            keys += len(obj) + (len(values) if type(values) is dict else 0)
    for rows in (tasks, doc.get("events", ())):
        for row in rows if type(rows) is list else ():
            if type(row) is dict:
                keys += len(row)
    return doc if keys == text.count(":") else None


#: the types of JSON values stored as they are (None is skipped; lists and objects are errors)
#: a JSON token that matters to the hooks' errors: a string (skipped), a bracket, a constant, a number
_TOKEN = re.compile(r'"(?:[^"\\]|\\.)*"|[\[\]{}]|-?Infinity|NaN|-?\d+(?:\.\d+)?(?:[eE][+-]?\d+)?')
#: nesting reported as too deep, where json's own reading gave up (kpirules data is 4 levels deep)
MAX_JSON_DEPTH = 100


def _offending(text: str, exc: BaseException) -> tuple[int, str] | None:
    """Where in ``text`` the value lies that made the hooks (or the nesting) fail, and the message; None if not found.

    (Looked for only once reading failed, so a good file pays nothing.)"""
    depth = 0
    for m in _TOKEN.finditer(text):
        token = m.group()
        first = token[0]
        if first == '"':
            continue
        if first in "[{":
            depth += 1
            if isinstance(exc, RecursionError) and depth > MAX_JSON_DEPTH:
                return m.start(), f"{_BEYOND}nested more than {MAX_JSON_DEPTH} levels deep (a data file is 4 levels deep)"
        elif first in "]}":
            depth -= 1
        elif isinstance(exc, RecursionError):
            continue
        elif token.lstrip("-") in ("NaN", "Infinity"):
            return m.start(), _reject_message(token)
        else:
            try:
                exact_number(token) if any(c in token for c in ".eE") else exact_int(token)
            except ValueError as err:  # (valid JSON: a number past kpirules' limits, not broken syntax)
                return m.start(), f"{_BEYOND}{err}"
    return None


#: a file that JSON reads but kpirules does not: said so, not "not valid JSON"
_BEYOND = "valid JSON, but beyond what kpirules reads: "


#: how the numbers of a JSON file are read, in its Source
JSON_NUMBERS = "numbers are JSON numbers, read exactly (no number format applies; quoted numbers are text)"
_STORED = frozenset({int, bool, str, Fraction})
_UNIT_TYPES = frozenset({str, type(None)})


def parse_json_data(text: str | bytes, filename: str | None = None) -> Data:
    """Read the JSON form of reported data.  ``bytes`` (an upload) are decoded as a file's are
    (UTF-8, with or without a byte-order mark, or UTF-16 after its mark); other bytes are a
    KpiDataError naming the line and offset."""
    if isinstance(text, (bytes, bytearray)):
        text = decode_text(bytes(text), filename or "<data>", "data file", KpiDataError)
    if not text.strip():  # (as an empty CSV: no data, not broken JSON)
        raise KpiDataError(f"{filename or '<data>'}: the file is empty{' (only white space)' if text else ''}: it "
                           "holds no snapshot, no task row and no event: there is nothing to check a plan on")
    try:
        doc = _plain_json(text)
        if doc is None:
            doc = json.loads(
                text,
                parse_float=exact_number,
                parse_int=exact_int,
                parse_constant=_reject_constant,
                object_pairs_hook=_pairs,
            )
    except json.JSONDecodeError as exc:
        lines = text.split("\n")
        src = lines[exc.lineno - 1] if 0 < exc.lineno <= len(lines) else None
        diag = Diagnostic(f"not valid JSON: {exc.msg}", Span(exc.lineno, exc.colno, file=filename), source_line=src)
        raise KpiDataError.from_diagnostics([diag]) from None
    except (ValueError, RecursionError) as exc:
        at = _offending(text, exc)
        if at is None:
            raise KpiDataError(f"{filename or '<data>'}: not valid JSON: {exc}") from None
        offset, message = at
        line = text.count("\n", 0, offset) + 1
        column = offset - text.rfind("\n", 0, offset)
        src = text.split("\n")[line - 1]
        said = message if message.startswith(_BEYOND) else f"not valid JSON: {message}"
        diag = Diagnostic(said, Span(line, column, file=filename),
                          source_line=src if len(src) <= 500 else None)
        raise KpiDataError.from_diagnostics([diag]) from None
    data = Data()
    data.files.append(filename or "<data>")
    problems = Problems()

    def bad(path: str, message: str) -> None:
        problems.append(Diagnostic(f"{filename or '<data>'}: {path}: {message}"))

    if not isinstance(doc, dict):
        bad("$", 'expected an object with "snapshots" and/or "tasks"')
        raise KpiDataError.from_diagnostics(problems.final())
    _dupes(doc, "$", bad)
    unknown = set(doc) - {"snapshots", "tasks", "events", "plan", "comment", "description", "source"}
    for k in sorted(unknown):
        bad(f"$.{k}", 'unknown key; expected "snapshots", "tasks" or "events"')
    snaps = doc.get("snapshots", [])
    if not isinstance(snaps, list):
        bad("$.snapshots", "expected a list of snapshots")
        snaps = []
    data.sources.origin(filename, FORM_JSON)  # origin 0: a value's source is its snapshot's index
    by_snapshot = data.sources.by_snapshot
    snapshots, periods, units = data.snapshots, data.periods, data.units
    named: set[str] = set()  # metric names seen to be non-empty
    period_of: dict[str, Period] = {}  # each distinct label read once
    unit_of: dict[str, str] = {}  # each distinct unit name stripped (and kept) once
    if _plain_snapshots(snaps, data):
        snaps = []  # (all read)
    for i, obj in enumerate(snaps):
        if not isinstance(obj, dict):
            bad(f"$.snapshots[{i}]", 'expected an object {"period": …, "values": {…}}')
            continue
        if type(obj) is _Dupes:
            _dupes(obj, f"$.snapshots[{i}]", bad)
        label = obj.get("period")
        period = period_of.get(label) if type(label) is str else None
        if period is None:
            period = _json_period(label, f"$.snapshots[{i}].period", bad)
            if period is not None:
                period_of[label] = period
        unit = obj.get("unit")
        if unit is not None and (not isinstance(unit, str) or not unit.strip()):
            bad(f"$.snapshots[{i}].unit", "expected a unit name (text) or no unit")
            continue
        values = obj.get("values", {})
        if not isinstance(values, dict):
            bad(f"$.snapshots[{i}].values", "expected an object of metric: value")
            continue
        if not _SNAPSHOT_KEYS.issuperset(obj):
            for k in sorted(set(obj) - _SNAPSHOT_KEYS - {"submitted"}):
                bad(f"$.snapshots[{i}].{k}", 'unknown key; a snapshot has "period", "unit", "values" '
                                             'and maybe "submitted"')
        sent = obj.get("submitted")  # (not in _SNAPSHOT_KEYS: a file that has it is read here, not in one step)
        day = None
        if sent is not None:
            try:
                day = parse_date(sent) if isinstance(sent, str) else None
            except KpiPeriodError as exc:
                bad(f"$.snapshots[{i}].submitted", str(exc).splitlines()[0])
                continue
            if day is None:
                bad(f"$.snapshots[{i}].submitted", "expected the date the report was sent, 2021-01-18 or 18/01/2021")
                continue
        if period is None:
            continue
        if unit is not None:
            unit = unit_of.get(unit) or unit_of.setdefault(unit, unit_name(unit))  # type: ignore[arg-type]
            if unit not in units:
                data.unit_sources.setdefault(unit, Source(filename, f"$.snapshots[{i}].unit"))
            units.setdefault(unit, None)
        key = (period.key, unit)  # add_snapshot
        periods.setdefault(key[0], period)
        if day is not None:
            data.submitted[key] = max(day, data.submitted.get(key, day))
        snap = snapshots.setdefault(key, {})
        if type(values) is _Dupes:
            _dupes(values, f"$.snapshots[{i}].values", bad)
        # a new snapshot's values all come from $.snapshots[i]: one int stands for all their sources
        srcs = None if not snap and key not in by_snapshot else data.sources.expand(key)
        if srcs is None and named.issuperset(values) and _STORED.issuperset(map(type, values.values())):
            snap.update(values)  # every name good and every value stored as it is: in one step
            values = {}
        for metric, value in values.items():
            if value is None:
                continue
            if isinstance(value, (list, dict)):
                bad(f"$.snapshots[{i}].values.{metric}", "expected a number, true/false, text or null")
                continue
            if metric not in named:
                if not isinstance(metric, str) or not metric.strip():
                    bad(f"$.snapshots[{i}].values.{metric}", "a metric needs a name")
                    continue
                named.add(metric)
            if srcs is None:
                snap[metric] = value  # (the keys of a JSON object are distinct)
            elif metric in snap:  # i is the compact source of origin 0: $.snapshots[i].values.<metric>
                data.conflict(period, unit, metric, value, i, problems)
            else:
                snap[metric] = value
                srcs[metric] = i
        if srcs is None:
            names = frozenset(snap)
            by_snapshot[key] = i
            data.sources.names[key] = data.sources.share(names)
    for path, row in _rows(doc, "tasks", "task rows", '{"task": …, "status": …, "date": …}', bad):
        fields = {k: (v if not isinstance(v, (int, Fraction)) or isinstance(v, bool) else str(v))
                  for k, v in row.items()}
        r = read_task_row(fields, Source(filename, path), lambda field, msg, p=path: bad(f"{p}.{field}", msg))
        if r is not None:
            data.task_rows.append(r)
    for path, row in _rows(doc, "events", 'events {"event": …, "date": …}', '{"event": …, "date": …}', bad):
        e = read_event_row(row, Source(filename, path), lambda field, msg, p=path: bad(f"{p}.{field}", msg))
        if e is not None:
            data.events.append(e)
    if problems:
        err = KpiDataError.from_diagnostics(problems.final())
        err.partial = data  # type: ignore[attr-defined]
        raise err
    name = filename or "<data>"
    data.file_sources[name] = FileSource(name, notes=(JSON_NUMBERS,))
    return data


def _plain_snapshots(snaps: list[Any], data: Data) -> bool:
    """Read a list of plain snapshots into a fresh Data a field at a time; False (and nothing read) if not plain.

    Plain: every snapshot an object with "period" (a label that reads),
    "values" (an object of named numbers, booleans and text: no null) and
    maybe "unit" (a name), and no two for the same period and unit.  Then the
    loop of :func:`parse_json_data` would store each values object as it is,
    and this does the same in a few passes in C: each distinct label and unit
    is read once, and each values object becomes its snapshot's dict.  Any
    other list is left to that loop, which says what is wrong.
    """
    get, repeat, chain = dict.get, itertools.repeat, itertools.chain.from_iterable
    if not snaps or set(map(type, snaps)) != {dict} or not all(map(_SNAPSHOT_KEYS.issuperset, snaps)):
        return False
    values = cast("list[dict[str, Value]]", list(map(get, snaps, repeat("values"))))  # (checked next)
    if set(map(type, values)) != {dict} or not _STORED.issuperset(map(type, chain(map(dict.values, values)))):
        return False
    if not all(map(str.strip, set(chain(values)))):  # (the keys of a JSON object are text)
        return False
    labels = cast("list[str]", list(map(get, snaps, repeat("period"))))  # (both checked next)
    raw_units = cast("list[str | None]", list(map(get, snaps, repeat("unit"))))
    if set(map(type, labels)) != {str} or not _UNIT_TYPES.issuperset(map(type, raw_units)):
        return False  # (and a list or an object cannot be a dict key)
    period_of: dict[str, Period] = {}
    for label in dict.fromkeys(labels):  # each distinct label, in order of first appearance
        try:
            period_of[label] = parse_period(label)
        except KpiPeriodError:
            return False
    unit_of: dict[str | None, str | None] = {None: None}
    for raw in dict.fromkeys(raw_units):
        if raw is not None:
            if not raw.strip():
                return False
            unit_of[raw] = unit_name(raw)
    unit_list = list(map(unit_of.__getitem__, raw_units))
    keys = list(zip((p.key for p in map(period_of.__getitem__, labels)), unit_list))
    snapshots = dict(zip(keys, values))
    if len(snapshots) != len(keys):  # a snapshot given twice: the loop merges them
        return False
    data.snapshots.update(snapshots)
    for period in period_of.values():
        data.periods.setdefault(period.key, period)
    data.units.update(dict.fromkeys(u for u in unit_list if u is not None))
    names: list[frozenset[str]] = list(map(frozenset, values))  # origin 0: a value's source is its snapshot's index
    data.sources.by_snapshot.update(zip(keys, itertools.count()))
    data.sources.names.update(zip(keys, map(data.sources.share, names)))
    return True


def _dupes(obj: dict[str, Any], path: str, bad: Any) -> None:
    for k in getattr(obj, "duplicates", ()):
        bad(f"{path}.{k}", "this key is given twice in the same object")


def _json_period(value: Any, path: str, bad: Any) -> Period | None:
    if not isinstance(value, str):
        bad(path, "expected a period label such as \"2020-Q4\"")
        return None
    try:
        return parse_period(value)
    except KpiPeriodError as exc:
        bad(path, str(exc).splitlines()[0])
        return None


_SNAPSHOT_KEYS = frozenset({"period", "unit", "values", "note", "source"})


def _rows(doc: dict[str, Any], key: str, listed: str, shape: str, bad: Any) -> Iterator[tuple[str, dict[str, Any]]]:
    """(``$.key[i]``, row) of each object of the list ``doc[key]``; ``bad`` told of what is not one."""
    rows = doc.get(key, [])
    if not isinstance(rows, list):
        bad(f"$.{key}", f"expected a list of {listed}")
        return
    for i, row in enumerate(rows):
        path = f"$.{key}[{i}]"
        if isinstance(row, dict):
            yield path, row
        else:
            bad(path, f"expected an object {shape}")

"""Reported data: snapshots of metric values and task progress rows.

Two forms are read (see docs/data.md):

* JSON: ``{"snapshots": [{"period", "unit"?, "values": {...}}], "tasks": [...]}``
* CSV, long form: ``period,unit,metric,value`` (one value a row), and task
  rows ``task,status,date,note`` (optional ``unit``, ``period``).

Numbers are read exactly from their decimal text, never through float.  The
same period, unit and metric given twice with different values is an error
naming both places.  Every problem of a file is collected and raised at once
as a :class:`~kpirules.errors.KpiDataError`.
"""

from __future__ import annotations

import csv
import datetime
import io
import json
import os
import re
from collections.abc import Iterable, Iterator
from fractions import Fraction
from typing import Any, Union

import attrs

from .errors import Diagnostic, KpiDataError, KpiPeriodError, Span
from .periods import Kind, Period, parse_period

__all__ = [
    "Value",
    "Source",
    "TaskRow",
    "Data",
    "load_data",
    "parse_json_data",
    "parse_csv_data",
    "parse_cell",
    "DONE",
]

#: a reported value: an exact number (int or Fraction), a boolean or text
Value = Union[int, Fraction, bool, str]
PeriodKey = tuple[Kind, int, int]

DONE = "done"


@attrs.frozen
class Source:
    """Where a value came from: the file and a row number or a JSON path."""

    file: str | None
    where: str

    def __str__(self) -> str:
        return f"{self.file or '<data>'}: {self.where}"


@attrs.frozen
class TaskRow:
    """One progress row of a task: its status word and the date it was reported."""

    task: str
    status: str
    date: datetime.date | None
    period: Period | None = None
    unit: str | None = None
    note: str | None = None
    source: Source | None = attrs.field(default=None, eq=False)

    @property
    def is_done(self) -> bool:
        return self.status == DONE

    def date_in(self, scheme: Any) -> datetime.date | None:
        """The row's date; a row that gives only a period is dated at its end."""
        if self.date is not None:
            return self.date
        if self.period is not None:
            return self.period.with_scheme(scheme).end
        return None


class Data:
    """Snapshots indexed by (period key, unit) → {metric: value}, plus task rows.

    ``unit`` is ``None`` for plan-level values.  Period keys are scheme-free
    (``Period.key``), so the same data serves any window scheme.
    """

    def __init__(self) -> None:
        self.snapshots: dict[tuple[PeriodKey, str | None], dict[str, Value]] = {}
        self.sources: dict[tuple[PeriodKey, str | None, str], Source] = {}
        self.periods: dict[PeriodKey, Period] = {}
        self.units: dict[str, None] = {}  # ordered set, in order of first appearance
        self.task_rows: list[TaskRow] = []
        self.files: list[str] = []

    # --- building
    def add(self, period: Period, unit: str | None, metric: str, value: Value, source: Source,
            problems: list[Diagnostic] | None = None) -> None:
        """Add one value; a different value for the same cell is a problem naming both places."""
        key = period.key
        self.periods.setdefault(key, period)
        if unit is not None:
            self.units.setdefault(unit, None)
        snap = self.snapshots.setdefault((key, unit), {})
        if metric in snap:
            old = snap[metric]
            if not _same(old, value):
                first = self.sources.get((key, unit, metric))
                who = f"unit {unit}" if unit is not None else "the plan level"
                diag = Diagnostic(
                    f"{source}: {metric} for {period.label} ({who}) is {_show(value)} here "
                    f"but {_show(old)} at {first}"
                )
                if problems is None:
                    raise KpiDataError.from_diagnostics([diag])
                problems.append(diag)
            return
        snap[metric] = value
        self.sources[(key, unit, metric)] = source

    def add_snapshot(self, period: Period, unit: str | None, source: Source) -> None:
        """Record that a snapshot exists, even with no values (a unit that reported nothing)."""
        self.periods.setdefault(period.key, period)
        if unit is not None:
            self.units.setdefault(unit, None)
        self.snapshots.setdefault((period.key, unit), {})

    def merge(self, other: Data) -> None:
        problems: list[Diagnostic] = []
        for (key, unit), values in other.snapshots.items():
            period = other.periods[key]
            if not values:
                self.add_snapshot(period, unit, Source(None, ""))
            for metric, value in values.items():
                self.add(period, unit, metric, value, other.sources[(key, unit, metric)], problems)
        for unit in other.units:
            self.units.setdefault(unit, None)
        self.task_rows.extend(other.task_rows)
        self.files.extend(other.files)
        if problems:
            raise KpiDataError.from_diagnostics(problems)

    # --- reading
    def value(self, metric: str, key: PeriodKey, unit: str | None = None) -> Value | None:
        snap = self.snapshots.get((key, unit))
        if snap is None:
            return None
        return snap.get(metric)

    def source(self, metric: str, key: PeriodKey, unit: str | None = None) -> Source | None:
        return self.sources.get((key, unit, metric))

    def has_snapshot(self, key: PeriodKey, unit: str | None = None) -> bool:
        return (key, unit) in self.snapshots

    def units_reporting(self, key: PeriodKey) -> list[str]:
        """The units with a snapshot for the period, in order of first appearance."""
        return [u for u in self.units if (key, u) in self.snapshots]

    def metrics(self) -> set[str]:
        return {m for snap in self.snapshots.values() for m in snap}

    def reports_per_unit(self, metric: str, key: PeriodKey) -> bool:
        return any(metric in self.snapshots.get((key, u), ()) for u in self.units)

    def tasks_for(self, task_id: str) -> list[TaskRow]:
        return [r for r in self.task_rows if r.task == task_id]

    def __repr__(self) -> str:
        return (f"<Data {len(self.snapshots)} snapshots, {len(self.units)} units, "
                f"{len(self.task_rows)} task rows>")


def _same(a: Value, b: Value) -> bool:
    return type(a) is type(b) and a == b or (
        not isinstance(a, (bool, str)) and not isinstance(b, (bool, str)) and a == b
    )


def _show(v: Value) -> str:
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, str):
        return json.dumps(v, ensure_ascii=False)
    from .values import format_number

    return format_number(v)


# --- cells ------------------------------------------------------------------

_NUMBER_RE = re.compile(r"[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?")
_TRUE = {"true"}
_FALSE = {"false"}


def parse_cell(text: str) -> Value | None:
    """Read one CSV cell: a number, ``20%``, ``true``/``false``, empty (missing) or text."""
    s = text.strip()
    if not s:
        return None
    if _NUMBER_RE.fullmatch(s):
        return _exact(s)
    if s.endswith("%") and _NUMBER_RE.fullmatch(s[:-1].strip()):
        return _normal(Fraction(s[:-1].strip()) / 100)
    low = s.lower()
    if low in _TRUE:
        return True
    if low in _FALSE:
        return False
    return s


def _exact(text: str) -> int | Fraction:
    if "e" in text.lower():
        mantissa, _, exp = text.lower().partition("e")
        if abs(int(exp)) > 400:
            raise ValueError(f"exponent too large in {text!r}")
    return _normal(Fraction(text))


def _normal(f: Fraction) -> int | Fraction:
    return f.numerator if f.denominator == 1 else f


# --- JSON -------------------------------------------------------------------


class _Dupes(dict):  # type: ignore[type-arg]
    pass


def _pairs(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    out: dict[str, Any] = {}
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


def _reject_constant(name: str) -> Any:
    raise ValueError(f"{name} is not a number kpirules accepts")


def parse_json_data(text: str, filename: str | None = None) -> Data:
    """Read the JSON form of reported data."""
    try:
        doc = json.loads(
            text,
            parse_float=lambda s: _exact(s),
            parse_int=lambda s: _exact(s),
            parse_constant=_reject_constant,
            object_pairs_hook=_pairs,
        )
    except json.JSONDecodeError as exc:
        lines = text.split("\n")
        src = lines[exc.lineno - 1] if 0 < exc.lineno <= len(lines) else None
        diag = Diagnostic(f"not valid JSON: {exc.msg}", Span(exc.lineno, exc.colno, file=filename), source_line=src)
        raise KpiDataError.from_diagnostics([diag]) from None
    except (ValueError, RecursionError) as exc:
        raise KpiDataError(f"{filename or '<data>'}: not valid JSON: {exc}") from None
    data = Data()
    data.files.append(filename or "<data>")
    problems: list[Diagnostic] = []

    def bad(path: str, message: str) -> None:
        problems.append(Diagnostic(f"{filename or '<data>'}: {path}: {message}"))

    if not isinstance(doc, dict):
        bad("$", 'expected an object with "snapshots" and/or "tasks"')
        raise KpiDataError.from_diagnostics(problems)
    _dupes(doc, "$", bad)
    unknown = set(doc) - {"snapshots", "tasks", "plan", "comment", "description", "source"}
    for k in sorted(unknown):
        bad(f"$.{k}", 'unknown key; expected "snapshots" or "tasks"')
    snaps = doc.get("snapshots", [])
    if not isinstance(snaps, list):
        bad("$.snapshots", "expected a list of snapshots")
        snaps = []
    for i, snap in enumerate(snaps):
        path = f"$.snapshots[{i}]"
        if not isinstance(snap, dict):
            bad(path, 'expected an object {"period": …, "values": {…}}')
            continue
        _dupes(snap, path, bad)
        period = _json_period(snap.get("period"), f"{path}.period", bad)
        unit = snap.get("unit")
        if unit is not None and (not isinstance(unit, str) or not unit.strip()):
            bad(f"{path}.unit", "expected a unit name (text) or no unit")
            continue
        values = snap.get("values", {})
        if not isinstance(values, dict):
            bad(f"{path}.values", "expected an object of metric: value")
            continue
        extra = set(snap) - {"period", "unit", "values", "note", "source"}
        for k in sorted(extra):
            bad(f"{path}.{k}", 'unknown key; a snapshot has "period", "unit" and "values"')
        if period is None:
            continue
        unit = unit.strip() if isinstance(unit, str) else None
        data.add_snapshot(period, unit, Source(filename, path))
        _dupes(values, f"{path}.values", bad)
        for metric, value in values.items():
            vpath = f"{path}.values.{metric}"
            if value is None:
                continue
            if isinstance(value, (list, dict)):
                bad(vpath, "expected a number, true/false, text or null")
                continue
            if not isinstance(metric, str) or not metric.strip():
                bad(vpath, "a metric needs a name")
                continue
            data.add(period, unit, metric, value, Source(filename, vpath), problems)
    tasks = doc.get("tasks", [])
    if not isinstance(tasks, list):
        bad("$.tasks", "expected a list of task rows")
        tasks = []
    for i, row in enumerate(tasks):
        path = f"$.tasks[{i}]"
        if not isinstance(row, dict):
            bad(path, 'expected an object {"task": …, "status": …, "date": …}')
            continue
        fields = {k: (v if not isinstance(v, (int, Fraction)) or isinstance(v, bool) else str(v))
                  for k, v in row.items()}
        r = _task_row(fields, Source(filename, path), lambda field, msg, p=path: bad(f"{p}.{field}", msg))
        if r is not None:
            data.task_rows.append(r)
    if problems:
        raise KpiDataError.from_diagnostics(problems)
    return data


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


_TASK_FIELDS = {"task", "status", "date", "done_on", "period", "unit", "note", "source"}


def _task_row(fields: dict[str, Any], source: Source, bad: Any) -> TaskRow | None:
    ok = True
    for k in sorted(set(fields) - _TASK_FIELDS):
        bad(k, "unknown field; a task row has task, status, date (or done_on), period, unit, note")
        ok = False
    task = fields.get("task")
    if not isinstance(task, str) or not task.strip():
        bad("task", "expected the task's id")
        ok = False
    status = fields.get("status")
    if not isinstance(status, str) or not status.strip():
        bad("status", 'expected a status word such as "done" or "in_progress"')
        ok = False
    date = None
    for name in ("done_on", "date"):
        raw = fields.get(name)
        if raw in (None, ""):
            continue
        if not isinstance(raw, str):
            bad(name, "expected a date YYYY-MM-DD")
            ok = False
            continue
        try:
            d = datetime.date.fromisoformat(raw.strip())
        except ValueError:
            bad(name, f"{raw!r} is not a date YYYY-MM-DD")
            ok = False
            continue
        if date is not None and d != date:
            bad(name, "done_on and date disagree")
            ok = False
        date = d
    period = None
    raw_period = fields.get("period")
    if raw_period not in (None, ""):
        if not isinstance(raw_period, str):
            bad("period", "expected a period label")
            ok = False
        else:
            try:
                period = parse_period(raw_period)
            except KpiPeriodError as exc:
                bad("period", str(exc).splitlines()[0])
                ok = False
    if ok and date is None and period is None:
        bad("date", "a task row needs a date (or a period)")
        ok = False
    unit = fields.get("unit")
    note = fields.get("note")
    if not ok:
        return None
    word = status.strip().lower().replace(" ", "_").replace("-", "_")  # type: ignore[union-attr]
    return TaskRow(
        task.strip(),  # type: ignore[union-attr]
        word,
        date,
        period,
        unit.strip() if isinstance(unit, str) and unit.strip() else None,
        note if isinstance(note, str) and note else None,
        source,
    )


# --- CSV --------------------------------------------------------------------

_VALUE_HEADER = ("period", "unit", "metric", "value")


def parse_csv_data(text: str, filename: str | None = None) -> Data:
    """Read a CSV file: long-form values, or task rows (a header with ``task``)."""
    if text.startswith("\ufeff"):
        text = text[1:]
    first = text.split("\n", 1)[0]
    delimiter = ";" if first.count(";") > first.count(",") else ","
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    data = Data()
    data.files.append(filename or "<data>")
    problems: list[Diagnostic] = []
    lines = text.splitlines()

    def bad(line: int, message: str) -> None:
        src = lines[line - 1] if 0 < line <= len(lines) else None
        problems.append(Diagnostic(message, Span(line, 1, file=filename), source_line=src))

    try:
        header = next(reader, None)
    except csv.Error as exc:
        raise KpiDataError(f"{filename or '<data>'}:1: not valid CSV: {exc}") from None
    if header is None:
        return data
    names = [h.strip().lower() for h in header]
    if "task" in names:
        kind = "task"
        needed = ("task", "status")
    else:
        kind = "value"
        needed = ("period", "metric", "value")
    missing = [h for h in needed if h not in names]
    if missing:
        bad(1, f"the header lacks {', '.join(missing)}; expected "
            f"{','.join(_VALUE_HEADER)} (values) or task,status,date,note (tasks)")
        raise KpiDataError.from_diagnostics(problems)
    col = {name: i for i, name in enumerate(names)}
    try:
        for row in reader:
            line = reader.line_num
            if not row or all(not c.strip() for c in row):
                continue
            if len(row) > len(names) and any(c.strip() for c in row[len(names):]):
                bad(line, f"this row has {len(row)} cells but the header has {len(names)}")
                continue
            cells = {name: (row[i] if i < len(row) else "") for name, i in col.items()}
            if kind == "task":
                r = _task_row(
                    {k: v for k, v in cells.items() if v.strip()},
                    Source(filename, f"row {line}"),
                    lambda field, msg, ln=line: bad(ln, f"column {field}: {msg}"),
                )
                if r is not None:
                    data.task_rows.append(r)
                continue
            label = cells["period"].strip()
            try:
                period = parse_period(label)
            except KpiPeriodError as exc:
                bad(line, f"column period: {str(exc).splitlines()[0]}")
                continue
            unit = cells.get("unit", "").strip() or None
            metric = cells["metric"].strip()
            if not metric:
                bad(line, "column metric is empty")
                continue
            try:
                value = parse_cell(cells["value"])
            except (ValueError, ZeroDivisionError) as exc:
                bad(line, f"column value: {exc}")
                continue
            data.add_snapshot(period, unit, Source(filename, f"row {line}"))
            if value is None:
                continue
            data.add(period, unit, metric, value, Source(filename, f"row {line}"), problems)
    except csv.Error as exc:
        bad(reader.line_num, f"not valid CSV: {exc}")
    if problems:
        raise KpiDataError.from_diagnostics(problems)
    return data


# --- files ------------------------------------------------------------------


def _read_text(path: str) -> str:
    try:
        with open(path, "rb") as fh:
            raw = fh.read()
    except OSError as exc:
        raise KpiDataError(f"{path}: cannot read the data file: {exc.strerror or exc}") from None
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        raise KpiDataError(
            f"{path}:{line}: the file is not UTF-8 (byte 0x{raw[exc.start]:02x} at offset {exc.start}); "
            "save it as UTF-8 (in Excel: CSV UTF-8)"
        ) from None


def load_data(paths: str | os.PathLike[str] | Iterable[str | os.PathLike[str]]) -> Data:
    """Read reported data from one or more JSON or CSV files (chosen by extension).

    Several files are merged; a value given in two files with different
    contents is an error naming both.
    """
    if isinstance(paths, (str, os.PathLike)):
        paths = [paths]
    merged = Data()
    problems: list[str] = []
    for p in paths:
        path = os.fspath(p)
        try:
            text = _read_text(path)
            ext = os.path.splitext(path)[1].lower()
            if ext == ".json":
                data = parse_json_data(text, path)
            elif ext in (".csv", ".txt"):
                data = parse_csv_data(text, path)
            else:
                stripped = text.lstrip()
                data = parse_json_data(text, path) if stripped.startswith("{") else parse_csv_data(text, path)
            merged.merge(data)
        except KpiDataError as exc:
            problems.append(str(exc))
    if problems:
        raise KpiDataError("\n".join(problems))
    return merged


def iter_values(data: Data) -> Iterator[tuple[Period, str | None, str, Value]]:
    for (key, unit), snap in data.snapshots.items():
        for metric, value in snap.items():
            yield data.periods[key], unit, metric, value

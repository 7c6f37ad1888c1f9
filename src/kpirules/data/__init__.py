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
import itertools
import json
import os
import re
import unicodedata
from collections.abc import Iterable, Iterator, MutableMapping
from fractions import Fraction
from typing import Any, Union

import attrs

from kpirules.text import fold
from kpirules.errors import Diagnostic, KpiDataError, KpiPeriodError, Span
from kpirules.periods import Kind, Period, parse_period

__all__ = [
    "Value",
    "Source",
    "TaskRow",
    "Data",
    "load_data",
    "parse_json_data",
    "parse_csv_data",
    "parse_cell",
    "parse_number",
    "NUMBER_FORMATS",
    "DONE",
]

#: a reported value: an exact number (int or Fraction), a boolean or text
Value = Union[int, Fraction, bool, str]
PeriodKey = tuple[Kind, int, int]

DONE = "done"

#: the status words a task row may carry, by canonical word; matched ignoring case,
#: Vietnamese diacritics, and `_`/`-`/space differences
TASK_STATUS_WORDS: dict[str, tuple[str, ...]] = {
    "done": ("done", "hoàn thành", "đã hoàn thành", "completed", "finished", "xong", "đã xong"),
    "in_progress": ("in_progress", "đang thực hiện", "đang triển khai", "in progress", "ongoing", "started"),
    "not_started": ("not_started", "chưa thực hiện", "chưa triển khai", "not started", "planned",
                    "chưa bắt đầu"),
    "delayed": ("delayed", "chậm tiến độ", "chậm", "behind schedule"),
    "stuck": ("stuck", "vướng mắc", "gặp khó khăn", "blocked"),
    "suspended": ("suspended", "tạm dừng", "tạm dừng thực hiện", "on hold", "paused"),
}


def _fold(text: str) -> str:
    """Lower case, no Vietnamese diacritics (đ → d), words joined by single spaces."""
    return " ".join(fold(text).replace("_", " ").replace("-", " ").split())


_STATUS_BY_WORD = {_fold(w): key for key, words in TASK_STATUS_WORDS.items() for w in words}


def task_status(word: str) -> str | None:
    """The canonical status of a task row's word (``"Hoàn thành"`` → ``"done"``), or None."""
    return _STATUS_BY_WORD.get(_fold(word))


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


# A value's source is kept compact: an int ``origin << _NUMBER_BITS | number``, where ``origin``
# indexes (file, form) in the map's origin list and ``number`` is a CSV row or a JSON snapshot
# index.  For the first origin of a Data (every freshly read file) that is the number itself,
# the very int object the reader counted with.  The Source object is built only when asked
# for (Data.source, data.sources[...]).
_NUMBER_BITS = 40
_NUMBER_MASK = (1 << _NUMBER_BITS) - 1
_MAX_ORIGINS = 1 << 20
_ROW = 0  # Source(file, "row N")
_JSON = 1  # Source(file, "$.snapshots[N].values.<metric>")


class _Sources(MutableMapping):  # type: ignore[type-arg]
    """(period key, unit, metric) → :class:`Source`, stored compactly and built on demand.

    A mapping like the plain dict it replaces (get, pop, item assignment,
    iteration), so code that edits ``data.sources`` keeps working.  For each
    snapshot it holds {metric: Source or compact int}, or one compact int
    with the snapshot's metric names in ``names``:

    * a frozenset: every one of those metrics has that source (a JSON
      snapshot: its index);
    * a tuple: the metrics in row order, the i-th on the i-th row from that
      one (CSV values on consecutive rows).

    The names are shared by the snapshots that have the same ones, and no
    object is made per snapshot: a long file's snapshots cost the collector
    nothing more to look at.
    """

    __slots__ = ("by_snapshot", "names", "origins", "_shared")

    def __init__(self) -> None:
        #: (period key, unit) → {metric: Source or compact int}, or a compact int
        self.by_snapshot: dict[tuple[PeriodKey, str | None], dict[str, Source | int] | int] = {}
        #: the metric names of each snapshot stored as one compact int
        self.names: dict[tuple[PeriodKey, str | None], frozenset[str] | tuple[str, ...]] = {}
        #: (file, form) of each compact origin index
        self.origins: list[tuple[str | None, int]] = []
        self._shared: dict[Any, Any] = {}  # each distinct set (or row order) of names, kept once

    def share(self, names: Any) -> Any:
        """The one kept copy of these names (a frozenset or a tuple)."""
        return self._shared.setdefault(names, names)

    def run(self, snapshot: tuple[PeriodKey, str | None], row: int, snap: dict[str, Value]) -> None:
        """The metrics of ``snap``, in its order, are on rows ``row``, ``row + 1``, … (compact ints)."""
        self.by_snapshot[snapshot] = row
        self.names[snapshot] = self.share(tuple(snap))

    def origin(self, file: str | None, form: int) -> int | None:
        """The index of a new origin; None if there are too many (then Source objects are kept)."""
        if len(self.origins) >= _MAX_ORIGINS:
            return None
        self.origins.append((file, form))
        return len(self.origins) - 1

    def build(self, raw: Source | int, metric: str) -> Source:
        if type(raw) is not int:
            return raw  # type: ignore[return-value]
        file, form = self.origins[raw >> _NUMBER_BITS]
        number = raw & _NUMBER_MASK
        if form == _ROW:
            return Source(file, f"row {number}")
        return Source(file, f"$.snapshots[{number}].values.{metric}")

    def raw(self, snapshot: tuple[PeriodKey, str | None], metric: str) -> Source | int | None:
        """The stored (maybe compact) source of a value, or None."""
        srcs = self.by_snapshot.get(snapshot)
        if srcs is None:
            return None
        if type(srcs) is int:
            names = self.names[snapshot]
            if type(names) is tuple:  # a run of rows
                try:
                    return srcs + names.index(metric)
                except ValueError:
                    return None
            return srcs if metric in names else None
        return srcs.get(metric)  # type: ignore[union-attr]

    def expand(self, snapshot: tuple[PeriodKey, str | None]) -> dict[str, Source | int]:
        """The {metric: source} dict of a snapshot, made one if it has none or a compact int."""
        srcs = self.by_snapshot.get(snapshot)
        if type(srcs) is dict:
            return srcs
        out: dict[str, Source | int] = {}
        if srcs is not None:
            names = self.names.pop(snapshot)
            out = (dict(zip(names, range(srcs, srcs + len(names)))) if type(names) is tuple  # type: ignore[operator]
                   else dict.fromkeys(names, srcs))
        self.by_snapshot[snapshot] = out
        return out

    def __getitem__(self, k: tuple[PeriodKey, str | None, str]) -> Source:
        key, unit, metric = k
        raw = self.raw((key, unit), metric)
        if raw is None:
            raise KeyError(k)
        return self.build(raw, metric)

    def get(self, k: tuple[PeriodKey, str | None, str], default: Any = None) -> Any:
        key, unit, metric = k
        raw = self.raw((key, unit), metric)
        return default if raw is None else self.build(raw, metric)

    def __setitem__(self, k: tuple[PeriodKey, str | None, str], source: Source) -> None:
        key, unit, metric = k
        self.expand((key, unit))[metric] = source

    def __delitem__(self, k: tuple[PeriodKey, str | None, str]) -> None:
        key, unit, metric = k
        if self.raw((key, unit), metric) is None:
            raise KeyError(k)
        del self.expand((key, unit))[metric]

    def __contains__(self, k: object) -> bool:
        try:
            key, unit, metric = k  # type: ignore[misc]
            return self.raw((key, unit), metric) is not None
        except (TypeError, ValueError):
            return False

    def __iter__(self) -> Iterator[tuple[PeriodKey, str | None, str]]:
        for (key, unit), srcs in self.by_snapshot.items():
            metrics = self.names[(key, unit)] if type(srcs) is int else srcs
            for metric in metrics:  # type: ignore[union-attr]
                yield (key, unit, metric)

    def __len__(self) -> int:
        return sum(1 for _ in self)

    def __repr__(self) -> str:
        return f"<sources of {len(self)} values>"


class Data:
    """Snapshots indexed by (period key, unit) → {metric: value}, plus task rows.

    ``unit`` is ``None`` for plan-level values.  Period keys are scheme-free
    (``Period.key``), so the same data serves any window scheme.
    ``sources`` maps (period key, unit, metric) to the :class:`Source` of a
    value; it stores row numbers and JSON paths compactly and builds each
    Source when asked for.
    """

    def __init__(self) -> None:
        self.snapshots: dict[tuple[PeriodKey, str | None], dict[str, Value]] = {}
        self.sources: _Sources = _Sources()
        self.periods: dict[PeriodKey, Period] = {}
        self.units: dict[str, None] = {}  # ordered set, in order of first appearance
        self.task_rows: list[TaskRow] = []
        self.files: list[str] = []

    # --- building
    def add(self, period: Period, unit: str | None, metric: str, value: Value, source: Source,
            problems: list[Diagnostic] | None = None) -> None:
        """Add one value; a different value for the same cell is a problem naming both places."""
        self._add(period, unit, metric, value, source, problems)

    def _add(self, period: Period, unit: str | None, metric: str, value: Value, source: Source | int,
             problems: list[Diagnostic] | None) -> None:
        """add(), with a source that may be compact (an int of this Data's ``sources``)."""
        key = period.key
        self.periods.setdefault(key, period)
        if unit is not None:
            self.units.setdefault(unit, None)
        snap = self.snapshots.setdefault((key, unit), {})
        if metric in snap:
            self._conflict(period, unit, metric, value, source, problems)
            return
        snap[metric] = value
        self.sources.expand((key, unit))[metric] = source

    def _conflict(self, period: Period, unit: str | None, metric: str, value: Value, source: Source | int,
                  problems: list[Diagnostic] | None) -> None:
        """A second value for a cell that has one: a problem naming both places if they differ."""
        old = self.snapshots[(period.key, unit)][metric]
        if _same(old, value):
            return
        first = self.sources.get((period.key, unit, metric))
        here = self.sources.build(source, metric)
        who = f"unit {unit}" if unit is not None else "the plan level"
        diag = Diagnostic(
            f"{here}: {metric} for {period.label} ({who}) is {_show(value)} here "
            f"but {_show(old)} at {first}"
        )
        if problems is None:
            raise KpiDataError.from_diagnostics([diag])
        problems.append(diag)

    def add_snapshot(self, period: Period, unit: str | None, source: Source) -> None:
        """Record that a snapshot exists, even with no values (a unit that reported nothing)."""
        self.periods.setdefault(period.key, period)
        if unit is not None:
            self.units.setdefault(unit, None)
        self.snapshots.setdefault((period.key, unit), {})

    def merge(self, other: Data) -> None:
        problems: list[Diagnostic] = []
        # other's compact sources, renumbered into this Data's origins
        offsets = [self.sources.origin(file, form) for file, form in other.sources.origins]
        for (key, unit), values in other.snapshots.items():
            period = other.periods[key]
            if not values:
                self.add_snapshot(period, unit, Source(None, ""))
            for metric, value in values.items():
                raw = other.sources.raw((key, unit), metric)
                if type(raw) is int:
                    at = offsets[raw >> _NUMBER_BITS]
                    raw = (other.sources.build(raw, metric) if at is None
                           else at << _NUMBER_BITS | raw & _NUMBER_MASK)
                self._add(period, unit, metric, value, raw, problems)  # type: ignore[arg-type]
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
        return self.sources.get((key, unit, metric))  # type: ignore[no-any-return]

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


_MISSING: Any = object()


def _same(a: Value, b: Value) -> bool:
    return type(a) is type(b) and a == b or (
        not isinstance(a, (bool, str)) and not isinstance(b, (bool, str)) and a == b
    )


def _show(v: Value) -> str:
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, str):
        return json.dumps(v, ensure_ascii=False)
    from kpirules.values import format_number

    return format_number(v)


# --- cells ------------------------------------------------------------------

#: the number formats a CSV or spreadsheet cell may be written in
NUMBER_FORMATS = ("vi", "en")
#: (decimal mark, thousands separator) of each format
_MARKS = {"vi": (",", "."), "en": (".", ",")}
_FORMAT_NAMES = {"vi": "Vietnamese", "en": "English"}

#: largest decimal exponent read (``1e400``); beyond, a cell is an error, not a hang
MAX_EXPONENT = 400
#: most digits a number cell may have (Python refuses int(text) past 4,300)
MAX_DIGITS = 4000

# anything made of digits, '.', ',' (and an exponent): a cell that means to be a number
_NUMERIC_RE = re.compile(r"[+-]?[\d.,]*\d[\d.,]*([eE][+-]?\d+)?")
_EXP_RE = re.compile(r"(?P<m>[^eE]*)[eE](?P<e>[+-]?\d+)")
_SPACES = "\u00a0\u202f\u2009 "  # (no-break, narrow and thin) spaces Excel puts before "%"

_TRUE = {"true", "có", "x"}
_FALSE = {"false", "không"}


def _read_format(body: str, fmt: str) -> Fraction | None:
    """``body`` (no sign, no %) read in one number format, or None if it does not fit."""
    dec, group = _MARKS[fmt]
    m = _EXP_RE.fullmatch(body)
    exp = 0
    if m:
        body, exp_text = m.group("m"), m.group("e")
        if group in body:  # no thousands separators in scientific notation
            return None
        if len(exp_text.lstrip("+-")) > 6 or abs(int(exp_text)) > MAX_EXPONENT:
            raise ValueError(f"the exponent of {body}e{exp_text} is too large (more than {MAX_EXPONENT})")
        exp = int(exp_text)
    whole, _, frac = body.partition(dec)
    if dec in frac or group in frac:
        return None
    if group in whole:
        parts = whole.split(group)
        # 1.234.567: a first group of 1-3 digits not starting with 0, then groups of exactly 3
        if not (1 <= len(parts[0]) <= 3 and parts[0][0] != "0" and all(len(p) == 3 for p in parts[1:])):
            return None
        whole = "".join(parts)
    if not (whole.isdigit() or whole == "") or not (frac.isdigit() or frac == ""):
        return None
    if not whole and not frac or dec in body and not frac and not whole:
        return None
    if len(whole) + len(frac) > MAX_DIGITS:
        raise ValueError(f"a number of more than {MAX_DIGITS} digits")
    value = Fraction(int(whole or "0") * 10 ** len(frac) + int(frac or "0"), 10 ** len(frac))
    return value * Fraction(10) ** exp


def parse_number(text: str, number_format: str | None = None) -> int | Fraction | None:
    """Read a number as a spreadsheet shows it, in the Vietnamese or English format.

    ``1.234`` is one thousand two hundred thirty-four in Vietnamese (``vi``)
    and one point two three four in English (``en``); ``12,5`` is twelve and
    a half in Vietnamese and fits no English number.  Without a stated
    ``number_format`` a text that the two formats read differently raises
    :class:`ValueError` (ambiguous); one that only one format reads is read
    that way.  Returns None when the text is not a number at all, raises
    ValueError when it looks like one but fits no format.
    """
    s = text.strip().strip(_SPACES)
    if not _NUMERIC_RE.fullmatch(s):
        return None
    if number_format is not None and number_format not in _MARKS:
        raise ValueError(f"unknown number format {number_format!r}; expected vi or en")
    sign = -1 if s[0] == "-" else 1
    body = s[1:] if s[0] in "+-" else s
    formats = (number_format,) if number_format else NUMBER_FORMATS
    readings = {fmt: _read_format(body, fmt) for fmt in formats}
    found = {fmt: v for fmt, v in readings.items() if v is not None}
    if not found:
        if number_format:
            dec, group = _MARKS[number_format]
            raise ValueError(
                f"{text.strip()!r} is not a number in the {_FORMAT_NAMES[number_format]} format "
                f"(decimal mark {dec!r}, thousands separator {group!r})"
            )
        raise ValueError(f"{text.strip()!r} is not a number in the Vietnamese (1.234,5) or English (1,234.5) format")
    values = set(found.values())
    if len(values) > 1:
        vi, en = found["vi"], found["en"]
        # (only one kind of mark can make a number read two ways: 1.234 or 12,500)
        vi_says, en_says = (("dot groups thousands", "dot is the decimal mark") if "." in text
                            else ("comma is the decimal mark", "comma groups thousands"))
        raise ValueError(
            f"{text.strip()!r} is ambiguous: {_plain_number(vi)} in the Vietnamese format ({vi_says}) "
            f"or {_plain_number(en)} in the English format ({en_says}); "
            "state the format with --number-format vi or en"
        )
    return _normal(sign * values.pop())


def _plain_number(f: Fraction) -> str:
    from kpirules.values import format_number

    return format_number(_normal(f))


def _plain_decimal(text: str, number_format: str | None) -> int | Fraction | None:
    """``12.5`` or ``12,5`` (ASCII digits, one mark, no sign or spaces) as parse_cell reads it,
    when that is certain; None when parse_cell must decide (or fails)."""
    for mark, fmt in ((".", "en"), (",", "vi")):
        whole, sep, frac = text.partition(mark)
        if not sep:
            continue
        if not (whole.isdigit() and frac.isdigit() and text.isascii()) or len(text) > 40:
            return None
        if number_format is None:
            # the other format reads the mark as a thousands separator: 1.234 is ambiguous
            if 1 <= len(whole) <= 3 and whole[0] != "0" and len(frac) == 3:
                return None
        elif number_format != fmt:
            return None
        return _normal(Fraction(int(whole + frac), 10 ** len(frac)))
    return None


def parse_cell(text: str, number_format: str | None = None) -> Value | None:
    """Read one CSV or spreadsheet cell (see docs/data.md).

    A number (``1.234,5`` or ``1,234.5``; see :func:`parse_number`), a
    percentage (``20%`` is 1/5, ``12,5%`` is 1/8), a boolean (``true``,
    ``có``, ``x`` / ``false``, ``không``, any case), empty or blank (None:
    missing, never false) or, anything else, text.  Raises
    :class:`ValueError` for an ambiguous or malformed number.
    """
    s = text.strip().strip(_SPACES)
    if not s:
        return None
    if s.endswith("%"):
        try:
            pct = parse_number(s[:-1], number_format)
        except ValueError as exc:
            raise ValueError(str(exc).replace(repr(s[:-1].strip().strip(_SPACES)), repr(s), 1)) from None
        if pct is not None:
            return _normal(Fraction(pct) / 100)
    number = parse_number(s, number_format)
    if number is not None:
        return number
    low = unicodedata.normalize("NFC", s).lower()
    if low in _TRUE:
        return True
    if low in _FALSE:
        return False
    return s


def _exact(text: str) -> int | Fraction:
    """A JSON number, exactly, from its decimal text."""
    mantissa, _, exp = text.lower().partition("e")
    if exp and (len(exp.lstrip("+-")) > 6 or abs(int(exp)) > MAX_EXPONENT):
        raise ValueError(f"the exponent of {text} is too large (more than {MAX_EXPONENT})")
    if sum(c.isdigit() for c in mantissa) > MAX_DIGITS:
        raise ValueError(f"a number of more than {MAX_DIGITS} digits")
    return _normal(Fraction(text))


def _exact_int(text: str) -> int | Fraction:
    """A JSON integer (``-?\\d+``), exactly; _exact for the long ones and their errors."""
    return int(text) if len(text) <= 30 else _exact(text)


def _normal(f: Fraction) -> int | Fraction:
    return f.numerator if f.denominator == 1 else f


# --- JSON -------------------------------------------------------------------


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


def _reject_constant(name: str) -> Any:
    raise ValueError(f"{name} is not a number kpirules accepts")


#: ASCII digits to "0", to find a run of them with one ``in``
_DIGITS_TO_ZERO = bytes.maketrans(b"123456789", b"000000000")
_LONG_INT = b"0" * 31  # (_exact_int reads up to 30 characters with int())


def _plain_json(text: str) -> Any:
    """The document as json's C scanner reads it alone, when that is sure to be what the hooks make; else None.

    The hooks of :func:`parse_json_data` cost a Python call per integer and
    per object.  Without them, integers are read by ``int`` (as _exact_int
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
        doc = json.loads(text, parse_float=_exact, parse_constant=_reject_constant)
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
    for row in tasks if type(tasks) is list else ():
        if type(row) is dict:
            keys += len(row)
    return doc if keys == text.count(":") else None


#: the types of JSON values stored as they are (None is skipped; lists and objects are errors)
_STORED = frozenset({int, bool, str, Fraction})
_UNIT_TYPES = frozenset({str, type(None)})


def parse_json_data(text: str, filename: str | None = None) -> Data:
    """Read the JSON form of reported data."""
    try:
        doc = _plain_json(text)
        if doc is None:
            doc = json.loads(
                text,
                parse_float=_exact,
                parse_int=_exact_int,
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
    data.sources.origin(filename, _JSON)  # origin 0: a value's source is its snapshot's index
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
        period = period_of.get(label) if type(label) is str else None  # type: ignore[arg-type]
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
            for k in sorted(set(obj) - _SNAPSHOT_KEYS):
                bad(f"$.snapshots[{i}].{k}", 'unknown key; a snapshot has "period", "unit" and "values"')
        if period is None:
            continue
        if unit is not None:
            unit = unit_of.get(unit) or unit_of.setdefault(unit, unit.strip())
            units.setdefault(unit, None)
        key = (period.key, unit)  # add_snapshot
        periods.setdefault(key[0], period)
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
                data._conflict(period, unit, metric, value, i, problems)
            else:
                snap[metric] = value
                srcs[metric] = i
        if srcs is None:
            names = frozenset(snap)
            by_snapshot[key] = i
            data.sources.names[key] = data.sources.share(names)
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
    values = list(map(get, snaps, repeat("values")))
    if set(map(type, values)) != {dict} or not _STORED.issuperset(map(type, chain(map(dict.values, values)))):
        return False
    if not all(map(str.strip, set(chain(values)))):  # (the keys of a JSON object are text)
        return False
    labels = list(map(get, snaps, repeat("period")))
    raw_units = list(map(get, snaps, repeat("unit")))
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
            unit_of[raw] = raw.strip()
    unit_list = list(map(unit_of.__getitem__, raw_units))
    keys = list(zip((p.key for p in map(period_of.__getitem__, labels)), unit_list))
    snapshots = dict(zip(keys, values))
    if len(snapshots) != len(keys):  # a snapshot given twice: the loop merges them
        return False
    data.snapshots.update(snapshots)
    for period in period_of.values():
        data.periods.setdefault(period.key, period)
    units = dict.fromkeys(unit_list)
    units.pop(None, None)
    data.units.update(units)
    names = list(map(frozenset, values))  # origin 0: a value's source is its snapshot's index
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
    word = task_status(status) if isinstance(status, str) and status.strip() else None
    if ok and word is None:
        bad("status", f"{status!r} is not a task status kpirules knows; write one of: "
                      + "; ".join(f"{k} ({', '.join(v[1:3])})" for k, v in TASK_STATUS_WORDS.items()))
        ok = False
    unit = fields.get("unit")
    note = fields.get("note")
    if not ok:
        return None
    return TaskRow(
        task.strip(),  # type: ignore[union-attr]
        word,
        date,
        period,
        unit.strip() if isinstance(unit, str) and unit.strip() else None,
        note if isinstance(note, str) and note else None,
        source,
    )


# --- tables: CSV and spreadsheets -----------------------------------------------

_VALUE_HEADER = ("period", "unit", "metric", "value")
#: Vietnamese column names accepted in a header (any case, with diacritics)
_HEADER_ALIASES = {
    "kỳ": "period", "kỳ báo cáo": "period", "đơn vị": "unit", "chỉ tiêu": "metric",
    "giá trị": "value", "nhiệm vụ": "task", "trạng thái": "status", "ngày": "date",
    "ngày hoàn thành": "done_on", "ghi chú": "note",
}
#: what a CSV row with more cells than its header may mean, by the file's delimiter
_RAGGED_HINTS = {
    ",": " (a decimal comma in a comma-separated file? quote the cell or use ';')",
    ";": " (a ';' inside a cell? quote the cell)",
    "\t": " (a tab inside a cell? quote the cell)",
}
#: a table cell: text (CSV, or a text cell of a spreadsheet) or a typed spreadsheet value
Cell = Union[str, int, Fraction, bool, datetime.date, None]


def column_letter(index: int) -> str:
    """The spreadsheet name of a 0-based column index: 0 → A, 26 → AA."""
    name = ""
    index += 1
    while index:
        index, rem = divmod(index - 1, 26)
        name = chr(65 + rem) + name
    return name


def _header_name(cell: Cell) -> str:
    text = unicodedata.normalize("NFC", _cell_text(cell)).strip().lower()
    return _HEADER_ALIASES.get(text, text)


def _cell_text(cell: Cell) -> str:
    """A cell as text, for the columns that hold labels, names, words and dates."""
    if cell is None:
        return ""
    if isinstance(cell, str):
        return cell
    if isinstance(cell, bool):
        return "true" if cell else "false"
    if isinstance(cell, datetime.datetime):
        return cell.date().isoformat()
    if isinstance(cell, datetime.date):
        return cell.isoformat()
    from kpirules.values import format_number

    return format_number(cell)


def _cell_value(text: str, number_format: str | None) -> Value | None:
    """A CSV value cell as :func:`parse_cell` reads it, plain numbers quickly; _MISSING if it does not read."""
    if text.isdigit() and text.isascii() and len(text) < 19:
        return int(text)
    value = _plain_decimal(text, number_format)
    if value is not None:
        return value
    try:
        return parse_cell(text, number_format)
    except (ValueError, ZeroDivisionError):
        return _MISSING  # type: ignore[no-any-return]


class _Table:
    """Reads rows of cells into a :class:`Data`; ``locate`` says where a cell is.

    ``locate(row, col)`` (col None: the whole row) gives the message prefix,
    span, source line and cell reference of a diagnostic; ``source(row, col)`` the :class:`Source` of a value.
    """

    def __init__(self, data: Data, problems: list[Diagnostic], number_format: str | None,
                 locate: Any, source: Any, text_rows: bool = False, file: str | None = None,
                 line_rows: bool = False, delimiter: str | None = None) -> None:
        self.data = data
        self.problems = problems
        self.number_format = number_format
        self.locate = locate
        self.source = source
        # CSV: every cell is text and a value's source is Source(file, "row N")
        self.text_rows = text_rows
        self.file = file
        # CSV with no quote: a record is one line, so rows are numbered one a line (a quoted
        # cell may hold a line break); only then is a snapshot on consecutive rows a run
        self.line_rows = line_rows
        self.delimiter = delimiter  # (CSV)

    def bad(self, row: int, col: int | None, message: str, field: str | None = None) -> None:
        prefix, span, line, ref = self.locate(row, col)
        if field is not None and message.startswith("is "):
            message = f"column {field} {message} ({ref})"
        elif field is not None:
            message = f"column {field} ({ref}): {message}"
        elif col is not None:
            message = f"{ref}: {message}"
        self.problems.append(Diagnostic(prefix + message, span, source_line=line))

    def read(self, rows: Iterable[tuple[int, list[Cell]]], skip_foreign: bool = False) -> bool:
        """Read the rows; False when there is no data header (``skip_foreign``: silently)."""
        it = iter(rows)
        for row, header in it:
            if any(_cell_text(c).strip() for c in header):
                break
        else:
            return False
        names = [_header_name(h) for h in header]
        kind, needed = ("task", ("task", "status")) if "task" in names else ("value", ("period", "metric", "value"))
        missing = [h for h in needed if h not in names]
        if missing:
            if skip_foreign:
                return False
            self.bad(row, None, f"the header lacks {', '.join(missing)}; expected "
                     f"{','.join(_VALUE_HEADER)} (values) or task,status,date,note (tasks)")
            return False
        col: dict[str, int] = {}
        for i, name in enumerate(names):
            if not name:
                continue
            if name in col:
                self.bad(row, i, f"column {name} is given twice in the header")
                return True
            col[name] = i
        if kind == "value" and self.text_rows:
            it = self._common_rows(it, len(names), col)
        for row, cells in it:
            if not any(_cell_text(c).strip() for c in cells):
                continue
            extra = [i for i in range(len(names), len(cells)) if _cell_text(cells[i]).strip()]
            if extra:
                spans = [i for i, c in enumerate(cells) if type(c) is str and "\n" in c]
                if spans and self.text_rows:  # a quote left open runs on until a later quote closes it
                    self.bad(row, spans[0], f"this row has {len(cells)} cells but the header has {len(names)}: "
                             "the quote (\") that opens this cell runs on over the next lines; is it closed "
                             "where it should be? (a quote inside a quoted cell is written \"\")")
                    continue
                self.bad(row, extra[0], f"this row has {len(cells)} cells but the header has {len(names)}"
                         + _RAGGED_HINTS.get(self.delimiter, ""))
                continue
            get = {name: (cells[i] if i < len(cells) else None) for name, i in col.items()}
            if kind == "task":
                fields = {k: _cell_text(v) for k, v in get.items() if _cell_text(v).strip()}
                r = _task_row(fields, self.source(row, None),
                              lambda field, msg, r=row: self.bad(r, col.get(field), msg, field))
                if r is not None:
                    self.data.task_rows.append(r)
                continue
            self._value_row(row, get, col)
        return True

    def _common_rows(self, rows: Iterator[tuple[int, list[Cell]]], ncells: int,
                     col: dict[str, int]) -> Iterator[tuple[int, list[Cell]]]:
        """Read the common CSV value rows quickly; yield every other row, to be read by the general code.

        A row is read here only when it has as many cells as the header, its
        period label, metric name and value cell read without a problem; then
        it does exactly what the general code does (_value_row), with each
        distinct label, unit, metric and cell text read once.  Any other row
        (an error, a blank or ragged row) is handed on in order, so every
        message stays the same.

        A new snapshot whose values come on consecutive rows, one new metric a
        row (the usual long-form file), keeps no row number per value: its
        sources are one run (see :class:`_Sources`), the first row and the metric names in
        the snapshot's own order.  Anything else (a blank value, a metric
        given twice, a row handed on, a snapshot met again later) turns the
        run into the {metric: row} dict of the general code first.

        Under the usual header (period,unit,metric,value) the rows that go on
        a run (its period and unit cells, a metric name and a value cell read
        before, a metric new to the snapshot) are read by an inner loop that
        only unpacks and stores; any other row ends it and is read as above.
        """
        data = self.data
        snapshots, periods, units = data.snapshots, data.periods, data.units
        run_sources, expand = data.sources.run, data.sources.expand
        if data.sources.origin(self.file, _ROW) != 0:  # not a fresh Data: no compact row numbers
            yield from rows
            return
        ip, im, iv = col["period"], col["metric"], col["value"]
        iu = col.get("unit")
        number_format = self.number_format
        problems = self.problems
        period_of: dict[str, Period] = {}
        unit_of: dict[str, str | None] = {}
        metric_of: dict[str, str] = {}
        value_of: dict[str, Value | None] = {}
        missing = _MISSING
        last_p: Any = None
        last_u: Any = None
        period: Any = None
        unit: str | None = None
        key: Any = None
        snap: dict[str, Value] | None = None
        srcs: dict[str, Source | int] = {}
        run = 0  # the first row of the snapshot being read as a run; 0: none (its sources are in srcs)
        # the usual header, period,unit,metric,value: the rows that go on a run are read by a loop of their own
        usual = ncells == 4 and (ip, iu, im, iv) == (0, 1, 2, 3)
        it = iter(rows)
        for row, cells in it:
            while True:  # (each pass reads the row at hand; `break` goes on to the next row of the file)
                if len(cells) != ncells:
                    if run:  # the general code may add to this snapshot: its sources become a dict
                        run_sources(key, run, snap)  # type: ignore[arg-type]
                        run, snap = 0, None
                    yield row, cells
                    break
                raw_p: str = cells[ip]  # type: ignore[assignment]
                raw_u: str = "" if iu is None else cells[iu]  # type: ignore[assignment]
                if raw_p != last_p or raw_u != last_u:
                    if run:
                        run_sources(key, run, snap)  # type: ignore[arg-type]
                        run = 0
                    new_period = period_of.get(raw_p)
                    if new_period is None:
                        try:
                            new_period = parse_period(raw_p.strip())
                        except KpiPeriodError:
                            snap = last_p = None
                            yield row, cells
                            break
                        period_of[raw_p] = new_period
                    new_unit = unit_of.get(raw_u, missing)
                    if new_unit is missing:
                        new_unit = unit_of[raw_u] = raw_u.strip() or None
                    period, unit, last_p, last_u, snap = new_period, new_unit, raw_p, raw_u, None
                try:  # (a failed lookup costs, a try does not)
                    metric = metric_of[cells[im]]  # type: ignore[index]
                except KeyError:
                    raw_m: str = cells[im]  # type: ignore[assignment]
                    metric = raw_m.strip()
                    if not metric:
                        if run:
                            run_sources(key, run, snap)  # type: ignore[arg-type]
                            run, snap = 0, None
                        yield row, cells
                        break
                    metric_of[raw_m] = metric
                try:
                    value = value_of[cells[iv]]  # type: ignore[index]
                except KeyError:  # (a blank cell, None, is read again each time: the loop of runs needs no test for it)
                    raw_v: str = cells[iv]  # type: ignore[assignment]
                    value = _cell_value(raw_v, number_format)
                    if value is missing:
                        if run:
                            run_sources(key, run, snap)  # type: ignore[arg-type]
                            run, snap = 0, None
                        yield row, cells
                        break
                    if value is not None and len(value_of) < 65536:
                        value_of[raw_v] = value
                if snap is None:  # add_snapshot
                    key = (period.key, unit)
                    snap = snapshots.get(key)
                    if snap is None:
                        periods.setdefault(period.key, period)
                        if unit is not None:
                            units.setdefault(unit, None)
                        snap = snapshots[key] = {}
                        if value is not None and self.line_rows:
                            run = row  # a new snapshot: read it as a run
                    if not run:
                        srcs = expand(key)
                if value is None:
                    if run:  # a run has a value on every row
                        run_sources(key, run, snap)  # type: ignore[arg-type]
                        run = 0
                        srcs = expand(key)
                    break
                if metric in snap:
                    if run:
                        run_sources(key, run, snap)  # type: ignore[arg-type]
                        run = 0
                        srcs = expand(key)
                    data._conflict(period, unit, metric, value, row, problems)
                    break
                snap[metric] = value
                if not run:
                    srcs[metric] = row  # the compact source of origin 0: the row number
                    break
                if not usual:
                    break
                # The rows that go on this run: same period and unit cells, a metric and a value cell
                # read before, a metric new to the snapshot.  That is the path above with every test
                # passing, in fewer steps.  Any other row ends this loop and is read above, by the
                # next pass.
                for row, cells in it:
                    try:
                        raw_p, raw_u, raw_m, raw_v = cells  # type: ignore[misc]
                        if raw_p != last_p or raw_u != last_u:
                            break
                        metric = metric_of[raw_m]
                        value = value_of[raw_v]
                    except (ValueError, KeyError):
                        break
                    if metric in snap:
                        break
                    snap[metric] = value
                else:
                    break  # (the end of the file)
        if run:
            run_sources(key, run, snap)  # type: ignore[arg-type]

    def _value_row(self, row: int, get: dict[str, Cell], col: dict[str, int]) -> None:
        raw_period = get["period"]
        if isinstance(raw_period, (datetime.date, Fraction)) or isinstance(raw_period, int) and raw_period < 1000:
            self.bad(row, col["period"], f"{_cell_text(raw_period)!r} is not a period label; "
                     "write it as text such as 2020-Q4 or Q4/2020", "period")
            return
        label = _cell_text(raw_period).strip()
        try:
            period = parse_period(label)
        except KpiPeriodError as exc:
            self.bad(row, col["period"], str(exc).splitlines()[0], "period")
            return
        unit = _cell_text(get.get("unit")).strip() or None
        metric = _cell_text(get["metric"]).strip()
        if not metric:
            self.bad(row, col["metric"], "is empty", "metric")
            return
        raw = get["value"]
        value: Value | None
        if isinstance(raw, str):
            try:
                value = parse_cell(raw, self.number_format)
            except (ValueError, ZeroDivisionError) as exc:
                self.bad(row, col["value"], str(exc), "value")
                return
        elif isinstance(raw, datetime.date):
            self.bad(row, col["value"], f"a date ({_cell_text(raw)}) is not a metric value", "value")
            return
        else:
            value = raw
        self.data.add_snapshot(period, unit, self.source(row, None))
        if value is None:
            return
        self.data.add(period, unit, metric, value, self.source(row, col["value"]), self.problems)


def _sniff_delimiter(line: str) -> str:
    """The delimiter of a header line: the most frequent of ``,`` ``;`` tab outside quotes."""
    counts = {",": 0, ";": 0, "\t": 0}
    quoted = False
    for ch in line:
        if ch == '"':
            quoted = not quoted
        elif not quoted and ch in counts:
            counts[ch] += 1
    best = max(counts, key=lambda d: counts[d])
    return best if counts[best] else ","


def _field_columns(line: str, delimiter: str) -> tuple[list[int], int]:
    """The 1-based columns where the fields of a CSV line start, and that of a quote still open at its end (0: none).

    As the csv module reads a line: a quote opens a quoted cell only at the
    start of a field (elsewhere it is a character of the cell), and ``""``
    inside a quoted cell is one quote.
    """
    starts = [1]
    quoted = False
    opened = 0
    i, n = 0, len(line)
    while i < n:
        ch = line[i]
        if quoted:
            if ch == '"':
                if line[i + 1:i + 2] == '"':
                    i += 1
                else:
                    quoted = False
        elif ch == delimiter:
            starts.append(i + 2)
        elif ch == '"' and starts[-1] == i + 1:
            quoted, opened = True, i + 1
        i += 1
    return starts, opened if quoted else 0


_LINE_BREAK = re.compile(r"\r\n|\r|\n")


def parse_csv_data(text: str, filename: str | None = None, number_format: str | None = None) -> Data:
    """Read a CSV file: long-form values, or task rows (a header with ``task``).

    Spreadsheet exports are read as written: a UTF-8 byte-order mark, CRLF
    line ends, ``;`` or tab delimiters (Excel under a Vietnamese locale), an
    Excel ``sep=;`` first line, quoted cells with commas, and numbers in the
    Vietnamese or English format (``number_format``: see :func:`parse_number`).
    """
    if text.startswith("\ufeff"):
        text = text[1:]
    first = _LINE_BREAK.split(text, maxsplit=1)[0]
    skip = 0
    if first.strip().lower().startswith("sep=") and len(first.strip()) == 5:
        delimiter = first.strip()[4]
        skip = 1
    else:
        delimiter = _sniff_delimiter(first)
    data = Data()
    data.files.append(filename or "<data>")
    problems: list[Diagnostic] = []
    name = filename or "<data>"
    split: list[list[str]] = []

    def lines() -> list[str]:
        """The lines of the text, split once when a message needs one."""
        if not split:
            split.append(_LINE_BREAK.split(text))
        return split[0]

    def locate(row: int, col: int | None) -> tuple[str, Span, str | None, str]:
        src = lines()[row - 1] if 0 < row <= len(lines()) else None
        if col is None:
            return "", Span(row, 1, file=filename), src, f"row {row}"
        starts = _field_columns(src or "", delimiter)[0]
        column = starts[col] if col < len(starts) else 1
        return "", Span(row, column, file=filename), src, f"cell {column_letter(col)}{row}"

    def source(row: int, col: int | None) -> Source:
        return Source(filename, f"row {row}")

    def rows() -> Iterator[tuple[int, list[Cell]]]:
        if "\r" in text and '"' in text:  # line ends become "\n", also inside quoted cells
            body = "\n".join(lines()[skip:])
        elif skip:  # (csv reads "\r\n" and "\r" as line ends too, outside quoted cells)
            body = _LINE_BREAK.split(text, maxsplit=1)[1] if _LINE_BREAK.search(text) else ""
        else:
            body = text
        quoted = '"' in body
        if not quoted:  # one line end throughout: split the lines once
            end = "\n" if "\r" not in body else "\r" if "\n" not in body else "\r\n"
            split_lines = body.split(end)
            # "\r\n" throughout: as many of them (the splits) as of "\r" and of "\n"
            if end != "\r\n" or body.count("\r") == len(split_lines) - 1 == body.count("\n"):
                if not split_lines[-1]:
                    split_lines.pop()  # (the text ends with a line end)
                if max(map(len, split_lines), default=0) <= csv.field_size_limit():
                    # No quote, no line end and no NUL in a line, no field over csv's limit: csv
                    # reads each line as line.split(delimiter) (a blank line as [''] rather than
                    # [], and both are skipped as blank), so split it so, in C, row by row.
                    return enumerate(map(str.split, split_lines, itertools.repeat(delimiter)), skip + 1)
                return _csv_rows(split_lines, quoted)
        return _csv_rows(io.StringIO(body, newline=""), quoted)

    def unclosed_quote(row: int) -> None:
        """A problem if the record that starts on ``row`` (the last) opens a quote and the file ends in it.

        csv reads such a record to the end of the file as one cell, silently:
        every row after the quote would be lost.  Its text is read again
        strictly, which tells the end of the file inside a quoted cell apart.
        """
        tail = "\n".join(lines()[row - 1:])
        try:
            for _ in csv.reader(io.StringIO(tail, newline=""), delimiter=delimiter, strict=True):
                pass
        except csv.Error as exc:
            if "unexpected end of data" not in str(exc):
                return  # (a stray quote that the lenient reading takes as it is)
            line = lines()[row - 1]
            problems.append(Diagnostic(
                f"row {row}: a quote (\") opens a cell here and is never closed, so the rest of the file "
                "would be one cell; close the quote (a quote inside a quoted cell is written \"\")",
                Span(row, _field_columns(line, delimiter)[1] or 1, file=filename), source_line=line))

    def _csv_rows(source: Iterable[str], quoted: bool) -> Iterator[tuple[int, list[Cell]]]:
        reader = csv.reader(source, delimiter=delimiter)
        start = skip + 1
        try:
            if not quoted:  # no quoted cells: one record a line, numbered by enumerate
                yield from enumerate(reader, start)  # type: ignore[misc]
            else:
                last = 0
                for cells in reader:
                    last = start
                    yield start, cells  # type: ignore[misc]
                    start = reader.line_num + skip + 1
                if last:
                    unclosed_quote(last)
        except csv.Error as exc:
            if not quoted:
                start = reader.line_num + skip
            problems.append(Diagnostic(f"not valid CSV: {exc}", Span(start, 1, file=filename),
                                       source_line=lines()[start - 1] if start <= len(lines()) else None))

    if "\x00" in text:
        line = text[: text.index("\x00")].count("\n") + 1
        raise KpiDataError(f"{name}:{line}: a NUL byte: this is not a text CSV file (an .xlsx renamed?)")
    # (the garbage collector is left alone: a library must not switch off process-wide state)
    _Table(data, problems, number_format, locate, source, text_rows=True, file=filename,
           line_rows='"' not in text, delimiter=delimiter).read(rows())
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
    if raw.startswith((b"\xff\xfe", b"\xfe\xff")):  # Excel's "Unicode text" is UTF-16
        try:
            return raw.decode("utf-16")
        except UnicodeDecodeError:
            raise KpiDataError(f"{path}: the file starts like UTF-16 but is not valid UTF-16") from None
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        hint = " (it looks like an .xlsx workbook: name it .xlsx)" if raw.startswith(b"PK\x03\x04") else ""
        raise KpiDataError(
            f"{path}:{line}: the file is not UTF-8 (byte 0x{raw[exc.start]:02x} at offset {exc.start}); "
            f"save it as UTF-8{' (in Excel: CSV UTF-8)' if path.lower().endswith(('.csv', '.txt')) else ''}{hint}"
        ) from None


def load_data(paths: str | os.PathLike[str] | Iterable[str | os.PathLike[str]],
              number_format: str | None = None) -> Data:
    """Read reported data from one or more JSON, CSV or .xlsx files (chosen by extension).

    Several files are merged; a value given in two files with different
    contents is an error naming both.  ``number_format`` (``"vi"`` or
    ``"en"``) says how the numbers of CSV and spreadsheet cells are written;
    without it an ambiguous number such as ``1.234`` is an error naming its
    cell (see :func:`parse_number`).  JSON numbers are JSON's own.
    """
    if number_format is not None and number_format not in NUMBER_FORMATS:
        raise KpiDataError(f"unknown number format {number_format!r}; expected one of {', '.join(NUMBER_FORMATS)}")
    if isinstance(paths, (str, os.PathLike)):
        paths = [paths]
    merged: Data | None = None
    problems: list[str] = []
    diagnostics: list[Diagnostic] = []
    for p in paths:
        path = os.fspath(p)
        try:
            ext = os.path.splitext(path)[1].lower()
            if ext in (".xlsx", ".xlsm"):
                from kpirules.data.xlsx import parse_xlsx_data

                data = parse_xlsx_data(path, number_format)
            else:
                text = _read_text(path)
                if ext == ".json":
                    data = parse_json_data(text, path)
                elif ext in (".csv", ".txt", ".tsv"):
                    data = parse_csv_data(text, path, number_format)
                elif ext:
                    raise KpiDataError(f"{path}: kpirules reads .json, .csv (.txt, .tsv) and .xlsx data files, "
                                       f"not {ext} files")
                else:  # no extension: tell JSON from CSV by the first character
                    stripped = text.lstrip()
                    data = (parse_json_data(text, path) if stripped.startswith("{")
                            else parse_csv_data(text, path, number_format))
            if merged is None:
                merged = data  # the first file's Data is fresh: take it as it is, rather than copy it
            else:
                merged.merge(data)
        except KpiDataError as exc:  # (every file is read, so that one bad file hides no other's problems)
            problems.append(str(exc))
            diagnostics.extend(exc.diagnostics)
    if problems:
        raise KpiDataError("\n".join(problems), diagnostics)
    return Data() if merged is None else merged


def iter_values(data: Data) -> Iterator[tuple[Period, str | None, str, Value]]:
    for (key, unit), snap in data.snapshots.items():
        for metric, value in snap.items():
            yield data.periods[key], unit, metric, value

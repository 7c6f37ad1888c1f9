"""Reported data from Python objects: mappings, rows, data frames, Arrow tables, database cursors.

The twins of the file readers, for a tool that already holds its numbers in
Python (docs/application.md).  Each follows the rules of the file it stands
for, and raises the same :class:`~kpirules.errors.KpiDataError`, one
diagnostic per problem, naming the row index or the key path where a file
error names a line:

* :func:`data_from_snapshots`: snapshot mappings, as the ``"snapshots"`` of a
  JSON data file (a ``str`` value is text, as in JSON), with task rows.
* :func:`data_from_rows`: long-form rows ``(period, unit, metric, value)``, or
  mappings with those keys, as the lines of a CSV file (a ``str`` value is
  read as a CSV cell: ``"12,5"``, ``"20%"``, ``"có"``).
* :func:`data_from_task_rows`: task progress rows (mappings or
  :class:`~kpirules.data.TaskRow`); :func:`data_from_events`: events
  (mappings ``{"event", "date", "note"}``).
* :func:`data_from_frame`: a pandas or polars DataFrame, or an Arrow table, in
  the long form (columns ``period``, ``unit``, ``metric``, ``value``, or the
  columns of task rows or events), read as a CSV file with that header.  None of these
  libraries is needed by kpirules: a frame is recognised by what it offers.
* :func:`data_from_cursor`: the rows of a DB-API cursor after ``execute``,
  its columns named by ``cursor.description``.

Numbers are exact: ``int``, :class:`~fractions.Fraction`,
:class:`~decimal.Decimal` (and numpy's integers) are taken as they are, and
decimal strings are read exactly where the file twin reads them.  A
``float`` is an error, unless ``floats`` says how to read it: ``"shortest"``
(the shortest decimal that gives the float back, what ``repr`` shows: 0.1
is 1/10, as a spreadsheet cell is read) or ``"binary"`` (the float's own
binary value: 0.1 is 3602879701896397/36028797018963968).  A NaN, a float's
or a ``Decimal('NaN')`` (or pandas' ``NA``, ``NaT``), is a missing value, as
pandas uses it; an infinity or a signalling ``Decimal('sNaN')`` is refused.
"""

from __future__ import annotations

import datetime
import decimal
import itertools
import math
import struct
from collections.abc import Iterable, Iterator, Mapping, Sequence
from fractions import Fraction
from typing import Any, Literal, Protocol, Union

from kpirules.data.cells import NUMBER_FORMATS, bounded_number
from kpirules.data.model import FORM_ROW, MISSING, Data, EventRow, Problems, Source, TaskRow, Value, unit_name
from kpirules.data.table import Cell, Table, _cell_value, header_name
from kpirules.data.tasks import read_event_row, read_task_row
from kpirules.errors import Diagnostic, KpiDataError, KpiPeriodError
from kpirules.periods import Period, parse_date, parse_period

__all__ = [
    "FLOATS",
    "ArrowTable",
    "PandasFrame",
    "PolarsFrame",
    "Cursor",
    "Frame",
    "data_from_snapshots",
    "data_from_rows",
    "data_from_task_rows",
    "data_from_events",
    "data_from_frame",
    "data_from_cursor",
]

#: the ways a float may be read (the ``floats`` argument)
FLOATS = ("shortest", "binary")
Floats = Union[Literal["shortest", "binary"], None]

_VALUE_COLUMNS = ("period", "unit", "metric", "value")
#: the keys a mapping of data_from_rows may have besides those: a CSV file's optional columns
_ROW_EXTRAS = ("note", "submitted")
_SNAPSHOT_KEYS = frozenset({"period", "unit", "values", "note", "source"})


# --- what a frame offers (no import of pandas, polars or pyarrow) -------------------------------


# (plain protocols: a type checker matches a real frame or cursor against them; nothing checks them at run time)
class ArrowTable(Protocol):
    """A ``pyarrow.Table`` or ``RecordBatch`` (or anything with its names and columns)."""

    @property
    def column_names(self) -> Sequence[str]: ...

    def column(self, i: Any) -> Any: ...


class PolarsFrame(Protocol):
    """A ``polars.DataFrame``."""

    @property
    def columns(self) -> Sequence[str]: ...

    def iter_rows(self) -> Iterator[tuple[Any, ...]]: ...


class PandasFrame(Protocol):
    """A ``pandas.DataFrame``."""

    @property
    def columns(self) -> Any: ...

    @property
    def index(self) -> Any: ...

    def itertuples(self, index: bool = True, name: str | None = "Pandas") -> Iterable[tuple[Any, ...]]: ...


class Cursor(Protocol):
    """A DB-API 2.0 cursor (PEP 249) after ``execute``."""

    @property
    def description(self) -> Sequence[Sequence[Any]] | None: ...

    def fetchmany(self, size: int = ...) -> Sequence[Sequence[Any]]: ...


#: what data_from_frame takes
Frame = Union[PandasFrame, PolarsFrame, ArrowTable]


class _Bad(Exception):
    """A Python value that kpirules does not read; the message says why."""


# --- values ---------------------------------------------------------------------------------------


def _check_options(floats: Any, number_format: Any = None) -> None:
    if floats is not None and floats not in FLOATS:
        raise KpiDataError(f"floats={floats!r}: expected None, 'shortest' or 'binary'")
    if number_format is not None and number_format not in NUMBER_FORMATS:
        raise KpiDataError(f"unknown number format {number_format!r}; expected one of {', '.join(NUMBER_FORMATS)}")


def _normal(f: Fraction) -> int | Fraction:
    return f.numerator if f.denominator == 1 else f


def _missing(v: object) -> bool:
    """None, a NaN (a float's, or a quiet ``Decimal('NaN')``, as pandas' ``isna`` reads both), or pandas'
    NA / NaT.  (A signalling ``Decimal('sNaN')`` is no missing value: it is refused, as an infinity is.)"""
    if v is None:
        return True
    if isinstance(v, float):
        return math.isnan(v)
    if isinstance(v, decimal.Decimal):
        return v.is_qnan()
    return type(v).__name__ in ("NAType", "NaTType")


def _native(v: Any) -> Any:
    """A numpy scalar as the Python value it holds (numpy is not imported)."""
    t = type(v)
    if t.__module__ == "numpy" and hasattr(v, "item"):
        return v.item()
    return v


_SMALL = 10**30  # (an int below this is within every limit)


#: the struct codes of the narrow floats: numpy's float32 and float16, Arrow's float and halffloat columns
_NARROW = {"float32": "f", "float16": "e", "Float32": "f", "Float16": "e", "float": "f", "halffloat": "e"}


def shortest(v: float, width: str = "d") -> str:
    """The shortest decimal text that gives ``v`` back as a float of its own ``width`` (a struct code:
    ``"d"`` a float64, ``"f"`` a float32, ``"e"`` a float16): ``0.1`` typed into a float32 column is
    ``"0.1"``, not the ``0.10000000149011612`` of the same value widened to a Python float."""
    if width == "d":
        return repr(v)
    packed = struct.pack(width, v)
    for digits in range(1, 18):
        text = f"{v:.{digits}g}"
        if struct.pack(width, float(text)) == packed:
            return text
    return repr(v)  # (never reached: 9 digits give any float32 back)


_EXACT_FLOAT = 2.0**53  # (every whole number below it is a float64 of its own)


def _float(v: float, floats: Floats, width: str = "d") -> int | Fraction:
    if math.isinf(v):
        raise _Bad(f"{v!r} is not a number kpirules accepts")
    if floats is None:
        raise _Bad(f"{shortest(v, width)} is a float, which is not exact; give an int, Decimal, Fraction or decimal "
                   "text, or say how to read floats: floats='shortest' (0.1 is 1/10) or floats='binary'")
    if floats == "shortest":
        if width == "d" and v.is_integer() and -_EXACT_FLOAT < v < _EXACT_FLOAT:
            return int(v)  # (below 2**53 a whole float's shortest text is its whole number: repr(5.0) is '5.0')
        # (the text read by Decimal: exactly Fraction(text), without its regex)
        n, d = decimal.Decimal(shortest(v, width)).as_integer_ratio()
        return n if d == 1 else Fraction(n, d)
    return _normal(Fraction(v))


def _number(v: Any, floats: Floats, width: str = "d") -> Any:
    """An exact number, bool, str, date or None from a Python value; other types are _Bad.
    (Text is returned as it is: each reader decides what it means.)  ``width``: a float is one of a
    narrow column (``"f"``, float32; ``"e"``, float16), widened to a Python float."""
    t = type(v)
    if t.__module__ == "numpy" and t.__name__ in _NARROW:  # (its shortest text is that of its own width)
        width = _NARROW[t.__name__]
    v = _native(v)
    if _missing(v):
        return None
    t = type(v)
    if t is bool or t is str:
        return v
    if t is int and -_SMALL < v < _SMALL:
        return v
    if isinstance(v, bool):
        return bool(v)
    if isinstance(v, (int, Fraction, decimal.Decimal)):
        try:  # (the limits of a data file's numbers: Decimal("1e999999999") is refused, never expanded)
            return bounded_number(v)
        except ValueError as exc:
            raise _Bad(str(exc)) from None
    if isinstance(v, float):
        return _float(v, floats, width)
    if isinstance(v, str):
        return str(v)
    if isinstance(v, (datetime.date, Period)):
        return v
    if t.__name__ == "Period" and t.__module__.split(".")[0] == "pandas":
        raise _Bad(f"a pandas Period ({v}); write its label as text, e.g. '2020-Q4'")
    raise _Bad(f"expected a number (int, Decimal, Fraction), true/false, text or None, not {t.__name__} {v!r}")


def _where(name: str, path: str) -> Source:
    return Source(name, path)


# --- snapshots (the JSON form) ----------------------------------------------------------------------


def _items(obj: object, kind: str) -> Iterator[Any]:
    """The items of a list of ``kind``; a str, bytes or a single mapping is iterable too, but read item by
    item it is never what was meant, so it is refused with the others that are no list at all."""
    if isinstance(obj, (str, bytes, bytearray, Mapping)):
        raise _NotAList(f"expected a list of {kind}, not a {type(obj).__name__}")
    try:
        return iter(obj)  # type: ignore[call-overload, no-any-return]
    except TypeError:
        raise _NotAList(f"expected a list of {kind}, not {type(obj).__name__}") from None


class _NotAList(Exception):
    """Raised by _items: the message says what was expected."""


def data_from_snapshots(snapshots: Iterable[Mapping[str, Any]], tasks: Iterable[Mapping[str, Any] | TaskRow] = (),
                        events: Iterable[Mapping[str, Any] | EventRow] = (), *, floats: Floats = None,
                        name: str = "<snapshots>") -> Data:
    """Data from snapshot mappings ``{"period", "unit"?, "values": {metric: value}}``, as the
    ``"snapshots"`` of a JSON data file (docs/data.md#json), task rows as its ``"tasks"`` and
    events as its ``"events"``.

    ``period`` is a label (any form ``parse_period`` reads) or a :class:`~kpirules.Period`;
    ``unit`` a name or None (plan level).  A value is a number (int, Fraction, Decimal; a float
    only with ``floats``), a bool, text (a ``str`` is text, even ``"1234"``, as in JSON) or None
    (missing).  Problems are named by the key path of the same value in a JSON data file:
    ``<snapshots>: $.snapshots[3].values.online: …``, ``$.tasks[0].status``, ``$.events[1].date``.
    """
    _check_options(floats)
    data = Data()
    data.files.append(name)
    problems = Problems()

    def bad(path: str, message: str) -> None:
        problems.append(Diagnostic(f"{name}: {path}: {message}"))

    try:
        items = _items(snapshots, "snapshot mappings")
    except _NotAList as exc:
        raise KpiDataError(f"{name}: $.snapshots: {exc}") from None
    for i, snap in enumerate(items):
        at = f"$.snapshots[{i}]"  # (the path of the same value in a JSON data file, as its tasks' are)
        if not isinstance(snap, Mapping):
            bad(at, f'expected a mapping {{"period": …, "values": {{…}}}}, not {type(snap).__name__}')
            continue
        for k in sorted(set(map(str, snap)) - _SNAPSHOT_KEYS - {"submitted"}):
            bad(f"{at}.{k}", 'unknown key; a snapshot has "period", "unit", "values" and maybe "submitted"')
        sent = _submitted(snap.get("submitted"), f"{at}.submitted", bad)
        period = _period(snap.get("period"), f"{at}.period", bad)
        unit = snap.get("unit")
        if unit is not None and (not isinstance(unit, str) or not unit.strip()):
            bad(f"{at}.unit", f"expected a unit name (text) or None, not {unit!r}")
            continue
        values = snap.get("values", {})
        if not isinstance(values, Mapping):
            bad(f"{at}.values", f"expected a mapping of metric: value, not {type(values).__name__}")
            continue
        if period is None:
            continue
        unit = unit_name(unit) if unit is not None else None
        data.add_snapshot(period, unit, _where(name, at))
        if sent is not None:  # the day the unit sent it, as the files' `submitted` (who reported late)
            key = (period.key, unit)
            data.submitted[key] = max(sent, data.submitted.get(key, sent))
        for metric, raw in values.items():
            path = f"{at}.values.{metric}"
            if not isinstance(metric, str):  # (a JSON object's keys are text: {1: …} is not one)
                bad(path, f"a metric's name is text (a key of a JSON object is), not {type(metric).__name__} "
                          f"{metric!r}")
                continue
            if not metric.strip():
                bad(path, "a metric needs a name (non-blank text)")
                continue
            try:
                value = _number(raw, floats)
            except _Bad as exc:
                bad(path, str(exc))
                continue
            if value is None:
                continue
            if isinstance(value, (datetime.date, Period)):
                bad(path, f"a {type(value).__name__} ({value}) is not a metric value")
                continue
            data.add(period, unit, metric, value, _where(name, path), problems)
    _task_rows(data, tasks, floats, "tasks", name, problems)
    _task_rows(data, events, floats, "events", name, problems)
    if problems:
        raise KpiDataError.from_diagnostics(problems.final(name))
    return _given(data, name, "snapshot, task row or event")


def _submitted(raw: object, at: str, bad: Any) -> datetime.date | None:
    """The day a snapshot was sent (``"submitted"``: a date, ``2021-01-18`` or ``18/01/2021``), or None."""
    if raw is None:
        return None
    if isinstance(raw, datetime.datetime):
        return raw.date()
    if isinstance(raw, datetime.date):
        return raw
    if isinstance(raw, str):
        try:
            day = parse_date(raw)
        except KpiPeriodError as exc:
            bad(at, str(exc).splitlines()[0])
            return None
        if day is not None:
            return day
    bad(at, f"expected the date the report was sent (a date, 2021-01-18 or 18/01/2021), not {raw!r}")
    return None


def _period(raw: Any, path: str, bad: Any) -> Period | None:
    if isinstance(raw, Period):
        return raw
    if not isinstance(raw, str):
        bad(path, f'expected a period label such as "2020-Q4" (or a Period), not {raw!r}')
        return None
    try:
        return parse_period(raw)
    except KpiPeriodError as exc:
        bad(path, str(exc).splitlines()[0])
        return None


# --- task rows ---------------------------------------------------------------------------------------


def data_from_task_rows(rows: Iterable[Mapping[str, Any] | TaskRow], *, name: str = "<task rows>") -> Data:
    """Data holding task progress rows only: mappings with the fields of a JSON task row
    (``task``, ``status``, ``date`` or ``done_on``, ``period``, ``unit``, ``note``; docs/data.md),
    or :class:`~kpirules.data.TaskRow` values.  A date may be a ``datetime.date`` (or a
    datetime, whose day is taken) or ``YYYY-MM-DD`` text; a period a Period or a label.
    Problems are named by key path: ``<task rows>: $[2].status: …``."""
    data = Data()
    data.files.append(name)
    problems = Problems()
    _task_rows(data, rows, None, "", name, problems)
    if problems:
        raise KpiDataError.from_diagnostics(problems.final(name))
    return _given(data, name, "task row")


def data_from_events(rows: Iterable[Mapping[str, Any] | EventRow], *, name: str = "<events>") -> Data:
    """Data holding events only: mappings ``{"event": "ND138", "date": "2020-05-15", "note": …}``
    (a JSON data file's ``"events"``; ``after ND138`` waits for one) or
    :class:`~kpirules.data.EventRow` values.  A date may be a ``datetime.date``.
    Problems are named by key path: ``<events>: $[0].date: …``."""
    data = Data()
    data.files.append(name)
    problems = Problems()
    _task_rows(data, rows, None, "", name, problems, events=True)
    if problems:
        raise KpiDataError.from_diagnostics(problems.final(name))
    return _given(data, name, "event")


def _keep(data: Data, row: TaskRow | EventRow) -> None:
    if isinstance(row, EventRow):
        data.events.append(row)
    else:
        data.task_rows.append(row)


def _task_rows(data: Data, rows: Iterable[Any], floats: Floats, what: str, name: str,
               problems: list[Diagnostic], events: bool = False) -> None:
    """Task rows (``events``: event rows, also when ``what`` is ``"events"``) into ``data``."""
    events = events or what == "events"
    kind, row_type, read = (("events", EventRow, read_event_row) if events else ("task rows", TaskRow, read_task_row))
    prefix = f"$.{what}" if what else "$"
    try:
        items = _items(rows, kind)
    except _NotAList as exc:
        problems.append(Diagnostic(f"{name}: {prefix}: {exc}"))
        return
    for i, row in enumerate(items):
        path = f"{prefix}[{i}]"
        if isinstance(row, row_type):
            _keep(data, row)
            continue
        if not isinstance(row, Mapping):
            shape = '{"event": …, "date": …}' if events else '{"task": …, "status": …, "date": …}'
            problems.append(Diagnostic(f"{name}: {path}: expected a mapping {shape}, not {type(row).__name__}"))
            continue
        fields: dict[str, Any] = {}
        for k, v in row.items():
            try:
                v = _number(v, floats)
            except _Bad as exc:
                problems.append(Diagnostic(f"{name}: {path}.{k}: {exc}"))
                fields = {}
                break
            if v is None:
                continue
            if events and k == "event" and not isinstance(v, str):  # (an id is text, as a JSON file's: never 5)
                fields["event"] = v
                continue
            if isinstance(v, datetime.datetime):
                v = v.date()
            if isinstance(v, datetime.date):
                v = v.isoformat()
            elif isinstance(v, Period):
                v = v.label
            elif isinstance(v, bool):
                v = "true" if v else "false"
            elif isinstance(v, (int, Fraction)):
                v = str(v)
            fields[str(k)] = v
        else:
            r = read(fields, Source(name, path),
                     lambda field, msg, p=path: problems.append(Diagnostic(f"{name}: {p}.{field}: {msg}")))
            if r is not None:
                _keep(data, r)


# --- long-form rows (the CSV form) -------------------------------------------------------------------


def data_from_rows(rows: Iterable[Sequence[Any] | Mapping[str, Any]], *, floats: Floats = None,
                   number_format: str | None = None, name: str = "<rows>") -> Data:
    """Data from long-form rows, one value a row, as the lines of a CSV file (docs/data.md#csv):
    ``(period, unit, metric, value)`` sequences, or mappings with those keys (``unit`` may be left
    out) and, as a CSV file's optional columns, ``note`` and ``submitted`` (the day the unit sent
    its report: a date, ``2021-01-18`` or ``18/01/2021``).  ``unit`` None or blank is the plan
    level.  A ``str`` value is read as a CSV cell is (``"0,5"``, ``"20%"``, ``"có"``;
    ``number_format`` ``"vi"`` or ``"en"`` as ``--number-format``); an int, Fraction or Decimal is
    exact; a float needs ``floats``.  Problems name the row by its index:
    ``<rows>: column value (row 3): …``."""
    _check_options(floats, number_format)
    problems = Problems()
    known = (*_VALUE_COLUMNS, *_ROW_EXTRAS)
    given: list[tuple[int, Sequence[Any] | Mapping[str, Any]]] = []
    extras: set[str] = set()
    try:
        items = _items(rows, "rows")
    except _NotAList as exc:
        raise KpiDataError(f"{name}: {exc}") from None
    for i, row in enumerate(items):
        if type(row) is tuple and len(row) == 4:  # (the usual row, told without the ABC checks below)
            given.append((i, row))
            continue
        if isinstance(row, Mapping):
            keys = set(map(str, row))
            unknown = sorted(keys - set(known))
            lacking = [k for k in _VALUE_COLUMNS if k != "unit" and k not in keys]
            if unknown or lacking:  # (as a CSV header lacking a column, or with one kpirules does not know)
                said = ([f"unknown key{'s' if len(unknown) > 1 else ''} {', '.join(map(repr, unknown))}"]
                        if unknown else []) + \
                    ([f"no key {', '.join(map(repr, lacking))}"] if lacking else [])
                problems.append(Diagnostic(f"{name}: row {i}: {'; '.join(said)}; a row has period, unit "
                                           "(may be left out: the plan level), metric and value (None: missing), "
                                           "and may have note and submitted"))
                continue
            extras.update(k for k in _ROW_EXTRAS if row.get(k) is not None)
        elif isinstance(row, (str, bytes)) or not isinstance(row, Sequence):
            problems.append(Diagnostic(f"{name}: row {i}: expected (period, unit, metric, value) or a mapping, "
                                       f"not {type(row).__name__}"))
            continue
        elif len(row) != 4:
            problems.append(Diagnostic(f"{name}: row {i}: expected 4 items (period, unit, metric, value), "
                                       f"not {len(row)}"))
            continue
        given.append((i, row))
    # (the optional columns only when a row gives one: without them the table is read the quick way)
    names = [*_VALUE_COLUMNS, *(k for k in _ROW_EXTRAS if k in extras)]
    pad = [None] * (len(names) - 4)
    values = ((i, [row.get(k) for k in names] if isinstance(row, Mapping) else [*row, *pad] if pad else row)
              for i, row in given)
    return _read_rows(names, values, floats, number_format, name, _row, problems=problems)


def _period_column(names: Sequence[str]) -> int | None:
    """The index of the period column of rows of values (not task rows or events, whose period may be blank)."""
    folded = [header_name(n) for n in names]
    if "task" in folded or "event" in folded or "period" not in folded:
        return None
    return folded.index("period")


def _cells(row: Sequence[Any], names: Sequence[str], floats: Floats, name: str, index: int,
           problems: list[Diagnostic], label: Any = None, widths: Sequence[str] = (),
           period: int | None = None) -> list[Cell] | None:
    """The cells of one row, each Python value made a table cell; a bad one is a problem, and blank.
    ``widths``: each column's float width (a struct code, ``"d"`` for a float64; see :func:`shortest`).
    ``period``: the index of the period column of rows of values; a row whose period is no label
    is one problem, and None (the row is not read further: its blank period would be a second)."""
    out: list[Cell] = []
    where = (label or _row)(index)
    skip = False
    for j, (col, v) in enumerate(zip(names, row)):
        try:
            c = _number(v, floats, widths[j] if j < len(widths) else "d")
        except _Bad as exc:
            problems.append(Diagnostic(f"{name}: column {col} ({where}): {exc}"))
            c = None
            skip = skip or j == period
        if isinstance(c, Period):
            c = c.label
        out.append(c)
    return None if skip else out


def _row(i: int) -> str:
    return f"row {i}"


def _read_table(names: list[str], rows: Iterable[tuple[int, list[Cell]]], number_format: str | None, name: str,
                problems: Problems, label: Any, data: Data | None = None,
                read: list[Diagnostic] | None = None) -> Data:
    """Read rows of cells under a header of ``names`` as a CSV file with that header is read.
    ``read``: where the reading's own problems go while ``rows`` (a generator) may add to ``problems``
    those of its Python values; the reading's come after them, as when every value is made a cell first."""
    if data is None:
        data = Data()
        data.files.append(name)

    def locate(row: int, col: int | None) -> tuple[str, None, None, str]:
        if row < 0:
            return f"{name}: ", None, None, "the columns"
        return f"{name}: ", None, None, label(row)

    def source(row: int, col: int | None) -> Source:
        return Source(name, label(row))

    folded = [header_name(n) for n in names]
    needed = (("task", "status") if "task" in folded else ("event", "date") if "event" in folded
              else ("period", "metric", "value"))
    lacking = [n for n in needed if n not in folded]
    if lacking:
        problems.append(Diagnostic(
            f"{name}: there is no column {', '.join(lacking)} (the columns are {', '.join(names) or 'none'}); "
            "expected the columns period, unit, metric, value (values), task, status, date, note (task rows) "
            "or event, date, note (events)"))
        raise KpiDataError.from_diagnostics(problems[-1:])

    header: list[Cell] = list(names)
    Table(data, problems if read is None else read, number_format, locate, source).read(
        itertools.chain([(-1, header)], rows))  # (the header is row -1: the rows keep their own indexes)
    if read:
        problems.extend(read)
    if problems:
        raise KpiDataError.from_diagnostics(problems.final(name))
    return _given(data, name, "row")


def _given(data: Data, name: str, what: str) -> Data:
    """``data``, unless it holds nothing: refused as a data file with no snapshot, task row or event is."""
    if data.is_empty():
        raise KpiDataError(f"{name}: no {what} was given: there is nothing to check a plan on (as a data file "
                           "holding no snapshot, no task row and no event is refused)")
    return data


# --- frames and cursors ------------------------------------------------------------------------------


def data_from_frame(frame: Frame, *, floats: Floats = None, number_format: str | None = None,
                    name: str = "<frame>") -> Data:
    """Data from a pandas or polars DataFrame or an Arrow table (or record batch) in the long form:
    the columns of a CSV file's header (``period``, ``unit``, ``metric``, ``value``, in any order
    and case, or the Vietnamese names; or the columns of task rows: ``task``, ``status``, ``date``,
    …), one value a row, read by the rules of that CSV file (a ``str`` value is a CSV cell).
    Typed columns keep their type: integers and decimals (``Decimal``, Arrow's ``decimal128``)
    are exact, a float column needs ``floats``, a date column is a date.  Problems name the row
    by its position (and a pandas frame's index label, when that differs).
    """
    _check_options(floats, number_format)
    label: Any = _row
    if hasattr(frame, "column_names") and hasattr(frame, "column") and not hasattr(frame, "iter_rows"):
        names = [str(c) for c in frame.column_names]
        columns = [frame.column(i).to_pylist() for i in range(len(names))]
        types = [str(getattr(frame.column(i), "type", "")) for i in range(len(names))]
        it: Iterable[Sequence[Any]] = zip(*columns)
    elif hasattr(frame, "iter_rows") and hasattr(frame, "columns") and not hasattr(frame, "itertuples"):
        names = [str(c) for c in frame.columns]
        types = [str(t) for t in getattr(frame, "dtypes", ())]
        it = frame.iter_rows()
    elif hasattr(frame, "itertuples") and hasattr(frame, "columns") and hasattr(frame, "index"):
        names = [str(c) for c in frame.columns]
        types = [str(t) for t in getattr(frame, "dtypes", ())]
        index = list(frame.index)
        if index != list(range(len(index))):
            def label(i: int) -> str:
                return f"row {i}, index {index[i]!r}"
        iloc = getattr(frame, "iloc", None)
        if iloc is not None:  # (a column's values as a list, boxed as itertuples boxes them, at a fraction of its cost)
            it = zip(*(iloc[:, j].tolist() for j in range(len(names))))
        else:
            it = frame.itertuples(index=False, name=None)
    else:
        raise KpiDataError(f"{name}: expected a pandas or polars DataFrame or an Arrow table, "
                           f"not {type(frame).__module__}.{type(frame).__name__}")
    # (a float32 column's values come widened to Python floats: each is read at its column's width)
    widths = [_NARROW.get(t, "d") for t in types]
    return _table(names, it, floats, number_format, name, label, widths)


def _table(names: list[str], rows: Iterable[Sequence[Any]], floats: Floats, number_format: str | None,
           name: str, label: Any, widths: Sequence[str] = ()) -> Data:
    return _read_rows(names, enumerate(rows), floats, number_format, name, label, widths)


def _read_rows(names: list[str], rows: Iterable[tuple[int, Sequence[Any]]], floats: Floats,
               number_format: str | None, name: str, label: Any, widths: Sequence[str] = (),
               problems: Problems | None = None) -> Data:
    """Data from indexed rows of Python values under the columns ``names``, read as a CSV file with that
    header is.  Under the columns of values alone (period, unit, metric, value, in any order) the usual
    rows are read by :func:`_quick_rows`, which hands every other row on to the general reading, in order."""
    problems = Problems() if problems is None else problems
    period = _period_column(names)
    folded = [header_name(n) for n in names]
    if sorted(folded) not in (sorted(_VALUE_COLUMNS), sorted(("period", "metric", "value"))):
        cells = [(i, c) for i, row in rows
                 if (c := _cells(row, names, floats, name, i, problems, label, widths, period)) is not None]
        return _read_table(names, cells, number_format, name, problems, label)
    data = Data()
    data.files.append(name)
    read = Problems()
    col = {f: j for j, f in enumerate(folded)}
    return _read_table(names, _quick_rows(data, rows, names, col, floats, number_format, name, label, widths,
                                          problems, read), number_format, name, problems, label, data, read)


_QUICK_CACHE = 65536  # (distinct texts, floats, … kept per reading: a column of distinct ones costs no more)


def _quick_rows(data: Data, rows: Iterable[tuple[int, Sequence[Any]]], names: list[str], col: dict[str, int],
                floats: Floats, number_format: str | None, name: str, label: Any, widths: Sequence[str],
                problems: list[Diagnostic], read: list[Diagnostic]) -> Iterator[tuple[int, list[Cell]]]:
    """Read the usual rows of values into ``data``; yield every other row, as cells, to the general reading.

    A row is read here when its period is a label (text) that parses, its unit text or None, its
    metric non-blank text and its value None, an int, a bool, a Fraction or a finite Decimal within
    the limits, a float (with ``floats``; a NaN is missing) or text that reads as a CSV cell; then it
    does what the general reading (``Table._value_row``) does, each distinct label, unit, metric and
    text read once, with no cell made.  Any other row is made cells (its bad values a problem in
    ``problems``, as :func:`_cells` says) and handed on in order, so every message stays the same;
    the problems of the reading (a value given twice) go to ``read``.  A row's source is its index,
    kept compact (``row N``) when ``label`` is the plain one.
    """
    ip, im, iv, iu = col["period"], col["metric"], col["value"], col.get("unit")
    ncells = len(names)
    period_col = _period_column(names)
    width = widths[iv] if iv < len(widths) else "d"
    compact = label is _row and data.sources.origin(name, FORM_ROW) == 0
    snapshots, new_snapshot, expand = data.snapshots, data.new_snapshot, data.sources.expand
    period_of: dict[str, Period] = {}
    unit_of: dict[str, str | None] = {}
    metric_of: dict[str, str] = {}
    text_of: dict[str, Value | None] = {}
    float_of: dict[float, Value] = {}
    missing = MISSING
    last: Any = None
    snap: dict[str, Value] = {}
    srcs: dict[str, Source | int] | None = None
    last_p: Any = None  # the period and unit cells of the row before, when they were read here
    last_u: Any = None
    period: Period | None = None
    unit: str | None = None
    for i, row in rows:
        if len(row) == ncells:
            p, m, v = row[ip], row[im], row[iv]
            u = None if iu is None else row[iu]
            # (the types first: a cell of another type may have an == of its own, e.g. numpy's)
            if not (type(p) is str and p == last_p and (u is None and last_u is None
                                                         or type(u) is str and u == last_u)):
                last_p = last_u = None
                period = period_of.get(p) if type(p) is str else None
                if period is None and type(p) is str and len(period_of) < _QUICK_CACHE:
                    try:
                        period = period_of[p] = parse_period(p.strip()) if p.strip() else None  # type: ignore[assignment]
                    except KpiPeriodError:
                        pass
                if u is None:
                    unit = None
                elif type(u) is str:
                    unit = unit_of.get(u, missing)
                    if unit is missing:
                        unit = unit_of[u] = unit_name(u)
                else:
                    period = None  # (a unit of another type: the general reading says what it is)
                if period is not None:
                    last_p, last_u = p, u
            metric = metric_of.get(m) if type(m) is str else None
            if metric is None and type(m) is str:
                metric = m.strip() or None
                if metric is not None and len(metric_of) < _QUICK_CACHE:
                    metric_of[m] = metric
            t = type(v)
            value: Any = missing
            if t is int:
                if -_SMALL < v < _SMALL:
                    value = v
            elif t is str:
                value = text_of.get(v, missing)
                if value is missing:
                    value = _cell_value(v, number_format)
                    if value is not missing and len(text_of) < _QUICK_CACHE:
                        text_of[v] = value
            elif t is decimal.Decimal:
                value = _quick_decimal(v)
            elif t is float:
                if v != v:
                    value = None
                elif floats is not None and v - v == 0:  # (finite)
                    value = float_of.get(v, missing)
                    if value is missing:
                        value = _float(v, floats, width)
                        if len(float_of) < _QUICK_CACHE:
                            float_of[v] = value
            elif v is None or t is bool:
                value = v
            elif t is Fraction:
                try:
                    value = bounded_number(v)
                except ValueError:
                    pass
            if period is not None and metric is not None and value is not missing:
                key = (period.key, unit)
                if key != last:
                    got = snapshots.get(key)
                    if got is None:
                        got = new_snapshot(period, unit)
                    snap, srcs, last = got, None, key
                if value is None:
                    continue
                where: Source | int = i if compact else Source(name, label(i))
                if metric in snap:
                    data.conflict(period, unit, metric, value, where, read)
                    continue
                snap[metric] = value
                if srcs is None:
                    srcs = expand(key)
                srcs[metric] = where
                continue
        last = None  # (the general reading may add to any snapshot: look it up again)
        cells = _cells(row, names, floats, name, i, problems, label, widths, period_col)
        if cells is not None:
            yield i, cells


def _quick_decimal(v: decimal.Decimal) -> Any:
    """A Decimal's exact value when it is finite and short (its text has no exponent and fewer than 30
    characters: within every limit), as :func:`bounded_number` gives it; else MISSING."""
    if v.is_finite():
        text = str(v)
        if len(text) < 30 and "E" not in text:
            n, d = v.as_integer_ratio()
            return n if d == 1 else Fraction(n, d)
    return MISSING


def data_from_cursor(cursor: Cursor, *, floats: Floats = None, number_format: str | None = None,
                     name: str = "<cursor>") -> Data:
    """Data from the rows of a DB-API cursor after ``execute`` (sqlite3, psycopg, DuckDB, …): its
    columns, named by ``cursor.description``, are those of :func:`data_from_frame`; rows are
    numbered from 0 in the order fetched.  A NUMERIC column that the driver gives as Decimal is
    exact; a REAL (float) column needs ``floats``."""
    _check_options(floats, number_format)

    def ask(what: str, get: Any) -> Any:
        """What the cursor says, or a KpiDataError naming the driver's own words (a closed cursor, a
        lost connection): never the driver's exception."""
        try:
            return get()
        except Exception as exc:
            raise KpiDataError(f"{name}: the cursor could not be read ({what}): {_type_name(exc)}: "
                               f"{str(exc).strip() or 'no message'}") from None

    if not ask("cursor.description", lambda: hasattr(cursor, "description")) or \
            not callable(getattr(cursor, "fetchmany", None)):
        raise KpiDataError(f"{name}: expected a DB-API cursor after execute (with description and fetchmany), "
                           f"not {_type_name(cursor)}; rows held in a list go in with kpirules.data_from_rows "
                           "(a DataFrame or an Arrow table with kpirules.data_from_frame)")
    description = ask("cursor.description", lambda: cursor.description)
    if description is None:
        raise KpiDataError(f"{name}: the cursor has no rows to read: cursor.description is None (no statement was "
                           "executed, it was not a query, or the cursor was closed: call execute with a SELECT "
                           "first)")
    names = ask("cursor.description", lambda: [str(d[0]) for d in description])
    # (PEP 249's optional extension: the index of the next row)
    fetched = ask("cursor.rownumber", lambda: getattr(cursor, "rownumber", None))
    if type(fetched) is int and fetched > 0:
        raise KpiDataError(_fetched_before(name, fetched, f"cursor.rownumber is {fetched}"))
    first = ask("cursor.fetchmany", lambda: cursor.fetchmany(1000))
    if not first:  # (as load_data refuses a data file with only its header: there is nothing to check a plan on)
        count = ask("cursor.rowcount", lambda: getattr(cursor, "rowcount", -1))
        cause = (f"its query gave {count:,} rows (cursor.rowcount), all fetched before" if type(count) is int
                 and count > 0 else "its query returned no rows (cursor.rowcount is 0)" if count == 0 and
                 type(count) is int else "its rows were fetched before (a cursor's rows are read once: execute "
                 "the query again), or its query returned none")
        raise KpiDataError(f"{name}: the cursor has no rows left: {cause}; a query without rows is refused as a "
                           "data file with only its header is: there is nothing to check a plan on")

    def rows() -> Iterator[Sequence[Any]]:
        seen = len(first)
        yield from first
        while True:
            batch = ask("cursor.fetchmany", lambda: cursor.fetchmany(1000))
            if not batch:
                break
            seen += len(batch)
            yield from batch
        # (a driver that tells how many rows its query gave, and no rownumber: rows fetched before are missing)
        count = ask("cursor.rowcount", lambda: getattr(cursor, "rowcount", -1))
        if type(count) is int and count > seen:
            raise KpiDataError(_fetched_before(name, count - seen, f"cursor.rowcount is {count:,}, and "
                                               f"{seen:,} were left"))

    return _table(names, rows(), floats, number_format, name, _row)


def _fetched_before(name: str, n: int, told: str) -> str:
    one = n == 1
    return (f"{name}: {n:,} row{'' if one else 's'} of the cursor {'was' if one else 'were'} fetched before "
            f"({told}): kpirules reads a query's rows from the first, and the Data would lack "
            f"{'it' if one else 'them'}; execute the query again and give the cursor before fetching any row")


def _type_name(obj: object) -> str:
    """``list``, ``None``, ``sqlite3.Connection``: what was given, named for a person."""
    if obj is None:
        return "None"
    t = type(obj)
    return t.__name__ if t.__module__ == "builtins" else f"{t.__module__.split('.')[0]}.{t.__name__}"

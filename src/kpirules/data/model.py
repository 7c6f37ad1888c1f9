"""The data model: :class:`Data` (snapshots of values, task rows) and where each value came from."""

from __future__ import annotations

import datetime
import json
import os
import re
import unicodedata
from collections.abc import Iterable, Iterator, MutableMapping
from fractions import Fraction
from typing import Any, Union, cast

import attrs

from kpirules.errors import Diagnostic, KpiDataError
from kpirules.periods import Kind, Period
from kpirules.text import fold


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


#: problems of one kind listed in full, per file; the rest are counted ("… and 999,990 more like this")
MAX_PER_KIND = 20
_KIND_NOISE = re.compile(r"'[^']*'|\"[^\"]*\"|\d+")


def problem_kind(diag: Diagnostic) -> str:
    """The kind of a problem: its message without the texts, numbers and cell names that differ."""
    return _KIND_NOISE.sub("#", diag.message)


class Problems(list):  # type: ignore[type-arg]
    """The problems of a file, as a list; past ``MAX_PER_KIND`` of a kind they are only counted.

    So a file of a million bad cells gives a bounded message (and memory); :meth:`final` is the list to
    raise, with one "… and N more like this" line after the last listed problem of each kind.
    """

    def __init__(self) -> None:
        super().__init__()
        self.counts: dict[str, int] = {}

    def append(self, diag: Diagnostic) -> None:
        kind = problem_kind(diag)
        n = self.counts[kind] = self.counts.get(kind, 0) + 1
        if n <= MAX_PER_KIND:
            super().append(diag)

    def extend(self, diags: Iterable[Diagnostic]) -> None:
        for d in diags:
            self.append(d)
        if isinstance(diags, Problems):  # (and those it only counted)
            for kind, n in diags.counts.items():
                if n > MAX_PER_KIND:
                    self.counts[kind] = self.counts.get(kind, 0) + n - MAX_PER_KIND

    def clear(self) -> None:
        super().clear()
        self.counts.clear()

    def final(self, name: str | None = None) -> list[Diagnostic]:
        """The problems to report: each kind's first ones, then a line counting the others (named by the
        file of the last listed one, or by ``name`` when it has no place: in-memory data, ``<rows>``)."""
        last = {problem_kind(d): i for i, d in enumerate(self)}
        out: list[Diagnostic] = []
        for i, d in enumerate(self):
            out.append(d)
            kind = problem_kind(d)
            more = self.counts.get(kind, 0) - MAX_PER_KIND
            if last[kind] == i and more > 0:
                where = (f"{d.span.file or '<data>'}: " if d.span is not None
                         else f"{name}: " if name is not None else "")
                out.append(Diagnostic(f"{where}… and {more:,} more like this"))
        return out


def unit_name(raw: str) -> str | None:
    """A unit as data names it: stripped and in Unicode NFC (so "Quản Bạ" typed decomposed is the same unit);
    None for a blank name (the plan level)."""
    name = raw.strip()
    if not name:
        return None
    return name if name.isascii() else unicodedata.normalize("NFC", name)


def spelling_key(name: str) -> str:
    """A unit name without case, Vietnamese diacritics and spacing: "Vi Xuyen", "vị xuyên" → "vi xuyen"."""
    return " ".join(fold(name).split())


_FORMAT_WORDS = {"vi": "Vietnamese (1.234,5)", "en": "English (1,234.5)"}


@attrs.frozen
class FileSource:
    """How one data file was read: the number format of its cells, the cell that decided it, and notes.

    ``number_format`` is ``"vi"``, ``"en"`` or None (no cell of the file is
    written in only one format, and none needed one); ``stated`` when it was
    given (``--number-format``); else ``decided_by`` is the first cell written
    in only that format (``2.400,5``), and ``decided_text`` its text.
    ``notes`` say anything else a reader of the results should know (Excel's
    binary numbers read to 15 significant digits, …).
    """

    file: str
    number_format: str | None = None
    stated: bool = False
    decided_by: Source | None = None
    decided_text: str | None = None
    notes: tuple[str, ...] = ()

    def describe(self) -> str:
        """In words: ``d.csv: numbers in the Vietnamese format (1.234,5), decided by cell D3 '2.400,5'``."""
        if self.number_format is None:
            if self.notes:
                return f"{self.file}: " + "; ".join(self.notes)
            text = f"{self.file}: no cell says which number format it is in (none needs it)"
        else:
            how = ("as stated" if self.stated else
                   f"decided by {self.decided_by.where} {self.decided_text!r}" if self.decided_by else "")
            text = f"{self.file}: numbers in the {_FORMAT_WORDS[self.number_format]} format" + (
                f", {how}" if how else "")
        return "; ".join([text, *self.notes])

    def to_json(self) -> dict[str, Any]:
        return {"file": self.file, "number_format": self.number_format,
                "number_format_from": ("stated" if self.stated else
                                       self.decided_by.where if self.decided_by else None),
                "number_format_cell": self.decided_text, "notes": list(self.notes),
                "summary": self.describe()}


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


@attrs.frozen
class EventRow:
    """An event outside the plan, reported as happened on ``date`` (``after ND138`` waits for it)."""

    event: str
    date: datetime.date
    note: str | None = None
    source: Source | None = attrs.field(default=None, eq=False)


# A value's source is kept compact: an int ``origin << _NUMBER_BITS | number``, where ``origin``
# indexes (file, form) in the map's origin list and ``number`` is a CSV row or a JSON snapshot
# index.  For the first origin of a Data (every freshly read file) that is the number itself,
# the very int object the reader counted with.  The Source object is built only when asked
# for (Data.source, data.sources[...]).
_NUMBER_BITS = 40
_NUMBER_MASK = (1 << _NUMBER_BITS) - 1
_MAX_ORIGINS = 1 << 20
FORM_ROW = 0  # Source(file, "row N")
FORM_JSON = 1
_SHORT_RUN = 32  # (a run of at most this many names is searched; a longer one is indexed once)  # Source(file, "$.snapshots[N].values.<metric>")


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

    __slots__ = ("by_snapshot", "names", "origins", "_shared", "lazy", "_positions")

    def __init__(self) -> None:
        #: the snapshots of a file read lazily (see :class:`LazySnapshots`): a snapshot's sources are
        #: stored when its values are
        self.lazy: LazySnapshots | None = None
        #: (period key, unit) → {metric: Source or compact int}, or a compact int
        self.by_snapshot: dict[tuple[PeriodKey, str | None], dict[str, Source | int] | int] = {}
        #: the metric names of each snapshot stored as one compact int
        self.names: dict[tuple[PeriodKey, str | None], frozenset[str] | tuple[str, ...]] = {}
        #: (file, form) of each compact origin index
        self.origins: list[tuple[str | None, int]] = []
        self._shared: dict[Any, Any] = {}  # each distinct set (or row order) of names, kept once
        #: id of a long row order of names → (those names, {name: its position}): looking each name of a
        #: snapshot of N rows up with tuple.index was N² (N unused metrics in one period took minutes)
        self._positions: dict[int, tuple[tuple[str, ...], dict[str, int]]] = {}

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
        if form == FORM_ROW:
            return Source(file, f"row {number}")
        return Source(file, f"$.snapshots[{number}].values.{metric}")

    def raw(self, snapshot: tuple[PeriodKey, str | None], metric: str) -> Source | int | None:
        """The stored (maybe compact) source of a value, or None."""
        if self.lazy is not None:
            self.lazy.get(snapshot)
        srcs = self.by_snapshot.get(snapshot)
        if srcs is None:
            return None
        if type(srcs) is int:
            names = self.names[snapshot]
            if type(names) is tuple:  # a run of rows
                if len(names) <= _SHORT_RUN:
                    try:
                        return srcs + names.index(metric)
                    except ValueError:
                        return None
                known = self._positions.get(id(names))
                if known is None or known[0] is not names:
                    positions: dict[str, int] = {}
                    for i, name in enumerate(names):
                        positions.setdefault(name, i)
                    known = self._positions[id(names)] = (names, positions)
                at = known[1].get(metric)
                return None if at is None else srcs + at
            return srcs if metric in names else None
        return srcs.get(metric)  # type: ignore[union-attr]

    def expand(self, snapshot: tuple[PeriodKey, str | None]) -> dict[str, Source | int]:
        """The {metric: source} dict of a snapshot, made one if it has none or a compact int."""
        if self.lazy is not None:
            self.lazy.get(snapshot)
        srcs = self.by_snapshot.get(snapshot)
        if type(srcs) is dict:
            return srcs
        out: dict[str, Source | int] = {}
        if isinstance(srcs, int):  # (a compact first row: the snapshot's metrics on consecutive rows from it)
            names = self.names.pop(snapshot)
            out = (dict(zip(names, range(srcs, srcs + len(names)))) if type(names) is tuple
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
            key, unit, metric = cast("tuple[PeriodKey, str | None, str]", k)
            return self.raw((key, unit), metric) is not None
        except (TypeError, ValueError):
            return False

    def __iter__(self) -> Iterator[tuple[PeriodKey, str | None, str]]:
        if self.lazy is not None:
            self.lazy.load_all()
        for (key, unit), srcs in self.by_snapshot.items():
            metrics = self.names[(key, unit)] if type(srcs) is int else srcs
            for metric in metrics:  # type: ignore[union-attr]
                yield (key, unit, metric)

    def __len__(self) -> int:
        return sum(1 for _ in self)

    def __repr__(self) -> str:
        return f"<sources of {len(self)} values>"


_PENDING: Any = object()  # a snapshot of a LazySnapshots whose values are not read yet


class SnapshotLoader:
    """Reads the values of a lazily read file, a period at a time (see :class:`LazySnapshots`)."""

    def period(self, key: PeriodKey) -> Iterable[tuple[tuple[PeriodKey, str | None], dict[str, Value],
                                                      int | dict[str, int]]]:
        """The snapshots of one period: (snapshot, {metric: value} in row order, sources).

        The sources are the first row of a snapshot whose values are on consecutive rows, or
        {metric: row}; all rows of the loader's file (its ``file``)."""
        raise NotImplementedError

    def every(self) -> Iterable[tuple[tuple[PeriodKey, str | None], dict[str, Value], int | dict[str, int]]]:
        """The snapshots of every period, as :meth:`period` gives them."""
        raise NotImplementedError

    def close(self) -> None:
        """Every value has been read: let go of what held them."""


class LazySnapshots(dict):  # type: ignore[type-arg]
    """``Data.snapshots`` of a file read lazily: every snapshot is there from the start, its values are
    read (by a :class:`SnapshotLoader`, with those of its period) the first time they are asked for.

    It is the dict of (period key, unit) → {metric: value} that ``Data.snapshots`` always is: ``in``,
    ``len`` and iteration over the keys read nothing; looking up a snapshot reads its period; anything
    that goes over the values (``values()``, ``items()``, ``copy()``, ``==``, ``dict(...)``) reads them all,
    in the file's order.  The sources of a period's values (``data.sources``) are stored with them.
    """

    __slots__ = ("loader", "sources", "pending")

    def __init__(self, keys: Iterable[tuple[PeriodKey, str | None]], loader: SnapshotLoader,
                 sources: _Sources) -> None:
        super().__init__(dict.fromkeys(keys, _PENDING))
        self.loader: SnapshotLoader | None = loader
        self.sources = sources
        self.pending: set[PeriodKey] = {key for key, _ in dict.keys(self)}
        sources.lazy = self

    def _store(self, rows: Iterable[tuple[tuple[PeriodKey, str | None], dict[str, Value],
                                         int | dict[str, int]]]) -> None:
        sources = self.sources
        for snapshot, values, rows_of in rows:
            if dict.get(self, snapshot) is not _PENDING:
                continue  # (a snapshot replaced or deleted meanwhile)
            dict.__setitem__(self, snapshot, values)
            if type(rows_of) is int:
                sources.run(snapshot, rows_of, values)
            else:
                sources.by_snapshot[snapshot] = dict(rows_of)  # type: ignore[arg-type]

    def load_period(self, key: PeriodKey) -> None:
        if key in self.pending and self.loader is not None:
            self.pending.discard(key)
            self._store(self.loader.period(key))
            if not self.pending:
                self._done()

    def load_all(self) -> None:
        if self.pending and self.loader is not None:
            self.pending.clear()
            self._store(self.loader.every())
            self._done()

    def _done(self) -> None:
        if self.loader is not None:
            self.loader.close()
        self.loader = None
        self.sources.lazy = None

    # --- the dict, reading values when they are asked for
    def get(self, key: Any, default: Any = None) -> Any:
        value = dict.get(self, key, default)
        if value is _PENDING:
            self.load_period(key[0])
            value = dict.get(self, key, default)
        return value

    def __getitem__(self, key: Any) -> Any:
        value = dict.__getitem__(self, key)
        if value is _PENDING:
            self.load_period(key[0])
            value = dict.__getitem__(self, key)
        return value

    def __iter__(self) -> Iterator[tuple[PeriodKey, str | None]]:  # (so that dict(...) reads values by key)
        return dict.__iter__(self)

    def setdefault(self, key: Any, default: Any = None) -> Any:
        if dict.get(self, key) is _PENDING:
            self.load_period(key[0])
        return dict.setdefault(self, key, default)

    def values(self) -> Any:
        self.load_all()
        return dict.values(self)

    def items(self) -> Any:
        self.load_all()
        return dict.items(self)

    def pop(self, key: Any, *default: Any) -> Any:
        self.get(key)
        return dict.pop(self, key, *default)

    def popitem(self) -> Any:
        self.load_all()
        return dict.popitem(self)

    def copy(self) -> dict[Any, Any]:
        self.load_all()
        return dict(dict.items(self))

    def __eq__(self, other: object) -> bool:
        self.load_all()
        if isinstance(other, LazySnapshots):
            other.load_all()
        return dict.__eq__(self, other)

    def __ne__(self, other: object) -> bool:
        return not self == other

    __hash__ = None

    def __or__(self, other: Any) -> Any:
        return self.copy() | other

    def __ror__(self, other: Any) -> Any:
        return other | self.copy()

    def __reduce__(self) -> Any:
        return (dict, (self.copy(),))

    def __repr__(self) -> str:
        self.load_all()
        return dict.__repr__(self)


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
        #: events outside the plan, as reported (JSON "events", a CSV table with an `event` column)
        self.events: list[EventRow] = []
        self.files: list[str] = []
        #: how each file was read (its number format and what decided it), by file name
        self.file_sources: dict[str, FileSource] = {}
        #: each data-entry form's file → the id of the plan it was made from (``kpirules template``: the
        #: form's hidden layout sheet says), so that a form of another plan is refused as that
        self.form_plans: dict[str, str] = {}
        #: where a unit is first named, when that is not a value's place (a JSON snapshot's "unit")
        self.unit_sources: dict[str, Source] = {}
        #: when each unit sent its report for a period (a `submitted` column or JSON key): (period key, unit) → date
        self.submitted: dict[tuple[PeriodKey, str | None], datetime.date] = {}
        #: what a unit of ``default_units`` that gives no value has, period key → {metric: value}: the
        #: counts of a records source (complete by definition) are 0 for a unit without rows.  Only a
        #: rule judged for that unit reads them; an aggregate over units sees the units that report.
        self.defaults: dict[PeriodKey, dict[str, Value]] = {}
        self.default_units: set[str] = set()

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
            self.conflict(period, unit, metric, value, source, problems)
            return
        snap[metric] = value
        self.sources.expand((key, unit))[metric] = source

    def conflict(self, period: Period, unit: str | None, metric: str, value: Value, source: Source | int,
                  problems: list[Diagnostic] | None) -> None:
        """A second value for a cell that has one: a problem naming both places if they differ."""
        old = self.snapshots[(period.key, unit)][metric]
        if _same(old, value):
            return
        first = self.sources.get((period.key, unit, metric))
        here = self.sources.build(source, metric)
        who = f"unit {unit}" if unit is not None else "the plan level"
        there = f"at {first}"
        if str(first) == str(here):  # (two Data of one name merged: each place reads the same)
            there = (f"at {first} of another Data of the same name (give each its own name, "
                     "e.g. data_from_rows(rows, name=\"north\"))")
        diag = Diagnostic(
            f"{here}: {metric} for {period.label} ({who}) is {_show(value)} here "
            f"but {_show(old)} {there}"
        )
        if problems is None:
            raise KpiDataError.from_diagnostics([diag])
        problems.append(diag)

    def new_snapshot(self, period: Period, unit: str | None) -> dict[str, Value]:
        """The snapshot of ``period`` and ``unit``, which is not there yet, made empty (the period and the
        unit recorded): what a reader calls when its rows move to another snapshot."""
        self.periods.setdefault(period.key, period)
        if unit is not None:
            self.units.setdefault(unit, None)
        snap: dict[str, Value] = {}
        self.snapshots[(period.key, unit)] = snap
        return snap

    def add_snapshot(self, period: Period, unit: str | None, source: Source) -> None:
        """Record that a snapshot exists, even with no values (a unit that reported nothing)."""
        self.periods.setdefault(period.key, period)
        if unit is not None:
            self.units.setdefault(unit, None)
        self.snapshots.setdefault((period.key, unit), {})

    def merge(self, other: Data) -> None:
        """Add ``other``'s values, task rows and events to this data (a value reported twice, differently,
        is a KpiDataError).  ``other`` is a Data: a path is read first, ``merge(load_data(path))``."""
        if not isinstance(other, Data):
            what = type(other).__name__
            hint = (f"read the file first: data.merge(kpirules.load_data({other!r}))"
                    if isinstance(other, (str, os.PathLike)) else
                    "make it Data first (kpirules.load_data, data_from_rows, data_from_frame, …)")
            raise KpiDataError(f"Data.merge takes a Data, not {what}; {hint}")
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
        self.events.extend(other.events)
        self.files.extend(other.files)
        self.file_sources.update(other.file_sources)
        self.form_plans.update(other.form_plans)
        for unit, src in other.unit_sources.items():
            self.unit_sources.setdefault(unit, src)
        for sent, day in other.submitted.items():  # (two files for one report: the later sending counts)
            self.submitted[sent] = max(day, self.submitted.get(sent, day))
        for key, values in other.defaults.items():
            self.defaults.setdefault(key, {}).update(values)
        self.default_units |= other.default_units
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

    def similar_units(self) -> list[tuple[str, ...]]:
        """The unit names of the data that differ only by case, diacritics or spacing ("Vi Xuyên", "Vị Xuyên"),
        each group in order of first appearance: probably one unit spelled two ways."""
        groups: dict[str, list[str]] = {}
        for unit in self.units:
            groups.setdefault(spelling_key(unit), []).append(unit)
        return [tuple(g) for g in groups.values() if len(g) > 1]

    def is_empty(self) -> bool:
        """No snapshot, no task row, no event and no day a report was sent: nothing a plan could be checked
        on.  (A form with only the day it was sent typed is not empty: it says a unit sent nothing.)"""
        return not self.snapshots and not self.task_rows and not self.events and not self.submitted


MISSING: Any = object()


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



def iter_values(data: Data) -> Iterator[tuple[Period, str | None, str, Value]]:
    for (key, unit), snap in data.snapshots.items():
        for metric, value in snap.items():
            yield data.periods[key], unit, metric, value

"""What every engine hands back, and how the metric table is made from it, the same for all.

An engine counts each dataset's rows in the finest windows, per unit and over all rows, and
returns for each counted metric and group the number of values counted (``n``), their exact
sum, least and greatest; distinct counts it returns for every window.  :func:`finish` puts the
coarser windows together and forms averages, so engines never divide and never round.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable, Mapping
from decimal import Decimal
from fractions import Fraction
from typing import Any, Union

import attrs

from kpirules.periods import Period
from kpirules.records.model import Agg, CountedMetric, Dataset
from kpirules.records.windows import Windows

__all__ = ["Counted", "DatasetStats", "Part", "Partials", "exact", "finish"]

Value = Union[int, Fraction, datetime.date]

#: a group: (window label, unit); unit None is the plan-level group (all rows)
Group = tuple[str, Union[str, None]]


def exact(v: Any) -> Any:
    """An engine's number as an exact int or Fraction (Decimal and int as they are; a date as it is)."""
    if v is None or isinstance(v, (bool, datetime.date)):
        return v
    if isinstance(v, int):
        return v
    if isinstance(v, Decimal):
        f = Fraction(v)
    elif isinstance(v, Fraction):
        f = v
    else:  # pragma: no cover - engines return ints and Decimals
        raise TypeError(f"not an exact number: {v!r}")
    return f.numerator if f.denominator == 1 else f


@attrs.define
class Part:
    """The values of one metric in one group of one finest window."""

    n: int = 0  # rows counted (count) or values seen (the others)
    total: Any = 0  # exact sum (sum, avg)
    lo: Any = None
    hi: Any = None

    def add(self, other: Part) -> None:
        self.n += other.n
        self.total = self.total + other.total
        if other.lo is not None and (self.lo is None or other.lo < self.lo):
            self.lo = other.lo
        if other.hi is not None and (self.hi is None or other.hi > self.hi):
            self.hi = other.hi


@attrs.define
class DatasetStats:
    """What a dataset's rows looked like, for the warnings."""

    rows: int = 0  # every row read
    undated: int = 0  # rows without their dated by date
    outside: int = 0  # dated rows outside every window
    no_unit: int = 0  # rows in a window without a unit (counted at plan level only)
    first: datetime.date | None = None  # the earliest and latest dates seen
    last: datetime.date | None = None
    #: unit → how many rows in windows name it
    units: dict[str, int] = attrs.Factory(dict)


@attrs.define
class Partials:
    """An engine's answer for one dataset."""

    dataset: Dataset
    metrics: list[CountedMetric]
    windows: Windows
    stats: DatasetStats
    #: group → rows of the dataset in it (a unit "reports" where it has rows)
    rows: dict[Group, int] = attrs.Factory(dict)
    #: (metric name, finest label, unit) → Part
    parts: dict[tuple[str, str, str | None], Part] = attrs.Factory(dict)
    #: (metric name, label of any window, unit) → distinct values
    distinct: dict[tuple[str, str, str | None], int] = attrs.Factory(dict)


@attrs.frozen
class Counted:
    """The metric table: every counted metric's value in every window, plan-level and per unit.

    ``values[(metric, period, unit)]``, unit None for the plan-level value.  A metric that is
    undefined in a window (the average of no rows) has no entry.
    ``reports[(dataset, period, unit)]`` counts the rows a unit has in a window (unit None: all rows).
    """

    values: Mapping[tuple[str, Period, str | None], Value]
    reports: Mapping[tuple[str, Period, str | None], int]
    stats: Mapping[str, DatasetStats]
    windows: Mapping[str, Windows]

    def table(self) -> list[tuple[str, str, str | None, Value]]:
        """``(metric, period label, unit, value)`` rows in a stable order (for comparing engines)."""
        out = [(m, p.label, u, v) for (m, p, u), v in self.values.items()]
        out.sort(key=lambda r: (r[0], r[1], "" if r[2] is None else "\x00" + r[2]))
        return out


def _value(m: CountedMetric, part: Part | None, distinct: int | None) -> Any:
    if m.agg is Agg.COUNT_DISTINCT:
        return 0 if distinct is None else distinct
    if m.agg is Agg.COUNT:
        return 0 if part is None else part.n
    if m.agg is Agg.SUM:
        return 0 if part is None else exact(part.total)
    if part is None or part.n == 0:
        return None  # avg, min, max of no values: undefined
    if m.agg is Agg.AVG:
        f = Fraction(exact(part.total)) / part.n
        return f.numerator if f.denominator == 1 else f
    return exact(part.lo if m.agg is Agg.MIN else part.hi)


def finish(answers: Iterable[Partials]) -> Counted:
    """The metric table of the engines' answers (one per dataset)."""
    values: dict[tuple[str, Period, str | None], Value] = {}
    reports: dict[tuple[str, Period, str | None], int] = {}
    stats: dict[str, DatasetStats] = {}
    windows: dict[str, Windows] = {}
    for a in answers:
        ws = a.windows
        stats[a.dataset.name] = a.stats
        windows[a.dataset.name] = ws
        # rows and parts of the coarser windows, from the finest
        rows: dict[Group, int] = {}
        parts: dict[tuple[str, str, str | None], Part] = {}
        for (label, unit), n in a.rows.items():
            for w in (ws.labels[label], *ws.parents[label]):
                rows[(w.label, unit)] = rows.get((w.label, unit), 0) + n
        for (name, label, unit), part in a.parts.items():
            for w in (ws.labels[label], *ws.parents[label]):
                key = (name, w.label, unit)
                have = parts.get(key)
                if have is None:
                    parts[key] = have = Part(total=0)
                have.add(part)
        for (label, unit), n in rows.items():
            reports[(a.dataset.name, ws.labels[label].period, unit)] = n
        for m in a.metrics:
            # plan level: every window has a value (count 0 over no rows); per unit: where it has rows
            groups = [(w.label, None) for w in ws.all] + [g for g in rows if g[1] is not None]
            for label, unit in groups:
                v = _value(m, parts.get((m.name, label, unit)), a.distinct.get((m.name, label, unit)))
                if v is not None:
                    values[(m.name, ws.labels[label].period, unit)] = v
    return Counted(values, reports, stats, windows)

"""The reporting windows records are counted in, worked out in Python from :mod:`kpirules.periods`.

No engine's date bucketing is used: each window is sent to the engine as a (label, start, end)
row, so any cut-off day, the calendar scheme, months, quarters, halves, the nine-month window
and the year come out the same on every engine.  Rows are counted in the windows of the plan's
reporting kind (the *finest* kind); the coarser windows a plan may ask for (``m at 2018``) are
unions of them and their counts, sums, minima and maxima are put together exactly in Python.
(A distinct count cannot be put together; it is counted in every window directly.)
"""

from __future__ import annotations

import datetime

import attrs

from kpirules.errors import KpiPeriodError
from kpirules.periods import DEFAULT_SCHEME, Kind, Period, Scheme, containing, periods_of_year

__all__ = ["Window", "Windows", "coarser_kinds", "windows_for"]


@attrs.frozen
class Window:
    """One window: its period, label and first and last day (both included)."""

    period: Period
    label: str
    start: datetime.date
    end: datetime.date

    @classmethod
    def of(cls, period: Period) -> Window:
        return cls(period, period.label, period.start, period.end)


def coarser_kinds(kind: Kind) -> list[Kind]:
    """The kinds whose windows are unions of windows of ``kind`` (a quarter: half, nine-month, year)."""
    out = []
    for k in Kind:
        if k.months > kind.months and k.months % kind.months == 0:
            out.append(k)
    return out


@attrs.frozen
class Windows:
    """The windows of a scheme over a span of years: the finest kind's, and the coarser ones.

    ``finest`` are contiguous and do not overlap, so a dated row falls in at most one of them;
    ``parents[label]`` lists the coarser windows containing the finest window ``label``.
    """

    scheme: Scheme
    kind: Kind
    first_year: int
    last_year: int
    finest: tuple[Window, ...]
    coarser: tuple[Window, ...]
    parents: dict[str, tuple[Window, ...]] = attrs.field(eq=False, repr=False)

    @property
    def all(self) -> tuple[Window, ...]:
        return self.finest + self.coarser

    @property
    def start(self) -> datetime.date:
        return self.finest[0].start

    @property
    def end(self) -> datetime.date:
        return self.finest[-1].end

    def finest_of(self, d: datetime.date) -> Window | None:
        """The finest window containing ``d``, or None when ``d`` is outside every window."""
        if not self.start <= d <= self.end:
            return None
        try:
            p = containing(d, self.kind, self.scheme)
        except KpiPeriodError:  # (a nine-month plan: the last three months of a year)
            return None
        return self.labels.get(p.label)

    @property
    def labels(self) -> dict[str, Window]:
        """Every window by its label."""
        return self._labels

    _labels: dict[str, Window] = attrs.field(init=False, eq=False, repr=False)

    def __attrs_post_init__(self) -> None:
        object.__setattr__(self, "_labels", {w.label: w for w in self.all})


def windows_for(
    first_year: int,
    last_year: int,
    kind: Kind | str = Kind.QUARTER,
    scheme: Scheme = DEFAULT_SCHEME,
) -> Windows:
    """The windows of ``kind`` and of every coarser kind labelled ``first_year`` … ``last_year``.

    >>> w = windows_for(2020, 2020)
    >>> [(x.label, x.start.isoformat(), x.end.isoformat()) for x in w.finest][:2]
    [('2020-Q1', '2019-12-15', '2020-03-14'), ('2020-Q2', '2020-03-15', '2020-06-14')]
    >>> [x.label for x in w.coarser]
    ['2020-H1', '2020-H2', '2020-9M', '2020']
    """
    from kpirules.periods import parse_kind

    kind = parse_kind(kind)
    if first_year > last_year:
        raise KpiPeriodError(f"no windows from {first_year} to {last_year}")
    finest = tuple(
        Window.of(p) for y in range(first_year, last_year + 1) for p in periods_of_year(y, kind, scheme)
    )
    coarser = tuple(
        Window.of(p)
        for y in range(first_year, last_year + 1)
        for k in coarser_kinds(kind)
        for p in periods_of_year(y, k, scheme)
    )
    parents: dict[str, tuple[Window, ...]] = {}
    for w in finest:
        parents[w.label] = tuple(c for c in coarser if c.start <= w.start and w.end <= c.end)
    return Windows(scheme, kind, first_year, last_year, finest, coarser, parents)


def year_span(lo: datetime.date, hi: datetime.date, kind: Kind, scheme: Scheme) -> tuple[int, int]:
    """The labelled years of the windows containing ``lo`` and ``hi``."""
    return containing(lo, kind, scheme).year, containing(hi, kind, scheme).year

"""Reporting windows: kinds, schemes, the Period and the arithmetic of windows (no text labels)."""

from __future__ import annotations

import datetime
import enum
import functools
import re
from collections.abc import Iterator
from typing import Any

import attrs
from dateutil.relativedelta import relativedelta

from kpirules.errors import KpiPeriodError

__all__ = [
    "DEFAULT_SCHEME",
    "MAX_YEAR",
    "MIN_YEAR",
    "Kind",
    "Period",
    "Scheme",
    "containing",
    "current_period",
    "last_ending_by",
    "parse_kind",
    "periods_between",
    "periods_of_year",
]

MIN_YEAR = 1
MAX_YEAR = 9999


# --------------------------------------------------------------------------- kinds


class Kind(str, enum.Enum):
    """The kinds of reporting period, finest first."""

    MONTH = "month"
    QUARTER = "quarter"
    HALF = "half"
    NINE_MONTH = "nine-month"
    YEAR = "year"

    def __str__(self) -> str:
        return self.value

    @property
    def months(self) -> int:
        """How many months a window of this kind covers (a year: 12)."""
        return _SPAN[self]

    @property
    def per_year(self) -> int:
        """How many windows of this kind a year has (a quarter: 4; the nine-month window: 1)."""
        return _PER_YEAR[self]


_KIND_ORDER = {k: i for i, k in enumerate(Kind)}

# months per period and periods per year, by kind
_SPAN = {Kind.MONTH: 1, Kind.QUARTER: 3, Kind.HALF: 6, Kind.NINE_MONTH: 9, Kind.YEAR: 12}
_PER_YEAR = {Kind.MONTH: 12, Kind.QUARTER: 4, Kind.HALF: 2, Kind.NINE_MONTH: 1, Kind.YEAR: 1}

_KIND_WORDS = {
    Kind.MONTH: ("month", "monthly", "months"),
    Kind.QUARTER: ("quarter", "quarterly", "quarters"),
    Kind.HALF: (
        "half",
        "half-year",
        "half-yearly",
        "halfyear",
        "halves",
        "semiannual",
        "semi-annual",
        "six-month",
    ),
    Kind.NINE_MONTH: ("nine-month", "nine-months", "9m", "9-month", "9-months"),
    Kind.YEAR: ("year", "yearly", "annual", "annually", "years"),
}
_KIND_BY_WORD = {w: k for k, words in _KIND_WORDS.items() for w in words}


def parse_kind(text: str) -> Kind:
    """``month``/``monthly``, ``quarter``/``quarterly``, ``half``/``half-year``/
    ``half-yearly``/``semiannual``, ``nine-month``/``9m``, ``year``/``yearly``/
    ``annual`` (case-insensitive; a space may stand for ``-``)."""
    if isinstance(text, Kind):
        return text
    if not isinstance(text, str):
        raise KpiPeriodError(f"not a period kind: {text!r}")
    word = re.sub(r"[\s_]+", "-", text.strip().lower())
    try:
        return _KIND_BY_WORD[word]
    except KeyError:
        raise KpiPeriodError(
            f"unknown period kind {text!r}; expected one of: "
            "month, quarter, half, nine-month, year (or monthly, quarterly, "
            "half-yearly, semiannual, 9m, yearly, annual)"
        ) from None


def _to_kind(value: Kind | str) -> Kind:
    return parse_kind(value)


# --------------------------------------------------------------------------- schemes


def _check_day(name: str, value: object, *, optional: bool) -> None:
    if value is None and optional:
        return
    if isinstance(value, bool) or not isinstance(value, int):
        raise KpiPeriodError(f"the {name} day must be a whole number from 1 to 28, not {value!r}")
    if not 1 <= value <= 28:
        raise KpiPeriodError(
            f"the {name} day must be from 1 to 28 (every month has it), not {value}"
        )


@attrs.frozen
class Scheme:
    """How windows are cut: the cut-off day and the day the report is due.

    ``cutoff`` 1 gives calendar windows; ``cutoff`` c in 2..28 gives windows
    from day c of the previous month to day c-1 (Decree 09: 15, the 15th to the
    14th).  The report is due on the first day ``due`` after the window ends;
    ``due`` None sets no due date.  Decree 09 Art. 8(5) wants at least one
    working day between the cut-off and the deadline, so ``due`` must be after
    ``cutoff``.
    """

    cutoff: int = 15
    due: int | None = 20

    def __attrs_post_init__(self) -> None:
        _check_day("cut-off", self.cutoff, optional=False)
        _check_day("due", self.due, optional=True)
        if self.due is not None and self.due <= self.cutoff:
            what = " (calendar windows)" if self.cutoff == 1 else ""
            raise KpiPeriodError(
                f"due day {self.due} must be after the cut-off day {self.cutoff}{what}: Decree 09 Art. 8(5) "
                "requires at least one working day between closing the data and the deadline"
            )

    @classmethod
    def calendar(cls, due: int | None = 20) -> Scheme:
        """Calendar windows (cut-off 1): 2020-Q1 = 2020-01-01 … 2020-03-31."""
        return cls(1, due)

    @property
    def is_calendar(self) -> bool:
        return self.cutoff == 1

    def describe(self) -> str:
        """``cut-off 15, due 20``, ``calendar, due 20``, ``cut-off 16, no due date``."""
        head = "calendar" if self.is_calendar else f"cut-off {self.cutoff}"
        tail = "no due date" if self.due is None else f"due {self.due}"
        return f"{head}, {tail}"

    def __str__(self) -> str:
        return self.describe()

    def _sort_key(self) -> tuple[int, int]:
        return (self.cutoff, 0 if self.due is None else self.due)


DEFAULT_SCHEME = Scheme(15, 20)
"""Decree 09/2019 windows (15th to 14th), report due the 20th (Decision 676 IV.2)."""


# --------------------------------------------------------------------------- window arithmetic


def _month_start(year: int, month: int, scheme: Scheme) -> datetime.date:
    if scheme.cutoff == 1:
        return datetime.date(year, month, 1)
    return datetime.date(year, month, scheme.cutoff) - relativedelta(months=1)


def _month_end(year: int, month: int, scheme: Scheme) -> datetime.date:
    if scheme.cutoff == 1:
        return datetime.date(year, month, 1) + relativedelta(day=31)
    return datetime.date(year, month, scheme.cutoff) - datetime.timedelta(days=1)


def _due_after(end: datetime.date, due: int | None) -> datetime.date | None:
    if due is None:
        return None
    if due > end.day:
        return end.replace(day=due)
    return end + relativedelta(months=1, day=due)


def _first_month(kind: Kind, index: int) -> int:
    return (index - 1) * _SPAN[kind] + 1


def _last_month(kind: Kind, index: int) -> int:
    return _first_month(kind, index) + _SPAN[kind] - 1


@functools.lru_cache(maxsize=4096)
def _last_day(kind: Kind, year: int, index: int) -> datetime.date:
    """:attr:`Period.last_day`, worked out once per period (every result of a rule with a deadline asks)."""
    return datetime.date(year, _last_month(kind, index), 1) + relativedelta(day=31)


@functools.lru_cache(maxsize=65536)
def _window(kind: Kind, year: int, index: int, cutoff: int, due: int | None) -> tuple[Any, ...]:
    """(start, end, due date, sort key, key, label) of a period, worked out once per window.

    Raises ValueError or OverflowError when a date falls outside what
    ``datetime.date`` can represent (not cached: lru_cache keeps only results).
    """
    scheme = Scheme(cutoff, due)
    end = _month_end(year, _last_month(kind, index), scheme)
    start = _month_start(year, _first_month(kind, index), scheme)
    due_date = _due_after(end, due)
    sort_key = (end, start, _KIND_ORDER[kind], year, index, (cutoff, 0 if due is None else due))
    return start, end, due_date, sort_key, (kind, year, index), _label(kind, year, index)


def _label(kind: Kind, year: int, index: int) -> str:
    """``2020-03``, ``2020-Q4``, ``2020-H1``, ``2020-9M``, ``2020``."""
    if kind is Kind.MONTH:
        return f"{year:04d}-{index:02d}"
    if kind is Kind.QUARTER:
        return f"{year:04d}-Q{index}"
    if kind is Kind.HALF:
        return f"{year:04d}-H{index}"
    if kind is Kind.NINE_MONTH:
        return f"{year:04d}-9M"
    return f"{year:04d}"


def _month_of(d: datetime.date, scheme: Scheme) -> tuple[int, int]:
    """(year, month) of the month window containing ``d``."""
    if scheme.cutoff == 1 or d.day < scheme.cutoff:
        return d.year, d.month
    if d.month == 12:
        return d.year + 1, 1
    return d.year, d.month + 1


# --------------------------------------------------------------------------- periods


@attrs.frozen(eq=True, order=False)
class Period:
    """One reporting window: a kind, a labelled year, an index and a scheme.

    ``year`` is the labelled year: under cut-off 15, 2020-Q1 starts on
    2019-12-15 but its year is 2020.  ``index`` is the month (1..12), quarter
    (1..4), half (1..2), or 1 for the nine-month window and the year.
    """

    kind: Kind = attrs.field(converter=_to_kind)
    year: int
    index: int
    scheme: Scheme = DEFAULT_SCHEME
    # (start, end, due date, sort key, key, label), worked out once in __attrs_post_init__ (see _window);
    # not part of equality, hashing or the repr
    _dates: tuple[Any, ...] = attrs.field(init=False, eq=False, hash=False, repr=False)
    #: ``(kind, year, index)``: the period without its scheme (one tuple shared by equal periods)
    key: tuple[Kind, int, int] = attrs.field(init=False, eq=False, hash=False, repr=False)
    #: ``2020-03``, ``2020-Q4``, ``2020-H1``, ``2020-9M``, ``2020``
    label: str = attrs.field(init=False, eq=False, hash=False, repr=False)

    def __attrs_post_init__(self) -> None:
        if not isinstance(self.scheme, Scheme):
            raise KpiPeriodError(f"not a reporting scheme: {self.scheme!r}")
        for name in ("year", "index"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int):
                raise KpiPeriodError(f"the {name} of a period must be a whole number, not {value!r}")
        if not MIN_YEAR <= self.year <= MAX_YEAR:
            raise KpiPeriodError(f"year {self.year} is out of range {MIN_YEAR}..{MAX_YEAR}")
        top = _PER_YEAR[self.kind]
        if not 1 <= self.index <= top:
            raise KpiPeriodError(
                f"{self.kind.value} {self.index} does not exist: a year has "
                f"{self.kind.value} {'1' if top == 1 else f'1..{top}'}"
            )
        try:
            dates = _window(self.kind, self.year, self.index, self.scheme.cutoff, self.scheme.due)
        except (ValueError, OverflowError):
            raise KpiPeriodError(
                f"period {_label(self.kind, self.year, self.index)} ({self.scheme.describe()}) falls outside the dates "
                f"that can be represented (years {MIN_YEAR}..{MAX_YEAR})"
            ) from None
        object.__setattr__(self, "_dates", dates)
        # plain attributes rather than properties: read on every snapshot lookup and in every message
        object.__setattr__(self, "key", dates[4])
        object.__setattr__(self, "label", dates[5])

    # ---- named constructors

    @classmethod
    def month(cls, year: int, month: int, scheme: Scheme = DEFAULT_SCHEME) -> Period:
        return cls(Kind.MONTH, year, month, scheme)

    @classmethod
    def quarter(cls, year: int, quarter: int, scheme: Scheme = DEFAULT_SCHEME) -> Period:
        return cls(Kind.QUARTER, year, quarter, scheme)

    @classmethod
    def half(cls, year: int, half: int, scheme: Scheme = DEFAULT_SCHEME) -> Period:
        return cls(Kind.HALF, year, half, scheme)

    @classmethod
    def nine_month(cls, year: int, scheme: Scheme = DEFAULT_SCHEME) -> Period:
        return cls(Kind.NINE_MONTH, year, 1, scheme)

    @classmethod
    def annual(cls, year: int, scheme: Scheme = DEFAULT_SCHEME) -> Period:
        return cls(Kind.YEAR, year, 1, scheme)

    # ---- window

    @property
    def start(self) -> datetime.date:
        """First day of the window (inclusive)."""
        return self._dates[0]  # type: ignore[no-any-return]

    @property
    def end(self) -> datetime.date:
        """Last day of the window (inclusive)."""
        return self._dates[1]  # type: ignore[no-any-return]

    @property
    def due(self) -> datetime.date | None:
        """The day the report is due: the first day ``scheme.due`` after ``end``."""
        return self._dates[2]  # type: ignore[no-any-return]

    @property
    def last_day(self) -> datetime.date:
        """The last calendar day of the period, whatever the scheme's windows.

        What a deadline written as a period means (``due 2020`` is 2020-12-31,
        ``by Q4/2019`` 2019-12-31), as a plan's column "Thời gian hoàn thành"
        means it: 2020-12-31 even though the window of 2020 under Decree 09 ends
        on 2020-12-14.
        """
        return _last_day(self.kind, self.year, self.index)

    @property
    def days(self) -> int:
        """Number of days in the window."""
        return (self.end - self.start).days + 1

    def __str__(self) -> str:
        return self.label

    # ---- navigation

    def _shift(self, step: int) -> Period:
        n = _PER_YEAR[self.kind]
        pos = self.year * n + (self.index - 1) + step
        year, index = divmod(pos, n)
        if not MIN_YEAR <= year <= MAX_YEAR:
            where = "after" if step > 0 else "before"
            raise KpiPeriodError(f"there is no {self.kind.value} {where} {self.label}")
        return Period(self.kind, year, index + 1, self.scheme)

    def next(self) -> Period:
        """The following period of the same kind and scheme."""
        return self._shift(1)

    def previous(self) -> Period:
        """The preceding period of the same kind and scheme."""
        return self._shift(-1)

    def contains(self, other: datetime.date | Period) -> bool:
        """Whether a date, or the whole window of another period, lies in this window."""
        if isinstance(other, Period):
            return self.start <= other.start and other.end <= self.end
        if isinstance(other, datetime.datetime):
            other = other.date()
        if isinstance(other, datetime.date):
            return self.start <= other <= self.end
        raise TypeError(f"Period.contains() takes a date or a Period, not {type(other).__name__}")

    def __contains__(self, other: datetime.date | Period) -> bool:
        return self.contains(other)

    def with_scheme(self, scheme: Scheme) -> Period:
        """The same labelled period under another scheme."""
        return Period(self.kind, self.year, self.index, scheme)

    def months(self) -> list[Period]:
        """The month periods this period covers, in order."""
        first = _first_month(self.kind, self.index)
        return [
            Period(Kind.MONTH, self.year, m, self.scheme)
            for m in range(first, first + _SPAN[self.kind])
        ]

    # ---- ordering

    def _sort_key(self) -> tuple[Any, ...]:
        """(end, start, kind order, year, index, scheme): worked out once, with the dates."""
        return self._dates[3]  # type: ignore[no-any-return]

    def __lt__(self, other: object) -> bool:
        if not isinstance(other, Period):
            return NotImplemented
        return self._dates[3] < other._dates[3]  # type: ignore[no-any-return]

    def __le__(self, other: object) -> bool:
        if not isinstance(other, Period):
            return NotImplemented
        return self._dates[3] <= other._dates[3]  # type: ignore[no-any-return]

    def __gt__(self, other: object) -> bool:
        if not isinstance(other, Period):
            return NotImplemented
        return self._dates[3] > other._dates[3]  # type: ignore[no-any-return]

    def __ge__(self, other: object) -> bool:
        if not isinstance(other, Period):
            return NotImplemented
        return self._dates[3] >= other._dates[3]  # type: ignore[no-any-return]


# --------------------------------------------------------------------------- finding periods


def _coerce_date(d: object) -> datetime.date:
    if isinstance(d, datetime.datetime):
        return d.date()
    if isinstance(d, datetime.date):
        return d
    raise KpiPeriodError(f"not a date: {d!r}")


def containing(
    d: datetime.date, kind: Kind | str = Kind.QUARTER, scheme: Scheme = DEFAULT_SCHEME
) -> Period:
    """The period of ``kind`` whose window contains ``d``.

    2019-12-15 lies in 2020-Q1 under the Decree 09 scheme.  A date in the
    last three months of a year lies in no nine-month window
    (:class:`KpiPeriodError`).
    """
    d = _coerce_date(d)
    kind = parse_kind(kind)
    year, month = _month_of(d, scheme)
    if kind is Kind.NINE_MONTH and month > 9:
        raise KpiPeriodError(
            f"{d.isoformat()} lies in no nine-month window ({scheme.describe()}); "
            "nine-month windows cover months 1..9 of their year"
        )
    if not MIN_YEAR <= year <= MAX_YEAR:
        raise KpiPeriodError(f"{d.isoformat()} lies outside the supported years")
    return Period(kind, year, (month - 1) // _SPAN[kind] + 1, scheme)


def last_ending_by(
    d: datetime.date, kind: Kind | str = Kind.QUARTER, scheme: Scheme = DEFAULT_SCHEME
) -> Period:
    """The last period of ``kind`` whose window ends on or before ``d``.

    By 2020-06-30 that is 2020-Q2; by 2020-12-14 it is 2020-Q4.
    """
    d = _coerce_date(d)
    kind = parse_kind(kind)
    year, month = _month_of(d, scheme)
    # the month window containing d ends on or after d; step back unless it ends on d
    # (a month window in year MAX_YEAR + 1 cannot have ended by d)
    if year > MAX_YEAR or _month_end(year, month, scheme) > d:
        year, month = (year - 1, 12) if month == 1 else (year, month - 1)
    # (year, month) is now the last month window ending by d
    if kind is Kind.NINE_MONTH:
        if month < 9:
            year -= 1
        index = 1
    else:
        span = _SPAN[kind]
        if month % span == 0:
            index = month // span
        else:
            index = month // span  # the period before the one still running
            if index == 0:
                year, index = year - 1, _PER_YEAR[kind]
    if not MIN_YEAR <= year <= MAX_YEAR:
        raise KpiPeriodError(f"no {kind.value} window ends by {d.isoformat()}")
    return Period(kind, year, index, scheme)


def current_period(
    as_of: datetime.date, kind: Kind | str = Kind.QUARTER, scheme: Scheme = DEFAULT_SCHEME
) -> Period:
    """The last period whose window ends before ``as_of`` (the last closed window).

    As of 2020-12-15 that is 2020-Q4; as of 2020-12-14 it is still 2020-Q3.
    """
    as_of = _coerce_date(as_of)
    if as_of == datetime.date.min:
        raise KpiPeriodError(f"no reporting window closes before {as_of.isoformat()}")
    return last_ending_by(as_of - datetime.timedelta(days=1), kind, scheme)


def periods_between(a: Period, b: Period) -> Iterator[Period]:
    """The periods from ``a`` to ``b`` inclusive; none if ``a`` is after ``b``."""
    if a.kind is not b.kind or a.scheme != b.scheme:
        raise KpiPeriodError(
            f"cannot list the periods from {a.label} ({a.kind.value}, {a.scheme.describe()}) "
            f"to {b.label} ({b.kind.value}, {b.scheme.describe()}): "
            "they must be of the same kind and scheme"
        )
    p = a
    while p <= b:
        yield p
        if p == b:
            return
        p = p.next()


def periods_of_year(
    year: int, kind: Kind | str, scheme: Scheme = DEFAULT_SCHEME
) -> list[Period]:
    """All periods of ``kind`` labelled with ``year``, in order."""
    kind = parse_kind(kind)
    return [Period(kind, year, i, scheme) for i in range(1, _PER_YEAR[kind] + 1)]

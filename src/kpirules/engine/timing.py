"""Time: the one rule of "which period is current, and is P judged, as of D", and the as-of date, parsed once.

A reporting period is judged once its window has closed.  As of a date D, the
current period is the last one whose window closed before D.  A period P named
by a person (``report --period``, ``check --period``, the roll-up) is judged on
the as-of date they gave, or by default on its report's due date (the day after
its window when the plan sets no due day), or on D when that comes first; in
every case P's window must have closed before that day.
"""

from __future__ import annotations

import datetime

import attrs

from kpirules.data import Data
from kpirules.errors import KpiError, KpiPeriodError
from kpirules.periods import Kind, Period, Scheme, current_period, parse_date

__all__ = ["AsOf", "as_of", "as_date", "today", "current", "judged_on", "report_as_of", "first_period"]


def today() -> datetime.date:
    """Today: the as-of date when nobody gives one."""
    return datetime.date.today()


@attrs.frozen
class AsOf:
    """An as-of date, and whether a person gave it (else it is today)."""

    date: datetime.date
    given: bool


def as_of(value: datetime.date | str | AsOf | None) -> AsOf:
    """The as-of date of a command or an API call, parsed once: a date, ``YYYY-MM-DD``, or None for today."""
    if isinstance(value, AsOf):
        return value
    if value is None:
        return AsOf(today(), False)
    return AsOf(as_date(value), True)


def as_date(d: datetime.date | str | None) -> datetime.date:
    """A date from a date, a datetime or ``YYYY-MM-DD`` text (None: today)."""
    if d is None:
        return today()
    if isinstance(d, datetime.datetime):
        return d.date()
    if isinstance(d, datetime.date):
        return d
    try:
        return parse_date(str(d))
    except KpiPeriodError as exc:
        raise KpiError(f"as-of date: {exc}") from None


def current(day: datetime.date, kind: Kind, scheme: Scheme) -> Period | None:
    """The current period as of ``day``: the last of ``kind`` whose window closed before it (None before any)."""
    try:
        return current_period(day, kind, scheme)
    except KpiPeriodError:
        return None


def judged_on(period: Period, when: AsOf, *, limit: bool = False) -> datetime.date:
    """The day ``period`` is judged on as of ``when``, or a :class:`KpiError` when its window has not closed.

    The day is the as-of date a person gave, else the period's report's due date
    (:func:`report_as_of`), or today when that comes first.  With ``limit`` (the
    roll-up) the given date too is only a limit: each period is judged on its due
    date, or on the given date when that comes first.
    """
    day = when.date
    if period.end >= day:
        if not when.given:
            raise KpiError(f"{period.label}'s window has not closed: it ends on {period.end.isoformat()}; "
                           f"a period is reported once its window has closed (give --as-of to judge it as of a date)")
        if limit:
            raise KpiError(f"{period.label}'s window ends on {period.end.isoformat()}, not before the as-of date "
                           f"{day.isoformat()}: a period is checked once its window has closed")
        raise KpiError(
            f"as-of date {day.isoformat()} is not after the end of {period.label}'s window "
            f"({period.end.isoformat()}): a period is reported once its window has closed; "
            f"leave --as-of out to use its due date"
        )
    if when.given and not limit:
        return day
    return min(report_as_of(period), day)  # never a day still to come


def report_as_of(period: Period) -> datetime.date:
    """The day a period is judged on by default: its report's due date, or the day after its window when it has none."""
    return period.due or period.end + datetime.timedelta(days=1)


def first_period(data: Data, kind: Kind, scheme: Scheme) -> Period | None:
    """The first period of ``kind`` that has data."""
    firsts = [p.with_scheme(scheme) for p in data.periods.values() if p.kind is kind]
    return min(firsts) if firsts else None

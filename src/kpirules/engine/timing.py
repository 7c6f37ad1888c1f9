"""Time: the as-of date, the first period with data, and the day a period is judged on by default."""

from __future__ import annotations

import datetime

from kpirules.data import Data
from kpirules.errors import KpiError, KpiPeriodError
from kpirules.periods import Kind, Period, Scheme, parse_date

__all__ = ["report_as_of", "first_period", "as_date"]


def report_as_of(period: Period) -> datetime.date:
    """The day a period is judged on by default: its report's due date, or the day after its window when it has none."""
    return period.due or period.end + datetime.timedelta(days=1)



def first_period(data: Data, kind: Kind, scheme: Scheme) -> Period | None:
    firsts = [p.with_scheme(scheme) for p in data.periods.values() if p.kind is kind]
    return min(firsts) if firsts else None



def as_date(d: datetime.date | str | None) -> datetime.date:
    if d is None:
        return datetime.date.today()
    if isinstance(d, datetime.datetime):
        return d.date()
    if isinstance(d, datetime.date):
        return d
    try:
        return parse_date(str(d))
    except KpiPeriodError as exc:
        raise KpiError(f"as-of date: {exc}") from None



"""Reporting periods: the windows of Decree 09/2019/NĐ-CP and of the plan.

A :class:`Period` is one reporting window of a :class:`Kind` (month, quarter,
half-year, the cumulative nine-month window, year) under a :class:`Scheme`
(the cut-off day that opens the windows and the day the report is due).

Under the Decree 09 default (cut-off 15) the month 2020-03 runs from
2020-02-15 to 2020-03-14, the quarter 2020-Q1 from 2019-12-15 to 2020-03-14 and
the year 2020 from 2019-12-15 to 2020-12-14; the report is due on the 20th of
the window's last month.  Cut-off 1 gives calendar windows, whose report is due
in the following month::

    >>> p = parse_period("Quý IV/2019")
    >>> p.label, p.start.isoformat(), p.end.isoformat(), p.due.isoformat()
    ('2019-Q4', '2019-09-15', '2019-12-14', '2019-12-20')
    >>> containing(datetime.date(2019, 12, 15)).label
    '2020-Q1'
"""

from kpirules.errors import KpiPeriodError as KpiPeriodError
from kpirules.periods.labels import ACCEPTED_FORMS, parse_date, parse_period
from kpirules.periods.labels import ROMAN_NUMERALS as ROMAN_NUMERALS
from kpirules.periods.windows import (
    DEFAULT_SCHEME,
    Kind,
    Period,
    Scheme,
    containing,
    current_period,
    last_ending_by,
    parse_kind,
    periods_between,
    periods_of_year,
)
from kpirules.periods.windows import MAX_YEAR as MAX_YEAR
from kpirules.periods.windows import MIN_YEAR as MIN_YEAR

__all__ = [
    "ACCEPTED_FORMS",
    "DEFAULT_SCHEME",
    "Kind",
    "Period",
    "Scheme",
    "containing",
    "current_period",
    "last_ending_by",
    "parse_kind",
    "parse_date",
    "parse_period",
    "periods_between",
    "periods_of_year",
]


# (a renamed public name of this module still works for one minor release: kpirules.deprecation)
from kpirules.deprecation import module_getattr as _module_getattr  # noqa: E402

__getattr__ = _module_getattr(__name__)

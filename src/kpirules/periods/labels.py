"""Period labels and dates as people write them in reports: text to :class:`Period` or date."""

from __future__ import annotations

import datetime
import functools
import re

from kpirules.errors import KpiPeriodError
from kpirules.periods.windows import DEFAULT_SCHEME, MAX_YEAR, MIN_YEAR, Kind, Period, Scheme
from kpirules.text import fold

__all__ = ["ACCEPTED_FORMS", "ROMAN_NUMERALS", "parse_date", "parse_period"]

ACCEPTED_FORMS: tuple[str, ...] = (
    "2020 / năm 2020 (year)",
    "2020-Q4, 2020Q4, Q4/2020, Q4-2020 (quarter)",
    "Quý IV/2019, quý 4/2019, quý IV năm 2019 (quarter)",
    "2020-H1, 2020H1, H1/2020 (half-year)",
    "6 tháng đầu năm 2020, 6 tháng cuối năm 2020, 6 tháng I/2020 (half-year)",
    "2020-9M, 9M/2020, 9 tháng năm 2020, 9 tháng đầu năm 2020 (nine months)",
    "2020-03, 03/2020, tháng 3/2020, tháng 3 năm 2020 (month)",
)

#: the Roman numerals 1–12, as labels write quarters and months (Quý IV)
ROMAN_NUMERALS = ("I", "II", "III", "IV", "V", "VI", "VII", "VIII", "IX", "X", "XI", "XII")
_ROMAN = {numeral.lower(): n for n, numeral in enumerate(ROMAN_NUMERALS, 1)}


def _normalize(text: str) -> str:
    s = fold(text)
    s = re.sub(r"[\u2010-\u2015\u2212]", "-", s)  # hyphens and dashes
    s = re.sub(r"\s+", " ", s).strip()
    return re.sub(r" ?([/-]) ?", r"\1", s)


_Y = r"(?P<y>[0-9]{4})"
_SEP = r"(?:/|-| nam | )"  # between the period and its year
_PATTERNS: tuple[tuple[Kind, re.Pattern[str]], ...] = tuple(
    (kind, re.compile(p))
    for kind, p in (
        (Kind.YEAR, rf"(?:nam )?{_Y}"),
        (Kind.QUARTER, rf"{_Y}[- ]?q(?P<n>[0-9]+)"),
        (Kind.QUARTER, rf"q(?P<n>[0-9]+){_SEP}{_Y}"),
        (Kind.QUARTER, rf"quy ?(?P<n>[0-9]+|[ivx]+){_SEP}{_Y}"),
        (Kind.HALF, rf"{_Y}[- ]?h(?P<n>[0-9]+)"),
        (Kind.HALF, rf"h(?P<n>[0-9]+){_SEP}{_Y}"),
        (Kind.HALF, rf"(?:6|sau) thang (?P<w>dau|cuoi){_SEP}{_Y}"),
        (Kind.HALF, rf"(?:6|sau) thang (?P<n>[ivx]+){_SEP}{_Y}"),
        (Kind.NINE_MONTH, rf"{_Y}[- ]?9m"),
        (Kind.NINE_MONTH, rf"9m{_SEP}{_Y}"),
        (Kind.NINE_MONTH, rf"(?:9|chin) thang(?: dau)?{_SEP}{_Y}"),
        (Kind.MONTH, rf"{_Y}-(?P<n>[0-9]{{1,2}})"),
        (Kind.MONTH, rf"(?P<n>[0-9]{{1,2}})[/-]{_Y}"),
        (Kind.MONTH, rf"thang (?P<n>[0-9]{{1,2}}){_SEP}{_Y}"),
    )
)


def _accepted() -> str:
    return "; ".join(ACCEPTED_FORMS)


def parse_period(text: str, scheme: Scheme = DEFAULT_SCHEME) -> Period:
    """Read a period label as people write it in reports, under ``scheme``.

    Accepts the canonical labels (``2020-03``, ``2020-Q4``, ``2020-H1``,
    ``2020-9M``, ``2020``), ``Q4/2020`` and the Vietnamese forms (``Quý IV/2019``,
    ``6 tháng đầu năm 2020``, ``tháng 3/2020``, …), with or without
    diacritics, in any case.  Anything else is a :class:`KpiPeriodError` that
    lists the accepted forms.
    """
    if isinstance(text, Period):
        return text.with_scheme(scheme)
    if not isinstance(text, str):
        raise KpiPeriodError(f"not a period label: {text!r}; accepted forms: {_accepted()}")
    return _parse_label(text, scheme)


@functools.lru_cache(maxsize=4096)
def _parse_label(text: str, scheme: Scheme) -> Period:
    """parse_period of a text label; the Period is immutable, so a label is read once (errors are not cached)."""
    s = _normalize(text)
    for kind, pattern in _PATTERNS:
        m = pattern.fullmatch(s)
        if m is None:
            continue
        groups = m.groupdict()
        year = int(groups["y"])
        if kind in (Kind.YEAR, Kind.NINE_MONTH):
            index = 1
        elif groups.get("w") is not None:
            index = 1 if groups["w"] == "dau" else 2
        else:
            n = groups["n"]
            if n.isdigit():
                index = int(n)
            elif n in _ROMAN:
                index = _ROMAN[n]
            else:
                raise KpiPeriodError(f"{text!r}: {n.upper()!r} is not a Roman numeral I..IV")
        top = kind.per_year
        if not 1 <= index <= top:
            raise KpiPeriodError(
                f"{text!r}: there is no {kind.value} {index} (a year has {kind.value}s 1..{top})"
            )
        if not MIN_YEAR <= year <= MAX_YEAR:
            raise KpiPeriodError(f"{text!r}: year {year} is out of range {MIN_YEAR}..{MAX_YEAR}")
        try:
            return Period(kind, year, index, scheme)
        except KpiPeriodError as exc:
            raise KpiPeriodError(f"{text!r}: {exc}") from None
    raise KpiPeriodError(
        f"not a reporting period: {text!r}; accepted forms (year in 4 digits, "
        f"any case, with or without Vietnamese diacritics): {_accepted()}"
    )


_ISO_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
_VN_DATE = re.compile(r"([0-9]{1,2})/([0-9]{1,2})/([0-9]{4})")


def parse_date(text: str) -> datetime.date:
    """A date as people write it: ``2020-12-18`` (ISO) or ``18/12/2020`` (day first, as in Vietnam).

    A well-formed date that does not exist (``2020-02-30``) is an error that says so.
    """
    t = text.strip()
    try:
        if _ISO_DATE.fullmatch(t):
            return datetime.date.fromisoformat(t)
        m = _VN_DATE.fullmatch(t)
        if m:
            return datetime.date(int(m.group(3)), int(m.group(2)), int(m.group(1)))
    except ValueError as exc:
        raise KpiPeriodError(f"{text!r} is not a valid date ({exc})") from None
    raise KpiPeriodError(f"{text!r} is not a date; write YYYY-MM-DD (2020-12-18) or DD/MM/YYYY (18/12/2020)")

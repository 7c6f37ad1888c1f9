"""Reporting periods (issue 2): windows, due dates, labels, the laws, the command."""

from __future__ import annotations

import datetime
import json
from datetime import date

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kpirules import KpiError, KpiPeriodError
from kpirules.cli import main
from kpirules.periods import (
    ACCEPTED_FORMS,
    DEFAULT_SCHEME,
    Kind,
    Period,
    Scheme,
    containing,
    current_period,
    last_ending_by,
    parse_kind,
    parse_period,
    periods_between,
    periods_of_year,
)

D = date.fromisoformat
CAL = Scheme.calendar()
INSPECTION = Scheme(16, 20)


def window(p: Period) -> tuple[str, str, str | None]:
    return (p.start.isoformat(), p.end.isoformat(), p.due.isoformat() if p.due else None)


# --------------------------------------------------------------------------- the issue's windows


@pytest.mark.parametrize(
    "period, start, end, due",
    [
        (Period.month(2020, 3), "2020-02-15", "2020-03-14", "2020-03-20"),
        (Period.month(2020, 1), "2019-12-15", "2020-01-14", "2020-01-20"),
        (Period.quarter(2020, 1), "2019-12-15", "2020-03-14", "2020-03-20"),
        (Period.quarter(2020, 2), "2020-03-15", "2020-06-14", "2020-06-20"),
        (Period.quarter(2020, 3), "2020-06-15", "2020-09-14", "2020-09-20"),
        (Period.quarter(2020, 4), "2020-09-15", "2020-12-14", "2020-12-20"),
        (Period.half(2020, 1), "2019-12-15", "2020-06-14", "2020-06-20"),
        (Period.half(2020, 2), "2020-06-15", "2020-12-14", "2020-12-20"),
        (Period.nine_month(2020), "2019-12-15", "2020-09-14", "2020-09-20"),
        (Period.annual(2020), "2019-12-15", "2020-12-14", "2020-12-20"),
        (Period.quarter(2020, 1, INSPECTION), "2019-12-16", "2020-03-15", "2020-03-20"),
        (Period.nine_month(2020, INSPECTION), "2019-12-16", "2020-09-15", "2020-09-20"),
        (Period.quarter(2020, 1, CAL), "2020-01-01", "2020-03-31", "2020-04-20"),
        (Period.quarter(2020, 4, CAL), "2020-10-01", "2020-12-31", "2021-01-20"),
        (Period.month(2020, 2, CAL), "2020-02-01", "2020-02-29", "2020-03-20"),
        (Period.month(2019, 2, CAL), "2019-02-01", "2019-02-28", "2019-03-20"),
        (Period.annual(2020, CAL), "2020-01-01", "2020-12-31", "2021-01-20"),
        (Period.month(2020, 3, Scheme(28, None)), "2020-02-28", "2020-03-27", None),
        (Period.month(2020, 3, Scheme(2, 3)), "2020-02-02", "2020-03-01", "2020-03-03"),
    ],
    ids=str,
)
def test_windows(period, start, end, due):
    assert window(period) == (start, end, due)


def test_labels_and_keys():
    assert [str(p) for p in (Period.month(2020, 3), Period.quarter(2020, 4), Period.half(2020, 1))] == [
        "2020-03",
        "2020-Q4",
        "2020-H1",
    ]
    assert Period.nine_month(2020).label == "2020-9M"
    assert Period.annual(2020).label == "2020"
    assert Period.annual(987, CAL).label == "0987"
    assert Period.quarter(2020, 4).key == (Kind.QUARTER, 2020, 4)
    assert Period.quarter(2020, 4).key == Period.quarter(2020, 4, CAL).key
    assert Period.quarter(2020, 4) != Period.quarter(2020, 4, CAL)
    assert Period("quarter", 2020, 4) == Period.quarter(2020, 4)
    assert Period.quarter(2020, 1).scheme is DEFAULT_SCHEME
    assert Period.quarter(2020, 4).with_scheme(CAL) == Period.quarter(2020, 4, CAL)
    assert len({Period.quarter(2020, 4), Period.quarter(2020, 4), Period.quarter(2020, 3)}) == 2


def test_due_dates():
    assert Period.quarter(2020, 1).due == D("2020-03-20")
    assert Period.quarter(2020, 4).due == D("2020-12-20")
    assert Period.quarter(2020, 4, Scheme(15, None)).due is None
    assert Period.quarter(2020, 4, Scheme(15, 25)).due == D("2020-12-25")
    assert Period.month(2020, 1, Scheme.calendar(28)).due == D("2020-02-28")


@pytest.mark.parametrize(
    "d, kind, scheme, label",
    [
        ("2019-12-15", Kind.QUARTER, DEFAULT_SCHEME, "2020-Q1"),
        ("2019-12-15", Kind.YEAR, DEFAULT_SCHEME, "2020"),
        ("2019-12-14", Kind.YEAR, DEFAULT_SCHEME, "2019"),
        ("2019-12-15", Kind.HALF, DEFAULT_SCHEME, "2020-H1"),
        ("2019-12-15", Kind.MONTH, DEFAULT_SCHEME, "2020-01"),
        ("2019-12-15", Kind.NINE_MONTH, DEFAULT_SCHEME, "2020-9M"),
        ("2020-12-14", Kind.QUARTER, DEFAULT_SCHEME, "2020-Q4"),
        ("2020-12-15", Kind.QUARTER, DEFAULT_SCHEME, "2021-Q1"),
        ("2020-03-15", Kind.QUARTER, DEFAULT_SCHEME, "2020-Q2"),
        ("2020-03-14", Kind.QUARTER, DEFAULT_SCHEME, "2020-Q1"),
        ("2020-02-29", Kind.MONTH, DEFAULT_SCHEME, "2020-03"),
        ("2020-02-29", Kind.QUARTER, DEFAULT_SCHEME, "2020-Q1"),
        ("2020-02-29", Kind.MONTH, CAL, "2020-02"),
        ("2020-02-29", Kind.MONTH, Scheme(28, None), "2020-03"),
        ("2019-12-15", Kind.QUARTER, INSPECTION, "2019-Q4"),
        ("2019-12-16", Kind.QUARTER, INSPECTION, "2020-Q1"),
        ("2020-03-31", Kind.QUARTER, CAL, "2020-Q1"),
        ("2020-12-31", Kind.YEAR, CAL, "2020"),
    ],
)
def test_containing(d, kind, scheme, label):
    p = containing(D(d), kind, scheme)
    assert p.label == label and p.scheme == scheme and p.contains(D(d))


def test_containing_defaults_and_errors():
    assert containing(D("2020-05-01")) == Period.quarter(2020, 2)
    assert containing(datetime.datetime(2020, 5, 1, 12, 0)) == Period.quarter(2020, 2)
    assert containing(D("2020-05-01"), "half") == Period.half(2020, 1)
    with pytest.raises(KpiPeriodError, match="nine-month"):
        containing(D("2020-10-01"), Kind.NINE_MONTH)
    with pytest.raises(KpiPeriodError):
        containing("2020-10-01")  # type: ignore[arg-type]


def test_last_ending_by_and_current_period():
    assert last_ending_by(D("2020-06-30")) == Period.quarter(2020, 2)
    assert last_ending_by(D("2020-12-14")) == Period.quarter(2020, 4)
    assert last_ending_by(D("2020-12-13")) == Period.quarter(2020, 3)
    assert last_ending_by(D("2020-12-14"), Kind.YEAR) == Period.annual(2020)
    assert last_ending_by(D("2020-12-13"), Kind.YEAR) == Period.annual(2019)
    assert last_ending_by(D("2020-09-14"), Kind.NINE_MONTH) == Period.nine_month(2020)
    assert last_ending_by(D("2020-09-13"), Kind.NINE_MONTH) == Period.nine_month(2019)
    assert last_ending_by(D("2020-06-30"), Kind.QUARTER, CAL) == Period.quarter(2020, 2, CAL)
    assert last_ending_by(D("2020-06-29"), Kind.QUARTER, CAL) == Period.quarter(2020, 1, CAL)
    assert current_period(D("2020-12-15")) == Period.quarter(2020, 4)
    assert current_period(D("2020-12-18")) == Period.quarter(2020, 4)
    assert current_period(D("2020-12-14")) == Period.quarter(2020, 3)
    assert current_period(D("2021-01-01"), Kind.MONTH) == Period.month(2020, 12)
    assert current_period(D("2021-01-01"), Kind.YEAR, CAL) == Period.annual(2020, CAL)
    assert current_period(D("2020-12-31"), Kind.YEAR, CAL) == Period.annual(2019, CAL)


def test_navigation_and_spans():
    q = Period.quarter(2020, 4)
    assert q.next() == Period.quarter(2021, 1)
    assert Period.quarter(2021, 1).previous() == q
    assert Period.month(2020, 1).previous() == Period.month(2019, 12)
    assert Period.nine_month(2020).next() == Period.nine_month(2021)
    assert Period.annual(2020).previous() == Period.annual(2019)
    assert [p.label for p in periods_between(Period.quarter(2019, 3), Period.quarter(2020, 2))] == [
        "2019-Q3",
        "2019-Q4",
        "2020-Q1",
        "2020-Q2",
    ]
    assert list(periods_between(q, q)) == [q]
    assert list(periods_between(q.next(), q)) == []
    with pytest.raises(KpiPeriodError):
        list(periods_between(q, Period.annual(2021)))
    with pytest.raises(KpiPeriodError):
        list(periods_between(q, Period.quarter(2021, 1, CAL)))
    assert [p.label for p in periods_of_year(2020, Kind.HALF)] == ["2020-H1", "2020-H2"]
    assert len(periods_of_year(2020, "month", CAL)) == 12
    assert Period.quarter(2020, 2).months() == [Period.month(2020, m) for m in (4, 5, 6)]
    assert [m.label for m in Period.nine_month(2020).months()][-1] == "2020-09"
    assert len(Period.annual(2020).months()) == 12


def test_contains():
    y = Period.annual(2020)
    assert y.contains(D("2019-12-15")) and y.contains(D("2020-12-14"))
    assert not y.contains(D("2020-12-15")) and not y.contains(D("2019-12-14"))
    assert y.contains(Period.quarter(2020, 1)) and y.contains(Period.half(2020, 2))
    assert y.contains(Period.nine_month(2020)) and y.contains(y)
    assert not Period.quarter(2020, 1).contains(y)
    assert not y.contains(Period.quarter(2020, 4, CAL))  # ends 2020-12-31
    assert D("2020-01-01") in Period.quarter(2020, 1)


def test_ordering():
    qs = [Period.quarter(2021, 1), Period.quarter(2019, 4), Period.quarter(2020, 2)]
    assert [p.label for p in sorted(qs)] == ["2019-Q4", "2020-Q2", "2021-Q1"]
    assert Period.quarter(2020, 1) < Period.quarter(2020, 2) <= Period.quarter(2020, 2)
    assert Period.month(2020, 12) > Period.month(2020, 11) >= Period.month(2020, 11)
    mixed = [Period.annual(2020), Period.month(2020, 3), Period.quarter(2020, 1), Period.half(2020, 1)]
    assert [p.label for p in sorted(mixed)] == ["2020-Q1", "2020-03", "2020-H1", "2020"]
    assert sorted(mixed) == sorted(reversed(mixed))
    with pytest.raises(TypeError):
        Period.annual(2020) < 2020  # noqa: B015


# --------------------------------------------------------------------------- schemes and kinds


def test_schemes():
    assert DEFAULT_SCHEME == Scheme() == Scheme(15, 20)
    assert Scheme.calendar() == Scheme(1, 20) and Scheme.calendar().is_calendar
    assert not DEFAULT_SCHEME.is_calendar
    assert DEFAULT_SCHEME.describe() == "cut-off 15, due 20"
    assert Scheme.calendar().describe() == "calendar, due 20"
    assert Scheme(16, None).describe() == "cut-off 16, no due date"
    assert Scheme(28, None).cutoff == 28


@pytest.mark.parametrize(
    "args, match",
    [
        ((0, None), "cut-off day must be from 1 to 28"),
        ((29, None), "cut-off day must be from 1 to 28"),
        ((15, 0), "due day must be from 1 to 28"),
        ((15, 31), "due day must be from 1 to 28"),
        ((15, 15), "Art. 8"),
        ((15, 10), "due day 10 must be after the cut-off day 15"),
        ((25, 20), "due day 20"),
        ((1, 1), "Art. 8"),
        (("15", 20), "whole number"),
        ((True, None), "whole number"),
    ],
)
def test_bad_schemes(args, match):
    with pytest.raises(KpiPeriodError, match=match) as info:
        Scheme(*args)
    assert isinstance(info.value, KpiError) and isinstance(info.value, ValueError)


def test_parse_kind():
    for word, kind in [
        ("month", Kind.MONTH),
        ("Monthly", Kind.MONTH),
        ("quarter", Kind.QUARTER),
        ("quarterly", Kind.QUARTER),
        ("half", Kind.HALF),
        ("half-year", Kind.HALF),
        ("half-yearly", Kind.HALF),
        ("semiannual", Kind.HALF),
        ("nine-month", Kind.NINE_MONTH),
        ("9m", Kind.NINE_MONTH),
        ("9M", Kind.NINE_MONTH),
        ("year", Kind.YEAR),
        ("yearly", Kind.YEAR),
        ("annual", Kind.YEAR),
        (Kind.HALF, Kind.HALF),
    ]:
        assert parse_kind(word) is kind
    with pytest.raises(KpiPeriodError, match="weekly"):
        parse_kind("weekly")


def test_bad_periods():
    with pytest.raises(KpiPeriodError, match="quarter 5"):
        Period.quarter(2020, 5)
    with pytest.raises(KpiPeriodError, match="month 13"):
        Period.month(2020, 13)
    with pytest.raises(KpiPeriodError):
        Period(Kind.NINE_MONTH, 2020, 2)
    with pytest.raises(KpiPeriodError):
        Period.annual(0)
    with pytest.raises(KpiPeriodError):
        Period.annual(10000)
    with pytest.raises(KpiPeriodError):
        Period("weekly", 2020, 1)
    with pytest.raises(KpiPeriodError):
        Period.quarter(2020.0, 1)  # type: ignore[arg-type]


def test_edges_of_the_calendar():
    # windows that would start in year 0 or end (or fall due) in year 10000
    with pytest.raises(KpiPeriodError):
        Period.quarter(1, 1)
    with pytest.raises(KpiPeriodError):
        Period.quarter(9999, 4, CAL)  # due 10000-01-20
    assert Period.quarter(9999, 4, Scheme.calendar(None)).end == D("9999-12-31")
    assert Period.quarter(1, 1, CAL).start == D("0001-01-01")
    with pytest.raises(KpiPeriodError):  # 0001-Q1 would start in year 0
        Period.quarter(1, 2).previous()
    with pytest.raises(KpiPeriodError):
        Period.quarter(1, 1, CAL).previous()
    with pytest.raises(KpiPeriodError):
        Period.quarter(9999, 4).next()
    with pytest.raises(KpiPeriodError):
        Period.annual(9999, Scheme.calendar(None)).next()
    with pytest.raises(KpiPeriodError):
        containing(D("9999-12-20"))
    with pytest.raises(KpiPeriodError):
        containing(D("0001-01-01"))
    with pytest.raises(KpiPeriodError):
        current_period(date.min)
    assert last_ending_by(D("9999-12-20"), Kind.MONTH) == Period.month(9999, 12)
    assert containing(D("0001-01-01"), Kind.YEAR, CAL) == Period.annual(1, CAL)
    with pytest.raises(KpiPeriodError):
        last_ending_by(D("0001-06-01"), Kind.YEAR, CAL)


# --------------------------------------------------------------------------- labels


@pytest.mark.parametrize(
    "text, label",
    [
        ("2020-Q4", "2020-Q4"),
        ("2020Q4", "2020-Q4"),
        ("2020 Q4", "2020-Q4"),
        ("2020-q4", "2020-Q4"),
        ("Q4/2020", "2020-Q4"),
        ("Q4-2020", "2020-Q4"),
        ("Q4 2020", "2020-Q4"),
        (" q4 / 2020 ", "2020-Q4"),
        ("2020-H1", "2020-H1"),
        ("2020H2", "2020-H2"),
        ("H1/2020", "2020-H1"),
        ("H2-2020", "2020-H2"),
        ("2020-9M", "2020-9M"),
        ("2020-9m", "2020-9M"),
        ("9M/2020", "2020-9M"),
        ("2020-03", "2020-03"),
        ("2020-3", "2020-03"),
        ("03/2020", "2020-03"),
        ("3/2020", "2020-03"),
        ("12-2020", "2020-12"),
        ("2020", "2020"),
        # Vietnamese
        ("Quý IV/2019", "2019-Q4"),
        ("quý 4/2019", "2019-Q4"),
        ("quý IV năm 2019", "2019-Q4"),
        ("Quý I năm 2020", "2020-Q1"),
        ("QUÝ II/2020", "2020-Q2"),
        ("quý III - 2020", "2020-Q3"),
        ("Quý  IV   năm  2019", "2019-Q4"),
        ("6 tháng đầu năm 2020", "2020-H1"),
        ("6 tháng cuối năm 2020", "2020-H2"),
        ("6 Tháng Đầu Năm 2020", "2020-H1"),
        ("sáu tháng đầu năm 2020", "2020-H1"),
        ("6 tháng I/2020", "2020-H1"),
        ("6 tháng II năm 2020", "2020-H2"),
        ("9 tháng năm 2020", "2020-9M"),
        ("9 tháng đầu năm 2020", "2020-9M"),
        ("9 tháng/2020", "2020-9M"),
        ("tháng 3/2020", "2020-03"),
        ("tháng 03/2020", "2020-03"),
        ("tháng 3 năm 2020", "2020-03"),
        ("Tháng 12 năm 2019", "2019-12"),
        ("năm 2020", "2020"),
        ("Năm 2020", "2020"),
        # without diacritics
        ("quy IV/2019", "2019-Q4"),
        ("Quy 4 nam 2019", "2019-Q4"),
        ("6 thang dau nam 2020", "2020-H1"),
        ("6 thang cuoi nam 2020", "2020-H2"),
        ("9 thang nam 2020", "2020-9M"),
        ("thang 3/2020", "2020-03"),
        ("thang 3 nam 2020", "2020-03"),
        ("nam 2020", "2020"),
        # composed vs decomposed Unicode
        ("Qu\u0079\u0301 IV/2019", "2019-Q4"),
        ("6 tha\u0301ng \u0111a\u0302\u0300u n\u0103m 2020", "2020-H1"),
    ],
)
def test_parse_period(text, label):
    p = parse_period(text)
    assert p.label == label and p.scheme == DEFAULT_SCHEME


def test_parse_period_uses_the_scheme():
    p = parse_period("Quý IV/2019", CAL)
    assert p == Period.quarter(2019, 4, CAL) and p.end == D("2019-12-31")
    assert parse_period("Q4/2019").end == D("2019-12-14")


@pytest.mark.parametrize(
    "text, match",
    [
        ("Q5/2020", "Q5/2020"),
        ("2020-Q0", "quarter 0"),
        ("quý V/2019", "quarter 5"),
        ("2020-13", "month 13"),
        ("13/2020", "month 13"),
        ("tháng 0/2020", "month 0"),
        ("2020-H3", "half 3"),
        ("6 tháng III/2020", "half 3"),
        ("quý IIII/2019", "Roman"),
        ("0000", "year 0"),
    ],
)
def test_parse_period_out_of_range(text, match):
    with pytest.raises(KpiPeriodError, match=match) as info:
        parse_period(text)
    assert repr(text) in str(info.value)


@pytest.mark.parametrize(
    "text",
    [
        "",
        "   ",
        "hello",
        "20-Q1",
        "Q4/20",
        "quý IV/19",
        "2020-Q",
        "Q4",
        "20201",
        "2020/03/15",
        "2020-03-15",
        "6 tháng năm 2020",
        "tháng 3",
        "năm",
        "2020-10M",
    ],
)
def test_parse_period_rejects(text):
    with pytest.raises(KpiPeriodError, match="accepted forms") as info:
        parse_period(text)
    message = str(info.value)
    assert repr(text) in message
    assert "Quý IV/2019" in message and "2020-Q4" in message


def test_parse_period_rejects_non_text():
    with pytest.raises(KpiPeriodError):
        parse_period(2020)  # type: ignore[arg-type]


def test_accepted_forms_parse():
    # every example in ACCEPTED_FORMS is itself accepted
    for line in ACCEPTED_FORMS:
        examples = line.rsplit(" (", 1)[0]
        for example in examples.replace(" / ", ", ").split(", "):
            parse_period(example)


# --------------------------------------------------------------------------- laws (hypothesis)

TILING_KINDS = [Kind.MONTH, Kind.QUARTER, Kind.HALF, Kind.YEAR]


@st.composite
def schemes(draw):
    cutoff = draw(st.integers(1, 28))
    due = draw(st.one_of(st.none(), st.integers(cutoff + 1, 28))) if cutoff < 28 else None
    return Scheme(cutoff, due)


dates = st.dates(date(3, 1, 1), date(9900, 12, 31))
kinds = st.sampled_from(list(Kind))
tiling_kinds = st.sampled_from(TILING_KINDS)


@st.composite
def periods(draw, kind=kinds):
    kind = draw(kind)
    scheme = draw(schemes())
    year = draw(st.integers(3, 9900))
    index = draw(st.integers(1, {Kind.MONTH: 12, Kind.QUARTER: 4, Kind.HALF: 2}.get(kind, 1)))
    return Period(kind, year, index, scheme)


LAWS = settings(max_examples=200, deadline=None)


@LAWS
@given(periods(tiling_kinds))
def test_law_windows_tile(p):
    assert p.start <= p.end
    assert p.next().start == p.end + datetime.timedelta(days=1)
    assert p.previous().end == p.start - datetime.timedelta(days=1)


@LAWS
@given(dates, tiling_kinds, schemes())
def test_law_every_date_in_exactly_one_window(d, kind, scheme):
    p = containing(d, kind, scheme)
    assert p.contains(d) and p.kind is kind and p.scheme == scheme
    assert not p.previous().contains(d) and not p.next().contains(d)
    # and no other window of the year around it
    near = [q for y in (p.year - 1, p.year, p.year + 1) for q in periods_of_year(y, kind, scheme)]
    assert [q for q in near if q.contains(d)] == [p]


@LAWS
@given(periods(st.just(Kind.QUARTER)))
def test_law_quarter_in_one_year_one_half_three_months(q):
    years = [Period.annual(y, q.scheme) for y in (q.year - 1, q.year, q.year + 1)]
    assert [y for y in years if y.contains(q)] == [Period.annual(q.year, q.scheme)]
    halves = [h for y in (q.year - 1, q.year, q.year + 1) for h in periods_of_year(y, Kind.HALF, q.scheme)]
    assert len([h for h in halves if h.contains(q)]) == 1
    months = q.months()
    assert len(months) == 3 and all(q.contains(m) for m in months)
    assert months[0].start == q.start and months[-1].end == q.end
    assert all(a.end + datetime.timedelta(days=1) == b.start for a, b in zip(months, months[1:]))
    around = [m for y in (q.year - 1, q.year, q.year + 1) for m in periods_of_year(y, Kind.MONTH, q.scheme)]
    assert len({m for m in around if q.contains(m)}) == 3


@LAWS
@given(periods(), st.sampled_from([str.upper, str.lower, lambda s: s]))
def test_law_parse_label_roundtrip(p, case):
    assert parse_period(case(p.label), p.scheme) == p
    assert parse_period(p.label, p.scheme).key == p.key


@LAWS
@given(periods())
def test_law_containing_start_and_end(p):
    if p.kind is Kind.NINE_MONTH:  # nine-month windows do not tile; check via their months
        assert containing(p.start, p.kind, p.scheme) == p
        assert containing(p.end, p.kind, p.scheme) == p
        return
    assert containing(p.start, p.kind, p.scheme) == containing(p.end, p.kind, p.scheme) == p


@LAWS
@given(periods())
def test_law_next_previous(p):
    assert p.next().previous() == p
    assert p.previous().next() == p
    assert p.previous() < p < p.next()
    assert p.key < p.next().key  # ordering of keys agrees within a kind


@LAWS
@given(periods(), periods())
def test_law_ordering_agrees_with_windows(a, b):
    if a.kind is b.kind and a.scheme == b.scheme:
        assert (a < b) == (a.start < b.start) == ((a.year, a.index) < (b.year, b.index))
        assert (a == b) == (a.start == b.start)
    # a total order either way
    assert (a < b) + (a == b) + (a > b) == 1
    assert (a <= b) == (not a > b)


@LAWS
@given(dates, tiling_kinds, schemes())
def test_law_current_period(d, kind, scheme):
    c = current_period(d, kind, scheme)
    assert c.end < d <= c.next().end
    last = last_ending_by(d, kind, scheme)
    assert last.end <= d < last.next().end


@LAWS
@given(periods(), st.integers(0, 30))
def test_law_periods_between(a, n):
    b = a
    for _ in range(n):
        b = b.next()
    span = list(periods_between(a, b))
    assert len(span) == n + 1 and span[0] == a and span[-1] == b
    assert span == sorted(span)
    assert list(periods_between(b.next(), a)) == []


# --------------------------------------------------------------------------- the command

ISSUE_JSON = [
    {"label": "2020-Q1", "start": "2019-12-15", "end": "2020-03-14", "due": "2020-03-20"},
    {"label": "2020-Q2", "start": "2020-03-15", "end": "2020-06-14", "due": "2020-06-20"},
    {"label": "2020-Q3", "start": "2020-06-15", "end": "2020-09-14", "due": "2020-09-20"},
    {"label": "2020-Q4", "start": "2020-09-15", "end": "2020-12-14", "due": "2020-12-20"},
]


def run(capsys, *argv):
    rc = main(["periods", *argv])
    out, err = capsys.readouterr()
    return rc, out, err


def test_cli_json_as_in_the_issue(capsys):
    rc, out, err = run(capsys, "2020", "--format", "json")
    assert rc == 0 and err == ""
    assert json.loads(out) == ISSUE_JSON


def test_cli_table(capsys):
    rc, out, err = run(capsys, "2020")
    assert rc == 0 and err == ""
    lines = out.splitlines()
    assert "cut-off 15, due 20" in lines[0]
    assert lines[1].split() == ["period", "start", "end", "days", "due"]
    assert lines[2].split() == ["2020-Q1", "2019-12-15", "2020-03-14", "91", "2020-03-20"]
    assert lines[5].split() == ["2020-Q4", "2020-09-15", "2020-12-14", "91", "2020-12-20"]
    assert len({line.index("start") if "start" in line else line.index("2019-12-15") for line in lines[1:3]}) == 1


def test_cli_kinds_and_schemes(capsys):
    rc, out, _ = run(capsys, "2020", "--kind", "month", "--calendar", "--format", "json")
    rows = json.loads(out)
    assert rc == 0 and len(rows) == 12
    assert rows[1] == {"label": "2020-02", "start": "2020-02-01", "end": "2020-02-29", "due": "2020-03-20"}
    rc, out, _ = run(capsys, "2020", "--cutoff", "16", "--no-due", "--format", "json")
    assert json.loads(out)[0] == {"label": "2020-Q1", "start": "2019-12-16", "end": "2020-03-15", "due": None}
    rc, out, _ = run(capsys, "2020", "--kind", "year", "--due", "25", "--format", "json")
    assert json.loads(out) == [{"label": "2020", "start": "2019-12-15", "end": "2020-12-14", "due": "2020-12-25"}]
    rc, out, _ = run(capsys, "2020", "--kind", "nine-month", "--format", "json")
    assert json.loads(out) == [{"label": "2020-9M", "start": "2019-12-15", "end": "2020-09-14", "due": "2020-09-20"}]
    rc, out, _ = run(capsys, "2020", "--kind", "half", "--cutoff", "1", "--no-due")
    assert rc == 0 and "calendar, no due date" in out and "2020-H2" in out
    assert out.splitlines()[-1].split()[-1] == "-"


def test_cli_containing(capsys):
    rc, out, _ = run(capsys, "--containing", "2019-12-15", "--format", "json")
    assert rc == 0
    assert json.loads(out) == [ISSUE_JSON[0]]
    rc, out, _ = run(capsys, "--containing", "2019-12-15", "--kind", "year", "--format", "json")
    assert [r["label"] for r in json.loads(out)] == ["2020"]
    rc, out, _ = run(capsys, "--containing", "2020-12-15", "--containing", "29/02/2020", "--format", "json")
    assert [r["label"] for r in json.loads(out)] == ["2021-Q1", "2020-Q1"]
    rc, out, _ = run(capsys, "--containing", "2020-03-15")
    assert rc == 0
    assert out.splitlines()[-1].split() == ["2020-03-15", "2020-Q2", "2020-03-15", "2020-06-14", "92", "2020-06-20"]


@pytest.mark.parametrize(
    "argv, message",
    [
        (["--containing", "2020-02-30"], "2020-02-30"),
        (["--containing", "yesterday"], "yesterday"),
        (["2020", "--cutoff", "40"], "cut-off"),
        (["2020", "--cutoff", "x"], "--cutoff"),
        (["2020", "--cutoff", "25"], "--due"),
        (["2020", "--due", "10"], "due day 10"),
        (["2020", "--kind", "weekly"], "weekly"),
        (["20x0"], "not a year"),
        (["0"], "not a year"),
        ([], "YEAR"),
        (["2020", "--containing", "2020-01-01"], "not both"),
        (["--containing", "2020-10-01", "--kind", "nine-month"], "nine-month"),
        (["1", "--kind", "year"], "outside"),
    ],
)
def test_cli_bad_input(capsys, argv, message):
    rc, out, err = run(capsys, *argv)
    assert rc == 2 and out == ""
    assert err.startswith("kpirules: ") and message in err
    assert "Traceback" not in err


@pytest.mark.parametrize(
    "argv",
    [
        ["2020", "--format", "xml"],
        ["2020", "--calendar", "--cutoff", "15"],
        ["2020", "--due", "20", "--no-due"],
        ["2020", "2021"],
    ],
)
def test_cli_usage_errors(capsys, argv):
    rc, out, err = run(capsys, *argv)
    assert rc == 2 and out == "" and "usage" in err

"""Laws of the second-round language (issue 16), checked by hypothesis: deadlines written as periods,
deliveries that settle deadlines, recurring duties, totals over time.

The expected values are computed here from the words of docs/language.md, never by kpirules."""

from __future__ import annotations

import calendar
import datetime
import json
import re
from fractions import Fraction

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

import kpirules
from kpirules import Status
from kpirules.data import parse_json_data

D = datetime.date
LAWS = settings(max_examples=150, deadline=None)

#: a header per kind of scheme: (text, cutoff, due) — cutoff 1 is calendar windows; without `due` it is 20
SCHEMES = st.sampled_from([
    ("reporting quarterly cutoff 15 due 20", 15, 20),
    ("reporting quarterly calendar", 1, 20),
    ("reporting quarterly cutoff 10 due 25", 10, 25),
    ("reporting quarterly cutoff 10", 10, 20),
    ("reporting quarterly calendar due 5", 1, 5),
])
LAST_MONTH = {"year": lambda i: 12, "half": lambda i: 6 * i, "quarter": lambda i: 3 * i, "month": lambda i: i}


def label(kind: str, year: int, index: int) -> str:
    return {"year": f"{year}", "half": f"{year}-H{index}", "quarter": f"{year}-Q{index}",
            "month": f"{year}-{index:02d}"}[kind]


def last_calendar_day(kind: str, year: int, index: int) -> datetime.date:
    month = LAST_MONTH[kind](index)
    return D(year, month, calendar.monthrange(year, month)[1])


def report_due(kind: str, year: int, index: int, cutoff: int, due: int | None) -> datetime.date:
    """An occurrence's deadline: "the first day N after the window closes", or the period's last
    calendar day when the scheme sets no due day."""
    if due is None:
        return last_calendar_day(kind, year, index)
    month = LAST_MONTH[kind](index)
    closes = D(year, month, cutoff - 1) if cutoff > 1 else last_calendar_day(kind, year, index)
    day = closes + datetime.timedelta(days=1)
    while day.day != due:
        day += datetime.timedelta(days=1)
    return day


@st.composite
def periods(draw: st.DrawFn, kinds: tuple[str, ...] = ("year", "half", "quarter", "month")) -> tuple[str, int, int]:
    kind = draw(st.sampled_from(kinds))
    year = draw(st.integers(2019, 2030))
    index = draw(st.integers(1, {"year": 1, "half": 2, "quarter": 4, "month": 12}[kind]))
    return kind, year, index


def data(snapshots: list[dict] | None = None, tasks: list[dict] | None = None) -> kpirules.Data:
    """JSON data; a value "#12.34" is written as the JSON number 12.34 (a decimal, read exactly)."""
    text = json.dumps({"snapshots": snapshots or [], "tasks": tasks or []})
    return parse_json_data(re.sub(r'"#([0-9.]+)"', r"\1", text), "d.json")


def one(plan: kpirules.Plan, d: kpirules.Data, as_of: datetime.date, ident: str) -> kpirules.Result:
    (r,) = [r for r in plan.evaluate(d, as_of.isoformat()) if r.id == ident]
    return r


# --- a period deadline is the period's last calendar day ---------------------------------------


@LAWS
@given(periods(), SCHEMES)
def test_a_period_deadline_is_the_periods_last_calendar_day(p: tuple[str, int, int], scheme: tuple) -> None:
    kind, year, index = p
    text = label(kind, year, index)
    want = last_calendar_day(kind, year, index)
    plan = kpirules.parse(f'plan "t"\n  {scheme[0]}\n\nrule r:\n  x >= 1 by {text}\n\ntask t:\n  due {text}\n',
                          "t.kpi")
    # the task: open until that day, overdue or no_data the day after
    before = one(plan, data(), want, "t")
    assert (before.status, before.deadline) == (Status.OPEN, want)
    after = one(plan, data(), want + datetime.timedelta(days=1), "t")
    assert (after.status, after.deadline) == (Status.NO_DATA, want)
    # the rule: its deadline is that day too, whatever the scheme
    assert one(plan, data(), want + datetime.timedelta(days=400), "r").deadline == want


# --- a done row dated on or before a deadline never makes a task's status worse -----------------

#: how bad a task's status is: settled on time, then not late yet or settled late, then late and unsettled
RANK = {Status.DONE: 0, Status.OPEN: 1, Status.DONE_LATE: 1, Status.BLOCKED: 2, Status.OVERDUE: 2,
        Status.NO_DATA: 2}

days = st.dates(D(2019, 1, 1), D(2026, 12, 31))


@st.composite
def tasks(draw: st.DrawFn) -> tuple[str, list[datetime.date]]:
    """A task's `due` (or `due every`) line and its deadlines."""
    if draw(st.booleans()):
        kind, year, index = draw(periods(("year", "half", "quarter")))
        last = draw(st.integers(0, 5))
        start = label(kind, year, index)
        end_year = year + (index - 1 + last) // {"year": 1, "half": 2, "quarter": 4}[kind]
        end_index = (index - 1 + last) % {"year": 1, "half": 2, "quarter": 4}[kind] + 1
        word = {"year": "year", "half": "half-year", "quarter": "quarter"}[kind]
        return f"due every {word} from {start} to {label(kind, end_year, end_index)}", []
    ps = draw(st.lists(periods(("year", "quarter")), min_size=1, max_size=3, unique=True))
    return "due " + ", ".join(label(*p) for p in ps), sorted(last_calendar_day(*p) for p in ps)


rows = st.lists(st.tuples(st.sampled_from(["done", "in_progress", "not_started"]), days), max_size=5)


@LAWS
@given(tasks(), rows, days, st.data())
def test_a_done_row_on_or_before_a_deadline_never_makes_a_task_worse(task: tuple, old: list, as_of: datetime.date,
                                                                      draw: st.DataObject) -> None:
    due, _ = task
    plan = kpirules.parse(f'plan "t"\n  reporting quarterly cutoff 15 due 20\n\ntask t:\n  {due}\n', "t.kpi")
    given_rows = [{"task": "t", "status": s, "date": d.isoformat()} for s, d in old]
    before = one(plan, data(tasks=given_rows), as_of, "t")
    deadline = draw.draw(st.sampled_from([d.deadline for d in before.deadlines]))
    on = draw.draw(st.dates(D(2018, 1, 1), deadline))
    after = one(plan, data(tasks=given_rows + [{"task": "t", "status": "done", "date": on.isoformat()}]), as_of, "t")
    assert RANK[after.status] <= RANK[before.status], (before.status, after.status, before.reason, after.reason)
    # and no deadline's own outcome gets worse either
    for b, a in zip(before.deadlines, after.deadlines):
        assert RANK[a.status] <= RANK[b.status], (b, a)


# --- a recurring duty with every occurrence delivered on time is done ---------------------------


@LAWS
@given(periods(("year", "half", "quarter", "month")), st.integers(0, 7), SCHEMES, st.data())
def test_a_recurring_duty_delivered_on_time_every_time_is_done(first: tuple[str, int, int], more: int, scheme: tuple,
                                                               draw: st.DataObject) -> None:
    kind, year, index = first
    per_year = {"year": 1, "half": 2, "quarter": 4, "month": 12}[kind]
    occurrences = []
    for k in range(more + 1):
        n = index - 1 + k
        occurrences.append((kind, year + n // per_year, n % per_year + 1))
    word = {"year": "year", "half": "half-year", "quarter": "quarter", "month": "month"}[kind]
    header, cutoff, due = scheme
    plan = kpirules.parse(f'plan "t"\n  {header}\n\ntask t:\n  due every {word} from {label(*occurrences[0])} '
                          f'to {label(*occurrences[-1])}\n', "t.kpi")
    named = draw.draw(st.booleans())
    delivered = []
    for occ in occurrences:
        deadline = report_due(*occ, cutoff, due)
        on = deadline - datetime.timedelta(days=draw.draw(st.integers(0, 40)))
        row = {"task": "t", "status": "done", "date": on.isoformat()}
        if named:
            row["period"] = label(*occ)
        delivered.append((deadline, row))
    as_of = max(D.fromisoformat(r["date"]) for _, r in delivered) + datetime.timedelta(days=draw.draw(st.integers(0, 400)))
    r = one(plan, data(tasks=[row for _, row in delivered]), as_of, "t")
    assert r.status is Status.DONE, (r.status, r.reason)
    assert [d.deadline for d in r.deadlines] == [deadline for deadline, _ in delivered]
    assert all(d.status is Status.DONE for d in r.deadlines)


# --- `m over P` equals the sum of its periods ------------------------------------------------------

amounts = st.one_of(st.integers(0, 10**6), st.decimals(0, 10**4, places=2).map(lambda d: f"#{d}"))


@LAWS
@given(st.integers(2019, 2026), st.lists(amounts, min_size=4, max_size=4), st.lists(amounts, min_size=2, max_size=2),
       st.sampled_from(["", "H1", "H2"]))
def test_m_over_p_equals_the_sum_of_its_periods(year: int, quarters: list, around: list, half: str) -> None:
    labels = [f"{year}-Q{q}" for q in range(1, 5)]
    snaps = [{"period": p, "values": {"x": v}} for p, v in zip(labels, quarters)]
    # the quarters just outside P count for nothing
    snaps += [{"period": f"{year - 1}-Q4", "values": {"x": around[0]}},
              {"period": f"{year + 1}-Q1", "values": {"x": around[1]}}]
    p = f"{year}-{half}" if half else f"{year}"
    inside = {"": range(4), "H1": range(2), "H2": range(2, 4)}[half]
    plan = kpirules.parse(f'plan "t"\n  reporting quarterly cutoff 15 due 20\n\nrule r:\n  x over {p} >= 0\n', "t.kpi")
    r = one(plan, data(snaps), D(year + 1, 1, 5), "r")  # judged on the year's Q4
    assert r.value == sum((Fraction(str(quarters[i]).lstrip("#")) for i in inside), Fraction(0))
    assert r.status is Status.MET


@LAWS
@given(st.integers(2019, 2026), st.lists(amounts, min_size=4, max_size=4), st.integers(1, 4))
def test_m_over_year_is_the_sum_of_the_year_so_far(year: int, quarters: list, judged: int) -> None:
    snaps = [{"period": f"{year}-Q{q}", "values": {"x": v}} for q, v in zip(range(1, 5), quarters)]
    snaps.append({"period": f"{year - 1}-Q4", "values": {"x": 7}})
    plan = kpirules.parse('plan "t"\n  reporting quarterly cutoff 15 due 20\n\nrule r:\n  x over year >= 0\n', "t.kpi")
    as_of = D(year, 3 * judged, 20)  # the report day of quarter `judged`: it is the current period
    r = one(plan, data(snaps), as_of, "r")
    assume(r.period == f"{year}-Q{judged}")
    assert r.value == sum((Fraction(str(v).lstrip("#")) for v in quarters[:judged]), Fraction(0))


# --- the exact command of issue 16's "Checked by" ---------------------------------------------------


def test_the_example_as_of_2021_01_05_gives_task_13_done_and_ii_1_c_3_ministry_wide(
        capsys: pytest.CaptureFixture[str]) -> None:
    from pathlib import Path

    from kpirules.cli import main

    root = Path(__file__).resolve().parent.parent
    code = main(["check", str(root / "rules" / "nq17_bkhcn.kpi"), "--data",
                 str(root / "examples" / "nq17_bkhcn" / "data.json"), "--as-of", "2021-01-05", "--format", "json"])
    assert code == 1
    doc = json.loads(capsys.readouterr().out)
    by_id: dict[str, list[dict]] = {}
    for r in doc["results"]:
        by_id.setdefault(r["id"], []).append(r)
    (task13,) = by_id["13"]
    assert (task13["status"], task13["reason"]) == ("done", "done on 2020-12-17")  # within its year 2020
    (ministry,) = by_id["II.1.c.3"]  # one result, for the ministry: not one per unit
    assert ministry["unit"] is None and ministry["status"] == "met" and ministry["value"] == "709/838"

"""A national roll-up does work in proportion to its results (issue 20, item 3).

`check --period all` judges every rule for every unit in every period.  A rule judged `by` a deadline
whose period has come (or over a span that has ended) gives the same result in every later period,
so a roll-up judges it once and gives each later period a copy; sums over the units read each unit's
snapshot straight away.  These tests check that this changes nothing (each period's check is the check
of that period alone: results, JSON, text, explanations) and pin the invariant that makes the time
linear: the Python calls made per result do not grow with the number of units.  Timings are for the
benchmark (bench/run.py, part f).
"""

from __future__ import annotations

import datetime
import json
import random
from fractions import Fraction
from typing import Any

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

import kpirules
from kpirules import data_from_snapshots
from kpirules.cli.check import rollup_text
from kpirules.engine import compile as compile_module
from kpirules.periods import parse_period
from kpirules.report.provenance import results_digest
from kpirules.values import too_many_digits
from test_parse_linear import calls as count_calls  # (the Python calls made while a function runs)

PLAN = '''plan "rollup"
  reporting quarterly cutoff 15 due 20

group ministries: {ministries}
group provinces: {provinces}

rule N.1 "sum by a deadline":
  ratio(sum(online), sum(handled)) >= 20% by 2020

rule N.2 "per unit by a deadline":
  for each unit in ministries, provinces:
    ratio(online, handled) >= 20% by 2020

rule N.3 "avg, min and max":
  avg(online) >= 10 and min(handled) > 0 and max(online) <= 10000 by Q2/2020

rule N.4 "count of units":
  ratio(count(units where portal), count(units)) >= 50% by 2020

rule N.5 "per unit over a span":
  for each unit in ministries:
    online >= 5 from 2019-Q2 to 2020-Q2

rule N.6 "per unit with a stretch":
  for each unit in provinces:
    ratio(online, handled) >= 10% by 2020
  stretch ratio(online, handled) >= 30%

rule N.7 "per unit, no deadline":
  for each unit in ministries, provinces:
    online <= handled

rule N.8 "a sum at a year":
  sum(online) >= sum(online) at 2018 by 2020
'''

QUARTERS = [f"{y}-Q{q}" for y in (2019, 2020, 2021) for q in (1, 2, 3, 4)]


def plan_and_data(units: int, seed: int = 7, odd: bool = False) -> tuple[kpirules.Plan, kpirules.Data]:
    """The plan over ``units`` units and their data for 12 quarters (and 2018 for some); ``odd``: with
    decimals, missing values and a text value among the numbers."""
    rng = random.Random(seed)
    names = [f"U{i:03d}" for i in range(units)]
    half = max(1, units // 2)
    plan = kpirules.parse(PLAN.format(ministries=", ".join(names[:half]), provinces=", ".join(names[half:] or
                                                                                         names[:1])))
    snaps: list[dict[str, Any]] = [{"period": "2018", "unit": u, "values": {"online": rng.randint(0, 50)}}
                                   for u in names[::3]]
    for period in QUARTERS:
        for u in names:
            if rng.random() < 0.05:
                continue  # (a unit that did not report this quarter)
            handled = rng.randint(1, 400)
            values: dict[str, Any] = {"handled": handled, "online": rng.randint(0, handled),
                                      "portal": rng.random() < 0.6}
            if odd:
                roll = rng.random()
                if roll < 0.1:
                    values["online"] = Fraction(rng.randint(0, 4000), 100)
                elif roll < 0.15:
                    del values["online"]
                elif roll < 0.16:
                    values["online"] = "n/a"
            snaps.append({"period": period, "unit": u, "values": values})
    return plan, data_from_snapshots(snaps)


def _fields(results: kpirules.Results) -> list[tuple[Any, ...]]:
    return [(r.id, r.unit, r.status, r.period, r.value, r.target, r.reason, r.reason_code, r.deadline, r.stretch,
             r.has_stretch) for r in results]


@pytest.mark.parametrize("odd", [False, True])
def test_each_period_of_a_rollup_is_that_periods_check_alone(odd: bool) -> None:
    plan, data = plan_and_data(24, odd=odd)
    last = parse_period(QUARTERS[-1])
    checks = plan.evaluate_periods(data, None, last.due)
    assert [c.current.label for c in checks] == QUARTERS
    shared = 0
    for check in checks:
        alone = plan.evaluate(data, check.as_of, current=check.current)
        assert list(check) == list(alone)
        assert _fields(check) == _fields(alone)
        assert check.to_json() == alone.to_json()
        for r, a in zip(check, alone):
            assert r.evaluation is check  # (a copy is bound to its own period's check)
            if r.id in ("N.2", "N.5") and r.unit == "U001":
                assert str(r.explain()) == str(a.explain())
        if check.current >= parse_period("2020-Q4"):
            shared += 1
    assert shared == 5
    # the text of `check --period all --format json`, written with each repeated result's text made once
    text = rollup_text(plan, last.due, checks)
    doc = kpirules.Rollup(checks, plan, last.due).to_json()
    lines = text.split("\n")[1:-2]
    assert [line.rstrip(",") for line in lines] == [json.dumps(c, ensure_ascii=False) for c in doc["checks"]]
    whole = json.loads(text)
    assert whole["provenance"]["results_sha256"] == results_digest(
        [o for c in doc["checks"] for o in c["results"]])
    # the public JSON never shares an object between periods (a caller may change it)
    ids = [id(o) for c in doc["checks"] for o in c["results"]]
    assert len(set(ids)) == len(ids)


def test_a_copy_in_a_later_period_is_a_result_like_any_other() -> None:
    plan, data = plan_and_data(6)
    checks = plan.evaluate_periods(data, None, parse_period(QUARTERS[-1]).due)
    first, later = (next(r for r in c if r.id == "N.2" and r.unit == "U000") for c in (checks[7], checks[-1]))
    assert first.period == later.period == "2020-Q4"  # judged on the deadline's period in both
    assert first == later and hash(first) == hash(later) and first is not later
    assert later.evaluation is checks[-1] and first.evaluation is checks[7]
    assert type(later) is kpirules.Result


def _rollup_calls(units: int) -> tuple[float, int]:
    plan, data = plan_and_data(units)
    last = parse_period(QUARTERS[-1])
    out: dict[str, Any] = {}

    def run() -> None:
        checks = out["checks"] = plan.evaluate_periods(data, None, last.due)
        for c in checks:
            c.warnings
        rollup_text(plan, last.due, checks)

    calls = count_calls(run)
    results = sum(map(len, out["checks"]))
    return calls / results, results


def test_a_rollups_work_per_result_does_not_grow_with_the_units() -> None:
    small, n_small = _rollup_calls(40)
    large, n_large = _rollup_calls(160)
    assert n_large > 3.5 * n_small
    # linear: the calls per result stay the same (or fall, as fixed costs spread); a step that grows
    # with the square of the units (a scan of the units for each unit) makes them grow fourfold here
    assert large <= 1.1 * small, (small, large)


def test_sums_over_the_units_read_each_unit_once() -> None:
    plan, data = plan_and_data(50)
    envs = 0
    real = compile_module.Env.__init__

    def counting(self, *args, **kwargs):  # type: ignore[no-untyped-def]
        nonlocal envs
        envs += 1
        real(self, *args, **kwargs)

    compile_module.Env.__init__ = counting  # type: ignore[method-assign]
    try:
        checks = plan.evaluate_periods(data, None, parse_period(QUARTERS[-1]).due)
    finally:
        compile_module.Env.__init__ = real  # type: ignore[method-assign]
    results = sum(map(len, checks))
    assert envs <= 3 * results, (envs, results)


# --- sums straight from the snapshots, against the general way (an Env per unit) ---------------------


def _model_data(snaps: list[dict[str, Any]]) -> kpirules.Data:
    """The snapshots put straight into the data model: numbers of 10,000 digits, more than a data file (or
    data_from_snapshots) may hold (4,000), reach the evaluator's own bound (values.MAX_DIGITS)."""
    data = kpirules.Data()
    for snap in snaps:
        period = parse_period(snap["period"])
        data.add_snapshot(period, snap.get("unit"), kpirules.Source("<model>", ""))
        for metric, value in snap["values"].items():
            data.add(period, snap.get("unit"), metric, value, kpirules.Source("<model>", metric))
    return data

_VALUES = st.one_of(st.none(), st.integers(-10**6, 10**6), st.fractions(max_denominator=50), st.booleans(),
                    st.just("x"), st.just(9 * 10**9999), st.just(-9 * 10**9999))


@settings(max_examples=150, deadline=None)
@given(st.lists(st.tuples(_VALUES, _VALUES), min_size=0, max_size=8), st.sampled_from(["sum", "avg", "min", "max"]),
       st.booleans())
@example([(9 * 10**9999, None)] * 2 + [(-9 * 10**9999, None)] * 2, "sum", False)  # too large on the way only
@example([(None, 9 * 10**9999)] * 2, "avg", True)
def test_sums_read_from_the_snapshots_are_the_general_ways(values: list[tuple[Any, Any]], func: str,
                                                            at_year: bool) -> None:
    snaps = []
    for i, (now, then) in enumerate(values):
        if now is not None:
            snaps.append({"period": "2020-Q4", "unit": f"U{i}", "values": {"x": now}})
        if then is not None:
            snaps.append({"period": "2018-Q4", "unit": f"U{i}", "values": {"x": then}})
    snaps.append({"period": "2020-Q4", "values": {"y": 1}})
    data = _model_data(snaps)
    expr = f"{func}(x) at 2018" if at_year else f"{func}(x)"
    plan_text = f'plan "p"\n  reporting quarterly cutoff 15 due 20\n\nrule r "r":\n  {expr} >= 0\n'

    def outcome() -> list[Any]:
        plan = kpirules.parse(plan_text)
        [r] = plan.evaluate(data, datetime.date(2021, 1, 30), current="2020-Q4")
        return [r.status, r.value, r.reason, r.reason_code]

    fast = outcome()
    read = [then if at_year else now for now, then in values]  # (`at 2018`: 2018-Q4 stands for the year)
    numbers = [v for v in read if type(v) in (int, Fraction)]
    if func == "sum" and numbers and len(numbers) == len([v for v in read if v is not None]):
        partial, too_large = 0, False  # (the reference: every partial sum bounded, in order)
        for v in numbers:
            partial += v
            too_large = too_large or too_many_digits(partial)
        assert (fast[3] == "too_large") == too_large
        if not too_large:
            assert fast[1] == partial
    real = compile_module.Compiler._aggregate

    def general(self, func, arg, arg_text, metric=None):  # type: ignore[no-untyped-def]
        return real(self, func, arg, arg_text, None)

    compile_module.Compiler._aggregate = general  # type: ignore[method-assign]
    try:
        assert outcome() == fast
    finally:
        compile_module.Compiler._aggregate = real  # type: ignore[method-assign]


class _Counted(str):
    """A unit name that counts how often it is compared (a list scanned for it compares it with each item)."""

    compared = 0

    def __eq__(self, other: object) -> bool:
        _Counted.compared += 1
        return str.__eq__(self, other)

    __hash__ = str.__hash__


def test_the_units_of_groups_are_gathered_without_a_scan_for_each() -> None:
    plan, _ = plan_and_data(4)
    [rule] = [r for r in plan.rules if r.id == "N.2"]
    units = 300
    plan.groups["ministries"] = tuple(_Counted(f"M{i}") for i in range(units))
    plan.groups["provinces"] = tuple(_Counted(f"M{i}") for i in range(0, 2 * units, 2))  # half of them again
    _Counted.compared = 0
    got = plan.units_of(rule)
    assert got == [f"M{i}" for i in range(units)] + [f"M{i}" for i in range(units, 2 * units, 2)]
    assert _Counted.compared <= 2 * units  # (a unit met again is compared once; a list would compare ~units²/2)

"""Language extensions made for the Resolution 17 tutorial (docs/language.md, "Extensions").

* ``x at previous year``: the period of the same kind one year earlier;
* ``group NAME: U1, U2`` and ``for each unit in NAME, U3:``.
"""

from __future__ import annotations

import json

import pytest

import kpirules
from kpirules import nodes as n
from kpirules.lang.unparse import expr_text
from kpirules.errors import KpiError


def _data(tmp_path, snapshots):  # type: ignore[no-untyped-def]
    path = tmp_path / "data.json"
    path.write_text(json.dumps({"snapshots": snapshots}), encoding="utf-8")
    return kpirules.load_data(path)


def _snap(period, unit, **values):  # type: ignore[no-untyped-def]
    out = {"period": period, "values": values}
    if unit is not None:
        out["unit"] = unit
    return out


# --- at previous year -------------------------------------------------------------


def test_previous_year_parses_and_unparses() -> None:
    plan = kpirules.parse("rule a: x >= 2 * x at previous year\n")
    cond = plan.rules[0].condition
    assert isinstance(cond, n.Compare)
    at = cond.right.right
    assert at == n.At(n.Metric("x"), n.Previous(year=True))
    assert expr_text(cond) == "x >= 2 * x at previous year"
    # plain `previous` is unchanged
    plain = kpirules.parse("rule a: x > x at previous\n").rules[0].condition
    assert plain.right == n.At(n.Metric("x"), n.Previous())
    assert expr_text(plain) == "x > x at previous"


def test_previous_year_reads_the_same_quarter_a_year_earlier(tmp_path) -> None:  # type: ignore[no-untyped-def]
    data = _data(tmp_path, [
        _snap("2019-Q4", None, x=10),
        _snap("2020-Q3", None, x=19),  # the previous *period*: must not be used
        _snap("2020-Q4", None, x=20),
    ])
    plan = kpirules.parse('plan "p"\nrule double: x >= 2 * x at previous year by 2020\n'
                          "rule prev: x >= 2 * x at previous by 2020\n")
    results = plan.evaluate(data, "2020-12-18")
    (double,) = results.by_id("double")
    assert double.status is kpirules.Status.MET
    assert (double.value, double.target) == (20, 20)
    (prev,) = results.by_id("prev")
    assert prev.status is kpirules.Status.NOT_MET
    assert prev.target == 38


def test_previous_year_missing_is_no_data_naming_the_period(tmp_path) -> None:  # type: ignore[no-untyped-def]
    data = _data(tmp_path, [_snap("2020-Q4", None, x=20)])
    plan = kpirules.parse("rule r: x >= 2 * x at previous year by 2020\n")
    (r,) = plan.evaluate(data, "2020-12-18")
    assert r.status is kpirules.Status.NO_DATA
    assert "2019-Q4" in r.reason


def test_previous_year_in_a_yearly_and_a_monthly_plan(tmp_path) -> None:  # type: ignore[no-untyped-def]
    data = _data(tmp_path, [_snap("2019", None, x=5), _snap("2020", None, x=11),
                            _snap("2019-11", None, y=3), _snap("2020-11", None, y=2)])
    yearly = kpirules.parse("plan \"y\"\n  reporting yearly\nrule r: x > 2 * x at previous year by 2020\n")
    assert yearly.evaluate(data, "2020-12-18")[0].status is kpirules.Status.MET
    monthly = kpirules.parse("plan \"m\"\n  reporting monthly\nrule r: y >= y at previous year by 2020-11\n")
    (r,) = monthly.evaluate(data, "2020-12-01")
    assert r.status is kpirules.Status.NOT_MET
    assert (r.value, r.target) == (2, 3)


def test_year_is_still_a_metric_name() -> None:
    plan = kpirules.parse("rule a: year >= 1\nrule b: year at previous >= 1\n")
    assert plan.rules[0].condition.left == n.Metric("year")
    assert plan.rules[1].condition.left == n.At(n.Metric("year"), n.Previous())


# --- groups and for each unit in ------------------------------------------------


PLAN = '''plan "g"
group ministries: BNV, BTC
group provinces: HN, "Cao Bằng"
rule m "ministries": for each unit in ministries: ratio(a, b) >= 70% by 2020
rule p "provinces": for each unit in provinces: ratio(a, b) >= 30% by 2020
rule both: for each unit in ministries, DN: a >= 1 by 2020
rule all: for each unit: a >= 1 by 2020
'''


def test_groups_parse() -> None:
    plan = kpirules.parse(PLAN)
    groups = [i for i in plan.ast.items if isinstance(i, n.Group)]
    assert groups == [n.Group("ministries", ("BNV", "BTC")), n.Group("provinces", ("HN", "Cao Bằng"))]
    assert plan.groups == {"ministries": ("BNV", "BTC"), "provinces": ("HN", "Cao Bằng")}
    m = plan.item("m")
    assert m.per_unit and m.units == ("ministries",)
    assert plan.units_of(plan.item("both")) == ["BNV", "BTC", "DN"]
    assert plan.item("all").units == ()


def test_blocks_get_their_own_targets(tmp_path) -> None:  # type: ignore[no-untyped-def]
    data = _data(tmp_path, [
        _snap("2020-Q4", "BNV", a=71, b=100),
        _snap("2020-Q4", "BTC", a=69, b=100),
        _snap("2020-Q4", "HN", a=31, b=100),
        _snap("2020-Q4", "DN", a=5, b=100),
    ])
    results = kpirules.parse(PLAN).evaluate(data, "2020-12-18")
    got = {(r.id, r.unit): (r.status.value, r.target) for r in results}
    assert got[("m", "BNV")] == ("met", kpirules.parse("rule x: 1 >= 70%").rules[0].condition.right.value)
    assert got[("m", "BTC")][0] == "not_met"
    assert got[("p", "HN")][0] == "met"
    # a unit of the group that never reports is shown, not dropped
    assert got[("p", "Cao Bằng")][0] == "no_data"
    # DN is in no group: only the rules that name it, or every unit, see it
    assert ("m", "DN") not in got and ("p", "DN") not in got
    assert [r.unit for r in results.by_id("both")] == ["BNV", "BTC", "DN"]
    assert [r.unit for r in results.by_id("all")] == ["BNV", "BTC", "HN", "DN"]


def test_duplicate_group_is_a_load_error() -> None:
    with pytest.raises(KpiError) as info:
        kpirules.parse("group g: A\ngroup g: B\n", "dup.kpi")
    assert "dup.kpi:2:1" in str(info.value)
    assert "duplicate group g" in str(info.value)


@pytest.mark.parametrize("word", ["group", "in"])
def test_group_and_in_are_reserved(word: str) -> None:
    with pytest.raises(KpiError) as info:
        kpirules.parse(f"rule a: {word} >= 1\n", "bad.kpi")
    assert f"keyword `{word}`" in str(info.value)
    assert word in kpirules.lang.parser.KEYWORDS


def test_for_each_unit_without_in_is_unchanged() -> None:
    plan = kpirules.parse("rule a: for each unit: x >= 1\n")
    assert plan.rules[0].per_unit and plan.rules[0].units == ()

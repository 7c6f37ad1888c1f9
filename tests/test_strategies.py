"""The public hypothesis strategies of kpirules.testing produce what they promise."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import kpirules
from kpirules import nodes as n
from kpirules.lang.parser import parse_text
from kpirules.lang.unparse import expr_text
from kpirules.lang.checker import check_plan, expr_type
from kpirules.fmt import format_plan
from kpirules.periods import Kind, Period
from kpirules.testing import data_for, dates_in, expressions, metric_types, periods, plan_texts, plans, schemes

FAST = settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@FAST
@given(st.data())
def test_periods_have_the_kind_and_scheme_asked_for(data: st.DataObject) -> None:
    kind = data.draw(st.sampled_from(list(Kind)))
    scheme = data.draw(schemes())
    p = data.draw(periods(kind=kind, scheme=scheme))
    assert p.kind is kind and p.scheme == scheme
    d = data.draw(dates_in(p))
    assert p.start <= d <= p.end and p.contains(d)


@FAST
@given(expressions())
def test_expressions_are_conditions_the_checker_accepts(e: object) -> None:
    assert expr_type(e) in ("boolean", "any")  # type: ignore[arg-type]
    plan = parse_text(f"rule r:\n  {expr_text(e)}\n")  # type: ignore[arg-type]
    assert plan.items[0].condition == e  # text and back, positions aside
    check_plan(plan)


@FAST
@given(expressions(kind="number"))
def test_number_expressions_are_numbers(e: object) -> None:
    assert expr_type(e) in ("number", "any")  # type: ignore[arg-type]


@FAST
@given(plans())
def test_plans_are_valid_and_survive_text(ast: n.Plan) -> None:
    text = format_plan(ast)
    back = parse_text(text)
    assert back == ast
    check_plan(back, text.split("\n"))
    assert kpirules.parse(text).ast == ast


@settings(max_examples=10, deadline=None)
@given(plan_texts())
def test_plan_texts_parse(text: str) -> None:
    kpirules.parse(text)


@FAST
@given(st.data())
def test_data_for_gives_every_metric_a_value_of_the_right_type(data: st.DataObject) -> None:
    ast = data.draw(plans())
    d = data.draw(data_for(ast, gaps=False, zero_denominators=False))
    types = metric_types(ast)
    for snap in d.snapshots.values():
        assert set(snap) == set(types)
        for metric, value in snap.items():
            assert isinstance(value, bool) == (types[metric] == "boolean")
    kpirules.Plan(ast).evaluate(d, "2022-01-01")  # evaluates without raising


def test_data_for_can_make_gaps_and_zero_denominators() -> None:
    ast = kpirules.parse("rule r:\n  ratio(a, b) >= 20% by 2020\n").ast
    seen_gap = seen_zero = False

    @settings(max_examples=60, deadline=None)
    @given(data_for(ast, units=()))
    def look(d: kpirules.Data) -> None:
        nonlocal seen_gap, seen_zero
        for snap in d.snapshots.values():
            seen_gap |= "a" not in snap or "b" not in snap
            seen_zero |= snap.get("b") == 0

    look()
    assert seen_gap and seen_zero


def test_metric_types_follow_the_rules() -> None:
    ast = kpirules.parse("rule r:\n  flag and not other or ratio(a, b at 2018) >= 1 and count(units where c) > 2\n").ast
    assert metric_types(ast) == {"flag": "boolean", "other": "boolean", "a": "number", "b": "number",
                                 "c": "boolean"}
    assert Period.quarter(2020, 4).label == "2020-Q4"

"""Laws of the language (issue 3), property-tested with the public strategies of kpirules.testing."""

from __future__ import annotations

from fractions import Fraction

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import kpirules
from kpirules import Data, Source, Status
from kpirules import nodes as n
from kpirules.periods import Period
from kpirules.testing import data_for, expressions, periods, plans

FAST = settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
Q4 = Period.quarter(2020, 4)
AS_OF = "2020-12-18"  # the current period is 2020-Q4


def _data(values: dict[str, object], period: Period = Q4) -> Data:
    d = Data()
    d.add_snapshot(period, None, Source("t", "x"))
    for k, v in values.items():
        if v is not None:
            d.add(period, None, k, v, Source("t", k))  # type: ignore[arg-type]
    return d


def _status(rule: str, values: dict[str, object]) -> kpirules.Result:
    return kpirules.parse(f"rule r:\n  {rule}\n").evaluate(_data(values), AS_OF)[0]


_RATIO = kpirules.parse("rule r:\n  ratio(a, b) >= p\n")
numbers = st.one_of(st.integers(0, 10**6), st.integers(0, 10**8).map(lambda i: Fraction(i, 1000)))


@st.composite
def ratio_cases(draw: st.DrawFn) -> tuple[object, object, Fraction]:
    pct = draw(st.one_of(st.integers(0, 150), st.integers(0, 1500).map(lambda i: Fraction(i, 10))))
    b = draw(numbers.filter(lambda x: x > 0))
    if draw(st.booleans()):  # exactly on the boundary
        a = Fraction(pct) * Fraction(b) / 100
    else:
        a = Fraction(draw(numbers))
    norm = lambda x: x.numerator if isinstance(x, Fraction) and x.denominator == 1 else x  # noqa: E731
    return norm(Fraction(a)), norm(Fraction(b)), Fraction(pct)


@FAST
@given(ratio_cases())
def test_ratio_at_least_p_percent_is_100a_at_least_pb(case: tuple[object, object, Fraction]) -> None:
    a, b, pct = case
    text = f"ratio(a, b) >= {kpirules.values.format_number(pct)}%"
    if "/" in text:  # a percentage that is not a terminating decimal cannot be written; use a number
        text = f"ratio(a, b) >= {pct.numerator} / ({pct.denominator} * 100)"
    r = _status(text, {"a": a, "b": b})
    expected = 100 * Fraction(a) >= pct * Fraction(b)  # type: ignore[arg-type]
    assert r.status is (Status.MET if expected else Status.NOT_MET), (a, b, pct, r)


def test_ratio_boundary_examples() -> None:
    assert _status("ratio(a, b) >= 20%", {"a": 1, "b": 5}).status is Status.MET
    assert _status("ratio(a, b) >= 20%", {"a": 199, "b": 1000}).status is Status.NOT_MET
    assert _status("ratio(a, b) >= 12.5%", {"a": Fraction(1, 4), "b": 2}).status is Status.MET


# Kleene logic: None is undefined (the metric is missing)
TRUTH = st.sampled_from([True, False, None])


def _kleene_and(x: bool | None, y: bool | None) -> bool | None:
    if x is False or y is False:
        return False
    if x is None or y is None:
        return None
    return True


def _kleene_or(x: bool | None, y: bool | None) -> bool | None:
    if x is True or y is True:
        return True
    if x is None or y is None:
        return None
    return False


_STATUS = {True: Status.MET, False: Status.NOT_MET, None: Status.NO_DATA}


@given(TRUTH, TRUTH)
def test_kleene_and_or(x: bool | None, y: bool | None) -> None:
    assert _status("x and y", {"x": x, "y": y}).status is _STATUS[_kleene_and(x, y)]
    assert _status("x or y", {"x": x, "y": y}).status is _STATUS[_kleene_or(x, y)]


@given(TRUTH)
def test_kleene_not(x: bool | None) -> None:
    assert _status("not x", {"x": x}).status is _STATUS[None if x is None else not x]


@given(TRUTH, st.sampled_from(["and", "or"]), st.booleans())
def test_an_error_is_never_hidden_by_kleene_logic(x: bool | None, op: str, left: bool) -> None:
    cond = f"x {op} t > 1" if left else f"t > 1 {op} x"
    r = _status(cond, {"x": x, "t": "văn bản"})
    assert r.status is Status.ERROR, r


def test_false_and_text_is_error() -> None:
    assert _status("false and t > 1", {"t": "abc"}).status is Status.ERROR


def _outside_count(e: object) -> set[str]:
    """The metrics of ``e`` that are not inside ``count(units where …)``."""
    if isinstance(e, n.Count):
        return set()
    if isinstance(e, n.Metric):
        return {e.name}
    return set().union(*(_outside_count(c) for c in n.children(e)))


@FAST
@given(st.data())
def test_a_missing_metric_is_no_data_and_named(data: st.DataObject) -> None:
    e = data.draw(expressions(kind="number", max_depth=2))
    cond = n.Compare(">=", e, n.Number(Fraction(0), "0"))
    metrics = sorted(_outside_count(cond))
    if not metrics:
        return
    ast = n.Plan(items=[n.Rule("r", None, cond)])
    d = data.draw(data_for(ast, periods=[Q4, Q4.previous()], units=(), gaps=False, zero_denominators=False))
    gone = data.draw(st.sampled_from(metrics))
    for snap in d.snapshots.values():
        snap.pop(gone, None)
    r = kpirules.Plan(ast).evaluate(d, AS_OF)[0]
    assert r.status is Status.NO_DATA, r
    assert gone in (r.reason or ""), r


@FAST
@given(numbers)
def test_a_zero_denominator_is_no_data_and_says_so(a: object) -> None:
    for cond in ("ratio(a, b) >= 20%", "a / b > 1", "change(a, b) <= -30%"):
        r = _status(cond, {"a": a, "b": 0})
        assert r.status is Status.NO_DATA
        assert "b is 0" in (r.reason or ""), r


@FAST
@given(st.data())
def test_nothing_is_dropped(data: st.DataObject) -> None:
    ast = data.draw(plans())
    d = data.draw(data_for(ast))
    as_of = data.draw(periods(kind="quarter", min_year=2019, max_year=2022)).end
    results = kpirules.Plan(ast).evaluate(d, as_of)
    rules = [i for i in ast.items if isinstance(i, n.Rule)]
    tasks = [i for i in ast.items if isinstance(i, n.Task)]
    # a per-unit rule: one result per unit, or one no_data result when the data has no unit at all
    units = max(1, len(d.units))
    assert len(results) == sum(units if r.per_unit else 1 for r in rules) + len(tasks)
    ids = {r.id for r in results}
    assert {i.id for i in rules} | {t.id for t in tasks} <= ids

"""Speed never changes an answer: the compiled conditions against a plain reference interpreter.

The reference below walks the AST with the rules of LANGUAGE.md (exact numbers,
undefined for missing data and zero denominators, Kleene and/or/not, errors
never hidden) and nothing else: no fast paths, no closures.  Hypothesis
generates conditions — biased towards the shapes the compiler speeds up,
`ratio(a, b) >= 20%`, `change(a, b) <= -30%`, flags, and/or/not, `between` —
and snapshots with zero denominators, missing values, negative numbers,
decimals, booleans and text; `compile_condition` (truth, value, target), `compile_numbers` (its value and target) and
`compile_truth` must agree with the reference on every one.
"""

from __future__ import annotations

from fractions import Fraction

from hypothesis import given, settings
from hypothesis import strategies as st

import kpirules
from kpirules import nodes as n
from kpirules.engine.compile import Env
from kpirules.engine.conditions import compile_condition, compile_numbers, compile_truth
from kpirules.data import Data, Source
from kpirules.periods import DEFAULT_SCHEME, Kind, parse_period
from kpirules.values import Invalid, Undefined

UNDEF = "undefined"
ERR = "error"
METRICS = ("a", "b", "c", "flag")

# --- the reference interpreter ------------------------------------------------------------


def _num(v: object) -> bool:
    return type(v) in (int, Fraction)


def _combine(values: list[object], need: str) -> object:
    """Operands that are not all of the needed kind: an error wins, then undefined."""
    if any(v == ERR for v in values):
        return ERR
    for v in values:
        if v == UNDEF:
            continue
        if need == "number" and not _num(v):
            return ERR
        if need == "boolean" and type(v) is not bool:
            return ERR
    return UNDEF


def ref(e: n.Expr, snap: dict[str, object]) -> object:  # noqa: C901 - one case per node
    """The value of ``e`` on one snapshot: a number, bool, text, UNDEF or ERR."""
    if isinstance(e, (n.Number, n.Percent)):
        return Fraction(e.value)
    if isinstance(e, (n.Bool, n.Text)):
        return e.value
    if isinstance(e, n.Metric):
        return snap.get(e.name, UNDEF)
    if isinstance(e, n.Neg):
        v = ref(e.operand, snap)
        return -v if _num(v) else _combine([v], "number")
    if isinstance(e, n.Not):
        v = ref(e.operand, snap)
        return (not v) if type(v) is bool else _combine([v], "boolean")
    if isinstance(e, n.Arith) or (isinstance(e, n.Call) and e.func in ("ratio", "change")):
        if isinstance(e, n.Arith):
            op, x, y = e.op, ref(e.left, snap), ref(e.right, snap)
        else:
            op, x, y = e.func, ref(e.args[0], snap), ref(e.args[1], snap)
        if not (_num(x) and _num(y)):
            return _combine([x, y], "number")
        if op == "+":
            return x + y
        if op == "-":
            return x - y
        if op == "*":
            return x * y
        if y == 0:
            return UNDEF
        return Fraction(x - y if op == "change" else x) / y
    if isinstance(e, n.Compare):
        x, y = ref(e.left, snap), ref(e.right, snap)
        if _num(x) and _num(y):
            return {">=": x >= y, ">": x > y, "<=": x <= y, "<": x < y, "==": x == y, "!=": x != y}[e.op]
        if ERR in (x, y):
            return ERR
        if UNDEF in (x, y):
            # the second round: a wrong type is an error even beside missing data (`a >= c`, a text, c missing)
            if e.op not in ("==", "!=") and any(v != UNDEF and not _num(v) for v in (x, y)):
                return ERR
            return UNDEF
        if e.op in ("==", "!=") and type(x) is type(y) and type(x) in (bool, str):
            return (x == y) == (e.op == "==")
        return ERR
    if isinstance(e, n.Between):
        v, lo, hi = (ref(x, snap) for x in (e.value, e.low, e.high))
        if _num(v) and _num(lo) and _num(hi):
            return lo <= v <= hi
        return _combine([v, lo, hi], "number")
    if isinstance(e, n.Logic):
        x, y = ref(e.left, snap), ref(e.right, snap)  # both sides: an error is never hidden
        if ERR in (x, y) or any(v != UNDEF and type(v) is not bool for v in (x, y)):
            return ERR
        absorbing = e.op == "or"  # true for `or`, false for `and`
        if x is absorbing or y is absorbing:
            return absorbing
        if x is (not absorbing) and y is (not absorbing):
            return not absorbing
        return UNDEF
    raise AssertionError(f"the reference does not know {e!r}")


def ref_condition(e: n.Expr, snap: dict[str, object]) -> tuple[object, object, object]:
    """(truth, value, target) as `compile_condition` documents them."""
    truth = ref(e, snap)
    if truth not in (UNDEF, ERR) and type(truth) is not bool:
        truth = ERR  # a condition must be true or false
    if isinstance(e, n.Compare):
        return truth, ref(e.left, snap), ref(e.right, snap)
    if isinstance(e, n.Between):
        return truth, ref(e.value, snap), (ref(e.low, snap), ref(e.high, snap))
    if isinstance(e, n.Metric):
        return truth, ref(e, snap), True
    return truth, None, None


def plain(v: object) -> object:
    """A compiled value in the reference's terms."""
    if isinstance(v, Undefined):
        assert v.reasons, "an undefined value always says why"
        return UNDEF
    if isinstance(v, Invalid):
        assert v.message
        return ERR
    if isinstance(v, tuple):
        return tuple(plain(x) for x in v)
    if type(v) is Fraction:
        assert v.denominator != 1, "whole numbers are kept as int"
    return v


# --- generated conditions and data ---------------------------------------------------------

percents = st.fractions(min_value=-200, max_value=200, max_denominator=8).map(lambda f: n.Percent(f / 100, f"{f}%"))
numbers = st.one_of(st.integers(-50, 5000).map(lambda i: n.Number(Fraction(i), str(i))),
                    st.decimals(-100, 100, places=2).map(lambda d: n.Number(Fraction(d), str(d))))
constants = st.one_of(percents, numbers, percents.map(lambda p: n.Neg(p)))
metrics = st.sampled_from(METRICS).map(n.Metric)
leaves = st.one_of(metrics, constants, st.booleans().map(n.Bool), st.just(n.Text("x")))


def _numeric(children: st.SearchStrategy[n.Expr]) -> st.SearchStrategy[n.Expr]:
    return st.one_of(
        st.builds(n.Arith, st.sampled_from("+-*/"), children, children),
        st.builds(lambda f, x, y: n.Call(f, (x, y)), st.sampled_from(["ratio", "change"]), children, children),
        st.builds(n.Neg, children),
    )


values = st.recursive(leaves, _numeric, max_leaves=4)
ops = st.sampled_from([">=", ">", "<=", "<", "==", "!="])
ratio_of_metrics = st.builds(lambda f, x, y: n.Call(f, (x, y)), st.sampled_from(["ratio", "change"]), metrics, metrics)
comparisons = st.one_of(
    st.builds(n.Compare, ops, st.one_of(ratio_of_metrics, metrics), constants),  # the fast shapes
    st.builds(n.Compare, ops, values, values),
    st.builds(n.Between, st.one_of(ratio_of_metrics, metrics, values), constants, constants),
)
atoms = st.one_of(comparisons, metrics, st.booleans().map(n.Bool))


def _logic(children: st.SearchStrategy[n.Expr]) -> st.SearchStrategy[n.Expr]:
    return st.one_of(st.builds(n.Logic, st.sampled_from(["and", "or"]), children, children),
                     st.builds(n.Not, children))


conditions = st.recursive(atoms, _logic, max_leaves=5)

cell = st.one_of(
    st.integers(-1000, 1000), st.integers(-3, 3), st.just(0),
    st.decimals(-100, 100, places=3).map(lambda d: Fraction(d)).map(lambda f: f.numerator if f.denominator == 1 else f),
    st.booleans(), st.sampled_from(["x", "12"]),
)
snapshots = st.dictionaries(st.sampled_from(METRICS), cell)
#: most snapshots clean and integer (the fast path), some anything
small_or_large = st.one_of(st.integers(-10, 10), st.integers(-1000, 1000))
clean = st.fixed_dictionaries({"a": small_or_large, "b": small_or_large, "c": small_or_large, "flag": st.booleans()})
any_snapshot = st.one_of(clean, snapshots)

PERIOD = parse_period("2020-Q4")


def env_for(snap: dict[str, object]) -> Env:
    data = Data()
    data.add_snapshot(PERIOD, None, Source(None, "test"))
    for k, v in snap.items():
        data.add(PERIOD, None, k, v, Source(None, k))
    return Env(data, PERIOD, None, None, Kind.QUARTER)


@settings(max_examples=400, deadline=None)
@given(conditions, any_snapshot)
def test_compiled_conditions_agree_with_the_reference(cond: n.Expr, snap: dict[str, object]) -> None:
    env = env_for(snap)
    truth, value, target = compile_condition(cond, DEFAULT_SCHEME, Kind.QUARTER)(env)
    want = ref_condition(cond, snap)
    assert (plain(truth), plain(value), plain(target)) == want
    fast = compile_truth(cond, DEFAULT_SCHEME, Kind.QUARTER)(env)
    assert plain(fast) == want[0]
    # the same value, reasons and message included (an undefined truth works its reasons out when read)
    assert fast == truth and repr(fast) == repr(truth)
    # the numbers alone (a period whose truth is known: before a deadline) are the full condition's
    numbers = compile_numbers(cond, DEFAULT_SCHEME, Kind.QUARTER)(env)
    assert numbers == (value, target) and repr(numbers) == repr((value, target))


ALT = parse_period("2020-Q3")
#: clean snapshots with some values left out (the ones to look up in the period fallen back on)
partial = st.tuples(clean, st.sets(st.sampled_from(METRICS))).map(
    lambda c: {k: v for k, v in c[0].items() if k not in c[1]})


@settings(max_examples=200, deadline=None)
@given(conditions, st.none() | partial | partial | any_snapshot, clean | any_snapshot, st.booleans())
def test_truth_agrees_with_the_full_condition_across_periods(cond: n.Expr, here: dict[str, object] | None,
                                                             there: dict[str, object], with_alt: bool) -> None:
    """A unit that did not report (no snapshot) and a period to fall back on (`at 2018` in a
    quarterly plan): the truth alone is the truth of the full condition, reasons and all."""
    data = Data()
    for period, snap in ((PERIOD, here), (ALT, there)):  # (a unit with no snapshot here did not report)
        if snap is not None:
            data.add_snapshot(period, "u", Source(None, "test"))
            for k, v in snap.items():
                data.add(period, "u", k, v, Source(None, k))
    env = Env(data, PERIOD, "u", ALT if with_alt else None, Kind.QUARTER)
    truth = compile_condition(cond, DEFAULT_SCHEME, Kind.QUARTER)(env)[0]
    fast = compile_truth(cond, DEFAULT_SCHEME, Kind.QUARTER)(env)
    # the reference: each metric is read in the judged period, else in the one fallen back on
    seen = {**(there if with_alt else {}), **(here or {})}
    assert plain(truth) == ref_condition(cond, seen)[0]
    assert fast == truth
    assert type(fast) is type(truth) or isinstance(truth, Undefined)
    if isinstance(fast, Undefined):
        assert fast.reasons and hash(fast) == hash(truth)


#: snapshots on which a condition refused at load time must be in error too: every metric a number,
#: every metric true, every metric a text
ERROR_PROBES = (dict.fromkeys(METRICS, 7), dict.fromkeys(METRICS, True), dict.fromkeys(METRICS, "x"))


@settings(max_examples=150, deadline=None)
@given(st.lists(st.tuples(comparisons, any_snapshot), min_size=1, max_size=4))
def test_plan_statuses_agree_with_the_reference(cases: list[tuple[n.Expr, dict[str, object]]]) -> None:
    """Through the whole pipeline: rule text → parse → check → evaluate, one rule per case."""
    from kpirules.lang.unparse import expr_text

    for i, (cond, snap) in enumerate(cases):
        try:
            plan = kpirules.parse(f"rule r{i}: {expr_text(cond)}")
        except kpirules.KpiError as err:
            # ill-typed at load time (`ratio(a, b) >= true`): only what the reference finds in error
            # whatever the values (a missing one may make it undefined instead) is ever refused
            assert all(ref_condition(cond, s)[0] == ERR for s in ERROR_PROBES), (expr_text(cond), str(err))
            continue
        data = Data()
        data.add_snapshot(PERIOD, None, Source(None, "test"))
        for k, v in snap.items():
            data.add(PERIOD, None, k, v, Source(None, k))
        (result,) = plan.evaluate(data, "2020-12-18")
        truth = ref_condition(plan.rules[0].condition, snap)[0]
        want = {True: "met", False: "not_met", UNDEF: "no_data", ERR: "error"}[truth]
        assert result.status.value == want, (expr_text(cond), snap, result)


def test_fast_path_edges() -> None:
    """Hand-picked: exactness at the boundary, negative and zero denominators, ints stay ints."""
    cases = [
        ("ratio(a, b) >= 20%", {"a": 1, "b": 5}, True),
        ("ratio(a, b) >= 20%", {"a": 199, "b": 1000}, False),
        ("ratio(a, b) >= 20%", {"a": -1, "b": -5}, True),  # -1/-5 = 1/5
        ("ratio(a, b) >= 20%", {"a": -1, "b": -4}, True),  # 1/4
        ("ratio(a, b) >= 20%", {"a": -1, "b": -6}, False),  # 1/6
        ("ratio(a, b) < 20%", {"a": 1, "b": -5}, True),
        ("change(a, b) <= -30%", {"a": 7, "b": 10}, True),
        ("change(a, b) <= -30%", {"a": -7, "b": -10}, True),  # (−7+10)/−10 = −3/10
        ("change(a, b) < -30%", {"a": -7, "b": -10}, False),
        ("ratio(a, b) between 20% and 80%", {"a": 4, "b": 5}, True),
        ("ratio(a, b) between 20% and 80%", {"a": 5, "b": 5}, False),
    ]
    for text, snap, want in cases:
        cond = kpirules.parse(f"rule r: {text}").rules[0].condition
        got = compile_truth(cond, DEFAULT_SCHEME, Kind.QUARTER)(env_for(snap))
        assert got is want, (text, snap)
        assert ref(cond, snap) is want
    cond = kpirules.parse("rule r: ratio(a, b) >= 20%").rules[0].condition
    truth, value, target = compile_condition(cond, DEFAULT_SCHEME, Kind.QUARTER)(env_for({"a": 0, "b": 0}))
    assert isinstance(truth, Undefined) and "denominator b is 0" in truth.reasons[0]
    assert isinstance(compile_truth(cond, DEFAULT_SCHEME, Kind.QUARTER)(env_for({"a": 0, "b": 0})), Undefined)
    truth, value, target = compile_condition(cond, DEFAULT_SCHEME, Kind.QUARTER)(env_for({"a": 10, "b": 5}))
    assert (truth, value, target) == (True, 2, Fraction(1, 5)) and type(value) is int


@settings(max_examples=300, deadline=None)
@given(st.builds(n.Compare, ops, ratio_of_metrics, constants), clean)
def test_cross_multiplication_agrees_with_the_reference(cond: n.Expr, snap: dict[str, object]) -> None:
    """The fast shape alone, on integer data of both signs: no sign or scaling slip."""
    env = env_for(snap)
    assert plain(compile_truth(cond, DEFAULT_SCHEME, Kind.QUARTER)(env)) == ref(cond, snap)
    assert plain(compile_condition(cond, DEFAULT_SCHEME, Kind.QUARTER)(env)[0]) == ref(cond, snap)


def test_an_undefined_truth_says_why_only_when_asked() -> None:
    """The truth alone leaves an undefined value's reasons to be worked out when read, once;
    the value is equal to, hashed, printed and pickled like the plain Undefined."""
    import pickle

    from kpirules.values import Later

    cond = kpirules.parse("rule r: ratio(a, b) >= 20%").rules[0].condition
    env = env_for({"a": 3})
    calls: list[Env] = []
    full = compile_condition(cond, DEFAULT_SCHEME, Kind.QUARTER)

    def why(e: Env) -> object:
        calls.append(e)
        return full(e)[0]

    later = Later(why, env)
    assert calls == []
    want = Undefined(("no value for b in 2020-Q4",))
    assert later == want and want == later and hash(later) == hash(want)
    assert later.reasons == want.reasons and repr(later) == repr(want) == "Undefined(reasons=('no value for b in 2020-Q4',))"
    assert calls == [env]  # worked out once, then kept
    assert pickle.loads(pickle.dumps(later)) == want and type(pickle.loads(pickle.dumps(later))) is Undefined
    assert later != Undefined(("another reason",)) and later.merge(Undefined(("x",))).reasons == want.reasons + ("x",)
    got = compile_truth(cond, DEFAULT_SCHEME, Kind.QUARTER)(env)
    assert type(got) is Later and got == want


def test_a_value_stored_as_none_is_looked_up_in_the_period_fallen_back_on() -> None:
    """A value present as None is missing: with a period to fall back on, its value there decides."""
    cond = kpirules.parse("rule r: ratio(a, b) >= 20%").rules[0].condition
    data = Data()
    data.add_snapshot(PERIOD, "u", Source(None, "t"))
    data.add(PERIOD, "u", "a", None, Source(None, "a"))
    data.add(PERIOD, "u", "b", 5, Source(None, "b"))
    data.add_snapshot(ALT, "u", Source(None, "t"))
    data.add(ALT, "u", "a", 1, Source(None, "a"))
    env = Env(data, PERIOD, "u", ALT, Kind.QUARTER)
    assert compile_condition(cond, DEFAULT_SCHEME, Kind.QUARTER)(env)[0] is True
    assert compile_truth(cond, DEFAULT_SCHEME, Kind.QUARTER)(env) is True


def test_only_known_operators_reach_generated_code() -> None:
    """A hand-built tree with an operator that is not one of ours is never written into code."""
    env = env_for({"a": 2})
    for bad in (n.Compare(">= 0 and print('x') or 1 >=", n.Metric("a"), n.Number(Fraction(1), "1")),
                n.Logic("and print('x') or", n.Metric("a"), n.Metric("a"))):
        try:
            compile_truth(bad, DEFAULT_SCHEME, Kind.QUARTER)(env)
        except KeyError:
            continue  # the general closures know no such operator
        raise AssertionError(f"{bad.op!r} was accepted")

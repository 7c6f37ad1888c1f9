"""Plan.evaluate builds a rule's numbers, reason and texts only when read (issue 20, item 1), and
nothing a user sees changes: the JSON, the text and the Python API give what the eager code gave.

Each output is compared with the eager code's (``evaluate.LAZY = False``: every result built at once,
as before results were lazy), in the same run; the plan has rules judged on their truth alone (per unit and not, met, not met and no data: a missing value,
a zero denominator, decimals), a stretch, and rules with a deadline or a span (judged eagerly), before
it (on track, at risk: the numbers those of the latest period with the rule's data) and after it.
"""

from __future__ import annotations

import json
import pickle
from pathlib import Path

import attrs
import pytest

import kpirules
from kpirules.cli import main
from kpirules.engine import evaluate
from kpirules.engine.rules import FilledResult, LazyResult
from kpirules.engine.results import Result

HERE = Path(__file__).parent / "data" / "lazy"
PLAN, DATA = "tests/data/lazy/plan.kpi", "tests/data/lazy/values.csv"  # as the golden files name them


@pytest.fixture(autouse=True)
def _at_root(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(HERE.parent.parent.parent)


def _check(capsys: pytest.CaptureFixture[str], *args: str) -> str:
    capsys.readouterr()
    main(["check", PLAN, "--data", DATA, *args])
    return capsys.readouterr().out


def _evaluate() -> kpirules.Results:
    return kpirules.load(PLAN).evaluate(DATA, "2020-07-20")


def test_most_results_are_lazy() -> None:
    res = _evaluate()
    lazy = [r for r in res if type(r) is LazyResult]
    # all but the rules with a deadline or a span (judged eagerly)
    assert {r.id for r in res if type(r) is not LazyResult} == {"dated", "spanned", "looked_back", "dated_stretch"}
    assert {r.status.value for r in lazy} == {"met", "not_met", "no_data"}
    before = [r for r in res if r.status.value in ("on_track", "at_risk")]  # (judged before a deadline or span)
    assert {r.id for r in before} == {"dated", "spanned", "looked_back", "dated_stretch"}
    assert {r.period for r in before if r.id == "looked_back"} == {"2020-Q1"}  # (the latest with its data)


@pytest.mark.parametrize("args", [
    ("--as-of", "2020-07-20", "--format", "json"),
    ("--period", "all", "--as-of", "2021-01-01", "--format", "json"),
    ("--as-of", "2020-07-20"),
])
def test_cli_output_byte_identical(capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch,
                                   args: tuple[str, ...]) -> None:
    lazy = _check(capsys, *args)
    monkeypatch.setattr(evaluate, "LAZY", False)
    eager = _check(capsys, *args)
    assert '"status"' in eager or "met" in eager
    assert lazy == eager


def _api() -> dict[str, object]:
    res = _evaluate()
    return {"to_json": json.dumps(res.to_json(), ensure_ascii=False, default=str),
            "explain": [str(r.explain()) for r in res], "reason_text": [r.reason_text("vi") for r in res],
            "repr": [repr(r) for r in res], "list": list(res)}


def test_api_identical(monkeypatch: pytest.MonkeyPatch) -> None:
    lazy = _api()
    monkeypatch.setattr(evaluate, "LAZY", False)
    eager = _api()
    assert not any(type(r) is LazyResult for r in eager["list"])  # type: ignore[attr-defined]
    assert lazy == eager


def test_lazy_result_is_a_result() -> None:
    """Equal to the eager Result of its fields, hashable alike, evolvable, picklable; read in any order."""
    for r in _evaluate():
        if type(r) is not LazyResult:
            continue
        fields = {f.name: getattr(r, f.name) for f in attrs.fields(Result)}
        eager = Result(**fields)
        assert r == eager and eager == r and hash(r) == hash(eager)
        assert attrs.evolve(r, title="x") == attrs.evolve(eager, title="x")
        assert pickle.loads(pickle.dumps(attrs.evolve(r, evaluation=None))) == eager  # (as an eager one pickles)
        assert r.to_json() == eager.to_json()
    a, b = (list(_evaluate()) for _ in range(2))
    for x, y in zip(a, b):  # one read first the reason, the other the value: the same result
        x.reason, y.value  # noqa: B018
        assert x == y and x.to_json() == y.to_json()


def test_a_result_read_once_reads_its_slots() -> None:
    """Once its fields are built, a lazy result (in a column, or alone) is the same object
    with every field in its slot (``FilledResult``): equal to what it was, bound to the same evaluation."""
    res = _evaluate()
    # (a stretched rule's result is an attrs.evolve of one: every field set by Result's __init__)
    lazy = [(k, r) for k, r in enumerate(res) if type(r) is LazyResult and r.id not in ("stretched", "dated_stretch")]
    kinds = {r.status.value for _, r in lazy}
    assert {"met", "not_met", "no_data"} == kinds and any(r.unit is None for _, r in lazy)
    eager = [(r.id, r.unit, r.value, r.target, r.reason, r.deadline, r.period, repr(r)) for _, r in lazy]
    assert all(type(r) is FilledResult and res[k] is r and r.evaluation is res for k, r in lazy)
    assert [(r.id, r.unit, r.value, r.target, r.reason, r.deadline, r.period, repr(r)) for _, r in lazy] == eager
    assert [r.to_json() for _, r in lazy] == [x.to_json() for x in (attrs.evolve(r) for _, r in lazy)]
    assert all(Result.__dict__["evaluation"].__get__(r) is res for _, r in lazy)  # (the slot itself)


def test_values_are_built_only_when_read() -> None:
    """Reading statuses builds no value: the exact closures of a truth-only rule are never compiled."""
    plan = kpirules.load(PLAN)
    res = plan.evaluate(DATA, "2020-07-20")
    assert [r.status for r in res]
    share = next(cr for cr in plan._compiled if cr.rule.id == "share")
    assert share._fn is None
    assert res.by_id("share")[0].value is not None
    assert share._fn is not None


def _statuses(res: kpirules.Results) -> object:
    return (res.statuses(), res.counts(), res.failing, len(res))


def test_statuses_counts_and_failing_read_the_columns(monkeypatch: pytest.MonkeyPatch) -> None:
    """The statuses of results judged on the truth alone are kept as columns: reading them, counting them
    and asking whether one fails make no Result, and give what the eager code gives."""
    made = 0
    real = LazyResult.make

    def counting(*args):  # type: ignore[no-untyped-def]
        nonlocal made
        made += 1
        return real(*args)

    monkeypatch.setattr(LazyResult, "make", staticmethod(counting))
    lazy = _evaluate()
    before = made  # (the rules judged once, not per unit, are results already)
    unmade = sum(r is None for r in lazy._results)  # (the column's results not made yet)
    got = _statuses(lazy)
    assert made == before and before < len(lazy) / 4
    assert unmade == sum(r is None for r in lazy._results) and unmade == 5 * 3  # (five rules' columns, 3 units)
    monkeypatch.setattr(evaluate, "LAZY", False)
    eager = _evaluate()
    assert got == _statuses(eager)
    assert got[0] == [r.status for r in eager] and got[0] == [r.status for r in lazy]


def test_results_are_made_once_and_kept() -> None:
    """Indexing (negative indexes and slices too) and iterating give the same objects, each made once."""
    res = _evaluate()
    n = len(res)
    first, last = res[0], res[-1]
    assert res[-1] is last and res[n - 1] is last and res[0] is first
    middle = res[n // 2]
    assert list(res)[n // 2] is middle and res[1:3] == list(res)[1:3] and res[1] is list(res)[1]
    assert all(r.evaluation is res for r in res)
    with pytest.raises(IndexError):
        res[n]
    with pytest.raises(IndexError):
        res[-n - 1]
    fresh = _evaluate()
    assert fresh[n // 2] == middle and list(fresh) == list(res)


@pytest.mark.parametrize("enabled", [True, False])
def test_making_the_results_leaves_the_garbage_collector_as_it_was(enabled: bool) -> None:
    """The collector is paused while a column's results are made, and left as the caller had it."""
    import gc

    was = gc.isenabled()
    try:
        gc.enable() if enabled else gc.disable()
        res = _evaluate()
        made = list(res)
        assert gc.isenabled() is enabled
        assert any(type(r) is LazyResult for r in made) and all(r.evaluation is res for r in made)
    finally:
        gc.enable() if was else gc.disable()


def test_a_lazy_result_outside_a_column_reads_its_fields() -> None:
    """A plan-level rule's lazy result (a column of one) builds its numbers as a per-unit one does."""
    res = _evaluate()
    with pytest.MonkeyPatch.context() as m:
        m.setattr(evaluate, "LAZY", False)
        eager = _evaluate()
    lazy = [(i, r) for i, r in enumerate(res) if type(r) is LazyResult and r.unit is None]
    assert lazy, "the plan has a plan-level rule judged on its truth alone"
    for i, r in lazy:
        assert attrs.asdict(r, recurse=False) | {"evaluation": None} == \
            attrs.asdict(eager[i], recurse=False) | {"evaluation": None}


def test_an_invalid_truth_in_a_column_is_judged_in_full(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A unit whose truth is invalid (text where a number is needed) gets the eager error result, with its
    reason, in its place among the column's lazy ones, in any run of 64 units; the others as eager code."""
    rows = ["period,unit,metric,value"]
    for k in range(70):
        a = "many" if k in (3, 66, 67) else "" if k == 5 else str(k)
        rows += [f"2020-Q2,u{k:02},a,{a}"] * (a != "") + [f"2020-Q2,u{k:02},b,{35 if k % 2 else 0}"]
    (tmp_path / "d.csv").write_text("\n".join(rows) + "\n", encoding="utf-8")
    plan = kpirules.parse("rule r:\n  for each unit:\n    ratio(a, b) >= 50%\n")

    def run() -> tuple[object, ...]:
        res = plan.evaluate(str(tmp_path / "d.csv"), "2020-07-20")
        return res.statuses(), json.dumps(res.to_json(), default=str), [r.reason_code for r in res]

    lazy = run()
    statuses = [s.value for s in lazy[0]]  # type: ignore[attr-defined]
    assert [k for k, s in enumerate(statuses) if s == "error"] == [3, 66, 67]
    assert {"met", "not_met", "no_data"} <= set(statuses)
    monkeypatch.setattr(evaluate, "LAZY", False)
    assert run() == lazy

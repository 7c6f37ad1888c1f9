"""kpirules explain, check --explain, Result.explain(): the trace agrees with the result."""

from __future__ import annotations

from pathlib import Path

import pytest

import kpirules
from kpirules.cli import main
from kpirules.engine.trace import show
from kpirules.values import format_value

PLAN = """plan "small"
  reporting quarterly cutoff 15 due 20
rule eid "Xác thực":
  ratio(eid, users) >= 20% by 2020
rule meet:
  change(meeting_hours, meeting_hours at 2018) <= -30% by 2020
rule per_unit:
  for each unit: ratio(online, records) >= 80% by 2020
rule both:
  a > 1 and b > 2
task 6 "Kiến trúc":
  due 2020
task 7:
  due 2020
  after 6
"""
DATA = """period,unit,metric,value
2018,,meeting_hours,2.5
2020-Q4,,eid,250
2020-Q4,,users,1000
2020-Q4,,meeting_hours,1.5
2020-Q4,A,online,8
2020-Q4,A,records,10
2020-Q4,B,online,1
2020-Q4,B,records,0
2020-Q4,,a,5
"""
TASKS = "task,status,date,note\n7,in_progress,2020-10-01,đang làm\n"


@pytest.fixture()
def files(tmp_path: Path) -> tuple[str, str, str]:
    (tmp_path / "p.kpi").write_text(PLAN, encoding="utf-8")
    (tmp_path / "d.csv").write_text(DATA, encoding="utf-8")
    (tmp_path / "t.csv").write_text(TASKS, encoding="utf-8")
    return str(tmp_path / "p.kpi"), str(tmp_path / "d.csv"), str(tmp_path / "t.csv")


def _results(files: tuple[str, str, str]) -> kpirules.Results:
    plan, data, tasks = files
    return kpirules.load(plan).evaluate([data, tasks], "2020-12-18")


def test_the_trace_agrees_with_the_result(files: tuple[str, str, str]) -> None:
    for r in _results(files):
        ex = r.explain()
        if r.kind == "rule":
            top = ex.steps[0]
            assert top.text == r.condition
            assert top.value is True if r.status.value == "met" else top.value is not True
            if r.value is not None:
                assert ex.steps[1].value == r.value  # the left side of the comparison


def test_explain_names_the_judged_period_sources_and_comparison(files: tuple[str, str, str]) -> None:
    text = _results(files).explain("eid").text()
    assert "the current period is 2020-Q4" in text
    assert "deadline: by 2020, that is 2020-12-31" in text
    assert "judged period is 2020-Q4" in text
    assert "eid" in text and "d.csv: row 3" in text and "d.csv: row 4" in text
    assert "0.25 (25%) >= 0.2 (20%) is true, so met" in text


def test_at_reads_the_baseline_and_shows_where(files: tuple[str, str, str]) -> None:
    ex = _results(files).explain("meet")
    at = next(s for s in ex.steps if s.text == "meeting_hours at 2018")
    assert format_value(at.value) == "2.5"
    inner = ex.steps[ex.steps.index(at) + 1]
    assert inner.where == "2018" and "row 2" in (inner.source or "")  # the snapshot labelled 2018


def test_no_data_says_exactly_what_is_missing(files: tuple[str, str, str]) -> None:
    results = _results(files)
    ex = results.explain("per_unit", unit="B")
    assert ex.missing == ("the denominator records is 0 in 2020-Q4 for unit B",)
    ex = results.explain("both")
    assert ex.missing == ("no value for b in 2020-Q4",)
    assert ex.metrics["a"].value == 5 and ex.metrics["a"].source.endswith("d.csv: row 10")  # type: ignore[union-attr]


def test_task_explanation_lists_rows_and_waits(files: tuple[str, str, str]) -> None:
    text = _results(files).explain("7").text()
    assert "task 7: blocked" in text
    assert "in_progress on 2020-10-01" in text and "t.csv: row 2" in text
    assert "after task 6: not done yet" in text


def test_unknown_id_and_missing_unit_are_errors(files: tuple[str, str, str]) -> None:
    results = _results(files)
    with pytest.raises(kpirules.KpiError, match="did you mean eid"):
        results.explain("eidd")
    with pytest.raises(kpirules.KpiError, match="--unit"):
        results.explain("per_unit")


def test_cli_explain(files: tuple[str, str, str], capsys: pytest.CaptureFixture[str]) -> None:
    plan, data, tasks = files
    assert main(["explain", plan, "--data", data, "--id", "per_unit", "--unit", "B", "--as-of", "2020-12-18"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("rule per_unit for unit B: no_data")
    assert "missing: the denominator records is 0" in out
    assert main(["explain", plan, "--data", data, "--id", "nope", "--as-of", "2020-12-18"]) == 2
    assert "no rule or task nope" in capsys.readouterr().err


def test_check_explain_prints_under_every_result_not_met(files: tuple[str, str, str],
                                                       capsys: pytest.CaptureFixture[str]) -> None:
    plan, data, tasks = files
    # (as of 2021-01-05, after the tasks' deadline 2020-12-31; 2020-Q4 is still the current period)
    main(["check", plan, "--data", data, "--data", tasks, "--as-of", "2021-01-05", "--explain"])
    out = capsys.readouterr().out
    assert "rule per_unit for unit B: no_data" in out and "rule both: no_data" in out
    assert "task 7: blocked" in out and "task 6: no_data" in out
    assert "rule eid: met" not in out


def test_example_data_trace_matches_the_report() -> None:
    plan = kpirules.load("rules/nq17_bkhcn.kpi")
    results = plan.evaluate(["examples/nq17_bkhcn/values.csv", "examples/nq17_bkhcn/tasks.csv"], "2020-12-18")
    for r in results:
        if r.kind == "rule" and r.value is not None and r.period is not None:
            ex = r.explain()
            assert ex.steps[0].text == r.condition
            assert any(s.value == r.value and type(s.value) is type(r.value) for s in ex.steps[:2])


def _child_of(steps: tuple, text: str) -> object:
    """The value of the step right under the first step whose text is ``text``."""
    i = next(k for k, s in enumerate(steps) if s.text == text)
    assert steps[i + 1].depth == steps[i].depth + 1
    return steps[i + 1]


def test_explain_at_previous_year_reads_the_same_period_a_year_back(tmp_path: Path,
                                                                   capsys: pytest.CaptureFixture[str]) -> None:
    # Bug: the trace moved `at previous year` one quarter back (2020-Q3), unlike the compiler (2019-Q4).
    (tmp_path / "prev.kpi").write_text("rule R1: x >= 2 * x at previous year\n", encoding="utf-8")
    (tmp_path / "prev.csv").write_text("period,unit,metric,value\n2019-Q4,,x,10\n2020-Q3,,x,15\n2020-Q4,,x,30\n",
                                       encoding="utf-8")
    results = kpirules.load(tmp_path / "prev.kpi").evaluate(str(tmp_path / "prev.csv"), "2020-12-18")
    ex = results.explain("R1")
    inner = _child_of(ex.steps, "x at previous year")
    assert (inner.text, inner.value, inner.where) == ("x", 10, "2019-Q4")
    assert inner.source is not None and "row 2" in inner.source
    assert main(["explain", str(tmp_path / "prev.kpi"), "--data", str(tmp_path / "prev.csv"),
                 "--as-of", "2020-12-18", "--id", "R1"]) == 0
    out = capsys.readouterr().out
    assert "row 4" in out and "row 2" in out and "row 3" not in out


def test_explain_at_previous_year_per_unit_children_agree_with_the_parent() -> None:
    # Bug: the tutorial's BNV.1 showed `= 0.08` above children saying "unit BNV did not report for 2020-Q3".
    plan = kpirules.load("rules/nq17_national.kpi")
    results = plan.evaluate("examples/nq17_national/data.json", "2020-12-18")
    ex = results.explain("BNV.1", "BNV")
    text = "ratio(dossiers_online, dossiers_handled) at previous year"
    parent = next(s for s in ex.steps if s.text == text)
    child = _child_of(ex.steps, text)
    assert child.value == parent.value and child.where.startswith("2019-Q4")
    assert "did not report" not in ex.text()


def test_every_at_child_agrees_with_its_parent() -> None:
    """Under every `at` step the inner expression has the `at` step's value (one shared move)."""
    plan = kpirules.load("rules/nq17_national.kpi")
    seen = 0
    for r in plan.evaluate("examples/nq17_national/data.json", "2020-12-18"):
        if r.kind != "rule" or r.period is None:
            continue
        steps = r.explain().steps
        for k, s in enumerate(steps[:-1]):
            kid = steps[k + 1]
            if kid.depth == s.depth + 1 and s.text.startswith(kid.text + " at "):
                assert show(kid.value) == show(s.value), (r.id, r.unit, s.text)
                seen += 1
    assert seen > 0


def test_a_percent_is_shown_only_for_a_ratio_or_a_percentage(tmp_path: Path) -> None:
    # `e > 0` with e = 1e-30 was shown "e = 0.000…1 (0.000…1%)": a percent of a value that is none
    plan = tmp_path / "p.kpi"
    plan.write_text("rule E:\n  e > 0\nrule S:\n  share >= 20%\nrule R:\n  ratio(a, b) between 10% and 30%\n",
                    encoding="utf-8")
    data = tmp_path / "d.csv"
    data.write_text("period,unit,metric,value\n2020-Q4,,e,1e-30\n2020-Q4,,share,0.25\n2020-Q4,,a,1\n2020-Q4,,b,4\n",
                    encoding="utf-8")
    results = kpirules.load(str(plan)).evaluate([str(data)], "2020-12-18")
    e = results.explain("E").text()
    assert "e    = 0.000000000000000000000000000001   (" in e and "%" not in e
    assert "comparison: 0.000000000000000000000000000001 > 0 is true" in e
    s = results.explain("S").text()
    assert "share       = 0.25 (25%)   (" in s and "comparison: 0.25 (25%) >= 0.2 (20%) is true" in s
    r = results.explain("R").text()
    assert "ratio(a, b)                    = 0.25 (25%)\n" in r and "a                            = 1   (" in r and "0.1 (10%) <= 0.25 (25%) <= 0.3 (30%)" in r

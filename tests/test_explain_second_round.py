"""`explain` and the task rows of the second-round forms (found by a new-user trial of issue 16)."""

from __future__ import annotations

import pytest

import kpirules

PLAN = ('plan "T"\n  reporting quarterly cutoff 15 due 20\n\n'
        'event ND138 "Nghị định sửa đổi"\n\n'
        'task 4 "Quy chế":\n  due 2020\n  after ND138\n\n'
        'task 26 "Báo cáo (hằng quý)":\n  due every quarter from 2020-Q1 to 2020-Q4\n\n'
        'rule y "Lũy kế năm":\n  ratio(online over 2020, handled over 2020) >= 20% by 2020\n')


def _data(extra_tasks: list[dict[str, str]] = ()) -> kpirules.Data:  # type: ignore[assignment]
    snaps = [{"period": p, "values": {"online": 1, "handled": 4}} for p in ("2020-Q1", "2020-Q2", "2020-Q3", "2020-Q4")]
    tasks = [{"task": "4", "status": "in_progress"},
             {"task": "26", "status": "done", "period": "2020-Q1", "date": "2020-03-18"},
             {"task": "26", "status": "done", "period": "2020-Q2", "date": "2020-07-25"}, *extra_tasks]
    return kpirules.data_from_snapshots(snaps, tasks, [{"event": "ND138", "date": "15/05/2020"}])


def test_explain_of_a_total_over_a_period_traces_it_and_does_not_crash() -> None:
    results = kpirules.parse(PLAN, "t.kpi").evaluate(_data(), "2021-01-05")
    text = str(results.explain(results.by_id("y")[0]))
    assert "online over 2020" in text and "= 4" in text and "comparison: 0.25 (25%) >= 0.2 (20%) is true, so met" in text


def test_explain_of_a_recurring_duty_lists_every_occurrence_with_its_outcome() -> None:
    results = kpirules.parse(PLAN, "t.kpi").evaluate(_data(), "2021-01-05")
    text = str(results.explain(results.by_id("26")[0]))
    assert "no deadline" not in text
    assert "deadline: 2020-Q1, due 2020-03-20: done, done on 2020-03-18" in text
    assert "deadline: 2020-Q2, due 2020-06-20: done_late, done on 2020-07-25" in text
    assert "deadline: 2020-Q4, due 2020-12-20: no_data" in text


def test_explain_says_an_event_happened_and_reads_an_undated_row_as_of_the_date() -> None:
    results = kpirules.parse(PLAN, "t.kpi").evaluate(_data(), "2021-01-05")
    text = str(results.explain(results.by_id("4")[0]))
    assert "after event ND138: happened on 2020-05-15" in text and "not done yet" not in text
    assert "row: in_progress (no date: read as of 2021-01-05)" in text and "after the as-of date, not seen" not in text


def test_a_row_naming_a_period_that_is_no_occurrence_is_an_error_not_moved_to_another() -> None:
    # a mistyped quarter must not mark the earliest one delivered
    plan = kpirules.parse(PLAN, "t.kpi")
    with pytest.raises(kpirules.KpiDataError, match=r"names the period 2021-Q1, which is not one of the task's "
                                                    r"occurrences \(every quarter, 2020-Q1 … 2020-Q4\)"):
        plan.evaluate(_data([{"task": "26", "status": "done", "period": "2021-Q1", "date": "2020-03-10"}]),
                      "2021-01-05")


def test_a_metric_read_only_by_a_stretch_condition_is_not_warned_as_unused() -> None:
    plan = kpirules.parse('rule r:\n  x >= 1 by 2020\n  stretch extra >= 5\n', "s.kpi")
    data = kpirules.data_from_snapshots([{"period": "2020-Q4", "values": {"x": 2, "extra": 6, "typo": 1}}])
    results = plan.evaluate(data, "2021-01-05")
    unused = [w for w in results.warnings if w.code == "unused_metric"]
    assert len(unused) == 1 and "typo" in str(unused[0].message) and "extra" not in str(unused[0].message)
    assert results.by_id("r")[0].stretch is True

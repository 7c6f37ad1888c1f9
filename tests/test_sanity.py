"""Sanity warnings (kpirules.engine.warnings): regressions for units that stop reporting and the plan's years."""

from __future__ import annotations

import kpirules
from kpirules.data import parse_csv_data


def _warnings(plan: str, csv: str, as_of: str = "2020-12-18") -> list[kpirules.engine.warnings.Warning_]:
    return kpirules.parse(plan).evaluate(parse_csv_data("period,unit,metric,value\n" + csv, "d.csv"), as_of).warnings


def _codes(ws: list[kpirules.engine.warnings.Warning_], code: str) -> list[kpirules.engine.warnings.Warning_]:
    return [w for w in ws if w.code == code]


# --- unit_stopped_reporting


def test_unit_stopped_reporting_across_a_gap_in_half_yearly_data() -> None:
    # Bug: only the period just before the current one was compared, so with no Q3 data
    # a unit that reported 2020-Q2 and not 2020-Q4 was missed.
    ws = _warnings("rule a: for each unit: w > 0",
                   "2020-Q2,A,w,1\n2020-Q2,B,w,1\n2020-Q4,A,w,2\n")
    [w] = _codes(ws, "unit_stopped_reporting")
    assert w.message == "unit B reported for 2020-Q2 but not for 2020-Q4" and w.source == "d.csv: row 3"


def test_unit_stopped_reporting_in_the_national_example() -> None:
    plan = kpirules.load("rules/nq17_national.kpi")
    ws = plan.evaluate("examples/nq17_national/data.json", "2020-12-18").warnings
    [w] = _codes(ws, "unit_stopped_reporting")
    assert "unit CB reported for 2020-Q2 but not for 2020-Q4" in w.message


def test_unit_stopped_reporting_names_the_last_period_and_only_the_current_gap() -> None:
    ws = _warnings("rule a: for each unit: w > 0",
                   "2019-Q4,B,w,1\n2020-Q1,A,w,1\n2020-Q1,B,w,1\n2020-Q3,B,w,1\n2020-Q4,A,w,2\n2020-Q4,B,w,1\n")
    assert _codes(ws, "unit_stopped_reporting") == []  # A skipped Q3 but reports now; B reports now
    ws = _warnings("rule a: for each unit: w > 0", "2020-Q1,A,w,1\n2020-Q1,B,w,1\n2020-Q3,B,w,1\n2020-Q4,A,w,2\n")
    [w] = _codes(ws, "unit_stopped_reporting")
    assert "unit B reported for 2020-Q3 but not for 2020-Q4" in w.message


def test_no_stopped_reporting_warning_when_nobody_reported_for_the_current_period() -> None:
    ws = _warnings("rule a: for each unit: w > 0", "2020-Q2,A,w,1\n2020-Q2,B,w,1\n")
    assert _codes(ws, "unit_stopped_reporting") == []


# --- period_outside_plan


def test_period_outside_plan_includes_the_judged_period() -> None:
    # Bug: a plan with no issue date or deadline and one `at 2019` flagged the 2020-Q4 data it judges
    # ("outside the years the plan speaks of (2019–2019)").
    ws = _warnings("rule a: x > x at 2019", "2019-Q4,,x,1\n2020-Q4,,x,2\n")
    assert _codes(ws, "period_outside_plan") == []
    ws = _warnings("rule a: x > x at 2019", "2019-Q4,,x,1\n2020-Q4,,x,2\n2202-Q4,,x,2\n")
    [w] = _codes(ws, "period_outside_plan")
    assert "2202-Q4" in w.message and "(2019–2020)" in w.message


def test_period_outside_plan_needs_something_to_go_on() -> None:
    ws = _warnings("rule a: x > 1", "2017-Q4,,x,1\n2020-Q4,,x,2\n")  # the plan names no year
    assert _codes(ws, "period_outside_plan") == []


def test_period_outside_plan_includes_previous_years_and_judged_deadlines() -> None:
    # `at previous year` on a 2020 deadline reads 2019; `by 2020-01-10` judges 2019-Q4
    ws = _warnings("rule a: x >= 2 * x at previous year by 2020", "2019-Q4,,x,1\n2020-Q4,,x,2\n")
    assert _codes(ws, "period_outside_plan") == []
    ws = _warnings("rule a: x > 0 by 2020-01-10", "2019-Q4,,x,1\n", as_of="2020-01-10")
    assert _codes(ws, "period_outside_plan") == []
    ws = _warnings("rule a: x > 0 by 2020", "2017-Q4,,x,1\n2020-Q4,,x,1\n")
    [w] = _codes(ws, "period_outside_plan")
    assert "2017-Q4" in w.message

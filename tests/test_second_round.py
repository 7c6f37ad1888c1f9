"""The forms and decisions of LANGUAGE.md's "Second round: forms real plans need", one test each,
from that section's own examples."""

from __future__ import annotations

import datetime
import json
import unicodedata
from pathlib import Path

import pytest

import kpirules
from kpirules import KpiDataError, KpiSemanticError, KpiSyntaxError, Status
from kpirules import nodes as n
from kpirules.data import parse_csv_data, parse_json_data

HEADER = 'plan "t"\n  reporting quarterly cutoff 15 due 20\n'
D = datetime.date


def plan(body: str, header: str = HEADER) -> kpirules.Plan:
    return kpirules.parse(header + body, "t.kpi")


def data(snapshots: list[dict] | None = None, tasks: list[dict] | None = None,
         events: list[dict] | None = None) -> kpirules.Data:
    doc: dict = {"snapshots": snapshots or [], "tasks": tasks or []}
    if events is not None:
        doc["events"] = events
    return parse_json_data(json.dumps(doc), "d.json")


def one(p: kpirules.Plan, d: kpirules.Data, as_of: str, ident: str, unit: str | None = None) -> kpirules.Result:
    found = [r for r in p.evaluate(d, as_of) if r.id == ident and r.unit == unit]
    assert len(found) == 1, found
    return found[0]


def json_of(p: kpirules.Plan, d: kpirules.Data, as_of: str, ident: str) -> dict:
    doc = json.loads(json.dumps(p.evaluate(d, as_of).to_json()))
    found = [r for r in doc["results"] if r["id"] == ident]
    assert len(found) == 1
    return found[0]


# --- values are what they look like ------------------------------------------------


def test_a_date_is_a_value_wherever_a_value_may_stand() -> None:
    p = plan('rule r:\n  decided_on <= 2020-11-01\n')
    cond = p.rules[0].condition
    assert isinstance(cond, n.Compare) and isinstance(cond.right, n.DateRef)
    assert cond.right.date == D(2020, 11, 1)  # never 2020 − 11 − 1 = 2008
    d = data([{"period": "2020-Q4", "values": {"decided_on": "2020-10-15"}}])
    assert one(p, d, "2020-12-18", "r").status is Status.MET
    d = data([{"period": "2020-Q4", "values": {"decided_on": "2020-11-02"}}])
    assert one(p, d, "2020-12-18", "r").status is Status.NOT_MET
    d = data([{"period": "2020-Q4", "values": {"decided_on": 2008}}])
    assert one(p, d, "2020-12-18", "r").status is Status.ERROR


def test_a_date_compared_with_a_number_is_a_load_error() -> None:
    with pytest.raises(KpiSemanticError, match="compares a date"):
        plan('rule r:\n  2020-11-01 >= 5\n')


def test_a_period_where_a_value_stands_is_an_error_not_arithmetic() -> None:
    with pytest.raises(KpiSyntaxError, match="2020-11"):
        plan('rule r:\n  x <= 2020-11\n')


# --- errors are never hidden by missing data --------------------------------------


def test_a_wrong_type_beside_missing_data_is_error() -> None:
    p = plan('rule r:\n  a >= c\n')
    d = data([{"period": "2020-Q4", "values": {"a": "many"}}])
    r = one(p, d, "2020-12-18", "r")
    assert r.status is Status.ERROR and "many" in r.reason


def test_a_wrong_type_beside_missing_data_is_error_in_arithmetic_too() -> None:
    p = plan('rule r:\n  a + c >= 1\n')
    d = data([{"period": "2020-Q4", "values": {"a": "many"}}])
    assert one(p, d, "2020-12-18", "r").status is Status.ERROR


# --- count(units where C) over the units reporting in the judged period ------------


def test_count_where_counts_only_units_reporting_in_the_judged_period() -> None:
    p = plan('rule r:\n  count(units where true) == 1\nrule all:\n  count(units) == 1\n')
    d = data([{"period": "2020-Q4", "unit": "A", "values": {"x": 1}},
              {"period": "2020-Q3", "unit": "B", "values": {"x": 1}}])
    assert one(p, d, "2020-12-18", "r").status is Status.MET
    assert one(p, d, "2020-12-18", "all").status is Status.MET


# --- deadlines written as periods: the period's last calendar day --------------


def test_a_task_due_2020_finished_on_17_12_2020_is_done() -> None:
    p = plan('task 13 "t":\n  due 2020\n')
    d = data(tasks=[{"task": "13", "status": "done", "date": "2020-12-17"}])
    r = one(p, d, "2021-01-05", "13")
    assert r.status is Status.DONE
    assert r.deadline == D(2020, 12, 31)


def test_due_q4_2019_is_the_last_day_of_december() -> None:
    p = plan('task 6 "t":\n  due Q4/2019\n')
    assert one(p, data(tasks=[{"task": "6", "status": "done", "date": "2019-12-31"}]), "2020-01-05",
               "6").status is Status.DONE
    assert one(p, data(tasks=[{"task": "6", "status": "done", "date": "2020-01-01"}]), "2020-01-05",
               "6").status is Status.DONE_LATE


def test_a_rule_deadline_by_2020_is_2020_12_31_judged_on_2020_q4() -> None:
    p = plan('rule r:\n  x >= 1 by 2020\n')
    d = data([{"period": "2020-Q4", "values": {"x": 1}}])
    r = one(p, d, "2020-12-18", "r")
    assert r.status is Status.MET and r.period == "2020-Q4" and r.deadline == D(2020, 12, 31)
    assert one(p, d, "2020-12-14", "r").status is Status.NO_DATA  # 2020-Q4 not yet closed: no earlier data


def test_by_a_date_judges_the_last_period_ending_by_it() -> None:
    p = plan('rule r:\n  x >= 1 by 2020-06-30\n')
    d = data([{"period": "2020-Q2", "values": {"x": 1}}])
    r = one(p, d, "2020-12-18", "r")
    assert r.period == "2020-Q2" and r.deadline == D(2020, 6, 30)


# --- deliveries settle deadlines in order ----------------------------------------------


TWO = 'task 6 "t":\n  due Q4/2019, 2025\n'


def test_one_late_delivery_settles_the_first_deadline_and_the_second_is_still_owed() -> None:
    p = plan(TWO)
    d = data(tasks=[{"task": "6", "status": "done", "date": "2020-03-01"}])
    r = one(p, d, "2021-01-05", "6")
    assert r.status is Status.OPEN and r.period == "2025"
    outcomes = [(o.period, o.status) for o in r.deadlines]
    assert outcomes == [("2019-Q4", Status.DONE_LATE), ("2025", Status.OPEN)]
    js = json_of(p, d, "2021-01-05", "6")
    assert js["deadlines"] == [
        {"period": "2019-Q4", "deadline": "2019-12-31", "status": "done_late", "done_on": "2020-03-01"},
        {"period": "2025", "deadline": "2025-12-31", "status": "open", "done_on": None},
    ]
    assert js["deliveries"][0]["status"] == "done_late"  # the first round's field is kept


def test_two_deliveries_settle_both_deadlines_oldest_first() -> None:
    p = plan(TWO)
    d = data(tasks=[{"task": "6", "status": "done", "date": "2021-06-01"},
                    {"task": "6", "status": "done", "date": "2019-11-20"}])
    r = one(p, d, "2022-01-05", "6")
    assert r.status is Status.DONE
    assert [o.done_on for o in r.deadlines] == [D(2019, 11, 20), D(2021, 6, 1)]
    d = data(tasks=[{"task": "6", "status": "done", "date": "2020-01-02"},
                    {"task": "6", "status": "done", "date": "2021-06-01"}])
    assert one(p, d, "2022-01-05", "6").status is Status.DONE_LATE


def test_the_status_is_that_of_the_earliest_unsettled_deadline() -> None:
    p = plan(TWO)
    assert one(p, data(), "2020-01-05", "6").status is Status.NO_DATA
    d = data(tasks=[{"task": "6", "status": "in_progress", "date": "2019-12-01"}])
    assert one(p, d, "2020-01-05", "6").status is Status.OVERDUE
    assert one(p, d, "2019-12-20", "6").status is Status.OPEN


def test_progress_after_the_last_settled_deadline_reports_on_the_next() -> None:
    p = plan('task 6 "t":\n  due Q4/2019, 2020\n')
    d = data(tasks=[{"task": "6", "status": "done", "date": "2019-11-01"},
                    {"task": "6", "status": "in_progress", "date": "2019-10-01"}])
    r = one(p, d, "2021-01-05", "6")
    assert r.status is Status.NO_DATA and r.period == "2020"  # the progress row was on the first one
    d = data(tasks=[{"task": "6", "status": "done", "date": "2019-11-01"},
                    {"task": "6", "status": "in_progress", "date": "2020-05-01"}])
    assert one(p, d, "2021-01-05", "6").status is Status.OVERDUE


# --- task rows without a date --------------------------------------------------------------


def test_a_progress_row_without_a_date_is_the_report_as_of_the_as_of_date() -> None:
    p = plan('task 1 "t":\n  due 2020\n')
    d = data(tasks=[{"task": "1", "status": "in_progress", "note": "đang làm"}])
    r = one(p, d, "2021-01-05", "1")
    assert r.status is Status.OVERDUE and "đang làm" in r.reason


def test_a_done_row_needs_a_date_or_a_period() -> None:
    with pytest.raises(KpiDataError, match=r"\$\.tasks\[0\]"):
        data(tasks=[{"task": "1", "status": "done"}])


def test_dates_in_data_may_be_day_first() -> None:
    d = data(tasks=[{"task": "13", "status": "done", "date": "17/12/2020"}])
    assert d.task_rows[0].date == D(2020, 12, 17)
    csv = parse_csv_data("task,status,date\n13,done,17/12/2020\n", "t.csv")
    assert csv.task_rows[0].date == D(2020, 12, 17)


# --- recurring duties -----------------------------------------------------------------------


DUTY = 'task 26 "Báo cáo định kỳ tình hình thực hiện (hằng quý)":\n  lead VPB\n  due every quarter from 2019-Q2 to 2025-Q4\n'


def test_every_quarter_makes_one_deadline_per_quarter_due_on_its_report_day() -> None:
    p = plan(DUTY)
    task = p.tasks[0]
    assert task.every is not None and task.every.kind is kpirules.Kind.QUARTER
    r = one(p, data(), "2020-01-05", "26")
    assert [o.period for o in r.deadlines][:3] == ["2019-Q2", "2019-Q3", "2019-Q4"]
    assert len(r.deadlines) == 27
    assert r.deadlines[2].deadline == D(2019, 12, 20)


def test_a_recurring_duty_delivered_every_quarter_so_far_is_open_and_lists_each_occurrence() -> None:
    p = plan(DUTY)
    rows = [{"task": "26", "status": "done", "period": q, "date": day}
            for q, day in [("2019-Q2", "2019-06-18"), ("2019-Q3", "2019-09-19"), ("2019-Q4", "2019-12-18")]]
    r = one(p, data(tasks=rows), "2020-01-05", "26")
    assert r.status is Status.OPEN
    assert [o.status for o in r.deadlines[:4]] == [Status.DONE] * 3 + [Status.OPEN]
    js = json_of(p, data(tasks=rows), "2020-01-05", "26")
    assert js["deadlines"][2] == {"period": "2019-Q4", "deadline": "2019-12-20", "status": "done",
                                  "done_on": "2019-12-18"}


def test_one_missed_quarter_keeps_the_duty_overdue_or_no_data_until_delivered() -> None:
    p = plan(DUTY)
    rows = [{"task": "26", "status": "done", "period": "2019-Q2", "date": "2019-06-18"},
            {"task": "26", "status": "done", "period": "2019-Q4", "date": "2019-12-18"}]
    r = one(p, data(tasks=rows), "2020-01-05", "26")
    assert r.status is Status.NO_DATA and r.period == "2019-Q3"
    rows.append({"task": "26", "status": "in_progress", "period": "2019-Q3", "date": "2019-09-30"})
    assert one(p, data(tasks=rows), "2020-01-05", "26").status is Status.OVERDUE
    rows.append({"task": "26", "status": "done", "period": "2019-Q3", "date": "2019-10-10"})
    r = one(p, data(tasks=rows), "2020-01-05", "26")
    assert r.status is Status.OPEN and r.deadlines[1].status is Status.DONE_LATE


def test_a_recurring_duty_all_delivered_on_time_is_done() -> None:
    p = plan('task 26 "t":\n  due every year from 2019 to 2020\n')
    rows = [{"task": "26", "status": "done", "period": "2019", "date": "2019-12-18"},
            {"task": "26", "status": "done", "period": "2020", "date": "2020-12-19"}]
    assert one(p, data(tasks=rows), "2021-01-05", "26").status is Status.DONE


@pytest.mark.parametrize("kind, count", [("month", 12), ("half-year", 2), ("year", 1), ("quarter", 4)])
def test_every_month_half_year_and_year(kind: str, count: int) -> None:
    p = plan(f'task t "t":\n  due every {kind} from 2020 to 2020\n')
    assert len(one(p, data(), "2020-01-05", "t").deadlines) == count


# --- events outside the plan ------------------------------------------------------------------


EVENTS = '''event ND138 "Nghị định sửa đổi, bổ sung Nghị định số 138/2016/NĐ-CP"

task 4 "Sửa đổi Quy chế làm việc của Bộ":
  lead VPB
  due 2020
  after ND138
'''


def test_a_task_waits_for_an_event_until_the_data_reports_it() -> None:
    p = plan(EVENTS)
    r = one(p, data(events=[]), "2021-01-05", "4")
    assert r.status is Status.BLOCKED and "ND138" in r.reason
    d = data(events=[{"event": "ND138", "date": "2020-05-15"}])
    assert one(p, d, "2021-01-05", "4").status is Status.NO_DATA
    assert one(p, d, "2020-05-14", "4").status is Status.BLOCKED  # not happened yet as of that day


def test_events_in_csv_data() -> None:
    d = parse_csv_data("event,date,note\nND138,15/05/2020,ban hành\n", "e.csv")
    p = plan(EVENTS)
    assert one(p, d, "2020-06-01", "4").status is Status.OPEN


def test_an_undeclared_event_in_data_is_a_load_error() -> None:
    p = plan(EVENTS)
    with pytest.raises(KpiDataError, match="ND110"):
        p.evaluate(data(events=[{"event": "ND110", "date": "2020-05-15"}]), "2021-01-05")


def test_after_an_undeclared_name_is_a_load_error() -> None:
    with pytest.raises(KpiSemanticError, match="neither as a task nor as an event"):
        plan('task 4 "t":\n  due 2020\n  after ND138\n')


# --- stretch goals ----------------------------------------------------------------------------


STRETCH = '''rule II.1.c.4 "Rút ngắn từ 30% - 50% thời gian họp":
  change(meeting_hours, meeting_hours at 2018) <= -30% by 2020
  stretch change(meeting_hours, meeting_hours at 2018) <= -50%
'''


@pytest.mark.parametrize("hours, status, stretch", [
    (60, Status.MET, False), (50, Status.MET, True), (80, Status.NOT_MET, None)])
def test_stretch_is_judged_only_when_met(hours: int, status: Status, stretch: bool | None) -> None:
    p = plan(STRETCH)
    d = data([{"period": "2018-Q4", "values": {"meeting_hours": 100}},
              {"period": "2020-Q4", "values": {"meeting_hours": hours}}])
    r = one(p, d, "2020-12-18", "II.1.c.4")
    assert r.status is status and r.stretch is stretch
    assert json_of(p, d, "2020-12-18", "II.1.c.4")["stretch"] == stretch


def test_stretch_is_null_while_on_track_and_absent_without_a_stretch() -> None:
    p = plan(STRETCH + 'rule plain:\n  meeting_hours >= 0\n')
    d = data([{"period": "2018-Q4", "values": {"meeting_hours": 100}},
              {"period": "2019-Q4", "values": {"meeting_hours": 40}}])
    r = one(p, d, "2019-12-18", "II.1.c.4")
    assert r.status is Status.ON_TRACK and r.stretch is None
    assert "stretch" not in json_of(p, d, "2019-12-18", "plain")


def test_a_wrong_type_in_the_stretch_makes_the_result_error() -> None:
    p = plan('rule r:\n  x >= 1\n  stretch y >= 2\n')
    d = data([{"period": "2020-Q4", "values": {"x": 1, "y": "a lot"}}])
    assert one(p, d, "2020-12-18", "r").status is Status.ERROR


# --- totals over time -----------------------------------------------------------------------------


def quarters(metric: str, values: dict[str, object], unit: str | None = None) -> list[dict]:
    return [{"period": q, "values": {metric: v}, **({"unit": unit} if unit else {})} for q, v in values.items()]


def test_m_over_a_year_is_the_sum_of_its_quarters() -> None:
    p = plan('rule r:\n  ratio(online over 2020, handled over 2020) >= 20% by 2020\n')
    d = data(quarters("online", {"2020-Q1": 10, "2020-Q2": 10, "2020-Q3": 10, "2020-Q4": 10})
             + quarters("handled", {"2020-Q1": 50, "2020-Q2": 50, "2020-Q3": 50, "2020-Q4": 50}))
    r = one(p, d, "2021-01-05", "r")
    assert r.status is Status.MET and r.value == kpirules.values.Fraction(1, 5)


def test_m_over_p_is_undefined_when_any_period_is_missing() -> None:
    p = plan('rule r:\n  online over 2020 >= 1\n')
    d = data(quarters("online", {"2020-Q1": 10, "2020-Q2": 10, "2020-Q4": 10}))
    r = one(p, d, "2021-01-05", "r")
    assert r.status is Status.NO_DATA and "2020-Q3" in r.reason


def test_m_over_year_is_year_to_date() -> None:
    p = plan('rule r:\n  online over year >= 25\n')
    d = data(quarters("online", {"2019-Q4": 100, "2020-Q1": 10, "2020-Q2": 10, "2020-Q3": 10}))
    r = one(p, d, "2020-09-20", "r")  # the judged period is 2020-Q3
    assert r.period == "2020-Q3" and r.value == 30 and r.status is Status.MET


def test_over_a_period_shorter_than_the_plans_is_a_load_error() -> None:
    with pytest.raises(KpiSemanticError, match="over 2020-03"):
        plan('rule r:\n  online over 2020-03 >= 1\n')


# --- declared units ----------------------------------------------------------------------------------


UNITS = '''unit TTCNTT "Trung tâm Công nghệ thông tin"
unit VPB "Văn phòng Bộ"

rule u "Mỗi đơn vị":
  for each unit: x >= 1
'''


def test_for_each_unit_means_the_declared_units() -> None:
    p = plan(UNITS)
    d = data([{"period": "2020-Q4", "unit": "TTCNTT", "values": {"x": 1}}])
    got = {r.unit: r.status for r in p.evaluate(d, "2020-12-18") if r.id == "u"}
    assert got == {"TTCNTT": Status.MET, "VPB": Status.NO_DATA}


def test_data_may_name_a_declared_unit_by_its_full_name_in_any_normal_form() -> None:
    p = plan(UNITS)
    name = unicodedata.normalize("NFD", "Văn phòng Bộ")
    d = data([{"period": "2020-Q4", "unit": name, "values": {"x": 2}}])
    got = {r.unit: r.status for r in p.evaluate(d, "2020-12-18") if r.id == "u"}
    assert got["VPB"] is Status.MET


def test_an_undeclared_unit_in_data_names_the_closest_declared_one() -> None:
    p = plan(UNITS)
    d = data([{"period": "2020-Q4", "unit": "TTCNT", "values": {"x": 2}},
              {"period": "2020-Q4", "unit": "VPBB", "values": {"x": 2}}])
    with pytest.raises(KpiDataError) as info:
        p.evaluate(d, "2020-12-18")
    text = str(info.value)
    assert "TTCNT" in text and "TTCNTT" in text and "VPBB" in text and "VPB" in text


def test_a_unit_declared_twice_is_a_load_error() -> None:
    with pytest.raises(KpiSemanticError, match="declared twice"):
        plan('unit A "Một"\nunit A "Hai"\n')


def test_results_show_the_full_name_of_a_declared_unit() -> None:
    p = plan(UNITS)
    d = data([{"period": "2020-Q4", "unit": "TTCNTT", "values": {"x": 1}}])
    r = one(p, d, "2020-12-18", "u", "TTCNTT")
    assert r.unit_name == "Trung tâm Công nghệ thông tin"
    assert json_of_unit(p, d, "TTCNTT")["unit_name"] == "Trung tâm Công nghệ thông tin"


def json_of_unit(p: kpirules.Plan, d: kpirules.Data, unit: str) -> dict:
    doc = p.evaluate(d, "2020-12-18").to_json()
    return next(r for r in doc["results"] if r["unit"] == unit)


# --- spans rank errors first ---------------------------------------------------------------------------


def test_a_span_names_the_first_period_in_error_before_any_failure() -> None:
    p = plan('rule r:\n  x >= 1 from 2020-Q1 to 2020-Q4\n')
    d = data(quarters("x", {"2020-Q1": 0, "2020-Q2": 1, "2020-Q3": "bad", "2020-Q4": 1}))
    r = one(p, d, "2020-12-18", "r")
    assert r.status is Status.ERROR and r.period == "2020-Q3"


# --- data that cannot belong to the plan is refused ----------------------------------------------------


def test_an_empty_data_file_is_a_load_error(tmp_path: Path) -> None:
    for name, text in [("e.json", '{"snapshots": [], "tasks": []}'), ("e.csv", "period,unit,metric,value\n"),
                       ("z.csv", "")]:
        f = tmp_path / name
        f.write_text(text, encoding="utf-8")
        with pytest.raises(KpiDataError):
            kpirules.load_data(f)


def test_data_that_shares_nothing_with_the_plan_is_refused() -> None:
    p = plan('rule r:\n  x >= 1\n')
    with pytest.raises(KpiDataError, match="shares no metric, task or event"):
        p.check_data(data([{"period": "2020-Q4", "values": {"y": 1}}]))
    p.check_data(data([{"period": "2020-Q4", "values": {"x": 1}}]))


def test_check_refuses_data_that_shares_nothing_with_the_plan(tmp_path: Path,
                                                              capsys: pytest.CaptureFixture[str]) -> None:
    from kpirules.cli import main

    plan_file = tmp_path / "p.kpi"
    plan_file.write_text(HEADER + "rule r:\n  x >= 1\n", encoding="utf-8")
    other = tmp_path / "other.json"
    other.write_text(json.dumps({"snapshots": [{"period": "2020-Q4", "values": {"y": 1}}]}), encoding="utf-8")
    assert main(["check", str(plan_file), "--data", str(other), "--as-of", "2020-12-18"]) == 2
    assert "shares no metric, task or event" in capsys.readouterr().err
    empty = tmp_path / "empty.csv"
    empty.write_text("period,unit,metric,value\n", encoding="utf-8")
    assert main(["check", str(plan_file), "--data", str(empty), "--as-of", "2020-12-18"]) == 2
    assert "holds no snapshot" in capsys.readouterr().err


def test_task_13_of_the_decision_is_done_and_ii_1_c_3_is_ministry_wide(capsys: pytest.CaptureFixture[str]) -> None:
    from kpirules.cli import main

    main(["check", "rules/nq17_bkhcn.kpi", "--data", "examples/nq17_bkhcn/data.json", "--as-of", "2021-01-05",
          "--format", "json"])
    doc = json.loads(capsys.readouterr().out)
    by = {(r["id"], r["unit"]): r for r in doc["results"]}
    assert by[("13", None)]["status"] == "done"
    assert by[("II.1.c.3", None)]["status"] == "met" and not any(k[0] == "II.1.c.3" and k[1] for k in by)
    assert by[("II.1.c.4", None)]["stretch"] is False
    assert [d["status"] for d in by[("26", None)]["deadlines"]][:8] == ["done"] * 5 + ["done_late", "done", "open"]


def test_data_that_shares_nothing_names_a_few_metrics_of_each_side() -> None:
    p = plan('rule r:\n  x >= 1\nrule s:\n  w >= 1\n')
    d = data([{"period": "2020-Q4", "values": {f"y{i}": 1 for i in range(7)}}])
    with pytest.raises(KpiDataError) as exc:
        p.check_data(d)
    assert "(the plan reads w, x; the data gives y0, y1, y2, y3, y4, …)" in str(exc.value)


def test_data_whose_periods_all_lie_outside_the_plan_is_refused(tmp_path: Path,
                                                                capsys: pytest.CaptureFixture[str]) -> None:
    from kpirules.cli import main

    p = plan('rule r:\n  x >= 1 by 2021-12-31\n')
    old = data([{"period": "2012-Q4", "values": {"x": 1}}, {"period": "2013-Q1", "values": {"x": 1}}])
    with pytest.raises(KpiDataError, match=r"every period of the data \(2012-Q4, 2013-Q1\) lies outside the years "
                                           r"the plan .* speaks of \(2020–20\d\d\)"):
        p.check_data(old)
    p.check_data(data([{"period": "2020-Q4", "values": {"x": 1}}]))  # (a baseline: the year before the plan)
    with pytest.raises(KpiDataError, match="lies outside"):
        p.check_data(data([{"period": "2019-Q4", "values": {"x": 1}}]))
    p.check_data(data([{"period": "2019-Q4", "values": {"x": 1}}]), years=[2019])  # (--period 2019-Q4)
    p.check_data(data([{"period": "2012-Q4", "values": {"x": 1}}, {"period": "2021-Q1", "values": {"x": 1}}]))
    p.check_data(data([{"period": "2040-Q1", "values": {"x": 1}}]), years=[2040])  # (--as-of 2040-…)
    with pytest.raises(KpiDataError, match="lies outside"):
        p.check_data(data([{"period": "2040-Q1", "values": {"x": 1}}]))
    plan_file = tmp_path / "p.kpi"
    plan_file.write_text(HEADER + "rule r:\n  x >= 1 by 2021-12-31\n", encoding="utf-8")
    f = tmp_path / "old.csv"
    f.write_text("period,metric,value\n2012-Q4,x,1\n", encoding="utf-8")
    assert main(["check", str(plan_file), "--data", str(f), "--as-of", "2021-12-18"]) == 2
    err = capsys.readouterr().err
    assert "lies outside the years" in err and "Traceback" not in err
    f.write_text("period,metric,value\n2041-Q4,x,1\n", encoding="utf-8")
    assert main(["check", str(plan_file), "--data", str(f), "--as-of", "2042-01-18"]) != 2

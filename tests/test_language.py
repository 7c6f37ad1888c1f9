"""The language core: parsing, load-time checks, statuses of rules and tasks."""

from __future__ import annotations

import datetime
import json
from fractions import Fraction
from pathlib import Path

import pytest

import kpirules
from kpirules import KpiDataError, KpiError, KpiSemanticError, KpiSyntaxError, Status
from kpirules import nodes as n
from kpirules.data import parse_csv_data, parse_json_data

DATA = Path(__file__).parent / "data"
D = datetime.date


def plan(body: str, header: str = 'plan "t"\n  reporting quarterly cutoff 15 due 20\n') -> kpirules.Plan:
    return kpirules.parse(header + body, "t.kpi")


def data(snapshots: list[dict], tasks: list[dict] | None = None) -> kpirules.Data:
    return parse_json_data(json.dumps({"snapshots": snapshots, "tasks": tasks or []}), "d.json")


def status_of(p: kpirules.Plan, d: kpirules.Data, as_of: str, ident: str, unit: str | None = None):
    results = [r for r in p.evaluate(d, as_of) if r.id == ident and r.unit == unit]
    assert len(results) == 1, results
    return results[0]


# --- parsing ------------------------------------------------------------------


def test_the_example_file_of_the_language_sketch_parses() -> None:
    p = kpirules.load(DATA / "language_example.kpi")
    assert p.id == "676/QĐ-BKHCN"
    assert p.scheme == kpirules.Scheme(15, 20)
    assert [r.id for r in p.rules] == ["II.1.a.1", "II.1.b.9", "II.1.c.4", "III.unit_online", "L26"]
    assert [t.id for t in p.tasks] == ["6", "7"]
    assert p.tasks[1].after == ("6",)
    assert p.rules[3].per_unit
    assert p.rules[4].bare
    eid = p.rules[0]
    assert eid.lead == ("TTCNTT",)
    assert isinstance(eid.condition, n.Compare) and eid.condition.right == n.Percent(Fraction(1, 5), "20%")
    assert isinstance(eid.time, n.By) and eid.time.when.period.label == "2020"
    six = p.tasks[0]
    assert [w.period.label for w in six.due] == ["2019-Q4", "2025"]
    assert six.support == ("VPB", "các đơn vị có liên quan")


def test_the_example_file_evaluates_on_the_example_data() -> None:
    p = kpirules.load(DATA / "language_example.kpi")
    results = p.evaluate(kpirules.load_data(DATA / "language_example.json"), "2020-12-18")
    by = {(r.id, r.unit): r for r in results}
    assert by[("L26", None)].status is Status.MET
    assert by[("L26", None)].value == Fraction(1234, 5000)
    assert by[("II.1.b.9", None)].status is Status.MET
    assert by[("III.unit_online", "TTCNTT")].status is Status.MET
    assert by[("II.1.a.1", None)].status is Status.NO_DATA
    assert "eid_verified_users" in by[("II.1.a.1", None)].reason
    # task 6 due Q4/2019 (2019-12-31), done 2019-11-20; then owes a delivery by 2025
    assert by[("6", None)].status is Status.OPEN
    assert by[("7", None)].status is Status.OPEN  # due 2020 means 2020-12-31, not yet passed; 6 is done
    later = {(r.id, r.unit): r for r in p.evaluate(kpirules.load_data(DATA / "language_example.json"), "2021-01-05")}
    assert later[("7", None)].status is Status.NO_DATA  # due 2020 passed, nothing reported


def test_every_node_has_a_position() -> None:
    p = kpirules.load(DATA / "language_example.kpi")
    for node in n.walk(p.ast):
        if isinstance(node, (n.Plan,)):
            continue
        assert node.span is not None, node
        assert node.span.line >= 1 and node.span.column >= 1


def test_positions_do_not_count_in_equality() -> None:
    a = kpirules.parse("rule x: a >= 1", "a.kpi").ast
    b = kpirules.parse("\n\n  rule   x:\n a>=1", "b.kpi").ast
    assert a == b


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("rule r: ratio(1, 5) >= 20%", Status.MET),
        ("rule r: ratio(199, 1000) >= 20%", Status.NOT_MET),
        ("rule r: 0.1 + 0.2 == 0.3", Status.MET),
        ("rule r: 12.5% == 1/8", Status.MET),
        ("rule r: 2 + 3 * 4 == 14 and (2 + 3) * 4 == 20", Status.MET),
        ("rule r: -30% between -50% and -30%", Status.MET),
        ("rule r: 1 / 3 * 3 == 1", Status.MET),
        ("rule r: not (1 > 2) or x > 1", Status.MET),
    ],
)
def test_exact_values(text: str, expected: Status) -> None:
    p = plan(text)
    assert status_of(p, data([]), "2020-12-18", "r").status is expected


def test_ids_may_be_dotted_numbers_or_strings() -> None:
    p = plan('rule "Mục 1": a > 1\nrule nq17.eid: a > 1\ntask 12: due 2020\nsection II.1.a "x"\nsection PL.I')
    assert [r.id for r in p.rules] == ["Mục 1", "nq17.eid"]
    assert [s.id for s in p.sections] == ["II.1.a", "PL.I"]


# --- syntax errors --------------------------------------------------------------


def syntax_error(text: str) -> KpiSyntaxError:
    with pytest.raises(KpiSyntaxError) as info:
        kpirules.parse(text, "bad.kpi")
    return info.value


def test_keywords_are_reserved() -> None:
    err = syntax_error("rule a:\n  ratio(a, b) >= by 2020\n")
    assert str(err).startswith("bad.kpi:2:18: error: unexpected keyword `by`")
    assert "after `ratio(a, b) >=`" in str(err)
    assert "  2 |   ratio(a, b) >= by 2020" in str(err)
    assert "\n      |                  ^^" in str(err)


def test_a_missing_comparison_is_named() -> None:
    with pytest.raises(KpiError) as info:
        kpirules.parse("rule a:\n  ratio(a, b) 20% by 2020\n", "bad.kpi")
    text = str(info.value)
    assert text.startswith("bad.kpi:2:15: error: expected a comparison such as >= or between after `ratio(a, b)`")


@pytest.mark.parametrize(
    ("text", "where", "words"),
    [
        ("rule a: ratio(a) >= 2", "1:16", "expected `,` after `ratio(a`"),
        ("rule a: x >= 5 by 20", "1:19", "is not a period"),
        ("rule a: tỷ_lệ >= 5", "1:9", "unexpected `tỷ_lệ`: names are ASCII"),
        ('rule a "abc: x >= 5', "1:8", "a string is not closed"),
        ("rule a:\n  x >= 5 by", "2:12", "ends in the middle"),
        ("rule a: x >= 5 @", "1:16", "unexpected character `@`"),
        ("rule a: x = 5", "1:11", "a single `=` is not an operator"),
        ("rule a: x => 5", "1:11", "`=>` is not an operator"),
        ("rule a: x >= 20 %", "1:17", "a `%` stands alone"),
        ("rule a: x >= 1e6 by 2020", "1:14", "`1e6` is not a number kpirules reads"),
        ("rule a: x > 1 by 2020-Q5", "1:18", "there is no quarter 5"),
        ("task 1: due 2019-2020", "1:13", "`2019-2020` is a span of years"),
        ("task 1: due Quý IV/2019", "1:13", "unexpected `Quý`"),
        ("rule A Người dân: x > 1", "1:8", "unexpected `Người`"),
        ("rule a: summ(x) >= 1000", "1:9", "unknown function `summ`"),
        ("task 1:\n  lead X\n  laed Y\n  due 2020", "4:3", "unexpected `due`: it belongs right after"),
        ('rule I.1 "t":\n  lead VX\n  x > 1', "2:3", "a rule's condition comes before its `lead` line"),
        ("rule a: x > 1 > 2", "1:15", "unexpected `>`"),
        ("plan p reporting quarterly cutoff 40", "1:35", "cut-off day 40 is out of range"),
    ],
)
def test_syntax_errors_point_at_the_offending_text(text: str, where: str, words: str) -> None:
    err = syntax_error(text)
    first = str(err).splitlines()[0]
    assert first.startswith(f"bad.kpi:{where}: error:"), first
    assert words in first


def test_deep_nesting_is_a_clear_error() -> None:
    err = syntax_error("rule a: " + "(" * 5000 + "x" + ")" * 5000 + " > 1")
    assert "nested more than" in str(err)
    err = syntax_error("rule a: " + "not " * 3000 + "x")
    assert "nested more than" in str(err)


# --- load-time checks -------------------------------------------------------------


def semantic_error(text: str) -> str:
    with pytest.raises(KpiSemanticError) as info:
        kpirules.parse(text, "bad.kpi")
    return str(info.value)


def test_all_semantic_problems_are_reported_at_once() -> None:
    text = semantic_error(
        "task 1: due 2020\n"
        "task 1: due 2020\n"
        "task 2: due 2020 after 3\n"
        "rule r: x at 5 > 1\n"
        "rule s: 1 + 2\n"
    )
    assert "bad.kpi:2:1: error: duplicate id 1" in text
    assert "bad.kpi:3:1: error: task 2 comes after 3, which the plan defines neither as a task nor as an event" in text
    assert "bad.kpi:4:14: error: `at` takes a reporting period" in text
    assert "bad.kpi:5:9: error: a condition must be true or false, but `1 + 2` is a number" in text


def test_unknown_after_suggests_a_close_name() -> None:
    text = semantic_error("task arch: due 2020\ntask use: due 2020 after acrh\n")
    assert "did you mean arch?" in text


def test_type_errors_in_rules() -> None:
    assert "needs a number" in semantic_error('rule r: ratio(a, "x") > 1')
    assert "compares a number with a text" in semantic_error('rule r: 1 == "x"')
    assert "needs numbers on both sides" in semantic_error("rule r: true > 1")


# --- the current period and deadlines ---------------------------------------------


def test_the_current_period_is_the_last_closed_window() -> None:
    p = plan("rule r: x > 1")
    d = data([{"period": "2020-Q3", "values": {"x": 0}}, {"period": "2020-Q4", "values": {"x": 2}}])
    assert status_of(p, d, "2020-12-14", "r").period == "2020-Q3"
    assert status_of(p, d, "2020-12-14", "r").status is Status.NOT_MET
    assert status_of(p, d, "2020-12-15", "r").period == "2020-Q4"
    assert status_of(p, d, "2020-12-18", "r").status is Status.MET


def test_a_deadline_is_judged_on_the_last_period_ending_by_it() -> None:
    p = plan("rule y: x > 1 by 2020\nrule h: x > 1 by 2020-06-30\nrule q: x > 1 by Q4/2019")
    d = data([{"period": lbl, "values": {"x": v}} for lbl, v in
              [("2019-Q4", 0), ("2020-Q1", 5), ("2020-Q2", 0), ("2020-Q3", 5), ("2020-Q4", 5), ("2021-Q1", 0)]])
    y = status_of(p, d, "2021-06-18", "y")
    assert (y.status, y.period, y.deadline) == (Status.MET, "2020-Q4", D(2020, 12, 31))  # the year's last day
    h = status_of(p, d, "2021-06-18", "h")
    assert (h.status, h.period) == (Status.NOT_MET, "2020-Q2")
    q = status_of(p, d, "2021-06-18", "q")
    assert (q.status, q.period) == (Status.NOT_MET, "2019-Q4")


def test_before_the_deadline_the_rule_is_on_track_or_at_risk_on_the_latest_closed_data() -> None:
    p = plan("rule r: ratio(a, b) >= 20% by 2020")
    d = data([{"period": "2020-Q1", "values": {"a": 1, "b": 4}}, {"period": "2020-Q2", "values": {"a": 1, "b": 10}},
              {"period": "2020-Q3", "values": {"a": 1}}])
    r = status_of(p, d, "2020-06-20", "r")
    assert (r.status, r.period, r.value) == (Status.AT_RISK, "2020-Q2", Fraction(1, 10))
    r = status_of(p, d, "2020-03-20", "r")
    assert (r.status, r.period) == (Status.ON_TRACK, "2020-Q1")
    # 2020-Q3 lacks b: the latest closed period that has the data is 2020-Q2
    r = status_of(p, d, "2020-09-20", "r")
    assert (r.status, r.period) == (Status.AT_RISK, "2020-Q2")
    # once judged, later data does not change it
    d2 = data([{"period": "2020-Q4", "values": {"a": 1, "b": 2}}, {"period": "2021-Q1", "values": {"a": 0, "b": 2}}])
    assert status_of(p, d2, "2021-03-20", "r").status is Status.MET


def test_a_span_must_hold_in_every_period() -> None:
    p = plan("rule s: x >= 90% from 2021 to 2022")
    rows = {"2021-Q1": 0.95, "2021-Q2": 0.91, "2021-Q3": 0.8, "2021-Q4": 0.95}
    d = data([{"period": k, "values": {"x": v}} for k, v in rows.items()])
    assert status_of(p, d, "2020-12-20", "s").status is Status.NO_DATA  # not started, and no closed data yet
    early = data([{"period": "2020-Q4", "values": {"x": 0.5}}])
    assert status_of(p, early, "2020-12-20", "s").status is Status.AT_RISK
    r = status_of(p, d, "2021-06-20", "s")
    assert (r.status, r.period) == (Status.ON_TRACK, "2021-Q2")
    r = status_of(p, d, "2022-12-20", "s")
    assert (r.status, r.period) == (Status.NOT_MET, "2021-Q3")
    good = data([{"period": f"{y}-Q{q}", "values": {"x": 1}} for y in (2021, 2022) for q in (1, 2, 3, 4)])
    assert status_of(p, good, "2022-12-20", "s").status is Status.MET
    assert status_of(p, good, "2022-12-14", "s").status is Status.ON_TRACK
    gap = data([{"period": f"{y}-Q{q}", "values": {"x": 1}} for y in (2021, 2022) for q in (1, 2, 3, 4)
                if (y, q) != (2022, 2)])
    r = status_of(p, gap, "2022-12-20", "s")
    assert (r.status, r.period) == (Status.NO_DATA, "2022-Q2")


def test_at_a_year_falls_back_to_its_last_quarter_and_at_previous() -> None:
    p = plan("rule c: change(h, h at 2018) <= -30% by 2020\nrule g: x >= 2 * (x at previous)")
    d = data([{"period": "2018-Q4", "values": {"h": 100}}, {"period": "2020-Q4", "values": {"h": 60, "x": 10}},
              {"period": "2020-Q3", "values": {"x": 5}}])
    c = status_of(p, d, "2020-12-18", "c")
    assert (c.status, c.value, c.target) == (Status.MET, Fraction(-2, 5), Fraction(-3, 10))
    assert status_of(p, d, "2020-12-18", "g").status is Status.MET
    d = data([{"period": "2018", "values": {"h": 100}}, {"period": "2018-Q4", "values": {"h": 50}},
              {"period": "2020-Q4", "values": {"h": 60}}])
    assert status_of(p, d, "2020-12-18", "c").value == Fraction(-2, 5)  # the year's own snapshot wins


# --- missing data and three-valued logic -------------------------------------------


def test_missing_metric_and_zero_denominator_are_no_data_with_reasons() -> None:
    p = plan("rule m: ratio(a, b) >= 20%\nrule z: ratio(a, c) >= 20%")
    d = data([{"period": "2020-Q4", "values": {"a": 1, "c": 0}}])
    m = status_of(p, d, "2020-12-18", "m")
    assert m.status is Status.NO_DATA and "no value for b in 2020-Q4" in m.reason
    z = status_of(p, d, "2020-12-18", "z")
    assert z.status is Status.NO_DATA and "the denominator c is 0 in 2020-Q4" in z.reason


@pytest.mark.parametrize(
    ("cond", "expected"),
    [
        ("false and missing > 1", Status.NOT_MET),
        ("true and missing > 1", Status.NO_DATA),
        ("true or missing > 1", Status.MET),
        ("false or missing > 1", Status.NO_DATA),
        ("not (missing > 1)", Status.NO_DATA),
        ('false and text > 1', Status.ERROR),
        ('true or text > 1', Status.ERROR),
        ("flag", Status.ERROR),
        ("ratio(text, 2) > 1", Status.ERROR),
    ],
)
def test_kleene_logic_and_errors_never_hidden(cond: str, expected: Status) -> None:
    p = plan(f"rule r: {cond}")
    d = data([{"period": "2020-Q4", "values": {"text": "abc", "flag": 3}}])
    assert status_of(p, d, "2020-12-18", "r").status is expected


def test_plan_level_values_are_never_added_up_silently() -> None:
    p = plan("rule r: x >= 10\nrule s: sum(x) >= 10")
    d = data([{"period": "2020-Q4", "unit": "A", "values": {"x": 6}},
              {"period": "2020-Q4", "unit": "B", "values": {"x": 5}}])
    r = status_of(p, d, "2020-12-18", "r")
    assert r.status is Status.NO_DATA and "use sum(x)" in r.reason
    assert status_of(p, d, "2020-12-18", "s").value == 11


def test_per_unit_rules_and_aggregates() -> None:
    p = plan(
        "rule u: for each unit: ratio(a, b) >= 80%\n"
        "rule mn: min(a) == 1 and max(a) == 9 and avg(a) == 5\n"
        "rule c: count(units) == 2\n"
        "rule w: count(units where a > 4) == 2\n"
    )
    d = data([
        {"period": "2020-Q3", "unit": "A", "values": {"a": 1, "b": 1}},
        {"period": "2020-Q3", "unit": "B", "values": {"a": 9, "b": 10}},
        {"period": "2020-Q3", "unit": "C", "values": {"a": 5, "b": 10}},
        {"period": "2020-Q4", "unit": "A", "values": {"a": 1, "b": 1}},
        {"period": "2020-Q4", "unit": "B", "values": {"a": 9, "b": 0}},
    ])
    results = p.evaluate(d, "2020-12-18")
    u = {r.unit: r for r in results if r.id == "u"}
    assert set(u) == {"A", "B", "C"}  # C stopped reporting: it shows, it does not vanish
    assert u["A"].status is Status.MET
    assert u["B"].status is Status.NO_DATA and "the denominator b is 0 in 2020-Q4" in u["B"].reason
    assert u["C"].status is Status.NO_DATA and "did not report" in u["C"].reason
    assert status_of(p, d, "2020-12-18", "c").status is Status.MET
    # C does not report in 2020-Q4, so it is not counted (LANGUAGE.md, second round): 1 unit, not 2
    assert status_of(p, d, "2020-12-18", "w").status is Status.NOT_MET
    assert status_of(p, d, "2020-09-18", "w").status is Status.MET
    assert status_of(p, d, "2020-09-18", "mn").status is Status.MET


def test_results_count_is_rules_times_units_plus_tasks() -> None:
    p = plan("rule a: x > 1\nrule b: for each unit: x > 1\ntask 1: due 2020\ntask 2: due 2021")
    d = data([{"period": "2020-Q4", "unit": u, "values": {"x": 2}} for u in "ABCD"])
    results = p.evaluate(d, "2020-12-18")
    assert len(results) == 1 + 4 + 2
    assert [r.id for r in results] == ["a"] + ["b"] * 4 + ["1", "2"]


# --- tasks ------------------------------------------------------------------------


TASKS = """
task on_time: due Q4/2019
task late: due Q4/2019
task going: due 2020
task overdue: due Q2/2020
task silent: due Q2/2020
task waits: due 2020 after going
task two: due Q4/2019, 2025
task two_late: due Q4/2019, 2025
"""


def test_task_statuses() -> None:
    p = plan(TASKS)
    d = data([], [
        {"task": "on_time", "status": "done", "done_on": "2019-12-14"},
        {"task": "late", "status": "done", "done_on": "2020-01-01"},
        {"task": "going", "status": "in_progress", "date": "2020-03-01"},
        {"task": "overdue", "status": "in_progress", "date": "2020-03-01", "note": "chờ kinh phí"},
        {"task": "two", "status": "done", "done_on": "2019-10-01"},
        {"task": "two_late", "status": "done", "done_on": "2020-01-10"},
        {"task": "going", "status": "done", "done_on": "2020-11-30"},
    ])
    got = {r.id: r for r in p.evaluate(d, "2020-07-01")}
    assert got["on_time"].status is Status.DONE
    assert got["late"].status is Status.DONE_LATE and "1 days late" in got["late"].reason
    assert got["going"].status is Status.OPEN
    assert got["overdue"].status is Status.OVERDUE and "chờ kinh phí" in got["overdue"].reason
    assert got["silent"].status is Status.NO_DATA
    assert got["waits"].status is Status.BLOCKED and "going" in got["waits"].reason
    assert got["two"].status is Status.OPEN and got["two"].period == "2025"
    assert got["two_late"].status is Status.OPEN and "done late" in got["two_late"].reason
    # rows dated after the as-of date are not seen
    later = {r.id: r for r in p.evaluate(d, "2020-12-18")}
    assert later["going"].status is Status.DONE
    assert later["waits"].status is Status.OPEN  # due 2020 is 2020-12-31
    assert {r.id: r for r in p.evaluate(d, "2021-01-05")}["waits"].status is Status.NO_DATA
    assert {r.id: r for r in p.evaluate(d, "2019-12-14")}["late"].status is Status.OPEN


# --- data ---------------------------------------------------------------------------


def test_json_numbers_are_exact_and_quoted_numbers_are_text() -> None:
    d = parse_json_data('{"snapshots": [{"period": "Quý IV/2020", "values": '
                        '{"a": 0.1, "b": "1234", "c": null, "d": 1e2}}]}', "d.json")
    key = kpirules.parse_period("2020-Q4").key
    assert d.value("a", key) == Fraction(1, 10)
    assert d.value("b", key) == "1234"
    assert d.value("c", key) is None
    assert d.value("d", key) == 100


def test_conflicting_values_name_both_places() -> None:
    with pytest.raises(KpiDataError) as info:
        parse_json_data('{"snapshots": [{"period": "2020-Q4", "values": {"a": 1}},'
                        '{"period": "Q4/2020", "values": {"a": 2}}]}', "d.json")
    assert "$.snapshots[1].values.a" in str(info.value) and "$.snapshots[0].values.a" in str(info.value)


def test_csv_with_bom_and_every_bad_row_reported(tmp_path: Path) -> None:
    f = tmp_path / "v.csv"
    f.write_bytes("\ufeffperiod,unit,metric,value\r\n2020-Q4,,a,20%\r\n2020-Q5,,a,1\r\n2020-Q4,X,,1\r\n"
                  "2020-Q4,,b,true\r\n".encode())
    with pytest.raises(KpiDataError) as info:
        kpirules.load_data(f)
    text = str(info.value)
    assert f"{f}:3:1: error: column period (cell A3)" in text
    assert f"{f}:4:11: error: column metric is empty (cell C4)" in text
    good = parse_csv_data("\ufeffperiod,unit,metric,value\n2020-Q4,,a,20%\n2020-Q4,,b,true\n2020-Q4,U,c,\n", "v.csv")
    key = kpirules.parse_period("2020-Q4").key
    assert good.value("a", key) == Fraction(1, 5) and good.value("b", key) is True
    assert good.has_snapshot(key, "U") and good.value("c", key, "U") is None


def test_malformed_json_points_at_line_and_column() -> None:
    with pytest.raises(KpiDataError) as info:
        parse_json_data('{"snapshots": [\n  {"period": "2020-Q4",, }]}', "d.json")
    assert str(info.value).startswith("d.json:2:24: error: not valid JSON")


def test_a_per_unit_rule_without_units_in_the_data_is_not_dropped() -> None:
    p = plan("rule pu: for each unit: ratio(a, b) >= 20% by 2020\nrule r: a >= 1 by 2020")
    d = data([{"period": "2020-Q4", "values": {"a": 1, "b": 2}}])
    results = p.evaluate(d, "2020-12-18")
    assert [r.id for r in results] == ["pu", "r"]
    pu = results[0]
    assert (pu.status, pu.unit, pu.period) == (Status.NO_DATA, None, "2020-Q4")
    assert "no unit appears in the data" in pu.reason


@pytest.mark.parametrize(("word", "canonical"), [
    ("done", "done"), ("Hoàn thành", "done"), ("đã hoàn thành", "done"), ("hoan thanh", "done"),
    ("XONG", "done"), ("in-progress", "in_progress"), ("Đang thực hiện", "in_progress"),
    ("chưa bắt đầu", "not_started"), ("vướng mắc", "stuck"),
])
def test_task_status_words_in_vietnamese_and_english(word: str, canonical: str) -> None:
    d = data([], [{"task": "1", "status": word, "date": "2020-01-01"}])
    assert d.task_rows[0].status == canonical


def test_an_unknown_task_status_is_an_error_not_a_silent_not_done() -> None:
    # regression: "hoàn thành" was read as an unknown progress word and the task became overdue
    with pytest.raises(KpiDataError) as info:
        data([], [{"task": "1", "status": "finito", "date": "2020-01-01"}])
    assert "$.tasks[0].status" in str(info.value) and "hoàn thành" in str(info.value)
    p = plan("task 1: due Q2/2020")
    d = data([], [{"task": "1", "status": "Hoàn thành", "done_on": "2020-05-01"}])
    assert p.evaluate(d, "2020-07-01")[0].status is Status.DONE


@pytest.mark.parametrize(
    ("text", "hint"),
    [
        ("rule a: summ(x) >= 1000 by 2020", "did you mean sum?"),
        ("rule a: average(x) >= 1 by 2020", "did you mean avg?"),
        ("rule a: ratoi(x, y) >= 20%", "did you mean ratio?"),
        ("task 1:\n  lead X\n  laed Y\n  due 2020", "did you mean `lead` instead of `laed` on line 3?"),
        ("rule a: x = 1", "write `==`"),
        ("task 1: due Quý IV/2019", '"Quý …"'),
        ("rule a: tỷ_lệ > 1", "metric names are ASCII (ty_le)"),
    ],
)
def test_errors_say_what_to_do(text: str, hint: str) -> None:
    with pytest.raises(KpiError) as info:
        kpirules.parse(text, "bad.kpi")
    hints = [d.hint for d in info.value.diagnostics if d.hint and hint in d.hint]
    assert hints, f"no diagnostic has a hint that says {hint!r}: {info.value.diagnostics}"
    assert f"\n  hint: {hints[0]}" in str(info.value)  # and it is shown as the hint, under the caret


@pytest.mark.parametrize(
    "text",
    [
        "rule a: x >= 1e6 by 2020",  # regression: read as `x >= 1` and a rule `e6`
        "rule a: summ(x) >= 1000 by 2020",  # regression: a metric `summ` and a rule `(x) >= 1000`
        "rule a: x > 1 y > 2",
        "rule a: x > 1 by 2020 y > 2",
    ],
)
def test_a_typo_never_splits_one_rule_into_two_silently(text: str) -> None:
    with pytest.raises(KpiError):
        kpirules.parse(text, "bad.kpi")


def test_two_rules_on_separate_lines_are_fine() -> None:
    assert [r.id for r in kpirules.parse("x > 1\ny > 2\n(a + b) > 1", "ok.kpi").rules] == ["L1", "L2", "L3"]


def test_a_cycle_of_after_is_a_load_error() -> None:
    text = semantic_error("task 1: due 2020 after 3\ntask 2: due 2020 after 1\ntask 3: due 2020 after 2\n")
    assert "bad.kpi:1:1: error: tasks wait for each other in a cycle of `after`: 1 → 3 → 2 → 1" in text


def test_a_task_with_two_deadlines_keeps_its_first_delivery_visible() -> None:
    # regression: a task done for 2020 and owing 2025 showed only `open`, hiding the 2020 delivery
    p = plan("task two: due 2020, 2025\ntask late: due 2020-09-30, 2025\ntask both: due 2020, 2021")
    d = data([], [
        {"task": "two", "status": "done", "done_on": "2020-10-30"},
        {"task": "late", "status": "done", "done_on": "2020-10-05"},
        {"task": "both", "status": "done", "done_on": "2020-10-30"},
        {"task": "both", "status": "done", "done_on": "2021-11-30"},
    ])
    got = {r.id: r for r in p.evaluate(d, "2021-12-20")}
    two = got["two"]
    assert two.status is Status.OPEN
    assert two.deliveries == (("2020", D(2020, 12, 31), D(2020, 10, 30), True),)
    assert "the 2020 delivery was done on 2020-10-30" in two.reason
    assert two.to_json()["deliveries"] == [
        {"period": "2020", "deadline": "2020-12-31", "done_on": "2020-10-30", "status": "done"}]
    late = got["late"]
    assert late.status is Status.OPEN and "the 2020-09-30 delivery was done late, on 2020-10-05" in late.reason
    both = got["both"]
    assert both.status is Status.DONE and len(both.deliveries) == 2
    only_late = {r.id: r for r in plan("task t: due 2021-09-30").evaluate(
        data([], [{"task": "t", "status": "done", "done_on": "2021-10-01"}]), "2021-12-20")}["t"]
    assert only_late.reason == "due 2021-09-30, done on 2021-10-01, 1 days late"  # no "(2021-09-30)" twice


@pytest.mark.parametrize(("text", "where", "word", "meant"), [
    ('task 1 "x":\n  due 2020\n  laed X\n', "3:3", "laed", "lead"),  # the last line of the task
    ('task 1 "x":\n  laed "Vụ A"\n', "2:3", "laed", "lead"),
    ('task 1:\n  due 2020\n  prodcut "y"\ntask 2: due 2020', "3:3", "prodcut", "product"),
    ('rule A "t":\n  a > 1\n  suport X\nrule B: b > 1', "3:3", "suport", "support"),
])
def test_a_misspelt_last_attribute_is_named(text: str, where: str, word: str, meant: str) -> None:
    # regression: `laed X` as the last line gave "a second condition…" and a made-up duplicate id
    message = semantic_error(text)
    assert message.startswith(f"bad.kpi:{where}: error: `{word}` is not an attribute; did you mean `{meant}`?")
    assert "duplicate id" not in message and "second condition" not in message


@pytest.mark.parametrize(("text", "where", "word", "meant"), [
    ('plan "x"\n  reporting quarterly cutof 15\n', "2:23", "cutof", "cutoff"),
    ('plan "x"\n  reporting quarterly cutoff 15 deu 20\n', "2:33", "deu", "due"),
])
def test_a_misspelt_reporting_option_is_named(text: str, where: str, word: str, meant: str) -> None:
    # regression: `cutof 15` was "a second condition starts on the same line as the rule before it"
    message = semantic_error(text)
    assert message.startswith(f"bad.kpi:{where}: error: `{word}` is not an option of the `reporting` line; "
                              f"did you mean `{meant}`?")
    assert "second condition" not in message


def test_a_flag_on_the_line_after_the_reporting_line_is_still_a_rule() -> None:
    assert [r.id for r in kpirules.parse('plan "x"\n  reporting quarterly\ndue_ok\n', "ok.kpi").rules] == ["L3"]


def test_a_flag_named_like_an_attribute_is_still_a_rule() -> None:
    assert [r.id for r in kpirules.parse("task 1: due 2020\nsupport_ok\n", "ok.kpi").rules] == ["L2"]


def test_a_task_after_itself_is_one_error() -> None:
    message = semantic_error("task 1: due 2020 after 1\n")
    assert "cannot come after itself" in message and "cycle" not in message


def test_an_unquoted_vietnamese_title_is_told_to_quote_it() -> None:
    with pytest.raises(KpiSyntaxError) as info:
        kpirules.parse("rule A Người dân: a > 1", "bad.kpi")
    assert 'hint: put Vietnamese text in quotes: "Người …"' in str(info.value)


def test_a_done_row_dated_by_period_unblocks_on_the_plans_own_window() -> None:
    # `after` used to date a period-only `done` row by the default windows, _judge_task by the plan's:
    # under calendar windows 2020-Q4 ends 2020-12-31, so as of 2020-12-20 task 1 is not done yet
    p = plan("task 1: due 2021\ntask 2: due 2021 after 1", header='plan "t"\n  reporting quarterly calendar\n')
    d = data([], [{"task": "1", "status": "done", "period": "2020-Q4"}])
    got = {r.id: r.status for r in p.evaluate(d, "2020-12-20")}
    assert got == {"1": Status.OPEN, "2": Status.BLOCKED}
    got = {r.id: r.status for r in p.evaluate(d, "2021-01-05")}
    assert got == {"1": Status.DONE, "2": Status.OPEN}


def test_a_number_too_long_to_read_is_an_error_at_its_place() -> None:
    """Up to 4,000 digits, as in the data (Python reads at most 4,300 into an int); more is an error
    at its place, never a traceback."""
    long = "1" + "0" * 5000
    for text, col in ((f"rule r: a >= {long}", 14), (f"rule r: a >= 0.{long}%", 14),
                      (f"rule r: a at {long} >= 1", 14)):
        with pytest.raises(kpirules.KpiError) as err:
            kpirules.parse(text, filename="big.kpi")
        assert f"big.kpi:1:{col}:" in str(err.value) and "a number in a rule file may have at most 4,000" in str(err.value)
    with pytest.raises(kpirules.KpiError, match="cut-off day 1000.* is out of range"):
        kpirules.parse(f"plan p reporting quarterly cutoff {long}")
    assert kpirules.parse("rule r: a >= " + "9" * 4000).rules[0].condition.right.value == int("9" * 4000)


def test_every_syntax_error_of_a_file_at_once() -> None:
    text = ('plan "p"\n  reporting quarterly\n\n'
            "rule a: ratio(x, y) >= by 2020\n"   # 4: an operand missing
            "rule b: x > 1 by 2020\n"            # 5: fine
            "rule c: x => 1\n"                   # 6: not an operator
            "task 1: due Q5 2020\n"              # 7: not a period
            "rule d: (x > 1\n"                   # 8: a parenthesis left open ...
            "rule e: x > 2\n")                   # 9: ... found here
    with pytest.raises(KpiSyntaxError) as info:
        kpirules.parse(text, "f.kpi")
    found = [(d.span.line, d.span.column) for d in info.value.diagnostics]
    assert found == [(4, 24), (6, 11), (7, 13), (9, 1)]
    assert "`=>` is not an operator" in info.value.diagnostics[1].message
    assert str(info.value).count("f.kpi:") == 4


def test_a_file_with_one_syntax_error_still_gets_one_diagnostic() -> None:
    with pytest.raises(KpiSyntaxError) as info:
        kpirules.parse("rule a: x >= 1\nrule b: x >=\nrule c: x > 1\n", "f.kpi")
    assert [d.span.line for d in info.value.diagnostics] == [3]  # (rule c, where b's operand was due, is fine)
    with pytest.raises(KpiSyntaxError) as info:
        kpirules.parse("rule b: x >=\nrule c: x >\n", "f.kpi")
    assert [d.span.line for d in info.value.diagnostics] == [2, 3]  # rule c is parsed again, on its own


def test_two_syntax_errors_in_one_rule_are_two_diagnostics() -> None:
    # parsing starts again at the next attribute line of the item the error is in, not only at the next item
    text = ('plan "p"\n  reporting quarterly\n\n'
            "rule a:\n"
            "  ratio(x, y) >= by 2020\n"    # 5: an operand missing
            "  lead TTCNTT VPB,\n"          # 6: a list that ends in a comma
            '  note "fine"\n'
            "rule b:\n"
            "  x => 1\n"                    # 9: not an operator
            "  stretch x >= 5 and\n"        # 10: an `and` with nothing after it, found at line 11
            "  lead A\n"
            "task t:\n"
            "  due 31/12/2020\n"            # 13: a date day first
            "  after 1 2 ,\n"               # 14: a comma with nothing after it
            '  product "x"\n')
    with pytest.raises(KpiSyntaxError) as info:
        kpirules.parse(text, "f.kpi")
    diags = info.value.diagnostics
    assert [(d.span.line, d.span.column) for d in diags] == [(5, 18), (6, 18), (9, 5), (11, 3), (13, 7), (14, 13)]
    assert "`=>` is not an operator" in diags[2].message and diags[4].hint == "write 2020-12-31"
    # what the stand-in header read never shows in a message
    assert all("__recover__" not in d.message for d in diags)
    assert diags[1].message.endswith("after `VPB`")


def test_a_syntax_error_in_the_plan_header_does_not_hide_the_next_header_line() -> None:
    text = 'plan "p"\n  issued 2019-13-45x\n  implements 17/NQ-CP\n  reporting quarterly\n\nrule a: x > 1\n'
    with pytest.raises(KpiSyntaxError) as info:
        kpirules.parse(text, "f.kpi")
    assert [d.span.line for d in info.value.diagnostics] == [2, 3]


def test_a_syntax_error_and_a_clean_rest_give_one_diagnostic() -> None:
    # the stand-in header never makes an error of its own, and a clean attribute line adds none
    text = "rule a:\n  x >= by 2020\n  lead A\n  note \"n\"\n\ntask t:\n  due 2020\n  lead B\n"
    with pytest.raises(KpiSyntaxError) as info:
        kpirules.parse(text, "f.kpi")
    assert [(d.span.line, d.span.column) for d in info.value.diagnostics] == [(2, 8)]


def test_semantic_errors_are_all_reported_several_in_one_rule() -> None:
    text = ('plan "t"\n  reporting quarterly cutoff 15 due 20\n'
            'rule a:\n  ratio(x, "y") >= 20% and z > "w" by 2020\n  stretch 5\n'
            'rule b:\n  q >= 1 from 2022 to 2021\n')
    with pytest.raises(kpirules.KpiSemanticError) as info:
        kpirules.parse(text, "f.kpi")
    assert [(d.span.line, d.span.column) for d in info.value.diagnostics] == [(4, 12), (4, 32), (5, 11), (7, 10)]


def test_syntax_errors_do_not_hide_the_semantic_problems_of_the_rest() -> None:
    # issue 21 item 6, "semantic errors likewise": one round of fixes for a file with three kinds of mistakes
    text = ('plan "x"\n\n'
            'rule A "a":\n  x >= 1 by 2020\n\n'
            'rule B "b":\n  y >=  by 2020\n\n'              # 7: a syntax error
            'rule C "c":\n  ratio(a, b) >= 20% by 2020-Q5\n\n'  # 10: no quarter 5 (found while building)
            'rule A "dup":\n  z > 1 by 2020\n\n'            # 12: the id of line 3 again (the checker)
            'task 1 "t":\n  due 2020\n  after 9\n')         # 15: after a task the plan does not define
    with pytest.raises(KpiSyntaxError) as info:
        kpirules.parse(text, "f.kpi")
    got = [(d.span.line, d.message.split(":")[0]) for d in info.value.diagnostics]
    assert [line for line, _ in got] == [7, 10, 12, 15]
    assert "no quarter 5" in info.value.diagnostics[1].message
    assert "duplicate id A" in info.value.diagnostics[2].message
    assert "neither as a task nor as an event" in info.value.diagnostics[3].message


def test_an_item_with_a_syntax_error_keeps_its_id_for_the_checks_of_the_rest() -> None:
    # `after 1` names a task whose own lines have a syntax error: not "defines neither as a task …"
    text = 'task 1 "t":\n  due 2020\n  lead A B,\n\ntask 2 "u":\n  due 2021\n  after 1\n\ntask 2 "v":\n  due 2022\n'
    with pytest.raises(KpiSyntaxError) as info:
        kpirules.parse(text, "f.kpi")
    diags = info.value.diagnostics
    assert [d.span.line for d in diags] == [3, 9]
    assert "duplicate id 2" in diags[1].message
    assert all("neither as a task" not in d.message and "__recover__" not in d.message for d in diags)


def test_a_building_problem_does_not_hide_the_checkers() -> None:
    text = 'rule C "c":\n  x >= 1 by 2020-Q5\n\nrule C "d":\n  y > 1 by 2020\n'
    with pytest.raises(KpiSyntaxError) as info:
        kpirules.parse(text, "f.kpi")
    assert [d.span.line for d in info.value.diagnostics] == [2, 4]

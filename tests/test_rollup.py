"""Checking many periods on data read once: `Plan.evaluate_periods` and `kpirules check --period`."""

from __future__ import annotations

import datetime
import json
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kpirules import load, load_data
from kpirules.cli import main
from kpirules.errors import KpiError
from kpirules.engine.evaluate import report_as_of
from kpirules.periods import current_period, parse_period, periods_between

ROOT = Path(__file__).resolve().parents[1]
PLAN = str(ROOT / "rules" / "nq17_bkhcn.kpi")
DATA = str(ROOT / "examples" / "nq17_bkhcn" / "data.json")


@pytest.fixture(scope="module")
def plan_and_data():  # type: ignore[no-untyped-def]
    return load(PLAN), load_data(DATA)


def _rows(results) -> list[tuple]:  # type: ignore[no-untyped-def]
    return [(r.id, r.unit, r.status, r.period, r.value, r.target, r.reason) for r in results]


def test_each_period_is_the_check_on_its_reporting_day(plan_and_data) -> None:
    plan, data = plan_and_data
    checks = plan.evaluate_periods(data, as_of="2022-01-01")
    labels = [r.current.label for r in checks]
    assert labels[0] == "2019-Q2" and labels[-1] == "2021-Q4"  # the data's first quarter … the last closed one
    assert labels == [p.label for p in periods_between(parse_period("2019-Q2"), parse_period("2021-Q4"))]
    for results in checks:
        p = results.current
        assert results.as_of == p.due == datetime.date(p.end.year, p.end.month, 20)
        alone = plan.evaluate(data, p.due, current=p)
        assert _rows(results) == _rows(alone)
    # the statuses move with time: 2019-Q2 knows no 2020 deadline yet, 2020-Q4 judges them
    first, q4 = checks[0].counts(), checks[labels.index("2020-Q4")].counts()
    assert "not_met" not in first and q4["not_met"] == 7


@settings(max_examples=20, deadline=None)
@given(st.dates(datetime.date(2019, 1, 1), datetime.date(2023, 12, 31)))
def test_the_periods_run_without_gaps_to_the_last_closed_one(plan_and_data, as_of) -> None:
    plan, data = plan_and_data
    checks = plan.evaluate_periods(data, as_of=as_of)
    first = parse_period("2019-Q2")
    last = current_period(as_of)
    expected = list(periods_between(first, last)) if first <= last else []
    assert [r.current for r in checks] == expected
    for results in checks:  # judged on the due date, or on the as-of date when it comes first: never later
        p = results.current
        assert p.end < results.as_of == min(report_as_of(p), as_of) <= as_of


def test_periods_given_are_judged_in_the_order_given(plan_and_data) -> None:
    plan, data = plan_and_data
    checks = plan.evaluate_periods(data, ["2021-Q1", "Quý IV/2020"], as_of="2022-01-01")
    assert [r.current.label for r in checks] == ["2021-Q1", "2020-Q4"]
    [one] = plan.evaluate_periods(data, "2020-Q4", as_of="2022-01-01")  # a label, not its characters
    assert _rows(one) == _rows(checks[1])
    assert _rows(plan.evaluate(data, "2020-12-20", current="Q4/2020")) == _rows(one)  # current: a label too
    with pytest.raises(KpiError, match="must be a quarter, not 2020-H2"):
        plan.evaluate(data, "2021-01-10", current="2020-H2")
    with pytest.raises(KpiError, match="a period is a Period or a label"):
        plan.evaluate_periods(data, [datetime.date(2020, 12, 1)], as_of="2022-01-01")


@pytest.mark.parametrize(("periods", "as_of", "words"), [
    (["2020-H1"], "2022-01-01", "must be a quarter, not 2020-H1"),
    (["2021-Q4"], "2021-12-01", "not before the as-of date 2021-12-01"),
    (["2020-Q9"], "2022-01-01", "2020-Q9"),
])
def test_a_period_that_cannot_be_checked_is_an_error(plan_and_data, periods, as_of, words) -> None:
    plan, data = plan_and_data
    with pytest.raises(KpiError, match=words):
        plan.evaluate_periods(data, periods, as_of=as_of)


def test_before_any_data_there_is_nothing_to_check(plan_and_data) -> None:
    plan, data = plan_and_data
    assert plan.evaluate_periods(data, as_of="2019-01-01") == []


# --- the command line


def _json(capsys, *args: str) -> tuple[int, dict]:  # type: ignore[no-untyped-def, type-arg]
    code = main(["check", PLAN, "--data", DATA, "--format", "json", *args])
    return code, json.loads(capsys.readouterr().out)


def test_one_period_is_the_check_as_of_its_due_date(capsys) -> None:
    code, one = _json(capsys, "--period", "2020-Q4")
    code2, dated = _json(capsys, "--as-of", "2020-12-20")
    assert one == dated and code == code2 == 1
    assert one["period"] == "2020-Q4" and one["as_of"] == "2020-12-20"


@pytest.mark.parametrize("as_of", ["2022-01-01", "2020-12-18"])
def test_a_rollup_holds_each_periods_own_check(capsys, as_of) -> None:
    code, out = _json(capsys, "--period", "2020-Q2..2020-Q4", "--as-of", as_of)
    assert code == 1
    assert out["plan"] == "676/QĐ-BKHCN" and out["as_of"] == as_of
    assert out["periods"] == ["2020-Q2", "2020-Q3", "2020-Q4"]
    for label, check in zip(out["periods"], out["checks"]):
        day = min(report_as_of(parse_period(label)).isoformat(), as_of)  # its judging day
        assert check["as_of"] == day
        _, alone = _json(capsys, "--period", label, "--as-of", day)
        assert alone.pop("provenance")["period"] == label  # (the roll-up has one block for all its checks)
        assert check == alone
    # in a roll-up --as-of is a limit; for one period it is the day to judge on (as for report)
    _, later = _json(capsys, "--period", "2020-Q3", "--as-of", as_of)
    assert later["as_of"] == as_of
    summed: dict[str, int] = {}
    for check in out["checks"]:
        for k, v in check["counts"].items():
            summed[k] = summed.get(k, 0) + v
    assert out["counts"] == summed


def test_a_rollup_is_written_a_check_a_line(capsys) -> None:
    main(["check", PLAN, "--data", DATA, "--format", "json", "--period", "2020-Q3..2021-Q1"])
    lines = capsys.readouterr().out.splitlines()
    assert len(lines) == 2 + 3 and lines[-1] == "]}"
    assert lines[0].startswith('{"plan": "676/QĐ-BKHCN", "as_of": ') and lines[0].endswith('"checks": [')
    checks = [json.loads(line.rstrip(",")) for line in lines[1:-1]]
    assert [c["period"] for c in checks] == ["2020-Q3", "2020-Q4", "2021-Q1"]


@pytest.mark.parametrize(("args", "words"), [
    (["--period", "2020-Q4", "--period", "2020-Q3"], "2 periods (2020-Q4, 2020-Q3), 2 with"),
    (["--period", "2020-Q4..2020-Q4"], "1 period (2020-Q4), 1 with"),
    (["--period", " 2020-Q2 .. 2020-Q4 "], "3 periods (2020-Q2…2020-Q4), 3 with"),
    ([x for q in ("2020-Q4", "2020-Q3", "2020-Q2", "2020-Q1", "2019-Q4", "2019-Q3", "2019-Q2")
      for x in ("--period", q)],
     "7 periods (2020-Q4, 2020-Q3, 2020-Q2, 2020-Q1, 2019-Q4, 2019-Q3, 2019-Q2), 4 with"),
])
def test_the_rollup_table_names_the_periods_as_given(capsys, args, words) -> None:
    main(["check", PLAN, "--data", DATA, "--as-of", "2021-01-01", *args])
    assert words in capsys.readouterr().out


def test_the_option_repeated_is_a_rollup_too(capsys) -> None:
    _, out = _json(capsys, "--period", "2021-Q1", "--period", "2020-Q4")
    assert out["periods"] == ["2021-Q1", "2020-Q4"]
    _, out = _json(capsys, "--period", "2020-Q4", "--period", "2020-Q3..2021-Q1", "--period", "Q4/2020")
    assert out["periods"] == ["2020-Q4", "2020-Q3", "2021-Q1"]  # each period once, where first named


def test_a_rollup_exits_1_only_when_some_period_fails(capsys) -> None:
    code, out = _json(capsys, "--period", "2019-Q2..2019-Q3")
    assert code == 0, out["counts"]
    assert not {"not_met", "overdue", "error"} & set(out["counts"])
    code, _ = _json(capsys, "--period", "2019-Q2..2020-Q4")
    assert code == 1


def test_the_rollup_table_has_a_line_per_period(capsys) -> None:
    code = main(["check", PLAN, "--data", DATA, "--period", "all", "--as-of", "2021-01-01"])
    out = capsys.readouterr()
    lines = out.out.splitlines()
    head = lines[0].split()
    assert head[:2] == ["PERIOD", "JUDGED"] and "not_met" in head
    rows = {line.split()[0]: line.split() for line in lines[1:] if line[:4].isdigit()}
    assert list(rows) == ["2019-Q2", "2019-Q3", "2019-Q4", "2020-Q1", "2020-Q2", "2020-Q3", "2020-Q4"]
    q4 = dict(zip(["JUDGED", *head[3:]], rows["2020-Q4"][1:]))  # ("JUDGED ON" is two words)
    assert q4["JUDGED"] == "2020-12-20" and q4["met"] == "16"
    # (2019-Q4's report day, 2019-12-20, is before task 6's deadline Q4/2019 = 2019-12-31: overdue from 2020-Q1)
    assert "7 periods (2019-Q2…2020-Q4), 4 with a result not_met, overdue or error, or a task silent past its deadline" in out.out
    assert out.err.count("reported for 2020-Q3 but not for 2020-Q4") == 1  # each warning once
    assert code == 1


@pytest.mark.parametrize(("args", "words"), [
    (["--period", "2021-Q4..2021-Q1"], "ends (2021-Q1) before it starts (2021-Q4)"),
    (["--period", "all", "--period", "2020-Q4"], "give it alone"),
    (["--period", "2020-H1"], "must be a quarter"),
    (["--period", "2020-Q4..2020-H2"], "must be a quarter"),
    (["--period", "Q5/2020"], "Q5/2020"),
    (["--period", "2020-Q4..2021-Q4", "--as-of", "2021-06-01"], "2021-Q2's window ends on 2021-06-14"),
    ([f"--period", f"{datetime.date.today().year + 1}-Q4"], "has not closed"),
    (["--period", "all", "--explain"], "--explain explains the results of one period"),
    (["--period", "2020-Q3.."], "a range is two periods with '..' between them"),
    (["--period", "..2020-Q4"], "a range is two periods with '..' between them"),
    (["--period", "2020-Q3...2020-Q4"], "a range is two periods with '..' between them"),
])
def test_periods_that_cannot_be_checked_exit_2(capsys, args, words) -> None:
    code = main(["check", PLAN, "--data", DATA, *args])
    err = capsys.readouterr().err
    assert code == 2 and words in err and "Traceback" not in err


@pytest.mark.parametrize("split", [["2020-Q3", "..", "2020-Q4"], ["2020-Q3", "..2020-Q4"], ["2020-Q3..", "2020-Q4"]])
def test_a_range_written_with_spaces_is_told_how_to_write_it(capsys, split) -> None:
    code = main(["check", PLAN, "--data", DATA, "--period", *split])
    err = capsys.readouterr().err
    assert code == 2 and "unrecognized arguments" in err
    assert "a range of periods is one word, without spaces: --period 2019-Q1..2020-Q4" in err


@pytest.mark.parametrize("args", [
    ["check", PLAN, "--data", DATA, "--period", "2020-Q3", "extra", "x..y"],
    ["check", PLAN, "--data", DATA, "../b.json", "--period", "2020-Q3"],  # (a second --data forgotten)
    ["check", PLAN, "--data", DATA, "..\\b.json", "--period", "2020-Q3"],
    ["check", PLAN, "--data", DATA, "..", "2020-Q4"],  # (no --period)
    ["lint", PLAN, "--nope", ".."],
])
def test_other_unrecognized_arguments_get_no_range_hint(capsys, args) -> None:
    code = main(args)
    err = capsys.readouterr().err
    assert code == 2 and "unrecognized arguments" in err and "range" not in err


def test_nothing_to_check_is_an_empty_rollup_and_a_note(capsys) -> None:
    code = main(["check", PLAN, "--data", DATA, "--format", "json", "--period", "all", "--as-of", "2019-01-01"])
    out = capsys.readouterr()
    doc = json.loads(out.out)
    assert code == 0 and doc["periods"] == [] and doc["checks"] == [] and doc["counts"] == {}
    assert "no period to check: no quarter with data has closed by 2019-01-01" in out.err
    code = main(["check", PLAN, "--data", DATA, "--period", "all", "--as-of", "2019-01-01"])
    assert code == 0 and "0 periods (none)" in capsys.readouterr().out


def test_an_open_period_in_a_rollup_is_found_before_any_work(plan_and_data, monkeypatch) -> None:
    plan, data = plan_and_data
    monkeypatch.setattr(type(plan), "evaluate", lambda *a, **k: pytest.fail("evaluated before the check"))
    with pytest.raises(KpiError, match="2021-Q2's window ends"):
        plan.evaluate_periods(data, ["2020-Q4", "2021-Q1", "2021-Q2"], as_of="2021-06-01")


def test_one_period_is_never_judged_on_a_day_still_to_come(capsys, monkeypatch) -> None:
    from kpirules.engine import timing

    monkeypatch.setattr(timing, "today", lambda: datetime.date(2020, 12, 17))  # 2020-Q4 closed, due the 20th
    code, one = _json(capsys, "--period", "2020-Q4")
    assert one["as_of"] == "2020-12-17"
    monkeypatch.setattr(timing, "today", lambda: datetime.date(2021, 1, 5))
    code, one = _json(capsys, "--period", "2020-Q4")
    assert one["as_of"] == "2020-12-20"


def test_a_report_of_a_period_not_yet_closed_needs_an_as_of_date(capsys) -> None:
    later = f"{datetime.date.today().year + 1}-Q4"
    assert main(["report", PLAN, "--data", DATA, "--period", later]) == 2
    assert "has not closed" in capsys.readouterr().err
    assert main(["report", PLAN, "--data", DATA, "--period", later, "--as-of", f"{datetime.date.today().year + 2}-01-01",
                 "--format", "json"]) == 1
    assert json.loads(capsys.readouterr().out)

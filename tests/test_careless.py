"""Mistakes a careless author makes, caught (issue 16, items 4-6): lint findings, `kpirules test`
on the wrong path, the exit status for a task silent past its deadline, readable numbers in the table."""

from __future__ import annotations

import json
import unicodedata
from pathlib import Path

import pytest

import kpirules
from kpirules import KpiSyntaxError, Status
from kpirules.cli import main
from kpirules.data import parse_json_data
from kpirules.lint import lint_text

ROOT = Path(__file__).resolve().parent.parent
HEADER = 'plan "t"\n  reporting quarterly cutoff 15 due 20\n'


def codes(text: str) -> list[str]:
    return [f.code for f in lint_text(text)]


# --- item 4: lint findings -------------------------------------------------------------


def test_a_ratio_against_a_plain_number_above_one_is_a_forgotten_percent() -> None:
    (f,) = lint_text("rule r:\n  ratio(a, b) >= 50 by 2020\n")
    assert (f.code, f.line, f.column) == ("K014", 2, 18)
    assert "write 50%" in f.message
    assert codes("rule r: 50 < ratio(a, b)\n") == ["K014"]
    assert codes("rule r: ratio(a, b) between 20 and 30\n") == ["K014", "K014"]
    # a share against 1, a fraction or a percentage is what authors mean: nothing to report
    assert codes("rule r: ratio(a, b) >= 1 and ratio(a, b) >= 0.5 and ratio(a, b) >= 50% and x >= 50\n") == []
    assert codes("rule r: ratio(a, b) >= 120%\n") == ["K005"]  # (a percentage above 100% stays K005)


def test_a_group_unit_or_event_declared_twice_is_found_by_lint_as_check_refuses_it() -> None:
    cases = {
        "group g: A, B\ngroup g: C\nrule r: x > 1\n": "group g",
        'unit A "Văn phòng Bộ"\nunit A\nrule r: x > 1\n': "unit A",
        'unit A "Văn phòng Bộ"\nunit B "Văn phòng Bộ"\nrule r: x > 1\n': "unit Văn phòng Bộ",
        'event E "x"\nevent E\ntask t:\n  due 2020\n  after E\n': "event E",
    }
    for text, what in cases.items():
        with pytest.raises(kpirules.KpiError):
            kpirules.parse(text)
        (f,) = lint_text(text)
        assert (f.code, f.line) == ("K015", 2), text
        assert f.message.startswith(f"{what} is declared twice (first at line 1)")
    # the same name typed in two Unicode forms is one name (NFC), as for `check`
    name = "Văn phòng Bộ"
    text = f'unit A "{unicodedata.normalize("NFC", name)}"\nunit B "{unicodedata.normalize("NFD", name)}"\nrule r: x > 1\n'
    assert codes(text) == ["K015"]
    assert codes('unit A "Văn phòng Bộ"\nunit B "Vụ Pháp chế"\ngroup g: A\ngroup h: B\nrule r: x > 1\n') == []


def test_a_plan_with_no_rule_and_no_task() -> None:
    (f,) = lint_text(HEADER + 'unit A "Văn phòng Bộ"\n')
    assert (f.code, f.line, f.column) == ("K016", 1, 1)
    assert codes(HEADER + "task t:\n  due 2020\n") == []
    assert codes(HEADER + "rule r: x > 1\n") == []


def test_a_day_first_date_in_a_condition_reads_as_a_division() -> None:
    (f,) = lint_text("rule r:\n  decided_on <= 31/12/2020 by 2020\n")
    assert (f.code, f.line, f.column) == ("K017", 2, 17)
    assert "write it year first: 2020-12-31" in f.message
    assert codes("rule r: x / 2 / 3 >= 1 and y >= 40/13/2020 and z >= 1/2/20\n") == []


@pytest.mark.parametrize(("line", "shown", "iso"), [
    ("rule r: x > 1 by 31/12/2022\n", "31/12/2022", "2022-12-31"),
    ("rule r:\n  x > 1 from 1/7/2021 to 2022\n", "1/7/2021", "2021-07-01"),
    ("task t:\n  due 30/6/2021\n", "30/6/2021", "2021-06-30"),
])
def test_a_day_first_deadline_gets_a_hint_to_write_it_year_first(line: str, shown: str, iso: str) -> None:
    with pytest.raises(KpiSyntaxError) as err:
        kpirules.parse(line)
    (diag,) = err.value.diagnostics
    assert diag.message == f"`{shown}` is not a date in a rule file: dates there are written year first"
    assert diag.hint == f"write {iso}"
    assert diag.span is not None
    src = line.split("\n")[diag.span.line - 1]
    assert src[diag.span.column - 1: diag.span.end_column - 1] == shown  # the caret covers the date
    with pytest.raises(KpiSyntaxError, match="write the date as YYYY-MM-DD"):
        kpirules.parse("rule r: x > 1 by 31/13/2022\n")  # no calendar day: the form, not a date


# --- item 4: `kpirules test` -------------------------------------------------------------


def test_kpirules_test_given_a_rule_file_says_where_its_tests_live(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["test", "rules/nq17_bkhcn.kpi"]) == 2
    err = capsys.readouterr().err
    assert "rules/nq17_bkhcn.kpi is a rule file, not a test file; its tests live in rules/nq17_bkhcn.kpitest" in err


def test_kpirules_test_finds_tests_that_name_the_plan_in_their_plan_line(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "plan.kpi").write_text(HEADER + "rule r: x > 1\n", encoding="utf-8")
    (tmp_path / "other.kpi").write_text(HEADER + "rule r: x > 1\n", encoding="utf-8")
    (tmp_path / "checks.kpitest").write_text('plan "plan.kpi"\n', encoding="utf-8")
    assert main(["test", str(tmp_path / "plan.kpi")]) == 2
    assert f"its tests live in {tmp_path / 'checks.kpitest'}" in capsys.readouterr().err
    assert main(["test", str(tmp_path / "other.kpi")]) == 2
    err = capsys.readouterr().err
    assert "no .kpitest file beside it tests it; write its tests in" in err and "other.kpitest" in err


def test_kpirules_test_that_finds_no_test_exits_non_zero(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "plan.kpi").write_text(HEADER + "rule r: x > 1\n", encoding="utf-8")
    assert main(["test", str(tmp_path)]) == 2
    assert "no test found in" in capsys.readouterr().err
    (tmp_path / "empty.kpitest").write_text("# nothing yet\n", encoding="utf-8")
    assert main(["test", str(tmp_path)]) == 2


# --- item 5: exit 1 for a task silent past its deadline --------------------------------------


def _silent(tmp_path: Path) -> tuple[str, str]:
    plan = tmp_path / "p.kpi"
    plan.write_text(HEADER + "rule r:\n  x >= 1\n\ntask t:\n  due 2020\n", encoding="utf-8")
    data = tmp_path / "d.json"
    data.write_text(json.dumps({"snapshots": [{"period": "2020-Q3", "values": {"x": 5}},
                                              {"period": "2020-Q4", "values": {"x": 5}}]}), encoding="utf-8")
    return str(plan), str(data)


@pytest.mark.parametrize("command", ["check", "report", "explain"])
def test_a_task_with_nothing_reported_after_its_deadline_exits_1(
        command: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    plan, data = _silent(tmp_path)
    extra = {"check": [], "report": ["--period", "2020-Q4"], "explain": ["--id", "t"]}[command]
    # before the deadline: the task is open, nothing wrong
    assert main([command, plan, "--data", data, "--as-of", "2020-12-20", *extra]) == 0
    # after it, with nothing reported: no_data, which an office treats as overdue and silent
    assert main([command, plan, "--data", data, "--as-of", "2021-01-05", *extra]) == 1
    capsys.readouterr()
    if command == "check":  # the status itself is unchanged (a contract): still no_data
        main(["check", plan, "--data", data, "--as-of", "2021-01-05", "--format", "json"])
        doc = json.loads(capsys.readouterr().out)
        assert {r["id"]: r["status"] for r in doc["results"]} == {"r": "met", "t": "no_data"}


def test_a_rule_without_data_does_not_make_the_exit_status_1(tmp_path: Path) -> None:
    plan, data = _silent(tmp_path)
    Path(plan).write_text(HEADER + "rule r:\n  x >= 1\n\nrule s:\n  y >= 1\n", encoding="utf-8")
    assert main(["check", plan, "--data", data, "--as-of", "2021-01-05"]) == 0


def test_failing_says_silent_past_deadline_for_tasks_only() -> None:
    p = kpirules.parse(HEADER + "rule r:\n  y >= 1\n\ntask t:\n  due 2020\n\ntask u:\n  due 2021\n")
    d = parse_json_data(json.dumps({"snapshots": [{"period": "2020-Q4", "values": {"x": 1}}]}), "d.json")
    results = {r.id: r for r in p.evaluate(d, "2021-01-05")}
    assert results["r"].status is Status.NO_DATA and not results["r"].failing
    assert results["t"].status is Status.NO_DATA and results["t"].silent_past_deadline and results["t"].failing
    assert results["u"].status is Status.OPEN and not results["u"].failing
    assert Status.NO_DATA not in kpirules.FAILING  # the constant is unchanged


def test_the_shipped_example_has_silent_tasks() -> None:
    """Tasks 11, 17 and 21 of the example are no_data after their deadline 2020-12-31: failing."""
    doc = json.loads((ROOT / "examples" / "nq17_bkhcn" / "data.json").read_text(encoding="utf-8"))
    p = kpirules.load(str(ROOT / "rules" / "nq17_bkhcn.kpi"))
    results = p.evaluate(parse_json_data(json.dumps(doc), "d.json"), "2021-01-05")
    silent = sorted((r.id for r in results if r.silent_past_deadline), key=int)
    assert silent == ["11", "17", "21"]
    assert all(results.by_id(i)[0].failing for i in silent)


# --- item 6: readable numbers in the `check` table ------------------------------------------------


def _table(tmp_path: Path, body: str, snapshots: list[dict], as_of: str) -> tuple[list[list[str]], dict]:
    plan = tmp_path / "p.kpi"
    plan.write_text(HEADER + body, encoding="utf-8")
    data = tmp_path / "d.json"
    data.write_text(json.dumps({"snapshots": snapshots}), encoding="utf-8")
    import contextlib
    import io

    out = io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(io.StringIO()):
        main(["check", str(plan), "--data", str(data), "--as-of", as_of])
    rows = [line.split("  ") for line in out.getvalue().splitlines()[1:] if line and not line.startswith("plan ")]
    out = io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(io.StringIO()):
        main(["check", str(plan), "--data", str(data), "--as-of", as_of, "--format", "json"])
    cells = [[c.strip() for c in row if c.strip()] for row in rows]
    return cells, {r["id"]: r for r in json.loads(out.getvalue())["results"]}


def test_the_table_shows_ratio_rules_as_percentages_and_the_json_keeps_exact_decimals(tmp_path: Path) -> None:
    body = ("rule share:\n  ratio(a, b) >= 20%\n\nrule cut:\n  change(h, h at 2019-Q4) <= -30%\n\n"
            "rule total:\n  a >= 1000\n\nrule band:\n  ratio(a, b) between 20% and 30%\n")
    snaps = [{"period": "2019-Q4", "values": {"h": 100}},
             {"period": "2020-Q4", "values": {"a": 617, "b": 2500, "h": 68}}]
    rows, doc = _table(tmp_path, body, snaps, "2020-12-18")
    got = {r[1]: r for r in rows}
    assert got["share"][:5] == ["met", "share", "2020-Q4", "24.68%", "20%"]
    assert got["cut"][:5] == ["met", "cut", "2020-Q4", "−32%", "−30%"]
    assert got["total"][:5] == ["not_met", "total", "2020-Q4", "617", "1000"]  # not a ratio: as it is
    assert got["band"][:5] == ["met", "band", "2020-Q4", "24.68%", "20% … 30%"]
    assert (doc["share"]["value"], doc["share"]["target"]) == ("0.2468", "0.2")  # JSON: exact, unchanged
    assert doc["band"]["target_range"] == ["0.2", "0.3"]


def test_a_percentage_in_the_table_never_contradicts_the_status(tmp_path: Path) -> None:
    # 2999999 / 10000000 is 29.99999%: shown "30%" it would look met; shown with the decimals it needs
    snaps = [{"period": "2020-Q4", "values": {"a": 2999999, "b": 10000000}}]
    rows, doc = _table(tmp_path, "rule r:\n  ratio(a, b) >= 30%\n", snaps, "2020-12-18")
    assert rows[0][:5] == ["not_met", "r", "2020-Q4", "29.99999%", "30%"]
    snaps = [{"period": "2020-Q4", "values": {"a": 299999999999, "b": 10**12}}]
    rows, doc = _table(tmp_path, "rule r:\n  ratio(a, b) >= 30%\n", snaps, "2020-12-18")
    assert rows[0][0] == "not_met" and rows[0][3].startswith("≈ 30%") and "29.9999999999%" in rows[0][3]


def test_a_rule_with_no_closed_data_still_shows_its_target(tmp_path: Path) -> None:
    body = ("rule share:\n  ratio(a, b) >= 20% by 2020\n\nrule band:\n  ratio(a, b) between 20% and 30%\n\n"
            "rule flag:\n  portal_ready by 2020\n\nrule many:\n  for each unit:\n  x >= 5\n")
    snaps = [{"period": "2020-Q1", "values": {"other": 1, "x": "nothing yet"}}]
    # no period closed yet: the target is the condition's constant
    rows, doc = _table(tmp_path, body, snaps, "2019-01-10")
    got = {r[1]: r for r in rows}
    assert "20%" in got["share"]
    assert "20% … 30%" in got["band"] and "true" in got["flag"] and "5" in got["many"]
    assert doc["share"]["status"] == "no_data" and doc["share"]["target"] == "0.2"
    assert doc["band"]["target_range"] == ["0.2", "0.3"] and doc["flag"]["target"] == "true"
    # periods closed, none with the data (the deadline still ahead): the target all the same
    rows, doc = _table(tmp_path, body, snaps, "2020-06-20")
    assert doc["share"]["status"] == "no_data" and doc["share"]["target"] == "0.2"
    assert "20%" in {r[1]: r for r in rows}["share"]

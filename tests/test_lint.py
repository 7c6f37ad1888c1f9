"""`kpirules lint`: each code on a crafted file at the right place, selection, output, exit codes."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from kpirules.cli import main
from kpirules.errors import KpiSyntaxError
from kpirules.engine.evaluate import parse
from kpirules.lint import CODES, lint_text, selected

ROOT = Path(__file__).resolve().parent.parent
DATA = Path(__file__).resolve().parent / "data" / "lint"
CASES = sorted(DATA.glob("*.kpi"))


@pytest.mark.parametrize("path", CASES, ids=[p.stem for p in CASES])
def test_crafted_file_gives_the_expected_findings(path: Path) -> None:
    expected = path.with_suffix(".expected").read_text(encoding="utf-8").split()
    found = lint_text(path.read_text(encoding="utf-8"), str(path))
    got = " ".join(f"{f.line}:{f.column}: {f.code}" for f in found).split()
    assert got == expected
    assert all(f.file == str(path) for f in found)


def test_every_code_has_a_crafted_file() -> None:
    covered = {p.stem.split("_")[0] for p in CASES}
    assert covered == set(CODES)
    for path in CASES:
        code = path.stem.split("_")[0]
        assert code in path.with_suffix(".expected").read_text(encoding="utf-8")


def test_every_code_is_documented() -> None:
    doc = (ROOT / "docs" / "lint.md").read_text(encoding="utf-8")
    for code in CODES:
        assert re.search(rf"^## {code}\b", doc, re.M), code


def test_lint_works_where_the_checker_refuses() -> None:
    text = (DATA / "K001_duplicate_id.kpi").read_text(encoding="utf-8")
    with pytest.raises(Exception, match="duplicate id"):
        parse(text)
    assert [f.code for f in lint_text(text)] == ["K001", "K001", "K001"]


def test_messages_name_what_is_wrong() -> None:
    found = lint_text("task arch.1:\n  due 2020\ntask 7:\n  due 2020\n  after arch.2\n")
    assert [str(f) for f in found] == [
        "<input>:5:9: K002 task 7 comes after arch.2, which the plan defines neither as a task nor as an event; "
        "did you mean arch.1?"
    ]
    (typo,) = lint_text("rule a: ratio(online_records, x) > 1\nrule b: online_recrods > 1\n")
    assert "online_recrods" in typo.message and "online_records" in typo.message


def test_metrics_differing_by_a_digit_or_too_short_are_not_typos() -> None:
    assert lint_text("rule a: level3 > 1 and level4 > 1 and level4 > 2\nrule b: ab > 1 and ac > 1 and ac > 2\n") == []


def test_metric_in_at_names_a_period_not_a_use() -> None:
    text = "rule a: meeting_hours > meeting_hours at 2018 and meeting_hour > 1\n"
    assert [f.code for f in lint_text(text)] == ["K007"]


def test_span_within_the_phase_and_calendar_dates_are_fine() -> None:
    text = (
        'plan "p"\n  issued 2019-03-28\n\nsection II.2 "Giai đoạn 2021-2025"\n\n'
        "rule r:\n  ratio(a, b) >= 90% from 2021 to 2025\n\ntask 1:\n  due 2025-12-31\n"
    )
    assert lint_text(text) == []


def test_shipped_rule_files_are_clean() -> None:
    for path in sorted((ROOT / "rules").glob("*.kpi")):
        assert lint_text(path.read_text(encoding="utf-8"), str(path)) == [], path


def test_selected() -> None:
    assert selected("K001")
    assert selected("K001", ["K00"]) and not selected("K010", ["K00"])
    assert not selected("K001", None, ["K001"])
    assert selected("K011", ["K01"], ["K010"])


# --- the command -------------------------------------------------------------


def test_lint_command_text_output_and_exit_1(capsys: pytest.CaptureFixture[str]) -> None:
    path = DATA / "K008_empty_section.kpi"
    assert main(["lint", str(path)]) == 1
    out = capsys.readouterr().out.splitlines()
    assert out == [
        f"{path}:3:1: K008 section II.1 has no rule or task in it",
        f"{path}:10:1: K008 section III has no rule or task in it",
    ]


def test_lint_command_select_and_ignore(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["lint", "--select", "K002,K003", str(DATA)]) == 1
    codes = {line.split()[1] for line in capsys.readouterr().out.splitlines()}
    assert codes == {"K002", "K003"}
    assert main(["lint", "--ignore", "K0", str(DATA)]) == 0
    assert capsys.readouterr().out == ""
    assert main(["lint", "--select", "k01", "--ignore", "K011,K012,K013,K014,K015,K016,K017,K018", str(DATA)]) == 1
    codes = {line.split()[1] for line in capsys.readouterr().out.splitlines()}
    assert codes == {"K010"}


def test_lint_command_unknown_code_is_a_usage_error(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["lint", "--select", "X999", str(DATA)]) == 2
    assert "unknown code" in capsys.readouterr().err


def test_lint_command_json(capsys: pytest.CaptureFixture[str]) -> None:
    path = DATA / "K010_task_without_due.kpi"
    assert main(["lint", "--format", "json", str(path)]) == 1
    assert json.loads(capsys.readouterr().out) == [
        {"file": str(path), "line": 1, "column": 1, "code": "K010",
         "message": "task 1 has no `due`: it can never be overdue"}
    ]


def test_lint_command_clean_file_exits_0(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    f = tmp_path / "ok.kpi"
    f.write_text("task 1:\n  due 2020\n", encoding="utf-8")
    assert main(["lint", str(f)]) == 0
    assert main(["lint", "--format", "json", str(f)]) == 0
    assert json.loads(capsys.readouterr().out) == []


def test_lint_command_syntax_error_exits_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    f = tmp_path / "bad.kpi"
    f.write_text("rule x: a >= by 2020\n", encoding="utf-8")
    assert main(["lint", str(f)]) == 2
    assert f"{f}:1:14" in capsys.readouterr().err
    with pytest.raises(KpiSyntaxError):
        lint_text("rule x: a >= by 2020\n")


def test_lint_on_rules_directory_is_clean(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["lint", str(ROOT / "rules")]) == 0


def test_each_documented_example_gets_exactly_its_code() -> None:
    doc = (ROOT / "docs" / "lint.md").read_text(encoding="utf-8")
    for part in re.split(r"^## ", doc, flags=re.M)[1:]:
        code = part.split("\n", 1)[0].strip()
        if code not in CODES:
            continue
        (example,) = re.findall(r"```kpi\n(.*?)```", part, re.S)
        assert [f.code for f in lint_text(example)] == [code], code


def test_lint_vietnamese_thousands_separator_in_a_number() -> None:
    # Bug: `a >= 1.000` silently meant 1 where a Vietnamese officer writing "1.000 hồ sơ" meant one thousand.
    (f,) = lint_text("rule r: dossiers >= 1.000\n")
    assert (f.code, f.line, f.column) == ("K013", 1, 21)
    assert "1.000 means 1" in f.message and "write 1000" in f.message
    assert [x.code for x in lint_text("rule r: a >= 12.500 and b >= 0.500 and c >= 1.25 and d >= 1000\n")] == ["K013"]
    with pytest.raises(KpiSyntaxError, match="unexpected `,`"):  # `1,000` never parses: nothing to lint
        lint_text("rule r: a >= 1,000\n")

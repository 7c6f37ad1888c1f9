"""`kpirules check`: output formats and the exit-code contract."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from kpirules.cli import main

PLAN = """plan "demo"
  reporting quarterly cutoff 15 due 20
rule ok "đạt": ratio(a, b) >= 20% by 2020
rule bad: a > b
rule hole: ratio(a, zero) >= 1%
task 1 "việc": due Q2/2020
"""


@pytest.fixture()
def files(tmp_path: Path) -> tuple[Path, Path]:
    plan = tmp_path / "plan.kpi"
    plan.write_text(PLAN, encoding="utf-8")
    data = tmp_path / "data.json"
    data.write_text(json.dumps({
        "snapshots": [{"period": "2020-Q4", "values": {"a": 1234, "b": 5000, "zero": 0}}],
        "tasks": [{"task": "1", "status": "done", "done_on": "2020-06-01"}],
    }), encoding="utf-8")
    return plan, data


def test_json_output_is_the_documented_contract(files, capsys) -> None:
    plan, data = files
    code = main(["check", str(plan), "--data", str(data), "--as-of", "2020-12-18", "--format", "json"])
    out = json.loads(capsys.readouterr().out)
    assert code == 1  # `bad` is not_met
    assert out["plan"] == "demo" and out["as_of"] == "2020-12-18"
    rows = {r["id"]: r for r in out["results"]}
    for r in out["results"]:
        assert {"id", "kind", "status", "period", "unit", "value", "target", "reason"} <= set(r)
    assert (rows["ok"]["status"], rows["ok"]["value"], rows["ok"]["target"]) == ("met", "0.2468", "0.2")
    assert rows["ok"]["period"] == "2020-Q4" and rows["ok"]["unit"] is None and rows["ok"]["kind"] == "rule"
    assert rows["bad"]["status"] == "not_met"
    assert rows["hole"]["status"] == "no_data" and "zero is 0" in rows["hole"]["reason"]
    assert rows["hole"]["value"] is None
    assert rows["1"]["kind"] == "task" and rows["1"]["status"] == "done"


def test_exit_zero_when_nothing_fails(files, capsys) -> None:
    plan, data = files
    plan.write_text(PLAN.replace("rule bad: a > b\n", ""), encoding="utf-8")
    assert main(["check", str(plan), "--data", str(data), "--as-of", "2020-12-18"]) == 0
    out = capsys.readouterr().out
    assert "met" in out and "24.68%" in out and "current period 2020-Q4" in out


def test_table_is_the_default(files, capsys) -> None:
    plan, data = files
    main(["check", str(plan), "--data", str(data), "--as-of", "2020-12-18"])
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].split() == ["STATUS", "ID", "UNIT", "PERIOD", "VALUE", "TARGET", "REASON"]
    assert lines[1].split()[:5] == ["met", "ok", "2020-Q4", "24.68%", "20%"]  # a ratio rule: percentages


def test_a_syntax_error_is_exit_2_with_position_and_no_traceback(tmp_path, files, capsys) -> None:
    _, data = files
    bad = tmp_path / "bad.kpi"
    bad.write_text("rule a:\n  ratio(a, b) >= by 2020\n", encoding="utf-8")
    assert main(["check", str(bad), "--data", str(data)]) == 2
    err = capsys.readouterr().err
    assert f"{bad}:2:18: error: unexpected keyword `by`" in err
    assert "Traceback" not in err


@pytest.mark.parametrize(
    ("args", "words"),
    [
        (["--as-of", "2020-13-01"], "is not a valid date"),
        (["--data", "missing.json"], "cannot read"),
    ],
)
def test_bad_usage_is_exit_2(files, capsys, args, words) -> None:
    plan, data = files
    argv = ["check", str(plan), "--data", str(data), *args]
    assert main(argv) == 2
    assert words in capsys.readouterr().err


def test_bad_data_is_exit_2_naming_the_place(tmp_path, files, capsys) -> None:
    plan, _ = files
    data = tmp_path / "d.json"
    data.write_text('{"snapshots": [{"period": "2020-Q9", "values": {"a": [1]}}]}', encoding="utf-8")
    assert main(["check", str(plan), "--data", str(data)]) == 2
    err = capsys.readouterr().err
    assert "$.snapshots[0].period" in err


def test_usage_errors_exit_2(capsys) -> None:
    assert main(["check"]) == 2
    assert main([]) == 2
    assert main(["nonsense"]) == 2


@pytest.mark.parametrize(("as_of", "words"), [
    ("18/12/2020", None),  # day first, as written in Vietnam
    ("2020-02-30", "is not a valid date"),
    ("12-18-2020", "write YYYY-MM-DD (2020-12-18) or DD/MM/YYYY (18/12/2020)"),
])
def test_as_of_dates_as_people_write_them(files, capsys, as_of, words) -> None:
    plan, data = files
    code = main(["check", str(plan), "--data", str(data), "--as-of", as_of, "--format", "json"])
    captured = capsys.readouterr()
    if words is None:
        assert json.loads(captured.out)["as_of"] == "2020-12-18"
    else:
        assert code == 2 and words in captured.err


def test_explain_exits_like_check(files, capsys) -> None:
    plan, data = files
    assert main(["explain", str(plan), "--data", str(data), "--as-of", "2020-12-18", "--id", "bad"]) == 1
    assert main(["explain", str(plan), "--data", str(data), "--as-of", "2020-12-18", "--id", "ok"]) == 0
    assert "0.2468" in capsys.readouterr().out


def test_the_version_is_the_installed_distributions(capsys) -> None:
    import importlib.metadata

    import kpirules

    assert kpirules.__version__ == importlib.metadata.version("kpirules")  # pyproject.toml reads it from the package
    assert main(["--version"]) == 0
    assert capsys.readouterr().out.strip() == f"kpirules {kpirules.__version__}"


@pytest.mark.parametrize("rows", [
    ["2020-Q4,,x,1.2.3", "2020-Q4,,y,1.2.4"],  # two bad cells (each with a span, a source line and a caret)
    ["2020-Q4,,x,1", "2020-Q4,,x,2", "2020-Q4,,y,1", "2020-Q4,,y,3"],  # two conflicts (no span)
])
def test_every_problem_listed_starts_its_line_alike(tmp_path, capsys, rows) -> None:
    """Each problem of a list starts a line with ``kpirules: `` and says ``error:``, the first as the rest."""
    plan = tmp_path / "p.kpi"
    plan.write_text('plan "p"\n  reporting quarterly cutoff 15 due 20\n\nrule a:\n  x >= 1 by 2020\n'
                    'rule b:\n  y >= 1 by 2020\n', encoding="utf-8")
    data = tmp_path / "d.csv"
    data.write_text("period,unit,metric,value\n" + "\n".join(rows) + "\n", encoding="utf-8")
    assert main(["check", str(plan), "--data", str(data), "--as-of", "2020-12-20"]) == 2
    err = capsys.readouterr().err
    heads = [ln for ln in err.splitlines() if not ln.startswith(" ")]
    assert len(heads) == 2 and all(ln.startswith("kpirules: ") and "error: " in ln and str(data) in ln
                                   for ln in heads), err


def test_every_unknown_unit_is_a_problem_of_its_own(tmp_path, capsys) -> None:
    plan = tmp_path / "p.kpi"
    plan.write_text('plan "p"\n  reporting quarterly cutoff 15 due 20\n\nunit VX "Vị Xuyên"\nunit QB "Quản Bạ"\n\n'
                    'rule a:\n  for each unit: x >= 1 by 2020\n', encoding="utf-8")
    data = tmp_path / "d.csv"
    data.write_text("period,unit,metric,value\n2020-Q4,VX,x,1\n2020-Q4,Vi Xuyen,x,1\n2020-Q4,Quan Ba,x,1\n",
                    encoding="utf-8")
    assert main(["check", str(plan), "--data", str(data), "--as-of", "2020-12-20"]) == 2
    lines = capsys.readouterr().err.splitlines()
    assert [ln.split(" in the data")[0] for ln in lines] == [
        f"kpirules: error: {data}: row 3: unit Vi Xuyen", f"kpirules: error: {data}: row 4: unit Quan Ba"]
    import kpirules

    with pytest.raises(kpirules.KpiDataError) as exc:  # (an API answer lists each problem alone)
        kpirules.load(str(plan)).evaluate(kpirules.load_data(str(data)), "2020-12-20")
    assert [d.message.split(";")[1] for d in exc.value.diagnostics] == [
        " the closest declared unit is VX (Vị Xuyên)", " the closest declared unit is QB (Quản Bạ)"]

"""Who has not reported (issue 17 item 5): with declared units, the units that sent nothing for the judged
period, and those whose `submitted` date is after its due date, in `check` JSON and in the report."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

import kpirules
from kpirules.cli import main
from kpirules.data import parse_json_data

PLAN = ('plan "P"\n  reporting quarterly cutoff 15 due 20\n'
        'unit VX "Vị Xuyên"\nunit QB "Quản Bạ"\nunit HG "Hoàng Su Phì"\n'
        'rule R "r": for each unit: a >= 1\n')
SNAPS = [{"period": "2020-Q4", "unit": "Vị Xuyên", "values": {"a": 1}, "submitted": "18/12/2020"},
         {"period": "2020-Q4", "unit": "QB", "values": {"a": 2}, "submitted": "2020-12-23"},
         {"period": "2020-Q3", "unit": "HG", "values": {"a": 2}}]


def _results() -> kpirules.Results:
    data = parse_json_data(json.dumps({"snapshots": SNAPS}), "d.json")
    return kpirules.parse(PLAN).evaluate(data, "2020-12-28")


def test_the_units_that_sent_nothing_and_those_that_sent_late() -> None:
    rep = _results().reporting()
    assert rep == {"period": "2020-Q4", "due": "2020-12-20",
                   "not_reported": [{"unit": "HG", "unit_name": "Hoàng Su Phì"}],
                   "late": [{"unit": "QB", "unit_name": "Quản Bạ", "submitted": "2020-12-23"}]}
    assert _results().to_json()["reporting"] == rep


def test_no_list_without_declared_units_or_without_data_per_unit() -> None:
    data = parse_json_data(json.dumps({"snapshots": SNAPS}), "d.json")
    assert kpirules.parse('rule R: for each unit: a >= 1\n').evaluate(data, "2020-12-28").reporting() is None
    plan_level = parse_json_data(json.dumps({"snapshots": [{"period": "2020-Q4", "values": {"a": 1}}]}), "d.json")
    assert kpirules.parse(PLAN).evaluate(plan_level, "2020-12-28").to_json()["reporting"] is None


@pytest.mark.parametrize("bad, words", [("2020-13-01", "2020-13-01"), (20201223, "expected the date")])
def test_a_bad_submitted_date_is_an_error_naming_its_place(bad: object, words: str) -> None:
    with pytest.raises(kpirules.KpiDataError, match=r"\$\.snapshots\[0\]\.submitted") as exc:
        parse_json_data(json.dumps({"snapshots": [{**SNAPS[0], "submitted": bad}]}), "d.json")
    assert words in str(exc.value)


def test_check_json_and_every_report_show_it(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    plan, data = tmp_path / "p.kpi", tmp_path / "d.json"
    plan.write_text(PLAN, encoding="utf-8")
    data.write_text(json.dumps({"snapshots": SNAPS}), encoding="utf-8")
    main(["check", str(plan), "--data", str(data), "--as-of", "2020-12-28", "--format", "json"])
    out = json.loads(capsys.readouterr().out)
    assert [u["unit"] for u in out["reporting"]["not_reported"]] == ["HG"]
    for lang, sent, late in [
            ("en", "1 of 3 units sent nothing for", "1 sent after the due date"),
            ("vi", "1/3 đơn vị chưa gửi số liệu kỳ", "1 đơn vị gửi sau hạn")]:
        for fmt in ("md", "html"):
            out_file = tmp_path / f"r-{lang}.{fmt}"
            assert main(["report", str(plan), "--data", str(data), "--period", "2020-Q4", "--as-of", "2020-12-28",
                         "--lang", lang, "-o", str(out_file)]) in (0, 1)
            text = out_file.read_text(encoding="utf-8")
            assert sent in text and "Hoàng Su Phì" in text, (lang, fmt)
            assert late in text and "Quản Bạ (" in text, (lang, fmt)
    out_json = tmp_path / "r.json"
    main(["report", str(plan), "--data", str(data), "--period", "2020-Q4", "--as-of", "2020-12-28",
          "-o", str(out_json)])
    assert json.loads(out_json.read_text(encoding="utf-8"))["summary"]["reporting"]["late"][0]["unit"] == "QB"


MESSY = Path(__file__).resolve().parent / "data" / "messy"


def test_a_submitted_column_in_a_csv_gives_the_late_units() -> None:
    data = kpirules.load_data(MESSY / "submitted.csv")
    q4 = kpirules.parse_period("2020-Q4").key
    import datetime
    from fractions import Fraction

    assert data.submitted == {(q4, "Vị Xuyên"): datetime.date(2020, 12, 18), (q4, "Quản Bạ"): datetime.date(2020, 12, 23)}
    assert data.value("b", q4, "Quản Bạ") == Fraction(2469, 2)
    rep = kpirules.parse(PLAN.replace("a >= 1", "a >= 1 and b >= 0")).evaluate(data, "2020-12-28").reporting()
    assert rep is not None and [u["unit"] for u in rep["late"]] == ["QB"]
    assert [u["unit"] for u in rep["not_reported"]] == ["HG"]


def test_a_bad_submitted_cell_is_an_error_naming_the_cell() -> None:
    from kpirules.data import parse_csv_data

    with pytest.raises(kpirules.KpiDataError, match=r"f\.csv:2:15: error: column submitted \(cell E2\): '31/02/2020'") as exc:
        parse_csv_data("period,unit,metric,value,submitted\n2020-Q4,A,a,1,31/02/2020\n2020-Q4,B,a,1,x\n", "f.csv")
    assert "f.csv:3:15: error: column submitted (cell E3): 'x' is not a date" in str(exc.value)  # (none hidden)


@pytest.mark.parametrize("fmt, layout", [("docx", None), ("html", "official"), ("docx", "official")])
def test_the_word_and_official_reports_show_it(tmp_path: Path, fmt: str, layout: str | None) -> None:
    pytest.importorskip("docx") if fmt == "docx" else None
    plan, data = tmp_path / "p.kpi", tmp_path / "d.json"
    plan.write_text(PLAN, encoding="utf-8")
    data.write_text(json.dumps({"snapshots": SNAPS}), encoding="utf-8")
    out = tmp_path / f"r.{fmt}"
    args = ["report", str(plan), "--data", str(data), "--period", "2020-Q4", "--as-of", "2020-12-28",
            "-o", str(out)] + (["--layout", layout] if layout else [])
    assert main(args) in (0, 1)
    if fmt == "docx":
        import docx

        text = "\n".join(p.text for p in docx.Document(str(out)).paragraphs)
    else:
        text = out.read_text(encoding="utf-8")
    assert "1/3 đơn vị chưa gửi số liệu kỳ" in text and "Hoàng Su Phì" in text
    assert "1 đơn vị gửi sau hạn" in text and "Quản Bạ (" in text

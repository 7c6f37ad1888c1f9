"""What a new user's trial of metrics counted from records found (issue 18): the records_* warnings as
data and in Vietnamese, one warning for one pair of unit names, avg values as decimals in the table,
and counts of the command line that cannot be negative."""

from __future__ import annotations

import json

import pytest

import kpirules
from kpirules.cli import main
from kpirules.report.reasons import warning_text

from records_support import write_csv

PLAN = """plan "t"
  reporting quarterly cutoff 15 due 20
{units}
dataset d "Hồ sơ":
  dated by ngay
  unit by dv

metric n "Hồ sơ" = count(d)
metric days "Số ngày" = avg(d.so_ngay)

rule mean "Bình quân số ngày":
  days <= 2 by 2020

rule per_unit "Mỗi đơn vị":
  for each unit: n >= 1 by 2020
"""

COLUMNS = ["ngay", "dv", "so_ngay"]


def rows(undated: int = 1, outside: int = 1, no_unit: int = 1) -> list[dict[str, str]]:
    out = [{"ngay": "2020-01-10", "dv": "HG", "so_ngay": "1"}, {"ngay": "2020-01-11", "dv": "HG", "so_ngay": "3"},
           {"ngay": "2020-01-12", "dv": "Ha Giang", "so_ngay": "3"}, {"ngay": "2020-01-12", "dv": "Ha giang", "so_ngay": "3"}]
    out += [{"ngay": "", "dv": "HG", "so_ngay": "1"}] * undated
    out += [{"ngay": "2018-05-01", "dv": "HG", "so_ngay": "1"}] * outside
    out += [{"ngay": "2020-01-13", "dv": "", "so_ngay": "3"}] * no_unit
    return out


def check_json(tmp_path, units: str, data: list[dict[str, str]], *extra: str, capsys) -> dict:
    plan = tmp_path / "p.kpi"
    plan.write_text(PLAN.format(units=units), encoding="utf-8")
    rec = write_csv(str(tmp_path / "d.csv"), COLUMNS, data)
    code = main(["check", str(plan), "--records", f"d={rec}", "--period", "2020-Q1", "--format", "json", *extra])
    printed = capsys.readouterr()
    assert code in (0, 1), printed.err
    return json.loads(printed.out)


def warnings_of(doc: dict, code: str) -> list[dict]:
    return [w for w in doc["warnings"] if w["code"] == code]


# --------------------------------------------------------------------------- 1: records_* warnings as data


@pytest.mark.parametrize("n", [1, 3])
def test_records_warnings_have_args_and_the_right_plural(tmp_path, capsys, n):
    doc = check_json(tmp_path, 'unit HG "Hà Giang"\n', rows(undated=n, outside=n, no_unit=n), capsys=capsys)
    (undated,) = warnings_of(doc, "records_undated")
    assert undated["args"] == {"dataset": "d", "count": n, "column": "ngay"}
    assert undated["message"].startswith("dataset d: 1 row has no ngay" if n == 1 else "dataset d: 3 rows have no ngay")
    (outside,) = warnings_of(doc, "records_outside_windows")
    assert outside["args"] == {"dataset": "d", "count": n, "start": "2019-12-15", "end": "2020-12-14",
                               "first_year": 2020, "last_year": 2020, "earliest": "2018-05-01", "latest": "2020-01-13"}
    assert ("1 row is dated outside" if n == 1 else "3 rows are dated outside") in outside["message"]
    (no_unit,) = warnings_of(doc, "records_no_unit")
    assert no_unit["args"] == {"dataset": "d", "count": n, "column": "dv"}
    assert ("1 row names no unit" if n == 1 else "3 rows name no unit") in no_unit["message"]
    (unknown,) = warnings_of(doc, "records_unknown_unit")
    args = unknown["args"]
    assert (args["dataset"], args["count"], args["rows"], args["more"]) == ("d", 2, 2, None)
    assert [u["args"] for u in args["units"]] == [{"unit": "Ha Giang", "rows": 1, "close": "HG (Hà Giang)"},
                                                  {"unit": "Ha giang", "rows": 1, "close": "HG (Hà Giang)"}]
    assert "2 units the plan does not declare (2 rows," in unknown["message"]
    assert "Ha Giang (1 row; did you mean HG (Hà Giang)?)" in unknown["message"]


def test_records_warnings_are_vietnamese_in_a_vietnamese_report(tmp_path):
    plan = kpirules.parse(PLAN.format(units='unit HG "Hà Giang"\n'))
    data = kpirules.records_data(plan, {"d": rows(undated=2)}, engine="python")
    results = plan.evaluate(data, "2020-03-20")
    texts = {w.code: warning_text(w.message, "vi") for w in results.warnings if w.code.startswith("records_")}
    assert set(texts) == {"records_undated", "records_outside_windows", "records_no_unit", "records_unknown_unit"}
    assert texts["records_undated"] == ("Tập dữ liệu d: 2 dòng không có ngay (cột `dated by`), nên không thuộc kỳ "
                                        "nào: không được tính")
    assert texts["records_unknown_unit"].startswith("Tập dữ liệu d: 2 đơn vị không có trong kế hoạch (2 dòng")
    for text in texts.values():
        for english in ("dataset", " row", "counted", "did you mean"):
            assert english not in text, text
    # the report built from the plan says them in Vietnamese as well
    from kpirules.report import build_report, render

    report = build_report(plan, data, "2020-Q1", as_of="2020-03-20", lang="vi")
    md = render(report, "md")
    assert "Tập dữ liệu d: 2 dòng không có ngay" in md and "dataset d" not in md


# --------------------------------------------------------------------------- 2: one warning for one pair


def test_one_warning_for_one_pair_of_unit_names(tmp_path, capsys):
    doc = check_json(tmp_path, "", rows(), capsys=capsys)
    (similar,) = warnings_of(doc, "records_similar_units")  # the more specific: it names the dataset
    assert similar["args"] == {"dataset": "d", "units": "Ha Giang, Ha giang"}
    assert not warnings_of(doc, "similar_units"), doc["warnings"]


# --------------------------------------------------------------------------- 4: avg as a decimal


def test_the_table_shows_an_avg_as_a_decimal(tmp_path, capsys):
    plan = tmp_path / "p.kpi"
    plan.write_text(PLAN.format(units=""), encoding="utf-8")
    rec = write_csv(str(tmp_path / "d.csv"), COLUMNS, rows(undated=0, outside=0, no_unit=0)[:3])
    code = main(["check", str(plan), "--records", f"d={rec}", "--period", "2020-Q1"])
    out = capsys.readouterr().out
    assert code in (0, 1)
    (line,) = [ln for ln in out.splitlines() if ln.split()[1:2] == ["mean"]]
    assert line.split()[3:5] == ["2.33", "2"], line  # 7/3 > 2: enough places to show the side of the target
    assert "7/3" not in out
    code = main(["check", str(plan), "--records", f"d={rec}", "--period", "2020-Q1", "--format", "json"])
    (mean,) = [r for r in json.loads(capsys.readouterr().out)["results"] if r["id"] == "mean"]
    assert mean["value"] == "7/3"  # (the JSON keeps the exact value)


# --------------------------------------------------------------------------- 8: counts of the command line


@pytest.mark.parametrize("bad", ["-1", "-5", "x", "1.5", ""])
def test_show_rows_refuses_what_is_not_a_count(tmp_path, capsys, bad):
    plan = tmp_path / "p.kpi"
    plan.write_text(PLAN.format(units=""), encoding="utf-8")
    rec = write_csv(str(tmp_path / "d.csv"), COLUMNS, rows())
    code = main(["explain", str(plan), "--records", f"d={rec}", "--as-of", "2020-03-20", "--id", "mean",
                 f"--show-rows={bad}"])
    err = capsys.readouterr().err
    assert code == 2
    assert "--show-rows" in err and f"not {bad!r}" in err and "Traceback" not in err
    code = main(["explain", str(plan), "--records", f"d={rec}", "--as-of", "2020-03-20", "--id", "mean",
                 "--show-rows=0"])
    assert code in (0, 1)

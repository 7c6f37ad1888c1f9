"""`kpirules template`: forms made from a plan, filled as a clerk would, read back exactly."""

from __future__ import annotations

import contextlib
import csv
import io
import datetime
import json
import os
import shutil
import subprocess
import sys
from decimal import Decimal
from fractions import Fraction

import pytest
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

import kpirules
from kpirules.data import load_data
from kpirules.data.formsheet import KIND_LABELS, MARKER, read_layout
from kpirules.data.tasks import TASK_STATUS_WORDS
from kpirules.errors import KpiDataError, KpiError
from kpirules.forms import csv_form, forms_for, neutral, xlsx_form

openpyxl = pytest.importorskip("openpyxl")

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
PLAN = os.path.join(ROOT, "rules", "nq17_bkhcn.kpi")


@pytest.fixture(scope="module")
def plan() -> kpirules.Plan:
    return kpirules.load(PLAN)


def _form(plan, tmp_path, label="2020-Q4", units=None):
    period = plan.as_current(label)
    path = tmp_path / "form.xlsx"
    path.write_bytes(xlsx_form(plan, period, forms_for(plan, period, units)))
    return path


def _tables(book):
    return read_layout("f", book[MARKER].iter_rows(values_only=True))


def test_each_unit_gets_its_metrics_and_tasks(plan):
    period = plan.as_current("2020-Q4")
    forms = {f.unit: f for f in forms_for(plan, period)}
    # the per-unit rule II.1.c.3.units reads work_records(_online) of every declared unit
    for u in plan.units:
        assert {("work_records", u), ("work_records_online", u)} <= {(m.name, m.unit) for m in forms[u].metrics}
    # plan-level metrics go to the unit leading the rule (TTCNTT leads II.2.c.2), as plan-level values
    assert ("periodic_reports_national_system", None) in {(m.name, m.unit) for m in forms["TTCNTT"].metrics}
    # a task led by VPB is on VPB's sheet, with its deadline
    assert any(t.id == "3" for t in forms["VPB"].tasks)
    # titles and units of measure come from the plan's declarations
    m = next(m for m in forms["TTCNTT"].metrics if m.name == "periodic_reports")
    assert (m.title, m.kind, m.measure) == ("Số báo cáo định kỳ (không bao gồm nội dung mật)", "count", "báo cáo")
    # a metric is on one sheet only, for one unit
    seen = [(m.name, m.unit) for f in forms.values() for m in f.metrics]
    assert len(seen) == len(set(seen))


def test_rules_over_before_the_period_ask_for_nothing(plan):
    late = {m.name for f in forms_for(plan, plan.as_current("2024-Q4")) for m in f.metrics}
    early = {m.name for f in forms_for(plan, plan.as_current("2020-Q4")) for m in f.metrics}
    assert "mobile_portal" in early and "mobile_portal" not in late  # (II.1.b.3 is due by 2020)


def test_where_a_value_goes_does_not_depend_on_unit(plan):
    """--unit only chooses sheets: each unit's sheet is the same alone as in the whole workbook, and a
    plan-level value goes to the lead of the first rule with a lead that reads it."""
    period = plan.as_current("2020-Q4")
    whole = {f.unit: f for f in forms_for(plan, period)}
    for unit in whole:
        (alone,) = forms_for(plan, period, ["Chung" if unit is None else unit])
        assert alone == whole[unit], unit
    # dossiers_resolved: II.1.b.8 (no lead) reads it first, II.1.b.9 (lead TTCNTT) next
    assert "dossiers_resolved" in {m.name for m in whole["TTCNTT"].metrics}
    assert "dossiers_resolved" not in {m.name for m in whole[None].metrics}
    # sheets in the plan's order of declared units, after the common one
    assert list(whole) == [None, *plan.units]


def test_every_unknown_unit_is_named_and_a_period_outside_the_plan_refused(plan):
    with pytest.raises(KpiError) as e:
        forms_for(plan, plan.as_current("2020-Q4"), ["Quan Ba", "TTCNT", "VPB"])
    assert "--unit Quan Ba" in str(e.value) and "--unit TTCNT" in str(e.value) and "did you mean TTCNTT" in str(e.value)
    for label in ("2040-Q4", "2015-Q1"):
        with pytest.raises(KpiError, match="asks nothing of"):
            forms_for(plan, plan.as_current(label))
    assert forms_for(plan, plan.as_current("2018-Q4"))  # (the year before the plan: a baseline)


def test_printed_pages_say_whose_they_are(plan, tmp_path):
    path = _form(plan, tmp_path)
    book = openpyxl.load_workbook(path)
    ws = book["VUPC"]  # values only: their header repeats on every page
    (t,) = [t for t in _tables(book) if t.sheet == "VUPC"]
    assert ws.print_title_rows == f"${t.header}:${t.header}"
    assert "VUPC" in ws.oddHeader.center.text and "Quý IV/2020" in ws.oddHeader.center.text
    assert ws.oddFooter.center.text == "Trang &P/&N"
    ws = book["TTCNTT"]  # values and tasks: the tasks start a page
    tt = [t for t in _tables(book) if t.sheet == "TTCNTT" and t.kind == "tasks"][0]
    assert [b.id for b in ws.row_breaks.brk] == [tt.header - 2]
    guide = book["Hướng dẫn"]
    assert guide.page_setup.orientation == "portrait" and guide.column_dimensions["A"].width <= 70


def test_an_unknown_unit_is_an_error_with_the_closest(plan):
    with pytest.raises(KpiError, match="did you mean TTCNTT"):
        forms_for(plan, plan.as_current("2020-Q4"), ["TTCNT"])
    # a declared full name stands for its code
    (f,) = forms_for(plan, plan.as_current("2020-Q4"), ["Văn phòng Bộ"])
    assert f.unit == "VPB"


def test_the_form_is_locked_but_its_yellow_cells(plan, tmp_path):
    book = openpyxl.load_workbook(_form(plan, tmp_path))
    assert book.sheetnames[0] == "Hướng dẫn" and book[MARKER].sheet_state == "veryHidden"
    ws = book["TTCNTT"]
    assert ws.protection.sheet
    t = next(t for t in _tables(book) if t.sheet == "TTCNTT" and t.kind == "values")
    header = [c.value for c in ws[t.header]]
    assert header[3] == "Mã chỉ tiêu" and header[8] == "Giá trị"
    assert ws.cell(t.header, 4).protection.locked
    row = next(r for r in range(t.header + 1, t.last + 1) if r not in t.headings)
    assert not ws.cell(row, 9).protection.locked and ws.cell(row, 4).protection.locked
    kinds = {dv.type for dv in ws.data_validations.dataValidation}
    assert {"whole", "list", "date"} <= kinds
    status = next(dv for dv in ws.data_validations.dataValidation if dv.type == "list" and "Hoàn thành" in dv.formula1)
    assert "Đang thực hiện" in status.formula1


def _fill(path, values, status=("Hoàn thành", datetime.date(2020, 11, 30), "Đã xong"), sent=None):
    """Type ``values`` (metric → cell value) into every value row of the form, as a clerk would."""
    book = openpyxl.load_workbook(path)
    typed = {}
    for t in _tables(book):
        ws = book[t.sheet]
        if sent is not None:
            ws[t.submitted] = sent
        for r in range(t.header + 1, t.last + 1):
            if r in t.headings:
                continue
            if t.kind == "values":
                metric, unit = ws.cell(r, 4).value, ws.cell(r, 3).value or None
                if metric in values:
                    ws.cell(r, 9).value = values[metric]
                    typed[(unit, metric)] = values[metric]
            elif status is not None:
                for c, v in zip((7, 8, 9), status):
                    ws.cell(r, c).value = v
                typed[("task", ws.cell(r, 3).value)] = status
    book.save(path)
    return typed


_KIND_VALUES = {
    "count": st.integers(0, 10**12),
    "amount": st.decimals(min_value=-10**6, max_value=10**6, places=2, allow_nan=False).map(lambda d: float(d)),
    "share": st.integers(0, 10000).map(lambda i: i / 10000),
    "yesno": st.sampled_from(["có", "không", True, False]),
}


def _expected(v):
    if isinstance(v, bool) or v in ("có", "không"):
        return v in (True, "có")
    if isinstance(v, float):
        return Fraction(Decimal(repr(v)))
    return v


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture],
          phases=(Phase.explicit, Phase.reuse, Phase.generate))  # (each example writes and reads a workbook)
@given(data=st.data())
def test_a_filled_form_reads_back_exactly(plan, tmp_path, data):
    path = _form(plan, tmp_path)
    values = {name: data.draw(_KIND_VALUES[decl.kind or "amount"], label=name)
              for name, decl in plan.metrics.items() if decl.kind in _KIND_VALUES}
    typed = _fill(path, values)
    got = load_data(str(path))
    key = plan.as_current("2020-Q4").key
    for (unit, metric), v in typed.items():
        if unit == "task":
            continue
        assert got.snapshots[(key, unit)][metric] == _expected(v), (unit, metric)
    assert {r.task for r in got.task_rows} == {k[1] for k in typed if k[0] == "task"}
    assert all(r.status == "done" and r.date == datetime.date(2020, 11, 30) for r in got.task_rows)


def test_an_empty_form_gives_no_snapshot_and_a_sent_day_is_kept(plan, tmp_path):
    path = _form(plan, tmp_path)
    _fill(path, {}, status=None)
    with pytest.raises(KpiDataError):  # (nothing typed: no rows, as an empty data file)
        kpirules.load(PLAN).check_data(load_data(str(path)))
    path = _form(plan, tmp_path)
    _fill(path, {"work_records": 12}, status=None, sent=datetime.date(2020, 12, 22))
    got = load_data(str(path))
    key = plan.as_current("2020-Q4").key
    assert got.snapshots[(key, "VPB")]["work_records"] == 12
    assert got.submitted[(key, "VPB")] == datetime.date(2020, 12, 22)
    # the day sent, with task rows filled too (the guide asks every clerk to write it)
    path = _form(plan, tmp_path)
    typed = _fill(path, {"work_records": 12}, sent=datetime.date(2020, 12, 22))
    got = load_data(str(path))
    assert got.submitted[(key, "VPB")] == datetime.date(2020, 12, 22)
    assert {r.task for r in got.task_rows} == {k[1] for k in typed if k[0] == "task"}


def test_a_sheet_with_only_plan_level_values_is_its_units_report(plan, tmp_path):
    """VPB answers for documents_exchanged (a plan-level value it leads): its sheet filled with that alone is
    VPB's report, sent on the day its sheet says, and the units that typed nothing have not reported."""
    path = _form(plan, tmp_path, units=["VPB", "TTCNTT"])
    _fill(path, {"documents_exchanged": 40, "documents_exchanged_electronic": 30}, status=None,
          sent=datetime.date(2020, 12, 18))
    got = load_data(str(path))
    key = plan.as_current("2020-Q4").key
    assert got.snapshots[(key, None)]["documents_exchanged"] == 40
    assert got.has_snapshot(key, "VPB") and got.submitted[(key, "VPB")] == datetime.date(2020, 12, 18)
    assert not got.has_snapshot(key, "TTCNTT")  # (nothing typed on its sheet)
    res = kpirules.load(PLAN).evaluate_period(got, "2020-Q4")
    reporting = res.to_json()["reporting"]
    assert "VPB" not in [u["unit"] for u in reporting["not_reported"]]


def test_a_sheet_with_only_its_day_sent_is_an_empty_report_not_a_lost_one(plan, tmp_path, capsys):
    """VPB typed only the day it sent its sheet: it sent a form with no values.  It has not reported (no
    snapshot: its rules have no data of it), but the day is kept, so `check` lists it as not reported *with*
    that day, the report says its form was empty, and it is not also listed as late.  A workbook with
    nothing but such days is no error (a unit's empty form among the others' must not stop the check)."""
    path = _form(plan, tmp_path, units=["VPB", "TTCNTT", "VUPC"])
    book = openpyxl.load_workbook(path)
    (t,) = [t for t in _tables(book) if t.sheet == "VPB" and t.kind == "values"]
    book["VPB"][t.submitted] = datetime.date(2020, 12, 23)  # (after the due date, 20/12/2020)
    book["VUPC"][t.submitted] = datetime.date(2020, 12, 18)
    book.save(path)
    got = load_data(str(path))
    key = plan.as_current("2020-Q4").key
    assert not got.snapshots and got.submitted == {(key, "VPB"): datetime.date(2020, 12, 23),
                                                   (key, "VUPC"): datetime.date(2020, 12, 18)}
    (tt,) = [t for t in _tables(book) if t.sheet == "TTCNTT" and t.kind == "values"]
    row = next(r for r in range(tt.header + 1, tt.last + 1) if r not in tt.headings)
    book["TTCNTT"].cell(row, 9).value = 7
    book.save(path)
    got = load_data(str(path))
    assert not got.has_snapshot(key, "VPB") and got.has_snapshot(key, "TTCNTT")
    from kpirules.cli import main

    capsys.readouterr()
    main(["check", PLAN, "--data", str(path), "--period", "2020-Q4", "--format", "json"])
    reporting = json.loads(capsys.readouterr().out)["reporting"]
    unsent = {u["unit"]: u for u in reporting["not_reported"]}
    assert unsent["VPB"]["submitted"] == "2020-12-23" and unsent["VUPC"]["submitted"] == "2020-12-18"
    assert "submitted" not in unsent["CUCTTKH"] and "TTCNTT" not in unsent
    assert reporting["late"] == []
    for lang, vpb in (("vi", "Văn phòng Bộ (biểu trống, gửi ngày 23/12/2020)"),
                      ("en", "Văn phòng Bộ (an empty form, sent ")):
        out = tmp_path / f"r-{lang}.md"
        assert main(["report", PLAN, "--data", str(path), "--period", "2020-Q4", "--lang", lang,
                     "-o", str(out)]) in (0, 1)
        assert vpb in out.read_text(encoding="utf-8"), lang


def test_a_renamed_sheet_is_an_error_not_lost_rows(plan, tmp_path):
    path = _form(plan, tmp_path)
    _fill(path, {"work_records": 12})
    book = openpyxl.load_workbook(path)
    book["VPB"].title = "Văn phòng"
    book.save(path)
    with pytest.raises(KpiDataError) as e:
        load_data(str(path))
    assert "sheet VPB is missing" in str(e.value) and "Văn phòng" in str(e.value) and "renamed" in str(e.value)


def test_a_bad_cell_is_named_by_sheet_and_cell_and_none_hides_another(plan, tmp_path):
    path = _form(plan, tmp_path)
    book = openpyxl.load_workbook(path)
    t = next(t for t in _tables(book) if t.sheet == "VPB" and t.kind == "values")
    tt = next(t for t in _tables(book) if t.sheet == "VPB" and t.kind == "tasks")
    ws = book["VPB"]
    ws.cell(t.header + 1 + (t.header + 1 in t.headings), 9).value = datetime.date(2020, 1, 1)
    ws.cell(tt.header + 1, 7).value = "sắp xong"
    ws.cell(tt.last + 3, 2).value = "ghi thêm"
    ws.cell(tt.last + 5, 9).value = 7
    book.save(path)
    with pytest.raises(KpiDataError) as e:
        load_data(str(path))
    text = str(e.value)
    assert f"VPB!I{t.header + 1 + (t.header + 1 in t.headings)}" in text
    assert f"VPB!G{tt.header + 1}" in text and "sắp xong" in text
    assert f"VPB!B{tt.last + 3}, VPB!I{tt.last + 5}" in text and "typed below" in text


def test_text_from_the_plan_is_never_a_formula(tmp_path):
    src = tmp_path / "p.kpi"
    src.write_text('plan "x"\n  reporting quarterly cutoff 15 due 20\n'
                   'metric m "=HYPERLINK(\\"http://x\\")": count "@cmd"\n'
                   'rule R "r":\n  m >= 1 by 2030\n', encoding="utf-8")
    plan = kpirules.load(str(src))
    period = plan.as_current("2020-Q4")
    forms = forms_for(plan, period)
    path = tmp_path / "f.xlsx"
    path.write_bytes(xlsx_form(plan, period, forms))
    ws = openpyxl.load_workbook(path)["Chung"]
    cells = [c for row in ws.iter_rows() for c in row if isinstance(c.value, str) and c.value.startswith("'=")]
    assert cells and all(c.data_type == "s" and c.quotePrefix for c in cells)
    values, _ = csv_form(plan, period, forms)
    assert "'=HYPERLINK" in values and "'@cmd" in values
    assert neutral("-1") == "'-1" and neutral("a=b") == "a=b"


def _csv_fill(line: str, by_kind: dict[str, str]) -> str:
    """A row of a CSV form with its value cell filled as its kind (Loại giá trị, the 8th cell) asks."""
    kind = next(csv.reader([line]))[7]
    return line + by_kind[kind]


def test_the_csv_form_reads_back_with_vietnamese_numbers(plan, tmp_path):
    period = plan.as_current("2020-Q4")
    values, tasks = csv_form(plan, period, forms_for(plan, period, ["TTCNTT"]))
    lines = values.splitlines()
    by_kind = {"số nguyên": "1.700", "số": '"2.400,5"', "tỷ lệ (%)": '"12,5%"', "có/không": "có", "chữ": "0,5",
               "": "1.700"}
    filled = [lines[0]] + [_csv_fill(ln, by_kind) for ln in lines[1:]]
    (tmp_path / "f.csv").write_text("\r\n".join(filled), encoding="utf-8")
    t_lines = tasks.splitlines()
    assert t_lines[1].endswith(",,,")
    t_lines[1] = t_lines[1][:-3] + ",Đang thực hiện,10/06/2020,"
    # the tasks nothing was said of (every row but the first) are left out, not errors
    (tmp_path / "f-tasks.csv").write_text("\r\n".join(t_lines), encoding="utf-8")
    got = load_data([str(tmp_path / "f.csv"), str(tmp_path / "f-tasks.csv")])
    snap = got.snapshots[(period.key, None)]
    assert snap["periodic_reports"] == 1700 and snap["mobile_portal"] is True
    (row,) = got.task_rows
    assert row.status == "in_progress" and row.date == datetime.date(2020, 6, 10)


UNITS_PLAN = """plan "HG"
  issued 2020-01-01
  reporting quarterly cutoff 15 due 20

unit VX "Vị Xuyên"
unit HSP "Hoàng Su Phì"
unit QB "Quản Bạ"

metric budget "Ngân sách": amount "đồng"
metric dossiers "Số hồ sơ": count "hồ sơ"
metric online "Số hồ sơ trực tuyến": count "hồ sơ"

rule r1 "budget":
  budget >= 0 by 2022
  lead VX
rule r2 "dossiers":
  dossiers >= 1 by 2022
  lead VX
rule r3 "units":
  for each unit: online >= 0 by 2022

task t1 "Việc của HSP":
  lead HSP
  due 2022
"""


def _check_json(plan_path, *data):
    from kpirules.cli import main

    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        main(["check", str(plan_path), *(a for d in data for a in ("--data", str(d))), "--period", "2021-Q2",
              "--format", "json"])
    got = json.loads(out.getvalue())
    return {"reporting": got["reporting"], "results": got["results"]}


def _csv_typed(text, typed):
    """A CSV form's text with the cells ``typed`` ((STT, column header) → text) filled in."""
    rows = list(csv.reader(text.lstrip("\ufeff").splitlines()))
    for (n, column), cell in typed.items():
        rows[n][rows[0].index(column)] = cell
    return "\r\n".join(",".join(f'"{c}"' for c in r) for r in rows)


def test_the_same_typing_through_the_workbook_and_the_csv_form_gives_the_same_check(tmp_path):
    """VX fills only the two plan-level rows it leads (their Đơn vị is blank) and sends late, HSP only the
    status of its task, QB nothing: through form.xlsx, through form.csv + form-tasks.csv of the several
    units, and through VX's own VX.csv, check says the same, VX and HSP reported (VX late), QB not."""
    plan_path = tmp_path / "plan.kpi"
    plan_path.write_text(UNITS_PLAN, encoding="utf-8")
    plan = kpirules.load(str(plan_path))
    period = plan.as_current("2021-Q2")
    forms = forms_for(plan, period)
    late = datetime.date(2021, 6, 25)
    book = openpyxl.load_workbook(io.BytesIO(xlsx_form(plan, period, forms)))
    for t in _tables(book):
        ws = book[t.sheet]
        for r in range(t.header + 1, t.last + 1):
            if t.kind == "values" and ws.cell(r, 3).value is None and r not in t.headings:
                ws.cell(r, 9).value = {"budget": "2.400,5", "dossiers": 5}[ws.cell(r, 4).value]
                ws[t.submitted] = late
            elif t.kind == "tasks" and r not in t.headings:
                ws.cell(r, 7).value, ws.cell(r, 8).value = "Hoàn thành", datetime.date(2021, 6, 10)
    book.save(tmp_path / "form.xlsx")
    values, tasks = csv_form(plan, period, forms)
    rows = list(csv.reader(values.lstrip("\ufeff").splitlines()))
    # (each row says whose part of the form it is: the plan-level rows VX leads too, whose Đơn vị is blank)
    assert [(r[1], r[3], r[4]) for r in rows[1:]] == [("VX", "", "budget"), ("VX", "", "dossiers"),
                                                      ("VX", "VX", "online"), ("HSP", "HSP", "online"),
                                                      ("QB", "QB", "online")]
    (tmp_path / "form.csv").write_text(_csv_typed(values, {(1, "Giá trị"): "2.400,5", (2, "Giá trị"): "5",
                                                           (1, "Ngày gửi"): "25/06/2021"}), encoding="utf-8")
    (tmp_path / "form-tasks.csv").write_text(_csv_typed(tasks, {(1, "Trạng thái"): "Hoàn thành",
                                                                (1, "Ngày"): "10/06/2021"}), encoding="utf-8")
    got = _check_json(plan_path, tmp_path / "form.xlsx")
    assert got["reporting"]["not_reported"] == [{"unit": "QB", "unit_name": "Quản Bạ"}]
    assert got["reporting"]["late"] == [{"unit": "VX", "unit_name": "Vị Xuyên", "submitted": "2021-06-25"}]
    assert _check_json(plan_path, tmp_path / "form.csv", tmp_path / "form-tasks.csv") == got
    # VX's own form (-o DIR/): its rows are VX's report too
    (vx_values, _), = [csv_form(plan, period, [f]) for f in forms if f.unit == "VX"]
    (tmp_path / "VX.csv").write_text(_csv_typed(vx_values, {(1, "Giá trị"): "2.400,5", (2, "Giá trị"): "5",
                                                            (2, "Ngày gửi"): "25/06/2021"}), encoding="utf-8")
    alone = _check_json(plan_path, tmp_path / "VX.csv")["reporting"]
    assert [u["unit"] for u in alone["not_reported"]] == ["HSP", "QB"] and alone["late"] == got["reporting"]["late"]


def test_a_form_with_only_its_day_sent_checked_alone_is_an_empty_report(tmp_path):
    """VX's own form with nothing typed but its day sent (the workbook's Ngày gửi báo cáo cell, or Ngày gửi on
    a row of its CSV form), checked alone, is read as an empty report of this plan's unit, not refused as
    the data of another plan: VX is not reported, with that day."""
    plan_path = tmp_path / "plan.kpi"
    plan_path.write_text(UNITS_PLAN, encoding="utf-8")
    plan = kpirules.load(str(plan_path))
    period = plan.as_current("2021-Q2")
    forms = [f for f in forms_for(plan, period) if f.unit == "VX"]
    book = openpyxl.load_workbook(io.BytesIO(xlsx_form(plan, period, forms)))
    (t,) = [t for t in _tables(book) if t.kind == "values"]
    book[t.sheet][t.submitted] = datetime.date(2021, 6, 18)
    book.save(tmp_path / "VX.xlsx")
    values, _ = csv_form(plan, period, forms)
    (tmp_path / "VX.csv").write_text(_csv_typed(values, {(3, "Ngày gửi"): "18/06/2021"}), encoding="utf-8")
    for name in ("VX.xlsx", "VX.csv"):
        got = _check_json(plan_path, tmp_path / name)["reporting"]
        assert got["not_reported"] == [{"unit": "VX", "unit_name": "Vị Xuyên", "submitted": "2021-06-18"},
                                       {"unit": "HSP", "unit_name": "Hoàng Su Phì"},
                                       {"unit": "QB", "unit_name": "Quản Bạ"}], name
        assert got["late"] == []


def test_the_csv_tasks_say_whose_they_are_and_read_back_with_it(plan, tmp_path):
    """form-tasks.csv of several units: each row has the unit that leads the task (Đơn vị, blank for the
    common tasks), so a clerk finds the rows that are theirs; the row reads back by its task code (unique in
    the plan) with that unit, as a task row of a unit's sheet of the workbook does."""
    period = plan.as_current("2020-Q4")
    forms = forms_for(plan, period, ["Chung", "TTCNTT", "VPB"])
    _, tasks = csv_form(plan, period, forms)
    rows = list(csv.reader(tasks.lstrip("\ufeff").splitlines()))
    assert rows[0][:5] == ["STT", "Kỳ của biểu", "Kỳ báo cáo", "Đơn vị", "Mã nhiệm vụ"]
    lead = {t.id: f.unit for f in forms for t in f.tasks}
    assert {r[4]: r[3] or None for r in rows[1:]} == lead
    assert {None, "TTCNTT", "VPB"} <= set(lead.values())
    for r in rows[1:]:
        r[-3:] = ["Đang thực hiện", "10/06/2020", f"việc của {r[3] or 'chung'}"]
    (tmp_path / "f-tasks.csv").write_text("\r\n".join(",".join(f'"{c}"' for c in r) for r in rows), encoding="utf-8")
    got = load_data(str(tmp_path / "f-tasks.csv"))
    assert {r.task: r.unit for r in got.task_rows} == lead
    assert all(r.note == f"việc của {r.unit or 'chung'}" for r in got.task_rows)
    # the workbook's task rows read back with the unit of their sheet, the same
    path = _form(plan, tmp_path, units=["Chung", "TTCNTT", "VPB"])
    _fill(path, {})
    assert {r.task: r.unit for r in load_data(str(path)).task_rows} == lead


KINDS_PLAN = """plan "k"
  reporting quarterly cutoff 15 due 20

metric n "Số hồ sơ": count "hồ sơ"
metric s "Tỷ lệ": share
metric a "Số tiền": amount "đồng"
metric y "Đã kết nối": yesno
metric t "Ghi chú": text

rule r1 "n": n >= 1 by 2020
rule r2 "s": s >= 50% by 2020
rule r3 "a": a >= 0 by 2020
rule r4 "y": y by 2020
rule r5 "t": t == "x" by 2020
"""


def test_a_form_reads_each_value_as_its_kind_asks(tmp_path):
    """A count is a whole number ≥ 0, a share 0–100 %, an amount a number, a yes/no có or không, a text
    kept as typed; any other value is an error naming its cell, every one of them.  Rows left blank are
    no report."""
    (tmp_path / "k.kpi").write_text(KINDS_PLAN, encoding="utf-8")
    plan = kpirules.load(str(tmp_path / "k.kpi"))
    period = plan.as_current("2020-Q2")
    values, _ = csv_form(plan, period, forms_for(plan, period, None))
    head, *lines = values.splitlines()
    kinds = [next(csv.reader([ln]))[7] for ln in lines]
    assert kinds == ["số nguyên", "tỷ lệ (%)", "số", "có/không", "chữ"]

    def filled(*cells):
        path = tmp_path / "f.csv"
        path.write_text("\r\n".join([head] + [ln + (f'"{c}"' if c else "") for ln, c in zip(lines, cells)]),
                        encoding="utf-8")
        return str(path)

    got = load_data(filled("1.700", "85,5%", "-2.400,5", "không", "0,5"))
    snap = got.snapshots[(period.key, None)]
    assert snap == {"n": 1700, "s": Fraction(171, 200), "a": Fraction(-4801, 2), "y": False, "t": "0,5"}
    with pytest.raises(KpiDataError) as err:
        load_data(filled("2,5", "85", "khoảng 5", "1.700", ""), number_format="vi")
    text = str(err.value)
    assert "(cell K2): 2.5 is not a count" in text
    assert "(cell K3): 85 is not a share" in text and "write 85%" in text
    assert "(cell K4): 'khoảng 5' is not a number" in text
    assert "(cell K5): 1700 is not có or không" in text
    with pytest.raises(KpiDataError) as err:
        load_data(filled("-3", "120%", "", "", ""))
    assert "-3 is not a count" in str(err.value) and "1.2 is not a share" in str(err.value)
    # a form left blank is no report at all (never every unit "reported")
    with pytest.raises(KpiDataError, match="no snapshot"):
        load_data(filled("", "", "", "", ""))


def _cli(*args, cwd):
    return subprocess.run([sys.executable, "-m", "kpirules", *args], capture_output=True, text=True, cwd=cwd)


def test_the_command_writes_a_workbook_or_a_file_per_unit(tmp_path):
    r = _cli("template", PLAN, "--period", "2020-Q4", "-o", "form.xlsx", cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    assert "TTCNTT" in r.stdout and (tmp_path / "form.xlsx").exists()
    r = _cli("template", PLAN, "--period", "2020-Q4", "-o", "forms/", cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    assert sorted(os.listdir(tmp_path / "forms")) == sorted(
        ["Chung.xlsx", "CUCTTKH.xlsx", "TCTDC.xlsx", "TTCNTT.xlsx", "VPB.xlsx", "VUPC.xlsx"])
    r = _cli("template", PLAN, "--period", "2020-Q4", "--unit", "XYZ", "-o", "x.xlsx", cwd=tmp_path)
    assert r.returncode == 2 and "Traceback" not in r.stderr and "XYZ" in r.stderr
    r = _cli("template", PLAN, "--period", "2020-Q4", "-o", "x.pdf", cwd=tmp_path)
    assert r.returncode == 2 and ".xlsx or .csv" in r.stderr
    # a filled form is checked like any data file
    _fill(str(tmp_path / "form.xlsx"), {"work_records": 10, "work_records_online": 9})
    r = _cli("check", PLAN, "--data", "form.xlsx", "--period", "2020-Q4", cwd=tmp_path)
    assert r.returncode in (0, 1), r.stderr


def test_without_openpyxl_the_error_says_what_to_install(plan, monkeypatch):
    monkeypatch.setitem(sys.modules, "openpyxl", None)
    period = plan.as_current("2020-Q4")
    with pytest.raises(KpiError, match=r"kpirules\[xlsx\]"):
        xlsx_form(plan, period, forms_for(plan, period))


def _vpb_rows(book):
    """VPB's values table and its rows by metric code."""
    t = next(t for t in _tables(book) if t.sheet == "VPB" and t.kind == "values")
    ws = book["VPB"]
    return t, {ws.cell(r, 4).value: r for r in range(t.header + 1, t.last + 1) if r not in t.headings}


def test_a_changed_label_cell_is_an_error_naming_cell_then_and_now(plan, tmp_path):
    """The period, unit and metric cells say what a row is: changed, the value would be credited elsewhere,
    so each changed cell is named with what the form wrote and what it holds now (issue 17)."""
    path = _form(plan, tmp_path, units=["VPB"])
    book = openpyxl.load_workbook(path)
    t, at = _vpb_rows(book)
    ws = book["VPB"]
    r1, r2 = at["work_records_online"], at["work_records"]
    ws.cell(r1, 9).value, ws.cell(r2, 9).value = 5, 7
    ws.cell(r1, 3).value = "TTCNTT"          # the unit
    ws.cell(r2, 2).value = "2020-Q3"         # the period
    ws.cell(at["documents_exchanged"], 4).value = "work_recordz"  # the metric
    ws.cell(at["documents_exchanged_electronic"], 3).value = "VPB"  # a plan-level row given a unit
    ws.cell(t.header, 9).value = "Số liệu"   # a header
    book.save(path)
    with pytest.raises(KpiDataError) as e:
        load_data(str(path))
    text = str(e.value)
    assert f"VPB!C{r1}: this locked cell of the form held 'VPB', it is now 'TTCNTT'" in text
    assert f"VPB!B{r2}: this locked cell of the form held '2020-Q4', it is now '2020-Q3'" in text
    assert f"VPB!D{at['documents_exchanged']}: this locked cell of the form held 'documents_exchanged', it is now 'work_recordz'" in text
    assert f"VPB!C{at['documents_exchanged_electronic']}: the form left this cell blank" in text and "'VPB'" in text
    assert f"VPB!I{t.header}: this locked cell of the form held 'Giá trị', it is now 'Số liệu'" in text
    # a label cell emptied is named too; the untouched form reads back
    path = _form(plan, tmp_path, units=["VPB"])
    book = openpyxl.load_workbook(path)
    book["VPB"].cell(r2, 4).value = None
    book["VPB"].cell(r2, 9).value = 3
    book.save(path)
    with pytest.raises(KpiDataError, match=rf"VPB!D{r2}: this locked cell of the form held 'work_records', it is now blank"):
        load_data(str(path))
    path = _form(plan, tmp_path, units=["VPB"])
    _fill(path, {"work_records": 12})
    assert load_data(str(path)).snapshots[(plan.as_current("2020-Q4").key, "VPB")]["work_records"] == 12


def test_text_typed_beside_a_table_is_an_error_naming_the_cell(plan, tmp_path):
    """Nothing typed is lost: a cell to the right of the form's columns, or in a locked blank cell between
    the tables, is an error naming it."""
    path = _form(plan, tmp_path, units=["VPB"])
    book = openpyxl.load_workbook(path)
    t, at = _vpb_rows(book)
    ws = book["VPB"]
    r = at["work_records"]
    ws.cell(r, 9).value = 4
    ws.cell(r, 10).value = "số liệu đến 30/11"  # J
    ws.cell(t.last + 1, 5).value = "ghi thêm"  # a blank row between the tables
    book.save(path)
    with pytest.raises(KpiDataError) as e:
        load_data(str(path))
    text = str(e.value)
    assert f"VPB!J{r}: 'số liệu đến 30/11' is typed to the right of the form's columns (A–I)" in text
    assert f"VPB!E{t.last + 1}: the form left this cell blank and asks nothing there, but it now holds 'ghi thêm'" in text


def test_a_form_of_another_plan_is_refused_as_that(plan, tmp_path):
    national = kpirules.load(os.path.join(ROOT, "rules", "nq17_national.kpi"))
    period = national.as_current("2020-Q4")
    forms = forms_for(national, period, ["BNV"])
    path = tmp_path / "nat.xlsx"
    path.write_bytes(xlsx_form(national, period, forms))
    book = openpyxl.load_workbook(path)
    ws = book["BNV"]
    t = next(t for t in _tables(book) if t.sheet == "BNV")
    ws.cell(t.header + 2, 9).value = 5
    book.save(path)
    data = load_data(str(path))
    for check in (plan.check_data, lambda d: plan.evaluate_period(d, "2020-Q4")):
        with pytest.raises(KpiDataError) as e:
            check(data)
        assert str(e.value) == (f"{path}: this form was made from the plan 17/NQ-CP (`kpirules template`), not from "
                                "676/QĐ-BKHCN, the plan checked: check it with the plan 17/NQ-CP, or make the form "
                                "of 676/QĐ-BKHCN with `kpirules template`")
    national.check_data(data)  # (its own plan reads it)
    # the CSV form has no layout: none of its units is the plan's, and the error says so plainly
    values, _ = csv_form(national, period, forms_for(national, period, ["BNV", "BTC"]))
    head, *lines = values.splitlines()
    by_kind = {"số nguyên": "5", "số": "5", "tỷ lệ (%)": "5%", "có/không": "có", "chữ": "x", "": "5"}
    (tmp_path / "nat.csv").write_text("\r\n".join([head] + [_csv_fill(ln, by_kind) for ln in lines]),
                                      encoding="utf-8")
    with pytest.raises(KpiDataError) as e:
        plan.evaluate_period(load_data(str(tmp_path / "nat.csv")), "2020-Q4")
    text = str(e.value)
    assert "none of the units in the data (BNV, BTC) is declared by the plan 676/QĐ-BKHCN" in text
    assert "is it the data of another plan?" in text and "closest" not in text.split("(check")[0]
    assert len(text.splitlines()) == 1


HOSTILE_PLAN = """plan "=HYPERLINK(\\"http://x\\",\\"p\\")"
  title "=HYPERLINK(\\"http://x\\",\\"title\\")"
  reporting quarterly cutoff 15 due 20

unit U1 "=HYPERLINK(\\"http://x\\",\\"unit\\")"

metric m "=HYPERLINK(\\"http://x\\",\\"m\\")": count "@cmd"
metric t "+1 text": text "-x"

section S "=HYPERLINK(\\"http://x\\",\\"section\\")"

rule R "=r":
  for each unit:
    m >= 1 by 2030
  lead U1

rule R2 "t":
  t == "x" by 2030
  lead U1

task 1 "=HYPERLINK(\\"http://x\\",\\"task\\")":
  lead U1
  due 2030
  product "@SUM(A1)"
"""


def test_text_from_the_plan_is_never_a_formula_and_reads_back(tmp_path):
    """Issue 21 item 3 for forms: every text of the plan written into a cell starting = + - @ is a text cell
    (xlsx, the hidden layout sheet included) or gets a leading ' (CSV); the filled form reads back."""
    (tmp_path / "p.kpi").write_text(HOSTILE_PLAN, encoding="utf-8")
    plan = kpirules.load(str(tmp_path / "p.kpi"))
    period = plan.as_current("2020-Q4")
    forms = forms_for(plan, period)
    path = tmp_path / "f.xlsx"
    path.write_bytes(xlsx_form(plan, period, forms))
    book = openpyxl.load_workbook(path)
    texts = [c for ws in book.worksheets for row in ws.iter_rows() for c in row if isinstance(c.value, str)]
    assert not [c.value for c in texts if c.value.startswith(("=", "+", "-", "@"))]
    # each written with a leading ' (as the CSV form writes it: a CSV saved from the sheet keeps it) and
    # marked quotePrefix (a spreadsheet shows it as text)
    risky = [c for c in texts if c.value.startswith(("'=", "'+", "'-", "'@"))]
    assert {ws.title for ws in book.worksheets if any(c.parent is ws for c in risky)} >= {"Hướng dẫn", "U1", MARKER}
    assert risky and all(c.data_type == "s" and c.quotePrefix for c in risky), \
        [(c.parent.title, c.coordinate) for c in risky if c.data_type != "s" or not c.quotePrefix]
    assert not [c.coordinate for c in texts if c.quotePrefix and c not in risky]
    _fill(path, {"m": 3, "t": "@x"}, status=("Hoàn thành", datetime.date(2020, 11, 30), "+cmd|' /C calc'!A0"))
    got = load_data(str(path))
    assert got.snapshots[(period.key, "U1")]["m"] == 3 and got.snapshots[(period.key, None)]["t"] == "@x"
    (row,) = got.task_rows
    assert row.note == "+cmd|' /C calc'!A0"
    values, tasks = csv_form(plan, period, forms)
    cells = [c for text in (values, tasks) for ln in csv.reader(text.lstrip("\ufeff").splitlines()) for c in ln]
    assert all(not c.startswith(("=", "+", "-", "@")) for c in cells)
    assert "'=HYPERLINK" in values and "'@cmd" in values and "'-x" in values and "'@SUM(A1)" in tasks
    assert neutral("-1") == "'-1" and neutral("a=b") == "a=b" and neutral("") == ""
    # a CSV cell neutralised (by the form, or a clerk's spreadsheet) reads back as the original text
    head, *lines = values.splitlines()
    filled = [ln + ("3" if ",m," in ln else "'=1+1") for ln in lines]
    (tmp_path / "f.csv").write_text("\r\n".join([head, *filled]), encoding="utf-8")
    got = load_data(str(tmp_path / "f.csv"))
    assert got.snapshots[(period.key, None)]["t"] == "=1+1" and got.snapshots[(period.key, "U1")]["m"] == 3


@pytest.mark.skipif(not shutil.which("soffice"), reason="LibreOffice (soffice) is not installed")
def test_a_form_saved_as_csv_by_libreoffice_has_no_formula(tmp_path):
    """Issue 21 item 3: a spreadsheet saving the workbook form as CSV drops the quotePrefix mark; the text
    of the plan still starts with ' there, so the next spreadsheet opening that CSV runs nothing."""
    (tmp_path / "p.kpi").write_text(HOSTILE_PLAN, encoding="utf-8")
    plan = kpirules.load(str(tmp_path / "p.kpi"))
    period = plan.as_current("2020-Q4")
    for sheet in ("Hướng dẫn", "U1"):
        book = openpyxl.load_workbook(io.BytesIO(xlsx_form(plan, period, forms_for(plan, period))))
        book.active = book.sheetnames.index(sheet)  # (soffice writes the active sheet)
        book.save(tmp_path / "f.xlsx")
        subprocess.run(["soffice", "--headless", f"-env:UserInstallation=file://{tmp_path}/lo", "--convert-to",
                        "csv:Text - txt - csv (StarCalc):44,34,76", "--outdir", str(tmp_path), str(tmp_path / "f.xlsx")],
                       capture_output=True, check=True, timeout=240)
        with open(tmp_path / "f.csv", encoding="utf-8", newline="") as f:
            cells = [c for line in csv.reader(f) for c in line]
        assert any("HYPERLINK" in c for c in cells), cells
        assert not [c for c in cells if c.startswith(("=", "+", "-", "@"))]


def _pdf_words(pdf):
    """Each page of a PDF as (width, height, [(x0, y0, x1, y1, word)]), from pdftotext -bbox."""
    import re

    out = subprocess.run(["pdftotext", "-bbox", str(pdf), "-"], capture_output=True, text=True, check=True).stdout
    pages = []
    for m in re.finditer(r'<page width="([\d.]+)" height="([\d.]+)">(.*?)</page>', out, re.S):
        words = [(float(a), float(b), float(c), float(d), w) for a, b, c, d, w in re.findall(
            r'<word xMin="([\d.]+)" yMin="([\d.]+)" xMax="([\d.]+)" yMax="([\d.]+)">([^<]*)</word>', m.group(3))]
        pages.append((float(m.group(1)), float(m.group(2)), words))
    return pages


def test_the_printed_form_has_no_text_over_other_text(plan, tmp_path):
    """The form as LibreOffice prints it (A4): no word is drawn over another (a wrapped header taller than
    its row, "Mã nhiệm vụ", ran over the first task code), nothing runs off the page's width, the guide is
    upright and the unit sheets landscape."""
    import shutil

    soffice = shutil.which("soffice") or shutil.which("libreoffice")
    if not soffice or not shutil.which("pdftotext"):
        pytest.skip("LibreOffice (to print the form) or poppler-utils is not installed")
    path = _form(plan, tmp_path)
    subprocess.run([soffice, "--headless", f"-env:UserInstallation=file://{tmp_path}/lo", "--convert-to", "pdf",
                    "--outdir", str(tmp_path), str(path)], capture_output=True, check=True, timeout=300)
    pages = _pdf_words(tmp_path / "form.pdf")
    assert len(pages) > 2
    assert pages[0][0] < pages[0][1] and all(w > h for w, h, _ in pages[1:])  # (the guide upright, sheets not)
    overlaps = []
    for number, (width, _, words) in enumerate(pages, start=1):
        assert all(0 <= x0 and x1 <= width for x0, _, x1, _, _ in words), number  # (fitted to the width)
        for i, a in enumerate(words):
            for b in words[i + 1:]:
                dx = min(a[2], b[2]) - max(a[0], b[0])
                dy = min(a[3], b[3]) - max(a[1], b[1])
                # (the boxes of a wrapped cell's lines touch a little: over is more than a third of a line)
                if dx > 0.5 and dy > 0.35 * min(a[3] - a[1], b[3] - b[1]):
                    overlaps.append((number, a[4], b[4]))
    assert not overlaps, overlaps[:10]
    text = " ".join(w for _, _, ws in pages for *_, w in ws)
    assert "Mã nhiệm vụ" in text and "Kỳ báo cáo" in text


# ---- the round trip, from a generated plan: template → filled as a Vietnamese clerk types → read back ----

_STATUS_OF_WORD = {words[1][:1].upper() + words[1][1:]: code for code, words in TASK_STATUS_WORDS.items()}
_CONDITION = {"count": "{m} >= 0", "amount": "{m} >= 0", "share": "{m} >= 50%", "yesno": "{m}"}


@st.composite
def _plans(draw):
    """A plan's text: 1–3 declared units, 1–5 metrics of each kind, each read by a per-unit rule, a rule
    a unit leads or a rule no unit leads (the common sheet), and 0–3 tasks led by a unit or by no unit."""
    units = [f"U{i}" for i in range(1, draw(st.integers(1, 3)) + 1)]
    scopes = st.sampled_from(["each", None, *units])
    metrics = draw(st.lists(st.tuples(st.sampled_from(sorted(_CONDITION)), scopes), min_size=1, max_size=5))
    tasks = draw(st.lists(st.sampled_from([None, *units]), max_size=3))
    lines = ['plan "G"', "  reporting quarterly cutoff 15 due 20", ""]
    lines += [f'unit {u} "Đơn vị số {u[1:]}"' for u in units]
    for i, (kind, _) in enumerate(metrics):
        lines.append(f'metric m{i} "Chỉ tiêu {i}": {kind}' + (' "hồ sơ"' if kind == "count" else ""))
    for i, (kind, scope) in enumerate(metrics):
        cond = _CONDITION[kind].format(m=f"m{i}")
        lines += [f'rule R{i} "Quy tắc {i}":', f"  {'for each unit: ' if scope == 'each' else ''}{cond} by 2021"]
        if scope not in ("each", None):
            lines.append(f"  lead {scope}")
    for i, lead in enumerate(tasks, start=1):
        lines += [f'task {i} "Nhiệm vụ {i}":', f"  lead {lead or chr(34) + 'Các đơn vị' + chr(34)}", "  due 2021"]
    return "\n".join(lines) + "\n"


def _vi_number(value, decimals):
    """``value`` as a Vietnamese clerk writes it: dots grouping thousands, a comma before the decimals."""
    sign, value = ("-" if value < 0 else ""), abs(value)
    whole, part = divmod(value, 1)
    grouped = f"{int(whole):,}".replace(",", ".")
    return sign + grouped + ("," + f"{part:.{decimals}f}"[2:] if decimals else "")


def _typed(draw, kind, xlsx):
    """A value of ``kind`` as typed in a cell → the value it must read back as, exactly."""
    if kind == "count":
        n = draw(st.integers(0, 10**9))
        if xlsx and draw(st.booleans()):
            return n, n  # (a number cell)
        return _vi_number(n, 0), n  # 1.700: in a count row, dots group thousands
    if kind == "amount":
        cents = draw(st.integers(-10**11, 10**11))
        value = Fraction(cents, 100)
        if xlsx and draw(st.booleans()):
            return float(Decimal(cents) / 100), value
        return _vi_number(Decimal(cents) / 100, 2), value  # 2.400,50: a comma before the decimals
    if kind == "share":
        i = draw(st.integers(0, 10000))
        if xlsx and draw(st.booleans()):
            return i / 10000, Fraction(i, 10000)
        return _vi_number(Decimal(i) / 100, 2) + "%", Fraction(i, 10000)  # 12,50%
    word = draw(st.sampled_from(["có", "không"]))
    return word, word == "có"


def _day(draw, xlsx):
    """A day as typed: a date cell, or dd/mm/yyyy text as Vietnamese Excel writes it."""
    day = draw(st.dates(datetime.date(2020, 1, 1), datetime.date(2021, 12, 31)))
    return (day if xlsx and draw(st.booleans()) else day.strftime("%d/%m/%Y")), day


def _check_read_back(got, key, expected_values, expected_tasks):
    values = {(unit, m): v for (k, unit), snap in got.snapshots.items() if k == key for m, v in snap.items()}
    assert values == expected_values
    assert {r.task: (r.status, r.date, r.note) for r in got.task_rows} == expected_tasks


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(text=_plans(), data=st.data())
def test_a_generated_plans_workbook_form_reads_back_what_was_typed(tmp_path, text, data):
    plan = kpirules.parse(text)
    period = plan.as_current("2020-Q4")
    path = tmp_path / "g.xlsx"
    path.write_bytes(xlsx_form(plan, period, forms_for(plan, period)))
    book = openpyxl.load_workbook(path)
    values, tasks, sent = {}, {}, {}
    for t in _tables(book):
        ws = book[t.sheet]
        if t.unit is not None and t.sheet not in sent:
            ws[t.submitted], sent[t.sheet] = _day(data.draw, True)
        for r in range(t.header + 1, t.last + 1):
            if r in t.headings or not data.draw(st.integers(0, 5), label="fill"):  # (some rows left blank)
                continue
            if t.kind == "values":
                kind = {v: k for k, v in KIND_LABELS.items()}[ws.cell(r, 7).value]
                ws.cell(r, 9).value, want = _typed(data.draw, kind, True)
                values[(ws.cell(r, 3).value or None, ws.cell(r, 4).value)] = want
            else:
                word = data.draw(st.sampled_from(sorted(_STATUS_OF_WORD)))
                ws.cell(r, 7).value = word
                ws.cell(r, 8).value, day = _day(data.draw, True)
                ws.cell(r, 9).value = note = data.draw(st.sampled_from([None, "đã trình", "0,5"]))
                tasks[ws.cell(r, 3).value] = (_STATUS_OF_WORD[word], day, note)
    book.save(path)
    if not values and not tasks:
        return  # (nothing typed but the days: tests/test_forms.py has that case)
    got = load_data(str(path))
    _check_read_back(got, period.key, values, tasks)
    # (the day each unit's sheet says it was sent, whether or not anything else was typed on it)
    assert {u: day for (k, u), day in got.submitted.items() if k == period.key} == sent


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(text=_plans(), data=st.data())
def test_a_generated_plans_csv_form_reads_back_what_was_typed(tmp_path, text, data):
    plan = kpirules.parse(text)
    period = plan.as_current("2020-Q4")
    value_text, task_text = csv_form(plan, period, forms_for(plan, period))
    rows = list(csv.reader(value_text.lstrip("\ufeff").splitlines()))
    values, tasks = {}, {}
    for row in rows[1:]:
        if data.draw(st.integers(0, 5), label="fill"):
            kind = {v: k for k, v in KIND_LABELS.items()}[row[7]]
            row[-1], values[(row[3] or None, row[4])] = _typed(data.draw, kind, False)
    files = [tmp_path / "g.csv"]
    with open(files[0], "w", encoding="utf-8-sig", newline="") as f:
        csv.writer(f).writerows(rows)
    if task_text is not None:
        t_rows = list(csv.reader(task_text.lstrip("\ufeff").splitlines()))
        assert t_rows[0][-3:] == ["Trạng thái", "Ngày", "Ghi chú"]
        for row in t_rows[1:]:
            if data.draw(st.integers(0, 5), label="fill"):
                word = data.draw(st.sampled_from(sorted(_STATUS_OF_WORD)))
                row[-3], (row[-2], day) = word, _day(data.draw, False)
                row[-1] = note = data.draw(st.sampled_from(["", "đã trình", "0,5"]))
                tasks[row[4]] = (_STATUS_OF_WORD[word], day, note or None)
        files.append(tmp_path / "g-tasks.csv")
        with open(files[1], "w", encoding="utf-8-sig", newline="") as f:
            csv.writer(f, delimiter=";").writerows(t_rows)  # (Vietnamese Excel saves CSV with semicolons)
    # (a CSV with no row filled is "no rows", an error, as an empty data file: give only the filled ones)
    files = [p for p, filled in zip(files, (values, tasks)) if filled]
    if not files:
        return
    got = load_data([str(p) for p in files])
    _check_read_back(got, period.key, values, tasks)


def test_the_errors_forms_md_quotes_are_the_real_ones(plan, tmp_path, monkeypatch):
    """docs/forms.md quotes the errors of a filled form (a bad status, text beside a table, a changed locked
    cell, a form or a CSV form of another plan): each quote, its parts around '…', is in the real message."""
    import re

    text = " ".join((open(os.path.join(ROOT, "docs", "forms.md"), encoding="utf-8").read()).split())
    double = re.findall(r"``(form\.(?:xlsx|csv):.*?)``", text)
    single = re.findall(r"`(form\.(?:xlsx|csv):[^`]*)`", re.sub(r"``.*?``", "", text))
    assert len(double) >= 1 and len(single) >= 4, (double, single)
    monkeypatch.chdir(tmp_path)
    real = []

    def errors(data_path):
        with pytest.raises(KpiError) as exc:
            plan.evaluate_period(load_data(data_path), "2020-Q4")
        real.extend(" ".join(d.message.split()) for d in exc.value.diagnostics)

    period = plan.as_current("2020-Q4")
    with open("form.xlsx", "wb") as f:
        f.write(xlsx_form(plan, period, forms_for(plan, period)))
    book = openpyxl.load_workbook("form.xlsx")
    ws = book["VPB"]
    ws["G18"], ws["J13"], ws["C13"], ws["I14"] = "sắp xong", "ghi chú", "TTCNTT", 3
    book.save("form.xlsx")
    errors("form.xlsx")
    other = kpirules.load(os.path.join(ROOT, "rules", "nq17_national.kpi"))
    period = other.as_current("2020-Q4")
    with open("form.xlsx", "wb") as f:
        f.write(xlsx_form(other, period, forms_for(other, period)))
    book = openpyxl.load_workbook("form.xlsx")
    ws = book["BNV"]
    (t,) = [t for t in _tables(book) if t.sheet == "BNV" and t.kind == "values"]
    ws.cell(next(r for r in range(t.header + 1, t.last + 1) if ws.cell(r, 7).value == "số nguyên"), 9).value = 5
    book.save("form.xlsx")
    errors("form.xlsx")
    values, _ = csv_form(other, period, forms_for(other, period))
    rows = list(csv.reader(values.lstrip("\ufeff").splitlines()))
    for row in rows[1:]:
        row[-1] = "5" if row[7] == "số nguyên" else ""
    with open("form.csv", "w", encoding="utf-8", newline="") as f:
        csv.writer(f).writerows(rows)
    errors("form.csv")
    for quote in double + single:
        parts = [p.strip(" ;.") for p in quote.split("…") if p.strip(" ;.")]
        assert any(all(p in m for p in parts) for m in real), (quote, real)

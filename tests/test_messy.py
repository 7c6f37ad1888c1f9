"""Ugly, real-world-shaped data (tests/data/messy/): each file with the values
it must give or the error it must raise, in one expectations table."""

from __future__ import annotations

import datetime
from fractions import Fraction as F
from pathlib import Path

import pytest

import kpirules
from kpirules.cli import main
from kpirules.data import parse_cell, parse_number
from kpirules.errors import KpiDataError

MESSY = Path(__file__).resolve().parent / "data" / "messy"
Q4 = kpirules.parse_period("2020-Q4").key

#: file, number format → {(unit, metric): value}
VALUES = [
    ("excel_vi_semicolon.csv", None, {
        (None, "egov_users"): 1234567, (None, "eid_verified_users"): F(2469134, 10),
        ("Vụ A; B", "work_records"): F(25, 2), (None, "mobile_portal"): True,
        (None, "portal_decree43_compliant"): False, (None, "share_online"): F(1, 8)}),
    ("excel_en_quoted.csv", None, {
        (None, "egov_users"): 1234567, ("Dept, North", "work_records"): F(1, 2),
        (None, "share_online"): F(1, 5), (None, "mobile_portal"): True, (None, "blank"): None}),
    ("ambiguous_dot.csv", "vi", {(None, "egov_users"): 1234}),
    ("ambiguous_dot.csv", "en", {(None, "egov_users"): F(1234, 1000)}),
    ("ambiguous_comma.csv", "vi", {(None, "work_records"): F(1234, 1000)}),
    ("ambiguous_comma.csv", "en", {(None, "work_records"): 1234}),
    # a `Ngày gửi` (submitted) column: the day each unit sent its report (tests/test_reporting.py: who is late)
    ("submitted.csv", None, {("Vị Xuyên", "a"): 1, ("Quản Bạ", "a"): 2, ("Quản Bạ", "b"): F(2469, 2)}),
    ("tabs.csv", None, {(None, "egov_users"): 500}),
    ("utf16.csv", None, {(None, "egov_users"): 500}),
    ("json_strings.json", "vi", {(None, "egov_users"): "1.234", (None, "eid_verified_users"): F(1, 10)}),
    # the number format decided by the file's own cells: 2.400,5 can only be Vietnamese, 12.5% only English
    ("vi_decided_by_cells.csv", None, {(None, "egov_users"): 1700, (None, "eid_verified_users"): F(4801, 2),
                                       (None, "work_records"): F(7921, 4)}),
    # unit names compared in NFC: the decomposed "Quản Bạ" of row 3 is the unit of row 5
    ("unit_spellings.csv", None, {("Vị Xuyên", "work_records"): 12, ("Quản Bạ", "work_records"): 7,
                                  ("Vi Xuyen", "work_records"): 5, ("Quản Bạ", "egov_users"): 40}),
    # a CSV form whose kind (Loại giá trị) says "số nguyên": 1.700 and 1,500 can only be whole numbers
    ("form_counts_grouped.csv", None, {("VPB", "work_records"): 1700, ("VPB", "work_records_online"): 1500,
                                       (None, "documents_exchanged"): 5000}),
    ("en_decided_by_cells.csv", None, {(None, "egov_users"): F(17, 10), (None, "share_online"): F(1, 8),
                                       (None, "eid_verified_users"): F(4801, 2)}),
]

#: file, number format → text every error message must contain
ERRORS = [
    ("ambiguous_dot.csv", None, ["ambiguous_dot.csv:2:21: error: column value (cell D2): '1.234' is ambiguous",
                                 "--number-format vi or en"]),
    ("ambiguous_comma.csv", None, ["ambiguous_comma.csv:3:23: error: column value (cell D3): '1,234' is ambiguous",
                                   "(comma is the decimal mark) or 1234 in the English format (comma groups"]),
    ("unclosed_quote.csv", None, ['unclosed_quote.csv:2:21: error: row 2: a quote (") opens a cell here and is '
                                  "never closed"]),
    ("quote_runs_on.csv", None, ["quote_runs_on.csv:3:29: error: cell D3: this row has 7 cells but the header has 4:",
                                 'the quote (") that opens this cell runs on over the next lines']),
    ("semicolon_ragged.csv", None, ["semicolon_ragged.csv:3:33: error: cell E3: this row has 5 cells",
                                    "(a ';' inside a cell? quote the cell)"]),
    ("unquoted_decimal_comma.csv", None, ["unquoted_decimal_comma.csv:2:24: error: cell E2: this row has 5 cells",
                                          "decimal comma"]),
    ("excel_en_quoted.csv", "vi", ["cell D2", "'1,234,567' is not a number in the Vietnamese format"]),
    ("malformed.csv", None, ["malformed.csv:2:21: error: column value (cell D2): '1.2.3' is not a number",
                             "malformed.csv:3:1: error: column period (cell A3): '2020-Q5'"]),
    ("latin1.csv", None, ["latin1.csv:2: the data file is not UTF-8 (byte 0xe0", "CSV UTF-8"]),
    ("huge_exponent.json", None, ["huge_exponent.json", "exponent", "too large"]),
    ("vi_decided_by_cells.csv", "en", ["cell D3", "'2.400,5' is not a number in the English format"]),
    ("formats_disagree.csv", None, ["formats_disagree.csv:2:21: error: column value (cell D2): '1.700' is ambiguous",
                                    "hint: the cells of the file disagree on the number format: cell D3 '1,5' is "
                                    "Vietnamese but cell D4 '2.5' is English (1 more cell like it)"]),
    ("ambiguous_dot.csv", None, ["hint: nothing in the file decides the number format"]),
    # a count decides 1.700, an amount (số) does not: 2.500 is still ambiguous, and named
    ("form_amount_ambiguous.csv", None, ["form_amount_ambiguous.csv:3:", "column value (cell I3): '2.500' is ambiguous"]),
    # a file its cells decide is English (12.5%): 1.700 of a count is 1.7 there, an error
    ("form_count_english_file.csv", None, ["(cell I2): 1.7 is not a count"]),
    # digits grouped by spaces: named, with what to write instead
    ("space_grouped.csv", None, ["space_grouped.csv:2:26: error: column value (cell D2): '5 000' groups its digits "
                                 "with spaces", "write it without spaces (5000)", "(cell D3): '1 234 567' groups"]),
    # JSON errors carry their position
    ("json_nan.json", None, ["json_nan.json:3:27: error: not valid JSON: NaN is not a number kpirules accepts"]),
    # an empty data file is an error in every format
    ("only_bom.csv", None, ["only_bom.csv: the file holds no snapshot, no task row and no event"]),
    ("only_header.csv", None, ["only_header.csv: the file holds no snapshot, no task row and no event"]),
    ("empty_lists.json", None, ["empty_lists.json: the file holds no snapshot, no task row and no event"]),
    ("empty.csv", None, ["empty.csv: the file holds no snapshot, no task row and no event"]),
]

#: file → its task rows (task, status, date, note): an undated progress row is read (the unit's report as of
#: the as-of date), dd/mm/yyyy dates are day first as Vietnamese Excel writes them
TASKS = [
    ("undated_progress.json", [("2", "in_progress", None, "đang làm"), ("13", "done", datetime.date(2021, 6, 10), None)]),
    ("tasks_vi_dates.csv", [("13", "done", datetime.date(2021, 6, 10), "Đã ban hành"), ("5", "in_progress", None, None),
                            ("7", "delayed", datetime.date(2020, 12, 1), "chờ ý kiến, góp ý")]),
    ("tasks_semicolon.csv", [("6", "done", datetime.date(2019, 11, 20), "Đã ban hành; Quyết định 1"),
                             ("7", "in_progress", datetime.date(2020, 6, 1), None)]),
]

#: file, plan checked on it, period → the exit code of `kpirules check` and what it prints (stderr, then
#: the JSON results by id): the undated row and the Vietnamese dates are judged, not refused; the data of
#: another plan is refused as that (the units spelt without diacritics: tests/test_data_units.py)
CHECKS = [
    ("undated_progress.json", "nq17_bkhcn.kpi", "2021-Q2", {0, 1}, [], {"13": "done_late", "2": "open"}),
    ("tasks_vi_dates.csv", "nq17_bkhcn.kpi", "2021-Q2", {0, 1}, [], {"13": "done_late", "5": "overdue"}),
    ("other_plan.csv", "nq17_bkhcn.kpi", "2020-Q4", {2}, [
        "other_plan.csv shares no metric, task or event with the plan 676/QĐ-BKHCN: is it the data of another "
        "plan? (the plan reads admin_procedures, ", "the data gives dossiers_handled, dossiers_one_stop, "
        "dossiers_online, services_with_qa)"], {}),
    ("vi_decided_by_cells.csv", "nq17_bkhcn.kpi", "2020-Q4", {0, 1}, [], {}),
]


@pytest.mark.parametrize("name,fmt,expected", VALUES, ids=[f"{v[0]}-{v[1]}" for v in VALUES])
def test_messy_file_gives_the_values(name: str, fmt: str | None, expected: dict) -> None:  # type: ignore[type-arg]
    data = kpirules.load_data(MESSY / name, number_format=fmt)
    for (unit, metric), value in expected.items():
        got = data.value(metric, Q4, unit)
        assert got == value and type(got) is type(value), (metric, got)


@pytest.mark.parametrize("name,fmt,needles", ERRORS, ids=[f"{e[0]}-{e[1]}" for e in ERRORS])
def test_messy_file_gives_the_error(name: str, fmt: str | None, needles: list[str]) -> None:
    with pytest.raises(KpiDataError) as info:
        kpirules.load_data(MESSY / name, number_format=fmt)
    for needle in needles:
        assert needle in str(info.value)


@pytest.mark.parametrize("name,rows", TASKS, ids=[t[0] for t in TASKS])
def test_messy_file_gives_the_task_rows(name: str, rows: list[tuple[object, ...]]) -> None:
    data = kpirules.load_data(MESSY / name)
    assert [(r.task, r.status, r.date, r.note) for r in data.task_rows] == rows


@pytest.mark.parametrize("name,plan,period,codes,needles,statuses", CHECKS, ids=[c[0] for c in CHECKS])
def test_messy_file_checked_on_a_plan(name: str, plan: str, period: str, codes: set[int], needles: list[str],
                                      statuses: dict[str, str], capsys: pytest.CaptureFixture[str]) -> None:
    import json

    rules = Path(__file__).resolve().parent.parent / "rules" / plan
    code = main(["check", str(rules), "--data", str(MESSY / name), "--period", period, "--format", "json"])
    out, err = capsys.readouterr()
    assert code in codes, err
    assert "Traceback" not in err
    for needle in needles:
        assert needle in err
    if statuses:
        got = {r["id"]: r["status"] for r in json.loads(out)["results"] if r["id"] in statuses}
        assert got == statuses


def test_every_messy_file_has_an_expectation() -> None:
    covered = ({v[0] for v in VALUES} | {e[0] for e in ERRORS} | {t[0] for t in TASKS} | {c[0] for c in CHECKS}
               | {"suspicious.csv"})
    assert covered == {p.name for p in MESSY.iterdir()}


def test_semicolon_task_rows_with_quoted_notes() -> None:
    data = kpirules.load_data(MESSY / "tasks_semicolon.csv")
    assert [(r.task, r.status, r.note) for r in data.task_rows] == [
        ("6", "done", "Đã ban hành; Quyết định 1"), ("7", "in_progress", None)]


@pytest.mark.parametrize("text,vi,en,auto", [
    ("1.234", 1234, F(1234, 1000), "ambiguous"),
    ("1,234", F(1234, 1000), 1234, "ambiguous"),
    ("12,5", F(25, 2), "not a number", F(25, 2)),
    ("1.234,5", F(24690, 20), "not a number", F(24690, 20)),
    ("1,234.5", "not a number", F(24690, 20), F(24690, 20)),
    ("0.5", "not a number", F(1, 2), F(1, 2)),
    ("12.50", "not a number", F(25, 2), F(25, 2)),
    ("0.500", "not a number", F(1, 2), F(1, 2)),
    ("1.000.000", 1000000, "not a number", 1000000),
    ("-7", -7, -7, -7),
    ("1,5E+03", 1500, "not a number", 1500),
])
def test_number_formats(text: str, vi: object, en: object, auto: object) -> None:
    for fmt, want in (("vi", vi), ("en", en), (None, auto)):
        if isinstance(want, str):
            with pytest.raises(ValueError, match=want):
                parse_number(text, fmt)
        else:
            assert parse_number(text, fmt) == want


@pytest.mark.parametrize("cell,value", [
    ("20%", F(1, 5)), ("12,5%", F(1, 8)), ("12.5 %", F(1, 8)), ("true", True), ("FALSE", False), ("có", True),
    ("Có", True), ("không", False), ("x", True), ("X", True), ("", None), ("   ", None), ("đang làm", "đang làm"),
])
def test_cells(cell: str, value: object) -> None:
    got = parse_cell(cell)
    assert got == value and type(got) is type(value)


def test_number_format_on_the_command_line(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    plan = tmp_path / "p.kpi"
    plan.write_text("rule a: egov_users >= 1000\n", encoding="utf-8")
    data = str(MESSY / "ambiguous_dot.csv")
    assert main(["check", str(plan), "--data", data, "--as-of", "2020-12-18"]) == 2
    assert "is ambiguous" in capsys.readouterr().err
    assert main(["check", str(plan), "--data", data, "--as-of", "2020-12-18", "--number-format", "vi"]) == 0
    assert main(["check", str(plan), "--data", data, "--as-of", "2020-12-18", "--number-format", "en"]) == 1


def test_verbose_names_the_cell_that_decided_the_number_format(tmp_path: Path,
                                                                capsys: pytest.CaptureFixture[str]) -> None:
    plan = tmp_path / "p.kpi"
    plan.write_text("rule a: egov_users >= 1000\n", encoding="utf-8")
    data = str(MESSY / "vi_decided_by_cells.csv")
    assert main(["check", str(plan), "--data", data, "--as-of", "2020-12-18", "--verbose"]) == 0
    err = capsys.readouterr().err
    assert "numbers in the Vietnamese (1.234,5) format, decided by cell D3 '2.400,5'" in err
    assert main(["check", str(plan), "--data", data, "--as-of", "2020-12-18"]) == 0
    assert "decided by" not in capsys.readouterr().err  # (only when asked)


# --- sanity warnings -------------------------------------------------------------------------


def test_sanity_warnings_in_results_table_and_json(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    plan_text = ('plan "p"\n  issued 2019-03-28\nrule a: ratio(eid_verified_users, egov_users) >= 20% by 2020\n'
                 "rule b: for each unit: work_records > 0\n")
    plan = tmp_path / "p.kpi"
    plan.write_text(plan_text, encoding="utf-8")
    data = MESSY / "suspicious.csv"
    results = kpirules.parse(plan_text).evaluate(kpirules.load_data(data), "2020-12-18")
    codes = [w.code for w in results.warnings]
    assert codes == ["numerator_exceeds_denominator", "negative_count", "unused_metric", "period_outside_plan"]
    by_code = {w.code: w for w in results.warnings}
    assert "did you mean egov_users?" in by_code["unused_metric"].message
    assert by_code["negative_count"].source.endswith("suspicious.csv: row 4")
    assert "2202-Q4" in by_code["period_outside_plan"].message
    # warnings never change a status; the per-unit rule has no unit in this data: no_data, not dropped
    assert [r.status.value for r in results] == ["met", "no_data"]

    assert main(["check", str(plan), "--data", str(data), "--as-of", "2020-12-18", "--format", "json"]) == 0
    import json

    out = json.loads(capsys.readouterr().out)
    assert [w["code"] for w in out["warnings"]] == codes
    assert set(out["warnings"][0]) == {"code", "message", "source", "args"}
    main(["check", str(plan), "--data", str(data), "--as-of", "2020-12-18"])
    captured = capsys.readouterr()
    assert "warning" not in captured.out
    assert captured.err.count("kpirules: warning: ") == 4


def test_a_unit_that_stopped_reporting_is_a_warning() -> None:
    data = kpirules.data.parse_csv_data(
        "period,unit,metric,value\n2020-Q3,A,w,1\n2020-Q3,B,w,1\n2020-Q4,A,w,2\n", "d.csv")
    results = kpirules.parse("rule a: for each unit: w > 0").evaluate(data, "2020-12-18")
    [w] = results.warnings
    assert (w.code, w.source) == ("unit_stopped_reporting", "d.csv: row 3")
    assert "unit B reported for 2020-Q3 but not for 2020-Q4" in w.message


# --- .xlsx ------------------------------------------------------------------------------


def _workbook(path: Path, rows: list[list[object]], title: str = "Số liệu") -> None:
    openpyxl = pytest.importorskip("openpyxl")
    book = openpyxl.Workbook()
    notes = book.active
    notes.title = "Ghi chú"
    notes.append(["Số liệu báo cáo quý IV/2020"])
    sheet = book.create_sheet(title)
    for row in rows:
        sheet.append(row)
    book.save(path)


def test_xlsx_reads_typed_and_text_cells(tmp_path: Path) -> None:
    path = tmp_path / "d.xlsx"
    _workbook(path, [["Kỳ", "Đơn vị", "Chỉ tiêu", "Giá trị"], ["2020-Q4", None, "a", 0.1], [2020, None, "b", 1234],
                     ["Q4/2020", "TTCNTT", "c", "12,5"], ["2020-Q4", None, "d", True], ["2020-Q4", None, "e", "20%"]])
    data = kpirules.load_data(path)
    year = kpirules.parse_period("2020").key
    assert data.value("a", Q4) == F(1, 10) and data.value("b", year) == 1234
    assert data.value("c", Q4, "TTCNTT") == F(25, 2) and data.value("d", Q4) is True and data.value("e", Q4) == F(1, 5)
    assert data.source("c", Q4, "TTCNTT").where == "'Số liệu'!D4"


def test_xlsx_errors_name_the_cell(tmp_path: Path) -> None:
    path = tmp_path / "d.xlsx"
    _workbook(path, [["period", "unit", "metric", "value"], ["2020-Q4", None, "a", "1.234"],
                     ["2020-Q9", None, "b", 1]], title="Sheet1")
    with pytest.raises(KpiDataError) as info:
        kpirules.load_data(path)
    text = str(info.value)
    assert f"{path}: column value (Sheet1!D2): '1.234' is ambiguous" in text
    assert f"{path}: column period (Sheet1!A3)" in text
    _workbook(path, [["period", "unit", "metric", "value"], ["2020-Q4", None, "a", "1.234"]], title="Sheet1")
    assert kpirules.load_data(path, number_format="vi").value("a", Q4) == 1234


def test_a_damaged_xlsx_is_a_data_error(tmp_path: Path) -> None:
    pytest.importorskip("openpyxl")
    path = tmp_path / "d.xlsx"
    path.write_bytes(b"PK\x03\x04 not really a zip")
    with pytest.raises(KpiDataError, match="not a readable .xlsx workbook"):
        kpirules.load_data(path)


def test_non_utf8_json_is_not_told_to_save_as_csv(tmp_path: Path) -> None:
    # Bug: a non-UTF-8 .json file was told to save "in Excel: CSV UTF-8".
    path = tmp_path / "d.json"
    path.write_bytes(b'{"snapshots": [{"period": "2020-Q4", "values": {"unit_name": "B\xf4"}}]}')  # Latin-1 ô
    with pytest.raises(kpirules.KpiDataError) as exc:
        kpirules.load_data(path)
    assert "is not UTF-8" in str(exc.value) and "save it as UTF-8" in str(exc.value)
    assert "CSV" not in str(exc.value)


def test_a_quote_inside_a_cell_does_not_move_the_caret_of_later_cells() -> None:
    """csv reads a quote that does not start a cell as a character; the caret counts cells the same way."""
    text = 'period,unit,metric,value\n2020-Q4,Dept 5" x,a,1.2.3\n'
    with pytest.raises(KpiDataError) as exc:
        kpirules.data.parse_csv_data(text, "q.csv")
    assert "q.csv:2:21: error: column value (cell D2): '1.2.3' is not a number" in str(exc.value)


def test_load_data_keeps_one_diagnostic_per_problem_of_every_file(tmp_path: Path) -> None:
    (tmp_path / "a.csv").write_text("period,unit,metric,value\n2020-Q4,U,a,1.2.3\n2020-Q4,U,b,2..5\n", encoding="utf-8")
    (tmp_path / "b.json").write_text('{"snapshots": [{"period": "2020-Q5", "values": {}}]}', encoding="utf-8")
    paths = [str(tmp_path / name) for name in ("a.csv", "b.json", "missing.csv")]
    with pytest.raises(KpiDataError) as info:
        kpirules.load_data(paths)
    diags = info.value.diagnostics
    assert [(d.span.file, d.span.line, d.span.column) if d.span else None for d in diags] == [
        (paths[0], 2, 13), (paths[0], 3, 13), None, None]
    assert "'1.2.3' is not a number" in diags[0].message and "'2..5'" in diags[1].message
    assert "there is no quarter 5" in diags[2].message and "cannot read the data file" in diags[3].message
    assert all(d.message in str(info.value) for d in diags)  # (the text is unchanged: every problem, in order)


def test_an_error_made_from_a_message_has_that_message_as_its_diagnostic() -> None:
    (d,) = KpiDataError("x.csv: cannot read the data file").diagnostics
    assert d.message == "x.csv: cannot read the data file" and d.span is None


UNITS_PLAN = """plan "HG"
  issued 2020-01-01
  reporting quarterly cutoff 15 due 20

unit VX "Vị Xuyên"
unit QB "Quản Bạ"

metric budget "Ngân sách": amount "đồng"
metric code "Mã số": text

rule r1 "budget":
  for each unit: budget >= 0 by 2022
rule r2 "code":
  code == "01234" by 2022
"""


def _check(tmp_path: Path, capsys: pytest.CaptureFixture[str], *files: str) -> tuple[int, str]:
    plan = tmp_path / "plan.kpi"
    plan.write_text(UNITS_PLAN, encoding="utf-8")
    capsys.readouterr()
    code = main(["check", str(plan), *(a for f in files for a in ("--data", str(tmp_path / f))),
                 "--period", "2021-Q2", "--format", "json"])
    return code, capsys.readouterr().err


def test_an_undeclared_unit_is_listed_with_the_bad_cells_of_every_file(tmp_path: Path, capsys) -> None:
    """One bad cell never hides another problem: an undeclared unit in a row that reads well is listed with
    the bad number of the next row, and with the bad cells of another file."""
    (tmp_path / "a.csv").write_text("period,unit,metric,value\n2021-Q2,Vi Xuyen,budget,abc\n"
                                    "2021-Q2,VX,budget,1.2.3\n", encoding="utf-8")
    code, err = _check(tmp_path, capsys, "a.csv")
    assert code == 2 and "'1.2.3' is not a number" in err
    assert "unit Vi Xuyen in the data is not declared by the plan; the closest declared unit is VX" in err
    (tmp_path / "b.csv").write_text("period,unit,metric,value\n2021-Q2,Quan Ba,budget,5\n", encoding="utf-8")
    (tmp_path / "c.csv").write_text("period,unit,metric,value\n2021-Q2,VX,budget,2..5\n", encoding="utf-8")
    code, err = _check(tmp_path, capsys, "b.csv", "c.csv")
    assert code == 2 and "'2..5' is not a number" in err and "unit Quan Ba in the data is not declared" in err
    assert "Traceback" not in err


def test_a_json_unit_error_points_at_the_snapshots_unit(tmp_path: Path, capsys) -> None:
    (tmp_path / "d.json").write_text('{"snapshots":[{"period":"2021-Q2","unit":"Vi Xuyen",'
                                     '"values":{"budget":"1.700"}}]}', encoding="utf-8")
    code, err = _check(tmp_path, capsys, "d.json")
    assert code == 2 and "d.json: $.snapshots[0].unit: unit Vi Xuyen in the data is not declared" in err


def test_a_text_cell_of_a_form_is_kept_as_typed(tmp_path: Path) -> None:
    """`chữ` (text): leading zeros, inner and surrounding spaces are kept, in a CSV and in a workbook."""
    (tmp_path / "t.csv").write_text("Kỳ báo cáo,Đơn vị,Mã chỉ tiêu,Loại giá trị,Giá trị\n"
                                    '2021-Q2,,code,chữ,"  01234  "\n2021-Q2,VX,code,chữ,"0,5  x"\n', encoding="utf-8")
    got = kpirules.load_data(tmp_path / "t.csv")
    key = kpirules.parse_period("2021-Q2").key
    assert got.snapshots[(key, None)]["code"] == "  01234  " and got.snapshots[(key, "VX")]["code"] == "0,5  x"
    pytest.importorskip("openpyxl")
    _workbook(tmp_path / "t.xlsx", [["Kỳ báo cáo", "Đơn vị", "Mã chỉ tiêu", "Loại giá trị", "Giá trị"],
                                    ["2021-Q2", None, "code", "chữ", " 007 "]])
    assert kpirules.load_data(tmp_path / "t.xlsx").snapshots[(key, None)]["code"] == " 007 "


def test_empty_files_say_they_are_empty(tmp_path: Path) -> None:
    (tmp_path / "e.xlsx").write_bytes(b"")
    (tmp_path / "e.json").write_text(" \n\t\n", encoding="utf-8")
    (tmp_path / "z.json").write_text("", encoding="utf-8")
    for name in ("e.xlsx", "e.json", "z.json"):
        with pytest.raises(KpiDataError) as info:
            kpirules.load_data(tmp_path / name)
        text = str(info.value)
        assert "the file is empty" in text and "holds no snapshot" in text, text
        assert "BadZipFile" not in text and "Expecting value" not in text


def test_an_unknown_status_of_a_form_lists_the_vietnamese_words_first(tmp_path: Path) -> None:
    (tmp_path / "t.csv").write_text("STT,Mã nhiệm vụ,Tên nhiệm vụ,Trạng thái,Ngày,Ghi chú\n1,t1,Việc,sắp xong,,\n",
                                    encoding="utf-8")
    with pytest.raises(KpiDataError) as info:
        kpirules.load_data(tmp_path / "t.csv")
    assert "'sắp xong' is not a task status kpirules knows; write one of: Hoàn thành (done); Đang thực hiện " \
           "(in_progress)" in str(info.value)
    (tmp_path / "p.csv").write_text("task,status,date\nt1,sắp xong,\n", encoding="utf-8")
    with pytest.raises(KpiDataError, match=r"write one of: done \(hoàn thành"):
        kpirules.load_data(tmp_path / "p.csv")


def test_template_counts_in_the_singular_and_plural(tmp_path: Path, capsys) -> None:
    plan = tmp_path / "plan.kpi"
    plan.write_text(UNITS_PLAN, encoding="utf-8")
    capsys.readouterr()
    assert main(["template", str(plan), "--period", "2021-Q2", "-o", str(tmp_path / "f.csv")]) == 0
    assert "(Chung: 1 metric, 0 tasks; VX: 1 metric, 0 tasks; QB: 1 metric, 0 tasks)" in capsys.readouterr().out

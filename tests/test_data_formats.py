"""The number format of a data file, decided by its own cells, and how each file was read (its Source):
kept in Data.file_sources, listed in the check JSON's `sources`."""

from __future__ import annotations

import json
from fractions import Fraction as F
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import kpirules
from kpirules.cli import main
from kpirules.data import parse_csv_data
from kpirules.data.cells import number_reading
from kpirules.data.jsonfile import JSON_NUMBERS
from kpirules.data.model import FileSource, Source
from kpirules.errors import KpiDataError

MESSY = Path(__file__).resolve().parent / "data" / "messy"
Q4 = kpirules.parse_period("2020-Q4").key


@pytest.mark.parametrize("text,fmt", [
    ("2.400,5", "vi"), ("1,5", "vi"), ("1.000.000", "vi"), ("12,5%", "vi"), ("-0,25", "vi"),
    ("1.5", "en"), ("12.5 %", "en"), ("2,400.5", "en"), ("1,234,567", "en"), ("0.500", "en"),
    ("1.700", None), ("1,234", None), ("1234", None), ("abc", None), ("1.2.3", None), ("", None),
])
def test_which_cells_decide(text: str, fmt: str | None) -> None:
    assert number_reading(text) == fmt


@pytest.mark.parametrize("name,fmt,where,cell", [
    ("vi_decided_by_cells.csv", "vi", "cell D3", "2.400,5"),
    ("en_decided_by_cells.csv", "en", "cell D3", "12.5%"),
    ("excel_vi_semicolon.csv", "vi", "cell D3", "1.234.567"),
])
def test_the_file_source_names_the_format_and_the_cell_that_decided_it(
        name: str, fmt: str, where: str, cell: str) -> None:
    path = str(MESSY / name)
    data = kpirules.load_data(path)
    assert data.file_sources[path] == FileSource(path, fmt, decided_by=Source(path, where), decided_text=cell)
    assert f"decided by {where} {cell!r}" in data.file_sources[path].describe()


def test_a_stated_format_is_the_source_and_overrides_the_cells() -> None:
    path = str(MESSY / "ambiguous_dot.csv")
    data = kpirules.load_data(path, number_format="en")
    assert data.file_sources[path] == FileSource(path, "en", stated=True)
    assert data.value("egov_users", Q4) == F(1234, 1000)
    with pytest.raises(KpiDataError, match="'2.400,5' is not a number in the English format"):
        kpirules.load_data(MESSY / "vi_decided_by_cells.csv", number_format="en")


def test_a_file_with_no_deciding_cell_and_none_needed_and_json_have_no_format() -> None:
    data = parse_csv_data("period,unit,metric,value\n2020-Q4,,a,17\n", "f.csv")
    assert data.file_sources["f.csv"] == FileSource("f.csv")
    assert kpirules.load_data(MESSY / "json_strings.json", "vi").file_sources[str(MESSY / "json_strings.json")] \
        == FileSource(str(MESSY / "json_strings.json"), notes=(JSON_NUMBERS,))


def test_only_the_first_ambiguous_cell_is_named_with_the_count_of_the_others() -> None:
    text = "period;unit;metric;value\n" + "".join(f"2020-Q4;U{i};a;1.234\n" for i in range(1000))
    with pytest.raises(KpiDataError) as exc:
        parse_csv_data(text, "big.csv")
    (diag,) = exc.value.diagnostics
    assert "cell D2" in diag.message and "(999 more cells like it)" in (diag.hint or "")


def test_other_problems_are_still_all_listed_with_an_undecided_file() -> None:
    text = "period;unit;metric;value\n2020-Q5;;a;1\n2020-Q4;;b;1.234\n2020-Q4;;c;1.2.3\n"
    with pytest.raises(KpiDataError) as exc:
        parse_csv_data(text, "f.csv")
    lines = [d.span.line for d in exc.value.diagnostics]  # type: ignore[union-attr]
    assert lines == [2, 3, 4]


def test_the_cells_decide_in_a_workbook_across_its_sheets(tmp_path: Path) -> None:
    openpyxl = pytest.importorskip("openpyxl")
    book = openpyxl.Workbook()
    one = book.active
    one.title = "A"
    for row in (["period", "unit", "metric", "value"], ["2020-Q4", None, "egov_users", "1.700"]):
        one.append(row)
    two = book.create_sheet("B")
    for row in (["period", "unit", "metric", "value"], ["2020-Q4", "U", "work_records", "1.980,25"]):
        two.append(row)
    path = str(tmp_path / "d.xlsx")
    book.save(path)
    data = kpirules.load_data(path)
    assert data.value("egov_users", Q4) == 1700 and data.value("work_records", Q4, "U") == F(7921, 4)
    assert data.file_sources[path].decided_by == Source(path, "B!D2")


def test_check_json_lists_how_each_file_was_read(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    plan = tmp_path / "p.kpi"
    plan.write_text("rule a: egov_users >= 1000\n", encoding="utf-8")
    data = str(MESSY / "vi_decided_by_cells.csv")
    assert main(["check", str(plan), "--data", data, "--as-of", "2020-12-18", "--format", "json"]) == 0
    doc = json.loads(capsys.readouterr().out)
    assert doc["sources"] == [{
        "file": data, "number_format": "vi", "number_format_from": "cell D3", "number_format_cell": "2.400,5",
        "notes": [], "summary": f"{data}: numbers in the Vietnamese (1.234,5) format, decided by cell D3 '2.400,5'"}]


@settings(max_examples=150, deadline=None)
@given(st.lists(st.tuples(st.integers(0, 10**7), st.integers(0, 999)), min_size=1, max_size=8),
       st.sampled_from(["vi", "en"]), st.booleans())
def test_law_a_file_written_in_one_format_reads_back_exactly(
        numbers: list[tuple[int, int]], fmt: str, deciding: bool) -> None:
    """Numbers written with thousands separators and decimals in one format read back exactly, without the
    format stated, whenever one cell of the file decides it (else the file is an error, never misread)."""
    dec, group = (",", ".") if fmt == "vi" else (".", ",")
    cells, want = [], []
    for whole, frac in numbers:
        text = f"{whole:,}".replace(",", group) + (f"{dec}{frac:03d}" if frac else "")
        cells.append(text)
        want.append(F(whole) + F(frac, 1000))
    if deciding:
        cells.append(f"1{dec}5")
        want.append(F(3, 2))
    body = "period;unit;metric;value\n" + "".join(f"2020-Q4;;m{i};{c}\n" for i, c in enumerate(cells))
    try:
        data = parse_csv_data(body, "f.csv")
    except KpiDataError as exc:
        assert not deciding and all(number_reading(c) is None for c in cells), exc
        assert "ambiguous" in str(exc)
        return
    assert [data.value(f"m{i}", Q4) for i in range(len(cells))] == want

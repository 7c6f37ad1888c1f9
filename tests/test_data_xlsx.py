"""Excel workbooks: binary numbers read as Excel shows them (15 significant digits), and workbooks too big
to read refused before they are parsed (the bombs are made here, at test time, never committed)."""

from __future__ import annotations

import re
import zipfile
from fractions import Fraction as F
from pathlib import Path

import pytest

import kpirules
from kpirules.cli import main
from kpirules.data import xlsx
from kpirules.errors import KpiDataError

openpyxl = pytest.importorskip("openpyxl")
Q4 = kpirules.parse_period("2020-Q4").key


def _book(path: Path, rows: list[list[object]]) -> Path:
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "Data"
    for row in rows:
        sheet.append(row)
    book.save(path)
    return path


def _patch(path: Path, part: str, change) -> None:  # type: ignore[no-untyped-def]
    """Rewrite one part of a workbook (as Excel would have written it)."""
    with zipfile.ZipFile(path) as z:
        parts = {i.filename: z.read(i.filename) for i in z.infolist()}
    parts[part] = change(parts[part])
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        for name, body in parts.items():
            z.writestr(name, body)


def test_formula_and_float_cells_read_as_excel_shows_them(tmp_path: Path) -> None:
    path = _book(tmp_path / "f.xlsx", [["period", "unit", "metric", "value"], ["2020-Q4", None, "a", "=0.1+0.2"],
                                       ["2020-Q4", None, "b", 0.5], ["2020-Q4", None, "c", 0.1],
                                       ["2020-Q4", None, "d", 1234567.891]])
    # Excel caches the binary sum of =0.1+0.2, and writes a float cell's 17 digits
    _patch(path, "xl/worksheets/sheet1.xml", lambda xml: re.sub(rb"<v ?/>|<v></v>", b"<v>0.30000000000000004</v>", xml, count=1)
           .replace(b"<v>0.1</v>", b"<v>0.10000000000000001</v>"))
    data = kpirules.load_data(path)
    assert [data.value(m, Q4) for m in "abcd"] == [F(3, 10), F(1, 2), F(1, 10), F(1234567891, 1000)]
    (note,) = data.file_sources[str(path)].notes
    assert note == ("binary numbers read as Excel shows them, to 15 significant digits "
                    "(Data!D2 holds 0.30000000000000004, read as 0.3)")
    assert note in data.file_sources[str(path)].describe()


def test_a_rule_on_a_formula_cell_is_judged_on_what_excel_shows(tmp_path: Path, capsys) -> None:  # type: ignore[no-untyped-def]
    path = _book(tmp_path / "f.xlsx", [["period", "unit", "metric", "value"], ["2020-Q4", None, "a", "=0.1+0.2"]])
    _patch(path, "xl/worksheets/sheet1.xml", lambda xml: re.sub(rb"<v ?/>|<v></v>", b"<v>0.30000000000000004</v>", xml, count=1))
    plan = tmp_path / "p.kpi"
    plan.write_text("rule R: a == 0.3\n", encoding="utf-8")
    assert main(["check", str(plan), "--data", str(path), "--as-of", "2020-12-18"]) == 0, capsys.readouterr()


def test_a_workbook_too_big_uncompressed_is_refused_before_parsing(tmp_path: Path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    path = _book(tmp_path / "bomb.xlsx", [["period", "unit", "metric", "value"], ["2020-Q4", None, "a", "x"]])
    # one cell of text far bigger than the file (a small limit: the same test as 2 GB against 256 MB)
    monkeypatch.setattr(xlsx, "MAX_UNCOMPRESSED", 1_000_000)
    _patch(path, "xl/worksheets/sheet1.xml", lambda xml: xml.replace(b"<t>x</t>", b"<t>" + b"x" * 2_000_000 + b"</t>"))
    assert path.stat().st_size < 50_000
    parsed = []
    monkeypatch.setattr(openpyxl, "load_workbook", lambda *a, **k: parsed.append(1))
    with pytest.raises(KpiDataError) as exc:
        kpirules.load_data(path)
    assert not parsed
    assert re.search(r"bomb\.xlsx: the workbook is 2,0\d\d,\d\d\d bytes uncompressed \(its part "
                     r"xl/worksheets/sheet1\.xml alone .*\); kpirules reads data workbooks of up to 1,000,000 bytes",
                     str(exc.value)), str(exc.value)


def test_the_default_limit_is_256_mib() -> None:
    assert xlsx.MAX_UNCOMPRESSED == 256 * 1024 * 1024


@pytest.mark.parametrize("ref,message", [
    ("A1:XFD1048576", "spans 1,048,576 rows and 16,384 columns (<dimension ref=\"A1:XFD1048576\""),
    ("A1:D2000000", "spans 2,000,000 rows and 4 columns"),
    ("A1:ZZZZ2", "spans 2 rows and 475,254 columns"),
])
def test_a_sheet_whose_extent_is_too_big_is_refused_before_parsing(tmp_path: Path, ref: str, message: str) -> None:
    path = _book(tmp_path / "wide.xlsx", [["period", "unit", "metric", "value"], ["2020-Q4", None, "a", 1]])
    _patch(path, "xl/worksheets/sheet1.xml", lambda xml: re.sub(rb'<dimension ref="[^"]*"', f'<dimension ref="{ref}"'.encode(), xml))
    with pytest.raises(KpiDataError) as exc:
        kpirules.load_data(path)
    assert f"wide.xlsx: the sheet sheet1.xml {message}" in str(exc.value)
    assert "kpirules reads sheets of up to 10,000,000 cells" in str(exc.value)


def test_the_command_refuses_a_bomb_with_exit_2_and_no_traceback(tmp_path: Path, capsys) -> None:  # type: ignore[no-untyped-def]
    path = _book(tmp_path / "wide.xlsx", [["period", "unit", "metric", "value"], ["2020-Q4", None, "a", 1]])
    _patch(path, "xl/worksheets/sheet1.xml", lambda xml: re.sub(rb'<dimension ref="[^"]*"', b'<dimension ref="A1:XFD1048576"', xml))
    plan = tmp_path / "p.kpi"
    plan.write_text("rule R: a >= 1\n", encoding="utf-8")
    assert main(["check", str(plan), "--data", str(path), "--as-of", "2020-12-18"]) == 2
    err = capsys.readouterr().err
    assert "wide.xlsx: the sheet sheet1.xml spans" in err and "Traceback" not in err

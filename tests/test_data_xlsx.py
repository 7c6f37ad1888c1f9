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
    assert f"wide.xlsx: the sheet Data {message}" in str(exc.value)
    assert "kpirules reads sheets of up to 10,000,000 cells" in str(exc.value)


def test_the_command_refuses_a_bomb_with_exit_2_and_no_traceback(tmp_path: Path, capsys) -> None:  # type: ignore[no-untyped-def]
    path = _book(tmp_path / "wide.xlsx", [["period", "unit", "metric", "value"], ["2020-Q4", None, "a", 1]])
    _patch(path, "xl/worksheets/sheet1.xml", lambda xml: re.sub(rb'<dimension ref="[^"]*"', b'<dimension ref="A1:XFD1048576"', xml))
    plan = tmp_path / "p.kpi"
    plan.write_text("rule R: a >= 1\n", encoding="utf-8")
    assert main(["check", str(plan), "--data", str(path), "--as-of", "2020-12-18"]) == 2
    err = capsys.readouterr().err
    assert "wide.xlsx: the sheet Data spans" in err and "Traceback" not in err


# --- bombs under the size limit: the text of one cell, the shared strings, the rows (made here, streamed)

_CT = (b'<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/'
       b'content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships'
       b'+xml"/><Default Extension="xml" ContentType="application/xml"/><Override PartName="/xl/workbook.xml" '
       b'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/><Override '
       b'PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.'
       b'spreadsheetml.worksheet+xml"/><Override PartName="/xl/sharedStrings.xml" ContentType="application/'
       b'vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/></Types>')
_R = b"http://schemas.openxmlformats.org/officeDocument/2006/relationships"
_RELS = (b'<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship '
         b'Id="rId1" Type="' + _R + b'/officeDocument" Target="xl/workbook.xml"/></Relationships>')
_WB = (b'<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" xmlns:r="' + _R + b'">'
       b'<sheets><sheet name="Data" sheetId="1" r:id="rId1"/></sheets></workbook>')
_WBRELS = (b'<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship '
           b'Id="rId1" Type="' + _R + b'/worksheet" Target="worksheets/sheet1.xml"/><Relationship Id="rId2" '
           b'Type="' + _R + b'/sharedStrings" Target="sharedStrings.xml"/></Relationships>')
_NS = b'xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"'
_HEAD = (b"<worksheet " + _NS + b"><sheetData><row r=\"1\">"
         + b"".join(b'<c r="%s1" t="inlineStr"><is><t>%s</t></is></c>' % (c, w)
                    for c, w in zip([b"A", b"B", b"C", b"D"], [b"period", b"unit", b"metric", b"value"])) + b"</row>")


def _bomb(path: Path, sheet: list[bytes], shared: list[bytes], repeat: int, in_shared: bool) -> Path:
    """A workbook whose sheet (or shared strings) repeats ``middle`` ``repeat`` times: written streaming, so
    a part of hundreds of megabytes takes a file of a few hundred kilobytes and no memory to make."""
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as z:
        for name, body in (("[Content_Types].xml", _CT), ("_rels/.rels", _RELS), ("xl/workbook.xml", _WB),
                           ("xl/_rels/workbook.xml.rels", _WBRELS)):
            z.writestr(name, body)
        for name, (head, middle, tail), big in (("xl/worksheets/sheet1.xml", sheet, not in_shared),
                                                ("xl/sharedStrings.xml", shared, in_shared)):
            with z.open(name, "w", force_zip64=True) as fh:
                fh.write(head)
                for _ in range(repeat if big else 1):
                    fh.write(middle)
                fh.write(tail)
    return path


_ONE_SHARED = [b"<sst " + _NS + b"><si><t>", b"x", b"</t></si></sst>"]
_A2_SHARED = [_HEAD + b'<row r="2"><c r="A2" t="s"><v>0</v></c></row>', b"", b"</sheetData></worksheet>"]
_MB = 1 << 20
BOMBS = {  # each far under the 256 MiB limit of the whole workbook, and each once took gigabytes to read
    "a cell of 250 MB": ((_HEAD + b'<row r="2"><c r="A2" t="inlineStr"><is><t>', b"A" * _MB,
                          b"</t></is></c></row></sheetData></worksheet>"), _ONE_SHARED, 250, False,
                         "the cell Data!A2 holds more than 32,767 characters, more than Excel "
                         "allows in a cell"),
    "a shared string of 250 MB": (_A2_SHARED, [b"<sst " + _NS + b"><si><t>", b"A" * _MB, b"</t></si></sst>"],
                                  250, True, "the workbook's shared strings (xl/sharedStrings.xml) are 262,"),
    "14 million shared strings": (_A2_SHARED, [b"<sst " + _NS + b">", b"<si><t>x</t></si>" * 65536, b"</sst>"],
                                  220, True, "kpirules reads workbooks whose shared strings take up to 33,554,432"),
    "a shared string of 1 MB": (_A2_SHARED, [b"<sst " + _NS + b"><si><t>", b"A" * _MB, b"</t></si></sst>"], 1,
                                True, "a shared string (xl/sharedStrings.xml) holds more than 32,767 characters"),
    "2 million rows with no dimension": ((_HEAD, b"<row><c><v>1</v></c></row>" * 1024, b"</sheetData></worksheet>"),
                                         _ONE_SHARED, 2048, False,
                                         "the sheet Data has more than 1,048,576 rows; kpirules reads sheets"),
    "11 million cells on few rows": ((_HEAD, b"<row>" + b"<c><v>1</v></c>" * 1024 + b"</row>", b"</sheetData>"
                                      b"</worksheet>"), _ONE_SHARED, 11_000, False,
                                     "the sheet Data has more than 10,000,000 cells"),
}


@pytest.mark.parametrize("case", sorted(BOMBS))
def test_a_bomb_under_the_size_limit_is_refused_in_bounded_memory_and_time(tmp_path: Path, case: str) -> None:
    import os
    import resource
    import subprocess
    import sys
    import time

    sheet, shared, repeat, in_shared, message = BOMBS[case]
    path = _bomb(tmp_path / "bomb.xlsx", sheet, shared, repeat, in_shared)
    assert path.stat().st_size < 1_000_000
    plan = tmp_path / "p.kpi"
    plan.write_text("rule R: a >= 1\n", encoding="utf-8")

    def limited() -> None:  # (reading any of them whole took from 1.4 to 2.7 GB)
        resource.setrlimit(resource.RLIMIT_AS, (1 << 30, 1 << 30))

    start = time.monotonic()
    proc = subprocess.run([sys.executable, "-m", "kpirules", "check", str(plan), "--data", str(path)],
                          env={**os.environ, "KPIRULES_CACHE_DIR": ""}, preexec_fn=limited, capture_output=True,
                          text=True, timeout=120)
    assert (proc.returncode, proc.stderr.count("\n")) == (2, 1), proc.stderr[-2000:]
    assert proc.stderr.startswith(f"kpirules: {path}: ") and message in proc.stderr, proc.stderr
    assert time.monotonic() - start < 30


def test_a_cell_as_long_as_excel_allows_is_read(tmp_path: Path) -> None:
    text = "x" * xlsx.MAX_CELL_CHARS
    path = _book(tmp_path / "long.xlsx", [["period", "unit", "metric", "value"], ["2020-Q4", None, "a", text],
                                          ["2020-Q4", None, "b", "&" * xlsx.MAX_CELL_CHARS]])
    data = kpirules.load_data(path)
    assert data.value("a", Q4) == text and data.value("b", Q4) == "&" * xlsx.MAX_CELL_CHARS


def test_a_bound_error_names_the_sheet_as_excel_does_not_its_part(tmp_path: Path) -> None:
    # "the sheet sheet1.xml spans …" for a sheet named Số liệu: errors name the sheet as a reference writes it
    path = tmp_path / "named.xlsx"
    book = openpyxl.Workbook()
    book.active.title = "Số liệu 2020"
    book.active.append(["period", "unit", "metric", "value"])
    book.save(path)
    _patch(path, "xl/worksheets/sheet1.xml", lambda xml: re.sub(rb'<dimension ref="[^"]*"', b'<dimension ref="A1:D2000000"', xml))
    with pytest.raises(KpiDataError, match="named.xlsx: the sheet 'Số liệu 2020' spans 2,000,000 rows"):
        kpirules.load_data(path)


def test_the_note_of_binary_cells_counts_the_other_cells(tmp_path: Path) -> None:
    # "read as 0.3 and 1 more": one more what?
    path = _book(tmp_path / "f.xlsx", [["period", "unit", "metric", "value"], ["2020-Q4", None, "a", 0.3],
                                       ["2020-Q4", None, "b", 0.3], ["2020-Q4", None, "c", 0.3]])
    _patch(path, "xl/worksheets/sheet1.xml", lambda xml: xml.replace(b"<v>0.3</v>", b"<v>0.30000000000000004</v>"))
    (note,) = kpirules.load_data(path).file_sources[str(path)].notes
    assert note.endswith("(Data!D2 holds 0.30000000000000004, read as 0.3; 2 more cells like it)")

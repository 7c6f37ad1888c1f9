"""Reading reported data straight from an Excel workbook (``.xlsx``).

Needs openpyxl, the optional extra ``xlsx`` (``pip install 'kpirules[xlsx]'``).
Every sheet whose first non-empty row is a values header
(``period,unit,metric,value``) or a tasks header (``task,status,…``) is read
with the same rules as a CSV file; other sheets (notes, charts) are skipped.
Errors name the cell as Excel does: ``data.xlsx: Sheet1!D7: …``.

Typed cells keep their type: a number cell is a number (a binary float
stored by Excel is read as Excel shows it, to 15 significant digits, so ``0.1``
is 1/10 and a formula ``=0.1+0.2``, which stores 0.30000000000000004, is 3/10;
a cell shown as ``20%`` holds 0.2 and reads as 1/5), a TRUE/FALSE cell a
boolean, a date cell a date (in the date column of tasks).  Text cells are
read like CSV cells, so ``1.234`` typed as text is ambiguous there too.
"""

from __future__ import annotations

import datetime
import html
import math
import os
import posixpath
import re
import zipfile
import zlib
from collections.abc import Iterator
from fractions import Fraction
from typing import Any

import attrs

from kpirules.data.cells import normal_number, original_text
from kpirules.data.formsheet import (GUIDE_SHEET, MARKER, VALUE_COLUMNS, FormTable, filled_cells, form_period, key_cells,
                                     form_plan, form_rows, read_layout, read_written, sent_day)
from kpirules.data.model import Data, Problems, Source
from kpirules.data.table import Cell, NumberVotes, Table, column_letter, read_deciding
from kpirules.errors import Diagnostic, KpiDataError, KpiError
from kpirules.text import not_regular

__all__ = ["parse_xlsx_data"]


#: limits checked before a workbook is parsed: the uncompressed size of its parts, and each sheet's size
#: as its dimension says and as its rows are counted (Excel's own limits of rows and columns, and of cells
#: a data sheet may span); the shared strings (which openpyxl holds in memory whole) and every cell's text
#: (Excel's own limit: 32,767 characters) are bounded too, so reading a workbook takes bounded memory
MAX_UNCOMPRESSED = 256 * 1024 * 1024
MAX_SHARED_STRINGS = 32 * 1024 * 1024
MAX_ROWS = 1_048_576
MAX_COLUMNS = 16_384
MAX_CELLS = 10_000_000
MAX_CELL_CHARS = 32_767
#: the most bytes a cell's text of MAX_CELL_CHARS characters can take in the XML (``&#1114111;`` is 10)
_MAX_RUN = MAX_CELL_CHARS * 10
_CHUNK = 1 << 20

_DIMENSION = re.compile(rb"<(?:\w+:)?dimension\s+ref=\"([A-Z]+)(\d+)(?::([A-Z]+)(\d+))?\"")
_CELL_REF = re.compile(rb'<(?:\w+:)?c\s[^>]*?\br="([A-Z]+\d+)"')
#: the parts openpyxl parses, which the scan reads through before it does
_PARSED = re.compile(r"xl/(?:worksheets/[^/]+|sharedStrings)\.xml")
#: a sheet of xl/workbook.xml (its name and relationship), a relationship of xl/_rels/workbook.xml.rels
_SHEET = re.compile(rb"<(?:\w+:)?sheet\s([^>]*)>")
_RELATIONSHIP = re.compile(rb"<(?:\w+:)?Relationship\s([^>]*)>")
_NAME = re.compile(rb'\bname="([^"]*)"')
_REL_ID = re.compile(rb'\s\w+:id="([^"]*)"')
_ID = re.compile(rb'\bId="([^"]*)"')
_TARGET = re.compile(rb'\bTarget="([^"]*)"')
#: the most bytes of xl/workbook.xml and its relationships read to name the sheets in errors
_MAX_NAMING = 8 * 1024 * 1024


def _column_number(letters: bytes) -> int:
    n = 0
    for c in letters:
        n = n * 26 + c - 64
    return n


def sheet_ref(title: str) -> str:
    """A sheet's name as a cell's reference writes it: ``Data``, ``'Quý IV 2020'``."""
    return f"'{title}'" if not title.replace("_", "").isalnum() else title


def _sheet_names(z: zipfile.ZipFile) -> dict[str, str]:
    """The sheets' names (as references write them) by their parts (``xl/worksheets/sheet1.xml``), read from
    the workbook and its relationships; what cannot be read is left out (an error then names the part)."""
    def part(name: str) -> bytes:
        try:
            info = z.getinfo(name)
            if info.file_size > _MAX_NAMING:
                return b""
            with z.open(info) as fh:
                return fh.read(_MAX_NAMING)
        except (KeyError, zipfile.BadZipFile, OSError, EOFError, ValueError, zlib.error):
            return b""

    targets: dict[bytes, str] = {}
    for attrs_ in _RELATIONSHIP.findall(part("xl/_rels/workbook.xml.rels")):
        rid, target = _ID.search(attrs_), _TARGET.search(attrs_)
        if rid and target:
            t = html.unescape(target.group(1).decode("utf-8", "replace"))
            targets[rid.group(1)] = t.lstrip("/") if t.startswith("/") else posixpath.normpath(posixpath.join("xl", t))
    out: dict[str, str] = {}
    for attrs_ in _SHEET.findall(part("xl/workbook.xml")):
        name, rid = _NAME.search(attrs_), _REL_ID.search(attrs_)
        if name and rid and rid.group(1) in targets:
            out[targets[rid.group(1)]] = sheet_ref(html.unescape(name.group(1).decode("utf-8", "replace")))
    return out


def check_bounds(path: str) -> None:
    """Refuse a workbook too big to read, before parsing it: its parts' uncompressed size, its shared
    strings' size, its sheets' extent and row count, and the length of every text in them."""
    if not_regular(path) is not None:  # (a device or a pipe: a zip reader would read it whole)
        raise KpiDataError(f"{path}: not a readable .xlsx workbook (not a file: a device or a pipe)")
    try:
        with zipfile.ZipFile(path) as z:
            infos = z.infolist()
            total = sum(i.file_size for i in infos)
            names: dict[str, str] | None = None
            if total > MAX_UNCOMPRESSED:
                big = max(infos, key=lambda i: i.file_size)
                raise KpiDataError(
                    f"{path}: the workbook is {total:,} bytes uncompressed (its part {big.filename} alone "
                    f"{big.file_size:,}); kpirules reads data workbooks of up to {MAX_UNCOMPRESSED:,} bytes: "
                    "is this the right file? (save the data sheets alone, or as CSV)")
            for info in infos:
                if not _PARSED.fullmatch(info.filename):
                    continue
                name = info.filename.rsplit("/", 1)[-1]
                if name == "sharedStrings.xml" and info.file_size > MAX_SHARED_STRINGS:
                    raise KpiDataError(
                        f"{path}: the workbook's shared strings (xl/sharedStrings.xml) are {info.file_size:,} "
                        f"bytes uncompressed; kpirules reads workbooks whose shared strings take up to "
                        f"{MAX_SHARED_STRINGS:,} bytes: is this the right file? (save the data sheets alone, "
                        "or as CSV)")
                if name != "sharedStrings.xml" and names is None:
                    names = _sheet_names(z)
                with z.open(info) as fh:
                    _scan_part(path, name if names is None else names.get(info.filename, name), fh)
    except (zipfile.BadZipFile, OSError, EOFError, ValueError, zlib.error):
        return  # (openpyxl says what is wrong with the file)


def _scan_part(path: str, name: str, fh: Any) -> None:
    """Read one XML part through in bounded memory: refuse a sheet whose dimension or whose rows are past
    the limits, and any text (a cell's, a shared string's) longer than Excel allows; ``name`` is the sheet's
    (``Data``; its part's, ``sheet1.xml``, when the workbook does not say) or ``sharedStrings.xml``."""
    sheet = name != "sharedStrings.xml"
    carry = before = b""  # (the text not yet split at a tag; the end of the XML before it)
    rows = cells = 0
    first = True
    while True:
        chunk = fh.read(_CHUNK)
        buf = carry + chunk
        if first and sheet:
            first = False
            _check_dimension(path, name, buf[:4096])
        if chunk:
            cut = buf.rfind(b"<")
            if cut <= 0:  # (no tag begins in it: all of it is one text, so far)
                if len(buf) > _MAX_RUN:
                    _too_long(path, name, before)
                carry = buf
                continue
            body, carry = buf[:cut], buf[cut:]
        else:
            body, carry = buf, b""
        pieces = body.split(b"<")
        if max(map(len, pieces)) > _MAX_RUN:
            long = next(i for i, p in enumerate(pieces) if len(p) > _MAX_RUN)
            _too_long(path, name, before + b"<".join(pieces[:long]))
        before = body[-4096:]
        if sheet:
            rows += body.count(b"<row ") + body.count(b"<row>")
            cells += body.count(b"<c ") + body.count(b"<c>")
            if rows > MAX_ROWS or cells > MAX_CELLS:
                raise KpiDataError(
                    f"{path}: the sheet {name} has more than {MAX_ROWS if rows > MAX_ROWS else MAX_CELLS:,} "
                    f"{'rows' if rows > MAX_ROWS else 'cells'}; kpirules reads sheets of up to {MAX_CELLS:,} "
                    f"cells ({MAX_ROWS:,} rows, {MAX_COLUMNS:,} columns)")
        if not chunk:
            return


def _check_dimension(path: str, name: str, head: bytes) -> None:
    m = _DIMENSION.search(head)
    if not m or not m.group(3):
        return
    rows = int(m.group(4)) - int(m.group(2)) + 1
    cols = _column_number(m.group(3)) - _column_number(m.group(1)) + 1
    if rows > MAX_ROWS or cols > MAX_COLUMNS or rows * cols > MAX_CELLS:
        raise KpiDataError(
            f"{path}: the sheet {name} spans {rows:,} rows and {cols:,} "
            f"columns ({m.group(0).decode('ascii', 'replace')}); kpirules reads sheets of up to "
            f"{MAX_CELLS:,} cells ({MAX_ROWS:,} rows, {MAX_COLUMNS:,} columns)")


def _too_long(path: str, name: str, before: bytes) -> None:
    """Refuse a text longer than a cell may hold; ``before`` is the XML before it (to name its cell)."""
    if name == "sharedStrings.xml":
        where = f"a shared string (xl/{name})"
    else:
        refs = _CELL_REF.findall(before[-4096:])
        cell = refs[-1].decode("ascii") if refs else None
        where = (f"a cell of the sheet {name}" if cell is None else f"the cell {cell} of the sheet {name}"
                 if name.endswith(".xml") else f"the cell {name}!{cell}")  # (a part's name: the sheet's unknown)
    raise KpiDataError(f"{path}: {where} holds more than {MAX_CELL_CHARS:,} characters, more than Excel allows "
                       "in a cell: is this the right file?")


#: Excel shows (and computes with) 15 significant digits
EXCEL_DIGITS = 15


def excel_number(value: float) -> int | Fraction:
    """A binary number of a cell, as Excel shows it: to 15 significant digits (``=0.1+0.2`` is 0.3)."""
    return normal_number(Fraction(format(value, f".{EXCEL_DIGITS}g")))


def _unquoted(value: Any) -> Any:
    """A cell of a sheet ``kpirules template`` wrote as it was before the form neutralised it (``'=x`` → ``=x``)."""
    return original_text(value) if isinstance(value, str) else value


def _typed(value: Any) -> Cell:
    """An openpyxl cell value as a table cell."""
    if value is None or isinstance(value, (str, bool, int)):
        return value
    if isinstance(value, float):
        if not math.isfinite(value):
            return repr(value)  # read as text: an error where a number is needed
        return excel_number(value)
    if isinstance(value, (datetime.datetime, datetime.date)):
        return value
    if isinstance(value, datetime.time):
        return value.isoformat()
    return str(value)


def parse_xlsx_data(path: str, number_format: str | None = None) -> Data:
    """Read every data sheet of a workbook; raise one KpiDataError listing all problems."""
    try:
        import openpyxl
    except ImportError:
        raise KpiDataError(
            f"{path}: reading .xlsx needs openpyxl: pip install 'kpirules[xlsx]' (or save the sheet as CSV UTF-8)"
        ) from None
    if os.path.isfile(path) and os.path.getsize(path) == 0:  # (not a damaged workbook: nothing at all)
        raise KpiDataError(f"{path}: the file is empty (0 bytes): it holds no snapshot, no task row and no "
                           "event: there is nothing to check a plan on")
    check_bounds(path)
    #: the first float cell whose stored binary number is not what Excel shows, and how many there are
    rounded: list[Any] = []
    problems = Problems()

    def read(fmt: str | None, votes: NumberVotes) -> tuple[Data, list[Diagnostic]]:
        problems.clear()
        rounded.clear()
        data = _read_book(openpyxl, path, fmt, votes, problems, rounded)
        return data, problems

    data, _ = read_deciding(read, path, number_format)
    if rounded:
        where, stored, shown = rounded[0]
        others = len(rounded) - 1
        more = f"; {others:,} more cell{'s' if others > 1 else ''} like it" if others else ""
        note = (f"binary numbers read as Excel shows them, to {EXCEL_DIGITS} significant digits "
                f"({where} holds {stored}, read as {shown}{more})")
        fs = data.file_sources[path]
        data.file_sources[path] = attrs.evolve(fs, notes=(*fs.notes, note))
    if problems:
        err = KpiDataError.from_diagnostics(problems.final())
        err.partial = data  # type: ignore[attr-defined]
        raise err
    return data


def _read_book(openpyxl: Any, path: str, number_format: str | None, votes: NumberVotes,
               problems: list[Diagnostic], rounded: list[Any]) -> Data:
    try:
        book = openpyxl.load_workbook(path, read_only=True, data_only=True)
    except FileNotFoundError:
        raise KpiDataError(f"{path}: cannot read the data file: no such file") from None
    except OSError as exc:
        raise KpiDataError(f"{path}: cannot read the data file: {exc.strerror or exc}") from None
    except (zipfile.BadZipFile, KeyError, ValueError, TypeError, IndexError, EOFError) as exc:
        raise KpiDataError(f"{path}: not a readable .xlsx workbook ({type(exc).__name__}: {exc})") from None
    except Exception as exc:  # openpyxl raises many kinds on a damaged file
        raise KpiDataError(f"{path}: not a readable .xlsx workbook ({type(exc).__name__}: {exc})") from None
    data = Data()
    data.files.append(path)
    found = False
    try:
        form: dict[str, list[FormTable]] = {}
        period: str | None = None
        written: dict[str, dict[tuple[int, int], object]] | None = None
        if MARKER in book.sheetnames:
            layout = [[_unquoted(v) for v in line] for line in book[MARKER].iter_rows(values_only=True)]
            for table in read_layout(path, iter(layout)):
                form.setdefault(table.sheet, []).append(table)
            period = form_period(iter(layout))
            written = read_written(iter(layout))
            made_for = form_plan(iter(layout))
            if made_for is not None:
                data.form_plans[path] = made_for
            found = bool(form)
            lost = [name for name in form if name not in book.sheetnames]
            if lost:  # a sheet of the form renamed (or deleted): its rows would be lost without a word
                others = [t for t in book.sheetnames if t != MARKER and t not in form and t != GUIDE_SHEET]
                problems.append(Diagnostic(
                    f"{path}: the form's sheet{'s' if len(lost) > 1 else ''} {', '.join(lost)} "
                    f"{'are' if len(lost) > 1 else 'is'} missing"
                    + (f"; the workbook has {', '.join(others)}, which the form does not know: was a sheet "
                       "renamed? give it back its name (kpirules reads a form's sheets by their names)"
                       if others else "; was a sheet deleted? make the form again with `kpirules template`")))
        for sheet in book.worksheets:
            title = sheet.title
            if title == MARKER:
                continue
            ref = sheet_ref(title)

            def locate(row: int, col: int | None, ref: str = ref) -> tuple[str, None, None, str]:
                if col is None:
                    return f"{path}: {ref} row {row}: ", None, None, ""
                return f"{path}: ", None, None, f"{ref}!{column_letter(col)}{row}"

            def source(row: int, col: int | None, ref: str = ref) -> Source:
                return Source(path, f"{ref}!{column_letter(col)}{row}" if col is not None else f"{ref}!{row}:{row}")

            def rows(sheet: Any = sheet, ref: str = ref, ours: bool = title in form) -> Iterator[tuple[int, list[Cell]]]:
                for i, values in enumerate(sheet.iter_rows(values_only=True), start=1):
                    if ours:  # (a form's text cells that start like a formula were written with an apostrophe)
                        values = tuple(_unquoted(v) for v in values)
                    if i > MAX_ROWS:  # (check_bounds counted them; a sheet without <row> tags?)
                        raise KpiDataError(f"{path}: {ref} has more than {MAX_ROWS:,} rows, more than Excel allows")
                    cells = [_typed(v) for v in values]
                    for j, v in enumerate(values):
                        if type(v) is float and math.isfinite(v) and float(format(v, ".15g")) != v:
                            rounded.append((f"{ref}!{column_letter(j)}{i}", repr(v), _shown(cells[j])))
                    yield i, cells

            sheet_data = Data()
            if title in form:
                day = _read_form_sheet(path, ref, form[title], rows(), problems,
                                       None if written is None else written.get(title, {}),
                                       lambda: Table(sheet_data, problems, number_format, locate, source,
                                                     votes=votes))
                _sent_by(sheet_data, form[title], period, Source(path, ref), day)
            elif Table(sheet_data, problems, number_format, locate, source, votes=votes).read(
                    rows(), skip_foreign=True):
                found = True
            try:
                data.merge(sheet_data)
            except KpiDataError as exc:
                problems.extend(exc.diagnostics)  # (a KpiError has at least one)
    except KpiDataError:
        raise
    except Exception as exc:  # a damaged sheet part
        raise KpiDataError(f"{path}: not a readable .xlsx workbook ({type(exc).__name__}: {exc})") from None
    finally:
        book.close()
    if not found and not problems:
        problems.append(Diagnostic(f"{path}: no sheet starts with a data header "
                                   "(period,unit,metric,value or task,status,date,note)"))
    return data


def _read_form_sheet(path: str, ref: str, tables: list[FormTable], rows: Iterator[tuple[int, list[Cell]]],
                     problems: list[Diagnostic], written: dict[tuple[int, int], object] | None,
                     table: Any) -> datetime.date | None:
    """Read the tables of one sheet of a form (``kpirules template``) where its layout says they are; the day
    the sheet says it was sent (or None).

    A cell typed below them or to the right of the form's columns is an error (the form reads nothing
    there); so is, when the form recorded the cells it wrote (``written``), a locked cell that no longer
    holds what the form wrote, or a cell typed where the form wrote nothing and asks nothing."""
    end = max(max(t.end, t.last) for t in tables)
    width = len(VALUE_COLUMNS)
    filled = set().union(*(filled_cells(t) for t in tables))
    keyed = set().union(*(key_cells(t) for t in tables))
    kept: dict[int, list[Cell]] = {}
    below: list[str] = []  # every cell typed below the tables
    for i, cells in rows:
        if i > end:
            below += [f"{ref}!{column_letter(j)}{i}" for j, c in enumerate(cells) if not _blank(c)]
            continue
        kept[i] = cells
        for j, c in enumerate(cells, start=1):
            if (i, j) in filled:
                continue
            was = written.get((i, j)) if written is not None else None
            if j > width and not _blank(c):
                problems.append(Diagnostic(
                    f"{path}: {ref}!{column_letter(j - 1)}{i}: {_typed_text(c)!r} is typed to the right of the form's "
                    f"columns (A–{column_letter(width - 1)}); the form reads nothing there: write it in a yellow cell "
                    "(a task's Ghi chú takes any text) or in another data file"))
            elif written is not None and j <= width and _changed(was, c):
                problems.append(Diagnostic(f"{path}: {ref}!{column_letter(j - 1)}{i}: "
                                           + _changed_text(was, c, (i, j) in keyed)))
    if written is not None:  # (a cell the form wrote, now emptied: its row would be read without it)
        for (i, j), was in sorted(written.items()):
            cells = kept.get(i, [])
            if i <= end and (j > len(cells) or _blank(cells[j - 1])) and not _blank(was):
                problems.append(Diagnostic(f"{path}: {ref}!{column_letter(j - 1)}{i}: "
                                           + _changed_text(was, None, (i, j) in keyed)))
    if below:
        shown = ", ".join(below[:BELOW_SHOWN]) + (f" and {len(below) - BELOW_SHOWN} more" if len(below) > BELOW_SHOWN else "")
        problems.append(Diagnostic(
            f"{path}: {shown}: typed below the form's tables, which end on row {end}; "
            "the form reads nothing there: write it on a row of a table (or in another data file)"))
    for t in tables:
        table().read(form_rows(path, ref, t, kept, problems))
    return sent_day(path, ref, tables, kept, problems)


def _blank(cell: object) -> bool:
    return cell is None or isinstance(cell, str) and not cell.strip()


def _typed_text(cell: object) -> str:
    from kpirules.data.table import _cell_text

    return _cell_text(cell)  # type: ignore[arg-type]


def _changed(was: object, now: object) -> bool:
    """Whether a locked cell holding ``now`` differs from what the form wrote there (``was``; None: nothing)."""
    if _blank(now):
        return False  # (emptied cells are found from the record)
    return _blank(was) or _typed_text(was).strip() != _typed_text(now).strip()


def _changed_text(was: object, now: object, keyed: bool) -> str:
    shown = "blank" if _blank(now) else repr(_typed_text(now))
    if _blank(was):
        return (f"the form left this cell blank and asks nothing there, but it now holds {shown}; the form "
                "reads only its yellow cells: clear it, and write what it says in a yellow cell (a task's Ghi "
                "chú takes any text) or in another data file")
    why = ("kpirules reads each row by the period, unit, metric and kind or the task the form wrote, so a "
           "changed cell would credit the row's value elsewhere" if keyed else
           "the form reads nothing typed there, and keeps it as it wrote it")
    return (f"this locked cell of the form held {_typed_text(was)!r}, it is now {shown}; {why}: give the cell "
            f"back {_typed_text(was)!r} (or make the form again with `kpirules template`)")


def _sent_by(data: Data, tables: list[FormTable], label: str | None, source: Source,
             day: datetime.date | None) -> None:
    """A unit's sheet with a value or a task typed in is that unit's report for the form's period, even when
    it holds only plan-level values (a metric the unit leads), sent on the day its sheet says.  A sheet
    with only that day typed is a form sent with nothing in it: the day is kept (the unit's, or the
    plan's on the common sheet), but it is no report (the unit is among those that have not reported,
    with that day: see Results.reporting)."""
    if label is None:
        return
    from kpirules.periods import parse_period

    try:
        period = parse_period(label)
    except KpiError:
        return
    unit = next((t.unit for t in tables if t.unit), None)
    if unit is not None and (data.snapshots or data.task_rows):
        data.add_snapshot(period, unit, source)
        # (a task row of a unit's sheet is that unit's word on it, as the CSV form's Đơn vị column says)
        data.task_rows = [attrs.evolve(r, unit=unit) if r.unit is None else r for r in data.task_rows]
    if day is not None:
        data.submitted[(period.key, unit)] = max(day, data.submitted.get((period.key, unit), day))


#: how many cells typed below a form's tables an error names
BELOW_SHOWN = 10


def _shown(value: Any) -> str:
    from kpirules.values import format_number

    return format_number(value)

"""The layout of a data-entry form (``kpirules template``), as the form's writer and the .xlsx reader share it.

A form workbook has an instructions sheet, a sheet per unit and a very hidden
sheet :data:`MARKER` that says where the tables of the unit sheets are: one
row ``kpirules form | 1``, then ``plan | ID``, ``period | LABEL``, and one row
per table: ``table | SHEET | values or tasks | header row | last row |
heading rows | submitted cell | last row of the sheet | unit``, then one row
``cell | SHEET | row | column | text`` per cell the form writes on a unit's
sheet (its titles, headers and the locked label cells of each row: period,
unit, metric or task).  The reader reads exactly those rows, with
the header names of :data:`VALUE_COLUMNS` and :data:`TASK_COLUMNS` (the
columns that only describe a row, such as the metric's title, are read as
labels and skipped), and leaves out the rows nothing was typed in.  A locked
cell that no longer holds what the form wrote (``VPB!C13`` changed from blank
to ``TTCNTT``, which would credit the row's value to another unit) and
anything typed outside the yellow cells is an error naming the cell, so
nothing a clerk typed is lost or read as something else.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterator, Sequence
from typing import Any

import attrs

from kpirules.errors import Diagnostic, KpiDataError, KpiPeriodError
from kpirules.periods import parse_date

__all__ = ["MARKER", "FORM_VERSION", "GUIDE_SHEET", "VALUE_COLUMNS", "TASK_COLUMNS", "LABEL_HEADERS", "KIND_LABELS", "FormTable",
           "read_layout", "read_written", "layout_rows", "filled_cells", "key_cells", "form_plan", "cell_place", "form_rows", "sent_day", "form_period", "kind_of_label", "kind_problem"]

#: the very hidden sheet that marks a workbook as a form and holds its layout
MARKER = "_kpirules"
FORM_VERSION = 1
#: the form's sheet of instructions (read as no data)
GUIDE_SHEET = "Hướng dẫn"

#: the columns of a form's table of values, as (header, what the reader makes of it: a data column or "")
VALUE_COLUMNS: tuple[tuple[str, str], ...] = (
    ("STT", ""), ("Kỳ báo cáo", "period"), ("Đơn vị", "unit"), ("Mã chỉ tiêu", "metric"),
    ("Tên chỉ tiêu", ""), ("Phạm vi", ""), ("Loại giá trị", "kind"), ("Đơn vị tính", ""), ("Giá trị", "value"),
)
#: the columns of a form's table of tasks
TASK_COLUMNS: tuple[tuple[str, str], ...] = (
    ("STT", ""), ("Kỳ báo cáo", "period"), ("Mã nhiệm vụ", "task"), ("Thời hạn", ""), ("Tên nhiệm vụ", ""),
    ("Sản phẩm", ""), ("Trạng thái", "status"), ("Ngày", "date"), ("Ghi chú", "note"),
)
#: header names of columns that only describe a row (a form's, or an office's own sheet's): read as labels,
#: skipped (lower case, as headers are compared)
LABEL_HEADERS = frozenset(h.lower() for h, role in VALUE_COLUMNS + TASK_COLUMNS if not role)
#: the kinds of value a plan declares for its metrics (`metric NAME "Title" count`), as a form names them
KIND_LABELS = {"count": "số nguyên", "share": "tỷ lệ (%)", "amount": "số", "yesno": "có/không", "text": "chữ"}
_KIND_OF_LABEL = {label: kind for kind, label in KIND_LABELS.items()}


def kind_of_label(text: str) -> str | None:
    """The kind a form's "Loại giá trị" cell names (its Vietnamese label), or None."""
    import unicodedata

    return _KIND_OF_LABEL.get(unicodedata.normalize("NFC", text).strip().lower())


def kind_problem(kind: str, value: object) -> str | None:
    """Why ``value``, read from a form's cell, is not of the metric's declared ``kind`` (None: it is)."""
    from fractions import Fraction

    number = type(value) is int or type(value) is Fraction
    shown = _shown(value)
    if kind == "count":
        if type(value) is int and value >= 0:
            return None
        return f"{shown} is not a count: this metric (số nguyên) takes a whole number ≥ 0 (0, 1, 2, …)"
    if kind == "share":
        if number and 0 <= value <= 1:  # type: ignore[operator]
            return None
        hint = ""
        if number and 1 < value <= 100:  # type: ignore[operator]
            hint = f"; if {shown} % is meant, write {shown}%"
        return f"{shown} is not a share: this metric (tỷ lệ) takes 0% to 100%{hint}"
    if kind == "amount":
        return None if number else f"{shown} is not a number: this metric (số) takes a number, such as 2,5"
    if kind == "yesno":
        return None if isinstance(value, bool) else f"{shown} is not có or không: this metric takes có or không"
    return None


def _shown(value: object) -> str:
    if isinstance(value, bool):
        return "có" if value else "không"
    if isinstance(value, str):
        return repr(value)
    from kpirules.values import format_number

    try:
        return format_number(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return repr(value)


#: the columns a clerk fills in, by table kind (the others are written by kpirules and locked)
FILLED = {"values": ("value",), "tasks": ("status", "date", "note")}


@attrs.frozen
class FormTable:
    """Where one table of a form sheet is: its header row, last row, the heading rows inside it, and
    the cell holding the day the unit sent the form (``D5``; None when the table has none)."""

    sheet: str
    kind: str  # "values" or "tasks"
    header: int
    last: int
    headings: frozenset[int] = frozenset()
    submitted: str | None = None
    #: the last row the form writes on the sheet (below it, a typed cell is an error)
    end: int = 0
    #: the unit whose sheet it is (None: the common sheet); a sheet with anything typed is its report
    unit: str | None = None

    def row(self) -> list[object]:
        """The table as a row of the marker sheet."""
        return ["table", self.sheet, self.kind, self.header, self.last,
                " ".join(map(str, sorted(self.headings))), self.submitted or "", self.end or self.last,
                self.unit or ""]


def layout_rows(plan: str, period: str, tables: Sequence[FormTable],
                written: Sequence[tuple[str, int, int, object]] = ()) -> list[list[object]]:
    """The rows of the marker sheet of a form: its plan, period, tables and the cells it wrote (sheet, row,
    column, value) on its unit sheets."""
    return [["kpirules form", FORM_VERSION], ["plan", plan], ["period", period], *(t.row() for t in tables),
            *(["cell", sheet, r, c, v] for sheet, r, c, v in written)]


def form_plan(rows: Iterator[Sequence[Any]]) -> str | None:
    """The id of the plan a form was made from, from its marker sheet's rows."""
    for row in rows:
        if row and row[0] == "plan" and len(row) > 1 and row[1] is not None:
            return str(row[1])
    return None


def read_written(rows: Iterator[Sequence[Any]]) -> dict[str, dict[tuple[int, int], object]] | None:
    """The cells the form wrote on each sheet, (row, column) → value, from its marker sheet's rows; None
    for a form that did not record them (made by an earlier kpirules)."""
    out: dict[str, dict[tuple[int, int], object]] = {}
    found = False
    for row in rows:
        if not row or row[0] != "cell":
            continue
        found = True
        try:
            _, sheet, r, c, v = (list(row) + [None] * 5)[:5]
            out.setdefault(str(sheet), {})[(int(r), int(c))] = v
        except (TypeError, ValueError):
            continue  # (a damaged record checks nothing; the tables' rows say what is read)
    return out if found else None


def filled_cells(table: FormTable) -> set[tuple[int, int]]:
    """The cells (row, column; 1-based) of a table a clerk fills in: the yellow ones, and the day sent."""
    cols = [i for i, (_, role) in enumerate(VALUE_COLUMNS if table.kind == "values" else TASK_COLUMNS, start=1)
            if role in FILLED[table.kind]]
    out = {(r, c) for r in range(table.header + 1, table.last + 1) if r not in table.headings for c in cols}
    if table.submitted:
        out.add(cell_place(table.submitted))
    return out


def key_cells(table: FormTable) -> set[tuple[int, int]]:
    """The locked cells of a table that say what its rows are (its header, and the period, unit, metric,
    kind or task of each row): changed, a row would be read as another."""
    columns = VALUE_COLUMNS if table.kind == "values" else TASK_COLUMNS
    cols = [i for i, (_, role) in enumerate(columns, start=1) if role and role not in FILLED[table.kind]]
    rows = [r for r in range(table.header + 1, table.last + 1) if r not in table.headings]
    return {(table.header, c) for c in range(1, len(columns) + 1)} | {(r, c) for r in rows for c in cols}


def cell_place(ref: str) -> tuple[int, int]:
    """(row, column) of a cell reference such as ``E5``."""
    col = 0
    for c in "".join(ch for ch in ref if ch.isalpha()):
        col = col * 26 + ord(c.upper()) - 64
    return int("".join(ch for ch in ref if ch.isdigit()) or 0), col


def form_period(rows: Iterator[Sequence[Any]]) -> str | None:
    """The label of the period a form is for, from its marker sheet's rows."""
    for row in rows:
        if row and row[0] == "period" and len(row) > 1 and row[1]:
            return str(row[1])
    return None


def read_layout(path: str, rows: Iterator[Sequence[Any]]) -> list[FormTable]:
    """The tables of a form, from its marker sheet's rows; a KpiDataError if the sheet is damaged."""

    def damaged(why: str) -> KpiDataError:
        return KpiDataError(f"{path}: the form's hidden sheet {MARKER} is damaged ({why}); "
                            "make the form again with `kpirules template`")

    first = next(rows, None)
    if not first or first[0] != "kpirules form":
        raise damaged("its first row is not `kpirules form`")
    if len(first) < 2 or first[1] != FORM_VERSION:
        raise damaged(f"form version {first[1] if len(first) > 1 else None!r}; this kpirules reads version "
                      f"{FORM_VERSION}")
    tables: list[FormTable] = []
    for i, row in enumerate(rows, start=2):
        if not row or row[0] != "table":
            continue
        try:
            _, sheet, kind, header, last, headings, submitted, end, unit = (list(row) + [None] * 9)[:9]
            if kind not in FILLED or not isinstance(sheet, str):
                raise ValueError(kind)
            tables.append(FormTable(sheet, kind, int(header), int(last),
                                    frozenset(int(h) for h in str(headings or "").split()),
                                    str(submitted) if submitted else None, int(end or last),
                                    str(unit) if unit else None))
        except (TypeError, ValueError):
            raise damaged(f"row {i} is not a table's place") from None
    return tables


def _blank(cell: object) -> bool:
    return cell is None or isinstance(cell, str) and not cell.strip()


def form_rows(path: str, ref: str, table: FormTable, rows: dict[int, list[Any]],
              problems: list[Diagnostic]) -> Iterator[tuple[int, list[Any]]]:
    """The rows of one table of a form as a data table reads them: its header, then each row something was
    typed in, by its row number.  (The day the sheet was sent is read once for the sheet: :func:`sent_day`.)"""
    header = list(rows.get(table.header, []))
    names = [str(h or "").strip().lower() for h in header]
    columns = VALUE_COLUMNS if table.kind == "values" else TASK_COLUMNS
    roles = {h.lower(): role for h, role in columns}
    filled = [i for i, name in enumerate(names) if roles.get(name) in FILLED[table.kind]]
    yield table.header, header
    for r in range(table.header + 1, table.last + 1):
        cells = list(rows.get(r, []))
        if r in table.headings or all(_blank(cells[i]) if i < len(cells) else True for i in filled):
            continue
        cells += [None] * (len(header) - len(cells))
        yield r, cells


def sent_day(path: str, ref: str, tables: Sequence[FormTable], rows: dict[int, list[Any]],
             problems: list[Diagnostic]) -> datetime.date | None:
    """The day a sheet of a form says it was sent (its ``Ngày gửi báo cáo`` cell); None when blank, or when
    not a date (an error naming the cell, in ``problems``)."""
    place = next((t.submitted for t in tables if t.submitted), None)
    if place is None:
        return None
    row, col = cell_place(place)
    cells = rows.get(row, [])
    value = cells[col - 1] if 0 < col <= len(cells) else None
    if _blank(value):
        return None
    if isinstance(value, datetime.datetime):
        return value.date()
    if isinstance(value, datetime.date):
        return value
    try:
        return parse_date(str(value).strip())
    except KpiPeriodError as exc:
        problems.append(Diagnostic(f"{path}: {ref}!{place}: the day the form was sent: "
                                   f"{str(exc).splitlines()[0]}"))
        return None

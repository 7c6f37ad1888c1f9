"""Data-entry forms made from a plan (``kpirules template``): what each unit owes for a period, to fill in.

:func:`forms_for` works out, for each unit, the metrics the plan needs from it
for the period (those of the per-unit rules that name it, those inside an
aggregate over units, and the plan-level ones of the rules it leads) and the
tasks it leads; :func:`xlsx_form` writes them as a workbook (an instructions
sheet in Vietnamese, a sheet per unit, header cells locked, drop-downs and
number checks), :func:`csv_form` as CSV.  A filled form reads back with
``--data`` (kpirules.data.formsheet says how).
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence
from typing import Any

import attrs

from kpirules import nodes as n
from kpirules.data.cells import FORMULA_STARTS, neutral
from kpirules.data.formsheet import GUIDE_SHEET, KIND_LABELS, MARKER, TASK_COLUMNS, VALUE_COLUMNS, FormTable, filled_cells, layout_rows
from kpirules.data.tasks import TASK_STATUS_WORDS
from kpirules.engine.bind import nfc
from kpirules.engine.evaluate import Plan
from kpirules.engine.tasks import occurrences
from kpirules.errors import Diagnostic, KpiError
from kpirules.periods import Kind, Period
from kpirules.report.format import fmt_date, fmt_period
from kpirules.text import escape_controls

__all__ = ["FormMetric", "FormTask", "UnitForm", "forms_for", "xlsx_form", "csv_form"]

#: the kinds of value, as the form names them
KIND_VI = KIND_LABELS  # (the reader knows each kind by these labels)
#: the status words a form offers (the first Vietnamese word of each status)
STATUS_VI = tuple(words[1][:1].upper() + words[1][1:] for words in TASK_STATUS_WORDS.values())
_EVERY_VI = {Kind.MONTH: "hằng tháng", Kind.QUARTER: "hằng quý", Kind.HALF: "6 tháng một lần",
             Kind.NINE_MONTH: "9 tháng", Kind.YEAR: "hằng năm"}
COMMON = "Chung"
#: the CSV form's columns that say whose each row is and when it was sent (a workbook says it by its sheets)
CSV_REPORTER, CSV_SENT, CSV_FORM_PERIOD = "Đơn vị báo cáo", "Ngày gửi", "Kỳ của biểu"
GUIDE = GUIDE_SHEET


@attrs.frozen
class FormMetric:
    name: str
    title: str
    kind: str | None
    measure: str | None
    section: str | None
    unit: str | None  # None: the plan-level value (the unit answers for it as the rule's lead)


@attrs.frozen
class FormTask:
    id: str
    title: str
    deadline: str
    product: str | None
    period: str | None  # a recurring duty's occurrence this form reports on


@attrs.frozen
class UnitForm:
    unit: str | None  # None: the plan's own sheet (what no declared unit answers for)
    name: str | None
    metrics: tuple[FormMetric, ...]
    tasks: tuple[FormTask, ...]


def _live(plan: Plan, rule: n.Rule, period: Period) -> bool:
    """Whether the rule still judges data of ``period`` (its deadline or span not over before it)."""
    t = rule.time
    if isinstance(t, n.By):
        return period.start <= plan.judged_period(t.when).start
    if isinstance(t, n.Span_):
        start = plan.period(t.start).start if isinstance(t.start, n.PeriodRef) else t.start.date
        return period.end >= start and period.start <= plan.when_date(t.end)
    return True


def _uses(expr: object, per_unit: bool, period: Period, plan: Plan, out: dict[str, bool]) -> None:
    """The metrics ``expr`` reads for ``period`` → whether per unit (inside an aggregate over units)."""
    if isinstance(expr, n.Metric):
        out[expr.name] = out.get(expr.name, False) or per_unit
        return
    if isinstance(expr, n.At) and isinstance(expr.when, (n.PeriodRef, n.Previous, n.DateRef)):
        w = expr.when
        if isinstance(w, n.Previous):
            return  # (a value of an earlier period: reported then)
        if isinstance(w, n.PeriodRef) and plan.period(w).key != period.key:
            return
        if isinstance(w, n.DateRef) and not period.start <= w.date <= period.end:
            return
    if isinstance(expr, n.Call) and expr.func in n.AGGREGATES or isinstance(expr, n.Count):
        per_unit = True
    for child in n.children(expr):
        _uses(child, per_unit, period, plan, out)


def known_units(plan: Plan) -> list[str]:
    """The units a plan names: the declared ones in the order declared, then group members and
    `for each unit in` lists in the plan's order."""
    declared = list(plan.units)
    rest = [u for u in plan.unit_order([u for g in plan.groups.values() for u in g]
                                       + [u for r in plan.rules for u in plan.units_of(r)]) if u not in plan.units]
    return declared + rest


def _unit_of(plan: Plan, names: Iterable[str], known: Sequence[str]) -> str | None:
    """The first of ``names`` (a rule's or task's leads) that is a unit the plan names, by code or full name."""
    by_name = {nfc(c): c for c in known}
    by_name.update({nfc(name): c for c, name in plan.units.items() if name})
    return next((by_name[nfc(x)] for x in names if nfc(x) in by_name), None)


def check_period(plan: Plan, period: Period) -> None:
    """Refuse a form for a period the plan cannot ask anything of: after the last year it speaks of (its
    deadlines and spans), or before the year before it was issued (a baseline).  A 2040 form of a
    2019–2025 plan, or a 2015 one, would ask nothing true of anyone."""
    from kpirules.engine.warnings import plan_years

    span = plan_years(plan)
    issued = plan.ast.issued
    lo = issued.year - 1 if issued is not None else None
    hi = span[1] if span is not None else None
    if (hi is not None and period.year > hi) or (lo is not None and period.year < lo):
        said = (f"issued {issued.isoformat()}" if issued is not None else "") + \
            (", " if issued is not None and hi is not None else "") + \
            (f"its last deadline or span in {hi}" if hi is not None else "")
        raise KpiError(f"--period {period.label}: the plan {plan.id} ({said}) asks nothing of "
                       f"{period.label}; give a period from {lo if lo is not None else '…'} to "
                       f"{hi if hi is not None else '…'}")


def chosen_units(plan: Plan, units: Sequence[str]) -> list[str | None]:
    """The sheets ``--unit`` values ask for (a unit's code or declared name; ``Chung`` the plan's own sheet),
    in the order given; every value that names no unit is an error, each with the closest unit."""
    import difflib

    known = known_units(plan)
    chosen: list[str | None] = []
    problems = []
    for u in units:
        if nfc(u).strip().lower() == COMMON.lower():
            chosen.append(None)
            continue
        code = _unit_of(plan, [u], known) if known else nfc(u)
        if code is None:
            close = difflib.get_close_matches(nfc(u), known + [nm for nm in plan.units.values() if nm],
                                              n=1, cutoff=0.5)
            problems.append(f"--unit {u}: the plan names no such unit"
                            + (f"; did you mean {close[0]}?" if close else f" (it names {', '.join(known)})"))
            continue
        if code not in chosen:
            chosen.append(code)
    if problems:
        raise KpiError("\n".join(problems), [Diagnostic(p) for p in problems])
    return chosen


def forms_for(plan: Plan, period: Period, units: Sequence[str] | None = None) -> list[UnitForm]:
    """What each unit owes for ``period``; ``units`` (codes or declared names, ``Chung`` for the plan's own
    sheet) keeps only those sheets, else every unit the plan names, after the plan's own sheet (metrics and
    tasks no unit answers for).

    Where a value goes does not depend on ``units``: a plan-level metric goes to the lead of the first rule
    with a lead (that is a unit the plan names) that reads it, else to the plan's own sheet; a per-unit
    metric to each unit the rule covers; a task to its first lead that is a unit the plan names."""
    check_period(plan, period)
    known = known_units(plan)
    every: list[str | None] = [None, *known]
    chosen = chosen_units(plan, units) if units else every
    metrics: dict[str | None, dict[str, FormMetric]] = {u: {} for u in every}
    # a plan-level value is asked of one unit: the first lead, in the plan's order, of a rule that reads it
    owner: dict[str, str | None] = {}
    live = [r for r in plan.rules if _live(plan, r, period)]
    uses: dict[str, dict[str, bool]] = {}
    for rule in live:
        used: dict[str, bool] = {}
        for e in (rule.condition, rule.stretch):
            if e is not None:
                _uses(e, rule.per_unit, period, plan, used)
        uses[rule.id] = used
        lead = _unit_of(plan, rule.lead, known)
        for name, per_unit in used.items():
            if not per_unit and owner.get(name) is None:
                owner[name] = lead
    placed: set[tuple[str, str | None]] = set()
    for rule in live:
        for name, per_unit in uses[rule.id].items():
            if plan.metrics.get(name) is None and plan.metric_title(name) is not None:
                continue  # (a metric counted from records: nobody types it)
            decl = plan.metrics.get(name)
            for_units: list[str | None] = [owner.get(name)]
            if per_unit:
                for_units = list(plan.units_of(rule) if rule.units else known)
            for who in for_units:
                sheet = metrics.get(who)
                key = (name, who if per_unit else None)  # (a plan-level value goes on one sheet)
                if sheet is None or key in placed:
                    continue
                placed.add(key)
                sheet[f"{name}\0{who if per_unit else ''}"] = FormMetric(
                    name, plan.metric_title(name) or name, decl.kind if decl else None,
                    decl.measure if decl else None, plan.section_of.get(rule.id), who if per_unit else None)
    tasks: dict[str | None, list[FormTask]] = {u: [] for u in every}
    for task in plan.tasks:
        row = _task_row(plan, task, period)
        if row is not None:
            tasks[_unit_of(plan, task.lead, known)].append(row)
    out = []
    for unit in chosen:
        if unit is None and not metrics[unit] and not tasks[unit] and not units:
            continue
        out.append(UnitForm(unit, plan.unit_name(unit), tuple(metrics[unit].values()), tuple(tasks[unit])))
    return out


def _task_row(plan: Plan, task: n.Task, period: Period) -> FormTask | None:
    if task.every is not None:
        held = [o for o in occurrences(plan, task.every) if o.start <= period.end and o.end >= period.start]
        if not held:
            return None  # (the duty has not begun, or is over)
        o = held[-1]
        deadline = f"{_EVERY_VI[task.every.kind]}; kỳ này hạn {fmt_date(o.due or o.last_day, 'vi')}"
        return FormTask(task.id, task.title or task.id, deadline, task.product, o.label)
    deadline = "; ".join(fmt_date(plan.when_date(w), "vi") for w in task.due)
    return FormTask(task.id, task.title or task.id, deadline, task.product, None)


def sheet_names(forms: Sequence[UnitForm]) -> list[str]:
    """A sheet name for each form: the unit's code made fit for Excel (31 characters, none of []:*?/\\),
    distinct ignoring case, never the instructions' or the marker's."""
    taken = {GUIDE.lower(), MARKER.lower()}
    names = []
    for f in forms:
        base = COMMON if f.unit is None else "".join("_" if c in "[]:*?/\\" else c for c in f.unit)
        base = base.strip("'")[:31] or "_"
        name, i = base, 2
        while name.lower() in taken:
            name = f"{base[:31 - len(str(i)) - 1]}~{i}"
            i += 1
        taken.add(name.lower())
        names.append(name)
    return names


def _text(value: object) -> object:
    """A cell's text, control characters written as escapes (XML refuses most of them)."""
    return escape_controls(value) if isinstance(value, str) else value


def _value_cells(period: Period, m: FormMetric) -> list[object]:
    return ["", period.label, m.unit or "", m.name, m.title, "đơn vị" if m.unit else "chung",
            KIND_VI.get(m.kind or "", ""), m.measure or "", None]


def _task_cells(t: FormTask) -> list[object]:
    return ["", t.period or "", t.id, t.deadline, t.title, t.product or "", None, None, None]


def csv_form(plan: Plan, period: Period, forms: Sequence[UnitForm]) -> tuple[str, str | None]:
    """The forms as CSV text: the values, and the tasks (None when no unit leads a task); UTF-8 with a BOM
    so that Excel shows the Vietnamese letters."""

    def write(header: Sequence[str], rows: Iterable[list[object]]) -> str:
        buf = io.StringIO()
        w = csv.writer(buf, lineterminator="\r\n")
        w.writerow(header)
        for row in rows:
            w.writerow([neutral(str(_text(c))) if isinstance(c, str) else ("" if c is None else c) for c in row])
        return "\ufeff" + buf.getvalue()

    # (each row says whose it is: `Đơn vị báo cáo`, the unit whose part of the form it is, also on the
    # plan-level rows it answers for, whose `Đơn vị` is blank; a value typed on a row is that unit's report
    # for the period, as a unit's sheet of the workbook is; `Ngày gửi`, typed on any of its rows, the day it
    # sent it)
    header = [h for h, _ in VALUE_COLUMNS]
    values = write([header[0], CSV_REPORTER, *header[1:-1], CSV_SENT, header[-1]],
                   [[i, f.unit or "", *cells[1:-1], "", cells[-1]]
                    for i, (f, m) in enumerate(((f, m) for f in forms for m in f.metrics), 1)
                    for cells in (_value_cells(period, m),)])
    # (a task's code names it in the whole plan, so its row reads back alone; the unit that leads it tells a
    # clerk which rows of a CSV of several units are theirs, and is read as the row's unit, as a sheet's is;
    # `Kỳ của biểu`, the form's period, makes a task row said something of its unit's report for it)
    tasks = [(f.unit, t) for f in forms for t in f.tasks]
    task_rows = [[i, period.label, cells[1], unit or "", *cells[2:-3], "", *cells[-3:]]
                 for i, (unit, t) in enumerate(tasks, 1) for cells in (_task_cells(t),)]
    header = [h for h, _ in TASK_COLUMNS]
    return values, (write([header[0], CSV_FORM_PERIOD, header[1], "Đơn vị", *header[2:-3], CSV_SENT, *header[-3:]],
                          task_rows) if task_rows else None)


def xlsx_form(plan: Plan, period: Period, forms: Sequence[UnitForm]) -> bytes:
    """The forms as an .xlsx workbook (needs openpyxl): an instructions sheet, then a sheet per form."""
    try:
        import openpyxl
        from openpyxl.styles import Alignment, Border, Font, PatternFill, Protection, Side
        from openpyxl.worksheet.datavalidation import DataValidation
    except ImportError:
        raise KpiError("writing an .xlsx form needs openpyxl: pip install 'kpirules[xlsx]' "
                       "(or write the form as CSV: -o form.csv)") from None
    book = openpyxl.Workbook()
    guide = book.active
    guide.title = GUIDE
    names = sheet_names(forms)
    _guide(guide, plan, period, forms, names, Font)
    fill = PatternFill("solid", fgColor="FFF2CC")
    head_fill = PatternFill("solid", fgColor="D9E1F2")
    thin = Side(style="thin", color="808080")
    box = Border(left=thin, right=thin, top=thin, bottom=thin)
    wrap = Alignment(wrap_text=True, vertical="top")
    open_cell = Protection(locked=False)
    tables: list[FormTable] = []
    #: every cell the form writes on a unit's sheet, as (sheet, row, column, value): the reader checks that
    #: the locked cells still hold it (a period, unit or metric changed would credit a value elsewhere)
    written: list[tuple[str, int, int, object]] = []
    due = period.due or period.last_day
    for form, name in zip(forms, names):
        ws = book.create_sheet(name)
        first = len(tables)
        for col, width in zip("ABCDEFGHI", WIDTHS):
            ws.column_dimensions[col].width = width
        title = (f"Đơn vị: {form.unit}" + (f" — {form.name}" if form.name else "") if form.unit is not None
                 else "Số liệu chung của kế hoạch và nhiệm vụ không giao riêng cho đơn vị nào")
        for r, (text, size) in enumerate(((("BIỂU NHẬP SỐ LIỆU BÁO CÁO"), 14), (plan.title or plan.id, 11),
                                          (f"Kỳ báo cáo: {fmt_period(period, 'vi')} (số liệu từ "
                                           f"{fmt_date(period.start, 'vi')} đến {fmt_date(period.end, 'vi')}); "
                                           f"hạn gửi: {fmt_date(due, 'vi')}", 11), (title, 11)), start=1):
            ws.cell(r, 1, _text(text)).font = Font(bold=r != 3, size=size)
            ws.cell(r, 1).data_type = "s"
            ws.cell(r, 1).alignment = Alignment(wrap_text=True, vertical="top")
            ws.merge_cells(start_row=r, start_column=1, end_row=r, end_column=9)
            ws.row_dimensions[r].height = row_height([text], (sum(WIDTHS),), bold=r != 3, size=size)
        ws.cell(5, 1, "Ngày gửi báo cáo:").font = Font(bold=True)
        ws.merge_cells("A5:D5")
        sent = ws.cell(5, 5)
        sent.fill, sent.protection, sent.number_format, sent.border = fill, open_cell, "DD/MM/YYYY", box
        dates = DataValidation(type="date", operator="greaterThanOrEqual", formula1="DATE(2000,1,1)",
                               allow_blank=True, showErrorMessage=True, errorTitle="Ngày không hợp lệ",
                               error="Nhập ngày dạng ngày/tháng/năm, ví dụ 20/12/2020.")
        ws.add_data_validation(dates)
        dates.add(sent)
        ws.cell(6, 1, "Chỉ điền vào các ô màu vàng; các ô khác đã khóa. Bỏ trống ô chưa có số liệu.").font = \
            Font(italic=True)
        ws.merge_cells("A6:I6")
        row = 8
        checks = {k: _validation(DataValidation, k) for k in ("count", "share", "amount", "yesno")}
        for v in checks.values():
            ws.add_data_validation(v)
        status = DataValidation(type="list", formula1='"' + ",".join(STATUS_VI) + '"', allow_blank=True,
                                showErrorMessage=True, errorTitle="Trạng thái không hợp lệ",
                                error="Chọn một trạng thái trong danh sách.")
        ws.add_data_validation(status)

        def header(r: int, columns: Sequence[tuple[str, str]]) -> None:
            for c, (h, _) in enumerate(columns, start=1):
                cell = ws.cell(r, c, h)
                cell.font, cell.fill, cell.border, cell.alignment = Font(bold=True), head_fill, box, wrap
            ws.row_dimensions[r].height = row_height([h for h, _ in columns], bold=True)

        def section_row(r: int, text: str) -> None:
            ws.cell(r, 1, _text(text)).font = Font(bold=True, italic=True)
            ws.cell(r, 1).data_type = "s"
            ws.cell(r, 1).alignment = wrap
            ws.merge_cells(start_row=r, start_column=1, end_row=r, end_column=9)
            ws.row_dimensions[r].height = row_height([text], (sum(WIDTHS),), bold=True)

        for label, items, columns, kind in (("I. CHỈ TIÊU", form.metrics, VALUE_COLUMNS, "values"),
                                            ("II. NHIỆM VỤ (đơn vị chủ trì)", form.tasks, TASK_COLUMNS, "tasks")):
            ws.cell(row, 1, label).font = Font(bold=True, size=12)
            row += 1
            if not items:
                ws.cell(row, 1, "Không có mục nào cần báo cáo trong kỳ này.").font = Font(italic=True)
                row += 2
                continue
            head = row
            header(head, columns)
            row += 1
            headings: set[int] = set()
            section: object = ()
            number = 0
            for item in items:
                if isinstance(item, FormMetric) and item.section != section:
                    section = item.section
                    sec = next((s for s in plan.sections if s.id == section), None)
                    if sec is not None:
                        section_row(row, f"{sec.id}. {sec.title}" if sec.title else sec.id)
                        headings.add(row)
                        row += 1
                number += 1
                cells = _value_cells(period, item) if isinstance(item, FormMetric) else _task_cells(item)
                cells[0] = number
                for c, value in enumerate(cells, start=1):
                    cell = ws.cell(row, c, _text(value))
                    if isinstance(value, str):
                        cell.data_type = "s"  # (text from the plan is never a formula)
                    cell.border, cell.alignment = box, wrap
                ws.row_dimensions[row].height = row_height(cells)
                if isinstance(item, FormMetric):
                    cell = ws.cell(row, 9)
                    cell.fill, cell.protection = fill, open_cell
                    cell.number_format = {"count": "#,##0", "share": "0.00%", "text": "@"}.get(item.kind or "",
                                                                                               "General")
                    if item.kind in checks:
                        checks[item.kind].add(cell)
                else:
                    for c in (7, 8, 9):
                        ws.cell(row, c).fill, ws.cell(row, c).protection = fill, open_cell
                    status.add(ws.cell(row, 7))
                    ws.cell(row, 8).number_format = "DD/MM/YYYY"
                    dates.add(ws.cell(row, 8))
                row += 1
            tables.append(FormTable(name, kind, head, row - 1, frozenset(headings), "E5", unit=form.unit))
            row += 1
        tables[first:] = [attrs.evolve(t, end=ws.max_row) for t in tables[first:]]
        filled = set().union(*(filled_cells(t) for t in tables[first:]))
        written += [(name, c.row, c.column, c.value) for line in ws.iter_rows(max_col=len(WIDTHS)) for c in line
                    if c.value is not None and c.value != "" and (c.row, c.column) not in filled]
        ws.protection.sheet = True
        ws.protection.formatColumns = False
        ws.protection.formatRows = False
        ws.freeze_panes = None
        ws.page_setup.orientation = "landscape"
        ws.page_setup.paperSize = ws.PAPERSIZE_A4
        ws.page_setup.fitToWidth, ws.page_setup.fitToHeight = 1, 0
        ws.sheet_properties.pageSetUpPr.fitToPage = True
        # a printed page of a long sheet still says whose it is, of which period, and the columns' names
        # (a sheet repeats one range of rows: the header of its one table; with two, the tasks start a page)
        own = tables[first:]
        if len(own) == 1:
            ws.print_title_rows = f"{own[0].header}:{own[0].header}"
        elif len(own) == 2:
            from openpyxl.worksheet.pagebreak import Break

            ws.row_breaks.append(Break(id=own[1].header - 2))
        ws.oddHeader.center.text = _header_text(
            (form.unit or COMMON) + (f" — {form.name}" if form.name else "") + f" — {fmt_period(period, 'vi')}")
        ws.oddFooter.center.text = "Trang &P/&N"
    marker = book.create_sheet(MARKER)
    for r, line in enumerate(layout_rows(plan.id, period.label, tables, written), start=1):
        for c, value in enumerate(line, start=1):
            if value is None:
                continue
            cell = marker.cell(r, c, _text(value))
            if isinstance(value, str):
                cell.data_type = "s"  # (a plan's text is never a formula, here either)
    marker.sheet_state = "veryHidden"
    _no_formulas(book)
    buf = io.BytesIO()
    book.save(buf)
    return buf.getvalue()


def _no_formulas(book: Any) -> None:
    """Every text cell of the workbook that starts like a formula (``=``, ``+``, ``-``, ``@``: a plan's unit or
    title ``=HYPERLINK(…)``) written as the CSV form writes it, with a leading apostrophe (:func:`neutral`),
    and marked quotePrefix: a spreadsheet shows it as text, and one saving the sheet as CSV (which drops
    the mark) still writes the apostrophe, so the next spreadsheet does not run it either.  The reader takes
    the apostrophe off again (:func:`kpirules.data.cells.original_text`)."""
    for ws in book.worksheets:
        for line in ws.iter_rows():
            for cell in line:
                value = cell.value
                if isinstance(value, str) and value[:1] in FORMULA_STARTS and value:
                    cell.value = neutral(value)
                    cell.data_type = "s"
                    cell.quotePrefix = True


#: the widths of the columns of a form sheet, in characters (B fits "Kỳ báo cáo" in bold; C "Mã nhiệm vụ" in
#: two lines and a unit's code; F a task's product without a line for every word)
WIDTHS = (5, 11, 13, 30, 50, 20, 15, 13, 24)


def row_height(cells: Sequence[object], widths: Sequence[int] = WIDTHS, bold: bool = False,
               size: float = 11) -> float:
    """The height (points) a row of wrapped cells needs: spreadsheets do not fit rows written by a program
    (LibreOffice and Excel print a row's set height, and text taller than it runs into the next row).

    Each cell is wrapped at word boundaries as a spreadsheet does, at about as many letters a line as its
    width (in widths of a '0'), fewer in bold; the row is as tall as its tallest cell."""
    import textwrap

    lines = 1
    for value, width in zip(cells, widths):
        if isinstance(value, str) and value:
            per_line = max(1, int(width * (0.95 if bold else 1.1) * 11 / size))
            lines = max(lines, sum(len(textwrap.wrap(part, per_line)) or 1 for part in value.split("\n")))
    return round(15.0 * lines * size / 11, 1)


def _validation(DataValidation: Any, kind: str) -> Any:
    """The check of a value cell of a kind: a whole number ≥ 0, a share 0–100 %, a number, có/không."""
    err = {"count": "Nhập một số nguyên không âm (0, 1, 2, …).",
           "share": "Nhập một tỷ lệ từ 0% đến 100%, ví dụ 85%.",
           "amount": "Nhập một số, ví dụ 2,5.",
           "yesno": "Chọn có hoặc không."}[kind]
    common = dict(allow_blank=True, showErrorMessage=True, errorTitle="Giá trị không hợp lệ", error=err)
    if kind == "count":
        return DataValidation(type="whole", operator="greaterThanOrEqual", formula1="0", **common)
    if kind == "share":
        return DataValidation(type="decimal", operator="between", formula1="0", formula2="1", **common)
    if kind == "amount":
        return DataValidation(type="decimal", operator="between", formula1="-1E+15", formula2="1E+15", **common)
    return DataValidation(type="list", formula1='"có,không"', **common)


def _guide(ws: object, plan: Plan, period: Period, forms: Sequence[UnitForm], names: Sequence[str],
           Font: type) -> None:
    due = period.due or period.last_day
    lines: list[tuple[str, bool]] = [
        ("HƯỚNG DẪN ĐIỀN BIỂU NHẬP SỐ LIỆU", True),
        (plan.title or plan.id, True),
        (f"Kỳ báo cáo: {fmt_period(period, 'vi')}, số liệu từ ngày {fmt_date(period.start, 'vi')} đến ngày "
         f"{fmt_date(period.end, 'vi')}. Hạn gửi: {fmt_date(due, 'vi')}.", False),
        ("", False),
        ("1. Mỗi đơn vị điền vào trang (sheet) mang mã của đơn vị mình; chỉ điền vào các ô màu vàng.", False),
        ("2. Cột Giá trị: số nguyên cho chỉ tiêu đếm (hồ sơ, dịch vụ…); tỷ lệ ghi dạng phần trăm (85%); "
         "chỉ tiêu có/không chọn trong danh sách. Ô chưa có số liệu thì bỏ trống, không ghi 0.", False),
        ("3. Nhiệm vụ: chọn trạng thái trong danh sách; ghi ngày hoàn thành (nếu đã hoàn thành) hoặc ngày "
         "cập nhật tiến độ, dạng ngày/tháng/năm; ghi chú kết quả, sản phẩm, khó khăn (nếu có).", False),
        ("4. Ghi ngày gửi báo cáo ở đầu trang. Không thêm, xóa hoặc đổi tên trang, dòng, cột.", False),
        (f"5. Gửi lại tệp này cho đơn vị tổng hợp trước ngày {fmt_date(due, 'vi')}.", False),
        ("", False),
        ("Các trạng thái nhiệm vụ:", True),
        *((f"– {w}" , False) for w in STATUS_VI),
        ("", False),
        ("Các trang của biểu:", True),
        *((f"– {nm}: {len(f.metrics)} chỉ tiêu, {len(f.tasks)} nhiệm vụ"
           + (f" ({f.name})" if f.name else ""), False) for f, nm in zip(forms, names)),
        ("", False),
        (f"Đơn vị tổng hợp kiểm tra biểu bằng lệnh: kpirules check <tệp kế hoạch> --data <tệp này> "
         f"--period {period.label}", False),
    ]
    ws.column_dimensions["A"].width = GUIDE_WIDTH  # type: ignore[attr-defined]
    from openpyxl.styles import Alignment

    for r, (text, bold) in enumerate(lines, start=1):
        cell = ws.cell(r, 1, _text(text))  # type: ignore[attr-defined]
        cell.data_type = "s"
        cell.alignment = Alignment(wrap_text=True, vertical="top")
        ws.row_dimensions[r].height = row_height(  # type: ignore[attr-defined]
            [text], (GUIDE_WIDTH,), bold=bold, size=14 if r == 1 else 11)
        cell.font = Font(bold=bold, size=14 if r == 1 else 11)
    ws.protection.sheet = True  # type: ignore[attr-defined]
    # printed on A4 upright, the one column fitted to the page's width (the lines wrap inside it)
    ws.page_setup.orientation = "portrait"  # type: ignore[attr-defined]
    ws.page_setup.paperSize = ws.PAPERSIZE_A4  # type: ignore[attr-defined]
    ws.page_setup.fitToWidth, ws.page_setup.fitToHeight = 1, 0  # type: ignore[attr-defined]
    ws.sheet_properties.pageSetUpPr.fitToPage = True  # type: ignore[attr-defined]


#: the width of the instructions' column, in characters: LibreOffice prints it on A4 upright unscaled at 70
GUIDE_WIDTH = 70


def _header_text(text: str) -> str:
    """Text for a printed page's header: ``&`` doubled (a lone one starts a field code), at most 200 characters."""
    text = escape_controls(text).replace("&", "&&")
    return text if len(text) <= 200 else text[:199] + "…"


def period_of(plan: Plan, label: str) -> Period:
    """The form's period: a label in the plan's windows and of its kind."""
    return plan.as_current(label)


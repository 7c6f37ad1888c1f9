"""Rows of cells (CSV lines or spreadsheet rows) read into :class:`Data`: headers, values and task rows."""

from __future__ import annotations

import datetime
import unicodedata
from collections.abc import Iterable, Iterator
from fractions import Fraction
from typing import Any, Union

import attrs

from kpirules.data.cells import AmbiguousNumber, number_reading, parse_cell, plain_decimal, whole_reading
from kpirules.data.formsheet import LABEL_HEADERS, kind_of_label, kind_problem
from kpirules.data.model import Data, FileSource, FORM_ROW, MISSING, Source, Value, unit_name
from kpirules.data.tasks import read_date, read_event_row, read_task_row
from kpirules.errors import Diagnostic, KpiPeriodError
from kpirules.periods import Period, parse_period


_VALUE_HEADER = ("period", "unit", "metric", "value")
#: Vietnamese column names accepted in a header (any case, with diacritics)
_HEADER_ALIASES = {
    "kỳ": "period", "kỳ báo cáo": "period", "đơn vị": "unit", "chỉ tiêu": "metric",
    "giá trị": "value", "nhiệm vụ": "task", "trạng thái": "status", "ngày": "date",
    "ngày hoàn thành": "done_on", "ghi chú": "note", "sự kiện": "event",
    "ngày gửi": "submitted", "ngày nộp": "submitted", "mã chỉ tiêu": "metric", "mã nhiệm vụ": "task",
    # a form's kind of value (số nguyên, tỷ lệ (%), …): each value is checked against it
    "loại giá trị": "kind",
    # a CSV form's: the unit whose part of the form a row is (a value typed on it is that unit's report for
    # the period, also on a plan-level row, whose unit is blank), and, of its tasks, the form's period
    "đơn vị báo cáo": "reporter", "kỳ của biểu": "form_period",
    # columns that only describe a row (a form's title, unit of measure, deadline…): labels, not read
    **dict.fromkeys(LABEL_HEADERS, ""),
}
#: what a CSV row with more cells than its header may mean, by the file's delimiter
_RAGGED_HINTS = {
    ",": " (a decimal comma in a comma-separated file? quote the cell or use ';')",
    ";": " (a ';' inside a cell? quote the cell)",
    "\t": " (a tab inside a cell? quote the cell)",
}
#: a table cell: text (CSV, or a text cell of a spreadsheet) or a typed spreadsheet value
Cell = Union[str, int, Fraction, bool, datetime.date, None]


def column_letter(index: int) -> str:
    """The spreadsheet name of a 0-based column index: 0 → A, 26 → AA."""
    name = ""
    index += 1
    while index:
        index, rem = divmod(index - 1, 26)
        name = chr(65 + rem) + name
    return name


def header_name(cell: Cell) -> str:
    text = unicodedata.normalize("NFC", _cell_text(cell)).strip().lower()
    return _HEADER_ALIASES.get(text, text)


def _cell_text(cell: Cell) -> str:
    """A cell as text, for the columns that hold labels, names, words and dates."""
    if cell is None:
        return ""
    if isinstance(cell, str):
        return cell
    if isinstance(cell, bool):
        return "true" if cell else "false"
    if isinstance(cell, datetime.datetime):
        return cell.date().isoformat()
    if isinstance(cell, datetime.date):
        return cell.isoformat()
    from kpirules.values import format_number

    return format_number(cell)


def _cell_value(text: str, number_format: str | None) -> Value | None:
    """A CSV value cell as :func:`parse_cell` reads it, plain numbers quickly; MISSING if it does not read."""
    if text.isdigit() and text.isascii() and len(text) < 19:
        return int(text)
    value = plain_decimal(text, number_format)
    if value is not None:
        return value
    try:
        return parse_cell(text, number_format)
    except (ValueError, ZeroDivisionError):
        return MISSING  # type: ignore[no-any-return]


class NumberVotes:
    """What the cells of one file say about its number format (a file is in one format, decided by its cells).

    ``first[fmt]`` is the first cell written in only that format (``2.400,5`` is
    Vietnamese, ``1.5`` English), as (where, text); ``ambiguous`` the problems of
    cells that both formats read, differently (``1.700``), when no format is stated.
    Until a cell is ambiguous only the first deciding cell is looked for
    (``full`` False); a file with ambiguous cells is read again with ``full``
    True, to find a disagreement, and then in the format its cells decide.
    """

    def __init__(self, full: bool = False) -> None:
        self.full = full
        self.first: dict[str, tuple[str, str]] = {}
        #: the first ambiguous cell's problem, and how many ambiguous cells there are
        self.ambiguous: Diagnostic | None = None
        self.count = 0
        #: how many cells were read by their metric's kind, not the file's format (``1.700`` of a count is
        #: 1700): a file whose cells decide its format is read again in it
        self.resolved = 0
        self.texts: set[str] = set()  # (the ambiguous texts met: met again, a cell is only counted)

    def ambiguous_cell(self, text: str, problem: Any) -> None:
        """Count an ambiguous cell; ``problem()`` makes its Diagnostic (only for the first)."""
        self.count += 1
        if self.ambiguous is None:
            self.ambiguous = problem()
        if len(self.texts) < 4096:
            self.texts.add(text)

    @property
    def looking(self) -> bool:
        return self.full and len(self.first) < 2 or not self.first

    def vote(self, text: str, where: str) -> None:
        fmt = number_reading(text)
        if fmt is not None and fmt not in self.first:
            self.first[fmt] = (where, text.strip())


def read_deciding(read: Any, file: str, number_format: str | None) -> tuple[Data, list[Diagnostic]]:
    """Read a file whose cells decide its number format: ``read(number_format, votes)`` reads it once.

    With a stated format, one reading.  Else the cells decide: a file none of
    whose cells is ambiguous is read once (and its format is that of its first
    cell written in only one format, if any); one with ambiguous cells is read
    again in the format the other cells decide, or is an error naming its first
    ambiguous cell when nothing decides or its cells disagree.
    """
    if number_format is not None:
        data, problems = read(number_format, NumberVotes())
        data.file_sources[file] = FileSource(file, number_format, stated=True)
        return data, problems
    votes = NumberVotes()
    data, problems = read(None, votes)
    if (votes.ambiguous or votes.resolved) and votes.first:  # (with no deciding cell, every cell was looked at)
        votes = NumberVotes(full=True)
        data, problems = read(None, votes)
    if not votes.ambiguous and not (votes.resolved and len(votes.first) == 1):
        fmt, (where, text) = next(iter(votes.first.items()), (None, (None, None)))
        data.file_sources[file] = FileSource(file, fmt, decided_by=Source(file, where) if where else None,
                                             decided_text=text)
        return data, problems
    if len(votes.first) == 1:
        (fmt, (where, text)), = votes.first.items()
        data, problems = read(fmt, NumberVotes())
        data.file_sources[file] = FileSource(file, fmt, decided_by=Source(file, where), decided_text=text)
        return data, problems
    first = votes.ambiguous
    if first is None:  # (not met: a file of kind-read cells only, decided by one format, was read above)
        return data, problems
    others = votes.count - 1
    more = f" ({others:,} more cell{'s' if others > 1 else ''} like it)" if others else ""
    if not votes.first:
        hint = ("nothing in the file decides the number format: no cell is written in only one of them "
                "(such as 2.400,5 or 1,5 in Vietnamese, 2,400.5 or 1.5 in English)" + more)
    else:
        (w_vi, t_vi), (w_en, t_en) = votes.first["vi"], votes.first["en"]
        hint = (f"the cells of the file disagree on the number format: {w_vi} {t_vi!r} is Vietnamese "
                f"but {w_en} {t_en!r} is English" + more)
    at = next((i for i, d in enumerate(problems) if d.span and first.span and d.span.line > first.span.line),
              len(problems) if first.span else 0)
    problems.insert(at, attrs.evolve(first, hint=hint))
    return data, problems


class Table:
    """Reads rows of cells into a :class:`Data`; ``locate`` says where a cell is.

    ``locate(row, col)`` (col None: the whole row) gives the message prefix,
    span, source line and cell reference of a diagnostic; ``source(row, col)`` the :class:`Source` of a value.
    """

    def __init__(self, data: Data, problems: list[Diagnostic], number_format: str | None,
                 locate: Any, source: Any, text_rows: bool = False, file: str | None = None,
                 line_rows: bool = False, delimiter: str | None = None, votes: NumberVotes | None = None) -> None:
        self.data = data
        #: what the cells say about the file's number format (shared by the sheets of a workbook); without
        #: it (a reader that does not let the file decide: see read_deciding) an ambiguous cell is an error
        self.votes = votes
        self.problems = problems
        self.number_format = number_format
        self.locate = locate
        self.source = source
        # CSV: every cell is text and a value's source is Source(file, "row N")
        self.text_rows = text_rows
        self.file = file
        # CSV with no quote: a record is one line, so rows are numbered one a line (a quoted
        # cell may hold a line break); only then is a snapshot on consecutive rows a run
        self.line_rows = line_rows
        self.delimiter = delimiter  # (CSV)

    def bad(self, row: int, col: int | None, message: str, field: str | None = None) -> None:
        self.problems.append(self.diagnostic(row, col, message, field))

    def diagnostic(self, row: int, col: int | None, message: str, field: str | None = None) -> Diagnostic:
        prefix, span, line, ref = self.locate(row, col)
        if field is not None and message.startswith("is "):
            message = f"column {field} {message} ({ref})"
        elif field is not None:
            message = f"column {field} ({ref}): {message}"
        elif col is not None:
            message = f"{ref}: {message}"
        return Diagnostic(prefix + message, span, source_line=line)

    def vote(self, text: str, row: int, col: int) -> None:
        """Count a value cell's text towards the file's number format."""
        self.votes.vote(text, self.locate(row, col)[3])  # type: ignore[union-attr]

    def read(self, rows: Iterable[tuple[int, list[Cell]]], skip_foreign: bool = False) -> bool:
        """Read the rows; False when there is no data header (``skip_foreign``: silently)."""
        it = iter(rows)
        for row, header in it:
            if any(_cell_text(c).strip() for c in header):
                break
        else:
            return False
        names = [header_name(h) for h in header]
        kind, needed = (("task", ("task", "status")) if "task" in names
                        else ("event", ("event", "date")) if "event" in names
                        else ("value", ("period", "metric", "value")))
        missing = [h for h in needed if h not in names]
        if missing:
            if skip_foreign:
                return False
            self.bad(row, None, f"the header lacks {', '.join(missing)}; expected "
                     f"{','.join(_VALUE_HEADER)} (values), task,status,date,note (tasks) or event,date,note (events)")
            return False
        col: dict[str, int] = {}
        for i, name in enumerate(names):
            if not name:
                continue
            if name in col:
                self.bad(row, i, f"column {name} is given twice in the header")
                return True
            col[name] = i
        # a form's table (`kpirules template`: its label columns) leaves out the rows a clerk left blank
        form = any(_cell_text(h).strip().lower() in LABEL_HEADERS for h in header)
        if kind == "value" and self.text_rows and not {"submitted", "kind", "reporter"} & col.keys():
            it = self._common_rows(it, len(names), col)  # (the quick path reads no dates nor kinds)
        for row, cells in it:
            if not any(_cell_text(c).strip() for c in cells):
                continue
            extra = [i for i in range(len(names), len(cells)) if _cell_text(cells[i]).strip()]
            if extra:
                spans = [i for i, c in enumerate(cells) if type(c) is str and "\n" in c]
                if spans and self.text_rows:  # a quote left open runs on until a later quote closes it
                    self.bad(row, spans[0], f"this row has {len(cells)} cells but the header has {len(names)}: "
                             "the quote (\") that opens this cell runs on over the next lines; is it closed "
                             "where it should be? (a quote inside a quoted cell is written \"\")")
                    continue
                self.bad(row, extra[0], f"this row has {len(cells)} cells but the header has {len(names)}"
                         + _RAGGED_HINTS.get(self.delimiter or "", ""))
                continue
            get = {name: (cells[i] if i < len(cells) else None) for name, i in col.items()}
            if kind == "task":
                fields = {k: _cell_text(v) for k, v in get.items() if _cell_text(v).strip()}
                # (a CSV form's task row: the form's period and the day sent, of the unit that leads the task)
                of, sent = fields.pop("form_period", None), get.get("submitted")
                fields.pop("submitted", None)
                said = any(k in fields for k in ("status", "date", "done_on", "note"))
                if of is not None or "submitted" in col:
                    self._form_report(row, col, of, get.get("unit"), sent, said)
                if form and not said:
                    continue  # (a task of the form nothing was said of)
                r = read_task_row(fields, self.source(row, None),
                                  lambda field, msg, r=row: self.bad(r, col.get(field), msg, field), form=form)
                if r is not None:
                    self.data.task_rows.append(r)
                continue
            if kind == "event":
                fields = {k: _cell_text(v) for k, v in get.items() if _cell_text(v).strip()}
                e = read_event_row(fields, self.source(row, None),
                                   lambda field, msg, r=row: self.bad(r, col.get(field), msg, field))
                if e is not None:
                    self.data.events.append(e)
                continue
            if form and "value" in col and not _cell_text(get["value"]).strip():
                if _cell_text(get.get("submitted")).strip():  # (the day sent, typed on a row left blank)
                    self._form_report(row, col, get["period"], get.get("reporter") or get.get("unit"),
                                      get["submitted"], False)
                continue  # (a metric of the form left blank: not a report)
            self._value_row(row, get, col)
        return True

    def _common_rows(self, rows: Iterator[tuple[int, list[Cell]]], ncells: int,
                     col: dict[str, int]) -> Iterator[tuple[int, list[Cell]]]:
        """Read the common CSV value rows quickly; yield every other row, to be read by the general code.

        A row is read here only when it has as many cells as the header, its
        period label, metric name and value cell read without a problem; then
        it does exactly what the general code does (_value_row), with each
        distinct label, unit, metric and cell text read once.  Any other row
        (an error, a blank or ragged row) is handed on in order, so every
        message stays the same.

        A new snapshot whose values come on consecutive rows, one new metric a
        row (the usual long-form file), keeps no row number per value: its
        sources are one run (see :class:`_Sources`), the first row and the metric names in
        the snapshot's own order.  Anything else (a blank value, a metric
        given twice, a row handed on, a snapshot met again later) turns the
        run into the {metric: row} dict of the general code first.

        Under the usual header (period,unit,metric,value) the rows that go on
        a run (its period and unit cells, a metric name and a value cell read
        before, a metric new to the snapshot) are read by an inner loop that
        only unpacks and stores; any other row ends it and is read as above.
        """
        data = self.data
        snapshots, new_snapshot = data.snapshots, data.new_snapshot
        run_sources, expand = data.sources.run, data.sources.expand
        if data.sources.origin(self.file, FORM_ROW) != 0:  # not a fresh Data: no compact row numbers
            yield from rows
            return
        ip, im, iv = col["period"], col["metric"], col["value"]
        iu = col.get("unit")
        number_format = self.number_format
        problems = self.problems
        votes = self.votes
        period_of: dict[str, Period] = {}
        unit_of: dict[str, str | None] = {}
        metric_of: dict[str, str] = {}
        value_of: dict[str, Value] = {}  # (a blank cell, None, is never kept)
        unread: set[str] = set()  # value cells that do not read (an error, or ambiguous)
        missing = MISSING
        last_p: Any = None
        last_u: Any = None
        period: Any = None
        unit: str | None = None
        key: Any = None
        value: Any = None  # (a cell's value, MISSING, or None for a blank cell)
        snap: dict[str, Value] | None = None
        srcs: dict[str, Source | int] = {}
        run = 0  # the first row of the snapshot being read as a run; 0: none (its sources are in srcs)
        # the usual header, period,unit,metric,value: the rows that go on a run are read by a loop of their own
        usual = ncells == 4 and (ip, iu, im, iv) == (0, 1, 2, 3)
        it = iter(rows)
        for row, cells in it:
            while True:  # (each pass reads the row at hand; `break` goes on to the next row of the file)
                if len(cells) != ncells:
                    if run:  # the general code may add to this snapshot: its sources become a dict
                        run_sources(key, run, snap)  # type: ignore[arg-type]
                        run, snap = 0, None
                    yield row, cells
                    break
                raw_p: str = cells[ip]  # type: ignore[assignment]
                raw_u: str = "" if iu is None else cells[iu]  # type: ignore[assignment]
                if raw_p != last_p or raw_u != last_u:
                    if run:
                        run_sources(key, run, snap)  # type: ignore[arg-type]
                        run = 0
                    new_period = period_of.get(raw_p)
                    if new_period is None:
                        try:
                            new_period = parse_period(raw_p.strip())
                        except KpiPeriodError:
                            snap = last_p = None
                            yield row, cells
                            break
                        period_of[raw_p] = new_period
                    new_unit = unit_of.get(raw_u, missing)
                    if new_unit is missing:
                        new_unit = unit_of[raw_u] = unit_name(raw_u)
                    period, unit, last_p, last_u, snap = new_period, new_unit, raw_p, raw_u, None
                try:  # (a failed lookup costs, a try does not)
                    metric = metric_of[cells[im]]  # type: ignore[index]
                except KeyError:
                    raw_m: str = cells[im]  # type: ignore[assignment]
                    metric = raw_m.strip()
                    if not metric:
                        if run:
                            run_sources(key, run, snap)  # type: ignore[arg-type]
                            run, snap = 0, None
                        yield row, cells
                        break
                    metric_of[raw_m] = metric
                try:
                    value = value_of[cells[iv]]  # type: ignore[index]
                except KeyError:  # (a blank cell, None, is read again each time: the loop of runs needs no test for it)
                    raw_v: str = cells[iv]  # type: ignore[assignment]
                    value = missing if raw_v in unread else _cell_value(raw_v, number_format)
                    if votes is not None and votes.looking and number_format is None and value is not missing:
                        self.vote(raw_v, row, iv)
                    if value is missing:
                        if len(unread) < 65536:
                            unread.add(raw_v)  # (read by the general code, which says why, each time)
                        if run:
                            run_sources(key, run, snap)  # type: ignore[arg-type]
                            run, snap = 0, None
                        yield row, cells
                        break
                    if value is not None and len(value_of) < 65536:
                        value_of[raw_v] = value
                if snap is None:  # add_snapshot
                    key = (period.key, unit)
                    snap = snapshots.get(key)
                    if snap is None:
                        snap = new_snapshot(period, unit)
                        if value is not None and self.line_rows:
                            run = row  # a new snapshot: read it as a run
                    if not run:
                        srcs = expand(key)
                if value is None:
                    if run:  # a run has a value on every row
                        run_sources(key, run, snap)
                        run = 0
                        srcs = expand(key)
                    break
                if metric in snap:
                    if run:
                        run_sources(key, run, snap)
                        run = 0
                        srcs = expand(key)
                    data.conflict(period, unit, metric, value, row, problems)
                    break
                snap[metric] = value
                if not run:
                    srcs[metric] = row  # the compact source of origin 0: the row number
                    break
                if not usual:
                    break
                # The rows that go on this run: same period and unit cells, a metric and a value cell
                # read before, a metric new to the snapshot.  That is the path above with every test
                # passing, in fewer steps.  Any other row ends this loop and is read above, by the
                # next pass.
                for row, cells in it:
                    try:
                        raw_p, raw_u, raw_m, raw_v = cells  # type: ignore[assignment]  # (text in a run)
                        if raw_p != last_p or raw_u != last_u:
                            break
                        metric = metric_of[raw_m]
                        value = value_of[raw_v]
                    except (ValueError, KeyError):
                        break
                    if metric in snap:
                        break
                    snap[metric] = value
                else:
                    break  # (the end of the file)
        if run:
            run_sources(key, run, snap)  # type: ignore[arg-type]

    def _form_report(self, row: int, col: dict[str, int], label: Cell, unit: Cell, sent: Cell,
                     said: bool) -> None:
        """A CSV form's row of ``unit`` for the form's period (``label``): the day it sent the form
        (``sent``, if typed) is kept, and a row said something of (``said``) is the unit's report for the
        period, as a unit's sheet of the workbook with anything typed on it is."""
        text = _cell_text(label).strip()
        name = unit_name(_cell_text(unit))
        if not text:
            if said or _cell_text(sent).strip():
                self.bad(row, col.get("form_period", col.get("period")), "is empty: it says which period the "
                         "form reports on (write it as 2020-Q4)", "form_period" if "form_period" in col else "period")
            return
        try:
            period = parse_period(text)
        except KpiPeriodError as exc:
            self.bad(row, col.get("form_period", col.get("period")), str(exc).splitlines()[0],
                     "form_period" if "form_period" in col else "period")
            return
        if _cell_text(sent).strip():
            day = sent if type(sent) is datetime.date else \
                read_date(_cell_text(sent), "submitted", lambda field, msg: self.bad(row, col[field], msg, field))
            if day is not None:
                at = (period.key, name)
                self.data.submitted[at] = max(day, self.data.submitted.get(at, day))
        if said and name is not None:
            self.data.add_snapshot(period, name, self.source(row, None))

    def _value_row(self, row: int, get: dict[str, Cell], col: dict[str, int]) -> None:
        raw_period = get["period"]
        if isinstance(raw_period, (datetime.date, Fraction)) or isinstance(raw_period, int) and raw_period < 1000:
            self.bad(row, col["period"], f"{_cell_text(raw_period)!r} is not a period label; "
                     "write it as text such as 2020-Q4 or Q4/2020", "period")
            return
        label = _cell_text(raw_period).strip()
        if not label:  # (a blank or missing cell: the list of every period form would not help)
            self.bad(row, col["period"], "is empty", "period")
            return
        try:
            period = parse_period(label)
        except KpiPeriodError as exc:
            self.bad(row, col["period"], str(exc).splitlines()[0], "period")
            return
        unit = unit_name(_cell_text(get.get("unit")))
        # (a CSV form's row says whose part of the form it is: a value on it is that unit's report)
        reporter = unit_name(_cell_text(get.get("reporter"))) or unit
        sent = get.get("submitted")
        if sent is not None and _cell_text(sent).strip():  # the day the unit sent its report for the period
            day = sent if type(sent) is datetime.date else \
                read_date(_cell_text(sent), "submitted", lambda field, msg: self.bad(row, col[field], msg, field))
            if day is None:
                return
            at = (period.key, reporter)
            self.data.submitted[at] = max(day, self.data.submitted.get(at, day))
        metric = _cell_text(get["metric"]).strip()
        if not metric:
            self.bad(row, col["metric"], "is empty", "metric")
            return
        raw = get["value"]
        value: Value | None
        declared = kind_of_label(_cell_text(get["kind"])) if "kind" in get else None
        if declared == "text":  # a text metric's cell is kept as typed ("không", "0,5", "  01234 " are text there)
            text = _cell_text(raw)
            self.data.add_snapshot(period, unit, self.source(row, None))
            if text.strip():
                self.data.add(period, unit, metric, text, self.source(row, col["value"]), self.problems)
                self._reported(period, unit, reporter, row)
            return
        whole = (whole_reading(raw) if declared == "count" and self.number_format is None and isinstance(raw, str)
                 else None)
        if whole is not None:  # (`1.700` of a count: only 1700 is a whole number; the file may still decide)
            value = whole
            if self.votes is not None:
                self.votes.resolved += 1
        elif isinstance(raw, str):
            votes = self.votes
            if votes is not None and self.number_format is None:
                if raw in votes.texts:
                    votes.count += 1
                    return
                if votes.looking:
                    self.vote(raw, row, col["value"])
            try:
                value = parse_cell(raw, self.number_format)
            except AmbiguousNumber as exc:
                if votes is None:
                    self.bad(row, col["value"], str(exc), "value")
                else:
                    votes.ambiguous_cell(raw, lambda: self.diagnostic(row, col["value"], str(exc), "value"))
                return
            except (ValueError, ZeroDivisionError) as exc:
                self.bad(row, col["value"], str(exc), "value")
                return
        elif isinstance(raw, datetime.date):
            self.bad(row, col["value"], f"a date ({_cell_text(raw)}) is not a metric value", "value")
            return
        else:
            value = raw
        if declared is not None and value is not None:
            why = kind_problem(declared, value)
            if why is not None:
                self.bad(row, col["value"], why, "value")
                return
        self.data.add_snapshot(period, unit, self.source(row, None))
        if value is None:
            return
        self.data.add(period, unit, metric, value, self.source(row, col["value"]), self.problems)
        self._reported(period, unit, reporter, row)

    def _reported(self, period: Period, unit: str | None, reporter: str | None, row: int) -> None:
        """A value typed on a CSV form's row of ``reporter`` (a plan-level one too) is its report."""
        if reporter is not None and reporter != unit:
            self.data.add_snapshot(period, reporter, self.source(row, None))

"""The CSV reader: delimiter and quoting as spreadsheets export them, with a fast loop for plain lines."""

from __future__ import annotations

import csv
import io
import itertools
import os
import re
import stat
from collections.abc import Callable, Iterable, Iterator
from typing import Any, NoReturn, cast

from kpirules.data.cells import original_text
from kpirules.data.model import Data, Problems, Source
from kpirules.data.table import Cell, NumberVotes, Table, column_letter, read_deciding
from kpirules.errors import Diagnostic, KpiDataError, Span
from kpirules import text as texts
from kpirules.text import decode_text


#: how many more cells than its header a CSV row may have (spreadsheets write trailing blank cells)
MAX_EXTRA_CELLS = 1000
#: the most characters a CSV cell holds (the csv module's own limit, which the reader keeps)
MAX_CELL_CHARS = 131_072
#: a run of this many bytes with no delimiter (of any kind), quote or line end is one cell of more than
#: MAX_CELL_CHARS characters, whatever the characters (UTF-8 takes at most 4 bytes for one)
_LONG_RUN = 4 * MAX_CELL_CHARS + 1
#: every byte that may end a cell → a line end, every other → "x": a long cell is then a run of "x"
_RUN_BYTES = bytes(10 if chr(b) in ',;\t\n\r"' else 120 for b in range(256))
_LINE_BYTES = bytes(10 if chr(b) in "\n\r" else 120 for b in range(256))
#: a text longer than this is given to the csv module a line at a time (io.StringIO would hold it
#: again, four bytes a character)
_LINES_AT_ONCE = 1 << 24
_LINE = re.compile(r"[^\r\n]*(?:\r\n|\r|\n)|[^\r\n]+\Z")
#: most cells of a CSV header (Excel's columns)
MAX_HEADER_CELLS = 16_384
_QUOTED = re.compile(r'"[^"]*"')


def _count_cells(line: str, delimiter: str) -> int:
    """The cells of a line, delimiters inside quotes left out (a bound, for a line that may be huge)."""
    return (_QUOTED.sub("", line) if '"' in line else line).count(delimiter) + 1


def _sniff_delimiter(line: str) -> str:
    """The delimiter of a header line: the most frequent of ``,`` ``;`` tab outside quotes."""
    counts = {",": 0, ";": 0, "\t": 0}
    quoted = False
    for ch in line:
        if ch == '"':
            quoted = not quoted
        elif not quoted and ch in counts:
            counts[ch] += 1
    best = max(counts, key=lambda d: counts[d])
    return best if counts[best] else ","


def _nul_byte(name: str, line: int) -> KpiDataError:
    return KpiDataError(f"{name}:{line}: a NUL byte: this is not a text CSV file (an .xlsx renamed?)")


def _header_too_wide(name: str, ncells: int) -> KpiDataError:
    return KpiDataError(f"{name}: the header has {ncells:,} cells; a data header has at most "
                        f"{MAX_HEADER_CELLS:,} (period,unit,metric,value or task,status,date,note)")


def _row_too_wide(row: int, n: int, ncells: int, filename: str | None) -> Diagnostic:
    return Diagnostic(f"row {row}: this row has {n:,} cells but the header has {ncells}; a row may have "
                      f"at most {MAX_EXTRA_CELLS:,} cells more than its header (blank ones included)",
                      Span(row, 1, file=filename))


def _locator(line_at: Callable[[int], str | None], filename: str | None,
             delimiter: str) -> Callable[[int, int | None], tuple[str, Span, str | None, str]]:
    """Where a table's row (and cell) is, for its messages: the span, the line's text and its name
    (``row 3``, ``cell B3``); ``line_at`` gives a row's line of text, or None."""
    def locate(row: int, col: int | None) -> tuple[str, Span, str | None, str]:
        src = line_at(row)
        if col is None:
            return "", Span(row, 1, file=filename), src, f"row {row}"
        starts = _field_columns(src or "", delimiter)[0]
        column = starts[col] if col < len(starts) else 1
        return "", Span(row, column, file=filename), src, f"cell {column_letter(col)}{row}"
    return locate


def _field_columns(line: str, delimiter: str) -> tuple[list[int], int]:
    """The 1-based columns where the fields of a CSV line start, and that of a quote still open at its end (0: none).

    As the csv module reads a line: a quote opens a quoted cell only at the
    start of a field (elsewhere it is a character of the cell), and ``""``
    inside a quoted cell is one quote.
    """
    starts = [1]
    quoted = False
    opened = 0
    i, n = 0, len(line)
    while i < n:
        ch = line[i]
        if quoted:
            if ch == '"':
                if line[i + 1:i + 2] == '"':
                    i += 1
                else:
                    quoted = False
        elif ch == delimiter:
            starts.append(i + 2)
        elif ch == '"' and starts[-1] == i + 1:
            quoted, opened = True, i + 1
        i += 1
    return starts, opened if quoted else 0


_LINE_BREAK = re.compile(r"\r\n|\r|\n")


def _column(fh: Any, line_start: int, offset: int) -> int:
    """The column (in characters, from 1) of the byte ``offset`` on the line that starts at ``line_start``;
    a line longer than a megabyte before it is counted in bytes."""
    length = offset - line_start
    if length > 1 << 20:
        return length + 1
    fh.seek(line_start)
    return len(fh.read(length).decode("utf-8", "replace").lstrip("\ufeff")) + 1


def refuse_long_cells(path: str, max_line: int) -> bool:
    """Refuse a CSV file with a cell of more than :data:`MAX_CELL_CHARS` characters before it is read
    whole, reading it a megabyte at a time (a field of 200 MB took the reader 1.6 GB before the csv
    module refused it): a run of :data:`_LONG_RUN` bytes holding no delimiter, quote or line end is one
    such cell.  A long cell with delimiters inside its quotes, or shorter in bytes, is refused by the
    csv module as the file is read (:func:`parse_csv_data`), in memory of the cell's limit.

    Whether the file is plain: no quote, no line of more than ``max_line`` bytes (what the DuckDB
    reader may be given: a line of 50M commas took DuckDB 3 GB to refuse)."""
    try:
        st = os.stat(path)
    except OSError:
        return True  # (reading the file says what is wrong with it)
    if not stat.S_ISREG(st.st_mode) or st.st_size <= min(_LONG_RUN, max_line) or st.st_size > texts.MAX_TEXT_BYTES:
        return True  # (a file too big is looked at when it is read a line at a time: read_csv_stream)
    return _scan_cells(path, max_line)


def _scan_cells(path: str, max_line: int) -> bool:
    """:func:`refuse_long_cells` of a regular file, whatever its size."""
    cell, line_run = b"x" * _LONG_RUN, b"x" * (max_line + 1)
    plain = True
    line, tail, line_tail = 1, 0, 0  # (the line of the chunk's start; the runs that end the chunks so far)
    pos = line_start = 0  # (the offsets of the chunk and of the line it starts in)
    with open(path, "rb") as fh:
        while chunk := fh.read(1 << 20):
            runs = chunk.translate(_RUN_BYTES)
            first = runs.find(b"\n")
            at = 0 if tail + (len(runs) if first < 0 else first) >= _LONG_RUN else runs.find(cell)
            if at >= 0:
                line += chunk.count(b"\n", 0, at)
                start = pos - tail if at == 0 else pos + at  # (where the cell's run begins)
                if start >= pos and (nl := chunk.rfind(b"\n", 0, start - pos)) >= 0:
                    line_start = pos + nl + 1
                message = (f"a cell of more than {MAX_CELL_CHARS:,} characters ({_LONG_RUN:,} bytes or more "
                           "with no delimiter, quote or line end), more than a CSV cell holds; kpirules stopped "
                           "reading there: is this the right file?")
                raise KpiDataError.from_diagnostics([Diagnostic(
                    message, Span(line, _column(fh, line_start, start), file=path))])
            if (nl := chunk.rfind(b"\n")) >= 0:
                line_start = pos + nl + 1
            pos += len(chunk)
            last = runs.rfind(b"\n")
            tail = tail + len(runs) if last < 0 else len(runs) - last - 1
            if plain:
                lines = chunk.translate(_LINE_BYTES)
                first = lines.find(b"\n")
                plain = b'"' not in chunk and line_tail + (len(lines) if first < 0 else first) <= max_line \
                    and lines.find(line_run) < 0
                last = lines.rfind(b"\n")
                line_tail = line_tail + len(lines) if last < 0 else len(lines) - last - 1
            line += chunk.count(b"\n")
    return plain


def parse_csv_data(text: str | bytes, filename: str | None = None, number_format: str | None = None) -> Data:
    """Read a CSV file: long-form values, or task rows (a header with ``task``).

    Spreadsheet exports are read as written: a UTF-8 byte-order mark, CRLF
    line ends, ``;`` or tab delimiters (Excel under a Vietnamese locale), an
    Excel ``sep=;`` first line, quoted cells with commas, and numbers in the
    Vietnamese or English format (``number_format``: see :func:`parse_number`).
    ``bytes`` (an upload) are decoded as a file's are (UTF-8, with or without a byte-order mark,
    or UTF-16 after its mark); other bytes are a KpiDataError naming the line and offset.
    """
    if isinstance(text, (bytes, bytearray)):
        text = decode_text(bytes(text), filename or "<data>", "data file", KpiDataError)
    return _parse_csv_text(text, filename, number_format)


def _parse_csv_text(text: str, filename: str | None, number_format: str | None) -> Data:
    if text.startswith("\ufeff"):
        text = text[1:]
    first = _LINE_BREAK.split(text, maxsplit=1)[0]
    skip = 0
    if first.strip().lower().startswith("sep=") and len(first.strip()) == 5:
        delimiter = first.strip()[4]
        skip = 1
    else:
        delimiter = _sniff_delimiter(first)
    problems = Problems()
    name = filename or "<data>"
    split: list[list[str]] = []

    def lines() -> list[str]:
        """The lines of the text, split once when a message needs one."""
        if not split:
            split.append(_LINE_BREAK.split(text))
        return split[0]

    locate = _locator(lambda row: lines()[row - 1] if 0 < row <= len(lines()) else None, filename, delimiter)

    def rows() -> Iterator[tuple[int, list[Cell]]]:
        if "\r" in text and '"' in text:  # line ends become "\n", also inside quoted cells
            body = "\n".join(lines()[skip:])
        elif skip:  # (csv reads "\r\n" and "\r" as line ends too, outside quoted cells)
            body = _LINE_BREAK.split(text, maxsplit=1)[1] if _LINE_BREAK.search(text) else ""
        else:
            body = text
        quoted = '"' in body
        if not quoted:  # one line end throughout: split the lines once
            end = "\n" if "\r" not in body else "\r" if "\n" not in body else "\r\n"
            split_lines = body.split(end)
            # "\r\n" throughout: as many of them (the splits) as of "\r" and of "\n"
            if end != "\r\n" or body.count("\r") == len(split_lines) - 1 == body.count("\n"):
                if not split_lines[-1]:
                    split_lines.pop()  # (the text ends with a line end)
                if max(map(len, split_lines), default=0) <= csv.field_size_limit():
                    # No quote, no line end and no NUL in a line, no field over csv's limit: csv
                    # reads each line as line.split(delimiter) (a blank line as [''] rather than
                    # [], and both are skipped as blank), so split it so, in C, row by row.
                    split = map(str.split, split_lines, itertools.repeat(delimiter))
                    return enumerate(cast("Iterator[list[Cell]]", split), skip + 1)
                return _csv_rows(split_lines, quoted)
        if len(body) <= _LINES_AT_ONCE:
            return _csv_rows(io.StringIO(body, newline=""), quoted)
        return _csv_rows((m.group() for m in _LINE.finditer(body)), quoted)  # (as io.StringIO splits it)

    def unclosed_quote(row: int) -> None:
        """A problem if the record that starts on ``row`` (the last) opens a quote and the file ends in it.

        csv reads such a record to the end of the file as one cell, silently:
        every row after the quote would be lost.  Its text is read again
        strictly, which tells the end of the file inside a quoted cell apart.
        """
        tail = "\n".join(lines()[row - 1:])
        try:
            for _ in csv.reader(io.StringIO(tail, newline=""), delimiter=delimiter, strict=True):
                pass
        except csv.Error as exc:
            if "unexpected end of data" not in str(exc):
                return  # (a stray quote that the lenient reading takes as it is)
            line = lines()[row - 1]
            problems.append(Diagnostic(
                f"row {row}: a quote (\") opens a cell here and is never closed, so the rest of the file "
                "would be one cell; close the quote (a quote inside a quoted cell is written \"\")",
                Span(row, _field_columns(line, delimiter)[1] or 1, file=filename), source_line=line))

    def _csv_rows(source: Iterable[str], quoted: bool) -> Iterator[tuple[int, list[Cell]]]:
        if "'" in text:  # (a cell a spreadsheet was kept from running: `'=HYPERLINK(…)` is `=HYPERLINK(…)`)
            for row, cells in _csv_cells(source, quoted):
                yield row, [original_text(c) if c[:1] == "'" else c for c in cells]  # type: ignore[index,arg-type]
            return
        yield from _csv_cells(source, quoted)

    def _csv_cells(source: Iterable[str], quoted: bool) -> Iterator[tuple[int, list[Cell]]]:
        reader = csv.reader(source, delimiter=delimiter)
        start = skip + 1
        try:
            if not quoted:  # no quoted cells: one record a line, numbered by enumerate
                yield from enumerate(cast("Iterator[list[Cell]]", reader), start)
            else:
                last = 0
                for cells in reader:
                    last = start
                    yield start, cast("list[Cell]", cells)
                    start = reader.line_num + skip + 1
                if last:
                    unclosed_quote(last)
        except csv.Error as exc:
            if not quoted:
                start = reader.line_num + skip
            if "field larger than field limit" in str(exc):  # (its line is not shown: it may be 200 MB)
                problems.append(Diagnostic(
                    f"a cell of more than {MAX_CELL_CHARS:,} characters, more than a CSV cell holds"
                    + (" (a quote that opens a cell on this row and is closed much later, or never, makes "
                       "the rest one cell)" if quoted else ""), Span(start, 1, file=filename)))
                return
            problems.append(Diagnostic(f"not valid CSV: {exc}", Span(start, 1, file=filename),
                                       source_line=lines()[start - 1] if start <= len(lines()) else None))

    if "\x00" in text:
        at = text[: text.index("\x00")].count("\n") + 1
        raise _nul_byte(name, at)

    # A row with far more cells than its header (100M trailing commas) is an error, found before the
    # csv module would make a list of them all; the row is then read as blank, so the others are still read.
    wide: list[Diagnostic] = []
    if text.count(delimiter) >= MAX_EXTRA_CELLS:
        every = lines()
        if max(map(len, every)) > MAX_EXTRA_CELLS:
            header = next((line for line in every[skip:] if line.strip()), "")
            ncells = _count_cells(header, delimiter)
            if ncells > MAX_HEADER_CELLS:
                raise _header_too_wide(name, ncells)
            limit = ncells + MAX_EXTRA_CELLS
            for i, line in enumerate(every):
                if len(line) >= limit and line.count(delimiter) + 1 > limit:
                    n = _count_cells(line, delimiter)
                    if n > limit:
                        wide.append(_row_too_wide(i + 1, n, ncells, filename))
                        every[i] = ""
            if wide:
                text = "\n".join(every)

    return _read_table(problems, wide, name, filename, number_format, delimiter, locate, rows, '"' not in text)


def _read_table(problems: Problems, wide: list[Diagnostic], name: str, filename: str | None,
                number_format: str | None, delimiter: str, locate: Any, rows: Callable[[], Iterable[tuple[int, list[Cell]]]],
                line_rows: bool) -> Data:
    """The Data of a CSV file's rows (``rows()`` gives them again for each reading), or its problems raised."""
    def source(row: int, col: int | None) -> Source:
        return Source(filename, f"row {row}")

    def read(fmt: str | None, votes: NumberVotes) -> tuple[Data, list[Diagnostic]]:
        data = Data()
        data.files.append(name)
        problems.clear()
        problems.extend(wide)
        # (the garbage collector is left alone: a library must not switch off process-wide state)
        Table(data, problems, fmt, locate, source, text_rows=True, file=filename,
              line_rows=line_rows, delimiter=delimiter, votes=votes).read(rows())
        return data, problems

    data, _ = read_deciding(read, name, number_format)
    if problems:
        err = KpiDataError.from_diagnostics(problems.final())
        err.partial = data  # type: ignore[attr-defined]
        raise err
    return data


def read_csv_stream(path: str, number_format: str | None = None) -> Data | None:
    """Read a CSV file larger than :data:`kpirules.text.MAX_TEXT_BYTES` a line at a time, as
    :func:`parse_csv_data` reads its text, the text never held whole: the same Data, or the same
    problems (file:line, the cell, "… and N more like this").  Taken: a regular UTF-8 file (a byte-order
    mark or not) with no quote, no line over csv's field limit and one line end throughout (``\\n`` or
    ``\\r\\n``); None for any other, which stays refused as too large.  A cell too long, a row of far too
    many cells, bytes that are not UTF-8 and a NUL byte are the small file's errors.  The file is read
    once to look at it, then once for each reading the number format needs (:func:`read_deciding`)."""
    limit = csv.field_size_limit()
    try:
        if not stat.S_ISREG(os.stat(path).st_mode):
            return None
        if not _scan_cells(path, limit):  # (a long cell: its error; a quote or a long line: not taken)
            return None
        with open(path, "rb") as fh:
            facts = _stream_facts(path, fh)
    except OSError:
        return None  # (reading the file as a whole says what is wrong with it)
    if facts is None:
        return None
    delimiter, skip, wide, blanked = facts
    problems = Problems()
    recent: dict[int, str] = {}  # (the lines just read: a message is made while its row is read)

    def line_at(row: int) -> str | None:
        if row in recent:
            return recent[row]
        with open(path, encoding="utf-8-sig", newline="") as fh:
            return next((line.removesuffix("\n").removesuffix("\r") for i, line in enumerate(fh, 1) if i == row),
                        None)

    locate = _locator(lambda row: line_at(row) if row > 0 else None, path, delimiter)

    def rows() -> Iterator[tuple[int, list[Cell]]]:
        with open(path, encoding="utf-8-sig", newline="") as fh:
            for row, line in enumerate(fh, 1):
                if row <= skip:
                    continue
                line = "" if row in blanked else line.removesuffix("\n").removesuffix("\r")
                if len(recent) > 64:
                    recent.clear()
                recent[row] = line
                yield row, cast("list[Cell]", line.split(delimiter))

    return _read_table(problems, wide, path, path, number_format, delimiter, locate, rows, True)


def _stream_facts(path: str, fh: Any) -> tuple[str, int, list[Diagnostic], set[int]] | None:
    """What :func:`read_csv_stream` needs of a file before reading it (its delimiter, whether an Excel
    ``sep=`` line comes first, the rows of far too many cells and their problems), from one pass over its
    lines; None when it is not one that function takes.  Its decoding errors and NUL byte are raised as
    :func:`parse_csv_data` raises them."""
    first = fh.read(3)
    if first.startswith((b"\xff\xfe", b"\xfe\xff")):
        return None
    bom = 3 if first == b"\xef\xbb\xbf" else 0
    fh.seek(bom)
    delimiter, skip = ",", 0
    ncells = 0  # (the header's cells, once met)
    wide: list[Diagnostic] = []
    blanked: set[int] = set()
    nul = 0
    crlf = bare = 0  # the body's lines that end with "\r\n", with "\n" alone
    offset = bom
    for row, raw in enumerate(iter(fh.readline, b""), 1):
        try:
            line = raw.decode("utf-8")
        except UnicodeDecodeError as exc:  # (the small file's message: see decode_text)
            _not_utf8(path, fh, offset + exc.start - bom)
        offset += len(raw)
        end = 2 if line.endswith("\r\n") else 1 if line.endswith("\n") else 0
        line = line[:len(line) - end]
        if "\r" in line:
            return None  # (a line end of "\r" alone)
        if "\x00" in line and not nul:
            nul = row
        if row == 1:
            stripped = line.strip()
            if stripped.lower().startswith("sep=") and len(stripped) == 5:
                delimiter, skip = stripped[4], 1
            else:
                delimiter = _sniff_delimiter(line)
        if row > skip:
            crlf += end == 2
            bare += end == 1
        if row <= skip:
            continue
        if not ncells:
            if line.strip():
                ncells = line.count(delimiter) + 1
            continue
        n = line.count(delimiter) + 1
        if n > ncells + MAX_EXTRA_CELLS:
            wide.append(_row_too_wide(row, n, ncells, path))
            blanked.add(row)
    if nul:
        raise _nul_byte(path, nul)
    if ncells > MAX_HEADER_CELLS:  # (after a NUL byte, as the small reader looks)
        raise _header_too_wide(path, ncells)
    if crlf and bare:
        return None  # (both line ends: the small reader reads such a file by the csv module)
    return delimiter, skip, wide, blanked


def _not_utf8(path: str, fh: Any, at: int) -> NoReturn:
    """Raise the error of :func:`kpirules.text.decode_text` for bytes that are not UTF-8 at offset ``at``
    (as that function counts it) of the file, read again a block at a time."""
    fh.seek(0)
    head = fh.read(4)
    fh.seek(0)
    line, done = 1, 0
    while done < at:
        block = fh.read(min(1 << 20, at - done))
        line += block.count(b"\n")
        done += len(block)
    byte = fh.read(1)
    raise texts.not_utf8(path, "data file", line, byte[0], at, head, KpiDataError) from None

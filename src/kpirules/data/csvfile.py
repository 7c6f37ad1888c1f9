"""The CSV reader: delimiter and quoting as spreadsheets export them, with a fast loop for plain lines."""

from __future__ import annotations

import csv
import io
import itertools
import os
import re
import stat
from collections.abc import Iterable, Iterator
from typing import cast

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
        return True  # (a file too big is refused as such when it is read)
    cell, line_run = b"x" * _LONG_RUN, b"x" * (max_line + 1)
    plain = True
    line, tail, line_tail = 1, 0, 0  # (the line of the chunk's start; the runs that end the chunks so far)
    with open(path, "rb") as fh:
        while chunk := fh.read(1 << 20):
            runs = chunk.translate(_RUN_BYTES)
            first = runs.find(b"\n")
            at = 0 if tail + (len(runs) if first < 0 else first) >= _LONG_RUN else runs.find(cell)
            if at >= 0:
                line += chunk.count(b"\n", 0, at)
                raise KpiDataError(
                    f"{path}:{line}: a cell of more than {MAX_CELL_CHARS:,} characters ({_LONG_RUN:,} bytes "
                    "or more with no delimiter, quote or line end), more than a CSV cell holds; kpirules "
                    "stopped reading there: is this the right file?")
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

    def locate(row: int, col: int | None) -> tuple[str, Span, str | None, str]:
        src = lines()[row - 1] if 0 < row <= len(lines()) else None
        if col is None:
            return "", Span(row, 1, file=filename), src, f"row {row}"
        starts = _field_columns(src or "", delimiter)[0]
        column = starts[col] if col < len(starts) else 1
        return "", Span(row, column, file=filename), src, f"cell {column_letter(col)}{row}"

    def source(row: int, col: int | None) -> Source:
        return Source(filename, f"row {row}")

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
        raise KpiDataError(f"{name}:{at}: a NUL byte: this is not a text CSV file (an .xlsx renamed?)")

    # A row with far more cells than its header (100M trailing commas) is an error, found before the
    # csv module would make a list of them all; the row is then read as blank, so the others are still read.
    wide: list[Diagnostic] = []
    if text.count(delimiter) >= MAX_EXTRA_CELLS:
        every = lines()
        if max(map(len, every)) > MAX_EXTRA_CELLS:
            header = next((line for line in every[skip:] if line.strip()), "")
            ncells = _count_cells(header, delimiter)
            if ncells > MAX_HEADER_CELLS:
                raise KpiDataError(f"{name}: the header has {ncells:,} cells; a data header has at most "
                                   f"{MAX_HEADER_CELLS:,} (period,unit,metric,value or task,status,date,note)")
            limit = ncells + MAX_EXTRA_CELLS
            for i, line in enumerate(every):
                if len(line) >= limit and line.count(delimiter) + 1 > limit:
                    n = _count_cells(line, delimiter)
                    if n > limit:
                        wide.append(Diagnostic(
                            f"row {i + 1}: this row has {n:,} cells but the header has {ncells}; a row may have "
                            f"at most {MAX_EXTRA_CELLS:,} cells more than its header (blank ones included)",
                            Span(i + 1, 1, file=filename)))
                        every[i] = ""
            if wide:
                text = "\n".join(every)

    def read(fmt: str | None, votes: NumberVotes) -> tuple[Data, list[Diagnostic]]:
        data = Data()
        data.files.append(name)
        problems.clear()
        problems.extend(wide)
        # (the garbage collector is left alone: a library must not switch off process-wide state)
        Table(data, problems, fmt, locate, source, text_rows=True, file=filename,
              line_rows='"' not in text, delimiter=delimiter, votes=votes).read(rows())
        return data, problems

    data, _ = read_deciding(read, name, number_format)
    if problems:
        err = KpiDataError.from_diagnostics(problems.final())
        err.partial = data  # type: ignore[attr-defined]
        raise err
    return data

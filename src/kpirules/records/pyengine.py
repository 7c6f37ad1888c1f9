"""The reference engine: counts records in plain Python, one row at a time.

It streams: memory grows with the number of windows, units and distinct values counted,
never with the number of rows.  Sums are exact (:class:`decimal.Decimal` under a context that
refuses to round).  Its answers are what the SQL engines are tested against.
"""

from __future__ import annotations

import csv
import datetime
import decimal
import io
import json
import operator
import re
from collections.abc import Callable, Iterator, Sequence
from fractions import Fraction
from typing import Any

from kpirules.errors import Diagnostic, KpiDataError, Span
from kpirules.records.counting import DatasetStats, Part, Partials
from kpirules.records.model import (
    Agg,
    And,
    Cmp,
    Col,
    ColType,
    CountedMetric,
    Dataset,
    Filter,
    In,
    Lit,
    Missing,
    Not,
    Or,
    column_types,
    columns_of,
    needs_nfc,
    nfc_text,
    resolve_metric_units,
)
from kpirules.records.sources import DATE_PATTERN, DMY_PATTERN, NUMBER_PATTERN, FileSource, FrameSource, RecordSource
from kpirules.records.windows import Windows

__all__ = ["count_python", "read_rows", "row_word", "row_names", "jsonl_problem", "jsonl_check", "csv_problem", "BAD_ROWS_SHOWN", "FLOATS",
           "check_frame_floats"]

#: how many bad rows an error names, per column
BAD_ROWS_SHOWN = 5

_NUMBER = re.compile(NUMBER_PATTERN)
_DATE = re.compile(DATE_PATTERN)
_DMY = re.compile(DMY_PATTERN)
_EXACT = decimal.Context(prec=decimal.MAX_PREC, traps=[decimal.Inexact, decimal.InvalidOperation])

_BAD = object()  # a cell that is not of its column's kind


# --------------------------------------------------------------------------- cells


def _as_date(v: Any) -> Any:
    if v is None:
        return None
    if type(v) is str:
        if not v:
            return None
        try:
            if _DATE.fullmatch(v):
                return datetime.date.fromisoformat(v)
            m = _DMY.fullmatch(v)
            if m:
                return datetime.date(int(m.group(3)), int(m.group(2)), int(m.group(1)))
        except ValueError:  # (a day that does not exist: 2020-02-30, 31/04/2020)
            return _BAD
        return _BAD
    if isinstance(v, datetime.datetime):
        return v.date()
    if isinstance(v, datetime.date):
        return v
    return _BAD


def _as_number(v: Any) -> Any:
    if v is None:
        return None
    t = type(v)
    if t is str:
        if not v:
            return None
        if _NUMBER.fullmatch(v):
            return decimal.Decimal(v)
        return _BAD
    if t is int or t is decimal.Decimal:
        return v
    if t is float:
        if v != v or v in (float("inf"), float("-inf")):
            return _BAD
        return decimal.Decimal(repr(v))
    return _BAD


def _as_text(v: Any) -> Any:
    if v is None:
        return None
    t = type(v)
    if t is str:
        return v or None
    if t is bool:
        return "true" if v else "false"
    if isinstance(v, datetime.date):
        return v.isoformat()
    if t in (int, decimal.Decimal):
        return str(v)
    if t is float:
        return repr(v)
    return _BAD


def _as_bool(v: Any) -> Any:
    if v is None:
        return None
    if type(v) is bool:
        return v
    if type(v) is str:
        if not v:
            return None
        low = v.lower()
        if low == "true":
            return True
        if low == "false":
            return False
    return _BAD


def _as_any(v: Any) -> Any:
    if v is None or v == "":
        return None
    if isinstance(v, (list, dict)):
        return _BAD
    return v


CONVERT: dict[ColType, Callable[[Any], Any]] = {
    ColType.DATE: _as_date,
    ColType.NUMBER: _as_number,
    ColType.TEXT: _as_text,
    ColType.BOOL: _as_bool,
    ColType.ANY: _as_any,
}

_EXPECTED = {
    ColType.DATE: "dates (YYYY-MM-DD or dd/mm/yyyy)",
    ColType.NUMBER: "numbers (plain decimals such as 12 or -3.25, at most 9 decimal places)",
    ColType.TEXT: "text",
    ColType.BOOL: "true or false",
    ColType.ANY: "plain values",
}


def expected(t: ColType) -> str:
    return _EXPECTED[t]


# --------------------------------------------------------------------------- reading rows


def row_word(source: Any) -> str:
    """How messages name a row of ``source``, on every engine: ``line N``, the line of a text file
    (CSV: the header is line 1; JSON lines: blank lines count); ``row N``, the N-th row read of a
    Parquet file or a table, from 1; ``index N``, the position in rows a program holds, from 0."""
    if isinstance(source, FrameSource):
        return "index"
    if isinstance(source, FileSource) and source.format in ("csv", "jsonl"):
        return "line"
    return "row"


def row_names(source: Any, ordinals: Sequence[int]) -> dict[int, str]:
    """The names (:func:`row_word`) of the rows an SQL engine numbers 1, 2, … in the order read: a text
    file's rows by their line, found by reading the file as the Python engine does, up to the last asked."""
    word = row_word(source)
    if word == "index":
        return {k: f"index {k - 1}" for k in ordinals}
    if word == "row":
        return {k: f"row {k}" for k in ordinals}
    wanted = set(ordinals)
    lines: dict[int, int] = {}
    try:
        numbered: Iterator[int] = ((n for n, _ in _csv_rows(source.path, [])) if source.format == "csv"
                                   else _jsonl_numbers(source.path))
        for k, line in enumerate(numbered, 1):
            if k in wanted:
                lines[k] = line
                if len(lines) == len(wanted):
                    break
    except KpiDataError:
        pass  # (a file that changed under us: its rows as the engine numbered them)
    return {k: f"line {lines.get(k, k)}" for k in ordinals}


def _jsonl_numbers(path: str) -> Iterator[int]:
    """The line of each row of a JSON lines file (blank lines are no row)."""
    with _open_text(path) as f:
        try:
            for number, line in enumerate(f, 1):
                if line.strip():
                    yield number
        except UnicodeDecodeError:
            return


def jsonl_problem(path: str) -> KpiDataError | None:
    """The error the Python engine gives for a JSON lines file (its first line that is not a JSON
    object, or text that is not UTF-8), so that every engine that fails to read one says the same;
    None when the file reads."""
    return jsonl_check(path, [])[0]


def jsonl_check(path: str, columns: Sequence[str]) -> tuple[KpiDataError | None, bool]:
    """:func:`jsonl_problem` (and a key of ``columns`` no line has), and whether a cell of ``columns`` is
    an object or an array (which no column holds: the Python engine refuses it)."""
    nested = False
    try:
        for _, cells in _jsonl_rows(path, columns):
            if not nested and any(isinstance(v, (dict, list)) for v in cells):
                nested = True
    except KpiDataError as exc:
        return exc, nested
    return None, nested


def read_rows(source: RecordSource, columns: Sequence[str]) -> Iterator[tuple[int, list[Any]]]:
    """``(row number, [cell of each column])`` of a file (CSV and JSON lines rows numbered by line, Parquet
    rows from 1) or of rows in memory (numbered by their index, from 0): :func:`row_word`."""
    if isinstance(source, FrameSource):
        return _frame_rows(source, columns)
    if not isinstance(source, FileSource):
        raise KpiDataError(
            f"{source.describe()}: the Python engine reads files (CSV, Parquet, JSON lines); "
            "use --engine duckdb, a postgresql:// URL or spark for a database"
        )
    import os

    from kpirules.text import check_regular

    check_regular(source.path, "records file", KpiDataError)
    try:
        empty = os.path.getsize(source.path) == 0
    except OSError:
        empty = False  # (opening it says why it cannot be read)
    if empty:
        raise KpiDataError(f"{source.path}: the records file is empty (0 bytes); a file without rows still "
                           "has its header (CSV) or is a file of JSON lines")
    if source.format == "csv":
        return _csv_rows(source.path, columns)
    if source.format == "jsonl":
        return _jsonl_rows(source.path, columns)
    return _parquet_rows(source.path, columns)


def _open_text(path: str) -> io.TextIOBase:
    try:
        f = open(path, encoding="utf-8-sig", newline="")
    except OSError as exc:
        raise KpiDataError(f"{path}: cannot read the records file ({exc.strerror or exc})") from None
    return f


def sniff_delimiter(header: str) -> str:
    """``,`` or ``;``: whichever the header line has more of outside quotes."""
    plain = re.sub(r'"[^"]*"', "", header)
    return ";" if plain.count(";") > plain.count(",") else ","


def closest_column(name: str, columns: Sequence[str]) -> str | None:
    """The column ``name`` was most likely meant to be, or None when none is close enough.

    Names are compared without case and diacritics, whole and by their ``_`` parts (``kenh`` is close to
    ``kenh_nop``), and a column must be really close (a similarity of 0.75): ``chanel`` is ``channel``
    misspelt, but has too little in common with ``han`` to suggest it."""
    import difflib

    from kpirules.text import fold

    want = "".join(fold(name).split())
    best: tuple[float, str] | None = None
    for c in columns:
        key = "".join(fold(c).split())
        parts = [key] + [part for part in key.split("_") if part and part != key]
        score = max(difflib.SequenceMatcher(None, want, part).ratio() for part in parts)
        if score >= 0.75 and (best is None or score > best[0]):
            best = (score, c)
    return None if best is None else best[1]


#: the columns a :class:`KpiDataError` of :func:`missing_columns` says are missing (an attribute of it)
MISSING = "missing_columns"


def missing_columns(path: str, header: Sequence[str], columns: Sequence[str]) -> KpiDataError:
    have = list(header)
    lost = [c for c in columns if c not in have]
    diags = []
    for c in lost:
        close = closest_column(c, have)
        hint = f"did you mean {close!r}?" if close else None
        diags.append(Diagnostic(
            f"{path}: no column {c!r}; the columns are: {', '.join(have) or '(none)'}", hint=hint))
    exc = KpiDataError("\n".join(str(d) for d in diags), diags)
    setattr(exc, MISSING, lost)
    return exc


def _csv_rows(path: str, columns: Sequence[str]) -> Iterator[tuple[int, list[Any]]]:
    f = _open_text(path)
    with f:
        try:
            first = f.readline()
        except UnicodeDecodeError as exc:
            raise KpiDataError(f"{path}: not UTF-8 text ({exc.reason} at byte {exc.start})") from None
        if not first.strip():
            raise KpiDataError(f"{path}: the records file is empty; it needs a header row naming its columns")
        delim = sniff_delimiter(first)
        header = next(csv.reader([first], delimiter=delim))
        header = [h.strip() for h in header]
        index: dict[str, int] = {}
        for i, h in enumerate(header):
            index.setdefault(h, i)
        if any(c not in index for c in columns):
            raise missing_columns(path, header, columns)
        picks = [index[c] for c in columns]
        fields = len(header)
        reader = csv.reader(f, delimiter=delim)
        line = 2  # (the line the next row starts on: a cell in quotes may hold line breaks)
        wrong: list[tuple[int, int]] = []  # (line, fields) of the first rows of another width
        n_wrong = 0
        try:
            for row in reader:
                start, line = line, reader.line_num + 2
                if not row:
                    continue
                if len(row) != fields and (len(row) < fields or any(row[fields:])):
                    n_wrong += 1
                    if len(wrong) < BAD_ROWS_SHOWN:
                        wrong.append((start, len(row)))
                    continue
                yield start, [row[i] for i in picks]
        except UnicodeDecodeError as exc:
            raise KpiDataError(f"{path}: not UTF-8 text after line {line - 1} ({exc.reason})") from None
        except csv.Error as exc:
            raise KpiDataError(f"{path}:{line}: {exc}") from None
    if wrong:
        raise _wrong_width(path, delim, fields, wrong, n_wrong)


def _wrong_width(path: str, delim: str, fields: int, wrong: Sequence[tuple[int, int]], count: int) -> KpiDataError:
    """The error of CSV rows with more or fewer cells than the header (``wrong``: the first rows' line
    and number of cells; ``count``: how many in all): every engine refuses them, never reading the cells
    of such a row into the wrong columns.  Empty cells after the last column are no cell too many (a
    spreadsheet writes them)."""
    diags = []
    for line, n in wrong:
        hint = (f"a cell holding the delimiter goes in double quotes: \"a{delim} b\"" if n > fields else
                f"an empty cell is still there between two delimiters: a{delim}{delim}c")
        diags.append(Diagnostic(f"{n} cell{'s' if n != 1 else ''} where the header has {fields}",
                                Span(line, 1, file=path), hint=hint))
    if count > len(wrong):
        diags.append(Diagnostic(f"{path}: and {count - len(wrong)} more rows with another number of cells "
                                f"than the header's {fields}"))
    return KpiDataError("\n".join(str(d) for d in diags), diags)


def csv_problem(path: str) -> KpiDataError | None:
    """The error the Python engine gives for a CSV file (rows of another width than the header, text
    that is not UTF-8, …), so that an engine that fails to read one says the same; None when it reads."""
    try:
        for _ in _csv_rows(path, []):
            pass
    except KpiDataError as exc:
        return exc
    return None


def _json_number(token: str) -> str:
    """A JSON number with a fraction or an exponent, as the text every engine reads for it: the
    shortest decimal of its double (DuckDB's reading), then checked as any text cell is
    (at most 9 places: ``0.30000000000000004`` is refused on every engine, ``1e5`` is 100000)."""
    return repr(float(token))


def _jsonl_rows(path: str, columns: Sequence[str]) -> Iterator[tuple[int, list[Any]]]:
    f = _open_text(path)
    seen: set[str] = set()
    with f:
        number = 0
        try:
            for number, line in enumerate(f, 1):
                if not line.strip():
                    continue
                try:
                    obj = json.loads(line, parse_float=_json_number)
                except json.JSONDecodeError as exc:
                    raise KpiDataError(f"{path}:{number}:{exc.colno}: not a JSON object: {exc.msg}") from None
                except ValueError as exc:  # (a number too long to read as an int)
                    raise KpiDataError(f"{path}:{number}: not a JSON object: {exc}") from None
                if not isinstance(obj, dict):
                    raise KpiDataError(f"{path}:{number}: each line must be a JSON object, not {type(obj).__name__}")
                seen.update(c for c in columns if c in obj)
                yield number, [obj.get(c) for c in columns]
        except UnicodeDecodeError as exc:
            raise KpiDataError(f"{path}: not UTF-8 text after line {number} ({exc.reason})") from None
    lost = [c for c in columns if c not in seen]
    if lost and number:
        raise KpiDataError.from_diagnostics(
            Diagnostic(f"{path}: no row has the key {c!r}") for c in lost)


def native_kinds(source: Any) -> dict[str, ColType]:
    """The kinds of a Parquet file's or a frame's date and number columns (a text file has none)."""
    is_frame = isinstance(source, FrameSource)
    if not is_frame and (not isinstance(source, FileSource) or source.format != "parquet"):
        return {}
    import duckdb
    from sqlglot import exp

    from kpirules.records.sqlbuild import source_kind

    con = duckdb.connect()
    try:
        if is_frame:
            try:
                _, types, _ = frame_relation(con, source, [], duckdb)
            except KpiDataError:
                return {}
            desc: Any = list(types.items())
        else:
            rel = exp.func("read_parquet", exp.Literal.string(source.path))
            desc = con.execute(exp.select("*").from_(rel).limit(0).sql(dialect="duckdb")).description
    except duckdb.Error:
        return {}  # (reading it says what is wrong)
    finally:
        con.close()
    out: dict[str, ColType] = {}
    for name, type_ in ((d[0], str(d[1])) for d in desc):
        kind = ColType.DATE if type_.upper().startswith("TIMESTAMP") else source_kind(type_)
        if kind in (ColType.DATE, ColType.NUMBER):
            out[name] = kind
    return out


def _parquet_rows(path: str, columns: Sequence[str]) -> Iterator[tuple[int, list[Any]]]:
    import duckdb
    from sqlglot import exp

    con = duckdb.connect()
    try:
        rel = exp.func("read_parquet", exp.Literal.string(path))
        try:
            names = [r[0] for r in con.execute(
                exp.select("*").from_(rel).limit(0).sql(dialect="duckdb")).description]
        except duckdb.Error as exc:
            raise KpiDataError(f"{path}: cannot read the Parquet file ({_first_line(exc)})") from None
        if any(c not in names for c in columns):
            raise missing_columns(path, names, columns)
        picks: list[Any] = [exp.column(c, quoted=True) for c in columns] or [exp.Literal.number(1)]
        q = exp.select(*picks).from_(rel)
        cur = con.execute(q.sql(dialect="duckdb"))
        number = 0
        while True:
            batch = cur.fetchmany(8192)
            if not batch:
                break
            for row in batch:
                number += 1
                yield number, list(row)
    finally:
        con.close()


def frame_relation(con: Any, source: FrameSource, columns: Sequence[str], duckdb: Any) -> tuple[Any, dict[str, str], str]:
    """Rows a program holds, registered with a DuckDB connection: (a sqlglot table, each column's SQL type,
    how to name the source).  Their columns keep their types, as a Parquet file's do."""
    from sqlglot import exp

    view = f"kpirules_frame_{id(source):x}"
    try:
        con.register(view, source.table)
        desc = con.execute(f'SELECT * FROM "{view}" LIMIT 0').description
    except duckdb.Error as exc:
        raise KpiDataError(f"{source.name}: DuckDB cannot read these rows ({_first_line(exc)})") from None
    names = [d[0] for d in desc]
    if any(c not in names for c in columns):
        raise missing_columns(source.name, names, columns)
    return exp.Table(this=exp.to_identifier(view, quoted=True)), {d[0]: str(d[1]) for d in desc}, source.name


#: the ways a float in rows held in memory may be read (``floats=`` of :func:`~kpirules.records_data`)
FLOATS = ("shortest",)


def check_frame_floats(source: FrameSource, dataset: Dataset, metrics: Sequence[CountedMetric],
                       floats: str | None) -> None:
    """Rows a program holds follow the float policy of the data constructors: a float column (DOUBLE,
    FLOAT, REAL) that the metrics read is refused unless ``floats='shortest'`` says to read each float
    as the shortest decimal that gives it back, as a Parquet file's float column is read; and a float
    never names a unit (``unit by``), whatever ``floats`` says.  Each problem names the column and its
    first rows by index (``index 0``)."""
    if floats is not None and floats not in FLOATS:
        raise KpiDataError(f"floats={floats!r}: expected None or 'shortest' for records (a records number has at "
                           "most 9 decimal places, which a float's binary value seldom fits)")
    import duckdb

    con = duckdb.connect()
    try:
        try:
            _, types, _ = frame_relation(con, source, [], duckdb)
        except KpiDataError:
            return  # (reading the rows says what is wrong)
    finally:
        con.close()
    from kpirules.records.sqlbuild import is_float_type

    bad = [c for c in columns_of(dataset, metrics)
           if c in types and is_float_type(types[c]) and (floats is None or c == dataset.unit_by)]
    if not bad:
        return
    diags = []
    for column in bad:
        shown: list[tuple[int, Any]] = []
        count = 0
        for i, (v,) in _frame_rows(source, [column]):
            if v is None or v != v:  # (a NaN is a missing cell)
                continue
            count += 1
            if len(shown) < BAD_ROWS_SHOWN:
                shown.append((i, v))
        if not count:
            continue  # (a float column without a value: nothing inexact is read)
        rows = ", ".join(f"index {i} ({v!r})" for i, v in shown) + (f", and {count - len(shown)} more"
                                                                  if count > len(shown) else "")
        if column == dataset.unit_by:
            diags.append(Diagnostic(
                f"{source.name}: column {column!r} (unit by) holds floats, which do not name a unit: {rows}",
                hint="give the unit column text (or integer codes)"))
        else:
            diags.append(Diagnostic(
                f"{source.name}: column {column!r} holds floats, which are not exact: {rows}",
                hint="give ints, Decimals or decimal text, or say how to read floats: floats='shortest' "
                     "(0.1 is 1/10, as a Parquet file's float column is read)"))
    if diags:
        raise KpiDataError.from_diagnostics(diags)


def _frame_rows(source: FrameSource, columns: Sequence[str]) -> Iterator[tuple[int, list[Any]]]:
    """The rows of a frame, read through DuckDB as a Parquet file is (so every engine sees the same cells)."""
    import duckdb

    con = duckdb.connect()
    try:
        rel, _, _ = frame_relation(con, source, columns, duckdb)
        from sqlglot import exp

        picks: list[Any] = [exp.column(c, quoted=True) for c in columns] or [exp.Literal.number(1)]
        cur = con.execute(exp.select(*picks).from_(rel).sql(dialect="duckdb"))
        number = -1
        while True:
            batch = cur.fetchmany(8192)
            if not batch:
                break
            for row in batch:
                number += 1
                yield number, list(row)
    finally:
        con.close()


def _first_line(exc: BaseException) -> str:
    return str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__


# --------------------------------------------------------------------------- filters

_OPS = {
    "==": operator.eq,
    "!=": operator.ne,
    "<": operator.lt,
    "<=": operator.le,
    ">": operator.gt,
    ">=": operator.ge,
}


def _literal(v: Any) -> Any:
    """A literal as the cells it is compared with hold it (a terminating fraction: a Decimal; text in NFC)."""
    if isinstance(v, str):
        return nfc_text(v)
    if isinstance(v, Fraction) and not isinstance(v, bool):
        try:
            return _EXACT.divide(decimal.Decimal(v.numerator), decimal.Decimal(v.denominator))
        except decimal.Inexact:
            return v  # (Decimal compares with Fraction exactly)
    return v


def compile_filter(f: Filter, index: dict[str, int]) -> Callable[[list[Any]], bool | None]:
    """The filter as a function of a typed row: True, False or None (undefined)."""
    if isinstance(f, Cmp):
        op = _OPS[f.op]
        nfc = needs_nfc(f.left) or needs_nfc(f.right)  # (text compared in NFC, as on the SQL engines)
        get_l = _getter(f.left, index, nfc)
        get_r = _getter(f.right, index, nfc)

        def cmp(row: list[Any]) -> bool | None:
            a = get_l(row)
            if a is None:
                return None
            b = get_r(row)
            if b is None:
                return None
            return op(a, b)  # type: ignore[no-any-return]

        return cmp
    if isinstance(f, In):
        get = _getter(f.operand, index, any(needs_nfc(v) for v in f.values))
        values = [_literal(v.value) for v in f.values]
        negated = f.negated

        def isin(row: list[Any]) -> bool | None:
            a = get(row)
            if a is None:
                return None
            return (a in values) != negated

        return isin
    if isinstance(f, Missing):
        get = _getter(f.operand, index)
        negated = f.negated
        return lambda row: (get(row) is None) != negated
    if isinstance(f, Not):
        inner = compile_filter(f.operand, index)

        def not_(row: list[Any]) -> bool | None:
            v = inner(row)
            return None if v is None else not v

        return not_
    left = compile_filter(f.left, index)
    right = compile_filter(f.right, index)
    if isinstance(f, And):

        def and_(row: list[Any]) -> bool | None:
            a = left(row)
            if a is False:
                return False
            b = right(row)
            if b is False:
                return False
            return None if a is None or b is None else True

        return and_

    def or_(row: list[Any]) -> bool | None:
        a = left(row)
        if a is True:
            return True
        b = right(row)
        if b is True:
            return True
        return None if a is None or b is None else False

    return or_


def _getter(o: Col | Lit, index: dict[str, int], nfc: bool = False) -> Callable[[list[Any]], Any]:
    if isinstance(o, Col):
        if nfc:
            i = index[o.name]
            return lambda row: nfc_text(row[i]) if type(row[i]) is str else row[i]
        return operator.itemgetter(index[o.name])
    value = _literal(o.value)
    return lambda row: value


# --------------------------------------------------------------------------- counting


def count_python(
    dataset: Dataset,
    metrics: Sequence[CountedMetric],
    source: RecordSource,
    windows: Windows,
    rows: Iterator[tuple[int, list[Any]]] | None = None,
    resolve: Callable[[str], str] | None = None,
) -> Partials:
    """Count ``dataset``'s rows from ``source`` in ``windows`` (``rows`` given: those rows instead);
    ``resolve`` renames each row's unit as the plan names it, before anything reads it."""
    types = column_types(dataset, metrics, native_kinds(source) if rows is None else None)
    columns = columns_of(dataset, metrics)
    index = {c: i for i, c in enumerate(columns)}
    convert = [CONVERT[types[c]] for c in columns]
    date_i = index[dataset.dated_by]
    unit_i = index[dataset.unit_by] if dataset.unit_by else None
    where = [compile_filter(m.where, index) if m.where is not None else None for m in metrics]
    cols = [index[m.column] if m.column is not None else None for m in metrics]
    aggs = [m.agg for m in metrics]
    names = [m.name for m in metrics]
    distinct_sets: dict[tuple[str, str, str | None], set[Any]] = {}
    out = Partials(dataset, list(metrics), windows, DatasetStats())
    stats = out.stats
    parts = out.parts
    groups = out.rows
    bad: dict[str, list[tuple[int, Any]]] = {}
    bad_count: dict[str, int] = {}
    window_of: dict[datetime.date, Any] = {}
    named: dict[str, str] = {}  # each unit's name in the rows → the plan's name for it
    unit_i_renamed = unit_i if resolve is not None else None
    if rows is None:
        rows = read_rows(source, columns)
    for number, raw in rows:
        stats.rows += 1
        row = [conv(v) for conv, v in zip(convert, raw)]
        if unit_i_renamed is not None:
            u = row[unit_i_renamed]
            if type(u) is str:
                name = named.get(u)
                if name is None:
                    name = named[u] = resolve(u)  # type: ignore[misc]
                row[unit_i_renamed] = name
        if _BAD in row:
            for c, v, r in zip(columns, raw, row):
                if r is _BAD:
                    bad_count[c] = bad_count.get(c, 0) + 1
                    shown = bad.setdefault(c, [])
                    if len(shown) < BAD_ROWS_SHOWN:
                        shown.append((number, v))
            continue
        if bad:
            continue  # the file is refused: only the bad cells are still looked for
        d = row[date_i]
        if d is None:
            stats.undated += 1
            continue
        if stats.first is None or d < stats.first:
            stats.first = d
        if stats.last is None or d > stats.last:
            stats.last = d
        w = window_of.get(d, _BAD)
        if w is _BAD:
            w = window_of[d] = windows.finest_of(d)
        if w is None:
            stats.outside += 1
            continue
        label = w.label
        unit = row[unit_i] if unit_i is not None else None
        keys: list[str | None] = [None]
        if unit_i is not None:
            if unit is None:
                stats.no_unit += 1
            else:
                keys.append(unit)
                stats.units[unit] = stats.units.get(unit, 0) + 1
        for u in keys:
            groups[(label, u)] = groups.get((label, u), 0) + 1
        for i, agg in enumerate(aggs):
            test = where[i]
            if test is not None and test(row) is not True:
                continue
            if agg is Agg.COUNT:
                value = None
            else:
                value = row[cols[i]]  # type: ignore[index]
                if value is None:
                    continue
            if agg is Agg.COUNT_DISTINCT:
                for ww in (w, *windows.parents[label]):
                    for u in keys:
                        distinct_sets.setdefault((names[i], ww.label, u), set()).add(value)
                continue
            for u in keys:
                key = (names[i], label, u)
                part = parts.get(key)
                if part is None:
                    part = parts[key] = Part()
                part.n += 1
                if agg is Agg.COUNT:
                    continue
                if agg is Agg.SUM or agg is Agg.AVG:
                    if type(value) is decimal.Decimal or type(part.total) is decimal.Decimal:
                        part.total = _EXACT.add(part.total, value)  # type: ignore[arg-type]  # (exact: never rounds)
                    else:
                        part.total = part.total + value
                elif agg is Agg.MIN:
                    if part.lo is None or value < part.lo:
                        part.lo = value
                elif part.hi is None or value > part.hi:
                    part.hi = value
    if bad:
        where_ = source.describe() if hasattr(source, "describe") else str(source)
        word = row_word(source)
        raise KpiDataError.from_diagnostics(
            _bad_column(where_, c, types[c], bad_count[c], bad[c], dataset, word) for c in columns if c in bad)
    out.distinct = {k: len(v) for k, v in distinct_sets.items()}
    return out


def _bad_column(where: str, column: str, t: ColType, count: int, shown: list[tuple[int, Any]],
                dataset: Dataset, word: str) -> Diagnostic:
    rows = ", ".join(f"{word} {n} ({_show(v)})" for n, v in shown)
    more = f", and {count - len(shown)} more" if count > len(shown) else ""
    role = " (dated by)" if column == dataset.dated_by else " (unit by)" if column == dataset.unit_by else ""
    return Diagnostic(
        f"{where}: column {column!r}{role} of dataset {dataset.name!r} must hold {expected(t)}; "
        f"{count} row{'s are' if count != 1 else ' is'} not: {rows}{more}"
    )


def _show(v: Any) -> str:
    text = v if isinstance(v, str) else json.dumps(v, default=str, ensure_ascii=False)
    if len(text) > 40:
        text = text[:40] + "…"
    return repr(text) if isinstance(v, str) else text


def sample_rows(
    dataset: Dataset,
    metric: CountedMetric,
    source: RecordSource,
    window: Any,
    unit: str | None,
    limit: int,
    resolve: Callable[[str], str] | None = None,
) -> tuple[list[str], list[tuple[int, list[Any]]]]:
    """The first ``limit`` rows that ``metric`` counts in ``window`` (and ``unit``, each row's unit
    named by ``resolve`` as in :func:`count_python`): (columns, rows)."""
    metric = resolve_metric_units(metric, dataset, resolve)
    types = column_types(dataset, [metric], native_kinds(source))
    columns = columns_of(dataset, [metric])
    index = {c: i for i, c in enumerate(columns)}
    convert = [CONVERT[types[c]] for c in columns]
    test = compile_filter(metric.where, index) if metric.where is not None else None
    date_i = index[dataset.dated_by]
    unit_i = index[dataset.unit_by] if dataset.unit_by else None
    out: list[tuple[int, list[Any]]] = []
    for number, raw in read_rows(source, columns):
        row = [conv(v) for conv, v in zip(convert, raw)]
        if _BAD in row:
            continue
        if resolve is not None and unit_i is not None and type(row[unit_i]) is str:
            row[unit_i] = resolve(row[unit_i])
        d = row[date_i]
        if d is None or not window.start <= d <= window.end:
            continue
        if unit is not None and (unit_i is None or row[unit_i] != unit):
            continue
        if test is not None and test(row) is not True:
            continue
        if metric.column is not None and row[index[metric.column]] is None:
            continue
        out.append((number, raw))
        if len(out) >= limit:
            break
    return columns, out

"""Large long-form CSV files read by DuckDB: every cell as text, checked in SQL, each value read when asked for.

The Python reader (:mod:`kpirules.data.csvfile`) is the reference.  This one
takes only files it reads exactly as the Python reader does: the header
``period,unit,metric,value`` (any order, the Vietnamese names too) on the
first line, no quote, one record a line, no blank line, period labels that
read, unit and metric names as they are kept (no spaces around, NFC), every
value a plain number (``12``, ``12.5``; ``1.700`` is ambiguous), no
(period, unit, metric) given twice.  Anything else, and any file DuckDB does
not read, is handed back (None), and the Python reader reads it and names
what is wrong: so the messages are always that reader's.

The values stay as DuckDB's text until a period's values are asked for (see
:class:`~kpirules.data.model.LazySnapshots`); then they are read by the same
function as the Python reader's, so they are the same exact numbers.  When
every value is asked for, DuckDB turns each text (in the checked grammar) into
the integer of its digits and their scale, and Python makes the same int or
Fraction from them.  The metric cells are read into an ENUM of the metrics of
the file's first lines when those name them all (else as text).
"""

from __future__ import annotations

import os
from fractions import Fraction
from collections.abc import Iterable, Iterator
from typing import Any

from kpirules.data.model import (
    Data, FileSource, FORM_ROW, LazySnapshots, PeriodKey, SnapshotLoader, Source, Value, unit_name)
from kpirules.data.table import _cell_value, column_letter, header_name
from kpirules.errors import KpiPeriodError
from kpirules.periods import Period, parse_period


#: files at least this large (bytes) are read by DuckDB when they fit (smaller ones: the Python reader)
MIN_BYTES = 4_000_000
#: longest label, unit or metric cell taken (a longer one: the Python reader, which has limits of its own)
_MAX_NAME = 10_000
#: the longest line DuckDB reads (bytes): a line of three names of _MAX_NAME characters and a value fits;
#: DuckDB refuses a longer one at once (a line of 50M commas took it 3 GB to refuse); the loader gives it
#: no file with such a line (:func:`kpirules.data.csvfile.refuse_long_cells`)
MAX_LINE = 1 << 20
_NULL = "\x01kpirules:null\x01"  # (no cell is read as NULL: a cell equal to this is not taken)
_COLUMNS = ("period", "unit", "metric", "value")
#: the value cells taken (at most 40 characters), by the stated number format: a whole number of up to 18
#: digits (read as int), and but for "vi" a decimal with a dot, which with no format stated must not be
#: one that the Vietnamese format reads with a thousands separator (1.700: ambiguous): a dot followed by
#: other than 3 digits, or after a whole part of 4 digits or more, or one starting with 0
_NUMBER = {
    "vi": r"[0-9]{1,18}",
    "en": r"[0-9]{1,18}|[0-9]+\.[0-9]+",
    None: r"[0-9]{1,18}|[0-9]+\.([0-9]{1,2}|[0-9]{4,})|0[0-9]*\.[0-9]+|[0-9]{4,}\.[0-9]+",
}
_BLOCK = 1 << 24
#: the first bytes of the file whose lines' metrics are read as an ENUM (see read_large_csv)
_HEAD = 1 << 16
_TEN = [10 ** i for i in range(64)]
#: the rows fetched at a time when every value is read
_CHUNK = 1 << 16
#: the rows whose metrics are looked up first (see _read), and the first rows searched for a decimal
_SAMPLE = 1 << 16


def _header(path: str) -> tuple[str, list[str], list[str]] | None:
    """The delimiter and the column names of the first line, if the file may be read here, and the metrics
    of the lines after it in the first bytes (empty when they do not split into the four cells)."""
    from kpirules.data.csvfile import _sniff_delimiter

    with open(path, "rb") as fh:
        head = fh.read(1 << 16)
    if head.startswith((b"\xff\xfe", b"\xfe\xff")):
        return None
    if head.startswith(b"\xef\xbb\xbf"):
        head = head[3:]
    end = head.find(b"\n")
    if end < 0:
        return None
    try:
        first = head[:end].decode("utf-8")
    except UnicodeDecodeError:
        return None
    if first.endswith("\r"):
        first = first[:-1]
    if any(c in first for c in "\"'\r\x00") or first.strip().lower().startswith("sep="):
        return None
    delimiter = _sniff_delimiter(first)
    names = [header_name(h) for h in first.split(delimiter)]
    if sorted(names) != sorted(_COLUMNS):
        return None
    body = head[end + 1:_HEAD]
    metrics: dict[str, None] = {}
    try:
        lines = body[:body.rfind(b"\n") + 1].decode("utf-8").split("\n")[:-1]
    except UnicodeDecodeError:
        lines = []
    at = names.index("metric")
    for line in lines:
        cells = line.removesuffix("\r").split(delimiter)
        if len(cells) != 4:
            return delimiter, names, []
        metrics[cells[at]] = None
    return delimiter, names, list(metrics)


def _lines(path: str) -> int:
    """The lines of the file (a last line without a line end counted)."""
    count, last = 0, bytearray(b"\n")
    block = bytearray(_BLOCK)
    with open(path, "rb", buffering=0) as fh:
        while n := fh.readinto(block):
            part = block if n == _BLOCK else block[:n]
            count += part.count(b"\n")
            last = part[-1:]
    return count + (last != b"\n")


def _good_name(raw: Any) -> bool:
    return (isinstance(raw, str) and len(raw) <= _MAX_NAME
            and not any(c in raw for c in "\"\r\n\x00") and not raw.startswith("'"))


def read_large_csv(path: str, number_format: str | None) -> Data | None:
    """The Data of a long-form CSV file read by DuckDB, its values read when asked for; None when the file
    is not one this reader takes (see the module), to be read by the Python reader."""
    header = _header(path)
    if header is None:
        return None
    delimiter, names, sample = header
    import duckdb

    con = duckdb.connect()
    coded = False
    try:
        con.execute("SET enable_progress_bar = false")
        con.execute("SET preserve_insertion_order = true")
        pick = ", ".join(f"c{names.index(name)} AS {name[0]}" for name in _COLUMNS)
        read = (f"CREATE TABLE t AS SELECT {pick} FROM read_csv(?, header = false, skip = 1, auto_detect = false, "
                "columns = ?, delim = ?, quote = '', escape = '', strict_mode = true, null_padding = false, "
                f"nullstr = ?, max_line_size = {MAX_LINE})")
        # The metrics of the first lines usually are all the file's (a long-form file's first snapshots
        # name them all): the metric cells are read into an ENUM of them (codes, not text, in the table).
        # A metric not among them fails the read, and then every cell is read as text.
        if 0 < len(sample) <= 64 and all(_good_name(m) and m == m.strip() and m for m in sample):
            con.execute(_enum(sample))
            columns = {f"c{i}": "metric_name" if name == "metric" else "VARCHAR" for i, name in enumerate(names)}
            try:
                con.execute(read, [path, columns, delimiter, _NULL])
                coded = True
            except duckdb.Error:
                con.execute("DROP TABLE IF EXISTS t")
                con.execute("DROP TYPE metric_name")
        if not coded:
            con.execute(read, [path, {f"c{i}": "VARCHAR" for i in range(4)}, delimiter, _NULL])
    except duckdb.Error:
        con.close()
        return None
    try:
        return _read(con, path, names.index("value"), number_format, sample if coded else None)
    except BaseException:
        con.close()
        raise


def _read(con: Any, path: str, value_col: int, number_format: str | None, coded: list[str] | None
          ) -> Data | None:
    """The Data of the table ``t``, its metric column an ENUM of ``coded`` (when not None) or text."""
    def give_up() -> None:
        con.close()

    if coded is not None:
        grouped = _group(con, coded, number_format, typed=True)
        if grouped is None or grouped[4]:  # (a metric cell read as NULL: see _NULL)
            give_up()
            return None
        return _snapshots_of(con, path, value_col, number_format, grouped)
    # The metrics of the first rows (a long-form file's first snapshots usually name them all); a metric met
    # later that is not among them is seen in the grouping below, and then every metric is looked up.
    sample = [m for (m,) in con.execute(f"SELECT DISTINCT m FROM t WHERE rowid < {_SAMPLE}").fetchall()]
    if not sample:  # (no row)
        give_up()
        return None
    if len(sample) > 64:  # (not coded: every name is looked at)
        sample = [m for (m,) in con.execute("SELECT DISTINCT m FROM t").fetchall()]
    grouped = _group(con, sample, number_format)
    if grouped is None:
        give_up()
        return None
    if grouped[4]:  # (a metric not among the first rows': every metric is looked up)
        grouped = _group(con, [m for (m,) in con.execute("SELECT DISTINCT m FROM t").fetchall()], number_format)
        if grouped is None:
            give_up()
            return None
    return _snapshots_of(con, path, value_col, number_format, grouped)


def _snapshots_of(con: Any, path: str, value_col: int, number_format: str | None,
                  grouped: tuple[list[str] | None, int, int, int, int]) -> Data | None:
    """The Data of the table ``t`` and its grouping ``g`` (see _group), or None."""
    def give_up() -> None:
        con.close()

    names, rows, bad, twice, _ = grouped
    if not rows or rows != _lines(path) - 1:  # (a blank line, which DuckDB skips: rows are lines no more)
        give_up()
        return None
    if bad or twice:  # (a metric given twice: the Python reader says whether the values differ)
        give_up()
        return None
    first_decimal = _first_decimal(con, rows) if number_format is None else None
    # the snapshots in the order the file first gives them; the values of one on consecutive rows: a run
    snaps = con.execute("SELECT p, u, a, CASE WHEN b - a + 1 = n THEN n ELSE 0 END FROM g ORDER BY a").fetchall()
    period_of: dict[str, Period] = {}
    unit_of: dict[str, str | None] = {}
    keys: dict[PeriodKey, str] = {}
    data = Data()
    data.files.append(path)
    data.sources.origin(path, FORM_ROW)  # (origin 0: a compact source is the row number)
    order: list[tuple[PeriodKey, str | None]] = []
    runs: dict[tuple[PeriodKey, str | None], tuple[int, int]] = {}
    for raw_p, raw_u, first, count in snaps:
        period = period_of.get(raw_p)
        if period is None:
            if not _good_name(raw_p):
                give_up()
                return None
            try:
                period = parse_period(raw_p.strip())
            except KpiPeriodError:
                give_up()
                return None
            if period.key in keys:  # (two labels of one period: 2020-Q1 and Q1/2020)
                give_up()
                return None
            period_of[raw_p], keys[period.key] = period, raw_p
            data.periods[period.key] = period
        if raw_u in unit_of:
            unit = unit_of[raw_u]
        else:
            if not _good_name(raw_u):
                give_up()
                return None
            unit = unit_name(raw_u)
            if unit != (raw_u or None):  # (spaces around, not NFC, blank: the Python reader)
                give_up()
                return None
            unit_of[raw_u] = unit
            if unit is not None:
                data.units[unit] = None
        key = (period.key, unit)
        order.append(key)
        if count:
            runs[key] = (first + 2, count)
    if number_format is not None:
        data.file_sources[path] = FileSource(path, number_format, stated=True)
    elif first_decimal is not None:  # (every decimal taken is written in the English format only)
        (text,) = con.execute("SELECT v FROM t WHERE rowid = ?", [first_decimal]).fetchone()
        where = f"cell {column_letter(value_col)}{first_decimal + 2}"
        data.file_sources[path] = FileSource(path, "en", decided_by=Source(path, where), decided_text=text)
    else:
        data.file_sources[path] = FileSource(path, None)
    loader = _Loader(con, number_format, keys, unit_of, runs, order, names)
    data.snapshots = LazySnapshots(order, loader, data.sources)
    return data


def _enum(metrics: list[str]) -> str:
    """The SQL that makes the ENUM of the metric names (its codes are the places of its names, from 0)."""
    return "CREATE TYPE metric_name AS ENUM ({})".format(", ".join("'" + m.replace("'", "''") + "'" for m in metrics))


def _group(con: Any, metrics: list[str], number_format: str | None, typed: bool = False
           ) -> tuple[list[str] | None, int, int, int, int] | None:
    """Make the table ``g`` of the snapshots (one scan of ``t``, grouped by period and unit), every check of
    the cells at once: the metric names to code them by (None: not coded), the rows, the values that are not
    numbers taken here, the snapshots with a metric twice, the rows whose metric is not among ``metrics``
    (then this is to be made again with every metric); None when a metric is not a name this reader takes."""
    if not all(_good_name(m) and m == m.strip() and m for m in metrics):
        return None
    con.execute("DROP TABLE IF EXISTS g")
    if not typed:
        con.execute("DROP TYPE IF EXISTS metric_name")
    names: list[str] | None = None
    if len(metrics) <= 64:  # the metrics of a snapshot as the bits of one integer: a metric twice is a bit once
        names = metrics  # (a name not among them: NULL; typed: m is of the ENUM already, from the read)
        if not typed:
            con.execute(_enum(names))
        code = "enum_code(m)" if typed else "enum_code(TRY_CAST(m AS metric_name))"
        distinct, known = f"bit_count(bit_or(1::UBIGINT << {code}::UBIGINT))", f"count({code})"
    else:
        distinct, known = "count(DISTINCT m)", "count(*)"  # (every metric was looked up: see _read)
    # Each snapshot: its first and last row, its values, its distinct metrics, its values that are numbers
    # taken here, its values whose metric is known.  A NULL cell (none is read so, but a cell equal to _NULL)
    # is not a number, and a NULL label or unit is not a name: the file is not taken.
    con.execute(
        "CREATE TEMP TABLE g AS SELECT p, u, min(rowid) AS a, max(rowid) AS b, count(*) AS n, "
        f"{distinct} AS d, count(*) FILTER (WHERE regexp_full_match(v, '{_NUMBER[number_format]}') "
        f"AND strlen(v) <= 40) AS ok, {known} AS k FROM t GROUP BY p, u")
    rows, bad, twice, unknown = con.execute(
        "SELECT sum(n), sum(n - ok), count(*) FILTER (WHERE n <> d), sum(n - k) FROM g").fetchone()
    return names, rows or 0, bad or 0, twice, unknown or 0


def _first_decimal(con: Any, rows: int) -> int | None:
    """The row index of the first value with a dot (the cell that decides the number format), looked for
    in growing ranges of rows from the top (it is usually near it): None if there is none."""
    start, size = 0, _SAMPLE
    while start < rows:
        (found,) = con.execute("SELECT min(rowid) FROM t WHERE rowid >= ? AND rowid < ? AND contains(v, '.')",
                               [start, start + size]).fetchone()
        if found is not None:
            return int(found)
        start, size = start + size, size * 4
    return None


class _Loader(SnapshotLoader):
    """The values of a file's table in DuckDB, a period (or every period) at a time."""

    def __init__(self, con: Any, number_format: str | None, labels: dict[PeriodKey, str],
                 unit_of: dict[str, str | None], runs: dict[tuple[PeriodKey, str | None], tuple[int, int]],
                 order: list[tuple[PeriodKey, str | None]], names: list[str] | None) -> None:
        self.con = con
        self.number_format = number_format
        self.labels = labels
        self.key_of = {raw: key for key, raw in labels.items()}
        self.unit_of = unit_of
        #: the first row and the number of values of each snapshot whose values are on consecutive rows
        self.runs = runs
        self.order = order
        #: the metric names by their code in DuckDB (an ENUM), so that each name is one str; None: no codes
        self.names = names
        self.metric = "enum_code(m::metric_name)" if names is not None else "m"
        self.value_of: dict[str, Value] = {}

    def _value(self, text: str) -> Value:
        value = self.value_of.get(text)
        if value is None:  # (every cell taken is a number: it reads, and is never blank)
            value = self.value_of[text] = _cell_value(text, self.number_format)  # type: ignore[assignment]
            if len(self.value_of) > 65536:
                self.value_of.clear()
        return value  # type: ignore[return-value]

    def _metrics(self, codes: list[Any]) -> list[str]:
        names = self.names
        return codes if names is None else [names[c] for c in codes]

    def _snapshots(self, where: str, args: list[Any]) -> Iterator[tuple[tuple[PeriodKey, str | None],
                                                                         dict[str, Value], int | dict[str, int]]]:
        value = self._value
        runs = self.runs
        cursor = self.con.execute(
            f"SELECT p, u, list({self.metric} ORDER BY rowid), list(v ORDER BY rowid) FROM t {where} "
            "GROUP BY p, u", args)
        while batch := cursor.fetchmany(4096):
            for raw_p, raw_u, metrics, texts in batch:
                key = (self.key_of[raw_p], self.unit_of[raw_u])
                values = dict(zip(self._metrics(metrics), map(value, texts)))
                run = runs.get(key)
                yield key, values, self._rows(raw_p, raw_u) if run is None else run[0]

    def _rows(self, raw_p: str, raw_u: str) -> dict[str, int]:
        return {m: r + 2 for m, r in self.con.execute(
            "SELECT m, rowid FROM t WHERE p = ? AND u = ? ORDER BY rowid", [raw_p, raw_u]).fetchall()}

    def period(self, key: PeriodKey) -> Iterable[tuple[tuple[PeriodKey, str | None], dict[str, Value],
                                                      int | dict[str, int]]]:
        return list(self._snapshots("WHERE p = ?", [self.labels[key]]))

    def every(self) -> Iterable[tuple[tuple[PeriodKey, str | None], dict[str, Value], int | dict[str, int]]]:
        """Every snapshot: those on consecutive rows (most) from one scan of the table in the file's order."""
        out: list[tuple[tuple[PeriodKey, str | None], dict[str, Value], int | dict[str, int]]] = []
        runs = self.runs
        metrics: list[str] = []
        values: list[Value] = []
        start = 0  # the row index (rowid) of metrics[0] and values[0]
        chunks = self._rows_in_order()
        for key in self.order:
            run = runs.get(key)
            if run is None:
                continue
            a = run[0] - 2
            b = a + run[1]
            while start + len(values) < b:
                chunk = next(chunks, None)
                if chunk is None:
                    break
                if a >= start + len(values):  # nothing kept is needed any more
                    start += len(values)
                    metrics, values = chunk
                else:
                    metrics, values = metrics[a - start:] + chunk[0], values[a - start:] + chunk[1]
                    start = a
            out.append((key, dict(zip(metrics[a - start:b - start], values[a - start:b - start])), run[0]))
        if len(out) < len(self.order):  # the snapshots met again later in the file
            out.extend(item for item in self._snapshots("", []) if item[0] not in runs)
        return out

    def _rows_in_order(self) -> Iterator[tuple[list[str], list[Value]]]:
        """The metric and the value of every row, in the file's order (insertion order), a chunk at a time."""
        value, names = self._value, self.names
        if names is None:
            cursor = self.con.execute("SELECT m, v FROM t")
            while chunk := cursor.fetchmany(_CHUNK):
                yield [m for m, _ in chunk], [value(v) for _, v in chunk]
            return
        # Coded metrics: DuckDB reads each value's text (every one is a number taken, see _read) into the
        # integer of its digits and the number of them after the dot, and sends one integer a row:
        # ((digits * 64) + decimals) * 64 + the metric's code.  A value of more than 15 characters is sent
        # as -1 - code, and read from its text here.  The value is then digits / 10 ** decimals, exactly.
        long = {r: value(v) for r, v in self.con.execute("SELECT rowid, v FROM t WHERE strlen(v) > 15").fetchall()}
        cursor = self.con.execute(
            "SELECT CASE WHEN strlen(v) <= 15 THEN (CAST(replace(v, '.', '') AS BIGINT) * 64 "
            "+ CASE WHEN contains(v, '.') THEN strlen(v) - strpos(v, '.') ELSE 0 END) * 64 "
            f"+ {self.metric} ELSE -1 - {self.metric} END FROM t")
        fraction, ten = Fraction, _TEN
        row = 0
        while chunk := cursor.fetchmany(_CHUNK):
            metrics = [names[x & 63] if x >= 0 else names[-1 - x] for (x,) in chunk]
            got: list[Value] = []
            put = got.append
            for (x,) in chunk:
                if x & 4032 == 0:  # (x < 0 has bits set there: -1 - code, code < 64)
                    put(x >> 12)
                elif x >= 0:
                    digits, scale = x >> 12, ten[(x >> 6) & 63]
                    put(digits // scale if digits % scale == 0 else fraction(digits, scale))
                else:
                    put(long[row + len(got)])
            row += len(chunk)
            yield metrics, got

    def close(self) -> None:
        self.con.close()


def use_duckdb(path: str) -> bool:
    """Whether a CSV file is large enough to be tried with DuckDB first."""
    try:
        return os.path.getsize(path) >= MIN_BYTES
    except OSError:
        return False

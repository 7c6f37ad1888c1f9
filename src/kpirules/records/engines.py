"""The engines that count records: Python (the reference), DuckDB (embedded, the default),
PostgreSQL and Spark.  All give the same :class:`~kpirules.records.counting.Partials`.

:func:`count_records` counts every dataset a plan declares from its bound source and returns the
metric table.  Database drivers are imported only when their engine is used.
"""

from __future__ import annotations

import datetime
import re
import urllib.parse
from collections.abc import Callable, Mapping, Sequence
from typing import Any

import attrs

from kpirules.errors import Diagnostic, KpiDataError, Span
from kpirules.periods import DEFAULT_SCHEME, Kind, Scheme, parse_kind
from kpirules.records.counting import Counted, DatasetStats, Part, Partials, exact, finish
from kpirules.records.model import Agg, Col, ColType, CountedMetric, Dataset, columns_of, resolve_metric_units
from kpirules.records.pyengine import (BAD_ROWS_SHOWN, MISSING, count_python, csv_problem, expected, frame_relation,
                                       jsonl_check, jsonl_problem, missing_columns, read_rows, row_names)
from kpirules.records.sources import FileSource, FrameSource, PostgresSource, RecordSource, SparkSource, parse_source
from kpirules.records.sqlbuild import Plan, plan_queries
from kpirules.records.windows import Windows, windows_for, year_span

__all__ = [
    "DuckDBEngine",
    "Engine",
    "PostgresEngine",
    "PythonEngine",
    "SparkEngine",
    "count_records",
    "engine_for",
]


class Engine:
    """Counts one dataset's rows from a source in the windows of a scheme."""

    name = "engine"

    def count(
        self,
        dataset: Dataset,
        metrics: Sequence[CountedMetric],
        source: RecordSource,
        kind: Kind = Kind.QUARTER,
        scheme: Scheme = DEFAULT_SCHEME,
        years: tuple[int, int] | None = None,
        resolve: Callable[[str], str] | None = None,
    ) -> Partials:
        """``resolve``: a unit's name in the rows → the name the plan gives it (its declared code, the
        name in NFC); applied to the rows before anything is counted."""
        raise NotImplementedError

    def close(self) -> None:
        pass


def _windows(first: datetime.date | None, last: datetime.date | None, kind: Kind, scheme: Scheme,
             years: tuple[int, int] | None) -> Windows:
    if years is not None:
        return windows_for(years[0], years[1], kind, scheme)
    if first is None or last is None:
        y = datetime.date.today().year
        return windows_for(y, y, kind, scheme)
    lo, hi = year_span(first, last, Kind.YEAR if kind is Kind.NINE_MONTH else kind, scheme)
    return windows_for(lo, hi, kind, scheme)


# --------------------------------------------------------------------------- Python


class PythonEngine(Engine):
    """Counts in plain Python, streaming the rows (CSV, JSON lines, Parquet)."""

    name = "python"

    def count(self, dataset, metrics, source, kind=Kind.QUARTER, scheme=DEFAULT_SCHEME, years=None,  # type: ignore[no-untyped-def]
              resolve=None):
        kind = parse_kind(kind)
        if years is None:  # a first pass over the dates finds the years
            from kpirules.records.pyengine import CONVERT

            conv = CONVERT[ColType.DATE]
            first = last = None
            for _, (cell,) in read_rows(source, [dataset.dated_by]):
                d = conv(cell)
                if isinstance(d, datetime.date):
                    first = d if first is None or d < first else first
                    last = d if last is None or d > last else last
            windows = _windows(first, last, kind, scheme, None)
        else:
            windows = _windows(None, None, kind, scheme, years)
        return count_python(dataset, metrics, source, windows, resolve=resolve)


# --------------------------------------------------------------------------- SQL engines


class SqlEngine(Engine):
    """Runs the queries of :mod:`kpirules.records.sqlbuild` on a database."""

    dialect = "duckdb"

    def relation(self, source: RecordSource, columns: Sequence[str],
                 scans: int = 3) -> tuple[Any, dict[str, str] | None, str]:
        """(a sqlglot relation, the SQL type of each column or None, how to name the source).

        ``scans``: how many times the queries will read it (one: a text file is read where it is, not
        parsed into a table first)."""
        raise NotImplementedError

    def run(self, query: Any) -> list[tuple[Any, ...]]:
        raise NotImplementedError

    def sql(self, query: Any) -> str:
        return str(query.sql(dialect=self.dialect, identify=True))

    #: whether, when the windows are known beforehand, one query may count, check the cells and sum up
    #: the rows in one scan of the source (:attr:`~kpirules.records.sqlbuild.Plan.single`: it reads text
    #: cells with TRY_CAST, which DuckDB has)
    one_scan = False
    #: whether the JSON lines file :meth:`relation` read has an object or an array in a column read
    _nested = False

    def count(self, dataset, metrics, source, kind=Kind.QUARTER, scheme=DEFAULT_SCHEME, years=None,  # type: ignore[no-untyped-def]
              resolve=None):
        kind = parse_kind(kind)
        metrics = list(metrics)
        columns = columns_of(dataset, metrics)
        single = self.one_scan and years is not None
        self._source = source  # (its rows named in messages: row_names)
        self._nested = False
        relation, types, where = self.relation(source, columns, scans=1 if single else 3)
        if self._nested:  # (an object or array in a JSON cell: the Python engine's error, with the others)
            count_python(dataset, metrics, source, _windows(None, None, kind, scheme, years), resolve=resolve)
        if single:
            windows = _windows(None, None, kind, scheme, years)

            def queries(renames: Mapping[str, str] | None = None) -> Plan:
                return plan_queries(dataset, metrics, relation, windows.finest, windows.all, types, self.dialect,
                                    where=f"{where}: ", unit_map=renames, single=True)

            plan = queries()
            out = Partials(dataset, metrics, windows, DatasetStats())
            in_windows, bad = self._single(plan, out)
            if bad:
                self._refuse(plan, bad, dataset, where)
        else:
            plan = plan_queries(dataset, metrics, relation, None, None, types, self.dialect, where=f"{where}: ")
            if plan.validate is not None:
                (counts,) = self.run(plan.validate)
                self._refuse(plan, [(c, kind_, n) for (c, kind_, _), n in zip(plan.checks, counts) if n],
                             dataset, where)
            ((rows, undated, first, last),) = self.run(plan.summary)
            windows = _windows(_date(first), _date(last), kind, scheme, years)

            def queries(renames: Mapping[str, str] | None = None) -> Plan:
                return plan_queries(dataset, metrics, relation, windows.finest, windows.all, types, self.dialect,
                                    where=f"{where}: ", unit_map=renames)

            plan = queries()
            out = Partials(dataset, metrics, windows, DatasetStats(rows=int(rows), undated=int(undated or 0),
                                                                   first=_date(first), last=_date(last)))
            in_windows = self._main(plan, out)
        if resolve is not None and dataset.unit_by:
            # units named otherwise than the plan names them (a full name, an NFD spelling) are counted
            # again under one name, so that a distinct count or a filter on the unit sees them as one
            renames = {raw: resolve(raw) for raw in out.stats.units}
            renames = {raw: name for raw, name in renames.items() if name != raw}
            if renames:
                plan = queries(renames)
                out.rows.clear()
                out.parts.clear()
                out.stats.units.clear()
                in_windows = self._single(plan, out)[0] if single else self._main(plan, out)
        if plan.distinct is not None:
            names = [m.name for m in metrics if m.agg is Agg.COUNT_DISTINCT]
            for row in self.run(plan.distinct):
                label, unit, g = row[0], row[1], int(row[2])
                unit = None if g else _text(unit)
                if not g and unit is None:
                    continue
                for name, v in zip(names, row[3:]):
                    if int(v):
                        out.distinct[(name, label, unit)] = int(v)
        out.stats.outside = out.stats.rows - out.stats.undated - in_windows
        out.stats.no_unit = (in_windows - sum(out.stats.units.values())) if dataset.unit_by else 0
        return out

    def _refuse(self, plan: Plan, bad: list[tuple[str, ColType, int]], dataset: Dataset, where: str) -> None:
        """Raise the error of the cells not of their column's kind (``bad``: column, kind, how many), naming
        the first rows of each; nothing when there are none."""
        if not bad:
            return
        diags = []
        for c, kind_, n in bad:
            shown = self.run(plan.bad_rows(c, BAD_ROWS_SHOWN))
            names = row_names(self._source, [int(r) for r, _ in shown])
            rows = ", ".join(f"{names[int(r)]} ({v!r})" for r, v in shown)
            more = f", and {n - len(shown)} more" if n > len(shown) else ""
            role = (" (dated by)" if c == dataset.dated_by else
                    " (unit by)" if c == dataset.unit_by else "")
            diags.append(Diagnostic(
                f"{where}: column {c!r}{role} of dataset {dataset.name!r} must hold {expected(kind_)}; "
                f"{n} row{'s are' if n != 1 else ' is'} not: {rows}{more}"))
        raise KpiDataError.from_diagnostics(diags)

    def _main(self, plan: Plan, out: Partials) -> int:
        """Run ``plan``'s counts into ``out``; the rows counted in some window."""
        in_windows = 0
        for row in self.run(plan.main):
            label, unit, g, n = row[0], row[1], int(row[2]), int(row[3])
            unit = None if g else _text(unit)
            if g:
                in_windows += n
            elif unit is None:
                continue  # (rows without a unit: counted at plan level only)
            else:
                out.stats.units[unit] = out.stats.units.get(unit, 0) + n
            out.rows[(label, unit)] = n
            _parts(plan, out, row, 4, label, unit)
        return in_windows

    def _single(self, plan: Plan, out: Partials) -> tuple[int, list[tuple[str, ColType, int]]]:
        """Run ``plan``'s one-scan query (:attr:`Plan.single`) into ``out``: the rows counted in some
        window, and the columns with cells not of their kind (column, kind, how many)."""
        in_windows = 0
        bad: list[tuple[str, ColType, int]] = []
        width = 5 + sum(w for _, _, w in plan.layout)
        for row in self.run(plan.main):
            label, unit, gl, gu, n = row[0], row[1], int(row[2]), int(row[3]), int(row[4])
            if gl:  # every row: what the rows looked like
                undated, first, last = row[width:width + 3]
                st = out.stats
                st.rows, st.undated, st.first, st.last = n, int(undated or 0), _date(first), _date(last)
                bad = [(c, k, int(v)) for (c, k, _), v in zip(plan.checks, row[width + 3:]) if v]
                continue
            if label is None:
                continue  # (the rows of no window: undated, or outside every window)
            unit = None if gu else _text(unit)
            if gu:
                in_windows += n
            elif unit is None:
                continue  # (rows without a unit: counted at plan level only)
            else:
                out.stats.units[unit] = out.stats.units.get(unit, 0) + n
            out.rows[(label, unit)] = n
            _parts(plan, out, row, 5, label, unit)
        return in_windows, bad


def _parts(plan: Plan, out: Partials, row: Sequence[Any], i: int, label: str, unit: str | None) -> None:
    """The metrics of one group of a counts query's answer, from its column ``i`` on, into ``out.parts``."""
    for name, agg, width in plan.layout:
        if agg is Agg.COUNT:
            v = int(row[i])
            if v:
                out.parts[(name, label, unit)] = Part(n=v)
        else:
            v, k = row[i], int(row[i + 1])
            if k:
                p = Part(n=k)
                if agg in (Agg.SUM, Agg.AVG):
                    p.total = exact(v)
                elif agg is Agg.MIN:
                    p.lo = _cell(v)
                else:
                    p.hi = _cell(v)
                out.parts[(name, label, unit)] = p
        i += width


def _date(v: Any) -> datetime.date | None:
    if v is None:
        return None
    if isinstance(v, datetime.datetime):
        return v.date()
    if isinstance(v, datetime.date):
        return v
    return datetime.date.fromisoformat(str(v)[:10])


def _cell(v: Any) -> Any:
    if isinstance(v, datetime.datetime):
        return v.date()
    return exact(v) if not isinstance(v, datetime.date) else v


def _text(v: Any) -> str | None:
    if v is None:
        return None
    return v if isinstance(v, str) else str(v)


class DuckDBEngine(SqlEngine):
    """DuckDB, in this process: files (CSV, Parquet, JSON lines) read where they are."""

    name = "duckdb"
    dialect = "duckdb"
    one_scan = True

    def __init__(self, database: str = ":memory:") -> None:
        import duckdb

        self._duckdb = duckdb
        self.con = duckdb.connect(database)
        self._tables = 0

    def relation(self, source, columns, scans=3):  # type: ignore[no-untyped-def]
        from sqlglot import exp

        if isinstance(source, FrameSource):
            return frame_relation(self.con, source, columns, self._duckdb)
        if not isinstance(source, FileSource):
            raise KpiDataError(
                f"{source.describe()}: the DuckDB engine reads files (CSV, Parquet, JSON lines); for a "
                "PostgreSQL table pass --engine postgresql://…, for Spark --engine spark")
        path = exp.Literal.string(source.path)
        import os

        from kpirules.text import check_regular

        check_regular(source.path, "records file", KpiDataError)
        if not os.path.isfile(source.path):
            raise KpiDataError(f"{source.path}: no such records file")
        if os.path.getsize(source.path) == 0:
            raise KpiDataError(f"{source.path}: the records file is empty (0 bytes); a file without rows still "
                               "has its header (CSV) or is a file of JSON lines")
        if source.format == "csv":
            from kpirules.records.pyengine import sniff_delimiter

            with open(source.path, encoding="utf-8-sig", errors="replace") as f:
                first = f.readline()
            if not first.strip():
                raise KpiDataError(f"{source.path}: the records file is empty; it needs a header row naming its columns")

            def arg(name: str, value: Any) -> Any:
                return exp.EQ(this=exp.column(name), expression=value)

            rel = exp.Table(this=exp.Anonymous(this="read_csv", expressions=[
                path,
                arg("header", exp.true()),
                arg("all_varchar", exp.true()),
                arg("delim", exp.Literal.string(sniff_delimiter(first))),
                arg("quote", exp.Literal.string('"')),
                arg("escape", exp.Literal.string('"')),
                # a row of another width than the header is an error, as in the Python engine (and null
                # padding would keep the parallel reader from reading a line break in quotes)
                arg("null_padding", exp.false()),
                arg("strict_mode", exp.true()),
                arg("skip", exp.Literal.number(0)),  # (the header is line 1: never a later line DuckDB picks)
            ]))
        elif source.format == "jsonl":
            def arg(name: str, value: Any) -> Any:
                return exp.EQ(this=exp.column(name), expression=value)

            struct = exp.Struct(expressions=[
                exp.PropertyEQ(this=exp.Literal.string(c), expression=exp.Literal.string("VARCHAR"))
                for c in columns])
            rel = exp.Table(this=exp.Anonymous(this="read_json", expressions=[
                path, arg("format", exp.Literal.string("newline_delimited")), arg("columns", struct)]))
        else:
            rel = exp.Table(this=exp.Anonymous(this="read_parquet", expressions=[path]))
        try:
            desc = self.con.execute(self.sql(exp.select("*").from_(rel.copy()).limit(0))).description
        except self._duckdb.Error as exc:
            raise _read_error(source, f"{source.path}: cannot read the records file ({_first_line(exc)})", exc) from None
        names = [d[0] for d in desc]
        if any(c not in names for c in columns):
            raise missing_columns(source.path, names, columns)
        if source.format == "jsonl" and columns:  # (a key no line has is an error, as in the Python engine)
            objects = exp.Table(this=exp.Anonymous(this="read_ndjson_objects", expressions=[path.copy()]))
            keys = exp.func("json_keys", exp.column("json"))
            has = [exp.func("bool_or", exp.func("list_contains", keys.copy(), exp.Literal.string(c)))
                   for c in columns]
            # and whether a cell of a column read is an object or an array, which no column holds (read as
            # text it would be counted): then the Python engine's error, the same on every engine
            pointers = ["/" + c.replace("~", "~0").replace("/", "~1") for c in columns]
            nested = [exp.func("bool_or", exp.In(
                this=exp.Anonymous(this="json_type", expressions=[exp.column("json"), exp.Literal.string(p)]),
                expressions=[exp.Literal.string("OBJECT"), exp.Literal.string("ARRAY")])) for p in pointers]
            try:
                (found,) = self.con.execute(self.sql(exp.select(*has, *nested).from_(objects))).fetchall()
            except self._duckdb.Error as exc:
                raise _read_error(source, f"{source.path}: cannot read the records file ({_first_line(exc)})", exc) from None
            self._nested = any(found[len(columns):])
            lost = [c for c, ok in zip(columns, found[:len(columns)]) if ok is False]
            if lost:
                raise KpiDataError.from_diagnostics(
                    Diagnostic(f"{source.path}: no row has the key {c!r}") for c in lost)
        types = None
        if source.format == "parquet":
            types = {d[0]: str(d[1]) for d in desc}
            return rel, types, source.path
        if scans == 1:  # read once: where it is (a table of it would cost a second parse)
            return rel, types, source.path
        # a text file is parsed once: its columns the plan reads go into a table of this connection,
        # which the check of the cells, the summary and the counts then scan
        self._tables += 1
        name = exp.to_identifier(f"kpirules_rows_{self._tables}", quoted=True)
        select = exp.select(*[exp.column(c, quoted=True) for c in columns]).from_(rel)
        create = exp.Create(this=exp.Table(this=name), kind="TABLE", expression=select,
                            properties=exp.Properties(expressions=[exp.TemporaryProperty()]))
        try:
            self.con.execute(self.sql(create))
        except self._duckdb.Error as exc:
            raise _read_error(source, f"{source.path}: cannot read the records file ({_first_line(exc)})", exc) from None
        return exp.Table(this=name.copy()), types, source.path

    def run(self, query: Any) -> list[tuple[Any, ...]]:
        try:
            return self.con.execute(self.sql(query)).fetchall()
        except self._duckdb.Error as exc:
            raise _read_error(getattr(self, "_source", None),
                              f"DuckDB could not count the records: {_first_line(exc)}", exc) from None

    def close(self) -> None:
        self.con.close()


def _spark_jsonl(reader: Any, path: str, columns: Sequence[str]) -> tuple[Any, bool]:
    """A JSON lines file read by Spark, each cell the text every engine reads for it: a JSON number with
    a fraction or an exponent as the shortest decimal of its double, as Python's ``repr`` and DuckDB
    write it (``1e5`` is ``100000.0``, ``12.50`` is ``12.5``; from 1e16 and below 1e-4 in exponent
    notation, which the check of a number then refuses, as on the other engines); an integer, a boolean
    and text as written.  A line that is not a JSON object is the Python engine's error (the file is
    read once in Python for it: Spark would read a line with extra text after its object), never a row
    of nulls.
    (A key holding numbers on some lines and text on others is text: its numbers are read as written.)
    Also whether a cell of ``columns`` is an object or an array (which Spark would read as its text)."""
    from pyspark.sql import functions as F

    # (Spark reads `{…}}` as the object before the extra text: read here first)
    problem, nested = jsonl_check(path, columns)
    if problem is not None:
        raise problem
    typed = reader.json(path, mode="FAILFAST")
    cells = []
    for field in typed.schema.fields:
        c = F.col("`" + field.name.replace("`", "``") + "`")
        kind = field.dataType.typeName()
        if kind in ("double", "float"):
            digits = F.regexp_replace(c.cast("decimal(38,18)").cast("string"), "0+$", "")
            shortest = F.regexp_replace(digits, "\\.$", ".0")  # (a whole number keeps its .0, as repr does)
            exponent = (c != 0) & ((F.abs(c) >= F.lit(1e16)) | (F.abs(c) < F.lit(1e-4)))
            cell = F.when(exponent, c.cast("string")).otherwise(shortest)
        elif kind == "string":
            cell = c
        else:
            cell = c.cast("string")
        cells.append(cell.alias(field.name))
    return typed.select(*cells), nested


def _read_error(source: Any, message: str, exc: BaseException | None = None) -> KpiDataError:
    """The error of a records file an engine cannot read: the Python engine's (the file, the line and
    what is wrong there: the same on every engine), else for a CSV file the line the engine names
    (``CSV Error on Line: N``) and what it says there, else ``message``."""
    if isinstance(source, FileSource) and source.format in ("jsonl", "csv"):
        problem = jsonl_problem(source.path) if source.format == "jsonl" else csv_problem(source.path)
        if problem is not None:
            return problem
        if source.format == "csv":
            raw = str(exc) if exc is not None else message
            found = re.search(r"CSV Error on Line: (\d+)", raw)
            if found:
                lines = raw.split("\n")
                said = next((ln.strip() for ln in lines[1:] if ln.strip() and not ln.startswith(
                    ("Original Line", "  file", "Possible"))), "")
                diag = Diagnostic("not read as CSV" + (f" ({said})" if said else ""),
                                  Span(int(found.group(1)), 1, file=source.path),
                                  hint="a CSV file has a header row, then one row a line (a line break only "
                                       "in double quotes), cells separated by the header's delimiter")
                return KpiDataError(str(diag), [diag])
    return KpiDataError(message)


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__


#: what a PostgreSQL server that was reached says when it refuses a connection (its FATAL line), and
#: what the error then says instead of "cannot reach"
_REFUSED = (
    (re.compile(r'database "(?P<name>[^"]*)" does not exist'),
     "the PostgreSQL server at {where} was reached, but it has no database {name!r}: check the database "
     "name of the URL (postgresql://host:port/DATABASE?table=T)"),
    (re.compile(r'role "(?P<name>[^"]*)" does not exist'),
     "the PostgreSQL server at {where} was reached, but it has no role (user) {name!r}: check the user of the URL "
     "(postgresql://USER@host/db)"),
    (re.compile(r'password authentication failed for user "(?P<name>[^"]*)"'),
     "the PostgreSQL server at {where} was reached, but refused the password of user {name!r}: check the "
     "password (postgresql://USER:PASSWORD@host/db, or PGPASSWORD / ~/.pgpass)"),
    (re.compile(r"no password supplied|fe_sendauth"),
     "the PostgreSQL server at {where} was reached, but asks for a password and none was given "
     "(postgresql://USER:PASSWORD@host/db, or PGPASSWORD / ~/.pgpass)"),
    (re.compile(r'no pg_hba\.conf entry'),
     "the PostgreSQL server at {where} was reached, but does not let this host, user and database in "
     "(its pg_hba.conf has no entry for them)"),
)


def _connect_error(host: str, port: int, exc: BaseException) -> str:
    """Why a connection failed, in the words of what went wrong: a server that was reached and refused
    (no such database or role, a wrong password) is not one that could not be reached."""
    text = str(exc)
    where = f"{host}:{port}"
    for pattern, message in _REFUSED:
        m = pattern.search(text)
        if m is not None:
            name = m.groupdict().get("name")
            return message.format(where=where, name=name) + f" ({_fatal_line(text)})"
    return f"cannot reach the PostgreSQL server at {where}: {_first_line(exc)}"


def _fatal_line(text: str) -> str:
    """The server's own words: the part of the driver's message from ``FATAL:`` on, else its first line."""
    i = text.find("FATAL:")
    line = text[i:] if i >= 0 else text.strip()
    return " ".join(line.splitlines()[0].split()) if line.strip() else "refused"


class PostgresEngine(SqlEngine):
    """A PostgreSQL database: the rows of a table counted where they are."""

    name = "postgres"
    dialect = "postgres"

    def __init__(self, url: str, connect_timeout: int = 10) -> None:
        try:
            import psycopg
        except ImportError:
            raise KpiDataError(
                "the PostgreSQL engine needs the psycopg package: pip install 'kpirules[postgres]'") from None
        self._psycopg = psycopg
        self.url = url
        parts = urllib.parse.urlsplit(url)
        self.host = parts.hostname or "localhost"
        self.port = parts.port or 5432
        try:
            self.con = psycopg.connect(url, connect_timeout=connect_timeout, autocommit=True)
        except psycopg.Error as exc:
            raise KpiDataError(_connect_error(self.host, self.port, exc)) from None
        with self.con.cursor() as cur:  # nothing a plan says can change the database
            cur.execute("SET SESSION CHARACTERISTICS AS TRANSACTION READ ONLY")

    def relation(self, source, columns, scans=3):  # type: ignore[no-untyped-def]
        from sqlglot import exp

        if not isinstance(source, PostgresSource):
            raise KpiDataError(f"{source.describe()}: the PostgreSQL engine counts the rows of a table "
                               "(--records NAME=TABLE or NAME=postgresql://host/db?table=TABLE)")
        parts = source.table.split(".")
        if len(parts) > 2 or not all(parts):
            raise KpiDataError(f"{source.table!r} is not a table name (TABLE or SCHEMA.TABLE)")
        schema, table = (parts if len(parts) == 2 else [None, parts[0]])
        rel = exp.Table(this=exp.to_identifier(table, quoted=True),
                        db=exp.to_identifier(schema, quoted=True) if schema else None)
        q = exp.select(exp.column("column_name"), exp.column("data_type")).from_(
            exp.table_("columns", db="information_schema")).where(
            exp.EQ(this=exp.column("table_name"), expression=exp.Literal.string(table))).where(
            exp.EQ(this=exp.column("table_schema"), expression=exp.Literal.string(schema))
            if schema else exp.EQ(this=exp.column("table_schema"), expression=exp.func("current_schema")))
        found = self.run(q)
        if not found:
            raise KpiDataError(f"{source.describe()}: no such table")
        types = {name: str(t) for name, t in found}
        if any(c not in types for c in columns):
            raise missing_columns(source.describe(), list(types), columns)
        return rel, types, source.describe()

    def run(self, query: Any) -> list[tuple[Any, ...]]:
        try:
            with self.con.cursor() as cur:
                cur.execute(self.sql(query))
                rows: list[tuple[Any, ...]] = list(cur.fetchall())
                return rows
        except self._psycopg.OperationalError as exc:
            raise KpiDataError(f"the PostgreSQL server at {self.host}:{self.port}: {_first_line(exc)}") from None
        except self._psycopg.Error as exc:
            raise KpiDataError(f"PostgreSQL could not count the records: {_first_line(exc)}") from None

    def close(self) -> None:
        self.con.close()


class SparkEngine(SqlEngine):
    """Spark SQL: a table of the session's catalog, or a file read by Spark."""

    name = "spark"
    dialect = "spark"

    def __init__(self, session: Any = None) -> None:
        if session is None:
            try:
                from pyspark.sql import SparkSession
            except ImportError:
                raise KpiDataError(
                    "the Spark engine needs the pyspark package: pip install 'kpirules[spark]'") from None
            session = (SparkSession.builder.master("local[1]").appName("kpirules")
                       .config("spark.ui.enabled", "false")
                       .config("spark.ui.showConsoleProgress", "false")
                       .config("spark.sql.shuffle.partitions", "4")
                       .getOrCreate())
        self.spark = session
        self._views = 0

    def relation(self, source, columns, scans=3):  # type: ignore[no-untyped-def]
        from sqlglot import exp

        if isinstance(source, SparkSource) and source.table:
            parts = source.table.split(".")
            if len(parts) > 3 or not all(parts):
                raise KpiDataError(f"{source.table!r} is not a table name (TABLE, SCHEMA.TABLE or CATALOG.SCHEMA.TABLE)")
            try:
                df = self.spark.table(source.table)
            except Exception as exc:  # (Spark's errors come from the JVM: AnalysisException)
                text = str(exc)
                if "TABLE_OR_VIEW_NOT_FOUND" in text or "SCHEMA_NOT_FOUND" in text or "not found" in text.lower():
                    raise KpiDataError(f"{source.describe()}: no such table") from None
                raise KpiDataError(f"{source.describe()}: Spark cannot read the table ({_first_line(exc)})") from None
            rel = exp.Table(this=exp.to_identifier(parts[-1], quoted=True),
                            db=exp.to_identifier(parts[-2], quoted=True) if len(parts) > 1 else None,
                            catalog=exp.to_identifier(parts[-3], quoted=True) if len(parts) > 2 else None)
            where = source.describe()
        elif isinstance(source, FileSource):
            reader = self.spark.read
            if source.format == "csv":
                # (the file read once in Python first: a row of another width than the header is the
                # Python engine's error, where Spark would pad or cut it; a line break in quotes is part
                # of its cell on every engine: multiLine)
                problem = csv_problem(source.path)
                if problem is not None:
                    raise problem
            try:
                if source.format == "csv":
                    from kpirules.records.pyengine import sniff_delimiter

                    with open(source.path, encoding="utf-8-sig", errors="replace") as f:
                        sep = sniff_delimiter(f.readline())
                    df = reader.csv(source.path, header=True, sep=sep, quote='"', escape='"', encoding="utf-8",
                                    multiLine=True)
                elif source.format == "jsonl":
                    df, self._nested = _spark_jsonl(reader, source.path, columns)
                else:
                    df = reader.parquet(source.path)
            except Exception as exc:  # (Spark's errors come from the JVM)
                raise _read_error(source, f"{source.path}: Spark cannot read the records file "
                                          f"({_first_line(exc)})", exc) from None
            self._views += 1
            view = f"kpirules_records_{self._views}"
            df.createOrReplaceTempView(view)
            rel = exp.Table(this=exp.to_identifier(view, quoted=True))
            where = source.path
        else:
            raise KpiDataError(f"{source.describe()}: the Spark engine reads spark:TABLE or a file")
        types = {f.name: f.dataType.simpleString() for f in df.schema.fields}
        if isinstance(source, FileSource) and source.format != "parquet":
            types = None  # type: ignore[assignment]
        names = [f.name for f in df.schema.fields]
        if any(c not in names for c in columns):
            raise missing_columns(where, names, columns)
        return rel, types, where

    def run(self, query: Any) -> list[tuple[Any, ...]]:
        try:
            return [tuple(r) for r in self.spark.sql(self.sql(query)).collect()]
        except Exception as exc:
            said = _first_line(exc)
            if "collat" in said.lower():  # (a session of Spark 3: no collations)
                said += (f"; a `where` on text that is not ASCII needs Spark 4.0 or later (this is Spark "
                         f"{getattr(self.spark, 'version', '?')}), whose UNICODE collation compares it in NFC")
            raise _read_error(getattr(self, "_source", None),
                              f"Spark could not count the records: {said}", exc) from None


def engine_for(spec: str | None) -> Engine:
    """``python``, ``duckdb`` (the default), ``postgresql://…`` or ``spark``."""
    if spec is None or spec == "duckdb":
        return DuckDBEngine()
    if spec == "python":
        return PythonEngine()
    if spec == "spark":
        return SparkEngine()
    if spec.startswith(("postgresql://", "postgres://")):
        return PostgresEngine(spec)
    raise KpiDataError(f"unknown engine {spec!r}; expected python, duckdb, spark or a postgresql:// URL")


def _missing_used(exc: KpiDataError, lost: Sequence[str], dataset: Dataset,
                  metrics: Sequence[CountedMetric]) -> KpiDataError:
    """The error of columns missing from a source, each problem naming what of the plan reads the column:
    ``(read by metric online, p.kpi:8:29)`` or ``(the dated by column of dataset hs, p.kpi:5:3)``."""
    from kpirules.records.model import filter_nodes

    def place(span: Any) -> str:
        return f", {span.location()}" if span is not None else ""

    used: dict[str, str] = {}
    roles = [(dataset.dated_by, "dated by"), (dataset.unit_by, "unit by")]
    for col, role in roles:
        if col:
            used.setdefault(col, f"the {role} column of dataset {dataset.name}{place(dataset.span)}")
    for m in metrics:
        spans = [(m.column, m.span)] if m.column is not None else []
        spans += [(node.name, node.span or m.span) for node in filter_nodes(m.where) if isinstance(node, Col)]
        for col, span in spans:
            used.setdefault(col, f"read by metric {m.name}{place(span)}")
    diags = []
    for d, col in zip(exc.diagnostics, lost):
        what = used.get(col)
        diags.append(attrs.evolve(d, message=f"{d.message} ({what})") if what else d)
    diags += list(exc.diagnostics[len(lost):])
    out = KpiDataError("\n".join(str(d) for d in diags), tuple(diags))
    setattr(out, MISSING, list(lost))
    return out


def count_records(
    datasets: Sequence[Dataset],
    metrics: Sequence[CountedMetric],
    sources: Mapping[str, RecordSource | str],
    *,
    engine: Engine | str | None = None,
    kind: Kind | str = Kind.QUARTER,
    scheme: Scheme = DEFAULT_SCHEME,
    years: tuple[int, int] | None = None,
    resolve: Callable[[str], str] | None = None,
    floats: str | None = None,
) -> Counted:
    """Count every metric of every dataset from its source; the metric table of them all.

    ``resolve`` names each unit of the rows as the plan does (see :meth:`Engine.count`).
    ``floats``: how a float in rows held in memory is read (None: refused; ``'shortest'``), see
    :func:`~kpirules.records.pyengine.check_frame_floats`.

    A dataset some metric uses but no source is bound to is an error naming it.
    """
    kind = parse_kind(kind)
    own = not isinstance(engine, Engine)
    eng = engine if isinstance(engine, Engine) else engine_for(engine)
    try:
        answers = []
        missing = []
        for ds in datasets:
            ms = [m for m in metrics if m.dataset == ds.name]
            if not ms:
                continue
            src = sources.get(ds.name)
            if src is None:
                missing.append(ds.name)
                continue
            if isinstance(src, str):
                src = parse_source(src, table_of=getattr(eng, "url", None))
            elif not isinstance(src, (FileSource, PostgresSource, SparkSource, FrameSource)):
                src = FrameSource.of(src, f"<records {ds.name}>")
            if isinstance(src, FrameSource):
                from kpirules.records.pyengine import check_frame_floats

                check_frame_floats(src, ds, ms, floats)
            # (a text compared with the unit column names the unit as the rows do once resolved)
            ms = [resolve_metric_units(m, ds, resolve) for m in ms]
            try:
                answers.append(eng.count(ds, ms, src, kind, scheme, years, resolve=resolve))
            except KpiDataError as exc:
                lost = getattr(exc, MISSING, None)
                if not lost:
                    raise
                raise _missing_used(exc, lost, ds, ms) from None
        if missing:
            raise KpiDataError.from_diagnostics(
                Diagnostic(f"no records for dataset {name!r}",
                           hint=f"bind it to its rows: --records {name}=FILE on the command line, "
                                f"{{{name!r}: rows}} in the sources of records_data")
                for name in missing)
        return finish(answers)
    finally:
        if own:
            eng.close()

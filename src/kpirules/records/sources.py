"""Where a dataset's rows are: a file (CSV, Parquet, JSON lines), a PostgreSQL table, a Spark table,
or rows a program holds (:class:`FrameSource`: a DataFrame, an Arrow table, a DuckDB relation).

``--records NAME=SOURCE`` binds a dataset to a source; :func:`parse_source` reads SOURCE:

* ``exports/dossiers.csv`` (``,`` or ``;`` delimited, UTF-8, a header row), ``….parquet``,
  ``….jsonl`` / ``….ndjson`` (one JSON object a line);
* ``postgresql://user@host:5432/db?table=dossiers`` (``table=schema.name`` for another schema);
* ``spark:TABLE`` (a table of the Spark session's catalog); a file path under the Spark engine.

Also the cell rules every engine follows (:data:`NUMBER_PATTERN`, :data:`DATE_PATTERN`,
:data:`DMY_PATTERN`): a cell of a date column is ``YYYY-MM-DD`` or ``dd/mm/yyyy`` (day first, as
Vietnamese exports write it; the day and month in one or two digits), a number is plain decimal notation with at most 9 places
(``-12.5``), a boolean ``true`` or ``false``; an empty cell is missing.
"""

from __future__ import annotations

import os
import re
import urllib.parse
from collections.abc import Mapping
from typing import Any

import attrs

from kpirules.errors import KpiDataError

__all__ = [
    "DATE_PATTERN",
    "DMY_PATTERN",
    "FileSource",
    "FrameSource",
    "NUMBER_PATTERN",
    "PostgresSource",
    "RecordSource",
    "SparkSource",
    "parse_binding",
    "parse_source",
]

#: a number cell (read as text): sign, up to 29 digits, up to 9 decimal places
NUMBER_PATTERN = r"[+-]?[0-9]{1,29}(\.[0-9]{1,9})?"
#: a date cell (read as text)
DATE_PATTERN = r"[0-9]{4}-[0-9]{2}-[0-9]{2}"
#: a date cell written day first (``18/12/2020``, ``1/2/2020``), as the data files also accept it
DMY_PATTERN = r"([0-9]{1,2})/([0-9]{1,2})/([0-9]{4})"

FORMATS = {
    ".csv": "csv",
    ".txt": "csv",
    ".parquet": "parquet",
    ".pq": "parquet",
    ".jsonl": "jsonl",
    ".ndjson": "jsonl",
    ".json": "jsonl",
}


@attrs.frozen
class FileSource:
    path: str
    format: str  # csv, parquet, jsonl

    def describe(self) -> str:
        return self.path


@attrs.frozen
class PostgresSource:
    url: str  # the connection URL without the table parameter
    table: str  # [schema.]table

    @property
    def host(self) -> str:
        parts = urllib.parse.urlsplit(self.url)
        return parts.hostname or "localhost"

    def describe(self) -> str:
        parts = urllib.parse.urlsplit(self.url)
        # never show a password
        netloc = parts.hostname or ""
        if parts.port:
            netloc += f":{parts.port}"
        return f"table {self.table} of postgresql://{netloc}{parts.path}"


@attrs.frozen
class SparkSource:
    table: str | None = None  # a table of the session's catalog
    path: str | None = None  # or a file (parquet, csv, jsonl)
    format: str | None = None

    def describe(self) -> str:
        return f"Spark table {self.table}" if self.table else f"{self.path} (on Spark)"


@attrs.frozen(eq=False)
class FrameSource:
    """Rows held in memory: a pandas or polars DataFrame, an Arrow table, a DuckDB relation, or a list of
    mappings (made an Arrow table).  The twin of a records file for a program that already holds them;
    its columns keep their types, as a Parquet file's do."""

    table: Any  # what DuckDB reads: a pandas DataFrame or an Arrow table
    name: str = "<records>"

    @classmethod
    def of(cls, obj: Any, name: str = "<records>") -> FrameSource:
        """``obj`` as a source; a KpiDataError when it is not rows kpirules reads."""
        if isinstance(obj, FrameSource):
            return obj
        kind = type(obj).__module__.split(".")[0]
        if kind == "duckdb" and hasattr(obj, "arrow"):  # a DuckDB relation: its rows, as Arrow
            try:
                return cls(obj.arrow(), name)
            except Exception as exc:  # (duckdb.Error and the like)
                raise KpiDataError(f"{name}: cannot read the DuckDB relation ({exc})") from None
        if kind == "polars" and hasattr(obj, "to_arrow"):
            return cls(obj.to_arrow(), name)
        if kind in ("pandas", "pyarrow") and hasattr(obj, "columns"):
            return cls(obj, name)
        if isinstance(obj, (list, tuple)) and not obj:
            raise KpiDataError(f"{name}: no rows, and so no columns to check: an empty list is not a dataset "
                               "(as an empty records file is not); a dataset without rows is a DataFrame or an "
                               "Arrow table with its columns and no rows (as a records file without rows has its header)")
        if isinstance(obj, (list, tuple)) and all(isinstance(r, Mapping) for r in obj):
            try:
                import pyarrow  # type: ignore[import-untyped]
            except ImportError:
                raise KpiDataError(f"{name}: records given as a list of mappings need pyarrow "
                                   "(pip install pyarrow), or pass a DataFrame") from None
            try:
                return cls(pyarrow.Table.from_pylist([dict(r) for r in obj]), name)
            except (pyarrow.ArrowException, TypeError, ValueError) as exc:
                raise KpiDataError(f"{name}: the rows do not make a table: {exc} (is a column of mixed "
                                   "types, such as text in some rows and numbers in others?)") from None
        if isinstance(obj, (list, tuple)):  # (rows, but not all of them mappings: name the first that is not)
            i, item = next((i, r) for i, r in enumerate(obj) if not isinstance(r, Mapping))
            raise KpiDataError(f"{name}: index {i}: records given as a list are mappings {{column: value}}, "
                               f"one a row; this one is a {type(item).__name__}")
        raise KpiDataError(f"{name}: records are a file path, a database table, a pandas or polars DataFrame, "
                           f"an Arrow table, a DuckDB relation or a list of mappings, not {type(obj).__name__}")

    def describe(self) -> str:
        return self.name


RecordSource = FileSource | PostgresSource | SparkSource | FrameSource


def is_postgres_url(text: str) -> bool:
    return text.startswith(("postgresql://", "postgres://"))


def parse_source(text: str, *, table_of: str | None = None) -> RecordSource:
    """A source from its text; ``table_of`` is the database URL a bare table name belongs to."""
    t = text.strip()
    if not t:
        raise KpiDataError("an empty records source; write a file path, postgresql://…?table=NAME or spark:TABLE")
    if is_postgres_url(t):
        parts = urllib.parse.urlsplit(t)
        query = urllib.parse.parse_qsl(parts.query, keep_blank_values=True)
        tables = [v for k, v in query if k == "table"]
        rest = [(k, v) for k, v in query if k != "table"]
        if len(tables) != 1 or not tables[0]:
            raise KpiDataError(
                f"{_safe(t)}: a PostgreSQL source names its table: postgresql://host/db?table=NAME"
            )
        url = urllib.parse.urlunsplit(parts._replace(query=urllib.parse.urlencode(rest)))
        return PostgresSource(url, tables[0])
    if t.startswith("spark:"):
        name = t[len("spark:"):]
        if not name:
            raise KpiDataError("spark: needs a table name (spark:dossiers)")
        return SparkSource(table=name)
    if table_of is not None and is_postgres_url(table_of) and not os.path.splitext(t)[1]:
        return PostgresSource(table_of, t)
    ext = os.path.splitext(t)[1].lower()
    fmt = FORMATS.get(ext)
    if fmt is None:
        raise KpiDataError(
            f"{t}: not a records file kpirules reads (by its name: .csv, .parquet, .jsonl or .ndjson); "
            "a database table is postgresql://host/db?table=NAME"
        )
    return FileSource(t, fmt)


def parse_binding(text: str, *, table_of: str | None = None) -> tuple[str, RecordSource]:
    """``NAME=SOURCE`` of ``--records``."""
    name, sep, source = text.partition("=")
    if not sep or not name.strip() or not re.fullmatch(r"[^\W\d]\w*", name.strip()):
        raise KpiDataError(
            f"--records {text!r}: write NAME=SOURCE, NAME being the dataset the plan declares "
            "(--records dossiers=exports/dossiers.csv)"
        )
    return name.strip(), parse_source(source, table_of=table_of)


def _safe(url: str) -> str:
    """A URL without its password."""
    try:
        parts = urllib.parse.urlsplit(url)
    except ValueError:
        return "the database URL"
    if parts.password is None:
        return url
    netloc = (parts.username or "") + ":***@" + (parts.hostname or "")
    if parts.port:
        netloc += f":{parts.port}"
    return urllib.parse.urlunsplit(parts._replace(netloc=netloc))

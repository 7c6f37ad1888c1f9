"""Metrics counted from records: datasets of rows, counted per reporting window and unit.

A plan declares a ``dataset`` (``dated by`` a column, optionally ``unit by`` one) and defines
metrics over its rows (``metric online = count(dossiers where channel == "online")``).  The rows
are bound at run time (``--records dossiers=exports.csv``) and counted by an engine: plain Python
(the reference), DuckDB (embedded, the default), PostgreSQL or Spark, all giving the same
numbers.  See docs/records.md.
"""

from kpirules.records.counting import Counted, DatasetStats
from kpirules.records.engines import (
    DuckDBEngine,
    Engine,
    PostgresEngine,
    PythonEngine,
    SparkEngine,
    count_records,
    engine_for,
)
from kpirules.records.model import (
    Agg,
    And,
    Cmp,
    Col,
    ColType,
    CountedMetric,
    Dataset,
    In,
    Lit,
    Missing,
    Not,
    Or,
    column_types,
)
from kpirules.records.sources import FileSource, FrameSource, PostgresSource, SparkSource, parse_binding, parse_source
from kpirules.records.windows import Window, Windows, windows_for

__all__ = [
    "Agg",
    "And",
    "Cmp",
    "Col",
    "ColType",
    "Counted",
    "CountedMetric",
    "Dataset",
    "DatasetStats",
    "DuckDBEngine",
    "Engine",
    "FileSource",
    "FrameSource",
    "In",
    "Lit",
    "Missing",
    "Not",
    "Or",
    "PostgresEngine",
    "PostgresSource",
    "PythonEngine",
    "SparkEngine",
    "SparkSource",
    "Window",
    "Windows",
    "column_types",
    "count_records",
    "engine_for",
    "parse_binding",
    "parse_source",
    "windows_for",
]

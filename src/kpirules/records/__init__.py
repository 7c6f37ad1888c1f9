"""Metrics counted from records: datasets of rows, counted per reporting window and unit.

A plan declares a ``dataset`` (``dated by`` a column, optionally ``unit by`` one) and defines
metrics over its rows (``metric online = count(dossiers where channel == "online")``).  The rows
are bound at run time (``--records dossiers=exports.csv``) and counted by an engine: plain Python
(the reference), DuckDB (embedded, the default), PostgreSQL or Spark, all giving the same
numbers.  See docs/records.md.
"""

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # (for the type checker; at run time each name is imported when first asked for)
    from kpirules.records.counting import (Counted, DatasetStats)
    from kpirules.records.engines import (DuckDBEngine, Engine, PostgresEngine, PythonEngine, SparkEngine,
        count_records, engine_for)
    from kpirules.records.model import (Agg, And, Cmp, Col, ColType, CountedMetric, Dataset, In, Lit, Missing, Not,
        Or, column_types)
    from kpirules.records.sources import (FileSource, FrameSource, PostgresSource, SparkSource, parse_binding,
        parse_source)
    from kpirules.records.windows import (Window, Windows, windows_for)

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


#: where each name is: the package imports a module only when one of its names is asked for, so a
#: plan's check that counts no records (most) does not import the engines (issue 20, item 5: start-up)
_WHERE = {
    "Agg": "kpirules.records.model",
    "And": "kpirules.records.model",
    "Cmp": "kpirules.records.model",
    "Col": "kpirules.records.model",
    "ColType": "kpirules.records.model",
    "Counted": "kpirules.records.counting",
    "CountedMetric": "kpirules.records.model",
    "Dataset": "kpirules.records.model",
    "DatasetStats": "kpirules.records.counting",
    "DuckDBEngine": "kpirules.records.engines",
    "Engine": "kpirules.records.engines",
    "FileSource": "kpirules.records.sources",
    "FrameSource": "kpirules.records.sources",
    "In": "kpirules.records.model",
    "Lit": "kpirules.records.model",
    "Missing": "kpirules.records.model",
    "Not": "kpirules.records.model",
    "Or": "kpirules.records.model",
    "PostgresEngine": "kpirules.records.engines",
    "PostgresSource": "kpirules.records.sources",
    "PythonEngine": "kpirules.records.engines",
    "SparkEngine": "kpirules.records.engines",
    "SparkSource": "kpirules.records.sources",
    "Window": "kpirules.records.windows",
    "Windows": "kpirules.records.windows",
    "column_types": "kpirules.records.model",
    "count_records": "kpirules.records.engines",
    "engine_for": "kpirules.records.engines",
    "parse_binding": "kpirules.records.sources",
    "parse_source": "kpirules.records.sources",
    "windows_for": "kpirules.records.windows",
}


def _lazy(name: str) -> Any:
    module = _WHERE.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    import importlib

    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value


from kpirules.deprecation import module_getattr as _module_getattr  # noqa: E402

#: a renamed public name still works for one minor release (kpirules.deprecation); the others are lazy
__getattr__ = _module_getattr(__name__, _lazy)

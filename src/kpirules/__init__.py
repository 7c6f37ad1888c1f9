"""kpirules: a declarative rule language for the targets and tasks of action plans."""

from kpirules.errors import (
    Diagnostic,
    KpiDataError,
    KpiError,
    KpiPeriodError,
    KpiSemanticError,
    KpiSyntaxError,
    Span,
)

from kpirules.data import (
    Data,
    Source,
    TaskRow,
    data_from_cursor,
    data_from_events,
    data_from_frame,
    data_from_rows,
    data_from_snapshots,
    data_from_task_rows,
    load_data,
)
from kpirules.engine.export import Rollup
from kpirules.engine.evaluate import FAILING, Plan, Result, Results, Status, load, parse
from kpirules.engine.records import records_data
from kpirules.periods import Kind, Period, Scheme, parse_period
from kpirules.values import Invalid, Undefined

from kpirules.deprecation import module_getattr as _module_getattr

#: a renamed public name still works for one minor release, with a DeprecationWarning
#: (kpirules.deprecation; docs/application.md#deprecation-policy)
__getattr__ = _module_getattr(__name__)


#: the version; pyproject.toml reads it from here (importlib.metadata would cost a tenth of the import time)
__version__ = "0.1.0"

__all__ = [
    "records_data",
    "Data",
    "FAILING",
    "Invalid",
    "Kind",
    "Period",
    "Plan",
    "Result",
    "Results",
    "Rollup",
    "Scheme",
    "Source",
    "Status",
    "TaskRow",
    "Undefined",
    "load",
    "load_data",
    "data_from_cursor",
    "data_from_frame",
    "data_from_rows",
    "data_from_snapshots",
    "data_from_task_rows",
    "data_from_events",
    "parse",
    "parse_period",
    "Diagnostic",
    "KpiDataError",
    "KpiError",
    "KpiPeriodError",
    "KpiSemanticError",
    "KpiSyntaxError",
    "Span",
    "__version__",
]

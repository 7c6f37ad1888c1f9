"""kpirules: a declarative rule language for the targets and tasks of action plans."""

from importlib.metadata import PackageNotFoundError, version

from .errors import (
    Diagnostic,
    KpiDataError,
    KpiError,
    KpiPeriodError,
    KpiSemanticError,
    KpiSyntaxError,
    Span,
)

try:
    __version__ = version("kpirules")
except PackageNotFoundError:  # pragma: no cover - running from a source tree
    __version__ = "0.0.0"

__all__ = [
    "Diagnostic",
    "KpiDataError",
    "KpiError",
    "KpiPeriodError",
    "KpiSemanticError",
    "KpiSyntaxError",
    "Span",
    "__version__",
]

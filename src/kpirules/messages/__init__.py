"""Reasons and warnings as data: a code and its arguments, with one catalog of templates per language (en, vi)."""

from kpirules.messages.message import (LANGUAGES, PLAIN, Count, Exact, Label, Message, Metric, Expr, Progress, Style, Value,
                                       Word, catalog_of)

__all__ = ["Message", "Label", "Metric", "Expr", "Value", "Word", "Progress", "Count", "Exact", "Style", "PLAIN", "LANGUAGES", "catalog_of",
           "codes"]


def codes() -> frozenset[str]:
    """Every message code: those of the English catalog (a test checks every language has the same)."""
    return frozenset(catalog_of("en")["templates"])


# (a renamed public name of this module still works for one minor release: kpirules.deprecation)
from kpirules.deprecation import module_getattr as _module_getattr  # noqa: E402

__getattr__ = _module_getattr(__name__)

"""Results out as records and data frames: ``Results.to_records()``, ``to_pandas()``, ``to_polars()``,
``to_arrow()``, and the same for a roll-up over periods (:class:`Rollup`).

A record is a plain dict, one per result, with the fields of :data:`FIELDS`
(docs/application.md says what each holds).  Records keep the exact values:
numbers are ``int`` or :class:`~fractions.Fraction`, dates ``datetime.date``.
A data frame cannot hold a Fraction in a column of numbers, so in frames the
numbers are written as their exact text, as in the JSON output (``"0.2468"``,
``"1/3"``); ``to_pandas(values="object")`` keeps the Fraction and int objects
instead (in columns of dtype object).  pandas, polars and pyarrow are
imported only when a frame of theirs is asked for.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING, Any

from kpirules.errors import KpiError
from kpirules.values import format_value

if TYPE_CHECKING:  # pragma: no cover
    from kpirules.engine.shapes import PlanView as Plan  # (evaluate's Plan, as read here)
    from kpirules.engine.shapes import ResultsView as Results
    from kpirules.engine.shapes import ResultView as Result

__all__ = ["FIELDS", "RECORD_ONLY", "ROLLUP_FIELDS", "NUMBER_FIELDS", "Rollup", "record", "records", "rollup_records",
           "to_pandas", "to_polars", "to_arrow"]

#: the fields of a result's record, in order (frames have these columns but those of :data:`RECORD_ONLY`)
FIELDS = ("id", "kind", "status", "period", "unit", "value", "target", "target_low", "target_high", "margin",
          "reason", "reason_code", "reason_args", "title", "section", "op", "deadline", "lead", "condition",
          "deliveries")
#: the fields that hold nested data: in records only
RECORD_ONLY = ("reason_args", "deliveries")
#: a roll-up's record: the period checked and the day it was judged on, then a result's fields
ROLLUP_FIELDS = ("checked_period", "judged_on", *FIELDS)
#: the fields that hold values (exact numbers, booleans or text), written as text in frames
NUMBER_FIELDS = ("value", "target", "target_low", "target_high", "margin")
_DATE_FIELDS = ("deadline", "judged_on")
_LIST_FIELDS = ("lead",)


def record(r: Result) -> dict[str, Any]:
    """The record of one result: plain values, numbers exact."""
    target: Any = r.target
    low: Any = None
    high: Any = None
    if isinstance(target, tuple):
        (low, high), target = target, None
    return {
        "id": r.id,
        "kind": r.kind,
        "status": r.status.value,
        "period": r.period,
        "unit": r.unit,
        "value": r.value,
        "target": target,
        "target_low": low,
        "target_high": high,
        "margin": r.margin,
        "reason": None if r.reason is None else str.__str__(r.reason),  # (plain text: a Message is a str)
        "reason_code": r.reason_code,
        "reason_args": r.reason_args,
        "title": r.title,
        "section": r.section,
        "op": r.op,
        "deadline": r.deadline,
        "lead": list(r.lead),
        "condition": r.condition,
        "deliveries": [{"period": p, "deadline": d, "done_on": on, "status": "done" if ok else "done_late"}
                       for p, d, on, ok in r.deliveries],
    }


def records(results: Iterable[Result]) -> list[dict[str, Any]]:
    """One record a result, in order."""
    return [record(r) for r in results]


def rollup_records(checks: Iterable[Results]) -> list[dict[str, Any]]:
    """One record per result of every period checked, each with ``checked_period`` (the label) and
    ``judged_on`` (the as-of date of that period's check) first."""
    out: list[dict[str, Any]] = []
    for results in checks:
        head = {"checked_period": results.current.label if results.current else None, "judged_on": results.as_of}
        out.extend({**head, **record(r)} for r in results)
    return out


def _columns(recs: list[dict[str, Any]], fields: Sequence[str], text: bool) -> dict[str, list[Any]]:
    """The records as columns (those of :data:`RECORD_ONLY` left out), numbers as their exact text when ``text``."""
    cols: dict[str, list[Any]] = {}
    for f in fields:
        if f in RECORD_ONLY:
            continue
        column = [rec[f] for rec in recs]
        if text and f in NUMBER_FIELDS:
            column = [format_value(v) for v in column]
        cols[f] = column
    return cols


def _need(module: str, extra: str) -> Any:
    import importlib

    try:
        return importlib.import_module(module)
    except ImportError:
        raise KpiError(f"this needs {extra}: pip install {extra}") from None


def to_pandas(recs: list[dict[str, Any]], fields: Sequence[str] = FIELDS, values: str = "text") -> Any:
    """A ``pandas.DataFrame`` of the records: numbers as exact text (``values="text"``) or as the
    int and Fraction objects (``values="object"``); ``deadline`` as ``datetime.date`` objects."""
    if values not in ("text", "object"):
        raise KpiError(f"values={values!r}: expected 'text' or 'object'")
    pd = _need("pandas", "pandas")
    cols = _columns(recs, fields, values == "text")
    return pd.DataFrame({k: pd.Series(v, dtype=object) for k, v in cols.items()}, columns=list(cols))


def to_polars(recs: list[dict[str, Any]], fields: Sequence[str] = FIELDS) -> Any:
    """A ``polars.DataFrame`` of the records: numbers as exact text, dates as ``Date``, ``lead`` a list."""
    pl = _need("polars", "polars")
    cols = _columns(recs, fields, True)
    schema = {k: pl.Date if k in _DATE_FIELDS else pl.List(pl.Utf8) if k in _LIST_FIELDS else pl.Utf8 for k in cols}
    return pl.DataFrame(cols, schema=schema)


def to_arrow(recs: list[dict[str, Any]], fields: Sequence[str] = FIELDS) -> Any:
    """A ``pyarrow.Table`` of the records: numbers as exact text, dates as ``date32``, ``lead`` a list."""
    pa = _need("pyarrow", "pyarrow")
    cols = _columns(recs, fields, True)
    schema = pa.schema([(k, pa.date32() if k in _DATE_FIELDS else pa.list_(pa.string()) if k in _LIST_FIELDS
                         else pa.string()) for k in cols])
    return pa.table(cols, schema=schema)


class Rollup(list):  # type: ignore[type-arg]
    """What ``Plan.evaluate_periods`` returns: a list of :class:`~kpirules.Results`, one per period,
    with the roll-up's records and frames (each result with the period checked and the day judged)."""

    def __init__(self, checks: Iterable[Results] = (), plan: Plan | None = None,
                 as_of: datetime.date | None = None) -> None:
        super().__init__(checks)
        self.plan = plan
        self.as_of = as_of

    def to_json(self) -> dict[str, Any]:
        """The JSON of ``kpirules check --period all --format json`` (schema ``rollup``): each period's
        ``Results.to_json()`` in ``checks``, with the periods and the counts summed over them."""
        return self._json_doc(shared=False)

    def _json_doc(self, shared: bool) -> dict[str, Any]:
        """:meth:`to_json`; ``shared``: a result that is the same in several periods is one object in all
        of them (``Results._json_doc``; for the roll-up's text only)."""
        from kpirules.schemas import SCHEMA_VERSION

        if self.plan is None or self.as_of is None:
            raise KpiError("this roll-up has no plan or as-of date; make it with Plan.evaluate_periods")
        counts: dict[str, int] = {}
        for results in self:
            for k, v in results.counts().items():
                counts[k] = counts.get(k, 0) + v
        return {
            "plan": self.plan.id,
            "as_of": self.as_of.isoformat(),
            "periods": [r.current.label if r.current else None for r in self],
            "counts": counts,
            "schema_version": SCHEMA_VERSION,
            "checks": [r._json_doc(shared) for r in self],
        }

    def to_records(self) -> list[dict[str, Any]]:
        """:func:`rollup_records`: one record per result of every period, with ``checked_period`` and ``judged_on``."""
        return rollup_records(self)

    def to_pandas(self, values: str = "text") -> Any:
        return to_pandas(self.to_records(), ROLLUP_FIELDS, values)

    def to_polars(self) -> Any:
        return to_polars(self.to_records(), ROLLUP_FIELDS)

    def to_arrow(self) -> Any:
        return to_arrow(self.to_records(), ROLLUP_FIELDS)

"""The language of records (issue 18): ``dataset`` and ``metric NAME = count(…)``, built and checked.

The builder's methods for the grammar's records block (a mixin of
:class:`kpirules.lang.build.Builder`) make :mod:`kpirules.records.model` objects, and
:func:`check_records` finds what is wrong with them at load: a metric over a dataset the plan
does not declare, a dataset without ``dated by``, a name given twice, a column used as two
kinds of value.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Sequence
from fractions import Fraction
from typing import Any

from lark import Token, v_args

from kpirules.errors import Diagnostic, KpiSemanticError
from kpirules.records.model import (
    Agg,
    And,
    Cmp,
    Col,
    CountedMetric,
    Dataset,
    In,
    Lit,
    Missing,
    Not,
    Or,
    column_types,
)

__all__ = ["RecordsBuilder", "check_records", "RECORD_ITEMS"]

#: the plan items of the records block (kept in ``Plan.records``, not among the rules)
RECORD_ITEMS = (Dataset, CountedMetric)


_ESCAPE = re.compile(r'\\(["\\\\n])')
_ESCAPES = {'"': '"', "\\": "\\", "n": "\n"}


def _unquote(tok: object) -> str:
    """A STRING token's text (as :func:`kpirules.lang.build.unquote`, which imports this module)."""
    s = str(tok)
    if len(s) >= 2 and s[0] == '"' and s[-1] == '"':
        s = _ESCAPE.sub(lambda m: _ESCAPES[m.group(1)], s[1:-1])
    return s


class RecordsBuilder:
    """Builder methods of the records block (mixed into Builder: it has ``_span``, ``problem``, ``_date``)."""

    # given by Builder
    problem: Any
    _span: Any
    _date: Any
    _number: Any

    @v_args(meta=True)
    def dataset(self, meta, c):  # type: ignore[no-untyped-def]
        name = str(c[0])
        title = None
        rest = list(c[1:])
        if rest and isinstance(rest[0], Token) and rest[0].type == "STRING":
            title = _unquote(rest.pop(0))
        fields: dict[str, str] = {}
        for key, value, where in rest:
            if key in fields:
                self.problem(f"`{key} by` is given twice in dataset {name}", where)
            fields[key] = value
        span = self._span(meta)
        if "dated" not in fields:
            self.problem(f"dataset {name} needs `dated by COLUMN`: the date that puts a row in its reporting "
                         "window", c[0], hint="add a line `dated by resolved_on` (the column of that date)")
        return Dataset(name, title, fields.get("dated", ""), fields.get("unit"), span=span)

    def dated_by(self, c):  # type: ignore[no-untyped-def]
        return ("dated", str(c[0]), c[0])

    def unit_by(self, c):  # type: ignore[no-untyped-def]
        return ("unit", str(c[0]), c[0])

    @v_args(meta=True)
    def counted_metric(self, meta, c):  # type: ignore[no-untyped-def]
        name = str(c[0])
        title = _unquote(c[1]) if len(c) == 3 else None
        agg, dataset, column, where = c[-1]
        try:
            return CountedMetric(name, agg, dataset, column, where, title=title, span=self._span(meta))
        except ValueError as exc:  # pragma: no cover - the grammar gives count no column, the others one
            self.problem(str(exc), meta)
            return CountedMetric(name, Agg.COUNT, dataset, None, None, span=self._span(meta))

    def _where(self, c: list[Any]) -> Any:
        return c[0] if c else None

    def _dotted(self, tok: Token) -> tuple[str, str]:
        parts = str(tok).split(".")
        if len(parts) != 2:
            self.problem(f"`{tok}`: write DATASET.COLUMN (one dot)", tok)
        return parts[0], parts[-1]

    def rec_count(self, c):  # type: ignore[no-untyped-def]
        return (Agg.COUNT, str(c[0]), None, self._where(c[1:]))

    def rec_distinct(self, c):  # type: ignore[no-untyped-def]
        ds, col = self._dotted(c[0])
        return (Agg.COUNT_DISTINCT, ds, col, self._where(c[1:]))

    def rec_aggregate(self, c):  # type: ignore[no-untyped-def]
        ds, col = self._dotted(c[1])
        return (Agg(str(c[0])), ds, col, self._where(c[2:]))

    def rec_fn(self, c):  # type: ignore[no-untyped-def]
        return str(c[0])

    def rec_where(self, c):  # type: ignore[no-untyped-def]
        return c[0]

    @v_args(meta=True)
    def rec_or_(self, meta, c):  # type: ignore[no-untyped-def]
        return Or(c[0], c[1], span=self._span(meta))

    @v_args(meta=True)
    def rec_and_(self, meta, c):  # type: ignore[no-untyped-def]
        return And(c[0], c[1], span=self._span(meta))

    @v_args(meta=True)
    def rec_not_(self, meta, c):  # type: ignore[no-untyped-def]
        return Not(c[0], span=self._span(meta))

    def _operand(self, v: Any, meta: Any) -> Col | Lit:
        if isinstance(v, (Col, Lit)):
            return v
        self.problem("expected a column or a value here", meta)
        return Lit("")

    @v_args(meta=True)
    def rec_compare(self, meta, c):  # type: ignore[no-untyped-def]
        op = str(c[1])
        return Cmp(op, c[0], c[2], span=self._span(meta))

    def _list(self, values: list[Any], meta: Any) -> tuple[Lit, ...]:
        out: list[Lit] = []
        for v in values:
            if isinstance(v, Col):
                self.problem(f"the list after `in` holds values, not columns (`{v.name}`)", v.span or meta,
                             hint="quote text: \"online\"")
                continue
            out.append(v)
        return tuple(out)

    @v_args(meta=True)
    def rec_in(self, meta, c):  # type: ignore[no-untyped-def]
        return In(c[0], self._list(c[1:], meta), span=self._span(meta))

    @v_args(meta=True)
    def rec_not_in(self, meta, c):  # type: ignore[no-untyped-def]
        return In(c[0], self._list(c[1:], meta), negated=True, span=self._span(meta))

    @v_args(meta=True)
    def rec_missing(self, meta, c):  # type: ignore[no-untyped-def]
        return Missing(c[0], span=self._span(meta))

    @v_args(meta=True)
    def rec_present(self, meta, c):  # type: ignore[no-untyped-def]
        return Missing(c[0], negated=True, span=self._span(meta))

    def rec_column(self, c):  # type: ignore[no-untyped-def]
        return Col(str(c[0]), span=self._span(c[0]))

    def rec_text(self, c):  # type: ignore[no-untyped-def]
        return Lit(_unquote(c[0]), span=self._span(c[0]))

    def _num(self, f: Fraction) -> int | Fraction:
        return f.numerator if f.denominator == 1 else f

    def rec_number(self, c):  # type: ignore[no-untyped-def]
        return Lit(self._num(self._number(c[0])), span=self._span(c[0]))

    def rec_negative(self, c):  # type: ignore[no-untyped-def]
        return Lit(-self._num(self._number(c[0])), span=self._span(c[0]))

    def rec_percent(self, c):  # type: ignore[no-untyped-def]
        text = str(c[0])[:-1]
        return Lit(self._num(self._number(c[0], 100, text)), span=self._span(c[0]))

    def rec_date(self, c):  # type: ignore[no-untyped-def]
        return Lit(self._date(c[0]), span=self._span(c[0]))

    @v_args(meta=True)
    def rec_true(self, meta, c):  # type: ignore[no-untyped-def]
        return Lit(True, span=self._span(meta))

    @v_args(meta=True)
    def rec_false(self, meta, c):  # type: ignore[no-untyped-def]
        return Lit(False, span=self._span(meta))


def check_records(records: Sequence[object], lines: Sequence[str] | None = None) -> list[Diagnostic]:
    """The problems of a plan's datasets and counted metrics (empty when there are none)."""
    problems: list[Diagnostic] = []

    def bad(message: str, span, hint: str | None = None) -> None:  # type: ignore[no-untyped-def]
        source = None
        if span is not None and lines is not None and 0 < span.line <= len(lines):
            source = lines[span.line - 1]
        problems.append(Diagnostic(message, span, hint=hint, source_line=source))

    def first_time(seen: dict[str, Any], item: Dataset | CountedMetric, said: str) -> bool:
        """Whether ``item`` is the first of its name (and it is taken in ``seen``); else it is a problem."""
        if item.name in seen:
            first = seen[item.name].span
            bad(f"{said} twice" + (f" (first at line {first.line})" if first else ""), item.span)
            return False
        seen[item.name] = item
        return True

    datasets: dict[str, Dataset] = {}
    metrics: dict[str, CountedMetric] = {}
    for item in records:
        if isinstance(item, Dataset):
            first_time(datasets, item, f"dataset {item.name} is declared")
    for item in records:
        if isinstance(item, CountedMetric):
            if not first_time(metrics, item, f"metric {item.name} is defined"):
                continue
            if item.dataset not in datasets:
                close = difflib.get_close_matches(item.dataset, list(datasets), n=1)
                bad(f"metric {item.name} counts dataset {item.dataset}, which the plan does not declare", item.span,
                    hint=f"did you mean {close[0]}?" if close else
                    f"declare it: dataset {item.dataset}: dated by COLUMN")
    for ds in datasets.values():
        if not ds.dated_by:
            continue  # (said when it was built)
        try:
            column_types(ds, [m for m in metrics.values() if m.dataset == ds.name])
        except KpiSemanticError as exc:
            for d in exc.diagnostics:
                bad(d.message, d.span, d.hint)
    return problems

"""The abstract syntax tree of a .kpi rule file.

Nodes are frozen data: attrs classes whose children are tuples, with no
behaviour beyond trivial properties.  Every node carries its source span as
the last, keyword-only field, excluded from equality, so that two trees of the
same text compare equal wherever they were written.

Tools walk the tree with :func:`children` / :func:`walk`, or with ``match``
on the node classes::

    for node in walk(plan):
        match node:
            case Metric(name=name):
                print(name)
"""

from __future__ import annotations

import datetime
from collections.abc import Iterator
from fractions import Fraction
from typing import Union

import attrs

from kpirules.errors import Span
from kpirules.periods import Kind, Period

__all__ = [
    "Number",
    "Percent",
    "Bool",
    "Text",
    "Metric",
    "PeriodRef",
    "DateRef",
    "Previous",
    "At",
    "Neg",
    "Not",
    "Arith",
    "Compare",
    "Between",
    "Logic",
    "Call",
    "Count",
    "Over",
    "Every",
    "Event",
    "UnitDecl",
    "MetricDecl",
    "METRIC_KINDS",
    "By",
    "Span_",
    "Rule",
    "Task",
    "Section",
    "Group",
    "Reporting",
    "Plan",
    "Expr",
    "When",
    "TimeClause",
    "Item",
    "Node",
    "children",
    "walk",
    "span_of",
    "FUNCTIONS",
    "ATTRIBUTES",
    "AGGREGATES",
]


def _span() -> Span | None:
    return attrs.field(default=None, eq=False, kw_only=True, repr=False)  # type: ignore[no-any-return]


# --- values ---------------------------------------------------------------


@attrs.frozen
class Number:
    """An exact number; ``text`` keeps what was written (``12.50``)."""

    value: Fraction
    text: str
    span: Span | None = _span()


@attrs.frozen
class Percent:
    """``20%``: ``value`` is the fraction (1/5); ``text`` is ``"20%"``."""

    value: Fraction
    text: str
    span: Span | None = _span()


@attrs.frozen
class Bool:
    value: bool
    span: Span | None = _span()


@attrs.frozen
class Text:
    """A quoted string used as a value (compared with text data)."""

    value: str
    span: Span | None = _span()


@attrs.frozen
class Metric:
    """A metric: the value the data gives for the period being judged."""

    name: str
    span: Span | None = _span()


@attrs.frozen
class PeriodRef:
    """A reporting period written in the rule file (``2020``, ``Q4/2019``).

    ``period`` is read with the default scheme; the plan re-reads it with its
    own (``period.with_scheme``).  ``text`` keeps what was written.
    """

    period: Period
    text: str
    span: Span | None = _span()


@attrs.frozen
class DateRef:
    """A calendar date written in the rule file (``2020-06-30``)."""

    date: datetime.date
    text: str
    span: Span | None = _span()


@attrs.frozen
class Previous:
    """``previous``: the reporting period before the one being judged.

    ``previous year`` (``year`` true, an extension): the period of the same
    kind one year earlier (2019-Q4 when 2020-Q4 is judged).
    """

    year: bool = False
    span: Span | None = _span()


When = Union[PeriodRef, DateRef]


# --- expressions ------------------------------------------------------------


@attrs.frozen
class At:
    """``expr at P``: ``expr`` read in another period."""

    expr: Expr
    when: Union[PeriodRef, DateRef, Previous, Number, Metric, Text]
    span: Span | None = _span()


@attrs.frozen
class Neg:
    operand: Expr
    span: Span | None = _span()


@attrs.frozen
class Not:
    operand: Expr
    span: Span | None = _span()


@attrs.frozen
class Arith:
    """``left op right`` with ``op`` one of ``+ - * /``."""

    op: str
    left: Expr
    right: Expr
    span: Span | None = _span()


@attrs.frozen
class Compare:
    """``left op right`` with ``op`` one of ``>= > <= < == !=``."""

    op: str
    left: Expr
    right: Expr
    span: Span | None = _span()


@attrs.frozen
class Between:
    """``value between low and high``, both ends included."""

    value: Expr
    low: Expr
    high: Expr
    span: Span | None = _span()


@attrs.frozen
class Logic:
    """``left op right`` with ``op`` ``and`` or ``or`` (Kleene logic)."""

    op: str
    left: Expr
    right: Expr
    span: Span | None = _span()


FUNCTIONS = ("ratio", "change", "sum", "min", "max", "avg")
AGGREGATES = ("sum", "min", "max", "avg")
#: the attributes a task or rule body may have, in their canonical order
ATTRIBUTES = ("lead", "support", "due", "product", "note", "after")


@attrs.frozen
class Call:
    """``ratio(a, b)``, ``change(new, old)``, ``sum(m)``, ``min``, ``max``, ``avg``."""

    func: str
    args: tuple[Expr, ...] = attrs.field(converter=tuple)
    span: Span | None = _span()


@attrs.frozen
class Count:
    """``count(units)`` or ``count(units where C)``."""

    where: Expr | None = None
    span: Span | None = _span()


@attrs.frozen
class Over:
    """``m over P``: the sum of ``m`` over the plan's reporting periods inside P.

    ``when`` is None for ``m over year``: from the first reporting period of the
    judged period's year up to the judged period (year to date).
    """

    expr: Expr
    when: PeriodRef | None = None
    span: Span | None = _span()


Expr = Union[
    Number, Percent, Bool, Text, DateRef, Metric, At, Over, Neg, Not, Arith, Compare, Between, Logic, Call, Count
]


# --- time clauses -----------------------------------------------------------


@attrs.frozen
class By:
    """``by W``: a deadline."""

    when: When
    span: Span | None = _span()


@attrs.frozen
class Span_:
    """``from A to B``: the condition must hold in every period of the span."""

    start: When
    end: When
    span: Span | None = _span()


TimeClause = Union[By, Span_]


# --- items ------------------------------------------------------------------


@attrs.frozen
class Rule:
    """A target: a condition, an optional time clause, and who answers for it.

    ``bare`` is true for a condition written without a ``rule`` header; its id
    is then derived from its line (``L12``).  ``units`` (an extension) lists
    the units or group names of ``for each unit in …:``; empty means every
    unit in the data.
    """

    id: str
    title: str | None
    condition: Expr
    time: TimeClause | None = None
    per_unit: bool = False
    lead: tuple[str, ...] = attrs.field(default=(), converter=tuple)
    support: tuple[str, ...] = attrs.field(default=(), converter=tuple)
    note: str | None = None
    bare: bool = False
    units: tuple[str, ...] = attrs.field(default=(), converter=tuple)
    #: ``stretch COND``: a second, higher bar, evaluated only when the rule is met
    stretch: Expr | None = None
    span: Span | None = _span()


@attrs.frozen
class Task:
    """A task of the plan's appendix."""

    id: str
    title: str | None
    lead: tuple[str, ...] = attrs.field(default=(), converter=tuple)
    support: tuple[str, ...] = attrs.field(default=(), converter=tuple)
    due: tuple[When, ...] = attrs.field(default=(), converter=tuple)
    product: str | None = None
    note: str | None = None
    after: tuple[str, ...] = attrs.field(default=(), converter=tuple)
    #: ``due every quarter from A to B``: a recurring duty, one deadline per period
    every: Every | None = None
    span: Span | None = _span()


@attrs.frozen
class Every:
    """``every quarter from 2019-Q2 to 2025-Q4``: one occurrence per period of ``kind`` in start … end."""

    kind: Kind
    start: When
    end: When
    span: Span | None = _span()


@attrs.frozen
class Event:
    """``event ND138 "Nghị định …"``: something outside the plan that tasks may wait for."""

    id: str
    title: str | None = None
    span: Span | None = _span()


@attrs.frozen
class UnitDecl:
    """``unit TTCNTT "Trung tâm Công nghệ thông tin"``: a body that reports, by code and full name."""

    code: str
    name: str | None = None
    span: Span | None = _span()


#: the kinds of value a declared metric holds: `count` (a whole number: dossiers, services), `share`
#: (a part of a whole, usually written with %), `amount` (any number: money, days), `yesno`, `text`
METRIC_KINDS = ("count", "share", "amount", "yesno", "text")


@attrs.frozen
class MetricDecl:
    """``metric egov_users "Người dùng dịch vụ công trực tuyến": count "người"``: a reported metric's title,
    the kind of its value (one of :data:`METRIC_KINDS`, or None) and its unit of measure."""

    name: str
    title: str | None = None
    kind: str | None = None
    measure: str | None = None
    span: Span | None = _span()


@attrs.frozen
class Group:
    """``group ministries: BNV, BTC`` (an extension): a named set of units.

    ``for each unit in ministries:`` gives one result for each of them.
    """

    name: str
    units: tuple[str, ...] = attrs.field(converter=tuple)
    span: Span | None = _span()


@attrs.frozen
class Section:
    id: str
    title: str | None = None
    span: Span | None = _span()


@attrs.frozen
class Reporting:
    """``reporting quarterly cutoff 15 due 20`` (or ``calendar``)."""

    kind: Kind
    cutoff: int | None = None
    calendar: bool = False
    due: int | None = None
    span: Span | None = _span()


@attrs.frozen
class ReportBlock:
    """``report "BC-VP"`` in the plan header, with the fields of the official report's layout.

    ``issuer``: the lines of the issuing body, the body above it first and the
    issuing body last (``"BỘ KHOA HỌC VÀ CÔNG NGHỆ", "VĂN PHÒNG BỘ"``);
    ``signer``: the signer's title lines, then the signer's name last;
    ``recipients``: the lines of *Nơi nhận*; ``symbol``: the document's
    symbol (ký hiệu) after the number (``Số: 12/BC-VP``).
    """

    symbol: str | None = None
    issuer: tuple[str, ...] = ()
    place: str | None = None
    signer: tuple[str, ...] = ()
    recipients: tuple[str, ...] = ()
    span: Span | None = _span()


Item = Union[Section, Rule, Task, Group, Event, UnitDecl]


@attrs.frozen
class Plan:
    """A whole rule file: the header fields and the items in file order."""

    id: str | None = None
    title: str | None = None
    issued: datetime.date | None = None
    implements: str | None = None
    reporting: Reporting | None = None
    items: tuple[Item, ...] = attrs.field(default=(), converter=tuple)
    #: the official report's fields (``report`` in the header), None when the plan gives none
    report: ReportBlock | None = attrs.field(default=None, kw_only=True)
    #: the datasets and counted metrics (``dataset …``, ``metric NAME = count(…)``: kpirules.records.model
    #: objects), in file order
    records: tuple[object, ...] = attrs.field(default=(), converter=tuple, kw_only=True)
    #: the reported metrics declared (``metric NAME "Title": count "hồ sơ"``), in file order
    metrics: tuple[MetricDecl, ...] = attrs.field(default=(), converter=tuple, kw_only=True)
    span: Span | None = _span()


Node = Union[Expr, By, Span_, Rule, Task, Section, Reporting, Plan, PeriodRef, DateRef, Previous, Every, Event,
             UnitDecl]


def children(node: object) -> Iterator[object]:
    """The child nodes of ``node``, in source order."""
    cls = type(node)
    if not attrs.has(cls):
        return
    for field in attrs.fields(cls):
        if field.name == "span":
            continue
        value = getattr(node, field.name)
        if isinstance(value, tuple):
            for v in value:
                if attrs.has(type(v)):
                    yield v
        elif attrs.has(type(value)) and not isinstance(value, (Period, Span)):
            yield value


def walk(node: object) -> Iterator[object]:
    """Every node below ``node`` (itself first), depth first, without recursion."""
    stack = [node]
    while stack:
        current = stack.pop()
        yield current
        stack.extend(reversed(list(children(current))))


def span_of(node: object) -> Span | None:
    return getattr(node, "span", None)


# (a renamed public name of this module still works for one minor release: kpirules.deprecation)
from kpirules.deprecation import module_getattr as _module_getattr  # noqa: E402

__getattr__ = _module_getattr(__name__)

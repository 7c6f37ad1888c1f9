"""What a plan says about records: datasets, counted metrics and their ``where`` filters.

These are plain frozen data, built by the language (``dataset …``, ``metric NAME = count(…)``)
or by hand.  :func:`column_types` works out what kind of value each column used must hold,
from how the plan uses it: the ``dated by`` column holds dates, the ``unit by`` column text,
a column compared with ``20`` numbers, a column summed numbers, and so on.  Both engines read
the cells of a column by that kind, so they agree on what every cell means.
"""

from __future__ import annotations

import datetime
import enum
import unicodedata
from collections.abc import Callable, Iterable, Iterator
from fractions import Fraction
from typing import Union

import attrs

from kpirules.errors import Diagnostic, KpiSemanticError, Span

__all__ = [
    "Agg",
    "And",
    "Col",
    "Cmp",
    "ColType",
    "CountedMetric",
    "Dataset",
    "Filter",
    "In",
    "Lit",
    "Missing",
    "Not",
    "Or",
    "column_types",
    "columns_of",
    "needs_nfc",
    "nfc_text",
]


def _span() -> Span | None:
    return attrs.field(default=None, eq=False, kw_only=True, repr=False)  # type: ignore[no-any-return]


class ColType(str, enum.Enum):
    """What the cells of a column are read as."""

    DATE = "date"
    NUMBER = "number"
    TEXT = "text"
    BOOL = "bool"
    ANY = "any"  # used only where any value will do (count distinct, is missing): read as it is

    def __str__(self) -> str:
        return self.value


class Agg(str, enum.Enum):
    """What a counted metric computes over the rows of a window."""

    COUNT = "count"
    SUM = "sum"
    AVG = "avg"
    MIN = "min"
    MAX = "max"
    COUNT_DISTINCT = "count distinct"

    def __str__(self) -> str:
        return self.value


# --------------------------------------------------------------------------- filters

#: a literal's value: an exact number, text, a boolean or a date
LitValue = Union[int, Fraction, str, bool, datetime.date]


@attrs.frozen
class Col:
    """A column of the dataset's rows."""

    name: str
    span: Span | None = _span()


@attrs.frozen
class Lit:
    """A literal: ``"online"``, ``20``, ``12.5``, ``true``, ``2020-11-01``."""

    value: LitValue
    span: Span | None = _span()

    @property
    def type(self) -> ColType:
        v = self.value
        if isinstance(v, bool):
            return ColType.BOOL
        if isinstance(v, (int, Fraction)):
            return ColType.NUMBER
        if isinstance(v, datetime.date):
            return ColType.DATE
        return ColType.TEXT


Operand = Union[Col, Lit]

#: comparison operators, as the language writes them
OPERATORS = ("==", "!=", "<", "<=", ">", ">=")
ORDERING = ("<", "<=", ">", ">=")


@attrs.frozen
class Cmp:
    """``left op right``, op one of ``== != < <= > >=``."""

    op: str
    left: Operand
    right: Operand
    span: Span | None = _span()

    def __attrs_post_init__(self) -> None:
        if self.op not in OPERATORS:
            raise ValueError(f"not a comparison operator: {self.op!r}")


@attrs.frozen
class In:
    """``operand in (v1, v2, …)``, or ``not in`` when ``negated``."""

    operand: Operand
    values: tuple[Lit, ...]
    negated: bool = False
    span: Span | None = _span()


@attrs.frozen
class Missing:
    """``operand is missing`` (``is not missing`` when ``negated``): the cell is empty or absent."""

    operand: Operand
    negated: bool = False
    span: Span | None = _span()


@attrs.frozen
class And:
    left: Filter
    right: Filter
    span: Span | None = _span()


@attrs.frozen
class Or:
    left: Filter
    right: Filter
    span: Span | None = _span()


@attrs.frozen
class Not:
    operand: Filter
    span: Span | None = _span()


Filter = Union[Cmp, In, Missing, And, Or, Not]


def filter_nodes(f: Filter | None) -> Iterator[Filter | Col | Lit]:
    """Every node of a filter, depth first."""
    if f is None:
        return
    yield f
    if isinstance(f, (And, Or)):
        yield from filter_nodes(f.left)
        yield from filter_nodes(f.right)
    elif isinstance(f, Not):
        yield from filter_nodes(f.operand)
    elif isinstance(f, Cmp):
        yield f.left
        yield f.right
    elif isinstance(f, In):
        yield f.operand
        yield from f.values
    elif isinstance(f, Missing):
        yield f.operand


def resolve_unit_names(f: Filter, column: str, resolve: Callable[[str], str]) -> Filter:
    """``f`` with each text compared with the unit column (``==``, ``!=``, ``in``) named as the plan
    names the unit (``resolve``: a full name → its code), as the rows' units are before they are
    counted: ``unit_code == "Hà Giang"`` then counts the rows of ``HG`` and of ``Hà Giang``."""
    def lit(v: Lit) -> Lit:
        return attrs.evolve(v, value=resolve(v.value)) if isinstance(v.value, str) else v

    def on_unit(o: Operand) -> bool:
        return isinstance(o, Col) and o.name == column

    if isinstance(f, (And, Or)):
        return attrs.evolve(f, left=resolve_unit_names(f.left, column, resolve),
                            right=resolve_unit_names(f.right, column, resolve))
    if isinstance(f, Not):
        return attrs.evolve(f, operand=resolve_unit_names(f.operand, column, resolve))
    if isinstance(f, Cmp) and f.op in ("==", "!="):
        if on_unit(f.left) and isinstance(f.right, Lit):
            return attrs.evolve(f, right=lit(f.right))
        if on_unit(f.right) and isinstance(f.left, Lit):
            return attrs.evolve(f, left=lit(f.left))
    if isinstance(f, In) and on_unit(f.operand):
        return attrs.evolve(f, values=tuple(lit(v) for v in f.values))
    return f


def resolve_metric_units(m: CountedMetric, dataset: Dataset, resolve: Callable[[str], str] | None) -> CountedMetric:
    """``m`` with its filter's unit names named as the plan names them (see :func:`resolve_unit_names`)."""
    if resolve is None or dataset.unit_by is None or m.where is None:
        return m
    return attrs.evolve(m, where=resolve_unit_names(m.where, dataset.unit_by, resolve))


# --------------------------------------------------------------------------- datasets and metrics


@attrs.frozen
class Dataset:
    """``dataset NAME "Title": dated by COL unit by COL``."""

    name: str
    title: str | None
    dated_by: str
    unit_by: str | None = None
    span: Span | None = _span()


@attrs.frozen
class CountedMetric:
    """``metric NAME = count(dataset where …)``, or sum/avg/min/max/count distinct of ``dataset.column``."""

    name: str
    agg: Agg = attrs.field(converter=Agg)
    dataset: str
    column: str | None = None
    where: Filter | None = None
    title: str | None = attrs.field(default=None, kw_only=True)
    #: what the plan's rules say the column of min/max holds: ColType.DATE when a rule compares the
    #: metric with a date (``maxday >= 2020-01-01``); None when no rule says
    holds: ColType | None = attrs.field(default=None, kw_only=True)
    span: Span | None = _span()

    def __attrs_post_init__(self) -> None:
        if (self.agg is Agg.COUNT) != (self.column is None):
            raise ValueError("count counts rows (no column); the other aggregates take a column")



def columns_of(dataset: Dataset, metrics: Iterable[CountedMetric]) -> list[str]:
    """The columns the metrics of ``dataset`` read, in a stable order (dated by, unit by, the rest)."""
    seen = dict.fromkeys([dataset.dated_by] + ([dataset.unit_by] if dataset.unit_by else []))
    for m in metrics:
        if m.column is not None:
            seen.setdefault(m.column)
        for node in filter_nodes(m.where):
            if isinstance(node, Col):
                seen.setdefault(node.name)
    return list(seen)


def column_types(dataset: Dataset, metrics: Iterable[CountedMetric],
                 known: dict[str, ColType] | None = None) -> dict[str, ColType]:
    """The kind of value each column used by ``metrics`` holds, from how the plan uses it.

    Where nothing in the metrics decides (``max(dossiers.closed_on)`` alone), a rule comparing the
    metric with a date does (:attr:`CountedMetric.holds`), then the source's own type when it has
    one (``known``: a date column of a table or a Parquet file), and otherwise min and max read numbers.

    Raises :class:`KpiSemanticError` naming every column used two incompatible ways
    (``channel == 1`` and ``channel == "online"``), every ordering comparison of text or
    booleans (``<`` on text would depend on the database's collation), and every ordering
    comparison whose kind nothing decides.
    """
    metrics = list(metrics)
    types: dict[str, ColType] = {}
    why: dict[str, str] = {}
    problems: list[Diagnostic] = []

    def need(col: str, t: ColType, because: str, span: Span | None) -> None:
        have = types.get(col)
        if have is None or have is ColType.ANY:
            types[col] = t
            why[col] = because
        elif have is not t and t is not ColType.ANY:
            problems.append(Diagnostic(
                f"column {col!r} of dataset {dataset.name!r} is used as {t.value} ({because}) "
                f"and as {have.value} ({why[col]})",
                span,
                hint="a column holds one kind of value; compare it with literals of that kind",
            ))

    need(dataset.dated_by, ColType.DATE, "it dates the rows", dataset.span)
    if dataset.unit_by:
        need(dataset.unit_by, ColType.TEXT, "it names the unit", dataset.span)
    ordered: list[tuple[Cmp, Metric_]] = []
    pairs: list[tuple[str, str, Cmp]] = []
    for m in metrics:
        if m.column is not None:
            if m.agg in (Agg.SUM, Agg.AVG):
                need(m.column, ColType.NUMBER, f"{m.agg.value} of it in {m.name}", m.span)
            elif m.agg is Agg.COUNT_DISTINCT:
                types.setdefault(m.column, ColType.ANY)
                why.setdefault(m.column, f"count distinct of it in {m.name}")
        for node in filter_nodes(m.where):
            if isinstance(node, Col):
                types.setdefault(node.name, ColType.ANY)
                why.setdefault(node.name, f"in the where of {m.name}")
            elif isinstance(node, Cmp):
                left, right = node.left, node.right
                if isinstance(left, Col) and isinstance(right, Lit):
                    need(left.name, right.type, f"compared with {_lit_text(right)} in {m.name}", node.span)
                elif isinstance(left, Lit) and isinstance(right, Col):
                    need(right.name, left.type, f"compared with {_lit_text(left)} in {m.name}", node.span)
                elif isinstance(left, Col) and isinstance(right, Col):
                    pairs.append((left.name, right.name, node))
                elif isinstance(left, Lit) and isinstance(right, Lit) and left.type is not right.type:
                    problems.append(Diagnostic(
                        f"{_lit_text(left)} {node.op} {_lit_text(right)} in {m.name} compares "
                        f"{left.type.value} with {right.type.value}", node.span))
                if node.op in ORDERING:
                    ordered.append((node, m))
            elif isinstance(node, In) and isinstance(node.operand, Col):
                kinds = {v.type for v in node.values}
                if len(kinds) > 1:
                    problems.append(Diagnostic(
                        f"the list after `in` in {m.name} mixes "
                        + " and ".join(sorted(k.value for k in kinds)),
                        node.span))
                elif kinds:
                    need(node.operand.name, kinds.pop(), f"compared with a list in {m.name}", node.span)
    # a column compared with another takes that one's kind
    changed = True
    while changed:
        changed = False
        for a, b, node in pairs:
            ta, tb = types.get(a, ColType.ANY), types.get(b, ColType.ANY)
            if ta is ColType.ANY and tb is not ColType.ANY:
                need(a, tb, f"compared with {b}", node.span)
                changed = True
            elif tb is ColType.ANY and ta is not ColType.ANY:
                need(b, ta, f"compared with {a}", node.span)
                changed = True
            elif ta is not tb and ColType.ANY not in (ta, tb):
                problems.append(Diagnostic(
                    f"{a} {node.op} {b} compares {ta.value} ({why[a]}) with {tb.value} ({why[b]})",
                    node.span))
    for m in metrics:
        if m.column is not None and m.agg in (Agg.MIN, Agg.MAX):
            if types.get(m.column, ColType.ANY) is ColType.ANY:
                native = (known or {}).get(m.column)
                if m.holds is not None:
                    need(m.column, m.holds, f"{m.name}, its {m.agg.value}, is compared with a date in a rule", m.span)
                elif native in (ColType.DATE, ColType.NUMBER):
                    need(m.column, native, "the type of the source's column", m.span)
                else:
                    need(m.column, ColType.NUMBER, f"{m.agg.value} of it in {m.name}", m.span)
            elif types[m.column] not in (ColType.NUMBER, ColType.DATE):
                problems.append(Diagnostic(
                    f"{m.agg.value} of {dataset.name}.{m.column} in {m.name}: the column holds "
                    f"{types[m.column].value} ({why[m.column]}); min and max take numbers or dates",
                    m.span))
    for node, m in ordered:
        kinds = {_operand_type(o, types) for o in (node.left, node.right)}
        if kinds & {ColType.TEXT, ColType.BOOL}:
            problems.append(Diagnostic(
                f"`{node.op}` in {m.name} orders {' and '.join(sorted(k.value for k in kinds))}: only numbers "
                "and dates can be ordered (the order of text would depend on the database)",
                node.span, hint="compare text with ==, != or in (…)"))
        elif kinds == {ColType.ANY}:
            problems.append(Diagnostic(
                f"`{node.op}` in {m.name}: nothing says whether these columns hold numbers or dates",
                node.span, hint="compare one of them with a number or a date elsewhere, or use it as `dated by`"))
    if problems:
        seen = dict.fromkeys(problems)
        raise KpiSemanticError.from_diagnostics(seen)
    return {c: types.get(c, ColType.ANY) for c in columns_of(dataset, metrics)}


Metric_ = CountedMetric


def _operand_type(o: Operand, types: dict[str, ColType]) -> ColType:
    if isinstance(o, Lit):
        return o.type
    return types.get(o.name, ColType.ANY)


def _lit_text(lit: Lit) -> str:
    """A literal in a message (``"online"``, ``20``, ``2020-11-01``)."""
    v = lit.value
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, Fraction):
        return str(v.numerator) if v.denominator == 1 else f"{v.numerator}/{v.denominator}"
    if isinstance(v, (int, datetime.date)):
        return str(v) if isinstance(v, int) else v.isoformat()
    return '"' + str(v).replace("\\", "\\\\").replace('"', '\\"') + '"'


def needs_nfc(o: Col | Lit) -> bool:
    """Whether ``o`` is a text literal that is not ASCII: the column compared with it is then compared in
    NFC (an ASCII text equals only ASCII cells, which NFC leaves as they are, so a filter on ``"online"``
    costs no normalising of the column)."""
    return isinstance(o, Lit) and isinstance(o.value, str) and not o.value.isascii()


def nfc_text(value: str) -> str:
    """Text in NFC: a `where`'s literal, and a cell compared with one (the same letters typed precomposed,
    as Windows and the web do, or decomposed, as macOS may)."""
    return value if value.isascii() else unicodedata.normalize("NFC", value)

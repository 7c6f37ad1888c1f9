"""Hypothesis strategies for property-testing rule files and the rule language.

This module needs `hypothesis <https://hypothesis.readthedocs.io>`_, which is
not a runtime dependency: install the ``test`` extra (``pip install
'kpirules[test]'``).  docs/testing.md shows them at work.

* :func:`periods` — reporting periods (``kind=``, ``scheme=``, years);
* :func:`dates_in` — dates inside a period's window;
* :func:`data_for` — well-formed reported :class:`~kpirules.data.Data` for a
  plan, with optional gaps, zero denominators and boundary values;
* :func:`expressions` — conditions (or numeric expressions) as AST nodes
  that the checker accepts;
* :func:`plans` — whole valid rule files as :class:`kpirules.nodes.Plan`
  ASTs; :func:`plan_texts` gives them as text (laid out by
  :func:`kpirules.fmt.format_plan`), and ``parse(text)`` gives the AST back.

Every value is exact (ints and Fractions), as in the language.
"""

from __future__ import annotations

import datetime
import functools
from collections.abc import Sequence
from fractions import Fraction
from typing import Any

try:
    from hypothesis import strategies as st
except ImportError as exc:  # pragma: no cover
    raise ImportError("kpirules.testing needs hypothesis: pip install 'kpirules[test]'") from exc

from kpirules import nodes as n
from kpirules.data import Data, Source, TaskRow
from kpirules.periods import DEFAULT_SCHEME, Kind, Period, Scheme, parse_period

__all__ = [
    "periods",
    "dates_in",
    "schemes",
    "metric_names",
    "expressions",
    "conditions",
    "plans",
    "plan_texts",
    "data_for",
    "metric_types",
    "NUMBER_METRICS",
    "BOOL_METRICS",
    "UNITS",
]

#: metric names the generators use (never keywords); numbers and booleans apart
NUMBER_METRICS = ("users", "online", "records", "hours", "services", "m_a", "m_b")
BOOL_METRICS = ("portal_ready", "axis_connected")
UNITS = ("TTCNTT", "VPB", "VUPC", "Cục SHTT")

_KINDS = (Kind.MONTH, Kind.QUARTER, Kind.HALF, Kind.NINE_MONTH, Kind.YEAR)


def schemes() -> st.SearchStrategy[Scheme]:
    """Window schemes: Decree 09 (cut-off 15, due 20), calendar, and other cut-off days."""
    other = st.integers(2, 27).flatmap(
        lambda c: st.builds(Scheme, st.just(c), st.one_of(st.none(), st.integers(c + 1, 28))))
    return st.one_of(st.just(DEFAULT_SCHEME), st.just(Scheme.calendar()), other)


def periods(kind: Kind | str | None = None, scheme: Scheme | None = None,
            min_year: int = 2015, max_year: int = 2030) -> st.SearchStrategy[Period]:
    """Reporting periods of ``kind`` (any kind when None) under ``scheme`` (Decree 09 by default)."""
    kinds = _KINDS if kind is None else (Kind(kind),)
    sch = DEFAULT_SCHEME if scheme is None else scheme
    per_year = {Kind.MONTH: 12, Kind.QUARTER: 4, Kind.HALF: 2, Kind.NINE_MONTH: 1, Kind.YEAR: 1}

    @st.composite
    def build(draw: Any) -> Period:
        k = draw(st.sampled_from(kinds))
        year = draw(st.integers(min_year, max_year))
        index = draw(st.integers(1, per_year[k]))
        return Period(k, year, index, sch) if k not in (Kind.NINE_MONTH, Kind.YEAR) else Period(k, year, 1, sch)

    return build()


def dates_in(period: Period) -> st.SearchStrategy[datetime.date]:
    """Dates of the period's window, both ends included (the ends come up often)."""
    return st.one_of(st.just(period.start), st.just(period.end),
                     st.dates(min_value=period.start, max_value=period.end))


def metric_names(kind: str = "number") -> st.SearchStrategy[str]:
    return st.sampled_from(NUMBER_METRICS if kind == "number" else BOOL_METRICS)


# --- expressions ----------------------------------------------------------------------


def _number() -> st.SearchStrategy[n.Number]:
    ints = st.integers(0, 1000).map(lambda i: n.Number(Fraction(i), str(i)))
    decimals = st.tuples(st.integers(0, 999), st.integers(0, 99)).map(
        lambda t: n.Number(Fraction(f"{t[0]}.{t[1]:02d}"), f"{t[0]}.{t[1]:02d}"))
    return st.one_of(ints, decimals)


def _percent() -> st.SearchStrategy[n.Percent]:
    return st.one_of(
        st.integers(0, 150).map(lambda i: n.Percent(Fraction(i, 100), f"{i}%")),
        st.tuples(st.integers(0, 99), st.integers(1, 9)).map(
            lambda t: n.Percent(Fraction(f"{t[0]}.{t[1]}") / 100, f"{t[0]}.{t[1]}%")),
    )


def _period_ref() -> st.SearchStrategy[n.PeriodRef]:
    labels = st.one_of(st.integers(2015, 2025).map(str),
                       st.tuples(st.integers(2015, 2025), st.integers(1, 4)).map(lambda t: f"{t[0]}-Q{t[1]}"))
    return labels.map(lambda s: n.PeriodRef(parse_period(s), s))


@functools.cache
def _num_expr(depth: int, in_agg: bool, per_unit_ok: bool) -> st.SearchStrategy[Any]:
    leaves = st.one_of(_number(), _percent(), metric_names("number").map(n.Metric))
    if depth <= 0:
        return leaves
    sub = _num_expr(depth - 1, in_agg, per_unit_ok)
    options = [
        leaves,
        st.builds(n.Arith, st.sampled_from("+-*/"), sub, sub),
        st.builds(n.Neg, sub),
        st.builds(lambda f, a, b: n.Call(f, (a, b)), st.sampled_from(("ratio", "change")), sub, sub),
        st.builds(n.At, st.one_of(metric_names("number").map(n.Metric),
                                  st.builds(lambda a, b: n.Call("ratio", (a, b)), sub, sub)),
                  st.one_of(_period_ref(), st.just(n.Previous()))),
    ]
    if not in_agg:
        inner = _num_expr(depth - 1, True, per_unit_ok)
        options.append(st.builds(lambda f, a: n.Call(f, (a,)), st.sampled_from(n.AGGREGATES), inner))
        options.append(st.one_of(st.just(n.Count(None)),
                                 st.builds(n.Count, _bool_expr(depth - 1, True, per_unit_ok))))
    return st.one_of(*options)


@functools.cache
def _bool_expr(depth: int, in_agg: bool, per_unit_ok: bool) -> st.SearchStrategy[Any]:
    num = _num_expr(max(depth - 1, 0), in_agg, per_unit_ok)
    compare = st.builds(n.Compare, st.sampled_from((">=", ">", "<=", "<", "==", "!=")), num, num)
    leaves = st.one_of(compare, metric_names("boolean").map(n.Metric), st.builds(n.Between, num, num, num))
    if depth <= 0:
        return leaves
    sub = _bool_expr(depth - 1, in_agg, per_unit_ok)
    return st.one_of(leaves, st.builds(n.Logic, st.sampled_from(("and", "or")), sub, sub), st.builds(n.Not, sub))


def expressions(kind: str = "boolean", max_depth: int = 3) -> st.SearchStrategy[Any]:
    """Expression ASTs the checker accepts: conditions (``kind="boolean"``) or ``"number"`` expressions.

    Metrics come from :data:`NUMBER_METRICS` and :data:`BOOL_METRICS`.
    """
    depth = st.integers(0, max_depth)
    if kind == "number":
        return depth.flatmap(lambda d: _num_expr(d, False, True))
    return depth.flatmap(lambda d: _bool_expr(d, False, True))


conditions = expressions


# --- plans ------------------------------------------------------------------------------

_TITLES = st.one_of(st.none(), st.sampled_from((
    "Xác thực và định danh điện tử", "Dịch vụ công trực tuyến mức độ 4", "Rút ngắn thời gian họp",
    'Tên có "ngoặc kép" và \\ gạch chéo', "Kế hoạch 2019–2020")))


def _when() -> st.SearchStrategy[Any]:
    dates = st.dates(datetime.date(2019, 1, 1), datetime.date(2026, 12, 31)).map(
        lambda d: n.DateRef(d, d.isoformat()))
    return st.one_of(_period_ref(), dates)


def _time() -> st.SearchStrategy[Any]:
    def span(a: Any, b: Any) -> Any:
        def start(w: Any) -> datetime.date:
            return w.period.start if isinstance(w, n.PeriodRef) else w.date

        def end(w: Any) -> datetime.date:
            return w.period.end if isinstance(w, n.PeriodRef) else w.date

        return n.Span_(a, b) if start(a) <= end(b) else n.Span_(b, a) if start(b) <= end(a) else n.By(b)

    return st.one_of(st.none(), st.builds(n.By, _when()), st.builds(span, _when(), _when()))


_UNIT_LISTS = st.lists(st.sampled_from(UNITS), max_size=2, unique=True)


@st.composite
def plans(draw: Any, max_rules: int = 5, max_tasks: int = 4, max_depth: int = 2) -> n.Plan:
    """Whole valid rule files as :class:`kpirules.nodes.Plan` ASTs (no positions)."""
    items: list[Any] = []
    n_rules = draw(st.integers(0, max_rules))
    n_tasks = draw(st.integers(0 if n_rules else min(1, max_tasks), max_tasks))
    for i in range(1, n_rules + 1):
        if draw(st.integers(0, 3)) == 0:
            items.append(n.Section(f"S.{i}", draw(_TITLES)))
        per_unit = draw(st.booleans())
        cond = draw(expressions(max_depth=max_depth))
        items.append(n.Rule(f"R.{i}", draw(_TITLES), cond, draw(_time()), per_unit, draw(_UNIT_LISTS),
                            draw(_UNIT_LISTS), draw(st.one_of(st.none(), st.just("Ghi chú")))))
    task_ids: list[str] = []
    for i in range(1, n_tasks + 1):
        after = draw(st.lists(st.sampled_from(task_ids), max_size=2, unique=True)) if task_ids else []
        due = draw(st.lists(_when(), max_size=2))
        items.append(n.Task(str(i), draw(_TITLES), draw(_UNIT_LISTS), draw(_UNIT_LISTS), due,
                            draw(st.one_of(st.none(), st.just("Quyết định của Bộ trưởng"))), None, after))
        task_ids.append(str(i))
    reporting = draw(st.sampled_from((None, n.Reporting(Kind.QUARTER, 15, False, 20),
                                      n.Reporting(Kind.QUARTER, None, True, None))))
    issued = draw(st.one_of(st.none(), st.dates(datetime.date(2018, 1, 1), datetime.date(2020, 12, 31))))
    return n.Plan(draw(st.sampled_from(("676/QĐ-BKHCN", "test plan"))), draw(_TITLES), issued,
                  draw(st.one_of(st.none(), st.just("17/NQ-CP"))), reporting, items)


def plan_texts(**kwargs: Any) -> st.SearchStrategy[str]:
    """Whole valid rule files as text: :func:`plans` laid out by :func:`kpirules.fmt.format_plan`."""
    from kpirules.fmt import format_plan

    return plans(**kwargs).map(format_plan)


# --- data --------------------------------------------------------------------------------


def metric_types(plan: Any) -> dict[str, str]:
    """Each metric of a plan (a :class:`kpirules.Plan` or an AST) with the type its rules need."""
    ast = getattr(plan, "ast", plan)
    out: dict[str, str] = {}

    def visit(e: Any, want: str) -> None:
        match e:
            case n.Metric(name=name):
                if out.get(name) != "boolean":
                    out[name] = want
            case n.At(expr=inner):
                visit(inner, want)
            case n.Logic(left=a, right=b):
                visit(a, "boolean")
                visit(b, "boolean")
            case n.Not(operand=x):
                visit(x, "boolean")
            case n.Count(where=w):
                if w is not None:
                    visit(w, "boolean")
            case _:
                for c in n.children(e):
                    visit(c, "number")

    for item in ast.items:
        if isinstance(item, n.Rule):
            visit(item.condition, "boolean")
    return out


def _denominators(ast: Any) -> set[str]:
    out = set()
    for node in n.walk(ast):
        if isinstance(node, n.Call) and node.func in ("ratio", "change") and isinstance(node.args[1], n.Metric):
            out.add(node.args[1].name)
        if isinstance(node, n.Arith) and node.op == "/" and isinstance(node.right, n.Metric):
            out.add(node.right.name)
    return out


def _boundaries(ast: Any) -> dict[str, list[Fraction]]:
    """Targets a metric is compared with directly (``m >= 20``, ``ratio(m, d) >= 20%`` by ``m``)."""
    out: dict[str, list[Fraction]] = {}
    for node in n.walk(ast):
        if isinstance(node, n.Compare) and isinstance(node.right, (n.Number, n.Percent)):
            if isinstance(node.left, n.Metric):
                out.setdefault(node.left.name, []).append(node.right.value)
    return out


def _referenced_periods(ast: Any, scheme: Scheme) -> list[Period]:
    return [node.when.period.with_scheme(scheme) for node in n.walk(ast)
            if isinstance(node, n.At) and isinstance(node.when, n.PeriodRef)]


@st.composite
def data_for(draw: Any, plan: Any, *, periods: Sequence[Period] | None = None,
             units: Sequence[str] | None = None, gaps: bool = True, zero_denominators: bool = True,
             boundaries: bool = True, years: tuple[int, int] = (2019, 2021)) -> Data:
    """Well-formed reported data for ``plan`` (a :class:`kpirules.Plan` or its AST).

    Every metric the plan's rules read gets a value of the type the rules
    need (numbers: ints and decimals ≥ 0; booleans) for every period of
    ``periods`` (default: the plan's reporting periods of a drawn run of
    quarters within ``years``, plus the periods the rules name with ``at``),
    at the plan level and for each of ``units`` (default: drawn from
    :data:`UNITS`).  ``gaps`` leaves some values out; ``zero_denominators``
    sometimes puts 0 in a ``ratio``/``change``/``/`` denominator;
    ``boundaries`` sometimes sets a metric to the very target it is compared
    with.  Each task gets a few progress rows (``done`` or ``in_progress``).
    """
    ast = getattr(plan, "ast", plan)
    from kpirules.lang.checker import scheme_of

    scheme = scheme_of(ast)
    kind = ast.reporting.kind if ast.reporting else Kind.QUARTER
    if periods is None:
        start = draw(periods_run(kind, scheme, years))
        ps = start
    else:
        ps = list(periods)
    ps = list(dict.fromkeys(list(ps) + _referenced_periods(ast, scheme)))
    if units is None:
        units = draw(st.lists(st.sampled_from(UNITS), min_size=0, max_size=3, unique=True))
    types = metric_types(ast)
    dens = _denominators(ast) if zero_denominators else set()
    targets = _boundaries(ast) if boundaries else {}
    data = Data()
    data.files.append("<generated>")
    for p in ps:
        for unit in [None, *units]:
            where = f"{p.label}" + (f" unit {unit}" if unit else "")
            data.add_snapshot(p, unit, Source("<generated>", where))
            for metric, t in sorted(types.items()):
                if gaps and draw(st.integers(0, 9)) == 0:
                    continue
                if t == "boolean":
                    v: Any = draw(st.booleans())
                elif metric in dens and draw(st.integers(0, 4)) == 0:
                    v = 0
                elif metric in targets and draw(st.integers(0, 3)) == 0:
                    v = draw(st.sampled_from(targets[metric]))
                    v = v.numerator if v.denominator == 1 else v
                else:
                    v = draw(st.one_of(st.integers(0, 2000),
                                       st.integers(0, 200000).map(lambda i: Fraction(i, 100))))
                    if isinstance(v, Fraction) and v.denominator == 1:
                        v = v.numerator
                data.add(p, unit, metric, v, Source("<generated>", f"{where}: {metric}"))
    for item in ast.items:
        if isinstance(item, n.Task):
            for _ in range(draw(st.integers(0, 2))):
                d = draw(st.dates(datetime.date(years[0], 1, 1), datetime.date(years[1] + 1, 12, 31)))
                status = draw(st.sampled_from(("done", "in_progress")))
                data.task_rows.append(TaskRow(item.id, status, d, source=Source("<generated>", f"task {item.id}")))
    return data


@st.composite
def periods_run(draw: Any, kind: Kind = Kind.QUARTER, scheme: Scheme = DEFAULT_SCHEME,
                years: tuple[int, int] = (2019, 2021)) -> list[Period]:
    """A run of consecutive reporting periods of ``kind`` within ``years``."""
    first = draw(periods(kind, scheme, years[0], years[1]))
    length = draw(st.integers(1, 6))
    out = [first]
    for _ in range(length - 1):
        out.append(out[-1].next())
    return out


# (a renamed public name of this module still works for one minor release: kpirules.deprecation)
from kpirules.deprecation import module_getattr as _module_getattr  # noqa: E402

__getattr__ = _module_getattr(__name__)

"""The SQL engine's queries, built as sqlglot expression trees (never by pasting text together).

For each dataset, one query counts every metric in every finest window at once::

    SELECT w.label, r.u, GROUPING(r.u), COUNT(*), SUM(CASE WHEN <where> THEN 1 ELSE 0 END), …
    FROM (SELECT <typed columns>, <month key of d> AS mk FROM <source>) AS r
    JOIN (VALUES ('2020-Q1', DATE '2019-12-15', DATE '2020-03-14', 2019 * 12 + 12), …) AS w(label, start, end, mk)
      ON r.mk = w.mk AND r.d >= w.start AND r.d < w.end + 1 day
    GROUP BY GROUPING SETS ((w.label, r.u), (w.label))

(a window has a row for each month it touches; the month key only lets engines hash the windows
rather than sort the rows for the range: which rows a window counts is the range's business.)

The windows come from :mod:`kpirules.records.windows` (Python), so every scheme and kind is
counted alike on every engine.  Only portable SQL is used (``SUM(CASE …)``, not ``FILTER``).
Column names and table names are quoted identifiers; literals are quoted by sqlglot.  The
queries return integer counts and exact sums; averages are formed in Python.
"""

from __future__ import annotations

import datetime
from collections.abc import Mapping, Sequence
from fractions import Fraction
from typing import Any

import attrs

from kpirules.errors import KpiDataError
from kpirules.records.model import (
    Agg,
    And,
    Cmp,
    Col,
    ColType,
    CountedMetric,
    Dataset,
    Filter,
    In,
    Lit,
    Missing,
    Not,
    Or,
    column_types,
    columns_of,
    needs_nfc,
    nfc_text,
)
from kpirules.records.sources import DATE_PATTERN, DMY_PATTERN, NUMBER_PATTERN
from kpirules.records.windows import Window
from kpirules.values import format_number

__all__ = ["DIALECTS", "Plan", "plan_queries", "source_kind"]

#: the dialects ``kpirules sql`` writes
DIALECTS = ("duckdb", "postgres", "trino", "spark")

#: the type a number read from text is cast to on every engine
DECIMAL = "DECIMAL(38, 9)"

_SQL_OPS = {"==": "EQ", "!=": "NEQ", "<": "LT", "<=": "LTE", ">": "GT", ">=": "GTE"}


def source_kind(type_name: str) -> ColType | None:
    """The kind of a source column from its SQL type name (None: text, or a type kpirules reads as text)."""
    t = type_name.upper().strip()
    if t.startswith(("VARCHAR", "TEXT", "STRING", "CHAR", "CHARACTER", "BPCHAR", "NAME", "UUID")):
        return None
    if t.startswith(("TIMESTAMP", "DATETIME")):
        return ColType.ANY  # (a date and time: its date is taken)
    if t.startswith("DATE"):
        return ColType.DATE
    if t.startswith(("BOOL",)):
        return ColType.BOOL
    if t.startswith(("INT", "BIGINT", "SMALLINT", "TINYINT", "HUGEINT", "UBIGINT", "UINTEGER", "USMALLINT",
                     "UTINYINT", "UHUGEINT", "LONG", "SHORT", "BYTE", "DECIMAL", "NUMERIC")):
        return ColType.NUMBER
    if t.startswith(("DOUBLE", "FLOAT", "REAL")):
        return ColType.NUMBER
    return ColType.TEXT  # anything else is read as its text


def is_float_type(type_name: str) -> bool:
    """A float column (DOUBLE, FLOAT, REAL) by its SQL type name."""
    return type_name.upper().startswith(("DOUBLE", "FLOAT", "REAL"))


def _is_timestamp(type_name: str) -> bool:
    return type_name.upper().startswith(("TIMESTAMP", "DATETIME"))


@attrs.frozen
class Plan:
    """The queries of one dataset, as sqlglot expressions (``sql(dialect)`` renders one)."""

    dataset: Dataset
    metrics: tuple[CountedMetric, ...]
    columns: tuple[str, ...]
    types: dict[str, ColType]
    #: (column, its kind, the validation expression's alias) of each text column that must be checked
    checks: tuple[tuple[str, ColType, str], ...]
    validate: Any | None  # counts the bad cells of each checked column
    summary: Any  # rows, undated rows, first and last date
    main: Any | None  # the counts per finest window and unit
    distinct: Any | None  # the distinct counts per window (every kind) and unit
    #: the columns of each metric in ``main``'s answer, in order (after label, unit, grouping, rows)
    layout: tuple[tuple[str, Agg, int], ...]

    def bad_rows(self, column: str, limit: int) -> Any:
        """The first ``limit`` rows whose ``column`` is not of its kind: (row number, cell)."""
        from sqlglot import exp

        kind = self.types[column]
        raw = exp.column(column, table="s", quoted=True)
        number: Any = exp.Window(this=exp.RowNumber())
        if self._dialect == "spark":  # (Spark refuses ROW_NUMBER() without an order: the order read)
            number = exp.Window(this=exp.RowNumber(), order=exp.Order(expressions=[
                exp.Ordered(this=exp.func("monotonically_increasing_id"))]))
        numbered = exp.select(
            exp.alias_(number, "n", quoted=True),
            exp.alias_(raw, "v", quoted=True),
        ).from_(exp.alias_(self._relation, "s", quoted=True))
        v = exp.column("v", table="b", quoted=True)
        return (
            exp.select(exp.column("n", table="b", quoted=True), v)
            .from_(exp.Subquery(this=numbered, alias=exp.TableAlias(this=exp.to_identifier("b", quoted=True))))
            .where(_bad(v, kind, self._dialect))
            .order_by(exp.column("n", table="b", quoted=True))
            .limit(limit)
        )

    _relation: Any = attrs.field(default=None, kw_only=True, eq=False, repr=False)
    _dialect: str = attrs.field(default="duckdb", kw_only=True, eq=False, repr=False)
    #: ``main`` counts, checks the cells and sums up the rows in one scan (:func:`_single`): its rows are
    #: (label, unit, GROUPING(label), GROUPING(unit), rows, metrics…, undated, first, last, bad cells…)
    single: bool = attrs.field(default=False, kw_only=True)


def _lit(value: Any) -> Any:
    from sqlglot import exp

    if isinstance(value, bool):
        return exp.true() if value else exp.false()
    if isinstance(value, (int, Fraction)):
        text = format_number(value)
        if "/" in text:
            raise KpiDataError(f"the number {text} has no exact decimal form for a database")
        if text.startswith("-"):
            return exp.Neg(this=exp.Literal.number(text[1:]))
        return exp.Literal.number(text)
    if isinstance(value, datetime.date):
        return exp.cast(exp.Literal.string(value.isoformat()), "DATE")
    return exp.Literal.string(nfc_text(str(value)))


def _iso_text(raw: Any) -> Any:
    """A date cell's text with a day-first date (``18/12/2020``, ``1/2/2020``) written as ``YYYY-MM-DD``;
    any other text as it is (so that ``12/2020`` is still not a date)::

        CASE WHEN raw LIKE '%/%' AND REGEXP_LIKE(raw, '^d{1,2}/d{1,2}/d{4}$')
             THEN SPLIT_PART(raw, '/', 3) || '-' || LPAD(SPLIT_PART(raw, '/', 2), 2, '0') || '-' || LPAD(…, 1)
             ELSE raw END

    (the LIKE first: an ISO cell costs a search for '/', not a regular expression)."""
    from sqlglot import exp

    def part(i: int, pad: bool) -> Any:
        p = exp.SplitPart(this=raw.copy(), delimiter=exp.Literal.string("/"), part_index=exp.Literal.number(i))
        return exp.Pad(this=p, expression=exp.Literal.number(2), fill_pattern=exp.Literal.string("0"),
                       is_left=True) if pad else p

    dmy = exp.and_(exp.Like(this=raw.copy(), expression=exp.Literal.string("%/%")),
                   exp.RegexpLike(this=raw.copy(), expression=exp.Literal.string(f"^{DMY_PATTERN}$")))
    iso = exp.Concat(expressions=[part(3, False), exp.Literal.string("-"), part(2, True), exp.Literal.string("-"),
                                  part(1, True)])
    return exp.Case().when(dmy, iso).else_(raw.copy())


def _bad(raw: Any, kind: ColType, dialect: str) -> Any:
    """The condition that a text cell is present and not of ``kind``."""
    from sqlglot import exp

    present = exp.and_(exp.Not(this=exp.Is(this=raw.copy(), expression=exp.Null())),
                       exp.NEQ(this=raw.copy(), expression=exp.Literal.string("")))
    if kind is ColType.BOOL:
        wrong: Any = exp.Not(this=exp.In(this=exp.Lower(this=raw.copy()),
                                    expressions=[exp.Literal.string("true"), exp.Literal.string("false")]))
    elif kind is ColType.DATE and dialect == "duckdb":
        # a date cell is bad unless, written as YYYY-MM-DD, it is the date's own text: a day that exists
        # (not 2020-02-30). The same as the pattern DATE_PATTERN plus the check of the day, at a fraction
        # of a regular expression's cost
        iso = _iso_text(raw)
        day = exp.TryCast(this=iso, to=exp.DataType.build("DATE"))
        wrong = exp.NullSafeNEQ(this=exp.cast(day, "VARCHAR"), expression=iso.copy())
    elif kind is ColType.DATE:
        iso = _iso_text(raw)
        wrong = exp.Case().when(
            exp.Not(this=exp.RegexpLike(this=iso, expression=exp.Literal.string(f"^{DATE_PATTERN}$"))),
            exp.true()).else_(exp.Not(this=exp.paren(_day_exists(iso.copy()))))
        wrong = exp.EQ(this=wrong, expression=exp.true())
    else:
        wrong = exp.Not(this=exp.RegexpLike(this=raw.copy(), expression=exp.Literal.string(f"^{NUMBER_PATTERN}$")))
    return exp.and_(exp.paren(present), exp.paren(wrong))


def _day_exists(iso: Any) -> Any:
    """That ``YYYY-MM-DD`` text (already matched) names a day that exists, in portable SQL (no engine's
    cast: PostgreSQL refuses 2020-02-30 with an error of the whole query, Spark without ANSI makes it
    NULL, and the cell must be named instead)."""
    from sqlglot import exp

    def num(start: int, length: int) -> Any:
        return exp.cast(exp.Substring(this=iso.copy(), start=exp.Literal.number(start),
                                      length=exp.Literal.number(length)), "INT")

    def n(v: int) -> Any:
        return exp.Literal.number(v)

    y, m, d = num(1, 4), num(6, 2), num(9, 2)

    def divides(k: int) -> Any:
        return exp.EQ(this=exp.Mod(this=y.copy(), expression=n(k)), expression=n(0))

    leap = exp.or_(exp.and_(divides(4), exp.NEQ(this=exp.Mod(this=y.copy(), expression=n(100)), expression=n(0))),
                   divides(400))
    last = (exp.Case()
            .when(exp.EQ(this=m.copy(), expression=n(2)), exp.Case().when(leap, n(29)).else_(n(28)))
            .when(exp.In(this=m.copy(), expressions=[n(4), n(6), n(9), n(11)]), n(30))
            .else_(n(31)))
    return exp.and_(exp.GTE(this=y, expression=n(1)), exp.GTE(this=m.copy(), expression=n(1)),
                    exp.LTE(this=m, expression=n(12)), exp.GTE(this=d.copy(), expression=n(1)),
                    exp.LTE(this=d, expression=last))


def _typed(raw: Any, need: ColType, have: str | None, try_: bool = False) -> Any:
    """The cell of a column as its kind: ``have`` is the source column's SQL type (None: text).
    ``try_``: a text cell that is not of its kind is NULL (TRY_CAST) rather than an error of the query
    (the cells are checked in the same query)."""
    from sqlglot import exp

    if have is None or source_kind(have) is None:  # text
        cell = _iso_text(raw) if need is ColType.DATE else raw
        if not (try_ and need in (ColType.DATE, ColType.NUMBER)):
            # (TRY_CAST makes an empty cell NULL by itself; and a date cast without NULLIF is the very
            # expression the check of the cell casts (:func:`_bad`), which DuckDB then works out once)
            cell = exp.Nullif(this=cell, expression=exp.Literal.string(""))

        def cast(to: str) -> Any:
            return exp.TryCast(this=cell, to=exp.DataType.build(to)) if try_ else exp.cast(cell, to)

        if need is ColType.DATE:
            return cast("DATE")
        if need is ColType.NUMBER:
            return cast(DECIMAL)
        if need is ColType.BOOL:
            low = exp.Lower(this=raw.copy())
            return (exp.Case()
                    .when(exp.EQ(this=low, expression=exp.Literal.string("true")), exp.true())
                    .when(exp.EQ(this=low.copy(), expression=exp.Literal.string("false")), exp.false()))
        return cell
    kind = source_kind(have)
    if _is_timestamp(have):
        kind = ColType.DATE
        raw = exp.cast(raw, "DATE")
    if need is ColType.ANY:
        return raw
    if need is ColType.TEXT:
        return raw if kind is ColType.TEXT else exp.cast(raw, "VARCHAR")
    if need is kind:
        if need is ColType.NUMBER and is_float_type(have):
            return exp.cast(raw, DECIMAL)
        return raw
    raise KpiDataError(f"holds {have}, not {need.value}")  # (named by the caller)


def plan_queries(
    dataset: Dataset,
    metrics: Sequence[CountedMetric],
    relation: Any,
    finest: Sequence[Window] | None,
    every: Sequence[Window] | None,
    source_types: dict[str, str] | None = None,
    dialect: str = "duckdb",
    where: str = "",
    unit_map: Mapping[str, str] | None = None,
    single: bool = False,
) -> Plan:
    """The queries that count ``metrics`` of ``dataset`` read from ``relation`` (a sqlglot table or
    table function), in ``finest`` windows (and ``every`` window for distinct counts).

    ``source_types`` gives each source column's SQL type; without it every column is text.
    ``unit_map`` renames units as the plan names them (a full name or an NFD spelling → the code),
    in the rows themselves, so every count, filter and distinct count sees one name per unit.
    ``single``: ``main`` is one query that does the work of ``validate``, ``summary`` and the counts
    in one scan of the rows (see :attr:`Plan.single`); the text cells are read with TRY_CAST.
    Without windows there is no ``main`` nor ``distinct`` query (the summary tells the years).
    """
    from sqlglot import exp

    metrics = tuple(metrics)
    src = source_types or {}
    known = {c: (ColType.DATE if _is_timestamp(t) else source_kind(t)) for c, t in src.items()}
    types = column_types(dataset, metrics, {c: k for c, k in known.items() if k is not None})
    columns = tuple(columns_of(dataset, metrics))
    alias = {c: f"c{i}" for i, c in enumerate(columns)}
    typed = []
    problems = []
    checks: list[tuple[str, ColType, str]] = []
    for c in columns:
        raw = exp.column(c, table="s", quoted=True)
        try:
            cell = _typed(raw, types[c], src.get(c), try_=single)
            if unit_map and c == dataset.unit_by:
                cell = _renamed(cell, unit_map)
            typed.append(exp.alias_(cell, alias[c], quoted=True))
        except KpiDataError as exc:
            problems.append(f"{where}column {c!r} of dataset {dataset.name!r} {exc}; the plan uses it as "
                            f"{types[c].value}")
        if (src.get(c) is None or source_kind(src[c]) is None) and types[c] in (
                ColType.DATE, ColType.NUMBER, ColType.BOOL):
            checks.append((c, types[c], f"bad{len(checks)}"))
    if problems:
        raise KpiDataError("\n".join(problems))
    if single:  # whether each cell to check is bad (1) or not (0), beside the typed columns: worked out
        # before the join, so that no text goes through it
        typed += [exp.alias_(exp.Case().when(_bad(exp.column(c, table="s", quoted=True), kind, dialect),
                                             exp.Literal.number(1)).else_(exp.Literal.number(0)),
                             f"bad{i}", quoted=True)
                  for i, (c, kind, _) in enumerate(checks)]
    inner = exp.select(*typed).from_(exp.alias_(relation.copy(), "s", quoted=True))
    # the month of the date (year * 12 + month), the key the windows are joined on beside the range of
    # their days: a hash join of a few rows a window, where the range alone makes engines sort every row
    # (see :func:`_month_key`)
    inner = exp.select(exp.Star(), exp.alias_(_month_key(exp.column(alias[dataset.dated_by], table="q",
                                                                    quoted=True)), "mk", quoted=True)).from_(
        exp.Subquery(this=inner, alias=exp.TableAlias(this=exp.to_identifier("q", quoted=True))))
    r = exp.Subquery(this=inner, alias=exp.TableAlias(this=exp.to_identifier("r", quoted=True)))

    def col(name: str) -> Any:
        return exp.column(alias[name], table="r", quoted=True)

    def cond(f: Filter) -> Any:
        return _condition(f, col, dialect)

    d = col(dataset.dated_by)
    unit = col(dataset.unit_by) if dataset.unit_by else None

    # validation: how many cells of each checked text column are not of their kind
    validate = None
    if checks:
        validate = exp.select(*[
            exp.alias_(exp.Sum(this=exp.Case().when(
                _bad(exp.column(c, table="s", quoted=True), kind, dialect), exp.Literal.number(1))
                .else_(exp.Literal.number(0))), name, quoted=True)
            for c, kind, name in checks
        ]).from_(exp.alias_(relation.copy(), "s", quoted=True))

    summary = exp.select(
        exp.alias_(exp.Count(this=exp.Star()), "rows", quoted=True),
        exp.alias_(exp.Sum(this=exp.Case().when(exp.Is(this=d.copy(), expression=exp.Null()),
                                                exp.Literal.number(1)).else_(exp.Literal.number(0))),
                   "undated", quoted=True),
        exp.alias_(exp.Min(this=d.copy()), "first", quoted=True),
        exp.alias_(exp.Max(this=d.copy()), "last", quoted=True),
    ).from_(r.copy())

    def windows_table(ws: Sequence[Window]) -> Any:
        # (label, start, end, month key) of every window, a row for each month it touches, and the day
        # after its end, worked out once per window (in the join condition it would be worked out once
        # per row, and keep engines from a range join)
        values = exp.values(
            [exp.Tuple(expressions=[exp.Literal.string(w.label), _lit(w.start), _lit(w.end), exp.Literal.number(k)])
             for w in ws for k in month_keys(w.start, w.end)],
            alias="v",
            columns=["label", "start", "end", "mk"],
        )
        end = exp.column("end", table="v", quoted=True)
        after = exp.cast(exp.DateAdd(this=end, expression=exp.Literal.number(1), unit=exp.var("DAY")), "DATE")
        table = exp.select(
            exp.column("label", table="v", quoted=True), exp.column("start", table="v", quoted=True),
            end.copy(), exp.alias_(after, "after", quoted=True), exp.column("mk", table="v", quoted=True)
        ).from_(values)
        return exp.Subquery(this=table, alias=exp.TableAlias(this=exp.to_identifier("w", quoted=True)))

    def joined(select: Any, ws: Sequence[Window]) -> Any:
        wl = exp.column("label", table="w", quoted=True)
        select = select.from_(r.copy()).join(windows_table(ws), on=_window_join(d))
        if unit is None:
            return select.group_by(wl)
        select.set("group", exp.Group(grouping_sets=[exp.GroupingSets(expressions=[
            exp.Tuple(expressions=[wl.copy(), unit.copy()]), exp.Tuple(expressions=[wl.copy()])])]))
        return select

    def head() -> list[Any]:
        wl = exp.column("label", table="w", quoted=True)
        if unit is None:
            return [exp.alias_(wl, "label", quoted=True), exp.alias_(exp.Null(), "unit", quoted=True),
                    exp.alias_(exp.Literal.number(1), "g", quoted=True)]
        return [exp.alias_(wl, "label", quoted=True), exp.alias_(unit.copy(), "unit", quoted=True),
                exp.alias_(exp.func("GROUPING", unit.copy()), "g", quoted=True)]

    cols: list[Any] = head() + [exp.alias_(exp.Count(this=exp.Star()), "rows", quoted=True)]
    layout: list[tuple[str, Agg, int]] = []
    distinct_cols: list[Any] = []
    for i, m in enumerate(metrics):
        test = cond(m.where) if m.where is not None else None
        if m.agg is Agg.COUNT:
            e: Any
            if test is None:
                e = exp.Count(this=exp.Star())
            else:
                e = exp.Sum(this=exp.Case().when(test, exp.Literal.number(1)).else_(exp.Literal.number(0)))
            cols.append(exp.alias_(e, f"m{i}", quoted=True))
            layout.append((m.name, m.agg, 1))
            continue
        value = col(m.column)  # type: ignore[arg-type]
        picked = value if test is None else exp.Case().when(test, value)
        if m.agg is Agg.COUNT_DISTINCT:
            distinct_cols.append(exp.alias_(exp.Count(this=exp.Distinct(expressions=[picked])), f"m{i}",
                                            quoted=True))
            continue
        first = {Agg.SUM: exp.Sum, Agg.AVG: exp.Sum, Agg.MIN: exp.Min, Agg.MAX: exp.Max}[m.agg]
        cols.append(exp.alias_(first(this=picked), f"m{i}", quoted=True))
        cols.append(exp.alias_(exp.Count(this=picked.copy()), f"n{i}", quoted=True))
        layout.append((m.name, m.agg, 2))
    main = joined(exp.select(*cols), finest) if finest else None
    if single and finest:
        main = _single(cols, r, d, unit, finest, windows_table, checks, dialect)
    distinct = None
    if distinct_cols and every:
        distinct = joined(exp.select(*head(), *distinct_cols), every)
    plan = Plan(dataset, metrics, columns, types, tuple(checks), validate, summary, main, distinct,
                tuple(layout), relation=relation, dialect=dialect, single=single and bool(finest))
    return plan


def _single(cols: list[Any], r: Any, d: Any, unit: Any, finest: Sequence[Window], windows_table: Any,
            checks: Sequence[tuple[str, ColType, str]], dialect: str) -> Any:
    """The counts of every finest window and unit, and in the same scan what the rows looked like:

    SELECT w.label, r.u, GROUPING(w.label), GROUPING(r.u), COUNT(*), <metrics>,
           <undated>, MIN(r.d), MAX(r.d), <bad cells of each checked column>
    FROM r LEFT JOIN w ON r.d >= w.start AND r.d < w.after
    GROUP BY GROUPING SETS ((w.label, r.u), (w.label), ())

    Every row meets at most one finest window, so the grand total (``()``) is over every row once;
    the group of a NULL label holds the rows of no window (undated or outside them).
    """
    from sqlglot import exp

    wl = exp.column("label", table="w", quoted=True)
    one, zero = exp.Literal.number(1), exp.Literal.number(0)
    head: list[Any] = [exp.alias_(wl, "label", quoted=True)]
    if unit is None:
        head += [exp.alias_(exp.Null(), "unit", quoted=True),
                 exp.alias_(exp.func("GROUPING", wl.copy()), "gl", quoted=True),
                 exp.alias_(one.copy(), "gu", quoted=True)]
    else:
        head += [exp.alias_(unit.copy(), "unit", quoted=True),
                 exp.alias_(exp.func("GROUPING", wl.copy()), "gl", quoted=True),
                 exp.alias_(exp.func("GROUPING", unit.copy()), "gu", quoted=True)]
    body = cols[3:]  # (after the label, unit and grouping of the usual head: the rows and the metrics)
    tail = [
        exp.alias_(exp.Sum(this=exp.Case().when(exp.Is(this=d.copy(), expression=exp.Null()), one.copy())
                           .else_(zero.copy())), "undated", quoted=True),
        exp.alias_(exp.Min(this=d.copy()), "first", quoted=True),
        exp.alias_(exp.Max(this=d.copy()), "last", quoted=True),
    ]
    for i, (_, _, name) in enumerate(checks):
        tail.append(exp.alias_(exp.Sum(this=exp.column(f"bad{i}", table="r", quoted=True)), name, quoted=True))
    select = exp.select(*head, *body, *tail).from_(r.copy()).join(windows_table(finest), on=_window_join(d),
                                                                   join_type="LEFT")
    sets = [exp.Tuple(expressions=[wl.copy(), unit.copy()])] if unit is not None else []
    sets += [exp.Tuple(expressions=[wl.copy()]), exp.Tuple(expressions=[])]
    select.set("group", exp.Group(grouping_sets=[exp.GroupingSets(expressions=sets)]))
    return select


def month_keys(start: datetime.date, end: datetime.date) -> list[int]:
    """The month keys (year * 12 + month) of the days from ``start`` to ``end``, both included: the
    months a window touches (a Decree 09 quarter from the 15th touches four)."""
    return list(range(start.year * 12 + start.month, end.year * 12 + end.month + 1))


def _month_key(d: Any) -> Any:
    """``EXTRACT(YEAR FROM d) * 12 + EXTRACT(MONTH FROM d)``: a date's month key (NULL for no date)."""
    from sqlglot import exp

    def part(name: str) -> Any:
        return exp.Extract(this=exp.var(name), expression=d.copy())

    return exp.Add(this=exp.Mul(this=part("YEAR"), expression=exp.Literal.number(12)), expression=part("MONTH"))


def _window_join(d: Any) -> Any:
    """``r.mk = w.mk AND d >= w.start AND d < w.after``: a row is in a window when its date is in the
    window's days (the day after the end excluded); the month key, equal on both sides whenever the
    date is in the window (each window has a row for every month it touches, so one of them matches),
    changes nothing of that, and lets an engine hash the few window rows instead of sorting the rows."""
    from sqlglot import exp

    return exp.and_(
        exp.EQ(this=exp.column("mk", table="r", quoted=True), expression=exp.column("mk", table="w", quoted=True)),
        exp.GTE(this=d.copy(), expression=exp.column("start", table="w", quoted=True)),
        exp.LT(this=d.copy(), expression=exp.column("after", table="w", quoted=True)),
    )


def _renamed(cell: Any, names: Mapping[str, str]) -> Any:
    """``CASE WHEN cell = 'raw' THEN 'code' … ELSE cell END``."""
    from sqlglot import exp

    case = exp.Case()
    for raw, code in sorted(names.items()):
        case = case.when(exp.EQ(this=cell.copy(), expression=exp.Literal.string(raw)), exp.Literal.string(code))
    return case.else_(cell)


def _condition(f: Filter, col: Any, dialect: str = "duckdb") -> Any:
    """The SQL of a `where`.  Its text is compared in NFC (:func:`nfc_text`): a text literal is sent in NFC,
    and a column compared with a text that is not ASCII is normalised to NFC by the engine, where it has a
    function for it (DuckDB, PostgreSQL, Trino; not Spark, where the column is compared as it is)."""
    from sqlglot import exp

    def operand(o: Col | Lit, nfc: bool = False) -> Any:
        if isinstance(o, Col):
            return _nfc_column(col(o.name), dialect) if nfc else col(o.name)
        return _lit(o.value)

    if isinstance(f, Cmp):
        cls = getattr(exp, _SQL_OPS[f.op])
        nfc = needs_nfc(f.left) or needs_nfc(f.right)
        return cls(this=operand(f.left, nfc), expression=operand(f.right, nfc))
    if isinstance(f, In):
        nfc = any(needs_nfc(v) for v in f.values)
        e: Any = exp.In(this=operand(f.operand, nfc), expressions=[_lit(v.value) for v in f.values])
        return exp.Not(this=exp.paren(e)) if f.negated else e
    if isinstance(f, Missing):
        missing: Any = exp.Is(this=operand(f.operand), expression=exp.Null())
        return exp.Not(this=exp.paren(missing)) if f.negated else missing
    if isinstance(f, Not):
        return exp.Not(this=exp.paren(_condition(f.operand, col, dialect)))
    cls = exp.And if isinstance(f, And) else exp.Or
    return cls(this=exp.paren(_condition(f.left, col, dialect)), expression=exp.paren(_condition(f.right, col, dialect)))


def _nfc_column(cell: Any, dialect: str) -> Any:
    from sqlglot import exp

    if dialect == "duckdb":
        return exp.Anonymous(this="nfc_normalize", expressions=[cell])
    if dialect in ("postgres", "trino"):
        return exp.Normalize(this=cell, form=exp.var("NFC"))
    if dialect == "spark":
        # (Spark SQL has no NFC function; its UNICODE collation (Spark 4) compares text by ICU, to which
        # the NFC and the NFD spelling of a text are equal, and case counts as it does on the others)
        return exp.Anonymous(this="collate", expressions=[cell, exp.Literal.string("UNICODE")])
    return cell
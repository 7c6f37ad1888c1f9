"""Counted metrics in the evaluation: a plan's datasets counted from their records, merged with the
reported snapshots (issue 18).

:func:`records_data` counts every counted metric of a plan from the sources bound to its
datasets (``--records NAME=SOURCE``) and returns them as :class:`~kpirules.data.Data`: one value
per metric, window and unit, each with its source (the dataset and the metric's definition).
:func:`merge_counted` adds them to reported data; a metric both counted and reported is a load
error.  What the rows looked like (rows without a date, outside every window, without a unit,
units the plan does not declare) comes back as warnings, kept with the data.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import TYPE_CHECKING, Any, Literal, Protocol, Union

import attrs

from kpirules.data import Data, Source
from kpirules.errors import Diagnostic, KpiDataError, KpiSemanticError
from kpirules.messages import Message
from kpirules.records.model import CountedMetric, Dataset
from kpirules.records.text import metric_text

__all__ = ["check_dataset_names", "counted_metrics", "datasets", "merge_counted", "records_data"]

if TYPE_CHECKING:
    from kpirules.data.objects import Frame
    from kpirules.engine.evaluate import Plan
    from kpirules.records.engines import Engine
    from kpirules.records.sources import RecordSource

    class DuckDBRelation(Protocol):
        """A DuckDB relation (``duckdb.read_csv(…)``, ``con.sql(…)``): its rows, as Arrow."""

        def arrow(self) -> Any: ...

    #: what a dataset's rows may be: the text of ``--records`` (a path, ``postgresql://…?table=T``,
    #: ``spark:T``), a parsed source, or rows a program holds
    Records = Union[str, RecordSource, Frame, DuckDBRelation, Sequence[Mapping[str, Any]]]


def datasets(plan: Any) -> list[Dataset]:
    return [r for r in getattr(plan.ast, "records", ()) if isinstance(r, Dataset)]


def counted_metrics(plan: Any) -> list[CountedMetric]:
    """The plan's counted metrics; a min or max one that a rule compares with a date reads its column as
    dates (``holds``), whatever the source's type of it (a CSV column is text)."""
    from kpirules.records.model import Agg, ColType

    metrics = [r for r in getattr(plan.ast, "records", ()) if isinstance(r, CountedMetric)]
    if not any(m.agg in (Agg.MIN, Agg.MAX) for m in metrics):
        return metrics
    dated = _compared_with_dates(plan)
    return [attrs.evolve(m, holds=ColType.DATE) if m.agg in (Agg.MIN, Agg.MAX) and m.name in dated else m
            for m in metrics]


def _compared_with_dates(plan: Any) -> set[str]:
    """The metrics a rule compares with a date written in the plan: ``m >= 2020-01-01``,
    ``m between 2020-01-01 and 2020-06-30`` (``m at 2020-06-30`` reads m on a day: no comparison)."""
    from kpirules import nodes as n

    def metric(e: Any) -> str | None:
        while isinstance(e, n.At):
            e = e.expr
        return e.name if isinstance(e, n.Metric) else None

    out: set[str] = set()
    for item in getattr(plan, "rules", ()):
        for e in (item.condition, item.stretch):
            for node in n.walk(e) if e is not None else ():
                if isinstance(node, n.Compare):
                    pairs = [(node.left, node.right), (node.right, node.left)]
                elif isinstance(node, n.Between):
                    pairs = [(node.value, node.low), (node.value, node.high)]
                else:
                    continue
                for a, b in pairs:
                    name = metric(a)
                    if name is not None and isinstance(b, n.DateRef):
                        out.add(name)
    return out


def plan_years(plan: Any) -> tuple[int, int] | None:
    from kpirules.engine.warnings import plan_years as years_of

    return years_of(plan)


def check_dataset_names(plan: Any, names: Iterable[str], spell: Callable[[str], str] | None = None) -> None:
    """A KpiDataError naming each of ``names`` that the plan declares no dataset of; ``spell`` writes
    a name as the caller gave it (``--records NAME=…`` on the command line)."""
    declared = [d.name for d in datasets(plan)]
    unknown = [name for name in names if name not in declared]
    if unknown:
        said = spell or (lambda name: f"records_data: sources[{name!r}]")
        raise KpiDataError.from_diagnostics(
            Diagnostic(f"{said(name)}: the plan declares no dataset {name}"
                       + (f" (it declares {', '.join(declared)})" if declared else " (it declares none)"))
            for name in unknown)


def check_records_bound(plan: Any, names: Iterable[str]) -> None:
    """A KpiDataError naming each dataset some metric of ``plan`` counts that ``names`` (the datasets
    given rows, ``--records NAME=…``) leave out: its metrics cannot be counted, and reporting them
    in ``--data`` instead is an error of its own (a metric comes from one place)."""
    given = set(names)
    counted: dict[str, list[str]] = {}
    for m in counted_metrics(plan):
        if m.dataset not in given:
            counted.setdefault(m.dataset, []).append(m.name)
    if counted:
        raise KpiDataError.from_diagnostics(
            Diagnostic(f"no records for dataset {name!r} (the plan counts "
                       f"{', '.join(ms[:5])}{f' and {len(ms) - 5} more' if len(ms) > 5 else ''} from it)",
                       hint=f"bind it to its rows: --records {name}=FILE on the command line, "
                            f"{{{name!r}: rows}} in the sources of records_data")
            for name, ms in counted.items())


def records_data(plan: Plan, sources: Mapping[str, Records], engine: Engine | str | None = None,
                 years: tuple[int, int] | None = None, *, floats: Literal["shortest"] | None = None) -> Data:
    """The counted metrics of ``plan`` from ``sources`` ({dataset: source}).  A source is text as
    ``--records`` takes it (a file path, ``postgresql://…?table=T``, ``spark:T``), a RecordSource, or
    rows the program holds: a pandas or polars DataFrame, an Arrow table, a DuckDB relation or a list of
    mappings (counted as a Parquet file with the same columns would be; problems name the row index).

    A source bound to a dataset the plan does not declare is an error naming it.  ``years``:
    the span of windows counted (default: the years the plan speaks of; without any, the
    records' own).  ``floats``: a float in rows held in memory is refused, as the data constructors
    refuse it, unless ``floats='shortest'`` (each read as the shortest decimal that gives it back, as
    a Parquet file's float column is); a float never names a unit.
    """
    from kpirules.records.engines import count_records

    if not isinstance(sources, Mapping):
        raise KpiDataError(f"records_data: sources is a mapping {{dataset: rows}}, not {type(sources).__name__}")
    declared = {d.name: d for d in datasets(plan)}
    check_dataset_names(plan, sources)
    bound: dict[str, str | RecordSource] = {name: as_source(name, src) for name, src in sources.items()}
    metrics = counted_metrics(plan)
    data = Data()
    if not metrics:
        return data
    years = years if years is not None else plan_years(plan)
    declared_units: dict[str, str | None] = dict(getattr(plan, "units", None) or {})
    counted = count_records(list(declared.values()), metrics, bound, engine=engine, kind=plan.kind,
                            scheme=plan.scheme, years=years, resolve=unit_resolver(declared_units), floats=floats)
    defs = {m.name: m for m in metrics}
    where = {name: (src if isinstance(src, str) else src.describe()) for name, src in bound.items()}
    sources_of: dict[str, Source] = {}
    for (metric, period, unit), value in sorted(counted.values.items(), key=lambda kv: (kv[0][1], kv[0][2] or "")):
        if unit is not None and declared_units and unit not in declared_units:
            continue  # (a unit the plan does not declare: counted at the plan level only, and warned of)
        source = sources_of.get(metric)
        if source is None:  # (one Source a metric: its definition is the same for every value)
            m = defs[metric]
            source = sources_of[metric] = Source(where.get(m.dataset), f"{m.name} = {metric_text(m)}")
        data.add(period, unit, metric, value, source)  # type: ignore[arg-type]  # (min/max of dates: a date)
    _fill_zeros(data, counted, declared, defs, declared_units)
    notes: list[tuple[str, Message, str | None]] = []
    for name, stats in counted.stats.items():
        src = where.get(name)
        ds = declared[name]
        if stats.undated:
            notes.append(("records_undated", Message("records_undated", dataset=name, count=stats.undated,
                                                     column=ds.dated_by), src))
        if stats.outside:
            w = counted.windows[name]
            notes.append(("records_outside_windows", Message(
                "records_outside_windows", dataset=name, count=stats.outside, start=w.start, end=w.end,
                first_year=w.first_year, last_year=w.last_year, earliest=stats.first, latest=stats.last), src))
        if stats.no_unit:
            notes.append(("records_no_unit", Message("records_no_unit", dataset=name, count=stats.no_unit,
                                                     column=ds.unit_by), src))
        if declared_units:
            extra = {u: n for u, n in stats.units.items() if u not in declared_units}
            if extra:
                notes.append(("records_unknown_unit", _unknown_units(name, extra, declared_units), src))
        else:
            for group in _similar_units(stats.units):
                notes.append(("records_similar_units", Message("records_similar_units", dataset=name,
                                                               units=", ".join(group)), src))
    data.notes = notes  # type: ignore[attr-defined]
    data.counted = counted  # type: ignore[attr-defined]
    return data


def as_source(dataset: str, src: Any) -> str | RecordSource:
    """A records source as given (text such as ``exports/d.csv``, or a source) or, for rows a program
    holds (a DataFrame, an Arrow table, a DuckDB relation, a list of mappings), a
    :class:`~kpirules.records.sources.FrameSource` named ``<records DATASET>``."""
    from kpirules.records.sources import FileSource, FrameSource, PostgresSource, SparkSource

    if isinstance(src, (str, FileSource, PostgresSource, SparkSource, FrameSource)):
        return src
    return FrameSource.of(src, f"<records {dataset}>")


#: how many undeclared units a warning names before it says how many more
UNITS_NAMED = 10


def unit_resolver(declared: dict[str, str | None]) -> Callable[[str], str]:
    """A unit's name in records → the plan's name for it: the declared code of a code or full name
    (compared in NFC), otherwise the name in NFC (a name the plan does not declare stays itself)."""
    from kpirules.engine.bind import nfc, unit_names

    if not declared:
        return nfc
    by_name = unit_names(declared)

    def resolve(raw: str) -> str:
        name = nfc(raw)
        return by_name.get(name, name)

    return resolve


def _unknown_units(dataset: str, extra: Mapping[str, int], declared: dict[str, str | None]) -> Message:
    """``dataset d: 2 units the plan does not declare (3 rows, counted at the plan level only, not as units):
    XX (2 rows); Vi Xuyen (1 row; did you mean VX (Vị Xuyên)?)``, naming at most :data:`UNITS_NAMED`, those
    with the most rows first."""
    from kpirules.engine.bind import closest_unit, unit_names

    by_name = unit_names(declared)
    shown = tuple(Message("records_unit_example", unit=unit, rows=n, close=closest_unit(unit, by_name))
                  for unit, n in sorted(extra.items(), key=lambda kv: (-kv[1], kv[0]))[:UNITS_NAMED])
    more = len(extra) - len(shown)
    return Message("records_unknown_unit", dataset=dataset, count=len(extra), rows=sum(extra.values()),
                   units=shown, more=more or None)


def _similar_units(units: Mapping[str, int]) -> list[tuple[str, ...]]:
    """Names of units that differ only by case, diacritics or spacing (``Quản Bạ, Quan Ba``), a group each."""
    from kpirules.data.model import spelling_key

    groups: dict[str, list[str]] = {}
    for u in units:
        groups.setdefault(spelling_key(u), []).append(u)
    return [tuple(sorted(g)) for g in groups.values() if len(g) > 1][:UNITS_NAMED]


def _fill_zeros(data: Data, counted: Any, datasets_: Mapping[str, Dataset], defs: Mapping[str, CountedMetric],
                declared_units: dict[str, str | None]) -> None:
    """A unit without rows in a window has counts (and sums) of 0 there: a records source is complete.

    The units are the declared ones, or without any, those the records name; the metrics those
    counted per unit (`unit by`).  :class:`Data` keeps them as defaults, which only a rule judged
    for the unit reads (an aggregate over units sees the units with rows)."""
    from kpirules.records.model import Agg

    for m in defs.values():
        ds = datasets_[m.dataset]
        if not ds.unit_by or m.agg not in (Agg.COUNT, Agg.SUM, Agg.COUNT_DISTINCT):
            continue
        ws = counted.windows.get(m.dataset)
        if ws is None:
            continue
        for w in ws.all:
            data.defaults.setdefault(w.period.key, {})[m.name] = 0
        if declared_units:
            data.default_units.update(declared_units)
        else:
            data.default_units.update(counted.stats[m.dataset].units)


def merge_counted(plan: Any, reported: Data | None, counted: Data) -> Data:
    """``reported`` with the counted values added; a metric both counted and reported is an error."""
    if reported is None:
        return counted
    defs = {m.name: m for m in counted_metrics(plan)}
    both = sorted(set(defs) & reported.metrics())
    if both:
        diags = []
        for name in both:
            m = defs[name]
            where = next((str(reported.source(name, key, unit)) for (key, unit), snap in reported.snapshots.items()
                          if name in snap), "the data")
            diags.append(Diagnostic(
                f"metric {name} is counted from dataset {m.dataset} "
                f"(line {m.span.line if m.span else '?'} of the plan) and also reported in the data ({where})",
                hint="a metric comes from one place: drop it from the data, or name the counted one otherwise"))
        raise KpiSemanticError.from_diagnostics(diags)
    reported.merge(counted)
    notes = list(getattr(reported, "notes", [])) + list(getattr(counted, "notes", []))
    reported.notes = notes  # type: ignore[attr-defined]
    reported.counted = getattr(counted, "counted", None)  # type: ignore[attr-defined]
    return reported


def explain_counted(plan: Any, data: Data, metrics: list[str], period: Any, unit: str | None,
                    sources: Mapping[str, Any] | None = None, show_rows: int = 0) -> str:
    """The definitions of the counted ``metrics`` a result reads, their value in every window of the
    plan's kind (for ``unit``, or the plan level), and with ``show_rows`` the first rows counted
    in ``period``'s window (from files only)."""
    from kpirules.records.sources import FileSource, parse_source
    from kpirules.records.windows import Window
    from kpirules.values import format_value

    defs = {m.name: m for m in counted_metrics(plan)}
    decl = {d.name: d for d in datasets(plan)}
    counted = getattr(data, "counted", None)
    lines: list[str] = []
    for name in metrics:
        m = defs.get(name)
        if m is None:
            continue
        where = ""
        if sources and m.dataset in sources:
            src = sources[m.dataset]
            where = f" from {src if isinstance(src, str) else src.describe()}"
        lines.append(f"{name} = {metric_text(m)}{where}")
        if counted is not None:
            cells = sorted(((p, v) for (mm, p, u), v in counted.values.items()
                            if mm == name and u == unit and p.kind is plan.kind), key=lambda pv: pv[0])
            who = f"unit {unit}" if unit is not None else "all units"
            shown = ", ".join(f"{p.label}: {_text(v, format_value)}" for p, v in cells) or "no window"
            lines.append(f"  per window ({who}): {shown}")
        if show_rows and sources and m.dataset in sources and period is not None:
            src = sources[m.dataset]
            src = parse_source(src) if isinstance(src, str) else src
            if not isinstance(src, FileSource):
                lines.append("  (rows are shown from records files only)")
                continue
            from kpirules.records.pyengine import row_word, sample_rows

            window = Window.of(period.with_scheme(plan.scheme))
            # (each row's unit named as the count names it: a full name counts under its code)
            resolve = unit_resolver(dict(getattr(plan, "units", None) or {}))
            cols, rows = sample_rows(decl[m.dataset], m, src, window, unit, show_rows, resolve=resolve)
            lines.append(f"  first {len(rows)} row{'s' if len(rows) != 1 else ''} counted in {window.label} "
                         f"({window.start.isoformat()} … {window.end.isoformat()}): " + ", ".join(cols))
            for number, raw in rows:
                lines.append(f"    {row_word(src)} {number}: " + ", ".join("" if v is None else str(v) for v in raw))
    if not lines:
        return ""
    return "Counted from records:\n" + "\n".join("  " + ln for ln in lines) + "\n"


def _text(v: Any, fmt: Any) -> str:
    import datetime

    if isinstance(v, datetime.date):
        return v.isoformat()
    return fmt(v) or "?"

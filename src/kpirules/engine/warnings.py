"""Sanity warnings: data that is allowed but probably wrong.

A warning never changes a status; it says where to look.  Each has a code
(stable, for scripts), a message and the source it came from:

* ``numerator_exceeds_denominator`` — in a ``ratio(a, b)`` of the plan, a
  snapshot where a > b ≥ 0 (a share above 100 %);
* ``negative_count`` — a negative value of a metric used in ``ratio()`` or
  reported as whole numbers (counts are never negative);
* ``unit_stopped_reporting`` — a unit that reported in an earlier period of
  the plan's kind and not in the current one, while other units did report in
  the current one (the message names the last period it reported; gaps such
  as half-yearly data with no Q3 do not hide it);
* ``unused_metric`` — a metric in the data that no rule reads (a typo?), with
  the closest metric the rules do read;
* ``similar_units`` — unit names of the data that differ only by case or
  diacritics ("Vi Xuyen", "Vị Xuyên"), when the plan declares no units (a
  group of names all counted from one dataset's records is said once, by
  the more specific ``records_similar_units``, which names the dataset);
* ``period_outside_plan`` — a data period that lies wholly outside the years
  the plan speaks of: its issue date, deadlines, spans and ``at`` periods
  (with the periods they judge), the current period, and the year before
  when a rule reads ``at previous``.  A plan that names no year gives
  nothing to go on: no warning.
"""

from __future__ import annotations

import difflib
from collections.abc import Callable, Iterable, Iterator
from itertools import chain, islice, repeat
from fractions import Fraction
from typing import TYPE_CHECKING, Any

import attrs

from kpirules import nodes as n
from kpirules.data import Data, Source
from kpirules.messages import LANGUAGES, Count, Exact, Label, Message, Metric

if TYPE_CHECKING:  # pragma: no cover
    from kpirules.engine.shapes import PlanView as Plan  # (evaluate's Plan, as read here)

__all__ = ["Warning_", "sanity_warnings"]


@attrs.frozen
class Warning_:
    """One sanity warning: a stable code, the message (a :class:`kpirules.messages.Message` of the same code:
    its ``args`` are the data of it), and where it came from."""

    code: str
    message: str
    source: str | None = None

    def to_json(self) -> dict[str, Any]:
        message = self.message
        args = message.json_args() if isinstance(message, Message) else None
        return {"code": self.code, "message": str.__str__(message), "source": self.source, "args": args}

    def __str__(self) -> str:
        return f"warning: {self.message}" + (f" ({self.source})" if self.source else "")


def _num(v: object) -> bool:
    return isinstance(v, (int, Fraction)) and not isinstance(v, bool)


def _where(src: Source | None) -> str | None:
    return str(src) if src is not None else None


def _show(v: object) -> str:
    """A value's exact text for the JSON arguments of a warning, shown shortly in its message if long."""
    from kpirules.values import BRIEF_CHARS, brief_number, format_number

    text = format_number(v)  # type: ignore[arg-type]  # (a number: _num)
    if len(text) <= BRIEF_CHARS:
        return text
    return Exact(text, {lang: brief_number(v, lang) for lang in LANGUAGES})  # type: ignore[arg-type]


def _ratio_pairs(plan: Plan) -> list[tuple[str, str, str]]:
    """(numerator, denominator, rule id) for each ``ratio(metric, metric)`` of the plan."""
    out = []
    for rule in plan.rules:
        for node in n.walk(rule.condition):
            if isinstance(node, n.Call) and node.func == "ratio" and len(node.args) == 2:
                a, b = node.args
                if isinstance(a, n.Metric) and isinstance(b, n.Metric):
                    out.append((a.name, b.name, rule.id))
    return out


def _plan_metrics(plan: Plan) -> set[str]:
    """The metrics the plan's rules read, in their conditions and their `stretch` conditions."""
    return {node.name for rule in plan.rules for expr in (rule.condition, rule.stretch) if expr is not None
            for node in n.walk(expr) if isinstance(node, n.Metric)}


def plan_years(plan: Plan, current: Any = None) -> tuple[int, int] | None:
    """The first and last year the plan speaks of (None when it names no year at all)."""
    return _span(_years(plan), current)


def _span(years: tuple[list[int], bool], current: Any) -> tuple[int, int] | None:
    """:func:`plan_years` from what :func:`_years` found."""
    found, previous = years
    if not found:
        return None
    found = found + [current.year] if current is not None else found
    lo, hi = min(found), max(found)
    return (lo - 1 if previous else lo), hi


def _years(plan: Plan) -> tuple[list[int], bool]:
    """The years the plan names, and whether a rule reads ``at previous``."""
    years: list[int] = []
    if plan.ast.issued is not None:
        years.append(plan.ast.issued.year)
    previous = False
    for item in plan.ast.items:
        for node in n.walk(item):
            if isinstance(node, n.PeriodRef):
                years.append(node.period.year)
            elif isinstance(node, n.DateRef):
                years.append(node.date.year)
            elif isinstance(node, n.Previous):
                previous = True
                continue
            else:
                continue
            try:  # the period a deadline judges: `by 2020-01-10` judges 2019-Q4
                years.append(plan.judged_period(node).year)
            except Exception:  # noqa: BLE001 - a date before any representable period
                pass
    return years, previous


def sanity_warnings(plan: Plan, data: Data, current: Any = None, limit: int = 200,
                    memo: dict[str, Any] | None = None, per_kind: int | None = None) -> list[Warning_]:
    """Every sanity warning of ``data`` read against ``plan`` (at most ``limit``).

    ``memo``: a dict shared by calls on the same plan and data that differ
    only in ``current`` (the periods of a roll-up, ``Plan.evaluate_periods``):
    the warnings that do not depend on the current period are worked out by
    the first call and kept there.

    ``per_kind`` (as :attr:`Results.warnings <kpirules.engine.results.Results.warnings>` asks):
    of each code only the first ``per_kind`` are listed, then one ``more_like_this``
    warning per code counts the others (every one is counted: the data is read to its end).
    """
    memo = {} if memo is None else memo
    if per_kind is not None:
        return _per_kind(plan, data, current, limit, memo, per_kind)

    def shared(name: str, make: Any) -> Iterator[Warning_]:
        """The warnings ``make`` gives, worked out once per memo, and only when the ones before
        them leave room under the limit (a generator: nothing runs until it is read)."""
        if name not in memo:
            memo[name] = list(islice(make(), limit))
        yield from memo[name]

    if "years" not in memo:
        memo["years"] = _years(plan)
    return list(islice(chain(
        shared("values", lambda: _made(_values(plan, data))),
        _made(_stopped(plan, data, current)),
        shared("names", lambda: _made(_names(plan, data))),
        _made(_outside(data, _span(memo["years"], current))),
        (Warning_(code, message, source) for code, message, source in getattr(data, "notes", ())),
        shared("spellings", lambda: _made(_spellings(plan, data))),
    ), limit))


def _made(warnings: Iterable[Warning_ | str]) -> Iterator[Warning_]:
    """The warnings of a check that lists every one (asked with ``_every``, it never gives a code alone)."""
    return (w for w in warnings if not isinstance(w, str))


#: warnings of one code that Results.warnings lists in full; the rest of that code are counted in one line
PER_KIND = 20  # (results.PER_KIND is the same number: results sits below this module)
#: whether the next warning of a code is listed (True) or only counted (False: the check gives its code alone)
Listed = Callable[[str], bool]


def _every(code: str) -> bool:
    return True


def _per_kind(plan: Plan, data: Data, current: Any, limit: int, memo: dict[str, Any],
              per_kind: int) -> list[Warning_]:
    """:func:`sanity_warnings` with ``per_kind``: the first ``per_kind`` of each code (at most ``limit`` in
    all), then "… and 999,980 more warnings like this (code)" for each code that had more.

    Every warning is counted, exactly: a check asks, before it makes a warning, whether the warning
    would be listed, and for one that would only be counted gives its code alone (no message, no
    source looked up, no close name looked for), so counting costs one step of the check's own
    pass over the data, which is linear in the data for every check."""

    def capped(make: Callable[[Listed], Iterable[Warning_ | str]]) -> tuple[list[Warning_], dict[str, int]]:
        kept: list[Warning_] = []
        listed: dict[str, int] = {}
        more: dict[str, int] = {}

        def shown(code: str) -> bool:
            return listed.get(code, 0) < per_kind and len(kept) < limit

        for w in make(shown):
            if isinstance(w, str):
                more[w] = more.get(w, 0) + 1
            elif shown(w.code):
                kept.append(w)
                listed[w.code] = listed.get(w.code, 0) + 1
            else:
                more[w.code] = more.get(w.code, 0) + 1
        return kept, more

    def shared(name: str, make: Callable[[Listed], Iterable[Warning_ | str]]) -> tuple[list[Warning_], dict[str, int]]:
        key = f"{name}/{per_kind}"  # (a memo may serve both ways of asking)
        if key not in memo:
            memo[key] = capped(make)
        return memo[key]  # type: ignore[no-any-return]

    if "years" not in memo:
        memo["years"] = _years(plan)
    span = _span(memo["years"], current)
    groups = [
        shared("values", lambda listed: _values(plan, data, listed)),
        capped(lambda listed: _stopped(plan, data, current, listed)),
        shared("names", lambda listed: _names(plan, data, listed)),
        capped(lambda listed: _outside(data, span, listed)),
        capped(lambda listed: (Warning_(code, message, source)
                               for code, message, source in getattr(data, "notes", ()))),
        shared("spellings", lambda listed: _spellings(plan, data, listed)),
    ]
    out: list[Warning_] = []
    listed: dict[str, int] = {}
    more: dict[str, int] = {}
    for kept, rest in groups:
        for w in kept:
            if listed.get(w.code, 0) < per_kind and len(out) < limit:
                out.append(w)
                listed[w.code] = listed.get(w.code, 0) + 1
            else:
                more[w.code] = more.get(w.code, 0) + 1
        for code, count in rest.items():
            more[code] = more.get(code, 0) + count
    out.extend(Warning_("more_like_this", Message("more_like_this", code=code, count=Count(count)))
               for code, count in more.items())
    return out


#: types whose values compare exactly with each other and with 0 (bool among them: never below 0)
_ORDERED = frozenset({int, bool, Fraction})
#: the exact types of data values that say nothing against a metric being whole numbers
_NOT_FRACTIONS = frozenset({int, bool, str, type(None)})


def _values(plan: Plan, data: Data, listed: Listed = _every) -> Iterator[Warning_ | str]:
    """The warnings of the values themselves: a numerator above its denominator, a negative count."""
    # The work is per snapshot, per set of metric names and per metric, in C where it can be:
    # the ratio pairs of a snapshot by its set of names, negative values looked for only where
    # a snapshot's smallest number is below 0, and "whole numbers only" worked out per metric
    # the first time a negative value asks.  The warnings and their order are those of
    # ``sanity_reference`` in tests/test_perf_invariants.py (value by value, every snapshot).
    snapshots = data.snapshots
    pairs: dict[tuple[str, str], str] = {}
    for a, b, rule_id in _ratio_pairs(plan):  # one warning per (a, b) and snapshot: the first rule's
        pairs.setdefault((a, b), rule_id)
    ratio_metrics = {m for a, b in pairs for m in (a, b)}
    whole: dict[str, bool] = {}

    def is_whole(metric: str) -> bool:
        """Every number the data gives for ``metric`` is an int (there is one, as a value asks)."""
        if metric not in whole:
            values = map(dict.get, snapshots.values(), repeat(metric))
            types = set(map(type, values))
            if types <= _NOT_FRACTIONS or types - _NOT_FRACTIONS == {Fraction}:
                whole[metric] = Fraction not in types
            else:  # some other type: value by value
                whole[metric] = all(isinstance(v, int) for s in snapshots.values()
                                    if metric in s and _num(v := s[metric]))
        return whole[metric]

    by_names: dict[frozenset[str], list[tuple[str, str, str]]] = {}
    for (key, unit), snap in snapshots.items():
        names = frozenset(snap)
        mine = by_names.get(names)
        if mine is None:
            mine = by_names[names] = [(a, b, r) for (a, b), r in pairs.items() if a in names and b in names]
        label = None
        for a, b, rule_id in mine:
            va, vb = snap[a], snap[b]
            if type(va) is int and type(vb) is int:
                if not 0 < vb < va:
                    continue
            elif not (_num(va) and _num(vb) and vb > 0 and va > vb):  # type: ignore[operator]
                continue
            if not listed("numerator_exceeds_denominator"):
                yield "numerator_exceeds_denominator"
                continue
            if label is None:
                label = Label(data.periods[key].label)
            yield Warning_(
                "numerator_exceeds_denominator",
                Message("numerator_exceeds_denominator", numerator=Metric(a), numerator_value=_show(va),
                        denominator=Metric(b), denominator_value=_show(vb), period=label, unit=unit, rule=rule_id),
                _where(data.source(a, key, unit)),
            )
        values = snap.values()
        if not values or (set(map(type, values)) <= _ORDERED and min(values) >= 0):  # type: ignore[operator]
            continue  # (the common case: no number below 0)
        for metric, v in snap.items():
            if _num(v) and v < 0 and (metric in ratio_metrics or is_whole(metric)):  # type: ignore[operator]
                if not listed("negative_count"):
                    yield "negative_count"
                    continue
                if label is None:
                    label = Label(data.periods[key].label)
                yield Warning_(
                    "negative_count",
                    Message("negative_count", metric=Metric(metric), value=_show(v), period=label, unit=unit),
                    _where(data.source(metric, key, unit)),
                )


def _names(plan: Plan, data: Data, listed: Listed = _every) -> Iterator[Warning_ | str]:
    """The warnings of names: metrics no rule reads, progress of tasks the plan does not define."""
    snapshots = data.snapshots
    used = _plan_metrics(plan)
    unused = set().union(*snapshots.values()) - used if used else None  # (names of every snapshot, in C)
    if unused:
        first_source: dict[str, Source | None] = {}
        for (key, unit), snap in snapshots.items():
            if unused.isdisjoint(snap):
                continue
            for metric in snap:
                if metric in unused and metric not in first_source:
                    first_source[metric] = data.source(metric, key, unit)
            if len(first_source) == len(unused):  # each one's first source found
                break
        for metric, src in first_source.items():
            if not listed("unused_metric"):
                yield "unused_metric"
                continue
            close = difflib.get_close_matches(metric, sorted(used), n=1)
            yield Warning_("unused_metric", Message("unused_metric", metric=Metric(metric),
                                                    close=Metric(close[0]) if close else None), _where(src))
    tasks = {t.id for t in plan.tasks}
    named: dict[str, Source | None] = {}
    for row in data.task_rows:
        if row.task not in tasks and row.task not in named:
            named[row.task] = row.source
    for task, src in named.items():
        if not listed("unknown_task"):
            yield "unknown_task"
            continue
        close = difflib.get_close_matches(task, sorted(tasks), n=1)
        yield Warning_("unknown_task", Message("unknown_task", task=task, close=close[0] if close else None),
                       _where(src))


def _spellings(plan: Plan, data: Data, listed: Listed = _every) -> Iterator[Warning_ | str]:
    """Unit names of the data that differ only by case or diacritics, when the plan declares no units
    (with declared units, an undeclared name is a load error instead)."""
    if getattr(plan, "units", None):
        return
    # a group the counting of records warned of (records_similar_units: it names the dataset) is not said twice
    counted = {frozenset(m.args["units"].split(", ")) for code, m, _ in getattr(data, "notes", ())
               if code == "records_similar_units" and isinstance(m, Message)}
    for group in data.similar_units():
        if frozenset(group) in counted:
            continue
        if not listed("similar_units"):
            yield "similar_units"
            continue
        src = next((data.source(m, k, group[1]) for (k, u), snap in data.snapshots.items() if u == group[1]
                    for m in snap), None)
        yield Warning_("similar_units", Message("similar_units", units=", ".join(group)), _where(src))


def _outside(data: Data, span: tuple[int, int] | None, listed: Listed = _every) -> Iterator[Warning_ | str]:
    """Data periods outside the years ``span`` (the plan's, with the current period's).

    Only reported values are looked at: a value counted from records (``--records``) is in a window
    the counting chose, not in a period label someone typed, so it cannot hold a typo."""
    snapshots = data.snapshots
    if span is not None:
        lo, hi = span
        outside = {key for key, period in data.periods.items() if period.year < lo or period.year > hi}
        counted = _counted_metrics(data) if outside else frozenset()
        messages: dict[Any, Message] = {}  # one message per period, for all its units' snapshots
        for (key, unit), snap in snapshots.items() if outside else ():
            if key in outside and (not counted or any(m not in counted for m in snap)):
                if not listed("period_outside_plan"):
                    yield "period_outside_plan"
                    continue
                message = messages.get(key)
                if message is None:
                    message = messages[key] = Message("period_outside_plan", period=Label(data.periods[key].label),
                                                      first_year=lo, last_year=hi)
                src = next((data.source(m, key, unit) for m in snap if m not in counted), None)
                yield Warning_("period_outside_plan", message, _where(src))


def _counted_metrics(data: Data) -> frozenset[str]:
    """The metrics of ``data`` counted from records (:func:`kpirules.engine.records.records_data`)."""
    counted = getattr(data, "counted", None)
    values = getattr(counted, "values", None) or {}
    return frozenset(metric for metric, _, _ in values)


def _stopped(plan: Plan, data: Data, current: Any, listed: Listed = _every) -> Iterator[Warning_ | str]:
    """Units that reported in an earlier period of the plan's kind and not in the current one,
    while other units did report in the current one.

    The current period is ``current`` (the last closed one), or without it the latest
    period of the plan's kind in the data.
    """
    keys = sorted((k for k in data.periods if k[0] is plan.kind), key=lambda k: data.periods[k])
    if current is not None:
        cur_key = current.key
        if cur_key[0] is not plan.kind:
            return
    elif keys:
        cur_key = keys[-1]
    else:
        return
    reporting = set(data.units_reporting(cur_key))
    if not reporting:  # nobody reported for the current period: nothing to compare with
        return
    cur = data.periods[cur_key]  # someone reported for it, so the data has it
    earlier = [k for k in keys if data.periods[k] < cur]
    before = set(earlier)
    # the units with a snapshot of an earlier period, in one pass over the snapshots: a unit that has
    # none is skipped at once, rather than after a look at every earlier period
    reported = {unit for key, unit in data.snapshots if key in before}
    for unit in data.units:
        if unit in reporting or unit not in reported:
            continue
        if not listed("unit_stopped_reporting"):
            yield "unit_stopped_reporting"
            continue
        last = next((k for k in reversed(earlier) if data.has_snapshot(k, unit)), None)
        if last is None:
            continue
        src = next((data.source(m, last, unit) for m in data.snapshots[(last, unit)]), None)
        yield Warning_(
            "unit_stopped_reporting",
            Message("unit_stopped_reporting", unit=unit, last=Label(data.periods[last].label),
                    current=Label(cur.label)),
            _where(src),
        )

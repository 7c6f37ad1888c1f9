"""Evaluating a plan over reported data: statuses, results, reasons.

``Plan.evaluate(data, as_of)`` gives one :class:`Result` per rule (one per
unit for ``for each unit:`` rules) and per task.  The statuses and the rules
that produce them are those of LANGUAGE.md ("Time"); docs/language.md says
them in full.
"""

from __future__ import annotations

import datetime
from fractions import Fraction
from itertools import repeat
import os
from time import monotonic
import weakref
from collections.abc import Iterable
from typing import Any

import attrs

from kpirules import nodes as n
from kpirules.engine.bind import bind, check_forms, nfc, unit_names
from kpirules.engine.compile import Env
from kpirules.engine.conditions import compile_condition, compile_truth
from kpirules.engine.export import Rollup
from kpirules.engine.rules import (CompiledRule, LazyColumn, LazyResult, constant_target, joined, judge_truth, op_of, plain,
                                    plain_target, value_of)
from kpirules.lang.parser import parse_text
from kpirules.lang.unparse import expr_text
from kpirules.lang.checker import check_plan, scheme_of
from kpirules.data import Data, load_data
from kpirules.errors import KpiDataError, KpiError, KpiPeriodError
from kpirules.periods import Kind, Period, Scheme, current_period, last_ending_by, parse_period, periods_between
from kpirules.engine.results import FAILING, RULE_STATUSES, TASK_STATUSES, Result, Results, Settled, Status, result_of
from kpirules.engine.tasks import check_occurrences, done_tasks, judge_task
from kpirules.engine import timing
from kpirules.engine.timing import first_period, report_as_of
from kpirules.messages import Label, Message
from kpirules.text import read_text
from kpirules.engine.trace import explain
from kpirules.engine.warnings import plan_years, sanity_warnings
from kpirules.values import Invalid, Undefined

__all__ = ["Status", "Result", "Results", "Plan", "parse", "load", "report_as_of", "FAILING", "RULE_STATUSES",
           "TASK_STATUSES"]

#: how far back `on_track`/`at_risk` look for the latest closed data
_LOOKBACK = 400
#: the most time one rule may take (all its units and periods), in seconds: then its status is `error`
#: (reason `too_slow`) for what is left; with every value bounded (values.MAX_DIGITS) a rule gets here
#: only with a very great many units and periods
RULE_SECONDS = 30
#: results judged on the truth alone are lazy (:class:`LazyResult`); False judges every result eagerly,
#: as before they were (the tests compare the two)
LAZY = True


class Plan:
    """A loaded, checked plan: its rules and tasks compiled, ready to evaluate.

    Build one with :func:`kpirules.load` or :func:`kpirules.parse`.
    """

    def __init__(self, ast: n.Plan, filename: str | None = None) -> None:
        self.ast = ast
        self.filename = filename
        self.scheme: Scheme = scheme_of(ast)
        self.kind: Kind = ast.reporting.kind if ast.reporting else Kind.QUARTER
        if self.kind is Kind.NINE_MONTH:
            raise KpiPeriodError("a plan cannot report on nine-month windows only; use quarterly")
        self.id: str = ast.id or (os.path.splitext(os.path.basename(filename))[0] if filename else "plan")
        self.title = ast.title
        section = None
        self.section_of: dict[str, str | None] = {}
        self._compiled: list[CompiledRule] = []
        self._bound: weakref.WeakSet[Data] = weakref.WeakSet()  # the data bound to this plan, returned as it is
        #: unit groups (`group ministries: BNV, BTC`, an extension)
        self.groups: dict[str, tuple[str, ...]] = {}
        #: declared units (`unit TTCNTT "Trung tâm Công nghệ thông tin"`): code → full name (or None)
        self.units: dict[str, str | None] = {}
        #: events outside the plan (`event ND138 "…"`): id → title
        self.events: dict[str, str | None] = {}
        #: declared metrics (`metric egov_users "Người dùng …": count "người"`): name → declaration
        self.metrics: dict[str, n.MetricDecl] = {m.name: m for m in reversed(ast.metrics)}
        for item in ast.items:
            if isinstance(item, n.Group):
                self.groups.setdefault(item.name, tuple(nfc(u) for u in item.units))
                continue
            if isinstance(item, n.UnitDecl):
                self.units.setdefault(nfc(item.code), item.name)
                continue
            if isinstance(item, n.Event):
                self.events.setdefault(item.id, item.title)
                continue
            if isinstance(item, n.Section):
                section = item.id
                continue
            self.section_of[item.id] = section
            if isinstance(item, n.Rule):
                truth_fn = compile_truth(item.condition, self.scheme, self.kind)
                self._compiled.append(CompiledRule(item, section, truth_fn, self.scheme, self.kind))

    @property
    def rules(self) -> list[n.Rule]:
        return [i for i in self.ast.items if isinstance(i, n.Rule)]

    @property
    def tasks(self) -> list[n.Task]:
        return [i for i in self.ast.items if isinstance(i, n.Task)]

    @property
    def sections(self) -> list[n.Section]:
        return [i for i in self.ast.items if isinstance(i, n.Section)]

    def item(self, ident: str) -> n.Rule | n.Task | None:
        for i in self.ast.items:
            if isinstance(i, (n.Rule, n.Task)) and i.id == ident:
                return i
        return None

    def units_of(self, rule: n.Rule) -> list[str]:
        """The units of `for each unit in …:`, groups expanded, in order, each once."""
        out: dict[str, None] = {}  # (a dict keeps the order and finds a unit seen before at once)
        for name in rule.units:
            out.update(dict.fromkeys(self.groups.get(name, (nfc(name),))))
        return list(out)

    def unit_order(self, units: Iterable[str]) -> list[str]:
        """``units`` in the plan's order: those the plan names (its groups, then its `for each unit in`
        lists) in the order it names them, then the others by name; never in the order of the data's rows."""
        if "_declared" not in self.__dict__:
            named: dict[str, None] = {}
            for group in self.groups.values():
                named.update(dict.fromkeys(group))
            for rule in self.rules:
                for name in rule.units:
                    named.update(dict.fromkeys(self.groups.get(name, (name,))))
            self.__dict__["_declared"] = list(named)
        given = set(units)
        declared = [u for u in self.__dict__["_declared"] if u in given]
        return declared + sorted(given.difference(declared))

    def __repr__(self) -> str:
        return f"<Plan {self.id}: {len(self.rules)} rules, {len(self.tasks)} tasks>"

    # --- time
    def period(self, ref: n.PeriodRef) -> Period:
        cache = self.__dict__.setdefault("_period_cache", {})  # per-unit rules ask once per unit
        p = cache.get(ref.period)
        if p is None:
            p = cache[ref.period] = ref.period.with_scheme(self.scheme)
        return p  # type: ignore[no-any-return]

    def when_date(self, w: n.When) -> datetime.date:
        """The last day a deadline allows: a period's last calendar day (``due 2020`` is 2020-12-31,
        whatever the windows), or the date itself."""
        return w.period.last_day if isinstance(w, n.PeriodRef) else w.date

    def current_period(self, as_of: datetime.date) -> Period:
        """The current period as of a date (a :class:`KpiPeriodError` before the first one): :mod:`timing`'s rule."""
        return current_period(as_of, self.kind, self.scheme)

    def judged_period(self, w: n.When) -> Period:
        """The last reporting period that ends on or before the deadline."""
        return last_ending_by(self.when_date(w), self.kind, self.scheme)

    # --- evaluation
    def evaluate(self, data: Data | str | os.PathLike[str] | Iterable[str],
                 as_of: datetime.date | str | timing.AsOf | None = None, *, current: Period | str | None = None) -> Results:
        """One result per rule (per unit for `for each unit:`) and per task.

        ``as_of`` defaults to today; ``current`` (a Period or a label of the
        plan's kind) overrides the current period (what `kpirules report
        --period` does).
        """
        return self._evaluate(data, as_of, current=current)

    def _evaluate(self, data: Data | str | os.PathLike[str] | Iterable[str],
                  as_of: datetime.date | str | timing.AsOf | None = None, *, current: Period | str | None = None,
                  memo: dict[str, Any] | None = None,
                  settled: Settled | None = None) -> Results:
        """:meth:`evaluate`, the roll-up's checks sharing ``memo`` (see :class:`Results`) and ``settled``
        (the results that no longer depend on the current period: see :meth:`_judge_rule`)."""
        if not isinstance(data, Data):
            data = load_data(data)
        data = self.bind(data)
        as_of = timing.as_of(as_of).date
        current = timing.current(as_of, self.kind, self.scheme) if current is None else self.as_current(current)
        first = first_period(data, self.kind, self.scheme)
        results: list[Result] = []
        units = self.unit_order(data.units)
        task_done = done_tasks(data, as_of, self.scheme)
        for e in data.events:  # an event has happened once the data reports it, on or before the as-of date
            if e.date <= as_of and (e.event not in task_done or e.date < task_done[e.event]):
                task_done[e.event] = e.date
        for item in self.ast.items:
            if isinstance(item, n.Task):
                results.append(judge_task(self, item, data, as_of, task_done))
        rule_results: dict[str, list[Result] | LazyColumn] = {}
        envs: dict[str | None, Env] = {}  # each unit's snapshot of the current period, looked up once for all rules
        columns: dict[Any, Any] = {}  # the same, by list of units (and by the identity of a list)
        for cr in self._compiled:
            once = settled if settled is not None and self._settles(cr.rule, current) else None
            if cr.rule.per_unit:
                targets = self.units_of(cr.rule) if cr.rule.units else list(self.units) if self.units else units
                if targets:
                    stop = monotonic() + RULE_SECONDS
                    rule_results[cr.rule.id] = self._judge_units(cr, data, current, first, targets, stop, envs,
                                                                 once, columns)
                else:  # nothing is dropped: no unit to judge is itself a result
                    rule = cr.rule
                    rule_results[rule.id] = [Result(
                        id=rule.id, kind="rule", status=Status.NO_DATA,
                        period=current.label if current else None,
                        reason=Message("no_units"), target=constant_target(rule.condition),
                        title=rule.title, section=cr.section, lead=rule.lead, condition=cr.condition,
                        op=op_of(rule.condition))]
            else:
                rule_results[cr.rule.id] = [self._judge_rule(cr, data, current, first, None,
                                                             monotonic() + RULE_SECONDS, once)]
        # plan order
        ordered: list[Any] = []  # (None where a LazyColumn's result is still to be made)
        lazy: list[tuple[int, LazyColumn]] = []
        tasks_iter = iter(results)
        for item in self.ast.items:
            if isinstance(item, n.Rule):
                got = rule_results.get(item.id, [])
                if isinstance(got, LazyColumn):
                    lazy.append((len(ordered), got))
                    at = len(ordered)
                    ordered.extend(repeat(None, len(got.statuses)))  # (None but where eager)
                    for k, r in got.eager.items():
                        ordered[at + k] = r
                else:
                    ordered.extend(got)
            elif isinstance(item, n.Task):
                ordered.append(next(tasks_iter))
        return Results(self, as_of, current, ordered, data=data, explainer=explain, sanity=sanity_warnings,
                       memo=memo, settled=settled, columns=lazy)

    def evaluate_periods(self, data: Data | str | os.PathLike[str] | Iterable[str],
                         periods: Iterable[Period | str] | None = None,
                         as_of: datetime.date | str | timing.AsOf | None = None) -> Rollup:
        """The check of each period in turn, on data read once: one :class:`Results` per period, in a
        :class:`~kpirules.engine.export.Rollup` (a list, with the roll-up's ``to_json``, records and frames).

        Each period is judged as `kpirules report --period` judges it: it is
        the current period, and the as-of date is its report's due date (the
        day after its window when the plan sets no due day), or ``as_of`` when
        that comes first.  ``periods``: Period objects or labels ("2020-Q4",
        "Quý IV/2020") of the plan's kind, judged in the order given (a period
        given twice is judged once); None
        means every period from the first that has data of the plan's kind
        through the last one closed by ``as_of`` (default today).  A period of
        another kind, or one whose window has not closed by ``as_of``, is a
        :class:`KpiError`.
        """
        if not isinstance(data, Data):
            data = load_data(data)
        data = self.bind(data)
        when = timing.as_of(as_of)
        if periods is None:
            first = first_period(data, self.kind, self.scheme)
            last = timing.current(when.date, self.kind, self.scheme)
            if last is None:
                return Rollup([], self, when.date)
            chosen = list(periods_between(first, last)) if first is not None and first <= last else []
        else:
            if isinstance(periods, (str, Period)):  # one period, not the characters of a label
                periods = [periods]
            elif not isinstance(periods, Iterable):
                raise KpiError(f"periods are Period objects or labels such as '2020-Q4' (or None), not {periods!r}")
            chosen = list(dict.fromkeys(self.as_current(p) for p in periods))  # each period once, in order
        days = [timing.judged_on(p, when, limit=True) for p in chosen]  # every window checked before any work
        out = []
        memo: dict[str, Any] = {}  # the sanity warnings that are the same for every period: worked out once
        settled = Settled()  # and the results that no longer change from period to period: judged once
        for p, day in zip(chosen, days):
            out.append(self._evaluate(data, day, current=p, memo=memo, settled=settled))
        return Rollup(out, self, when.date)

    def evaluate_period(self, data: Data | str | os.PathLike[str] | Iterable[str], period: Period | str,
                        as_of: datetime.date | str | timing.AsOf | None = None) -> Results:
        """The check of one period named by a person, as `kpirules check --period` and `report` judge it:
        ``period`` is the current period, judged on ``as_of`` when given (it must be after the period's
        window), else on its report's due date, or today while that is still to come."""
        period = self.as_current(period)
        day = timing.judged_on(period, timing.as_of(as_of))
        return self.evaluate(data, day, current=period)

    def bind(self, data: Data) -> Data:
        """``data`` as this plan reads it: units named by their declared codes, events checked.

        When the plan declares units, data may name each by its code or its full name (compared
        after Unicode NFC normalisation); a name that is neither is a :class:`KpiDataError`
        listing every unknown name with the closest declared one.  An event in the data that
        the plan does not declare is one too.  Data that needs no change is returned as it is.
        """
        if data in self._bound:
            return data
        data = bind(data, self.events, self.units, self.id)
        check_occurrences(self, data)
        self._bound.add(data)
        return data

    def check_data(self, data: Data, years: Iterable[int] = ()) -> None:
        """Refuse data that cannot belong to this plan: it holds nothing (no snapshot, task row or event),
        it shares no metric, task or event with it, or
        every period it reports lies outside the years the plan speaks of (its issue date, deadlines,
        spans, `at` periods, and the year before the first of them, for a baseline), widened to ``years``
        (those of the as-of date and of the judged period) and to today's year.

        (`kpirules check --data` calls it; an API caller may judge a plan on any data.)
        """
        if not isinstance(data, Data):
            raise KpiDataError(f"check_data takes a Data, not {type(data).__name__}; read a file first: "
                               "plan.check_data(kpirules.load_data(path))")
        check_forms(data, self.id)
        metrics = {node.name for r in self.rules for e in (r.condition, r.stretch) if e is not None
                   for node in n.walk(e) if isinstance(node, n.Metric)}
        tasks = {t.id for t in self.tasks}
        files = ", ".join(data.files) or "the data"
        if data.is_empty():  # (the words of load_data on an empty file: `kpirules check` says them)
            one = data.files[0] if len(data.files) == 1 else None  # (in-memory data is named <rows>: no file)
            holder = (f"{one}: the {'data' if one.startswith('<') else 'file'}" if one is not None
                      else f"{files}: the data" if data.files else "the data")
            raise KpiDataError(f"{holder} holds no snapshot, no task row and no event: "
                               "there is nothing to check a plan on")
        shared_tasks = {r.task for r in data.task_rows} & tasks or {e.event for e in data.events} & set(self.events)
        # (forms sent with nothing but the day they were sent: empty reports, of this plan's units; a
        # workbook form of another plan was refused above)
        by_name = unit_names(self.units)
        empty_reports = (not data.metrics() and not data.task_rows and not data.events and bool(data.submitted)
                         and all(u is not None and nfc(u) in by_name for _, u in data.submitted))
        if not (data.metrics() & metrics or shared_tasks or empty_reports):
            theirs = sorted(data.metrics())
            raise KpiDataError(f"{files} shares no metric, task or event with the plan {self.id}: is it the data of "
                               f"another plan? (the plan reads {_few(sorted(metrics)) or 'no metric'}; "
                               f"the data gives {_few(theirs) or 'no metric'})")
        span = plan_years(self)
        if span is None or shared_tasks or not data.periods:
            return
        years = list(years)  # (the year before the plan's first: a baseline is often given for it)
        lo, hi = min([span[0] - 1, *years]), max([span[1], timing.today().year, *years])
        if all(p.year < lo or p.year > hi for p in data.periods.values()):
            labels = sorted(data.periods.values())
            raise KpiDataError(f"{files}: every period of the data ({_few([p.label for p in labels])}) lies outside "
                               f"the years the plan {self.id} speaks of ({lo}–{hi}): is it the data of another "
                               f"plan, or are the period labels mistyped?")

    def unit_name(self, unit: str | None) -> str | None:
        """The declared full name of a unit, or None."""
        return None if unit is None else self.units.get(unit)

    def metric_title(self, metric: str) -> str | None:
        """The title a plan declares for a metric (`metric NAME "Title"`, reported or counted), or None."""
        decl = self.metrics.get(metric)
        if decl is not None and decl.title is not None:
            return decl.title
        from kpirules.records.model import CountedMetric  # (a dataset's title is not a metric's)

        return next((r.title for r in self.ast.records if isinstance(r, CountedMetric) and r.name == metric), None)

    def as_current(self, period: Period | str) -> Period:
        """``period`` (a Period or a label) in the plan's windows, checked to be of the plan's kind."""
        if isinstance(period, str):
            period = parse_period(period, self.scheme)
        elif not isinstance(period, Period):
            raise KpiError(f"a period is a Period or a label such as '2020-Q4', not {period!r}")
        period = period.with_scheme(self.scheme)
        if period.kind is not self.kind:
            raise KpiError(f"the plan reports by {self.kind.value}, so the period must be a {self.kind.value}, "
                           f"not {period.label} ({period.kind.value})")
        return period

    def _ending_by(self, d: datetime.date) -> Period:
        """`last_ending_by` for this plan, remembered: per-unit rules ask it once per unit."""
        cache = self.__dict__.setdefault("_ending_cache", {})
        p = cache.get(d)
        if p is None:
            p = cache[d] = last_ending_by(d, self.kind, self.scheme)
        return p  # type: ignore[no-any-return]

    def _step(self, p: Period, by: int) -> Period:
        """``p.next()`` / ``p.previous()``, remembered: every unit walks the same periods."""
        cache = self.__dict__.setdefault("_step_cache", {})
        q = cache.get((p, by))
        if q is None:
            q = cache[(p, by)] = p.next() if by > 0 else p.previous()
        return q  # type: ignore[no-any-return]

    def _judge_units(self, cr: CompiledRule, data: Data, current: Period | None, first: Period | None,
                     targets: list[str], stop: float, envs: dict[str | None, Env],
                     settled: Settled | None = None,
                     columns: dict[Any, Any] | None = None,
                     ) -> list[Result] | LazyColumn:
        """A per-unit rule's result for each unit of ``targets``: where the rule names no period, a
        :class:`LazyColumn` of the statuses its truth gives (true, false or undefined: met, not met,
        no data), the units judged otherwise by :meth:`_judge_rule`; else a list of :meth:`_judge_rule`'s."""
        if cr.rule.time is not None or cr.stretch is not None or current is None or not LAZY:
            return [self._judge_rule(cr, data, current, first, u, stop, settled) for u in targets]
        # (the rules over every unit share one list of them: found by identity before the tuple is made)
        known = None if columns is None else columns.get(id(targets))
        key: Any = None
        if known is not None and known[0] is targets:
            shared: tuple[list[Env], list[str | None]] | None = known[1]
        else:
            key = tuple(targets)
            shared = None if columns is None else columns.get(key)
        if shared is None:  # the Env and declared name of each unit, for every rule over the same units
            kind, names = self.kind, self.units
            unit_envs = []
            for u in targets:
                env = envs.get(u)
                if env is None:
                    env = envs[u] = Env(data, current, u, None, kind)
                unit_envs.append(env)
            shared = (unit_envs, [names.get(u) for u in targets])
            if columns is not None:
                columns[key] = shared
        if columns is not None and known is None:
            columns[id(targets)] = (targets, shared)
        unit_envs, unit_names = shared
        truth_of = cr.truth
        met, not_met, no_data = Status.MET, Status.NOT_MET, Status.NO_DATA
        statuses: list[Status | None] = []
        eager: dict[int, Result] = {}
        n_units = len(unit_envs)
        for at in range(0, n_units, 64):  # (64 units at a time, the clock read between them)
            run = [met if t is True else not_met if t is False else no_data if isinstance(t, Undefined) else None
                   for t in map(truth_of, unit_envs[at:at + 64])]
            if None in run:  # an invalid truth: judged in full, with its reason
                for k, s in enumerate(run, at):
                    if s is None:
                        eager[k] = self._judge_rule(cr, data, current, first, unit_envs[k].unit, stop)
            statuses += run
            if monotonic() > stop:  # the rest of the units: out of time, each says so
                for k in range(len(statuses), n_units):
                    eager[k] = self._judge_rule(cr, data, current, first, unit_envs[k].unit, stop)
                    statuses.append(None)
                break
        return LazyColumn(cr, statuses, unit_envs, unit_names, eager)

    def _judge_rule(self, cr: CompiledRule, data: Data, current: Period | None, first: Period | None,
                    unit: str | None, stop: float,
                    settled: Settled | None = None) -> Result:
        """The rule's result for ``unit``.  ``settled`` (a roll-up's, shared by its periods) is given when the
        rule's result no longer depends on the current period (:meth:`_settles`): it is judged once, and
        each later period gets a copy of it, bound to its own evaluation."""
        if settled is None:
            return self._judge_stretch(cr, data, current, first, unit, stop)
        copy = settled.copy((cr, unit))
        if copy is not None:
            return copy
        result = self._judge_stretch(cr, data, current, first, unit, stop)
        if result.reason_code != "too_slow":  # (a rule stopped for its time says so in each period)
            settled.keep((cr, unit), result)
        return result

    def _settles(self, rule: n.Rule, current: Period | None) -> bool:
        """Whether the rule's result is the same in ``current`` and every later period, on the same data:
        ``by`` a deadline whose judged period has come (judged on that period), or a span that has ended
        (judged on its periods).  Earlier, it looks back from the current period (on_track, at_risk)."""
        time = rule.time
        if current is None:
            return False
        if isinstance(time, n.By):
            return self._ending_by(self.when_date(time.when)) <= current
        if isinstance(time, n.Span_):
            first_p = self._ending_by(self._span_start(time)).next()
            return current >= first_p and current >= self._ending_by(self.when_date(time.end))
        return False

    def _judge_stretch(self, cr: CompiledRule, data: Data, current: Period | None, first: Period | None,
                       unit: str | None, stop: float) -> Result:
        """The rule's result for ``unit`` (:meth:`_judge_main`), with its stretch judged."""
        result = self._judge_main(cr, data, current, first, unit, stop)
        if cr.stretch is None:
            return result
        result = attrs.evolve(result, has_stretch=True)
        if result.status is not Status.MET:
            return result
        # the stretch is judged where the rule was met: its judged period, or every period of a span
        label = result.period
        periods = [self.as_current(label)] if label else []
        if isinstance(cr.rule.time, n.Span_) and periods:
            first_p = self._ending_by(self._span_start(cr.rule.time)).next()
            periods = list(periods_between(first_p, periods[0]))
        truth: object = True
        for p in periods:
            t = cr.stretch(Env(data, p, unit, None, self.kind))
            if isinstance(t, Invalid):
                return attrs.evolve(result, status=Status.ERROR, stretch=None,
                                    reason=Message("stretch_error", period=Label(p.label), reason=t.message))
            if t is False or truth is True:
                truth = t if truth is not False else truth
        return attrs.evolve(result, stretch=truth if isinstance(truth, bool) else None)

    def _message(self, before: str, args: dict[str, Any], latest: Period) -> Message:
        """``Message(before, **args, latest=…)``, made once for all the units (a message is immutable)."""
        cache = self.__dict__.setdefault("_trend_messages", {})
        key = (before, latest, *args.items())
        m = cache.get(key)
        if m is None:
            m = cache[key] = Message(before, **args, latest=Label(latest.label))
        return m  # type: ignore[no-any-return]

    def _span_start(self, time: n.Span_) -> datetime.date:
        return self.period(time.start).start if isinstance(time.start, n.PeriodRef) else time.start.date

    def _judge_main(self, cr: CompiledRule, data: Data, current: Period | None, first: Period | None,
                    unit: str | None, stop: float) -> Result:
        rule = cr.rule
        if rule.time is None and current is not None and LAZY:  # the common case: judged on the truth alone
            env = Env(data, current, unit, None, self.kind)
            truth = cr.truth(env)
            if (truth is True or truth is False or isinstance(truth, Undefined)) and monotonic() <= stop:
                return LazyResult.make(Status.NO_DATA if isinstance(truth, Undefined) else
                                        Status.MET if truth else Status.NOT_MET,
                                        cr, env, self.units.get(unit) if unit is not None else None)
        base: dict[str, Any] = dict(id=rule.id, kind="rule", unit=unit, title=rule.title, section=cr.section,
                    lead=rule.lead, condition=cr.condition, op=cr.op)
        if unit is not None and unit in self.units:
            base["unit_name"] = self.units[unit]
        if monotonic() > stop:  # (checked per unit and per period looked at)
            return Result(status=Status.ERROR, period=current.label if current else None,
                          reason=Message("too_slow", limit=RULE_SECONDS), **base)

        def at(period: Period) -> tuple[object, object, object]:
            return cr.fn(Env(data, period, unit, None, self.kind))  # type: ignore[no-any-return]

        def truth_at(period: Period) -> object:
            return cr.truth(Env(data, period, unit, None, self.kind))

        def judged(period: Period, truth: object, value: object, target: object, **extra: Any) -> Result:
            status, reason = judge_truth(truth)
            return Result(status=status, period=period.label, value=plain(value), target=plain_target(target),
                          reason=extra.pop("reason", None) or reason, **base, **extra)

        def trend(deadline: datetime.date | None, before: str, args: dict[str, Any]) -> Result:
            """on_track / at_risk on the latest closed period with the rule's data: the reason
            ``before`` (deadline_not_reached, span_not_started) with ``args``."""
            last_reason = None
            if current is not None and first is not None:
                p = current
                for _ in range(_LOOKBACK):
                    if p < first:
                        break
                    if monotonic() > stop:
                        return Result(status=Status.ERROR, period=p.label,
                                      reason=Message("too_slow", limit=RULE_SECONDS), deadline=deadline, **base)
                    env = Env(data, p, unit, None, self.kind)  # (one look-up of the snapshot for both)
                    truth = cr.truth(env)
                    if truth is True or truth is False:  # (the common case: only the numbers are left)
                        value, target = cr.numbers(env)
                        return result_of((rule.id, "rule", Status.ON_TRACK if truth else Status.AT_RISK, p.label,
                                          unit, plain(value), plain_target(target), self._message(before, args, p),
                                          rule.title, cr.section, cr.op, deadline, rule.lead, cr.condition, (), (),
                                          None, False, self.units.get(unit) if unit is not None else None))
                    if isinstance(truth, (bool, Invalid)):
                        truth, value, target = cr.fn(env)  # the numbers, for this period only
                    if isinstance(truth, Invalid):
                        return judged(p, truth, value, target, deadline=deadline)
                    if isinstance(truth, bool):
                        status = Status.ON_TRACK if truth else Status.AT_RISK
                        return Result(status=status, period=p.label, value=plain(value), target=plain_target(target),
                                      reason=self._message(before, args, p), deadline=deadline, **base)
                    if last_reason is None:
                        last_reason = joined(truth.reasons)
                    p = self._step(p, -1)
            reason = Message(before + "_no_data", **args, why=last_reason or None)
            return Result(status=Status.NO_DATA, period=current.label if current else None, reason=reason,
                          deadline=deadline, target=target_at(current), **base)

        def target_at(period: Period | None) -> object:
            """The target while the data is missing: as it stands in ``period``, else a constant one."""
            if period is None:
                return constant_target(rule.condition)
            return plain_target(at(period)[2])

        time = rule.time
        if current is None:
            return Result(status=Status.NO_DATA, reason=Message("no_period_closed"),
                          target=target_at(None), **base)
        if time is None:
            truth, value, target = at(current)
            return judged(current, truth, value, target)
        if isinstance(time, n.By):
            deadline = self.when_date(time.when)
            j = self._ending_by(deadline)
            if j <= current:
                truth, value, target = at(j)
                return judged(j, truth, value, target, deadline=deadline)
            return trend(deadline, "deadline_not_reached", {"deadline": deadline, "judged": Label(j.label)})
        # from … to …
        start_date = self._span_start(time)
        end_date = self.when_date(time.end)
        first_p = self._ending_by(start_date).next()
        last_p = self._ending_by(end_date)
        if current < first_p:
            return trend(end_date, "span_not_started", {"first": Label(first_p.label), "last": Label(last_p.label)})
        upto = min(current, last_p)
        first_missing: tuple[Period, Undefined] | None = None
        first_failed = None
        p = first_p
        while p <= upto:
            if monotonic() > stop:
                return Result(status=Status.ERROR, period=p.label, reason=Message("too_slow", limit=RULE_SECONDS),
                              deadline=end_date, **base)
            truth = truth_at(p)
            if isinstance(truth, Invalid):
                truth, value, target = at(p)
                return judged(p, truth, value, target, deadline=end_date)
            if truth is False and first_failed is None:
                first_failed = (p, *at(p)[1:])
            if isinstance(truth, Undefined) and first_missing is None:
                first_missing = (p, truth)
            p = self._step(p, 1)
        if first_failed is not None:
            fp, value, target = first_failed
            return judged(fp, False, value, target, deadline=end_date,
                          reason=Message("fails_in_span", period=Label(fp.label), first=Label(first_p.label),
                                         last=Label(last_p.label)))
        if first_missing is not None:
            mp, undef = first_missing
            return Result(status=Status.NO_DATA, period=mp.label, reason=joined(undef.reasons),
                          deadline=end_date, target=target_at(mp), **base)
        truth, value, target = at(upto)
        if current >= last_p:
            return Result(status=Status.MET, period=upto.label, value=plain(value), target=plain_target(target),
                          reason=Message("holds_in_span", first=Label(first_p.label), last=Label(last_p.label)),
                          deadline=end_date, **base)
        return Result(status=Status.ON_TRACK, period=upto.label, value=plain(value), target=plain_target(target),
                      reason=Message("holds_so_far", first=Label(first_p.label), upto=Label(upto.label),
                                     last=Label(last_p.label)),
                      deadline=end_date, **base)


def _few(names: list[str], n: int = 5) -> str:
    """The first ``n`` of ``names``, with "…" when there are more."""
    return ", ".join(names[:n]) + (", …" if len(names) > n else "")


# --- loading --------------------------------------------------------------------


def parse(text: str, filename: str | None = None) -> Plan:
    """Parse and check rule-file text; raise a :class:`KpiError` listing every problem."""
    ast = parse_text(text, filename)
    check_plan(ast, text.lstrip("\ufeff").split("\n"))
    return Plan(ast, filename)


def load(path: str | os.PathLike[str]) -> Plan:
    """Read, parse and check a .kpi file."""
    if not isinstance(path, (str, os.PathLike)):
        raise KpiError(f"load reads a rule file: give its path, not {path!r} (rule text goes in with kpirules.parse)")
    name = os.fspath(path)
    text = read_text(name, "rule file", KpiError)
    return parse(text, name)

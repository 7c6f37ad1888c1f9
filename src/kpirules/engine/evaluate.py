"""Evaluating a plan over reported data: statuses, results, reasons.

``Plan.evaluate(data, as_of)`` gives one :class:`Result` per rule (one per
unit for ``for each unit:`` rules) and per task.  The statuses and the rules
that produce them are those of LANGUAGE.md ("Time"); docs/language.md says
them in full.
"""

from __future__ import annotations

import collections
import datetime
import enum
import operator
import math
import os
from fractions import Fraction
from collections.abc import Iterable, Iterator, Sequence
from typing import Any

import attrs

from kpirules import nodes as n
from kpirules.engine.compile import Env, compile_condition, compile_truth
from kpirules.lang.parser import parse_text
from kpirules.lang.unparse import expr_text
from kpirules.lang.checker import check_plan, scheme_of
from kpirules.data import Data, load_data
from kpirules.errors import KpiError, KpiPeriodError
from kpirules.periods import Kind, Period, Scheme, current_period, last_ending_by, parse_date, parse_period, periods_between
from kpirules.values import Invalid, Undefined, format_value, is_number, ratio_text

__all__ = ["Status", "Result", "Results", "Plan", "parse", "load", "report_as_of", "FAILING", "RULE_STATUSES",
           "TASK_STATUSES"]


class Status(str, enum.Enum):
    """The status of a rule or a task. The values are a contract: never renamed."""

    MET = "met"
    NOT_MET = "not_met"
    ON_TRACK = "on_track"
    AT_RISK = "at_risk"
    NO_DATA = "no_data"
    ERROR = "error"
    DONE = "done"
    DONE_LATE = "done_late"
    OPEN = "open"
    OVERDUE = "overdue"
    BLOCKED = "blocked"

    def __str__(self) -> str:
        return self.value


RULE_STATUSES = (Status.MET, Status.NOT_MET, Status.ON_TRACK, Status.AT_RISK, Status.NO_DATA, Status.ERROR)
TASK_STATUSES = (Status.DONE, Status.DONE_LATE, Status.OPEN, Status.OVERDUE, Status.BLOCKED, Status.NO_DATA)
#: statuses that make `kpirules check` exit 1
FAILING = frozenset({Status.NOT_MET, Status.OVERDUE, Status.ERROR})

#: how far back `on_track`/`at_risk` look for the latest closed data
_LOOKBACK = 400
_STATUS_OF = operator.attrgetter("status")


@attrs.frozen
class Result:
    """The status of one rule (for one unit) or one task, with its numbers and reason."""

    id: str
    kind: str  # "rule" or "task"
    status: Status
    period: str | None = None
    unit: str | None = None
    value: Any = None
    target: Any = None
    reason: str | None = None
    title: str | None = None
    section: str | None = None
    op: str | None = None
    deadline: datetime.date | None = None
    lead: tuple[str, ...] = ()
    condition: str | None = None
    #: for a task with several deadlines, the deliveries already made: (period, deadline, done_on, on_time)
    deliveries: tuple[tuple[str, datetime.date, datetime.date, bool], ...] = ()
    #: the evaluation this result belongs to (set by :class:`Results`; lets :meth:`explain` find the data)
    evaluation: Any = attrs.field(default=None, eq=False, repr=False, kw_only=True)

    def explain(self) -> Any:
        """How this status came about: a :class:`kpirules.engine.trace.Explanation` (``str()`` it to read it)."""
        from kpirules.engine.trace import explain

        if self.evaluation is None:
            raise KpiError(f"result {self.id} is not from an evaluation; use Results.explain(result)")
        return explain(self.evaluation, self)

    @property
    def failing(self) -> bool:
        return self.status in FAILING

    @property
    def margin(self) -> Any:
        """value − target for numeric comparisons (None otherwise)."""
        if _num(self.value) and _num(self.target):
            return self.value - self.target
        return None

    def to_json(self) -> dict[str, Any]:
        """The JSON object of `kpirules check --format json` (contract fields first)."""
        return self._json(format_value, datetime.date.isoformat)

    def _json(self, fmt: Any, day: Any) -> dict[str, Any]:
        """to_json, writing targets and unusual values with ``fmt`` and dates with ``day``
        (Results.to_json: ones that remember the text of each target and date); an int or
        Fraction value and the margin are written here, from numerators and denominators, as
        format_value would write them."""
        value, target = self.value, self.target
        tv, tt = type(value), type(target)
        if tv is Fraction:
            nv, dv = value.as_integer_ratio()
            text = ratio_text(nv, dv)
        else:
            text = str(value) if tv is int else None if value is None else fmt(value)
        ranged = tt is tuple
        out: dict[str, Any] = {
            "id": self.id,
            "kind": self.kind,
            "status": self.status._value_,  # (the enum's value, without the descriptor)
            "period": self.period,
            "unit": self.unit,
            "value": text,
            "target": None if ranged or target is None else str(target) if tt is int else fmt(target),
            "reason": self.reason,
        }
        if ranged:
            out["target_range"] = [fmt(t) for t in target]
        out["title"] = self.title
        out["section"] = self.section
        if self.op is not None:
            out["op"] = self.op
        if tv is int and tt is int:  # the margin, value − target
            out["margin"] = str(value - target)
        elif (tv is int or tv is Fraction) and (tt is int or tt is Fraction):  # (worked out as Fraction would)
            na, da = (value, 1) if tv is int else (nv, dv)
            nb, db = (target, 1) if tt is int else target.as_integer_ratio()
            if da == db:
                num, den = na - nb, da
            else:
                num, den = na * db - nb * da, da * db
            g = math.gcd(num, den)  # lowest terms, as Fraction keeps them
            out["margin"] = ratio_text(num // g, den // g)
        if self.deadline is not None:
            out["deadline"] = day(self.deadline)
        if self.lead:
            out["lead"] = list(self.lead)
        if self.deliveries:
            out["deliveries"] = [
                {"period": p, "deadline": d.isoformat(), "done_on": on.isoformat(),
                 "status": "done" if on_time else "done_late"}
                for p, d, on, on_time in self.deliveries
            ]
        return out


def _num(v: object) -> bool:
    return is_number(v)


class Results(Sequence[Result]):
    """The results of one evaluation, in plan order."""

    def __init__(self, plan: Plan, as_of: datetime.date, current: Period | None, results: list[Result],
                 data: Data | None = None) -> None:
        self.plan = plan
        self.as_of = as_of
        self.current = current
        self.data = data  # kept for explain()
        self._results = results
        for r in results:  # bind once, at construction; the field is excluded from equality
            if r.evaluation is None:
                object.__setattr__(r, "evaluation", self)

    @property
    def warnings(self) -> list[Any]:
        """Sanity warnings on the data (:mod:`kpirules.engine.warnings`); they never change a status."""
        if "_warnings" not in self.__dict__:
            from kpirules.engine.warnings import sanity_warnings

            self._warnings = (sanity_warnings(self.plan, self.data, self.current, memo=self.__dict__.get("_memo"))
                              if self.data is not None else [])
        return self._warnings  # type: ignore[no-any-return]

    def explain(self, result: Result | str, unit: str | None = None) -> Any:
        """The :class:`kpirules.engine.trace.Explanation` of a result (or of the result with this id and unit)."""
        from kpirules.engine.trace import explain

        return explain(self, result, unit=unit)

    def __getitem__(self, i):  # type: ignore[no-untyped-def, override]
        return self._results[i]

    def __len__(self) -> int:
        return len(self._results)

    def __iter__(self) -> Iterator[Result]:
        return iter(self._results)

    def by_id(self, ident: str) -> list[Result]:
        return [r for r in self._results if r.id == ident]

    def counts(self) -> dict[str, int]:
        """Status → number of results, in order of first appearance."""
        by_status = collections.Counter(map(_STATUS_OF, self._results))
        return {s._value_: c for s, c in by_status.items()}  # (the enum's value, without the descriptor)

    @property
    def failing(self) -> bool:
        return any(r.failing for r in self._results)

    def to_json(self) -> dict[str, Any]:
        # The text of each Fraction object once: a rule's target is one object for all its results.
        # (By id, as hashing a Fraction costs more than writing it; the results keep them alive.)
        known: dict[int, str | None] = {}

        def fmt(v: object) -> str | None:
            if type(v) is not Fraction:
                return format_value(v)
            text = known.get(id(v), known)
            if text is known:
                text = known[id(v)] = format_value(v)
            return text  # type: ignore[return-value]

        days: dict[datetime.date, str] = {}  # a rule's deadline is one date for all its results

        def day(d: datetime.date) -> str:
            text = days.get(d)
            if text is None:
                text = days[d] = d.isoformat()
            return text

        return {
            "plan": self.plan.id,
            "as_of": self.as_of.isoformat(),
            "period": self.current.label if self.current else None,
            "counts": self.counts(),
            "results": [r._json(fmt, day) for r in self._results],
            "warnings": [w.to_json() for w in self.warnings],
        }


class _CompiledRule:
    """A rule with its compiled truth; the exact closures (`fn`) and the condition text are
    built on first use, as most rules of a large plan are judged from the truth alone."""

    __slots__ = ("rule", "section", "truth", "_scheme", "_kind", "_fn", "_condition")

    def __init__(self, rule: n.Rule, section: str | None, truth: Any, scheme: Scheme, kind: Kind) -> None:
        self.rule = rule
        self.section = section
        #: the truth alone (`compile_truth`): for scanning periods, where only one period needs the numbers
        self.truth = truth
        self._scheme = scheme
        self._kind = kind
        self._fn: Any = None
        self._condition: str | None = None

    @property
    def fn(self) -> Any:
        """The exact value, target and truth (`compile_condition`), compiled once."""
        if self._fn is None:
            self._fn = compile_condition(self.rule.condition, self._scheme, self._kind)
        return self._fn

    @property
    def condition(self) -> str:
        if self._condition is None:
            self._condition = expr_text(self.rule.condition)
        return self._condition


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
        self._compiled: list[_CompiledRule] = []
        #: unit groups (`group ministries: BNV, BTC`, an extension)
        self.groups: dict[str, tuple[str, ...]] = {}
        for item in ast.items:
            if isinstance(item, n.Group):
                self.groups.setdefault(item.name, item.units)
                continue
            if isinstance(item, n.Section):
                section = item.id
                continue
            self.section_of[item.id] = section
            if isinstance(item, n.Rule):
                truth_fn = compile_truth(item.condition, self.scheme, self.kind)
                self._compiled.append(_CompiledRule(item, section, truth_fn, self.scheme, self.kind))

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
        out: list[str] = []
        for name in rule.units:
            for unit in self.groups.get(name, (name,)):
                if unit not in out:
                    out.append(unit)
        return out

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
        """The last day a deadline allows: a period's last day, or the date itself."""
        return self.period(w).end if isinstance(w, n.PeriodRef) else w.date

    def current_period(self, as_of: datetime.date) -> Period:
        return current_period(as_of, self.kind, self.scheme)

    def judged_period(self, w: n.When) -> Period:
        """The last reporting period that ends on or before the deadline."""
        return last_ending_by(self.when_date(w), self.kind, self.scheme)

    # --- evaluation
    def evaluate(self, data: Data | str | os.PathLike[str] | Iterable[str], as_of: datetime.date | str | None = None,
                 *, current: Period | str | None = None) -> Results:
        """One result per rule (per unit for `for each unit:`) and per task.

        ``as_of`` defaults to today; ``current`` (a Period or a label of the
        plan's kind) overrides the current period (what `kpirules report
        --period` does).
        """
        if not isinstance(data, Data):
            data = load_data(data)  # type: ignore[arg-type]
        as_of = _as_date(as_of)
        if current is None:
            try:
                current = self.current_period(as_of)
            except KpiPeriodError:
                current = None
        else:
            current = self.as_current(current)
        first = _first_period(data, self.kind, self.scheme)
        results: list[Result] = []
        units = list(data.units)
        task_done = _done_tasks(data, as_of, self.scheme)
        for item in self.ast.items:
            if isinstance(item, n.Section):
                continue
            if isinstance(item, n.Task):
                results.append(self._judge_task(item, data, as_of, task_done))
        rule_results = {}
        for cr in self._compiled:
            if cr.rule.per_unit:
                targets = self.units_of(cr.rule) if cr.rule.units else units
                if targets:
                    rule_results[cr.rule.id] = [self._judge_rule(cr, data, current, first, u) for u in targets]
                else:  # nothing is dropped: no unit to judge is itself a result
                    rule = cr.rule
                    rule_results[rule.id] = [Result(
                        id=rule.id, kind="rule", status=Status.NO_DATA,
                        period=current.label if current else None,
                        reason="no unit appears in the data, so this `for each unit:` rule has no unit to judge",
                        title=rule.title, section=cr.section, lead=rule.lead, condition=cr.condition,
                        op=_op_of(rule.condition))]
            else:
                rule_results[cr.rule.id] = [self._judge_rule(cr, data, current, first, None)]
        # plan order
        ordered: list[Result] = []
        tasks_iter = iter(results)
        for item in self.ast.items:
            if isinstance(item, n.Rule):
                ordered.extend(rule_results[item.id] if item.id in rule_results else [])
            elif isinstance(item, n.Task):
                ordered.append(next(tasks_iter))
        return Results(self, as_of, current, ordered, data=data)

    def evaluate_periods(self, data: Data | str | os.PathLike[str] | Iterable[str],
                         periods: Iterable[Period | str] | None = None,
                         as_of: datetime.date | str | None = None) -> list[Results]:
        """The check of each period in turn, on data read once: one :class:`Results` per period.

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
            data = load_data(data)  # type: ignore[arg-type]
        limit = _as_date(as_of)
        if periods is None:
            first = _first_period(data, self.kind, self.scheme)
            try:
                last = self.current_period(limit)
            except KpiPeriodError:
                return []
            chosen = list(periods_between(first, last)) if first is not None and first <= last else []
        else:
            if isinstance(periods, (str, Period)):  # one period, not the characters of a label
                periods = [periods]
            chosen = list(dict.fromkeys(self.as_current(p) for p in periods))  # each period once, in order
        for p in chosen:  # every window checked before any work
            if p.end >= limit:
                raise KpiError(f"{p.label}'s window ends on {p.end.isoformat()}, not before the as-of date "
                               f"{limit.isoformat()}: a period is checked once its window has closed")
        out = []
        memo: dict[str, Any] = {}  # the sanity warnings that are the same for every period: worked out once
        for p in chosen:
            results = self.evaluate(data, min(report_as_of(p), limit), current=p)
            results._memo = memo
            out.append(results)
        return out

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

    def _judge_rule(self, cr: _CompiledRule, data: Data, current: Period | None, first: Period | None,
                    unit: str | None) -> Result:
        rule = cr.rule
        base = dict(id=rule.id, kind="rule", unit=unit, title=rule.title, section=cr.section,
                    lead=rule.lead, condition=cr.condition, op=_op_of(rule.condition))

        def at(period: Period) -> tuple[object, object, object]:
            return cr.fn(Env(data, period, unit, None, self.kind))  # type: ignore[no-any-return]

        def truth_at(period: Period) -> object:
            return cr.truth(Env(data, period, unit, None, self.kind))

        def judged(period: Period, truth: object, value: object, target: object, **extra: Any) -> Result:
            status, reason = _judge(truth)
            return Result(status=status, period=period.label, value=_plain(value), target=_plain_t(target),
                          reason=extra.pop("reason", None) or reason, **base, **extra)

        def trend(deadline: datetime.date | None, before: str) -> Result:
            """on_track / at_risk on the latest closed period with the rule's data."""
            last_reason = None
            if current is not None and first is not None:
                p = current
                for _ in range(_LOOKBACK):
                    if p < first:
                        break
                    truth = truth_at(p)
                    if isinstance(truth, (bool, Invalid)):
                        truth, value, target = at(p)  # the numbers, for this period only
                    if isinstance(truth, Invalid):
                        return judged(p, truth, value, target, deadline=deadline)
                    if isinstance(truth, bool):
                        status = Status.ON_TRACK if truth else Status.AT_RISK
                        return Result(status=status, period=p.label, value=_plain(value), target=_plain_t(target),
                                      reason=f"{before}; latest data {p.label}", deadline=deadline, **base)
                    if last_reason is None:
                        last_reason = "; ".join(truth.reasons)  # type: ignore[union-attr]
                    p = self._step(p, -1)
            reason = f"{before}; no closed period has the data yet"
            if last_reason:
                reason += f" ({last_reason})"
            return Result(status=Status.NO_DATA, period=current.label if current else None, reason=reason,
                          deadline=deadline, **base)

        time = rule.time
        if current is None:
            return Result(status=Status.NO_DATA, reason="no reporting period has closed by the as-of date", **base)
        if time is None:
            truth, value, target = at(current)
            return judged(current, truth, value, target)
        if isinstance(time, n.By):
            deadline = self.when_date(time.when)
            j = self._ending_by(deadline)
            if j <= current:
                truth, value, target = at(j)
                return judged(j, truth, value, target, deadline=deadline)
            return trend(deadline, f"deadline {deadline.isoformat()} ({j.label}) not reached")
        # from … to …
        start_date = self.period(time.start).start if isinstance(time.start, n.PeriodRef) else time.start.date
        end_date = self.when_date(time.end)
        first_p = self._ending_by(start_date).next()
        last_p = self._ending_by(end_date)
        if current < first_p:
            return trend(end_date, f"the span {first_p.label}…{last_p.label} has not started")
        upto = min(current, last_p)
        first_missing: tuple[Period, Undefined] | None = None
        first_failed = None
        p = first_p
        while p <= upto:
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
                          reason=f"fails in {fp.label}, within {first_p.label}…{last_p.label}")
        if first_missing is not None:
            mp, undef = first_missing
            return Result(status=Status.NO_DATA, period=mp.label, reason="; ".join(undef.reasons),
                          deadline=end_date, **base)
        truth, value, target = at(upto)
        if current >= last_p:
            return Result(status=Status.MET, period=upto.label, value=_plain(value), target=_plain_t(target),
                          reason=f"holds in every period {first_p.label}…{last_p.label}", deadline=end_date, **base)
        return Result(status=Status.ON_TRACK, period=upto.label, value=_plain(value), target=_plain_t(target),
                      reason=f"holds in every period {first_p.label}…{upto.label} so far (span ends {last_p.label})",
                      deadline=end_date, **base)

    def _judge_task(self, task: n.Task, data: Data, as_of: datetime.date, done: dict[str, datetime.date]) -> Result:
        rows = [r for r in data.tasks_for(task.id)]
        dated = [(r.date_in(self.scheme), r) for r in rows]
        visible = sorted(((d, r) for d, r in dated if d is not None and d <= as_of), key=lambda x: x[0])
        done_dates = [d for d, r in visible if r.is_done]
        base = dict(id=task.id, kind="task", title=task.title, section=self.section_of.get(task.id), lead=task.lead)
        waiting = [dep for dep in task.after if dep not in done]
        deadlines = sorted(((self.when_date(w), w) for w in task.due), key=lambda x: x[0])
        if not deadlines:
            if done_dates:
                return Result(status=Status.DONE, reason=f"done on {done_dates[0].isoformat()}", **base)
            if waiting:
                return Result(status=Status.BLOCKED, reason=_waiting(waiting), **base)
            return Result(status=Status.OPEN, reason="no deadline set", **base)
        previous = datetime.date.min
        made: list[tuple[str, datetime.date, datetime.date, bool]] = []  # deliveries so far
        used = 0  # done rows consumed by earlier deadlines
        for deadline, when in deadlines:
            label = _when_label(self, when)
            window = [i for i in range(used, len(done_dates)) if previous < done_dates[i] <= deadline]
            if window:
                used = window[-1] + 1
                made.append((label, deadline, done_dates[window[0]], True))
                previous = deadline
                continue
            later = [i for i in range(used, len(done_dates)) if done_dates[i] > deadline]
            if as_of > deadline and later:
                used = later[0] + 1
                made.append((label, deadline, done_dates[later[0]], False))
                previous = max(deadline, done_dates[later[0]])
                continue
            extra = dict(period=label, deadline=deadline, deliveries=tuple(made))
            history = "".join(f"; {_delivery_text(d)}" for d in made)
            if as_of <= deadline:
                if waiting:
                    return Result(status=Status.BLOCKED, reason=_waiting(waiting) + history, **base, **extra)
                return Result(status=Status.OPEN, reason=f"due {deadline.isoformat()}{history}", **base, **extra)
            reported = [r for d, r in visible if d > previous]
            if waiting:
                return Result(status=Status.BLOCKED, reason=_waiting(waiting) + f"; due {deadline.isoformat()}"
                              + history, **base, **extra)
            if reported:
                last = reported[-1]
                return Result(status=Status.OVERDUE,
                              reason=f"due {deadline.isoformat()}, not done; last reported "
                                     f"{last.status} on {last.date_in(self.scheme).isoformat()}"  # type: ignore[union-attr]
                                     + (f" ({last.note})" if last.note else "") + history,
                              **base, **extra)
            return Result(status=Status.NO_DATA, reason=f"due {deadline.isoformat()}; nothing reported" + history,
                          **base, **extra)
        final_deadline, final_when = deadlines[-1]
        extra = dict(period=_when_label(self, final_when), deadline=final_deadline, deliveries=tuple(made))
        late = [d for d in made if not d[3]]
        if late:
            label, d, on, _ = late[0]
            shown = "" if label == d.isoformat() else f" ({label})"
            reason = f"due {d.isoformat()}{shown}, done on {on.isoformat()}, {(on - d).days} days late"
            others = [x for x in made if x is not late[0]]
            return Result(status=Status.DONE_LATE, reason=reason + "".join(f"; {_delivery_text(x)}" for x in others),
                          **base, **extra)
        reason = f"done on {made[-1][2].isoformat()}"
        if len(made) > 1:
            reason += "".join(f"; {_delivery_text(x)}" for x in made[:-1])
        return Result(status=Status.DONE, reason=reason, **base, **extra)


def _delivery_text(delivery: tuple[str, datetime.date, datetime.date, bool]) -> str:
    label, _, on, on_time = delivery
    return f"the {label} delivery was done {'on' if on_time else 'late, on'} {on.isoformat()}"


def _when_label(plan: Plan, w: n.When) -> str:
    return plan.period(w).label if isinstance(w, n.PeriodRef) else w.date.isoformat()


def _waiting(deps: list[str]) -> str:
    return "waiting for task " + ", ".join(deps) + " (not done yet)"


def _done_tasks(data: Data, as_of: datetime.date, scheme: Scheme) -> dict[str, datetime.date]:
    """The first visible `done` date of every task, dated as `_judge_task` dates rows."""
    out: dict[str, datetime.date] = {}
    for r in data.task_rows:
        if not r.is_done:
            continue
        d = r.date_in(scheme)
        if d is not None and d <= as_of and (r.task not in out or d < out[r.task]):
            out[r.task] = d
    return out


def report_as_of(period: Period) -> datetime.date:
    """The day a period is judged on by default: its report's due date, or the day after its window when it has none."""
    return period.due or period.end + datetime.timedelta(days=1)


def _first_period(data: Data, kind: Kind, scheme: Scheme) -> Period | None:
    firsts = [p.with_scheme(scheme) for p in data.periods.values() if p.kind is kind]
    return min(firsts) if firsts else None


def _judge(truth: object) -> tuple[Status, str | None]:
    if truth is True:
        return Status.MET, None
    if truth is False:
        return Status.NOT_MET, None
    if isinstance(truth, Undefined):
        return Status.NO_DATA, "; ".join(truth.reasons) or "the condition is unknown"
    if isinstance(truth, Invalid):
        return Status.ERROR, truth.message
    return Status.ERROR, f"the condition gives {truth!r}"  # pragma: no cover


def _plain(v: object) -> object:
    return None if isinstance(v, (Undefined, Invalid)) else v


def _plain_t(v: object) -> object:
    if isinstance(v, tuple):
        return tuple(_plain(x) for x in v)
    return _plain(v)


def _op_of(e: n.Expr) -> str | None:
    if isinstance(e, n.Compare):
        return e.op
    if isinstance(e, n.Between):
        return "between"
    if isinstance(e, (n.Metric, n.At)):
        return "is"
    return None


def _as_date(d: datetime.date | str | None) -> datetime.date:
    if d is None:
        return datetime.date.today()
    if isinstance(d, datetime.datetime):
        return d.date()
    if isinstance(d, datetime.date):
        return d
    try:
        return parse_date(str(d))
    except KpiPeriodError as exc:
        raise KpiError(f"as-of date: {exc}") from None


# --- loading --------------------------------------------------------------------


def parse(text: str, filename: str | None = None) -> Plan:
    """Parse and check rule-file text; raise a :class:`KpiError` listing every problem."""
    ast = parse_text(text, filename)
    check_plan(ast, text.lstrip("\ufeff").split("\n"))
    return Plan(ast, filename)


def load(path: str | os.PathLike[str]) -> Plan:
    """Read, parse and check a .kpi file."""
    name = os.fspath(path)
    try:
        with open(name, "rb") as fh:
            raw = fh.read()
    except OSError as exc:
        raise KpiError(f"{name}: cannot read the rule file: {exc.strerror or exc}") from None
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        raise KpiError(f"{name}:{line}: the rule file is not UTF-8 (byte 0x{raw[exc.start]:02x})") from None
    return parse(text, name)

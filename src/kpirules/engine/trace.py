"""How a status came about: the trace behind one result.

:func:`explain` takes the :class:`~kpirules.engine.evaluate.Results` of an evaluation
and one of its results, and says

* which period was judged and why (the as-of date, the current period, the
  deadline or span, and the judged period);
* the value of every subexpression of the condition in that period, each
  metric with the place it was read from (file and row, or JSON path);
* the comparison at the top, and for ``no_data`` exactly what was missing.

Each value is computed by the same compiled closures that produced the
status (one closure per subexpression), so the trace cannot disagree with the
result.  For a task it lists the deadlines, the progress rows seen by the
as-of date, and the tasks it waits for.

From the API::

    results = plan.evaluate(data, "2020-12-18")
    print(results.by_id("II.1.a.1")[0].explain())   # or results.explain("II.1.a.1")
"""

from __future__ import annotations

import datetime
from fractions import Fraction
from typing import TYPE_CHECKING, Any

import attrs

from kpirules import nodes as n
from kpirules.engine.tasks import deadlines_of
from kpirules.engine.compile import Compiler, Env, at_env
from kpirules.lang.unparse import expr_text, when_text
from kpirules.data import Data
from kpirules.errors import KpiError
from kpirules.periods import Period, last_ending_by, parse_period
from kpirules.text import visible
from kpirules.values import Invalid, Undefined, brief_number, format_value, is_number

if TYPE_CHECKING:  # pragma: no cover
    from kpirules.engine.results import Result, Results
    from kpirules.engine.shapes import PlanView as Plan  # (evaluate's Plan, as read here)

__all__ = ["Step", "Explanation", "explain", "explain_id"]


@attrs.frozen
class Step:
    """One subexpression's value: ``depth`` is its nesting under the condition."""

    depth: int
    text: str
    value: Any
    where: str
    source: str | None = None
    metric: bool = False
    #: whether the value reads as a percentage: a ``ratio``/``change``/``%``, or a side of a comparison with one
    percent: bool = False

    @property
    def shown(self) -> str:
        return show(self.value, self.percent)


@attrs.frozen
class Explanation:
    """The trace of one result; ``str()`` gives the text `kpirules explain` prints."""

    result: Any
    timing: tuple[str, ...] = ()
    steps: tuple[Step, ...] = ()
    comparison: str | None = None
    missing: tuple[str, ...] = ()
    notes: tuple[str, ...] = ()

    @property
    def metrics(self) -> dict[str, Step]:
        """The metric steps by name (the first place each metric was read)."""
        out: dict[str, Step] = {}
        for s in self.steps:
            if s.metric:
                out.setdefault(s.text, s)
        return out

    def text(self) -> str:
        r = self.result
        head = f"{r.kind} {r.id}"
        if r.unit is not None:
            head += f" for unit {r.unit}"
        head += f": {r.status.value}"
        lines = [head]
        if r.title:
            lines.append(f"  title: {r.title}")
        if r.condition:
            lines.append(f"  condition: {r.condition}")
        lines += [f"  {t}" for t in self.timing]
        if self.steps:
            lines.append(f"  values in {self.steps[0].where}:")
            width = min(60, max(2 * s.depth + len(s.text) for s in self.steps))
            for s in self.steps:
                left = ("  " * s.depth + s.text).ljust(width)
                line = f"    {left}  = {s.shown}"
                if s.source:
                    line += f"   ({s.source})"
                lines.append(line)
        if self.comparison:
            lines.append(f"  comparison: {self.comparison}")
        for m in self.missing:
            lines.append(f"  missing: {m}")
        lines += [f"  {t}" for t in self.notes]
        if r.reason:
            lines.append(f"  reason: {r.reason}")
        # (names, notes and reasons come from the plan and the data: their control characters are shown as
        # escapes, so a unit name can neither drive the terminal nor a note's newline forge a line)
        return "\n".join(map(visible, lines)) + "\n"

    def __str__(self) -> str:
        return self.text()


def show(v: object, percent: bool = False) -> str:
    """A value as the trace prints it: exact numbers (with a percentage where the value is one, as the
    ``check`` table shows it), true/false, text."""
    if isinstance(v, Undefined):
        return "undefined (" + "; ".join(v.reasons) + ")" if v.reasons else "undefined"
    if isinstance(v, Invalid):
        return f"error ({v.message})"
    if isinstance(v, tuple):
        return " … ".join(show(x, percent) for x in v)
    if isinstance(v, str):
        return '"' + v + '"'
    text = brief_number(v) if is_number(v) else format_value(v)  # (thousands of digits: shortly)
    if text is None:  # pragma: no cover
        return repr(v)
    if percent and isinstance(v, Fraction) and abs(v) < 1:
        pct = format_value(100 * v)
        if pct is not None and "/" not in pct:
            text += f" ({pct}%)"
        elif pct is not None:  # not a terminating decimal: the exact fraction, and a rounded percentage
            text += f" (≈{format_value(round(Fraction(100 * v), 2))}%)"
    return text


# --- the trace ------------------------------------------------------------------


class _Tracer:
    def __init__(self, plan: Plan, data: Data) -> None:
        self.plan = plan
        self.data = data
        self.compiler = Compiler(plan.scheme, plan.kind)
        self.steps: list[Step] = []
        #: the sides of a comparison with a percentage (``x >= 20%``: x reads as one too)
        self.percent: set[int] = set()

    def value(self, e: n.Expr, env: Env) -> object:
        return self.compiler.compile(e)(env)

    def trace(self, e: n.Expr, env: Env, depth: int = 0) -> object:
        v = self.value(e, env)
        source = None
        if isinstance(e, n.Metric) and not isinstance(v, Undefined):
            source = self._source(e.name, env)
        self.steps.append(Step(depth, expr_text(e), v, env.where(), source, isinstance(e, n.Metric),
                               id(e) in self.percent or _is_percent(e)))
        match e:
            case n.At(expr=inner):
                self.trace(inner, at_env(e, env, self.plan.scheme, self.plan.kind), depth + 1)
            case n.Call(func=func, args=(arg,)) if func in n.AGGREGATES:
                for unit in self.data.units:
                    self.trace(arg, env.for_unit(unit), depth + 1)
            case n.Count(where=w) if w is not None:
                for unit in self.data.units:
                    self.trace(w, env.for_unit(unit), depth + 1)
            case _:
                for child in n.children(e):
                    if isinstance(child, n.PeriodRef):  # (`m over 2020`: the period a total runs over, no value)
                        continue
                    self.trace(child, env, depth + 1)  # type: ignore[arg-type]
        return v

    def _source(self, name: str, env: Env) -> str | None:
        for period in (env.period, env.alt):
            if period is None:
                continue
            if self.data.value(name, period.key, env.unit) is not None:
                src = self.data.source(name, period.key, env.unit)
                label = "" if period is env.period else f"read from {period.label}: "
                return label + (str(src) if src is not None else "<data>")
        return None


def _is_percent(e: object) -> bool:
    """Whether an expression's value is a ratio or a percentage: a ``ratio(…)``, a ``change(…)``, ``20%``."""
    while isinstance(e, (n.At, n.Neg)):
        e = e.expr if isinstance(e, n.At) else e.operand
    return isinstance(e, n.Percent) or (isinstance(e, n.Call) and e.func in ("ratio", "change"))


def _sides(cond: n.Expr) -> list[n.Expr]:
    """The sides a condition compares (none for another condition)."""
    if isinstance(cond, n.Compare):
        return [cond.left, cond.right]
    if isinstance(cond, n.Between):
        return [cond.value, cond.low, cond.high]
    return []


def _window(p: Period) -> str:
    return f"{p.label}, {p.start.isoformat()} … {p.end.isoformat()}"


def _rule_timing(results: Results, rule: n.Rule, result: Result) -> list[str]:
    plan = results.plan
    cur = results.current
    out = [f"as of {results.as_of.isoformat()}: "
           + (f"the current period is {_window(cur)}, the last reporting window closed before that date"
              if cur is not None else "no reporting period has closed yet")]
    time = rule.time
    if cur is None:
        return out
    if time is None:
        out.append(f"no deadline: the rule is judged on the current period, {cur.label}")
    elif isinstance(time, n.By):
        deadline = plan.when_date(time.when)
        j = plan.judged_period(time.when)
        out.append(f"deadline: by {when_text(time.when)}, that is {deadline.isoformat()}; the judged period is "
                   f"{_window(j)}, the last reporting period ending on or before it")
        if j <= cur:
            out.append(f"{j.label} has closed (the current period is {cur.label}), so the rule is judged on "
                       f"{j.label}'s data; later data does not change it")
        elif result.period is not None and result.status.value in ("on_track", "at_risk"):
            out.append(f"{j.label} has not closed yet, so the rule is {result.status.value} on the latest "
                       f"closed period with its data, {result.period}")
        else:
            out.append(f"{j.label} has not closed yet, and no closed period has the rule's data")
    else:
        start = plan.period(time.start).start if isinstance(time.start, n.PeriodRef) else time.start.date
        first = last_ending_by(start, plan.kind, plan.scheme).next()
        last = plan.judged_period(time.end)
        out.append(f"span: from {when_text(time.start)} to {when_text(time.end)}, so every reporting period "
                   f"{first.label} … {last.label} must hold")
        if cur < first:
            out.append(f"the span has not started; the status comes from the latest closed data ({result.period})")
        elif result.period is not None:
            upto = min(cur, last)
            out.append(f"periods {first.label} … {upto.label} have closed; the one shown is {result.period}")
    return out


def _period_of(label: str, plan: Plan) -> Period:
    return parse_period(label).with_scheme(plan.scheme)


def _comparison(cond: n.Expr, top: object, steps: list[Step], result: Result) -> str | None:
    if not steps:
        return None
    pct = any(map(_is_percent, _sides(cond)))
    truth = ("true" if top is True else "false" if top is False
             else "undefined" if isinstance(top, Undefined) else "an error")
    match cond:
        case n.Compare(op=op):
            left = steps[1].value
            right = next(s.value for s in steps[2:] if s.depth == 1)
            return f"{show(left, pct)} {op} {show(right, pct)} is {truth}, so {result.status.value}"
        case n.Between():
            sides = [s.value for s in steps if s.depth == 1]
            return (f"{show(sides[1], pct)} <= {show(sides[0], pct)} <= {show(sides[2], pct)} is {truth}, "
                    f"so {result.status.value}")
    return f"the condition is {truth}, so {result.status.value}"


def _missing(steps: list[Step], top: object) -> list[str]:
    out: list[str] = []
    if isinstance(top, Undefined):
        out.extend(top.reasons)
    for s in steps:
        if isinstance(s.value, Undefined) and not any(isinstance(c, Undefined) for c in _kids(steps, s)):
            for reason in s.value.reasons:
                if reason not in out:
                    out.append(reason)
    return out


def _kids(steps: list[Step], parent: Step) -> list[object]:
    i = next(k for k, s in enumerate(steps) if s is parent)
    out = []
    for s in steps[i + 1:]:
        if s.depth <= parent.depth:
            break
        if s.depth == parent.depth + 1:
            out.append(s.value)
    return out


def _explain_rule(results: Results, rule: n.Rule, result: Result) -> Explanation:
    plan, data = results.plan, results.data
    timing = _rule_timing(results, rule, result)
    if result.period is None or data is None:
        return Explanation(result, tuple(timing))
    env = Env(data, _period_of(result.period, plan), result.unit, None, plan.kind)
    tracer = _Tracer(plan, data)
    sides = _sides(rule.condition)
    if any(map(_is_percent, sides)):
        tracer.percent = {id(side) for side in sides}
    top = tracer.trace(rule.condition, env)
    steps = tracer.steps
    comparison = _comparison(rule.condition, top, steps, result)
    missing = _missing(steps, top) if result.status.value == "no_data" else []
    return Explanation(result, tuple(timing), tuple(steps), comparison, tuple(missing))


def _explain_task(results: Results, task: n.Task, result: Result) -> Explanation:
    plan, data = results.plan, results.data
    timing = [f"as of {results.as_of.isoformat()} (rows dated later are not seen)"]
    for w in task.due:
        label = plan.period(w).label if isinstance(w, n.PeriodRef) else w.date.isoformat()
        timing.append(f"deadline: due {when_text(w)} ({label}), that is {plan.when_date(w).isoformat()}")
    if task.every is not None:  # a recurring duty: one deadline per occurrence, each with its outcome
        outcome = {d.period: d for d in result.deadlines}
        for label, day in deadlines_of(plan, task):
            o = outcome.get(label)
            said = f": {o.status.value}" + (f", done on {o.done_on.isoformat()}" if o and o.done_on else "") \
                if o is not None else ""
            timing.append(f"deadline: {label}, due {day.isoformat()}{said}")
    if not task.due and task.every is None:
        timing.append("no deadline")
    notes: list[str] = []
    if data is not None:
        rows = data.tasks_for(task.id)
        for r in rows:
            d = r.date_in(plan.scheme)
            where = f" ({r.source})" if r.source is not None else ""
            if d is None:  # a progress row without a date: the unit's report as of the as-of date
                when, tail = f" (no date: read as of {results.as_of.isoformat()})", ""
            else:
                when, tail = f" on {d.isoformat()}", ("" if d <= results.as_of else " — after the as-of date, not seen")
            notes.append(f"row: {r.status}{when}{where}{tail}" + (f", note {r.note!r}" if r.note else ""))
        if not rows:
            notes.append(f"row: none — the data has no progress row for task {task.id}")
        for dep in task.after:
            if dep in plan.events:  # an event outside the plan: it has happened once the data reports it
                days = sorted(e.date for e in data.events if e.event == dep and e.date <= results.as_of)
                notes.append(f"after event {dep}: " + (f"happened on {days[0].isoformat()}" if days
                                                       else "not reported as happened by the as-of date"))
                continue
            done = [r.date_in(plan.scheme) for r in data.tasks_for(dep) if r.is_done]
            done_seen = sorted(d for d in done if d is not None and d <= results.as_of)
            notes.append(f"after task {dep}: " + (f"done on {done_seen[0].isoformat()}" if done_seen
                                                   else "not done yet"))
    return Explanation(result, tuple(timing), notes=tuple(notes))


def explain(results: Results, result: Result | str, unit: str | None = None) -> Explanation:
    """The explanation of ``result`` (a result of ``results``, or its id and ``unit``)."""
    if isinstance(result, str):
        result = _find(results, result, unit)
    elif not (hasattr(result, "id") and hasattr(result, "status")):  # (a Result: its id and status are read)
        raise KpiError(f"explain takes a result of these results or its id (text), not {type(result).__name__}")
    plan = results.plan
    item = plan.item(result.id)
    if isinstance(item, n.Rule):
        return _explain_rule(results, item, result)
    if isinstance(item, n.Task):
        return _explain_task(results, item, result)
    raise KpiError(f"the plan has no rule or task {result.id}")  # pragma: no cover


def _find(results: Results, ident: str, unit: str | None) -> Result:
    import difflib

    found = results.by_id(ident)
    if not found:
        ids = list(dict.fromkeys(r.id for r in results))
        close = difflib.get_close_matches(ident, ids, n=1)
        hint = f"; did you mean {close[0]}?" if close else ""
        raise KpiError(f"plan {results.plan.id} has no rule or task {ident}{hint}")
    if unit is not None:
        for r in found:
            if r.unit == unit:
                return r
        units = ", ".join(str(r.unit) for r in found if r.unit is not None) or "none (not a per-unit rule)"
        raise KpiError(f"{ident} has no result for unit {unit}; its units: {units}")
    if len(found) > 1:
        units = ", ".join(str(r.unit) for r in found)
        raise KpiError(f"{ident} is judged per unit; choose one with --unit ({units})")
    return found[0]


def explain_id(plan: Plan, data: Data, ident: str, as_of: datetime.date | str | None = None,
               unit: str | None = None) -> Explanation:
    """Evaluate ``plan`` on ``data`` and explain the result with id ``ident`` (and ``unit``)."""
    return explain(plan.evaluate(data, as_of), ident, unit)

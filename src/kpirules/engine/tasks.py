"""Tasks: the status of a task from its rows, its deadlines and the tasks it waits for."""

from __future__ import annotations

import datetime
from typing import TYPE_CHECKING, Any

from kpirules import nodes as n
from kpirules.data import Data
from kpirules.data.model import TaskRow
from kpirules.engine.results import Deadline, Result, Status
from kpirules.errors import Diagnostic, KpiDataError
from kpirules.messages import Label, Message, Progress
from kpirules.periods import Kind, Period, Scheme, periods_between

if TYPE_CHECKING:
    from kpirules.engine.shapes import PlanView as Plan  # (evaluate's Plan, as read here)

__all__ = ["judge_task", "done_tasks", "deadlines_of", "occurrences", "check_occurrences"]


def deadlines_of(plan: Plan, task: n.Task) -> list[tuple[str, datetime.date]]:
    """(label, date) of every deadline of a task, in order.

    A deadline written as a period means the period's last calendar day (``due 2020`` is
    2020-12-31); a recurring duty (``due every quarter from A to B``) has one deadline per
    period of that kind in A … B, each on the period's report due date in the plan's scheme
    (its last calendar day when the scheme sets no due day).
    """
    if task.every is not None:
        return [(p.label, p.due or p.last_day) for p in occurrences(plan, task.every)]
    return sorted(((_when_label(plan, w), plan.when_date(w)) for w in task.due), key=lambda x: x[1])


def occurrences(plan: Plan, every: n.Every) -> list[Period]:
    """The periods of ``every.kind`` from the one holding the start's first month to the one holding the end's
    last month (by their labels), in the plan's scheme."""
    kind = every.kind
    first = _holding(every.start, kind, plan, last=False)
    last = _holding(every.end, kind, plan, last=True)
    return list(periods_between(first, last)) if first <= last else []


def _holding(w: n.When, kind: Kind, plan: Plan, last: bool) -> Period:
    if isinstance(w, n.PeriodRef):
        p = w.period
        month = (p.index - 1) * p.kind.months + 1 + (p.kind.months - 1 if last else 0)
        year = p.year
    else:
        year, month = w.date.year, w.date.month
    return Period(kind, year, (month - 1) // kind.months + 1, plan.scheme)


def judge_task(plan: Plan, task: n.Task, data: Data, as_of: datetime.date, done: dict[str, datetime.date]) -> Result:
    """The status of one task as of a date: done, done_late, open, overdue, blocked or no_data.

    Deliveries (`done` rows) settle deadlines in order: each one, oldest first, settles the
    earliest deadline not yet settled, on time if dated on or before it; a recurring duty's rows
    name the occurrence they deliver with `period`.  The task's status is that of its earliest
    unsettled deadline, and `done` (all on time) or `done_late` once every deadline is settled.
    """
    seen: list[tuple[datetime.date, TaskRow]] = []
    for r in data.tasks_for(task.id):
        d = r.date_in(plan.scheme)
        if d is None:  # a progress row without a date: the unit's report as of the as-of date
            d = as_of
        if d <= as_of:
            seen.append((d, r))
    # by date, then status and note: rows of the same day count the same whatever their order in the data
    seen.sort(key=lambda x: (x[0], x[1].status, x[1].note or ""))
    done_dates = [d for d, r in seen if r.is_done]
    base: dict[str, Any] = dict(id=task.id, kind="task", title=task.title, section=plan.section_of.get(task.id),
                                lead=task.lead)
    waiting = [dep for dep in task.after if dep not in done]
    deadlines = deadlines_of(plan, task)
    if not deadlines:
        if done_dates:
            return Result(status=Status.DONE, reason=Message("done_on", done_on=done_dates[0], history=()), **base)
        if waiting:
            return Result(status=Status.BLOCKED, reason=_waiting(plan, waiting, None, ()), **base)
        return Result(status=Status.OPEN, reason=Message("no_deadline"), **base)
    settled: list[datetime.date | None] = [None] * len(deadlines)  # the delivery that settled each deadline
    labels = [label for label, _ in deadlines]
    recurring = task.every is not None
    loose: list[datetime.date] = []
    for d, r in seen:
        if not r.is_done:
            continue
        at = _named(r, labels, plan) if recurring else None
        if at is not None and settled[at] is None:
            settled[at] = d
        elif at is None:
            loose.append(d)
    for d in loose:  # oldest first, each the earliest deadline not yet settled
        free = next((i for i, s in enumerate(settled) if s is None), None)
        if free is None:
            break
        settled[free] = d
    outcomes: list[Deadline] = []
    previous = datetime.date.min  # the last settled deadline before the one looked at
    reported: list[list[tuple[datetime.date, TaskRow]]] = []
    for i, (label, deadline) in enumerate(deadlines):
        on = settled[i]
        if on is not None:
            outcomes.append(Deadline(label, deadline, Status.DONE if on <= deadline else Status.DONE_LATE, on))
            reported.append([])
            previous = max(previous, deadline)
            continue
        rows = [(d, r) for d, r in seen if not r.is_done and (
            _named(r, labels, plan) == i if recurring and r.period is not None else d > previous)]
        reported.append(rows)
        if waiting:
            status = Status.BLOCKED
        elif as_of <= deadline:
            status = Status.OPEN
        else:
            status = Status.OVERDUE if rows else Status.NO_DATA
        outcomes.append(Deadline(label, deadline, status))
    made = tuple((o.period, o.deadline, o.done_on, o.status is Status.DONE) for o in outcomes
                 if o.done_on is not None)
    history: tuple[Message, ...] = tuple(map(_delivery, made))
    if len(made) > 3:  # a recurring duty: the count, not every delivery
        history = (Message("deliveries_so_far", on_time=sum(1 for d in made if d[3]), made=len(made)),)
    first = next((i for i, o in enumerate(outcomes) if o.done_on is None), None)
    if first is not None:
        o = outcomes[first]
        extra: dict[str, Any] = dict(period=o.period, deadline=o.deadline, deliveries=made,
                                     deadlines=tuple(outcomes))
        phase = Label(o.period) if recurring else None
        if o.status is Status.BLOCKED:
            return Result(status=Status.BLOCKED,
                          reason=_waiting(plan, waiting, o.deadline if as_of > o.deadline else None, history),
                          **base, **extra)
        if o.status is Status.OPEN:
            return Result(status=Status.OPEN, reason=Message("due", deadline=o.deadline, label=phase, history=history),
                          **base, **extra)
        if o.status is Status.OVERDUE:
            on, last = reported[first][-1]
            return Result(status=Status.OVERDUE,
                          reason=Message("overdue", deadline=o.deadline, label=phase, progress=Progress(last.status),
                                         reported_on=on, note=last.note or None, history=history),
                          **base, **extra)
        return Result(status=Status.NO_DATA,
                      reason=Message("nothing_reported", deadline=o.deadline, label=phase, history=history),
                      **base, **extra)
    final = outcomes[-1]
    extra = dict(period=final.period, deadline=final.deadline, deliveries=made, deadlines=tuple(outcomes))
    late = [d for d in made if not d[3]]
    if late:
        label_, d, on, _ = late[0]
        others = [x for x in made if x is not late[0]]
        rest: tuple[Message, ...] = (
            (Message("deliveries_late", late=len(late), made=len(made)),) if len(others) > 3
            else tuple(map(_delivery, others)))
        reason = Message("done_late", deadline=d, label=None if label_ == d.isoformat() else Label(label_),
                         done_on=on, days=(on - d).days, history=rest)
        return Result(status=Status.DONE_LATE, reason=reason, **base, **extra)
    rest = ((Message("deliveries_on_time", made=len(made)),) if len(made) > 3
            else tuple(map(_delivery, made[:-1])))
    return Result(status=Status.DONE, reason=Message("done_on", done_on=made[-1][2], history=rest), **base, **extra)


def check_occurrences(plan: Plan, data: Data) -> None:
    """A row of a recurring duty that names a period which is not one of its occurrences is a
    :class:`KpiDataError` naming the row: moved silently to another occurrence, a mistyped quarter
    would mark the wrong one delivered."""
    problems = []
    for task in plan.tasks:
        if task.every is None:
            continue
        labels = [label for label, _ in deadlines_of(plan, task)]
        span = f"{labels[0]} … {labels[-1]}" if labels else "none"
        for row in data.tasks_for(task.id):
            if row.period is not None and _named(row, labels, plan) is None:
                at = f"{row.source}: " if row.source is not None else ""
                problems.append(Diagnostic(
                    f"{at}this row of task {task.id} names the period {row.period.with_scheme(plan.scheme).label}, "
                    f"which is not one of the task's occurrences (every {task.every.kind.value}, {span}): "
                    f"which one does it deliver?"))
    if problems:
        raise KpiDataError.from_diagnostics(problems)


def _named(row: TaskRow, labels: list[str], plan: Plan) -> int | None:
    """The occurrence a row of a recurring duty names with its period, or None."""
    if row.period is None:
        return None
    label = row.period.with_scheme(plan.scheme).label
    try:
        return labels.index(label)
    except ValueError:
        return None


def _delivery(delivery: tuple[str, datetime.date, datetime.date, bool]) -> Message:
    label, _, on, on_time = delivery
    return Message("delivery_done" if on_time else "delivery_late", phase=Label(label), done_on=on)


def _when_label(plan: Plan, w: n.When) -> str:
    return plan.period(w).label if isinstance(w, n.PeriodRef) else w.date.isoformat()


def _waiting(plan: Plan, deps: list[str], deadline: datetime.date | None, history: tuple[Message, ...]) -> Message:
    """Why a task is blocked: the tasks it waits for, and the events outside the plan not reported yet."""
    events = [d for d in deps if d in plan.events]
    tasks = [d for d in deps if d not in plan.events]
    if not events:
        return Message("waiting_for", tasks=tuple(tasks), deadline=deadline, history=history)
    titles = tuple(plan.events[e] or e for e in events)
    return Message("waiting_for_event", tasks=tuple(tasks) or None, events=tuple(events), titles=titles,
                   deadline=deadline, history=history)


def done_tasks(data: Data, as_of: datetime.date, scheme: Scheme) -> dict[str, datetime.date]:
    """The first visible `done` date of every task, dated as `_judge_task` dates rows."""
    out: dict[str, datetime.date] = {}
    for r in data.task_rows:
        if not r.is_done:
            continue
        d = r.date_in(scheme)
        if d is not None and d <= as_of and (r.task not in out or d < out[r.task]):
            out[r.task] = d
    return out

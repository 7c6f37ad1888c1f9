"""Tasks: the status of a task from its rows, its deadlines and the tasks it waits for."""

from __future__ import annotations

import datetime
from typing import TYPE_CHECKING

from kpirules import nodes as n
from kpirules.data import Data
from kpirules.engine.results import Result, Status
from kpirules.messages import Label, Message, Progress
from kpirules.periods import Scheme

if TYPE_CHECKING:
    from kpirules.engine.shapes import PlanView as Plan  # (evaluate's Plan, as read here)

__all__ = ["judge_task", "done_tasks"]


def judge_task(plan: Plan, task: n.Task, data: Data, as_of: datetime.date, done: dict[str, datetime.date]) -> Result:
    """The status of one task as of a date: done, done_late, open, overdue, blocked or no_data."""
    rows = [r for r in data.tasks_for(task.id)]
    dated = [(r.date_in(plan.scheme), r) for r in rows]
    # by date, then status and note: rows of the same day count the same whatever their order in the data
    visible = sorted(((d, r) for d, r in dated if d is not None and d <= as_of),
                     key=lambda x: (x[0], x[1].status, x[1].note or ""))
    done_dates = [d for d, r in visible if r.is_done]
    base = dict(id=task.id, kind="task", title=task.title, section=plan.section_of.get(task.id), lead=task.lead)
    waiting = [dep for dep in task.after if dep not in done]
    deadlines = sorted(((plan.when_date(w), w) for w in task.due), key=lambda x: x[0])
    if not deadlines:
        if done_dates:
            return Result(status=Status.DONE, reason=Message("done_on", done_on=done_dates[0], history=()), **base)
        if waiting:
            return Result(status=Status.BLOCKED, reason=_waiting(waiting, None, ()), **base)
        return Result(status=Status.OPEN, reason=Message("no_deadline"), **base)
    previous = datetime.date.min
    made: list[tuple[str, datetime.date, datetime.date, bool]] = []  # deliveries so far
    used = 0  # done rows consumed by earlier deadlines
    for deadline, when in deadlines:
        label = _when_label(plan, when)
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
        history = tuple(map(_delivery, made))
        if as_of <= deadline:
            if waiting:
                return Result(status=Status.BLOCKED, reason=_waiting(waiting, None, history), **base, **extra)
            return Result(status=Status.OPEN, reason=Message("due", deadline=deadline, history=history),
                          **base, **extra)
        reported = [r for d, r in visible if d > previous]
        if waiting:
            return Result(status=Status.BLOCKED, reason=_waiting(waiting, deadline, history), **base, **extra)
        if reported:
            last = reported[-1]
            return Result(status=Status.OVERDUE,
                          reason=Message("overdue", deadline=deadline, progress=Progress(last.status),
                                         reported_on=last.date_in(plan.scheme), note=last.note or None,
                                         history=history),
                          **base, **extra)
        return Result(status=Status.NO_DATA, reason=Message("nothing_reported", deadline=deadline, history=history),
                      **base, **extra)
    final_deadline, final_when = deadlines[-1]
    extra = dict(period=_when_label(plan, final_when), deadline=final_deadline, deliveries=tuple(made))
    late = [d for d in made if not d[3]]
    if late:
        label, d, on, _ = late[0]
        others = tuple(_delivery(x) for x in made if x is not late[0])
        reason = Message("done_late", deadline=d, label=None if label == d.isoformat() else Label(label),
                         done_on=on, days=(on - d).days, history=others)
        return Result(status=Status.DONE_LATE, reason=reason, **base, **extra)
    reason = Message("done_on", done_on=made[-1][2], history=tuple(map(_delivery, made[:-1])))
    return Result(status=Status.DONE, reason=reason, **base, **extra)


def _delivery(delivery: tuple[str, datetime.date, datetime.date, bool]) -> Message:
    label, _, on, on_time = delivery
    return Message("delivery_done" if on_time else "delivery_late", phase=Label(label), done_on=on)


def _when_label(plan: Plan, w: n.When) -> str:
    return plan.period(w).label if isinstance(w, n.PeriodRef) else w.date.isoformat()


def _waiting(deps: list[str], deadline: datetime.date | None, history: tuple[Message, ...]) -> Message:
    return Message("waiting_for", tasks=tuple(deps), deadline=deadline, history=history)


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

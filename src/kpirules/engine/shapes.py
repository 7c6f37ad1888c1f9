"""What the parts below the evaluation see of a plan: a typing Protocol, so nothing imports in a circle.

:mod:`kpirules.engine.evaluate` makes the :class:`~kpirules.engine.evaluate.Plan`
and calls results, tasks, trace and warnings with it; they name
:class:`PlanView` (the part of a plan they read) instead of importing the
module that calls them.
"""

from __future__ import annotations

import datetime
from typing import Any, Protocol

from kpirules import nodes as n
from kpirules.periods import Kind, Period, Scheme

__all__ = ["PlanView"]


class PlanView(Protocol):
    """A loaded, checked plan (:class:`kpirules.engine.evaluate.Plan`), as its results and their tools read it."""

    id: str
    ast: n.Plan
    kind: Kind
    scheme: Scheme
    section_of: dict[str, str | None]

    @property
    def rules(self) -> list[n.Rule]: ...

    @property
    def tasks(self) -> list[n.Task]: ...

    def item(self, ident: str) -> n.Rule | n.Task | None: ...

    def period(self, ref: n.PeriodRef) -> Period: ...

    def when_date(self, w: n.When) -> datetime.date: ...

    def judged_period(self, w: n.When) -> Period: ...

    def evaluate(self, data: Any, as_of: datetime.date | str | None = None) -> Any: ...

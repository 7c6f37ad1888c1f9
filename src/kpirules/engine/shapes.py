"""What the parts below the evaluation see of a plan and of its results: typing Protocols, so nothing
imports in a circle.

:mod:`kpirules.engine.evaluate` makes the :class:`~kpirules.engine.evaluate.Plan`
and calls results, tasks, trace and warnings with it; they name
:class:`PlanView` (the part of a plan they read) instead of importing the
module that calls them.  Likewise :mod:`kpirules.engine.export`, which
:class:`~kpirules.engine.results.Results` calls for its records and frames,
reads results as :class:`ResultView` and :class:`ResultsView`.
"""

from __future__ import annotations

import datetime
import enum
from collections.abc import Iterator
from typing import Any, Protocol

from kpirules import nodes as n
from kpirules.periods import Kind, Period, Scheme

__all__ = ["PlanView", "ResultView", "ResultsView"]


class PlanView(Protocol):
    """A loaded, checked plan (:class:`kpirules.engine.evaluate.Plan`), as its results and their tools read it."""

    id: str
    ast: n.Plan
    kind: Kind
    scheme: Scheme
    section_of: dict[str, str | None]
    events: dict[str, str | None]

    @property
    def rules(self) -> list[n.Rule]: ...

    @property
    def tasks(self) -> list[n.Task]: ...

    def item(self, ident: str) -> n.Rule | n.Task | None: ...

    def period(self, ref: n.PeriodRef) -> Period: ...

    def when_date(self, w: n.When) -> datetime.date: ...

    def judged_period(self, w: n.When) -> Period: ...

    def evaluate(self, data: Any, as_of: datetime.date | str | None = None) -> Any: ...


class ResultView(Protocol):
    """One result (:class:`kpirules.engine.results.Result`), as its record reads it."""

    @property
    def id(self) -> str: ...
    @property
    def kind(self) -> str: ...
    @property
    def status(self) -> enum.Enum: ...
    @property
    def period(self) -> str | None: ...
    @property
    def unit(self) -> str | None: ...
    @property
    def value(self) -> Any: ...
    @property
    def target(self) -> Any: ...
    @property
    def margin(self) -> Any: ...
    @property
    def reason(self) -> str | None: ...
    @property
    def reason_code(self) -> str | None: ...
    @property
    def reason_args(self) -> dict[str, Any] | None: ...
    @property
    def title(self) -> str | None: ...
    @property
    def section(self) -> str | None: ...
    @property
    def op(self) -> str | None: ...
    @property
    def deadline(self) -> datetime.date | None: ...
    @property
    def lead(self) -> tuple[str, ...]: ...
    @property
    def condition(self) -> str | None: ...
    @property
    def deliveries(self) -> tuple[tuple[str, datetime.date, datetime.date, bool], ...]: ...


class ResultsView(Protocol):
    """The results of one evaluation (:class:`kpirules.engine.results.Results`), as a roll-up reads them."""

    as_of: datetime.date
    current: Period | None

    def __iter__(self) -> Iterator[Any]: ...

    def counts(self) -> dict[str, int]: ...

    def to_json(self) -> dict[str, Any]: ...

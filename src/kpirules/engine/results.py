"""What an evaluation gives: the statuses, one :class:`Result` per rule (per unit) and task, and :class:`Results`."""

from __future__ import annotations

import bisect
import collections
from collections import deque
import datetime
import enum
import gc
import math
import operator
from collections.abc import Callable, Iterable, Iterator, Sequence
from itertools import chain, repeat
from fractions import Fraction
from typing import TYPE_CHECKING, Any

import attrs

from kpirules.data import Data
from kpirules.errors import KpiError
from kpirules.messages import PLAIN, Message
from kpirules.periods import Period
from kpirules.values import format_value, int_text, is_number, ratio_text
from kpirules.schemas import SCHEMA_VERSION

#: warnings of one code listed in full (kpirules.engine.warnings.PER_KIND); the rest are counted in one line
PER_KIND = 20

if TYPE_CHECKING:
    from kpirules.engine.shapes import PlanView as Plan  # (evaluate's Plan, as read here)

__all__ = ["Deadline", "Status", "Result", "Results", "FAILING", "RULE_STATUSES", "TASK_STATUSES"]


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
#: statuses that make `kpirules check` exit 1 (and a task's `no_data` after its deadline: :attr:`Result.failing`)
FAILING = frozenset({Status.NOT_MET, Status.OVERDUE, Status.ERROR})

_STATUS_OF = operator.attrgetter("status")


@attrs.frozen
class Deadline:
    """The outcome of one deadline of a task (one occurrence of a recurring duty).

    ``status`` is ``done`` or ``done_late`` once a delivery settled it (``done_on`` its date),
    else what the task's status would be on it: ``open``, ``overdue``, ``no_data`` or ``blocked``.
    """

    period: str
    deadline: datetime.date
    status: Status
    done_on: datetime.date | None = None

    def to_json(self) -> dict[str, Any]:
        return {"period": self.period, "deadline": self.deadline.isoformat(), "status": self.status._value_,
                "done_on": None if self.done_on is None else self.done_on.isoformat()}


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
    #: for a task, every deadline's outcome (every occurrence of a recurring duty), in order
    deadlines: tuple[Deadline, ...] = ()
    #: for a rule with a `stretch` clause (``has_stretch``): whether the stretch holds; None unless met
    stretch: bool | None = None
    has_stretch: bool = False
    #: the declared full name of the result's unit (`unit CODE "Full name"`), or None
    unit_name: str | None = None
    #: the evaluation this result belongs to (set by :class:`Results`; lets :meth:`explain` find the data)
    evaluation: Any = attrs.field(default=None, eq=False, repr=False, kw_only=True)

    def explain(self) -> Any:
        """How this status came about: a :class:`kpirules.engine.trace.Explanation` (``str()`` it to read it)."""
        if self.evaluation is None:
            raise KpiError(f"result {self.id} is not from an evaluation; use Results.explain(result)")
        return self.evaluation.explain(self)

    @property
    def failing(self) -> bool:
        """Whether this result makes `kpirules check` exit 1: a status of :data:`FAILING`, or a task
        whose deadline has passed with nothing reported (`no_data` after it: overdue and silent)."""
        return self.status in FAILING or self.silent_past_deadline

    @property
    def silent_past_deadline(self) -> bool:
        """A task whose deadline has passed with nothing reported (its status is `no_data`)."""
        return self.kind == "task" and self.status is Status.NO_DATA and self.deadline is not None

    @property
    def reason_code(self) -> str | None:
        """The code of the reason (``no_value``, ``deadline_not_reached``, …: the keys of the message catalogs)."""
        return getattr(self.reason, "code", None)

    @property
    def reason_args(self) -> dict[str, Any] | None:
        """The arguments of the reason, as JSON values (:meth:`kpirules.messages.Message.json_args`)."""
        reason = self.reason
        return reason.json_args() if isinstance(reason, Message) else None

    def reason_text(self, lang: str = "en", style: Any = None) -> str | None:
        """The reason in ``lang`` (``en``, ``vi``), written in ``style`` (:class:`kpirules.messages.Style`)."""
        reason = self.reason
        if isinstance(reason, Message):
            return reason.render(lang, style or PLAIN)
        return reason

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
            text: str | None = ratio_text(nv, dv)
        else:
            text = int_text(value) if tv is int else None if value is None else fmt(value)
        ranged = tt is tuple
        out: dict[str, Any] = {
            "id": self.id,
            "kind": self.kind,
            "status": self.status._value_,  # (the enum's value, without the descriptor)
            "period": self.period,
            "unit": self.unit,
            "value": text,
            "target": None if ranged or target is None else int_text(target) if tt is int else fmt(target),
            "reason": None if self.reason is None else str.__str__(self.reason),
        }
        reason = self.reason
        if type(reason) is Message:
            out["reason_code"] = reason.code
            out["reason_args"] = reason.json_args()
        else:
            out["reason_code"] = out["reason_args"] = None
        if ranged:
            out["target_range"] = [fmt(t) for t in target]
        out["title"] = self.title
        out["section"] = self.section
        if self.op is not None:
            out["op"] = self.op
        if tv is int and tt is int:  # the margin, value − target
            out["margin"] = int_text(value - target)
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
        if self.deadlines:
            out["deadlines"] = [d.to_json() for d in self.deadlines]
        if self.has_stretch:
            out["stretch"] = self.stretch
        if self.unit_name is not None:
            out["unit_name"] = self.unit_name
        return out


_EVALUATION = Result.__dict__["evaluation"]  # (attrs' slot of the field)
_FIELDS = operator.attrgetter(*(f.name for f in attrs.fields(Result) if f.name != "evaluation"))
_call: Callable[..., Any] = getattr(operator, "call", None) or (lambda f, *args: f(*args))  # (3.11's, in C)
_SETTERS = tuple(Result.__dict__[f.name].__set__ for f in attrs.fields(Result) if f.name != "evaluation")


def result_of(fields: Iterable[Any]) -> Result:
    """``Result(*fields)`` (every field but the evaluation, in order, none left out; the evaluation None),
    the slots set in a loop that runs in C: attrs' ``__init__`` of 20 arguments costs several times that.
    For the evaluator's own results, whose fields are already what a Result holds (no conversion)."""
    new = object.__new__(Result)
    deque(map(_call, _SETTERS, repeat(new), fields), 0)
    _EVALUATION.__set__(new, None)
    return new


class Settled:
    """The results of a roll-up that no longer depend on the current period (a rule judged on its
    deadline's period, a span that has ended), shared by the roll-up's periods: each is judged once
    (``Plan._judge_rule``), each later period gets a copy of it bound to its own evaluation, and the
    roll-up's JSON text writes it once (``kpirules check --period all``)."""

    __slots__ = ("_results", "_made", "_sources", "_first", "json")

    def __init__(self) -> None:
        self._results: dict[Any, tuple[Any, ...]] = {}  # key → the fields of the result first judged
        # id(result) → the result, and → the one it copies (two dicts, not a pair per copy: a tuple is
        # one more object for the garbage collector to count and walk, 30,000 of them in a roll-up)
        self._made: dict[int, Result] = {}
        self._sources: dict[int, Result] = {}
        self._first: dict[Any, Result] = {}
        #: id(the result first judged) → its JSON object, for the roll-up's text (``Results._json_doc``)
        self.json: dict[int, dict[str, Any]] = {}

    def copy(self, key: Any) -> Result | None:
        """A new copy of the result kept under ``key`` (a rule and a unit), or None."""
        fields = self._results.get(key)
        if fields is None:
            return None
        new = result_of(fields)  # (the same field objects; the evaluation is the new period's, set by Results)
        self._made[id(new)] = new
        self._sources[id(new)] = self._first[key]
        return new

    def keep(self, key: Any, result: Result) -> None:
        assert type(result) is Result, "a lazy result depends on its period"
        self._results[key] = _FIELDS(result)
        self._first[key] = result
        self._made[id(result)] = self._sources[id(result)] = result

    def source(self, result: Result) -> Result | None:
        """The result first judged that ``result`` is (or copies), or None."""
        return self._sources.get(id(result)) if self._made.get(id(result)) is result else None


def _num(v: object) -> bool:
    return is_number(v)


class Results(Sequence[Result]):
    """The results of one evaluation, in plan order."""

    def __init__(self, plan: Plan, as_of: datetime.date, current: Period | None, results: list[Result],
                 data: Data | None = None, *, explainer: Callable[..., Any] | None = None,
                 sanity: Callable[..., list[Any]] | None = None, memo: dict[str, Any] | None = None,
                 settled: Settled | None = None, columns: Sequence[tuple[int, Any]] = ()) -> None:
        """``explainer`` and ``sanity`` are :func:`kpirules.engine.trace.explain` and
        :func:`kpirules.engine.warnings.sanity_warnings`, passed in by the evaluation (they sit below it);
        ``memo`` is shared by the checks of a roll-up, so the warnings that are the same for every period
        are worked out once; ``settled``, the roll-up's results that are the same in several periods.
        ``columns``: (start, column) of the per-unit rules judged on the truth alone
        (``kpirules.engine.rules.LazyColumn``): ``results`` holds None for each of their results, made
        when first read (counting statuses reads the columns)."""
        self.plan = plan
        self._settled = settled
        self._explainer = explainer
        self._sanity = sanity
        self._memo = memo
        self.as_of = as_of
        self.current = current
        self.data = data  # kept for explain()
        self._results = results
        self._columns = list(columns)
        self._starts = [start for start, _ in self._columns]
        get, put = _EVALUATION.__get__, _EVALUATION.__set__  # the slot itself (a lazy result builds the rest when read)
        for r in filter(None, results) if self._columns else results:  # bind once; excluded from equality
            if get(r, Result) is None:
                put(r, self)

    def _make(self, i: int) -> Result:
        """The i-th result (0 <= i < len), made from its column if it is not made yet."""
        r = self._results[i]
        if r is None:
            k = bisect.bisect_right(self._starts, i) - 1
            start, column = self._columns[k]
            r = self._results[i] = column.make(i - start)
            _EVALUATION.__set__(r, self)
        return r

    def _made(self) -> list[Result]:
        """Every result, made (the list itself)."""
        if self._columns:
            # (the cyclic garbage collector paused while every column's results are made, once for
            # all of them, and left as the caller had it: see LazyColumn.fill)
            paused = gc.isenabled()
            if paused:
                gc.disable()
            try:
                for start, column in self._columns:
                    column.fill(self._results, start, self)
            finally:
                if paused:
                    gc.enable()
            self._columns, self._starts = [], []
        return self._results

    @property
    def warnings(self) -> list[Any]:
        """Sanity warnings on the data (:mod:`kpirules.engine.warnings`); they never change a status.
        Of each code the first 20 are listed, then one ``more_like_this`` warning counts the rest."""
        if "_warnings" not in self.__dict__:
            self._warnings = (self._sanity(self.plan, self.data, self.current, memo=self._memo, per_kind=PER_KIND)
                              if self.data is not None and self._sanity is not None else [])
        return self._warnings

    def reporting(self) -> dict[str, Any] | None:
        """Who has not reported for the current period: with declared units and data given per unit, the
        declared units with no snapshot for it (``not_reported``; with ``submitted`` when the unit sent a
        form with only that day typed), and those whose ``submitted`` date comes after the period's due date
        (``late``), in declared order; None otherwise."""
        units: dict[str, str | None] = getattr(self.plan, "units", None) or {}
        data, current = self.data, self.current
        if (not units or data is None or current is None
                or all(u is None for _, u in data.snapshots) and all(u is None for _, u in data.submitted)):
            return None
        key, due = current.key, current.due
        sent = {u for k, u in data.snapshots if k == key}
        late = [(u, day) for u in units if u in sent for day in (data.submitted.get((key, u)),)
                if day is not None and due is not None and day > due]

        def unsent(u: str) -> dict[str, Any]:
            day = data.submitted.get((key, u))  # (a form sent with nothing typed but its day)
            return {"unit": u, "unit_name": units[u], **({"submitted": day.isoformat()} if day else {})}

        return {"period": current.label, "due": due.isoformat() if due else None,
                "not_reported": [unsent(u) for u in units if u not in sent],
                "late": [{"unit": u, "unit_name": units[u], "submitted": day.isoformat()} for u, day in late]}

    def explain(self, result: Result | str, unit: str | None = None) -> Any:
        """The :class:`kpirules.engine.trace.Explanation` of a result (or of the result with this id and unit)."""
        if self._explainer is None:
            raise KpiError("these results were made without an explainer; use kpirules.explain.explain")
        return self._explainer(self, result, unit=unit)

    def __getitem__(self, i):  # type: ignore[no-untyped-def]
        if not self._columns:
            return self._results[i]
        if isinstance(i, slice):
            return self._made()[i]
        n = len(self._results)
        j = operator.index(i)
        if not -n <= j < n:
            raise IndexError("Results index out of range")
        return self._make(j % n)

    def __len__(self) -> int:
        return len(self._results)

    def __iter__(self) -> Iterator[Result]:
        return iter(self._made())

    def by_id(self, ident: str) -> list[Result]:
        return [r for r in self._made() if r.id == ident]

    def _status_runs(self) -> Iterator[Iterable[Status]]:
        """The statuses in order, a run at a time: a column's from the column (its None: the result made)."""
        results, at = self._results, 0
        for start, column in self._columns:
            yield map(_STATUS_OF, results[at:start])
            yield (self._make(start + j).status if s is None else s for j, s in enumerate(column.statuses)) \
                if column.eager else column.statuses
            at = start + len(column.statuses)
        yield map(_STATUS_OF, results[at:] if at else results)

    def statuses(self) -> list[Status]:
        """The status of each result, in order (as ``[r.status for r in results]``, without making the
        results that were judged on the truth alone)."""
        return list(chain.from_iterable(self._status_runs()))

    def counts(self) -> dict[str, int]:
        """Status → number of results, in order of first appearance."""
        by_status: dict[Status, int] = {}
        for run in self._status_runs():
            for s, c in collections.Counter(run).items():  # (a Counter keeps the order of first appearance)
                by_status[s] = by_status.get(s, 0) + c
        return {s._value_: c for s, c in by_status.items()}  # (the enum's value, without the descriptor)

    @property
    def failing(self) -> bool:
        if not self._columns:
            return any(r.failing for r in self._results)
        # (a rule's result fails by its status alone: only a task can be silent past its deadline)
        return any(r is not None and r.failing for r in self._results) or any(
            not FAILING.isdisjoint(column.statuses) for _, column in self._columns)

    def to_json(self) -> dict[str, Any]:
        """The JSON object of `kpirules check --format json`."""
        return self._json_doc(shared=False)

    def _json_doc(self, shared: bool) -> dict[str, Any]:
        """:meth:`to_json`; ``shared``: a result of the roll-up that is the same in several periods
        (:class:`Settled`) is one JSON object in all of them (for the roll-up's text, which writes it
        once; never for a caller, who may change the objects)."""
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
            "results": (self._shared_json(fmt, day) if shared and self._settled is not None else
                        [r._json(fmt, day) for r in self._made()]),
            "warnings": [w.to_json() for w in self.warnings],
            # how each data file was read (its number format and the cell that decided it, notes)
            "sources": [] if self.data is None else [f.to_json() for f in self.data.file_sources.values()],
            # with declared units: who sent nothing for the period, who sent after its due date (or null)
            "reporting": self.reporting(),
            "schema_version": SCHEMA_VERSION,
        }

    def _shared_json(self, fmt: Callable[[object], str | None], day: Callable[[datetime.date], str]) -> list[Any]:
        settled = self._settled
        assert settled is not None
        known, source = settled.json, settled.source
        out = []
        for r in self._made():
            first = source(r)
            if first is None:
                out.append(r._json(fmt, day))
                continue
            obj = known.get(id(first))  # (the first result is kept alive by the Settled)
            if obj is None:
                obj = known[id(first)] = first._json(fmt, day)
            out.append(obj)
        return out

    # --- records and frames (kpirules.engine.export; docs/application.md)
    def to_records(self) -> list[dict[str, Any]]:
        """One plain dict per result, numbers exact (int, Fraction), dates as ``datetime.date``."""
        from kpirules.engine.export import records

        return records(self)

    def to_pandas(self, values: str = "text") -> Any:
        """A pandas DataFrame, one row a result; numbers as exact text, or (``values="object"``) as objects."""
        from kpirules.engine.export import to_pandas

        return to_pandas(self.to_records(), values=values)

    def to_polars(self) -> Any:
        """A polars DataFrame, one row a result; numbers as exact text."""
        from kpirules.engine.export import to_polars

        return to_polars(self.to_records())

    def to_arrow(self) -> Any:
        """A pyarrow Table, one row a result; numbers as exact text."""
        from kpirules.engine.export import to_arrow

        return to_arrow(self.to_records())


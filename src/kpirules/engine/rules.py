"""A rule as the evaluation holds it, compiled, and the result of a rule judged on its truth alone.

:class:`CompiledRule` keeps a rule's truth function and builds its exact closures and its text only
when first needed; :class:`LazyResult` is a :class:`~kpirules.engine.results.Result` whose numbers,
reason and texts are built from the rule and its snapshot when first read (most results of a large
plan are read only for their status).  The small functions that turn what a condition gives into a
result's fields (:func:`judge_truth`, :func:`plain`, …) are here too, as both the eager and the lazy
path use them.
"""

from __future__ import annotations

from collections import deque
from fractions import Fraction
from itertools import repeat
from typing import Any

import attrs

from kpirules import nodes as n
from kpirules.engine.compile import Env
from kpirules.engine.conditions import compile_condition, compile_numbers, compile_truth
from kpirules.engine.results import Result, Status
from kpirules.lang.unparse import expr_text
from kpirules.messages import Message
from kpirules.periods import Kind, Scheme
from kpirules.values import Invalid, Undefined

__all__ = ["CompiledRule", "LazyResult", "LazyColumn", "FilledResult", "joined", "judge_truth", "plain", "plain_target", "constant_target",
           "value_of", "op_of"]


def joined(reasons: tuple[str, ...]) -> str | None:
    """The reasons of an undefined value as one reason: the one, or ``several`` (None when there is none)."""
    if not reasons:
        return None
    if len(reasons) == 1:
        return reasons[0]
    if all(isinstance(r, Message) for r in reasons):
        return Message("several", reasons=tuple(reasons))
    return "; ".join(reasons)  # (reasons from elsewhere than the engine: text only)


def judge_truth(truth: object) -> tuple[Status, str | None]:
    if truth is True:
        return Status.MET, None
    if truth is False:
        return Status.NOT_MET, None
    if isinstance(truth, Undefined):
        return Status.NO_DATA, joined(truth.reasons) or Message("unknown")
    if isinstance(truth, Invalid):
        return Status.ERROR, truth.message
    raise AssertionError(f"a condition gave {truth!r}, not a truth value")  # pragma: no cover


def plain(v: object) -> object:
    return None if isinstance(v, (Undefined, Invalid)) else v


def plain_target(v: object) -> object:
    if isinstance(v, tuple):
        return tuple(plain(x) for x in v)
    return plain(v)


def constant_target(e: n.Expr) -> object:
    """The target of a condition when it is a constant (`>= 20%`, `between 20% and 30%`, `== true`), else None:
    what a result shows before any period has the data."""
    def const(x: n.Expr) -> object:
        if isinstance(x, (n.Number, n.Percent)):
            return x.value
        if isinstance(x, n.Bool):
            return x.value
        if isinstance(x, n.Neg):
            v = const(x.operand)
            return -v if isinstance(v, Fraction) else None
        return None

    if isinstance(e, n.Compare):
        return plain(value_of(const(e.right)))
    if isinstance(e, n.Between):
        low, high = const(e.low), const(e.high)
        return None if low is None or high is None else (value_of(low), value_of(high))
    if isinstance(e, (n.Metric, n.At)):  # a yes/no metric: its target is true
        return True
    return None


def value_of(v: object) -> object:
    """A constant as the engine gives values: whole numbers as int, others as Fraction."""
    if isinstance(v, Fraction) and v.denominator == 1:
        return int(v)
    return v


def op_of(e: n.Expr) -> str | None:
    if isinstance(e, n.Compare):
        return e.op
    if isinstance(e, n.Between):
        return "between"
    if isinstance(e, (n.Metric, n.At)):
        return "is"
    return None


class CompiledRule:
    """A rule with its compiled truth; the exact closures (`fn`) and the condition text are
    built on first use, as most rules of a large plan are judged from the truth alone."""

    __slots__ = ("rule", "section", "truth", "_scheme", "_kind", "_fn", "_condition", "stretch", "op", "_numbers")

    def __init__(self, rule: n.Rule, section: str | None, truth: Any, scheme: Scheme, kind: Kind) -> None:
        self.rule = rule
        self.section = section
        #: the truth alone (`compile_truth`): for scanning periods, where only one period needs the numbers
        self.truth = truth
        self._scheme = scheme
        self._kind = kind
        self._fn: Any = None
        self._condition: str | None = None
        #: the truth of the rule's `stretch` condition, or None
        self.stretch = None if rule.stretch is None else compile_truth(rule.stretch, scheme, kind)
        self.op = op_of(rule.condition)
        self._numbers: Any = None

    @property
    def numbers(self) -> Any:
        """The exact value and target alone (`compile_numbers`: for a period whose truth is known), compiled once."""
        if self._numbers is None:
            self._numbers = compile_numbers(self.rule.condition, self._scheme, self._kind)
        return self._numbers

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


def _lazy_field(name: str) -> property:
    slot = Result.__dict__[name]  # the slot of the attrs class
    get, put = slot.__get__, slot.__set__

    def read(self: LazyResult) -> Any:
        try:
            return get(self, Result)
        except AttributeError:  # not built yet: build every field at once, from the rule and its snapshot
            self._fill()
            return get(self, Result)

    return property(read, put)


class LazyResult(Result):
    """A rule's result judged on its truth alone (met, not met or no data, when no period is named): its
    numbers, reason and texts are built from the rule and its snapshot the first time one is read.

    It is a :class:`Result` in every way (equality, JSON, ``attrs.evolve``); only the work moves.
    The snapshot is the one the evaluation read: change the data after evaluating and the numbers
    read later are those of the changed snapshot, so read them before changing it.

    It keeps only its status and its :class:`LazyColumn` (the rule, the unit's Env and declared name,
    and the evaluation are the column's), and its place in the column when made alone: a column's
    results made all at once find their place the first time one of them builds its fields.
    """

    __slots__ = ("_col", "_i")
    _col: LazyColumn
    _i: int

    @classmethod
    def make(cls, status: Status, cr: CompiledRule, env: Env, unit_name: str | None) -> LazyResult:
        """One lazy result outside a column (a plan-level rule): a column of one."""
        return cls._alone(status, LazyColumn(cr, [status], [env], [unit_name], {}))

    @classmethod
    def _alone(cls, status: Status, column: LazyColumn) -> LazyResult:
        r = object.__new__(cls)
        _SET_STATUS(r, status)
        _SET_EVALUATION(r, None)  # (Results binds it)
        _SET_COL(r, column)
        _SET_I(r, 0)
        return r

    def __eq__(self, other: object) -> bool:  # equal to the eager Result of the same fields (attrs compares classes)
        if not isinstance(other, Result):
            return NotImplemented
        return all(getattr(self, f) == getattr(other, f) for f in _EQ_FIELDS)

    def __ne__(self, other: object) -> bool:
        eq = self.__eq__(other)
        return eq if eq is NotImplemented else not eq

    __hash__ = Result.__hash__

    def __repr__(self) -> str:  # as a Result's (attrs writes the class's own name)
        text = Result.__repr__(self)
        return "Result" + text[text.index("("):]

    def _fill(self) -> None:
        """Every field but the status and the evaluation, as the eager path builds them (all unset till now:
        a result made otherwise, by ``attrs.evolve`` or unpickling, has every field set)."""
        col = self._col
        try:
            i = _GET_I(self, LazyResult)
        except AttributeError:  # made by LazyColumn.fill, which leaves the index to be found
            i = col.index_of(self)
        for put, v in zip(_FILL, col.fields(i)):
            put(self, v)
        try:
            _GET_EVALUATION(self, Result)
        except AttributeError:  # (a result made by LazyColumn.fill: its column's)
            _SET_EVALUATION(self, col.evaluation)
        # every field is set now: read them straight from the slots from now on (the same layout)
        object.__setattr__(self, "__class__", FilledResult)


def _lazy_evaluation(self: LazyResult) -> Any:
    """The evaluation a lazy result belongs to: its own once bound, else its column's."""
    try:
        return _GET_EVALUATION(self, Result)
    except AttributeError:
        return self._col.evaluation


class LazyColumn:
    """A per-unit rule's results judged on the truth alone, as columns: the status of each unit (None
    where the result was judged otherwise: it is in ``eager``), the units' Envs and declared names.
    :class:`~kpirules.engine.results.Results` makes the :class:`LazyResult` of a unit when it is first
    read; counting statuses reads the column."""

    __slots__ = ("cr", "statuses", "envs", "names", "eager", "evaluation", "_start", "_places")

    def __init__(self, cr: CompiledRule, statuses: list[Status | None], envs: list[Env], names: list[str | None],
                 eager: dict[int, Result]) -> None:
        self.cr = cr
        self.statuses = statuses
        self.envs = envs
        self.names = names
        #: the results judged in full (an invalid truth, a rule out of time), by index
        self.eager = eager
        #: the evaluation the results made by :meth:`fill` belong to, and where the column starts in its list
        self.evaluation: Any = None
        self._start = 0
        self._places: dict[int, int] | None = None  # id(result made by fill) → its index, when first asked

    def fields(self, i: int) -> tuple[Any, ...]:
        """The fields of the i-th unit's result (``_FILLED``'s order), as the eager path builds them."""
        cr, env = self.cr, self.envs[i]
        rule = cr.rule
        truth, value, target = cr.fn(env)
        return (rule.id, "rule", env.period.label, env.unit, plain(value), plain_target(target),
                judge_truth(truth)[1], rule.title, cr.section, cr.op, None, rule.lead, cr.condition,
                (), (), None, False, self.names[i])

    def index_of(self, result: Result) -> int:
        """The index in the column of a result made by :meth:`fill` (found in the evaluation's list,
        which holds the column's results from ``_start`` on: one dict for the column, made once)."""
        places = self._places
        if places is None:
            made = self.evaluation._results[self._start:self._start + len(self.statuses)]
            places = self._places = {id(r): k for k, r in enumerate(made)}
        return places[id(result)]

    def make(self, i: int) -> Result:
        """The result of the i-th unit (a new LazyResult where the column has a status)."""
        status = self.statuses[i]
        if status is None:
            return self.eager[i]
        r = object.__new__(LazyResult)
        _SET_STATUS(r, status)
        _SET_COL(r, self)
        _SET_I(r, i)
        return r

    def fill(self, results: list[Any], start: int, evaluation: Any) -> None:
        """Put in ``results[start:]`` the result of each unit not made yet, bound to ``evaluation``
        (as :meth:`make` makes each, but a whole column at a time, in loops that run in C).

        The caller (``Results``) pauses the cyclic garbage collector around the fills of all its
        columns: the results are many small objects that refer to nothing new, and the collector
        would otherwise walk the growing heap again and again, about as long as making them."""
        self.evaluation = evaluation
        self._start = start
        n = len(self.statuses)
        # (the results made, then each of their two slots set; the index is left unset: :meth:`index_of`
        # finds it from the result's place in ``results`` when asked)
        made: list[Any] = list(map(object.__new__, repeat(LazyResult, n)))
        deque(map(_SET_STATUS, made, self.statuses), 0)  # (None where eager: replaced below)
        deque(map(_SET_COL, made, repeat(self, n)), 0)
        old = results[start:start + n]
        if old.count(None) != n:  # the eager results, and any made already, stay
            for k, r in enumerate(old):
                if r is not None:
                    made[k] = r
        results[start:start + n] = made


class FilledResult(LazyResult):
    """A :class:`LazyResult` once its fields are built (it becomes one when they are): the same object,
    whose fields are read straight from their slots, as a :class:`Result`'s are."""

    __slots__ = ()


for _f in attrs.fields(Result):
    if _f.name not in ("status", "evaluation"):
        setattr(LazyResult, _f.name, _lazy_field(_f.name))
_GET_EVALUATION = Result.__dict__["evaluation"].__get__
LazyResult.evaluation = property(_lazy_evaluation, Result.__dict__["evaluation"].__set__)
_SET_STATUS = Result.__dict__["status"].__set__
_EQ_FIELDS = tuple(f.name for f in attrs.fields(Result) if f.eq)
_FILLED = ("id", "kind", "period", "unit", "value", "target", "reason", "title", "section", "op", "deadline", "lead",
           "condition", "deliveries", "deadlines", "stretch", "has_stretch", "unit_name")
_FILL = tuple(Result.__dict__[name].__set__ for name in _FILLED)
assert set(_FILLED) | {"status", "evaluation"} == {f.name for f in attrs.fields(Result)}, "a field of Result not filled"
_SET_EVALUATION = Result.__dict__["evaluation"].__set__
for _name in (*_FILLED, "evaluation"):
    setattr(FilledResult, _name, Result.__dict__[_name])
_SET_COL = LazyResult.__dict__["_col"].__set__
_SET_I = LazyResult.__dict__["_i"].__set__

_GET_I = LazyResult.__dict__["_i"].__get__

"""Compiling expressions into Python closures.

Each rule's condition is compiled once, from the checked AST, into a chain of
closures ``f(env) -> value``; evaluating many periods and units never walks
the tree again.  Nothing here evaluates text: a name in a rule file can only
ever become a metric lookup.

Values follow :mod:`kpirules.values`: exact numbers, booleans, text,
``Undefined`` (missing data, zero denominators) and ``Invalid`` (wrong types).
"""

from __future__ import annotations

import datetime
import operator
from collections.abc import Callable
from itertools import accumulate
from fractions import Fraction
from typing import Any

from kpirules import nodes as n
from kpirules.lang.unparse import expr_text
from kpirules.data import Data
from kpirules.errors import KpiPeriodError
from kpirules.periods import Kind, Period, Scheme, last_ending_by, parse_date, periods_between
from kpirules.messages import Expr, Label, Message, Metric, Value, Word
from kpirules.values import MAX_DIGITS, Invalid, Undefined, format_value, too_many_digits

__all__ = ["Env", "Compiler", "compile_expr", "compare_values", "between_values", "describe", "constant", "Fn", "CMP",
           "FLIP"]

_NUM = (int, Fraction)
_LIMIT_INT = 10**MAX_DIGITS  # (an int with too many digits)


class Env:
    """Where an expression is evaluated: the data, the period, the unit.

    ``alt`` is the period to fall back on for ``name at 2018`` in a quarterly
    plan (2018-Q4) when the data has no snapshot labelled 2018.
    """

    __slots__ = ("data", "period", "unit", "alt", "kind", "snap", "own", "fill")

    def __init__(self, data: Data, period: Period, unit: str | None, alt: Period | None = None,
                 kind: Kind = Kind.QUARTER, own: bool = True) -> None:
        self.data = data
        self.period = period
        self.unit = unit
        self.alt = alt
        self.kind = kind
        #: the snapshot of (period, unit), looked up once for every metric of every rule
        snap: dict[str, Any] | None = data.snapshots.get((period.key, unit))
        #: ``own``: the unit is the one a rule is judged for (not one of the units an aggregate goes
        #: over); then ``fill`` holds what the unit has where it gives nothing (``Data.defaults``),
        #: and the snapshot read is the unit's values over it
        self.own = own
        self.fill: dict[str, Any] | None = (data.defaults.get(period.key) if own and unit is not None
                                            and data.defaults and unit in data.default_units else None)
        if self.fill:
            snap = {**self.fill, **snap} if snap else self.fill
        self.snap = snap

    def moved(self, period: Period, alt: Period | None = None) -> Env:
        return Env(self.data, period, self.unit, alt, self.kind, self.own)

    def for_unit(self, unit: str | None) -> Env:
        """The environment of one of the units an aggregate goes over (it sees what they report)."""
        return Env(self.data, self.period, unit, self.alt, self.kind, own=False)

    def where(self) -> str:
        return self.period.label + (f" for unit {self.unit}" if self.unit is not None else "")

    def at(self) -> dict[str, Any]:
        """The period and unit of a message: ``period``, ``unit``."""
        return {"period": Label(self.period.label), "unit": self.unit}


Fn = Callable[[Env], Any]


def _is_num(v: object) -> bool:
    t = type(v)
    return t is int or t is Fraction


def describe(v: object) -> Value:
    """A value of the data as a message shows it (``the text "x"``, ``the number 3``)."""
    if isinstance(v, bool):
        return Value("boolean", "true" if v else "false")
    if isinstance(v, str):
        return Value("text", v)
    if isinstance(v, datetime.date):
        return Value("date", v.isoformat())
    return Value("number", str(format_value(v)))


def _bad_operands(text: str, need: str, *values: object) -> object:
    """Combine operands that are not all numbers (or booleans): the first invalid one, else an
    invalid value for the first operand of the wrong type, else the undefined ones merged."""
    undef: Undefined | None = None
    wrong = None
    for v in values:
        if isinstance(v, Undefined):
            undef = v if undef is None else undef.merge(v)
        elif type(v) is Invalid:
            return v
        elif wrong is None and not _ok(v, need):
            wrong = v
    if wrong is not None:
        return Invalid(Message("wrong_type", expr=Expr(text), need=Word(need), got=describe(wrong)))
    assert undef is not None, "no operand was undefined, invalid or of the wrong type"
    return undef


def _ok(v: object, need: str) -> bool:
    if need == "number":
        return _is_num(v)
    if need == "boolean":
        return isinstance(v, bool)
    return True


def _norm(f: Fraction) -> int | Fraction:
    return f.numerator if f.denominator == 1 else f


def _metric(name: str, scheme: Scheme) -> Fn:
    def metric(env: Env) -> object:
        snap = env.snap
        if snap is not None:
            v = snap.get(name)
            if v is not None:
                return v
        alt = env.alt
        if alt is not None:
            snap2 = env.data.snapshots.get((alt.key, env.unit))
            if snap2 is not None:
                v = snap2.get(name)
                if v is not None:
                    return v
        return Undefined((_missing(name, env, snap is not None and not env.fill),))

    return metric


def _missing(name: str, env: Env, had_snapshot: bool) -> Message:
    period = Label(env.period.label)
    fallback = Label(env.alt.label) if env.alt is not None else None
    if env.unit is not None:
        if not had_snapshot and not env.data.has_snapshot(env.period.key, env.unit):
            return Message("unit_not_reported", unit=env.unit, period=period, fallback=fallback)
        return Message("no_value", metric=Metric(name), period=period, fallback=fallback, unit=env.unit)
    if env.data.reports_per_unit(name, env.period.key):
        return Message("only_per_unit", metric=Metric(name), period=period, fallback=fallback)
    return Message("no_value", metric=Metric(name), period=period, fallback=fallback, unit=None)


def _arith(op: str, fa: Fn, fb: Fn, text: str, divisor_text: str) -> Fn:
    if op == "/":
        def div(env: Env) -> object:
            a, b = fa(env), fb(env)
            if _is_num(a) and _is_num(b):
                if b == 0:
                    return Undefined((Message("division_by_zero", divisor=divisor_text, **env.at()),))
                return _bounded(_norm(Fraction(a) / b), text, env)
            return _bad_operands(text, "number", a, b)

        return div
    fn = {"+": operator.add, "-": operator.sub, "*": operator.mul}[op]

    def arith(env: Env) -> object:
        a, b = fa(env), fb(env)
        if _is_num(a) and _is_num(b):
            r = fn(a, b)
            return _bounded(_norm(r) if type(r) is Fraction else r, text, env)
        return _bad_operands(text, "number", a, b)

    return arith


def _bounded(v: object, text: str, env: Env) -> object:
    """``v``, or an invalid value when it has more digits than any value may (:data:`MAX_DIGITS`)."""
    if too_many_digits(v):
        return Invalid(Message("too_large", expr=Expr(text), limit=MAX_DIGITS, **env.at()))
    return v


CMP: dict[str, Callable[[Any, Any], Any]] = {
    ">=": operator.ge, ">": operator.gt, "<=": operator.le, "<": operator.lt, "==": operator.eq, "!=": operator.ne}
#: the comparison that holds after multiplying both sides by a negative number
FLIP = {">=": "<=", ">": "<", "<=": ">=", "<": ">", "==": "==", "!=": "!="}


def constant(e: n.Expr) -> int | Fraction | None:
    """The value of a constant number (``20%``, ``-30%``, ``5``), else None."""
    if isinstance(e, (n.Number, n.Percent)):
        v = e.value
        return _norm(v if type(v) is Fraction else Fraction(v))
    if isinstance(e, n.Neg):
        inner = constant(e.operand)
        return None if inner is None else -inner
    return None


def _ratio_value(is_change: bool, a: object, b: object, text: str, den_text: str, env: Env) -> object:
    """``ratio(a, b)`` or ``change(a, b)`` of two evaluated operands."""
    ta, tb = type(a), type(b)
    if (ta is int or ta is Fraction) and (tb is int or tb is Fraction):
        if b == 0:
            shown = Metric(den_text) if den_text.isidentifier() else den_text  # (a metric: a title in reports)
            if is_change:
                return Undefined((Message("zero_baseline", baseline=shown, **env.at()),))
            return Undefined((Message("zero_denominator", denominator=shown, **env.at()),))
        return _bounded(_norm(Fraction(a - b if is_change else a) / b), text, env)  # type: ignore[operator, arg-type]
    return _bad_operands(text, "number", a, b)


def _as_date(v: object) -> object:
    """Text written as a date (``2020-10-15``, ``15/10/2020``) read as one, for a comparison with a date."""
    if isinstance(v, str):
        try:
            return parse_date(v)
        except KpiPeriodError:
            return v
    return v


def compare_values(op: str, a: object, b: object, text: str) -> object:
    """``a op b`` with missing and ill-typed operands handled as values.

    An operand of the wrong type is an error even when the other one is missing (`a >= c`
    with `a` text and `c` missing is invalid, not undefined): errors are never hidden.
    Dates compare with dates; text written as a date compares with a date as that date.
    """
    ta, tb = type(a), type(b)
    if (ta is int or ta is Fraction) and (tb is int or tb is Fraction):
        return CMP[op](a, b)
    if ta is datetime.date or tb is datetime.date:
        a, b = _as_date(a), _as_date(b)
        ta, tb = type(a), type(b)
        if ta is datetime.date and tb is datetime.date:
            return CMP[op](a, b)
    if type(a) is Invalid:
        return a
    if type(b) is Invalid:
        return b
    if isinstance(a, Undefined) or isinstance(b, Undefined):
        if op not in ("==", "!="):
            for v in (a, b):
                if not isinstance(v, Undefined) and not (_is_num(v) or type(v) is datetime.date):
                    return Invalid(Message("wrong_type", expr=Expr(text), need=Word("number"), got=describe(v)))
        return _bad_operands(text, "any", a, b)
    if ta is datetime.date or tb is datetime.date:
        return Invalid(Message("cannot_compare", expr=Expr(text), left=describe(a), right=describe(b)))
    if op in ("==", "!="):
        same_kind = (isinstance(a, bool) and isinstance(b, bool)) or (
            isinstance(a, str) and isinstance(b, str))
        if same_kind:
            return CMP[op](a, b)
        return Invalid(Message("cannot_compare", expr=Expr(text), left=describe(a), right=describe(b)))
    return _bad_operands(text, "number", a, b)


def _logic(op: str, fa: Fn, fb: Fn, text: str) -> Fn:
    """Kleene ``and``/``or``: the absorbing value (false for `and`, true for `or`)
    decides even when the other side is unknown; an invalid side always wins."""
    absorbing = op == "or"

    def logic(env: Env) -> object:
        a, b = fa(env), fb(env)  # both sides always: an error is never hidden
        if a is not absorbing and b is not absorbing and type(a) is bool and type(b) is bool:
            return not absorbing
        if isinstance(a, Invalid):
            return a
        if isinstance(b, Invalid):
            return b
        for v in (a, b):
            if not isinstance(v, (bool, Undefined)):
                return Invalid(Message("wrong_type", expr=Expr(text), need=Word("truth"), got=describe(v)))
        if a is absorbing or b is absorbing:
            return absorbing
        return _bad_operands(text, "boolean", a, b)

    return logic


class Compiler:
    """Compiles expressions of one plan (its scheme and reporting kind)."""

    def __init__(self, scheme: Scheme, kind: Kind, shortcuts: bool = True) -> None:
        self.scheme = scheme
        self.kind = kind
        #: the int fast paths of comparisons (off behind a generated fast path, which has tried them)
        self.shortcuts = shortcuts
        #: each node compiled once (by identity, the node kept with its function): compiling a node compiles
        #: its operands, and `explain` compiles every node of a condition, so without it a chain of 190
        #: factors cost 190³ steps (6 s) to explain
        self._done: dict[int, tuple[n.Expr, Fn]] = {}

    def period(self, ref: n.PeriodRef) -> Period:
        return ref.period.with_scheme(self.scheme)

    def compile(self, e: n.Expr) -> Fn:
        done = self._done.get(id(e))
        if done is not None and done[0] is e:
            return done[1]
        fn = self._compile(e)
        self._done[id(e)] = (e, fn)
        return fn

    def _compile(self, e: n.Expr) -> Fn:  # noqa: C901 - one case per node
        match e:
            case n.Number(value=v) | n.Percent(value=v):
                const = _norm(v)
                return lambda env: const
            case n.Bool(value=v):
                return lambda env: v
            case n.Text(value=v):
                return lambda env: v
            case n.DateRef(date=d):
                return lambda env: d
            case n.Metric(name=name):
                return _metric(name, self.scheme)
            case n.Over(expr=inner, when=when):
                return self._over(self.compile(inner), when, expr_text(e))
            case n.At(expr=inner, when=when):
                return self._at(self.compile(inner), when)
            case n.Neg(operand=x):
                fx = self.compile(x)
                text = expr_text(e)

                def neg(env: Env) -> object:
                    v = fx(env)
                    return -v if _is_num(v) else _bad_operands(text, "number", v)

                return neg
            case n.Not(operand=x):
                fx = self.compile(x)
                text = expr_text(e)

                def not_(env: Env) -> object:
                    v = fx(env)
                    if isinstance(v, bool):
                        return not v
                    return _bad_operands(text, "boolean", v)

                return not_
            case n.Arith(op=op, left=a, right=b):
                return _arith(op, self.compile(a), self.compile(b), expr_text(e), expr_text(b))
            case n.Compare(op=op, left=a, right=b):
                return self._compare(e, op, a, b)
            case n.Between(value=v, low=lo, high=hi):
                fv, flo, fhi = self.compile(v), self.compile(lo), self.compile(hi)
                text = expr_text(e)
                return lambda env: between_values(fv(env), flo(env), fhi(env), text)
            case n.Logic(op=op, left=a, right=b):
                return _logic(op, self.compile(a), self.compile(b), expr_text(e))
            case n.Call(func="ratio" | "change" as func, args=(a, b)):
                return self._ratio(func, self.compile(a), self.compile(b), expr_text(e), expr_text(b))
            case n.Call(func=func, args=(a,)):
                return self._aggregate(func, self.compile(a), expr_text(a),
                                       a.name if type(a) is n.Metric else None)
            case n.Count(where=w):
                return self._count(None if w is None else self.compile(w), None if w is None else expr_text(w))
        raise TypeError(f"cannot compile {e!r}")  # pragma: no cover

    def _at(self, inner: Fn, when: object) -> Fn:
        move = at_mover(when, self.scheme, self.kind)
        return lambda env: inner(move(env))

    def _ratio(self, func: str, fa: Fn, fb: Fn, text: str, den_text: str) -> Fn:
        is_change = func == "change"

        def ratio(env: Env) -> object:
            return _ratio_value(is_change, fa(env), fb(env), text, den_text, env)

        return ratio

    def _compare(self, e: n.Compare, op: str, a: n.Expr, b: n.Expr) -> Fn:
        """``a op b``; fast paths for ``ratio(x, y) op constant`` and ``metric op constant``.

        Every fast path gives exactly what the general path gives: it only
        answers when the operands are plain ints (or numbers) and otherwise
        hands over to the general code, which builds the values and reasons.
        """
        text = expr_text(e)
        fa, fb = self.compile(a), self.compile(b)
        opf = CMP[op]

        def general(env: Env) -> object:
            x, y = fa(env), fb(env)
            tx, ty = type(x), type(y)
            if (tx is int or tx is Fraction) and (ty is int or ty is Fraction):
                return opf(x, y)
            return compare_values(op, x, y, text)

        const = constant(b)
        if const is None or not self.shortcuts:
            return general
        if isinstance(a, n.Metric):
            name = a.name

            def metric_cmp(env: Env) -> object:
                snap = env.snap
                if snap is not None:
                    x = snap.get(name)
                    tx = type(x)
                    if tx is int or tx is Fraction:
                        return opf(x, const)
                return general(env)

            return metric_cmp
        if not (isinstance(a, n.Call) and a.func in ("ratio", "change")):
            return general
        # ratio(x, y) op P/Q  ⇔  x·Q op P·y when y > 0, and with op flipped when y < 0
        num, den = (const.numerator, const.denominator) if type(const) is Fraction else (const, 1)
        flip = CMP[FLIP[op]]
        is_change = a.func == "change"
        ratio_text, den_text = expr_text(a), expr_text(a.args[1])
        fx, fy = self.compile(a.args[0]), self.compile(a.args[1])

        def ratio_cmp_general(env: Env, x: object, y: object) -> object:
            r = _ratio_value(is_change, x, y, ratio_text, den_text, env)
            tr = type(r)
            if tr is int or tr is Fraction:
                return opf(r, const)
            return compare_values(op, r, const, text)

        if isinstance(a.args[0], n.Metric) and isinstance(a.args[1], n.Metric):
            xname, yname = a.args[0].name, a.args[1].name

            def ratio_metrics_cmp(env: Env) -> object:
                snap = env.snap
                if snap is not None:
                    x = snap.get(xname)
                    y = snap.get(yname)
                    if type(x) is int and type(y) is int:
                        if is_change:
                            x -= y
                        if y > 0:
                            return opf(x * den, num * y)
                        if y < 0:
                            return flip(x * den, num * y)
                return ratio_cmp_general(env, fx(env), fy(env))

            return ratio_metrics_cmp

        def ratio_cmp(env: Env) -> object:
            x, y = fx(env), fy(env)
            if type(x) is int and type(y) is int:
                d = x - y if is_change else x
                if y > 0:
                    return opf(d * den, num * y)
                if y < 0:
                    return flip(d * den, num * y)
            return ratio_cmp_general(env, x, y)

        return ratio_cmp

    def _aggregate(self, func: str, arg: Fn, arg_text: str, metric: str | None = None) -> Fn:
        """``sum``/``mean``/``min``/``max`` of ``arg`` over the units; ``metric``: the name, when ``arg`` is
        a metric of the snapshot (read straight from each unit's snapshot, as ``arg`` would read it,
        without an Env per unit: a national roll-up has hundreds of units in every period)."""
        def values_of(env: Env) -> list[Any] | Invalid:
            values = []
            for unit in env.data.units:
                v = arg(env.for_unit(unit))
                if _is_num(v):
                    values.append(v)
                elif isinstance(v, Invalid):
                    return v
                elif not isinstance(v, Undefined):
                    return Invalid(Message("wrong_type_unit", expr=Expr(f"{func}({arg_text})"), need=Word("number"),
                                           unit=unit, got=describe(v)))
            return values

        name = metric or ""

        def metric_values(env: Env) -> list[Any] | Invalid:
            snapshots, key, alt = env.data.snapshots, env.period.key, env.alt
            values = []
            for unit in env.data.units:
                snap = snapshots.get((key, unit))
                v = None if snap is None else snap.get(name)
                if v is None and alt is not None:  # (as `_metric` falls back on the `at` period's alternative)
                    snap = snapshots.get((alt.key, unit))
                    v = None if snap is None else snap.get(name)
                if v is None:
                    continue  # (undefined for this unit: left out)
                t = type(v)
                if t is int or t is Fraction:
                    values.append(v)
                else:
                    return Invalid(Message("wrong_type_unit", expr=Expr(f"{func}({arg_text})"), need=Word("number"),
                                           unit=unit, got=describe(v)))
            return values

        read = values_of if metric is None else metric_values

        def aggregate(env: Env) -> object:
            values = read(env)
            if type(values) is Invalid:
                return values
            assert isinstance(values, list)
            if not values:
                shown_arg = Metric(arg_text) if arg_text.isidentifier() else arg_text  # (a title in reports)
                return Undefined((Message("no_unit_reports", expr=shown_arg, period=Label(env.period.label)),))
            if func == "min":
                return min(values)
            if func == "max":
                return max(values)
            total: Any = 0
            if all(type(v) is int for v in values):  # every partial sum bounded, as below, in C
                if too_many_digits(max(map(abs, accumulate(values)))):
                    return _bounded(_LIMIT_INT, f"{func}({arg_text})", env)
                total = sum(values)
            else:
                for v in values:  # (bounded at every step: a sum of many fractions grows its denominator)
                    total = _bounded(total + v, f"{func}({arg_text})", env)
                    if type(total) is Invalid:
                        return total
            if func == "sum":
                return total
            return _bounded(_norm(Fraction(total) / len(values)), f"{func}({arg_text})", env)

        return aggregate

    def _over(self, inner: Fn, when: n.PeriodRef | None, text: str) -> Fn:
        """``m over P``: the sum of ``m`` over the plan's reporting periods inside P; ``m over year``:
        from the first reporting period of the judged period's year up to the judged period."""
        kind, scheme = self.kind, self.scheme
        fixed = None if when is None else periods_inside(when.period.with_scheme(scheme), kind)

        def over(env: Env) -> object:
            if fixed is not None:
                periods = fixed
            elif env.period.kind is kind:
                periods = list(periods_between(Period(kind, env.period.year, 1, scheme), env.period))
            else:  # (read `at` a longer period: the whole of it)
                periods = periods_inside(env.period, kind)
            total: int | Fraction = 0
            undef: Undefined | None = None
            for p in periods:
                v = inner(env.moved(p))
                if _is_num(v):
                    total += v
                elif isinstance(v, Undefined):
                    undef = v if undef is None else undef.merge(v)
                elif isinstance(v, Invalid):
                    return v
                else:
                    return Invalid(Message("wrong_type", expr=Expr(text), need=Word("number"), got=describe(v)))
            if undef is not None:
                return undef
            return _norm(total) if type(total) is Fraction else total

        return over

    def _count(self, where: Fn | None, where_text: str | None) -> Fn:
        if where is None:
            def count_units(env: Env) -> object:
                keys = [env.period.key] + ([env.alt.key] if env.alt is not None else [])
                return sum(1 for u in env.data.units if any(env.data.has_snapshot(k, u) for k in keys))

            return count_units

        def count_where(env: Env) -> object:
            hits = 0
            unknown: list[str] = []
            keys = [env.period.key] + ([env.alt.key] if env.alt is not None else [])
            for unit in env.data.units:
                if not any(env.data.has_snapshot(k, unit) for k in keys):
                    continue  # counted over the units that report in the judged period, as count(units) is
                v = where(env.for_unit(unit))
                if v is True:
                    hits += 1
                elif v is False:
                    continue
                elif isinstance(v, Invalid):
                    return v
                elif isinstance(v, Undefined):
                    unknown.append(unit)
                else:
                    return Invalid(Message("wrong_type_unit", expr=Expr(f"count(units where {where_text})"),
                                           need=Word("truth"), unit=unit, got=describe(v)))
            if unknown:
                return Undefined((Message("unknown_for_units", expr=Expr(where_text), period=Label(env.period.label),
                                          units=tuple(sorted(unknown))),))
            return hits

        return count_where


def periods_inside(p: Period, kind: Kind) -> list[Period]:
    """The reporting periods of ``kind`` inside ``p`` by their labels (2020 → 2020-Q1 … 2020-Q4), in p's scheme."""
    months = _MONTHS[kind]
    first = (p.index - 1) * _MONTHS[p.kind] + 1
    last = first + _MONTHS[p.kind] - 1
    return [Period(kind, p.year, i, p.scheme) for i in range((first - 1) // months + 1, last // months + 1)]


_MONTHS = {k: k.months for k in Kind}


def at_mover(when: object, scheme: Scheme, kind: Kind) -> Callable[[Env], Env]:
    """The move made by ``expr at when``: a function from the current Env to the Env ``expr`` is read in.

    The compiler and :mod:`kpirules.engine.trace` both use it, so a trace cannot read
    ``at`` differently from the status it explains.
    """
    if isinstance(when, n.Previous) and when.year:  # extension: `at previous year`
        return lambda env: env.moved(Period(env.period.kind, env.period.year - 1, env.period.index,
                                            env.period.scheme))
    if isinstance(when, n.Previous):
        return lambda env: env.moved(env.period.previous())
    assert isinstance(when, n.PeriodRef), when  # the checker rejects other forms
    target = when.period.with_scheme(scheme)
    alt = None
    if _coarser(target.kind, kind):
        alt = last_ending_by(target.end, kind, scheme)
    return lambda env: env.moved(target, alt)


def at_env(e: n.At, env: Env, scheme: Scheme, kind: Kind) -> Env:
    """The Env the inner expression of ``e`` (an ``at`` node) is evaluated in, from the current ``env``."""
    return at_mover(e.when, scheme, kind)(env)


def between_values(v: object, lo: object, hi: object, text: str) -> object:
    if _is_num(v) and _is_num(lo) and _is_num(hi):
        return lo <= v <= hi  # type: ignore[operator]
    if any(type(x) is datetime.date for x in (v, lo, hi)):
        v, lo, hi = _as_date(v), _as_date(lo), _as_date(hi)
        if all(type(x) is datetime.date for x in (v, lo, hi)):
            return lo <= v <= hi  # type: ignore[operator]
        if not any(isinstance(x, (Invalid, Undefined)) for x in (v, lo, hi)):
            wrong = next(x for x in (v, lo, hi) if type(x) is not datetime.date)
            return Invalid(Message("cannot_compare", expr=Expr(text), left=describe(v), right=describe(wrong)))
    return _bad_operands(text, "number", v, lo, hi)


def _coarser(a: Kind, b: Kind) -> bool:
    return a.months > b.months


def compile_expr(e: n.Expr, scheme: Scheme, kind: Kind) -> Fn:
    return Compiler(scheme, kind).compile(e)

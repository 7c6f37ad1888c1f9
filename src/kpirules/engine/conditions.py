"""A rule's condition compiled: ``env -> (truth, value, target)``, and the truth alone with its generated fast path."""

from __future__ import annotations

import functools
from collections.abc import Callable
from fractions import Fraction
from typing import Any

from kpirules import nodes as n
from kpirules.engine.compile import CMP, FLIP, Compiler, Env, between_values, compare_values, constant, describe
from kpirules.lang.unparse import expr_text
from kpirules.messages import Expr, Message
from kpirules.periods import Kind, Scheme
from kpirules.values import Invalid, Later, Undefined

__all__ = ["compile_condition", "compile_numbers", "compile_truth"]


def compile_condition(e: n.Expr, scheme: Scheme, kind: Kind) -> Callable[[Env], tuple[object, object, object]]:
    """Compile a rule's condition into ``env -> (truth, value, target)``.

    ``value``/``target`` are the two sides of a top-level comparison (for
    ``between``, the target is the pair ``(low, high)``); for a bare boolean
    metric the value is the metric; otherwise both are None.
    """
    c = Compiler(scheme, kind)
    text = expr_text(e)
    match e:
        case n.Compare(op=op, left=a, right=b):
            fa, fb = c.compile(a), c.compile(b)

            def cmp(env: Env) -> tuple[object, object, object]:
                x, y = fa(env), fb(env)
                return _truth(compare_values(op, x, y, text), text), x, y

            return cmp
        case n.Between(value=v, low=lo, high=hi):
            fv, flo, fhi = c.compile(v), c.compile(lo), c.compile(hi)

            def btw(env: Env) -> tuple[object, object, object]:
                x, a, b = fv(env), flo(env), fhi(env)
                return _truth(between_values(x, a, b, text), text), x, (a, b)

            return btw
        case n.Metric() | n.At():
            f = c.compile(e)

            def flag(env: Env) -> tuple[object, object, object]:
                x = f(env)
                return _truth(x, text), x, True

            return flag
    f = c.compile(e)
    return lambda env: (_truth(f(env), text), None, None)


def compile_numbers(e: n.Expr, scheme: Scheme, kind: Kind) -> Callable[[Env], tuple[object, object]]:
    """Compile a rule's condition into ``env -> (value, target)``: what :func:`compile_condition` gives
    beside the truth, from the same closures, without comparing them (for a period whose truth is known)."""
    c = Compiler(scheme, kind)
    match e:
        case n.Compare(left=a, right=b):
            fa, fb = c.compile(a), c.compile(b)
            return lambda env: (fa(env), fb(env))
        case n.Between(value=v, low=lo, high=hi):
            fv, flo, fhi = c.compile(v), c.compile(lo), c.compile(hi)
            return lambda env: (fv(env), (flo(env), fhi(env)))
        case n.Metric() | n.At():
            f = c.compile(e)
            return lambda env: (f(env), True)
    return lambda env: (None, None)


def compile_truth(e: n.Expr, scheme: Scheme, kind: Kind) -> Callable[[Env], object]:
    """Compile a rule's condition into ``env -> truth`` only.

    The same truth as :func:`compile_condition` gives, without building the
    value and target: the cheap form for loops over periods and units, where
    only the period that makes the result needs its numbers.
    """
    fast = _fast_truth(e, _fallback(e, scheme, kind))
    return fast if fast is not None else _general_truth(e, scheme, kind, shortcuts=True)


def _general_truth(e: n.Expr, scheme: Scheme, kind: Kind, shortcuts: bool) -> Callable[[Env], object]:
    """``env -> truth`` from the general closures."""
    f = Compiler(scheme, kind, shortcuts).compile(e)
    if isinstance(e, (n.Compare, n.Between, n.Logic, n.Not)):  # these give a truth value already
        return f
    text = expr_text(e)
    return lambda env: _truth(f(env), text)


def _fallback(e: n.Expr, scheme: Scheme, kind: Kind) -> Callable[[Env], object]:
    """The general truth behind a generated fast path, compiled when the fast path first needs it.

    It runs only where the fast path could not answer, so it skips the int shortcuts of
    comparisons, which that path has already tried.
    """
    compiled: list[Callable[[Env], object]] = []

    def fallback(env: Env) -> object:
        if not compiled:
            compiled.append(_general_truth(e, scheme, kind, shortcuts=False))
        return compiled[0](env)

    return fallback


# --- generated fast paths ---------------------------------------------------------
#
# A condition made only of metrics of the judged snapshot, constants, ratio/change
# against a constant, comparisons, `between`, and/or/not, gets one generated Python
# function: it reads each metric once and, when every value is an int (a bool for a
# flag) and every denominator is positive, answers with integer cross-multiplication
# and plain boolean logic, where three-valued logic and exact fractions give the same
# answer.  Anything else (a missing value, a zero or negative denominator, a decimal,
# text, a period fallback) goes to the general closures, which build the reasons.
# The source is generated from the checked AST only: metric names are passed as
# constants, never written into the code; the only literals are our own integers.


class _NotFast(Exception):
    pass


class _Gen:
    def __init__(self) -> None:
        self.names: dict[str, str] = {}  # metric name -> local variable
        self.kinds: list[tuple[str, str]] = []  # (variable, the type it must have), in order
        self.signs: list[str] = []  # denominators that must be positive for the integer answer
        self.temps = 0

    def load(self, name: str, kind: str) -> str:
        var = self.names.setdefault(name, f"v{len(self.names)}")
        if (var, kind) not in self.kinds:
            self.kinds.append((var, kind))
        return var

    def temp(self) -> str:
        self.temps += 1
        return f"t{self.temps}"

    def expr(self, e: n.Expr) -> tuple[str, str]:  # noqa: C901 - one case per node
        """``e`` twice: with every value an int (or bool) and every denominator positive, in
        plain Python; and with missing values as None, in Kleene logic (None for unknown)."""
        match e:
            case n.Bool(value=v):
                return ("True", "True") if v else ("False", "False")
            case n.Metric(name=name):
                var = self.load(name, "bool")
                return var, var
            case n.Not(operand=x):
                plain, tri = self.expr(x)
                t = self.temp()
                return f"(not {plain})", f"(None if ({t} := {tri}) is None else not {t})"
            case n.Logic(op=op, left=a, right=b) if op in ("and", "or"):
                (pa, ta), (pb, tb) = self.expr(a), self.expr(b)
                return f"({pa} {op} {pb})", self.kleene(op, ta, tb)
            case n.Compare(op=op, left=a, right=b) if op in CMP:  # (an operator is written into the code)
                const = constant(b)
                if const is None:
                    raise _NotFast
                return self.scaled(a, op, const)
            case n.Between(value=v, low=lo, high=hi):
                clo, chi = constant(lo), constant(hi)
                if clo is None or chi is None:
                    raise _NotFast
                (p1, t1), (p2, t2) = self.scaled(v, ">=", clo), self.scaled(v, "<=", chi)
                return f"({p1} and {p2})", self.kleene("and", t1, t2)
        raise _NotFast

    def kleene(self, op: str, a: str, b: str) -> str:
        """Kleene ``and``/``or`` of two three-valued expressions (no operand can be invalid here:
        the type guards hold)."""
        absorbing, other = ("False", "True") if op == "and" else ("True", "False")
        ta, tb = self.temp(), self.temp()
        return (f"({absorbing} if ({ta} := {a}) is {absorbing} or ({tb} := {b}) is {absorbing} "
                f"else (None if {ta} is None or {tb} is None else {other}))")

    def scaled(self, a: n.Expr, op: str, const: int | Fraction) -> tuple[str, str]:
        """``a op const`` for a metric or ratio/change of metrics, in integers (plain, three-valued)."""
        p, q = (const.numerator, const.denominator) if type(const) is Fraction else (int(const), 1)
        times_q = f" * {q}" if q != 1 else ""
        if isinstance(a, n.Metric):
            x = self.load(a.name, "int")
            test = f"({x}{times_q} {op} {p})"
            return test, f"(None if {x} is None else {test})"
        if isinstance(a, n.Call) and a.func in ("ratio", "change") and all(
                isinstance(arg, n.Metric) for arg in a.args):
            x = self.load(a.args[0].name, "int")  # type: ignore[union-attr]
            y = self.load(a.args[1].name, "int")  # type: ignore[union-attr]
            if y not in self.signs:
                self.signs.append(y)
            num = f"({x} - {y})" if a.func == "change" else x
            times_p = f"{p} * " if p != 1 else ""
            test = f"({num}{times_q} {op} {times_p}{y})"
            # ratio(x, y) op P/Q  ⇔  x·Q op P·y when y > 0, and with op flipped when y < 0
            flipped = f"({num}{times_q} {FLIP[op]} {times_p}{y})"
            return test, (f"(None if {x} is None or {y} is None or {y} == 0 "
                          f"else {test} if {y} > 0 else {flipped})")
        raise _NotFast


def _fast_truth(e: n.Expr, general: Callable[[Env], object]) -> Callable[[Env], object] | None:
    gen = _Gen()
    try:
        body, tri = gen.expr(e)
    except _NotFast:
        return None
    make = _factory(body, tri, tuple(gen.kinds), tuple(gen.signs), len(gen.names))
    return make(general, Later, type, int, bool, *gen.names)


@functools.lru_cache(maxsize=4096)
def _factory(body: str, tri: str, kinds: tuple[tuple[str, str], ...], signs: tuple[str, ...],
             count: int) -> Callable[..., Callable[[Env], object]]:
    """The `make` factory of a generated truth, compiled once per shape: rules of the same shape
    (metric names are arguments, not text) share it, each with its own closure.

    ``body`` is the plain answer and ``tri`` the three-valued one (:meth:`_Gen.expr`); ``kinds``
    the (variable, type) pairs to check; ``signs`` the denominators that must be positive for
    ``body``; ``count`` the number of metrics, read into ``v0``, ``v1``, ….
    """
    keys = [f"k{i}" for i in range(count)]
    variables = [f"v{i}" for i in range(count)]
    guards = [f"type({v}) is {k}" for v, k in kinds] + [f"{y} > 0" for y in signs]
    loose = [f"({v} is None or type({v}) is {k})" for v, k in kinds]
    # a factory, so that names, `type`, `int` and `bool` are closure cells (the fastest loads)
    lines = [f"def make(general, later, type, int, bool, {', '.join(keys + [''])}):",
             "    def truth(env):",
             "        s = env.snap",
             "        if s is not None:",
             "            try:",
             *([f"                {v} = s[{k}]" for v, k in zip(variables, keys)] or ["                pass"]),
             "            except KeyError:",
             *([f"                {v} = s.get({k})" for v, k in zip(variables, keys)] or ["                pass"]),
             "            else:",
             f"                if {' and '.join(guards) or 'True'}:",
             f"                    return {body}",
             "        else:",
             *([f"            {v} = None" for v in variables] or ["            pass"]),
             "        # a missing value or a zero or negative denominator: Kleene logic on ints and",
             "        # booleans, the reasons left to the general closures, should anyone read them;",
             "        # with a period to fall back on, the general closures look missing values up there",
             f"        if env.alt is None and {' and '.join(loose) or 'True'}:",
             f"            t0 = {tri}",
             "            return later(general, env) if t0 is None else t0",
             "        return general(env)",
             "    return truth"]
    namespace: dict[str, Any] = {}
    exec(compile("\n".join(lines), "<kpirules condition>", "exec"), namespace)  # noqa: S102 - our own code
    return namespace["make"]  # type: ignore[no-any-return]


def _truth(v: object, text: str) -> object:
    if isinstance(v, (bool, Undefined, Invalid)):
        return v
    return Invalid(Message("not_a_truth", expr=Expr(text), got=describe(v)))

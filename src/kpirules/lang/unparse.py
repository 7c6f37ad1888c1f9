"""Expressions back to text, in the canonical spelling (used by reasons, fmt, explain)."""

from __future__ import annotations

from kpirules import nodes as n

__all__ = ["expr_text", "when_text", "quote", "PRECEDENCE"]

# binding strength: higher binds tighter
PRECEDENCE = {"or": 1, "and": 2, "not": 3, "compare": 4, "+": 5, "-": 5, "*": 6, "/": 6, "neg": 7, "at": 8, "atom": 9}


def _prec(e: object) -> int:
    match e:
        case n.Logic(op=op):
            return PRECEDENCE[op]
        case n.Not():
            return PRECEDENCE["not"]
        case n.Compare() | n.Between():
            return PRECEDENCE["compare"]
        case n.Arith(op=op):
            return PRECEDENCE[op]
        case n.Neg():
            return PRECEDENCE["neg"]
        case n.At() | n.Over():
            return PRECEDENCE["at"]
    return PRECEDENCE["atom"]


def _wrap(e: n.Expr, need: int) -> str:
    text = expr_text(e)
    return f"({text})" if _prec(e) < need else text


def when_text(w: object) -> str:
    match w:
        case n.PeriodRef(text=text) | n.DateRef(text=text):
            return text
        case n.Previous(year=year):
            return "previous year" if year else "previous"
        case n.Number(text=text):
            return text
        case n.Metric(name=name):
            return name
        case n.Text(value=value):
            return quote(value)
    raise TypeError(f"not a time: {w!r}")  # pragma: no cover


def quote(s: str) -> str:
    """``s`` as a string of the rule language: in double quotes, with ``\\``, ``"`` and newlines escaped."""
    return '"' + s.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n") + '"'


def expr_text(e: n.Expr) -> str:  # noqa: C901 - one case per node
    """The canonical text of an expression, with only the parentheses it needs."""
    match e:
        case n.Number(text=text) | n.Percent(text=text):
            return text
        case n.Bool(value=v):
            return "true" if v else "false"
        case n.Text(value=v):
            return quote(v)
        case n.Metric(name=name):
            return name
        case n.DateRef(text=text):
            return text
        case n.Over(expr=inner, when=when):
            return f"{_wrap(inner, PRECEDENCE['atom'])} over {'year' if when is None else when_text(when)}"
        case n.At(expr=inner, when=when):
            return f"{_wrap(inner, PRECEDENCE['atom'])} at {when_text(when)}"
        case n.Neg(operand=x):
            return f"-{_wrap(x, PRECEDENCE['neg'])}"
        case n.Not(operand=x):
            return f"not {_wrap(x, PRECEDENCE['not'])}"
        case n.Arith(op=op, left=a, right=b):
            p = PRECEDENCE[op]
            return f"{_wrap(a, p)} {op} {_wrap(b, p + 1)}"
        case n.Compare(op=op, left=a, right=b):
            p = PRECEDENCE["compare"] + 1
            return f"{_wrap(a, p)} {op} {_wrap(b, p)}"
        case n.Between(value=v, low=lo, high=hi):
            p = PRECEDENCE["compare"] + 1
            return f"{_wrap(v, p)} between {_wrap(lo, p)} and {_wrap(hi, p)}"
        case n.Logic(op=op, left=a, right=b):
            p = PRECEDENCE[op]
            return f"{_wrap(a, p)} {op} {_wrap(b, p + 1)}"
        case n.Call(func=func, args=args):
            return f"{func}({', '.join(expr_text(a) for a in args)})"
        case n.Count(where=w):
            return "count(units)" if w is None else f"count(units where {expr_text(w)})"
    raise TypeError(f"not an expression: {e!r}")  # pragma: no cover

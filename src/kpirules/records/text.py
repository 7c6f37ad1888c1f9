"""The language's text of datasets, counted metrics and filters (for explain, fmt and messages)."""

from __future__ import annotations

import datetime
import json
import re
from fractions import Fraction

from kpirules.records.model import And, Cmp, Col, CountedMetric, Dataset, Filter, In, Lit, Missing, Not, Or

__all__ = ["dataset_text", "filter_text", "literal_text", "metric_text", "name_text"]

_NAME = re.compile(r"[^\W\d][\w]*\Z")


def name_text(name: str) -> str:
    """A column or dataset name: bare when it is a plain name."""
    return name if _NAME.match(name) else json.dumps(name, ensure_ascii=False)


def number_text(v: int | Fraction) -> str:
    """An exact number as the language writes it: ``12``, ``-2.5``, ``0.2`` (``n/d`` when no decimal ends)."""
    f = Fraction(v)
    if f.denominator == 1:
        return str(f.numerator)
    d = f.denominator
    places = 0
    while d % 10 and d != 1 and places <= 64:  # the fewest decimal places that write it exactly
        places += 1
        if (f * 10**places).denominator == 1:
            break
    scaled = f * 10**places
    if scaled.denominator != 1:
        return f"{f.numerator}/{f.denominator}"
    digits = str(abs(scaled.numerator)).rjust(places + 1, "0")
    return ("-" if f < 0 else "") + digits[:-places] + "." + digits[-places:]


def literal_text(lit: Lit) -> str:
    v = lit.value
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, (int, Fraction)):
        return number_text(v)
    if isinstance(v, datetime.date):
        return v.isoformat()
    return json.dumps(v, ensure_ascii=False)


def _operand(o: Col | Lit) -> str:
    return name_text(o.name) if isinstance(o, Col) else literal_text(o)


_PREC = {Or: 1, And: 2, Not: 3}


def filter_text(f: Filter, outer: int = 0) -> str:
    """``channel == "online" and not (level in (3, 4))``."""
    if isinstance(f, Cmp):
        return f"{_operand(f.left)} {f.op} {_operand(f.right)}"
    if isinstance(f, In):
        values = ", ".join(literal_text(v) for v in f.values)
        return f"{_operand(f.operand)} {'not in' if f.negated else 'in'} ({values})"
    if isinstance(f, Missing):
        return f"{_operand(f.operand)} is {'not missing' if f.negated else 'missing'}"
    prec = _PREC[type(f)]
    if isinstance(f, Not):  # (`not (x in (…))`, `not (a and b)`: parenthesised, to be read at a glance)
        inner = filter_text(f.operand, prec)
        text = "not " + (inner if isinstance(f.operand, (Cmp, Not)) else f"({inner})")
    else:
        word = "and" if isinstance(f, And) else "or"
        text = f"{filter_text(f.left, prec)} {word} {filter_text(f.right, prec + 1)}"
    return f"({text})" if prec < outer else text


def metric_text(m: CountedMetric) -> str:
    """``count(dossiers where channel == "online")``, ``avg(dossiers.days)``."""
    target = name_text(m.dataset)
    if m.column is not None:
        target += "." + name_text(m.column)
    if m.where is not None:
        target += " where " + filter_text(m.where)
    return f"{m.agg.value}({target})"


def dataset_text(d: Dataset) -> str:
    head = f"dataset {name_text(d.name)}"
    if d.title is not None:
        head += " " + json.dumps(d.title, ensure_ascii=False)
    lines = [head + ":", f"  dated by {name_text(d.dated_by)}"]
    if d.unit_by:
        lines.append(f"  unit by {name_text(d.unit_by)}")
    return "\n".join(lines)

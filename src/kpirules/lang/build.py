"""The tree builder: lark's parse tree → :mod:`kpirules.nodes`, collecting problems as diagnostics."""

from __future__ import annotations

import datetime
import difflib
import re
from fractions import Fraction
from typing import Any

from lark import Token, Transformer_NonRecursive, Tree, v_args

from kpirules import nodes as n
from kpirules.errors import Diagnostic, Span
from kpirules.periods import KpiPeriodError, parse_kind, parse_period
from kpirules.text import MAX_DIGITS  # (as many digits as in the data)
from kpirules.lang.checker import _stray_attribute, _stray_reporting_option
from kpirules.lang.records import RECORD_ITEMS, RecordsBuilder

__all__ = ["Builder", "unquote"]

_ESCAPE = re.compile(r'\\(["\\\\n])')
_ESCAPES = {'"': '"', "\\": "\\", "n": "\n"}


def unquote(tok: Token | str) -> str:
    s = str(tok)
    if len(s) >= 2 and s[0] == '"' and s[-1] == '"':
        s = _ESCAPE.sub(lambda m: _ESCAPES[m.group(1)], s[1:-1])
    return s


def _fraction(text: str, scale: int = 1) -> Fraction:
    """The exact value of a number's digits (`12`, `12.5`; NUMBER and INT), divided by ``scale``.

    Read as integers: Fraction's own parser of text is general and several times slower.
    """
    whole, _, decimals = text.partition(".")
    return Fraction(int(whole + decimals), scale * 10 ** len(decimals))


def _field(name: str, quoted: bool) -> Any:
    """A Builder method for a header field or item attribute: (name, its value, where it stands)."""
    @v_args(meta=True)
    def build(self: Builder, meta: Any, children: list[Any]) -> tuple[str, Any, Any]:
        return (name, unquote(children[0]) if quoted else children[0], meta)

    return build


def _strings(name: str) -> Any:
    """A Builder method for a `report` field of one or more strings: (name, its strings (the first alone
    for `place`), where)."""
    @v_args(meta=True)
    def build(self: Builder, meta: Any, children: list[Any]) -> tuple[str, Any, Any]:
        texts = tuple(unquote(c) for c in children)
        return (name, texts[0] if name == "place" else texts, meta)

    return build


def _arith(op: str) -> Any:
    """A Builder method for an arithmetic operator."""
    @v_args(meta=True)
    def build(self: Builder, meta: Any, c: list[Any]) -> n.Arith:
        return n.Arith(op, c[0], c[1], span=self._span(meta))

    return build


def _call(name: str) -> Any:
    """A Builder method for a call of a function (`ratio(…)`, `sum(…)`, …)."""
    @v_args(meta=True)
    def build(self: Builder, meta: Any, c: list[Any]) -> n.Call:
        return n.Call(name, tuple(c), span=self._span(meta))

    return build


#: what a stray word after an item is said to follow
_WHAT: tuple[tuple[type, str], ...] = (
    (n.Section, "the `section` header"), (n.Task, "the task"), (n.Rule, "the rule"), (n.Event, "the `event` line"),
    (n.UnitDecl, "the `unit` line"), (n.Group, "the `group` line"), (n.MetricDecl, "the `metric` line"),
    (RECORD_ITEMS[0], "the `dataset`"), (RECORD_ITEMS[1], "the `metric` line"))


class Builder(RecordsBuilder, Transformer_NonRecursive):  # type: ignore[type-arg]
    """Turns lark's tree into kpirules.nodes, collecting problems."""

    def __init__(self, filename: str | None, lines: list[str]) -> None:
        super().__init__(visit_tokens=False)
        self.filename = filename
        self.lines = lines
        self.problems: list[Diagnostic] = []

    # positions
    def _span(self, meta_or_tok: object) -> Span | None:
        """The span of a lark Meta or Token, or of an extent (line, column, end_line, end_column) of the fast path."""
        if type(meta_or_tok) is tuple:
            line, column, end_line, end_column = meta_or_tok
            return Span(line, column, end_line, end_column, file=self.filename)
        if type(meta_or_tok) is Token:
            return Span(meta_or_tok.line or 0, meta_or_tok.column or 0, meta_or_tok.end_line,
                        meta_or_tok.end_column, file=self.filename)  # (lark's lexer sets every position)
        if isinstance(meta_or_tok, Span) or meta_or_tok is None:
            return meta_or_tok
        line = getattr(meta_or_tok, "line", None)
        if line is None:
            return None
        return Span(
            line,
            getattr(meta_or_tok, "column", 1),
            getattr(meta_or_tok, "end_line", None),
            getattr(meta_or_tok, "end_column", None),
            file=self.filename,
        )

    def problem(self, message: str, where: object, hint: str | None = None) -> None:
        span = self._span(where)
        source = self.lines[span.line - 1] if span and 0 < span.line <= len(self.lines) else None
        self.problems.append(Diagnostic(message, span, hint=hint, source_line=source))

    def _ident(self, tok: Token) -> str:
        return unquote(tok) if tok.type == "STRING" else str(tok)

    # --- top level
    @v_args(meta=True)
    def start(self, meta, children):  # type: ignore[no-untyped-def]
        header = children[0] if children and isinstance(children[0], dict) else {}
        items = [c for c in children
                 if not isinstance(c, dict) and not isinstance(c, RECORD_ITEMS) and not isinstance(c, n.MetricDecl)]
        records = [c for c in children if isinstance(c, RECORD_ITEMS)]
        metrics = [c for c in children if isinstance(c, n.MetricDecl)]
        self._glued_to_a_header(children)
        return n.Plan(
            id=header.get("id"),
            title=header.get("title"),
            issued=header.get("issued"),
            implements=header.get("implements"),
            reporting=header.get("reporting"),
            items=items,
            report=header.get("report"),
            records=records,  # type: ignore[arg-type]  # (a tuple once converted)
            metrics=metrics,  # type: ignore[arg-type]  # (a tuple once converted)
            span=self._span(meta),  # None for an empty file
        )

    def _glued_to_a_header(self, children: list[Any]) -> None:
        """A bare rule that starts on the line where the item before it ends (`section S2 "s2" extra`,
        `lead X Y`) is a stray word, never a rule: newlines do not end an item, so without this the
        word would silently become a rule of its own (a rule's second condition on its line is the
        checker's)."""
        for before, item in zip(children, children[1:]):
            if not (isinstance(item, n.Rule) and item.bare and item.span is not None):
                continue
            span = before.get("_span") if isinstance(before, dict) else getattr(before, "span", None)
            if not isinstance(span, Span) or span.end_line != item.span.line:
                continue
            if (_stray_reporting_option(item, before.get("reporting")) if isinstance(before, dict)
                    else _stray_attribute(item, before)) is not None:
                continue  # (a misspelt option or attribute: the checker names the word meant)
            if isinstance(before, n.Rule):
                last = before.time or before.condition
                if last.span is not None and last.span.end_line == item.span.line:
                    continue  # (two conditions on one line: the checker says so, in its own words)
            line = self.lines[item.span.line - 1] if 0 < item.span.line <= len(self.lines) else ""
            end = item.span.end_column if item.span.end_line == item.span.line and item.span.end_column else None
            text = " ".join(line[item.span.column - 1:end - 1 if end else None].split())
            shown = text if len(text) <= 40 else text[:37] + "…"
            what = "the `plan` header" if isinstance(before, dict) else next(
                (words for kind, words in _WHAT if isinstance(before, kind)), "the item")
            begun = f" (begun on line {span.line})" if span.line != item.span.line else ""
            self.problem(f"unexpected `{shown}` after {what}{begun}: nothing may follow it on its line",
                         Span(item.span.line, item.span.column, item.span.line,
                              item.span.column + len(text), file=self.filename),
                         hint="put a title in quotes after the id, or write a condition as a rule of its own "
                              "(`rule ID: …`) on a new line")

    @v_args(meta=True)
    def header(self, meta, children):  # type: ignore[no-untyped-def]
        fields: dict[str, object] = {"id": self._ident(children[0])}
        for name, value, where in children[1:]:
            if name in fields:
                self.problem(f"`{name}` is given twice in the plan header", where)
            fields[name] = value
        fields["_span"] = self._span(meta)
        return fields

    @v_args(meta=True)
    def issued(self, meta, children):  # type: ignore[no-untyped-def]
        return ("issued", self._date(children[0]), meta)

    title = _field("title", True)
    implements = _field("implements", True)
    note = _field("note", True)
    product = _field("product", True)
    lead = _field("lead", False)  # a tuple of units, made by unit_list
    support = _field("support", False)

    @v_args(meta=True)
    def report(self, meta, children):  # type: ignore[no-untyped-def]
        symbol = None
        fields: dict[str, Any] = {}
        for c in children:
            if isinstance(c, Token):
                symbol = unquote(c)
                continue
            name, value, where = c
            if name in fields:
                self.problem(f"`{name}` is given twice in the `report` block", where)
            fields[name] = value
        block = n.ReportBlock(symbol=symbol, issuer=fields.get("issuer", ()), place=fields.get("place"),
                              signer=fields.get("signer", ()), recipients=fields.get("recipients", ()),
                              span=self._span(meta))
        return ("report", block, meta)

    issuer = _strings("issuer")
    place = _strings("place")
    signer = _strings("signer")
    recipients = _strings("recipients")

    @v_args(meta=True)
    def reporting(self, meta, children):  # type: ignore[no-untyped-def]
        freq = children[0]
        kind = parse_kind(str(freq.children[0]))
        cutoff = None
        calendar = False
        due = None
        for opt in children[1:]:
            name, value, where = opt
            if name == "cutoff":
                if cutoff is not None or calendar:
                    self.problem("the cut-off is given twice in the `reporting` line", where)
                cutoff = value
                if not 1 <= value <= 28:
                    self.problem(f"cut-off day {where} is out of range; use 1 (calendar) to 28", where)
            elif name == "calendar":
                if cutoff is not None or calendar:
                    self.problem("the cut-off is given twice in the `reporting` line", where)
                calendar = True
            else:
                if due is not None:
                    self.problem("`due` is given twice in the `reporting` line", where)
                due = value
                if not 1 <= value <= 28:
                    self.problem(f"due day {where} is out of range; use 1 to 28", where)
        rep = n.Reporting(kind=kind, cutoff=cutoff, calendar=calendar, due=due, span=self._span(meta))
        return ("reporting", rep, meta)

    def _number(self, tok: Token, scale: int = 1, digits: str | None = None) -> Fraction:
        """The exact value of a NUMBER or INT token (``digits``: its text without a ``%``)."""
        digits = str(tok) if digits is None else digits
        count = len(digits) - ("." in digits)
        if count > MAX_DIGITS:  # (Python's int reads at most 4,300)
            self.problem(f"this number has {count:,} digits; a number in a rule file "
                          f"may have at most {MAX_DIGITS:,}", tok)
            return Fraction(0)
        return _fraction(digits, scale)

    def _day(self, tok: Token) -> int:
        """A day of the month (`cutoff 15`, `due 20`); 0, which is out of range, for an absurdly long one."""
        return int(tok) if len(tok) <= 9 else 0

    def cutoff(self, children):  # type: ignore[no-untyped-def]
        return ("cutoff", self._day(children[0]), children[0])

    @v_args(meta=True)
    def calendar(self, meta, children):  # type: ignore[no-untyped-def]
        return ("calendar", True, meta)

    def due_day(self, children):  # type: ignore[no-untyped-def]
        return ("due", self._day(children[0]), children[0])

    # --- items
    @v_args(meta=True)
    def metric_decl(self, meta, children):  # type: ignore[no-untyped-def]
        name = str(children[0])
        rest = list(children[1:])
        title = unquote(rest.pop(0)) if rest and isinstance(rest[0], Token) and rest[0].type == "STRING" else None
        kind = str(rest.pop(0).children[0]) if rest and isinstance(rest[0], Tree) else None
        measure = unquote(rest.pop(0)) if rest else None
        return n.MetricDecl(name, title, kind, measure, span=self._span(meta))

    @v_args(meta=True)
    def section(self, meta, children):  # type: ignore[no-untyped-def]
        title = unquote(children[1]) if len(children) > 1 else None
        return n.Section(self._ident(children[0]), title, span=self._span(meta))

    def _head(self, children: list) -> tuple[str, str | None, list]:  # type: ignore[type-arg]
        ident = self._ident(children[0])
        rest = children[1:]
        title = None
        if rest and isinstance(rest[0], Token) and rest[0].type == "STRING":
            title = unquote(rest[0])
            rest = rest[1:]
        return ident, title, rest

    @v_args(meta=True)
    def rule(self, meta, children):  # type: ignore[no-untyped-def]
        ident, title, rest = self._head(children)
        per_unit = False
        units: tuple[str, ...] = ()
        if rest and isinstance(rest[0], tuple) and rest[0][:1] == ("for_each",):
            per_unit = True
            units = rest[0][1]
            rest = rest[1:]
        condition = rest[0]
        time = None
        attrs_: dict[str, object] = {}
        for item in rest[1:]:
            if isinstance(item, (n.By, n.Span_)):
                time = item
            else:
                name, value, where = item
                if name in attrs_:
                    self.problem(f"`{name}` is given twice in rule {ident}", where)
                attrs_[name] = value
        return n.Rule(
            ident,
            title,
            condition,
            time,
            per_unit=per_unit,
            lead=attrs_.get("lead", ()),  # type: ignore[arg-type]
            support=attrs_.get("support", ()),  # type: ignore[arg-type]
            note=attrs_.get("note"),  # type: ignore[arg-type]
            units=units,  # type: ignore[arg-type]  # (attrs converts it)
            stretch=attrs_.get("stretch"),  # type: ignore[arg-type]
            span=self._span(meta),
        )

    @v_args(meta=True)
    def bare_rule(self, meta, children):  # type: ignore[no-untyped-def]
        condition = children[0]
        time = children[1] if len(children) > 1 else None
        span = self._span(meta)
        return n.Rule(f"L{span.line if span else 0}", None, condition, time, bare=True, span=span)

    def for_each(self, children):  # type: ignore[no-untyped-def]
        return ("for_each", children[0] if children else ())

    @v_args(meta=True)
    def group(self, meta, children):  # type: ignore[no-untyped-def]
        return n.Group(str(children[0]), children[1], span=self._span(meta))

    @v_args(meta=True)
    def task(self, meta, children):  # type: ignore[no-untyped-def]
        ident, title, rest = self._head(children)
        fields: dict[str, object] = {}
        for name, value, where in rest:
            if name in fields:
                self.problem(f"`{name}` is given twice in task {ident}", where)
            fields[name] = value
        due = fields.get("due", ())
        every = None
        if isinstance(due, n.Every):
            due, every = (), due
        return n.Task(
            ident,
            title,
            lead=fields.get("lead", ()),  # type: ignore[arg-type]
            support=fields.get("support", ()),  # type: ignore[arg-type]
            due=due,  # type: ignore[arg-type]
            every=every,  # type: ignore[arg-type]  # (an Every, or None)
            product=fields.get("product"),  # type: ignore[arg-type]
            note=fields.get("note"),  # type: ignore[arg-type]
            after=fields.get("after", ()),  # type: ignore[arg-type]
            span=self._span(meta),
        )

    @v_args(meta=True)
    def due(self, meta, children):  # type: ignore[no-untyped-def]
        return ("due", tuple(self._when(c) for c in children), meta)

    @v_args(meta=True)
    def due_every(self, meta, children):  # type: ignore[no-untyped-def]
        kind = parse_kind(str(children[0].children[0]))
        every = n.Every(kind, self._when(children[1]), self._when(children[2]), span=self._span(meta))
        return ("due", every, meta)

    @v_args(meta=True)
    def stretch(self, meta, children):  # type: ignore[no-untyped-def]
        return ("stretch", children[0], meta)

    @v_args(meta=True)
    def event(self, meta, children):  # type: ignore[no-untyped-def]
        title = unquote(children[1]) if len(children) > 1 else None
        return n.Event(self._ident(children[0]), title, span=self._span(meta))

    @v_args(meta=True)
    def unit_decl(self, meta, children):  # type: ignore[no-untyped-def]
        name = unquote(children[1]) if len(children) > 1 else None
        return n.UnitDecl(unquote(children[0]), name, span=self._span(meta))

    @v_args(meta=True)
    def over(self, meta, c):  # type: ignore[no-untyped-def]
        when = c[1]
        if isinstance(when, Token):
            when = self._when(when)
            if isinstance(when, n.DateRef):  # (a quoted date)
                self.problem(f"`over` adds up reporting periods; `{when.text}` is a date, not a period", when.span)
                when = n.PeriodRef(parse_period("2000"), "2000", span=when.span)
        return n.Over(c[0], when, span=self._span(meta))

    def year_to_date(self, c):  # type: ignore[no-untyped-def]
        return None

    def date(self, c):  # type: ignore[no-untyped-def]
        tok = c[0]
        return n.DateRef(self._date(tok), str(tok), span=self._span(tok))

    def period_value(self, c):  # type: ignore[no-untyped-def]
        tok = c[0]
        self.problem(f"`{tok}` is a period, not a value: a period is never arithmetic ({tok} is not a subtraction)",
                     tok, hint="compare with a date (2020-11-30), or read a metric in that period with "
                               f"`at {tok}`")
        return n.Number(Fraction(0), "0", span=self._span(tok))

    @v_args(meta=True)
    def after(self, meta, children):  # type: ignore[no-untyped-def]
        return ("after", tuple(self._ident(c) for c in children), meta)

    def unit_list(self, children):  # type: ignore[no-untyped-def]
        return tuple(unquote(c) for c in children)

    # --- time
    @v_args(meta=True)
    def by(self, meta, children):  # type: ignore[no-untyped-def]
        return n.By(self._when(children[0]), span=self._span(meta))

    @v_args(meta=True)
    def span(self, meta, children):  # type: ignore[no-untyped-def]
        return n.Span_(self._when(children[0]), self._when(children[1]), span=self._span(meta))

    def _date(self, tok: Token) -> datetime.date:
        try:
            return datetime.date.fromisoformat(str(tok))
        except ValueError:
            self.problem(f"`{tok}` is not a valid date", tok)
            return datetime.date(1, 1, 1)

    def _when(self, tok: Token) -> n.When:
        span = self._span(tok)
        text = unquote(tok) if tok.type == "STRING" else str(tok)
        if tok.type == "DATE":
            return n.DateRef(self._date(tok), str(tok), span=span)
        span_years = re.fullmatch(r"(\d{4})-(\d{4})", text)
        if span_years:
            self.problem(
                f"`{text}` is a span of years, not one period: for a deadline write its last year "
                f"(`{span_years[2]}`); for a target that must hold throughout, `from {span_years[1]} to "
                f"{span_years[2]}`",
                tok,
            )
            return n.PeriodRef(parse_period(span_years[2]), span_years[2], span=span)
        long_year = re.match(r"(\d{5,})-", text) if tok.type == "BAD_PERIOD" else None
        if long_year:
            self.problem(f"`{text}` is not a period: its year `{long_year[1]}` has {len(long_year[1])} digits; "
                         "write a year with four digits (2020-Q4, Q4/2020)", tok)
            return n.PeriodRef(parse_period("2000"), str(tok), span=span)
        if tok.type == "INT" and len(text) != 4:
            self.problem(
                f"`{text}` is not a period; write a year with four digits (2020), a quarter (Q4/2020) or a date",
                tok,
            )
            text = "2000"
        try:
            period = parse_period(text)
        except KpiPeriodError as exc:
            try:
                date = datetime.date.fromisoformat(text)
            except ValueError:
                self.problem(str(exc).splitlines()[0], tok)
                period = parse_period("2000")
            else:
                return n.DateRef(date, str(tok), span=span)
        return n.PeriodRef(period, str(tok), span=span)

    # --- expressions
    @v_args(meta=True)
    def or_(self, meta, c):  # type: ignore[no-untyped-def]
        return n.Logic("or", c[0], c[1], span=self._span(meta))

    @v_args(meta=True)
    def and_(self, meta, c):  # type: ignore[no-untyped-def]
        return n.Logic("and", c[0], c[1], span=self._span(meta))

    @v_args(meta=True)
    def not_(self, meta, c):  # type: ignore[no-untyped-def]
        return n.Not(c[0], span=self._span(meta))

    @v_args(meta=True)
    def compare(self, meta, c):  # type: ignore[no-untyped-def]
        return n.Compare(str(c[1]), c[0], c[2], span=self._span(meta))

    @v_args(meta=True)
    def between(self, meta, c):  # type: ignore[no-untyped-def]
        return n.Between(c[0], c[1], c[2], span=self._span(meta))

    add = _arith("+")
    sub = _arith("-")
    mul = _arith("*")
    div = _arith("/")

    @v_args(meta=True)
    def neg(self, meta, c):  # type: ignore[no-untyped-def]
        return n.Neg(c[0], span=self._span(meta))

    @v_args(meta=True)
    def at(self, meta, c):  # type: ignore[no-untyped-def]
        when = c[1]
        if isinstance(when, Token):
            if when.type == "NUMBER" or (when.type == "INT" and len(str(when)) != 4):
                when = n.Number(self._number(when), str(when), span=self._span(when))
            else:
                when = self._when(when)
        return n.At(c[0], when, span=self._span(meta))

    @v_args(meta=True)
    def previous(self, meta, c):  # type: ignore[no-untyped-def]
        return n.Previous(span=self._span(meta))

    @v_args(meta=True)
    def previous_year(self, meta, c):  # type: ignore[no-untyped-def]
        return n.Previous(year=True, span=self._span(meta))

    def number(self, c):  # type: ignore[no-untyped-def]
        tok = c[0]
        return n.Number(self._number(tok), str(tok), span=self._span(tok))

    def percent(self, c):  # type: ignore[no-untyped-def]
        tok = c[0]
        return n.Percent(self._number(tok, 100, str(tok)[:-1]), str(tok), span=self._span(tok))

    @v_args(meta=True)
    def true(self, meta, c):  # type: ignore[no-untyped-def]
        return n.Bool(True, span=self._span(meta))

    @v_args(meta=True)
    def false(self, meta, c):  # type: ignore[no-untyped-def]
        return n.Bool(False, span=self._span(meta))

    def metric(self, c):  # type: ignore[no-untyped-def]
        return n.Metric(str(c[0]), span=self._span(c[0]))

    at_name = metric  # `x at foo`: the checker says `at` wants a period

    def text(self, c):  # type: ignore[no-untyped-def]
        return n.Text(unquote(c[0]), span=self._span(c[0]))

    ratio = _call("ratio")
    change = _call("change")
    sum_ = _call("sum")
    min_ = _call("min")
    max_ = _call("max")
    avg = _call("avg")

    @v_args(meta=True)
    def count(self, meta, c):  # type: ignore[no-untyped-def]
        return n.Count(None, span=self._span(meta))

    @v_args(meta=True)
    def count_where(self, meta, c):  # type: ignore[no-untyped-def]
        return n.Count(c[0], span=self._span(meta))

    def unknown_call(self, c):  # type: ignore[no-untyped-def]
        name = c[0]
        known = [*n.FUNCTIONS, "count"]
        close = difflib.get_close_matches(str(name).lower(), known, n=1, cutoff=0.5)
        self.problem(
            f"unknown function `{name}`; the functions are {', '.join(known)}",
            name,
            hint=f"did you mean {close[0]}?" if close else "a metric is written without parentheses",
        )
        return n.Metric(str(name), span=self._span(name))



"""One canonical layout for .kpi rule files (``kpirules fmt``).

The layout::

    # comments stay where they were
    plan "676/QĐ-BKHCN"
      title "…"
      issued 2019-03-28
      implements "17/NQ-CP"
      reporting quarterly cutoff 15 due 20

    section II.1 "Giai đoạn 2019-2020"

    rule II.1.a.1 "…":
      for each unit: ratio(a, b) >= 20% by 2020
      lead TTCNTT
      support VPB
      note "…"

    task 7 "…":
      lead VPB
      support TTCNTT
      due 2020, 2025
      product "…"
      note "…"
      after 6

Header fields and item bodies are indented two spaces; items are separated
by one blank line; expressions are spelled by :func:`kpirules.lang.unparse.expr_text`
(canonical spacing, only the parentheses needed); numbers, percentages,
periods and dates keep the text they were written with; strings keep their
text, escaping only ``"`` and ``\\``.

lark drops comments, so :func:`format_text` finds them again in the source
text: a comment on a line of its own goes before the construct (item, header
field, rule line or attribute) that follows it, keeping the blank lines
around it between items; a comment at the end of a line stays at the end of
the line that holds that construct.  Formatting is idempotent:
``format_text(format_text(x)) == format_text(x)``.
"""

from __future__ import annotations

import bisect
import functools
import re
from collections.abc import Iterable

import attrs
from lark import Token, Tree

from kpirules import nodes as n
from kpirules.lang.grammar import lark_parser
from kpirules.lang.parser import parse_text
from kpirules.lang.unparse import expr_text, quote, when_text
from kpirules.periods import Kind

__all__ = ["format_text", "format_plan"]

INDENT = "  "

_KIND_WORD = {
    Kind.MONTH: "monthly",
    Kind.QUARTER: "quarterly",
    Kind.HALF: "half-yearly",
    Kind.YEAR: "yearly",
}


@functools.cache
def _terminal(name: str) -> re.Pattern[str]:
    return re.compile(lark_parser().get_terminal(name).pattern.to_regexp())


def _is_name(s: str) -> bool:
    return _terminal("NAME").fullmatch(s) is not None


def ident_text(s: str) -> str:
    """An id as written after `rule`, `task`, `section`, `after`: bare where it can be."""
    if _is_name(s) or _terminal("INT").fullmatch(s) or _terminal("DOTTED").fullmatch(s):
        return s
    return quote(s)


def unit_text(s: str) -> str:
    """A unit name: bare where it is a name, else quoted."""
    return s if _is_name(s) else quote(s)


def _units(units: Iterable[str]) -> str:
    return ", ".join(unit_text(u) for u in units)


def _head(keyword: str, ident: str, title: str | None) -> str:
    text = f"{keyword} {ident_text(ident)}"
    return text if title is None else f"{text} {quote(title)}"


def _reporting(r: n.Reporting) -> str:
    parts = ["reporting", _KIND_WORD.get(r.kind, str(r.kind))]
    if r.calendar:
        parts.append("calendar")
    elif r.cutoff is not None:
        parts.append(f"cutoff {r.cutoff}")
    if r.due is not None:
        parts.append(f"due {r.due}")
    return " ".join(parts)


def _time(t: n.TimeClause | None) -> str:
    match t:
        case None:
            return ""
        case n.By(when=w):
            return f" by {when_text(w)}"
        case n.Span_(start=a, end=b):
            return f" from {when_text(a)} to {when_text(b)}"
    raise TypeError(f"not a time clause: {t!r}")  # pragma: no cover


#: the column after which a condition line is wrapped
WIDTH = 100


def condition_line(rule: n.Rule, indent: int = 1) -> str:
    """The condition line of a rule: `for each unit: COND by W`.

    ``for each unit in A, B:`` takes a line of its own, with the condition
    indented below it; where the condition and its time clause would pass
    :data:`WIDTH` columns, the time clause goes on a line of its own, below
    the condition.
    Continuation lines are indented relative to the first.
    """
    lines = []
    units = getattr(rule, "units", ())
    cond = expr_text(rule.condition)
    if rule.per_unit and units:
        lines.append(f"for each unit in {_units(units)}:")
        indent += 1
    elif rule.per_unit:
        cond = "for each unit: " + cond
    time = _time(rule.time)
    if time and len(INDENT * indent + cond + time) > WIDTH:
        lines.append(cond)
        lines.append(time.lstrip())
    else:
        lines.append(cond + time)
    if len(lines) > 1 and lines[0].startswith("for each unit in"):
        lines[1:] = [INDENT + ln for ln in lines[1:]]
    return "\n".join(lines)


# --- layout: blocks of lines, each line remembering where it came from --------


@attrs.define
class _Line:
    indent: int
    text: str
    start: int | None = None  # source lines the construct spans (None: no source)
    end: int | None = None
    before: list[_Comment] = attrs.field(factory=list)
    after: list[str] = attrs.field(factory=list)


@attrs.define
class _Block:
    lines: list[_Line]
    kind: str = ""
    start: int | None = None
    end: int | None = None
    leading: list[_Comment] = attrs.field(factory=list)
    trailing: list[_Comment] = attrs.field(factory=list)

    @property
    def body_indent(self) -> int:
        return max((ln.indent for ln in self.lines), default=0)


@attrs.frozen
class _Comment:
    line: int
    text: str
    full_line: bool
    blank_before: bool
    blank_after: bool


def _header_block(plan: n.Plan) -> _Block | None:
    if plan.id is None:
        return None
    lines = [_Line(0, f"plan {ident_text(plan.id)}")]
    if plan.title is not None:
        lines.append(_Line(1, f"title {quote(plan.title)}"))
    if plan.issued is not None:
        lines.append(_Line(1, f"issued {plan.issued.isoformat()}"))
    if plan.implements is not None:
        lines.append(_Line(1, f"implements {quote(plan.implements)}"))
    if plan.reporting is not None:
        lines.append(_Line(1, _reporting(plan.reporting)))
    if plan.report is not None:
        r = plan.report
        lines.append(_Line(1, "report" + (f" {quote(r.symbol)}" if r.symbol is not None else "")))
        for key, value in (("issuer", r.issuer), ("place", (r.place,) if r.place is not None else ()),
                           ("signer", r.signer), ("recipients", r.recipients)):
            if value:
                lines.append(_Line(2, f"{key} " + ", ".join(quote(v) for v in value)))
    return _Block(lines)


_EVERY_WORD = {Kind.HALF: "half-year"}


def _item_block(item: n.Item) -> _Block:
    match item:
        case n.Section(id=ident, title=title):
            return _Block([_Line(0, _head("section", ident, title))])
        case n.Rule(bare=True):
            return _Block([_Line(0, condition_line(item, 0))])
        case n.Rule():
            lines = [_Line(0, _head("rule", item.id, item.title) + ":"), _Line(1, condition_line(item))]
            if item.lead:
                lines.append(_Line(1, f"lead {_units(item.lead)}"))
            if item.support:
                lines.append(_Line(1, f"support {_units(item.support)}"))
            if item.note is not None:
                lines.append(_Line(1, f"note {quote(item.note)}"))
            if item.stretch is not None:
                lines.append(_Line(1, f"stretch {expr_text(item.stretch)}"))
            return _Block(lines)
        case n.Event(id=ident, title=title):
            return _Block([_Line(0, _head("event", ident, title))], kind="event")
        case n.UnitDecl(code=code, name=name):
            return _Block([_Line(0, f"unit {unit_text(code)}" + ("" if name is None else f" {quote(name)}"))],
                          kind="unit")
        case n.Task():
            lines = [_Line(0, _head("task", item.id, item.title) + ":")]
            if item.lead:
                lines.append(_Line(1, f"lead {_units(item.lead)}"))
            if item.support:
                lines.append(_Line(1, f"support {_units(item.support)}"))
            if item.due:
                lines.append(_Line(1, "due " + ", ".join(when_text(w) for w in item.due)))
            if item.every is not None:
                e = item.every
                lines.append(_Line(1, f"due every {_EVERY_WORD.get(e.kind, e.kind.value)} from {when_text(e.start)} to {when_text(e.end)}"))
            if item.product is not None:
                lines.append(_Line(1, f"product {quote(item.product)}"))
            if item.note is not None:
                lines.append(_Line(1, f"note {quote(item.note)}"))
            if item.after:
                lines.append(_Line(1, "after " + ", ".join(ident_text(a) for a in item.after)))
            return _Block(lines)
    from kpirules.records.model import CountedMetric, Dataset
    from kpirules.records.text import metric_text, name_text

    if isinstance(item, Dataset):  # records (issue 18)
        head = f"dataset {name_text(item.name)}" + (f" {quote(item.title)}" if item.title is not None else "")
        lines = [_Line(0, head + ":"), _Line(1, f"dated by {item.dated_by}")]
        if item.unit_by:
            lines.append(_Line(1, f"unit by {item.unit_by}"))
        return _Block(lines)
    if isinstance(item, CountedMetric):
        head = f"metric {item.name}" + (f" {quote(item.title)}" if item.title is not None else "")
        return _Block([_Line(0, f"{head} = {metric_text(item)}")], kind="metric")
    if isinstance(item, n.MetricDecl):  # a reported metric's title, kind and unit of measure (issue 17)
        text = f"metric {item.name}" + (f" {quote(item.title)}" if item.title is not None else "")
        if item.kind is not None:
            text += f": {item.kind}" + (f" {quote(item.measure)}" if item.measure is not None else "")
        return _Block([_Line(0, text)], kind="metric")
    group = getattr(n, "Group", None)
    if group is not None and isinstance(item, group):
        return _Block([_Line(0, f"group {item.name}: {_units(item.units)}")], kind="group")
    raise TypeError(f"not an item: {item!r}")  # pragma: no cover


def plan_items(plan: n.Plan) -> list[object]:
    """The plan's items and its datasets and counted metrics, in file order (without positions:
    the datasets and metrics first)."""
    records = list(getattr(plan, "records", ())) + list(getattr(plan, "metrics", ()))
    if not records:
        return list(plan.items)
    both = records + list(plan.items)
    if all(getattr(x, "span", None) is not None for x in both):
        return sorted(both, key=lambda x: (x.span.line, x.span.column))
    return both


def _blocks(plan: n.Plan) -> list[_Block]:
    header = _header_block(plan)
    return ([header] if header else []) + [_item_block(item) for item in plan_items(plan)]  # type: ignore[arg-type]


def _render(blocks: list[_Block], trailing: list[_Comment]) -> str:
    out: list[str] = []

    for bi, block in enumerate(blocks):
        # one blank line between items; a run of `group` (`unit`, `event`, `metric`) lines stays together
        if out and not (block.kind in ("group", "unit", "event", "metric") and bi > 0 and blocks[bi - 1].kind == block.kind):
            out.append("")
        if block.leading:
            for i, c in enumerate(block.leading):
                if i > 0 and c.blank_before:
                    out.append("")
                out.append(c.text)
            if block.leading[-1].blank_after:
                out.append("")
        for line in block.lines:
            pad = INDENT * line.indent
            for c in line.before:
                out.append(pad + c.text)
            text = "\n".join(pad + part for part in line.text.split("\n"))
            if line.after:
                text += "  " + "  ".join(line.after)
            out.append(text)
        for c in block.trailing:
            out.append(INDENT * block.body_indent + c.text)
    if trailing:
        if out:
            out.append("")
        for i, c in enumerate(trailing):
            if i > 0 and c.blank_before:
                out.append("")
            out.append(c.text)
    return "\n".join(out) + "\n" if out else ""


def format_plan(plan: n.Plan) -> str:
    """The canonical text of a parsed plan (without comments: the AST has none)."""
    return _render(_blocks(plan), [])


# --- comments -----------------------------------------------------------------

_SCAN = re.compile(r'"(?:[^"\\\n]|\\.)*"?|#[^\n]*')


def comments_of(text: str) -> list[_Comment]:
    """Every `#` comment of the source, outside strings, with its line."""
    lines = text.split("\n")
    starts = [0]
    for i, ch in enumerate(text):
        if ch == "\n":
            starts.append(i + 1)

    def blank(i: int) -> bool:
        return 0 < i <= len(lines) and lines[i - 1].strip() == ""

    found: list[_Comment] = []
    for m in _SCAN.finditer(text):
        tok = m.group()
        if not tok.startswith("#"):
            continue
        line_no = bisect.bisect_right(starts, m.start())
        full = text[starts[line_no - 1] : m.start()].strip() == ""
        found.append(_Comment(line_no, tok.rstrip(), full, blank(line_no - 1), blank(line_no + 1)))
    return found


def _meta_range(node: object) -> tuple[int, int] | None:
    if isinstance(node, Token):
        return (node.line, node.end_line or node.line) if node.line is not None else None
    if isinstance(node, Tree) and not node.meta.empty:
        return node.meta.line, node.meta.end_line
    return None


def _join(*ranges: tuple[int, int] | None) -> tuple[int, int] | None:
    got = [r for r in ranges if r is not None]
    if not got:
        return None
    return min(r[0] for r in got), max(r[1] for r in got)


_ATTR_ORDER = {"lead": 0, "support": 1, "due": 2, "due_every": 2, "product": 3, "note": 4, "after": 5, "stretch": 6}
_HEADER_ORDER = {"title": 1, "issued": 2, "implements": 3, "reporting": 4, "report": 5}


def _attach_positions(blocks: list[_Block], plan: n.Plan, tree: Tree[Token]) -> None:
    """Give every line of every block the source lines it came from."""
    trees = [c for c in tree.children if isinstance(c, Tree)]
    header_tree = trees[0] if trees and trees[0].data == "header" else None
    item_trees = trees[1:] if header_tree is not None else trees
    bi = 0
    if header_tree is not None:
        block = blocks[0]
        bi = 1
        block.start, block.end = _meta_range(header_tree) or (None, None)
        first = header_tree.children[0]
        r = _meta_range(first)
        block.lines[0].start = block.start
        block.lines[0].end = r[1] if r else block.start
        fields = {c.data: c for c in header_tree.children[1:] if isinstance(c, Tree)}
        if "report" in fields:  # (the report block's own fields are lines of their own)
            fields.update({c.data: c for c in fields["report"].children if isinstance(c, Tree)})
        for line in block.lines[1:]:
            key = line.text.split(" ", 1)[0]
            r = _meta_range(fields.get(key))
            if r:
                line.start, line.end = r
    for block, item, t in zip(blocks[bi:], plan_items(plan), item_trees):
        r = _meta_range(t)
        if r is None:
            continue
        block.start, block.end = r
        kids = t.children
        if t.data in ("rule", "task"):
            head_toks = [k for k in kids[:2] if isinstance(k, Token)]
            head_end = max((k.end_line or k.line or r[0]) for k in head_toks) if head_toks else r[0]
            block.lines[0].start, block.lines[0].end = r[0], head_end
            rest = [k for k in kids if not (isinstance(k, Token) and k in head_toks)]
            attrs_trees = [k for k in rest if isinstance(k, Tree) and k.data in _ATTR_ORDER]
            if t.data == "rule":
                cond_parts = [k for k in rest if not (isinstance(k, Tree) and k.data in _ATTR_ORDER)]
                cr = _join(*(_meta_range(k) for k in cond_parts))
                if cr:
                    block.lines[1].start, block.lines[1].end = cr
            by_name: dict[str, Tree[Token]] = {}
            for k in attrs_trees:
                by_name.setdefault("due" if k.data == "due_every" else k.data, k)
            for line in block.lines[1:]:
                key = line.text.split(" ", 1)[0]
                if key in by_name and line.start is None:
                    rr = _meta_range(by_name[key])
                    if rr:
                        line.start, line.end = rr
        elif t.data == "dataset":  # (records: the head, then `dated by`, `unit by` on lines of their own)
            attrs_ = {k.data: k for k in kids if isinstance(k, Tree)}
            head = _meta_range(next(iter(attrs_.values()), None)) if attrs_ else None
            block.lines[0].start, block.lines[0].end = r[0], (head[0] - 1 if head and head[0] > r[0] else r[0])
            for line in block.lines[1:]:
                key = {"dated": "dated_by", "unit": "unit_by"}[line.text.split(" ", 1)[0]]
                rr = _meta_range(attrs_.get(key))
                if rr:
                    line.start, line.end = rr
        else:
            block.lines[0].start, block.lines[0].end = r


def _place(blocks: list[_Block], comments: list[_Comment]) -> list[_Comment]:
    """Attach each comment to a line or block; return the comments after everything."""
    trailing: list[_Comment] = []
    lines = [(ln.start, bi, li, ln) for bi, b in enumerate(blocks) for li, ln in enumerate(b.lines)
             if ln.start is not None]
    for c in comments:
        if not c.full_line:
            holders = [h for h in lines if h[0] <= c.line <= (h[3].end or h[0])]
            if not holders:
                holders = [h for h in lines if h[0] <= c.line]
            if holders:
                max(holders, key=lambda h: h[:3])[3].after.append(c.text)
                continue
        inside = [b for b in blocks if b.start is not None and b.start <= c.line <= (b.end or b.start)]
        if inside:
            block = inside[-1]
            nxt = [ln for ln in block.lines if ln.start is not None and ln.start > c.line]
            if nxt:
                min(nxt, key=lambda ln: ln.start or 0).before.append(c)
            else:
                block.trailing.append(c)
            continue
        later = [b for b in blocks if b.start is not None and b.start > c.line]
        if later:
            later[0].leading.append(c)
        else:
            trailing.append(c)
    return trailing


def format_text(text: str, filename: str | None = None) -> str:
    """The canonical text of rule-file text, comments kept.

    Raises :class:`~kpirules.errors.KpiSyntaxError` when the text does not parse.
    """
    if text.startswith("\ufeff"):
        text = text[1:]
    plan = parse_text(text, filename)
    blocks = _blocks(plan)
    comments = comments_of(text)
    if comments:
        _attach_positions(blocks, plan, lark_parser().parse(text))
    trailing = _place(blocks, comments)
    return _render(blocks, trailing)


# (a renamed public name of this module still works for one minor release: kpirules.deprecation)
from kpirules.deprecation import module_getattr as _module_getattr  # noqa: E402

__getattr__ = _module_getattr(__name__)

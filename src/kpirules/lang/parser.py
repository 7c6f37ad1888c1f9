"""Parsing: rule-file text → :class:`kpirules.nodes.Plan`.

The parts: :mod:`kpirules.lang.grammar` (lark's parser for grammar.lark and
its cache), :mod:`kpirules.lang.fast` (clean text, built while parsing),
:mod:`kpirules.lang.build` (lark's tree → nodes) and
:mod:`kpirules.lang.syntax` (lark's exceptions → :class:`KpiSyntaxError`);
here are the guards on nesting and depth, and the order in which they run.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from lark.exceptions import UnexpectedInput, VisitError

from kpirules import nodes as n
from kpirules.errors import Diagnostic, KpiError, KpiSyntaxError, Span, capped
from kpirules.lang.build import Builder
from kpirules.lang.fast import fast_parse
from kpirules.lang.grammar import KEYWORDS, lark_parser
from kpirules.lang.syntax import syntax_error

__all__ = ["parse_text", "MAX_NESTING", "KEYWORDS"]

#: deepest nesting of parentheses, `not` and unary minus a condition may have
MAX_NESTING = 100


# --- the nesting guard ------------------------------------------------------

_NEST_RE = re.compile(r'"(?:[^"\\\n]|\\.)*"|#[^\n]*|\(|\)|\n')


def _check_nesting(text: str, filename: str | None, lines: list[str]) -> None:
    depth = 0
    line = 1
    line_start = 0
    for m in _NEST_RE.finditer(text):
        tok = m.group()
        if tok == "\n":
            line += 1
            line_start = m.end()
        elif tok == "(":
            depth += 1
            if depth > MAX_NESTING:
                col = m.start() - line_start + 1
                diag = Diagnostic(
                    f"parentheses nested more than {MAX_NESTING} deep",
                    Span(line, col, line, col + 1, file=filename),
                    hint="split the condition into simpler rules",
                    source_line=lines[line - 1] if line <= len(lines) else None,
                )
                raise KpiSyntaxError.from_diagnostics([diag])
        elif tok == ")":
            depth = max(0, depth - 1)


#: where parsing starts again after a syntax error: a line that begins an item
_ITEM_LINE = re.compile(r"^(?:rule|task|section|group|event|unit|dataset|metric)\b", re.M)
#: the lines that go on an item (its attributes), by the keyword that starts the item, and a header of that
#: kind that parses, put on a line already reported so that parsing can go on inside the item
_INSIDE = {
    "rule": (re.compile(r"^\s+(?:lead|support|note|stretch)\b"), "rule __recover__: true"),
    "task": (re.compile(r"^\s+(?:lead|support|due|product|note|after)\b"), "task __recover__:"),
    "plan": (re.compile(r"^\s+(?:title|issued|implements|reporting|report)\b"), 'plan "__recover__"'),
}
_STARTS = re.compile(r"^(rule|task|plan|section|group|event|unit|dataset|metric)\b")
#: most syntax errors reported for one file
MAX_SYNTAX_ERRORS = 50


def _restart(lines: list[str], line: int, at_item: bool) -> tuple[int, str | None] | None:
    """Where parsing starts again after an error on ``line``: the next line that begins an item, or,
    before it, the next attribute line of the item the error is in (with the header that lets it
    parse); None at the end of the file."""
    kind = None
    if not at_item:
        for no in range(line, 0, -1):
            m = _STARTS.match(lines[no - 1])
            if m:
                kind = m.group(1)
                break
    inside = _INSIDE.get(kind or "")
    for no in range(line + (0 if at_item else 1), len(lines) + 1):
        text = lines[no - 1]
        if _ITEM_LINE.match(text):
            return no, None
        if inside is not None and inside[0].match(text):
            return no, inside[1]
    return None


def _every_syntax_error(first: UnexpectedInput, text: str, filename: str | None, lines: list[str]) -> KpiSyntaxError:
    """The syntax errors of the whole file.  After each, parsing starts again at the next line that
    begins an item (`rule`, `task`, `section`, …) or, inside the item the error is in, at its next
    attribute line (`lead`, `note`, `due`, …: so two mistakes in one rule are two diagnostics);
    the lines before are blanked, so that every position stays that of the file, and an attribute
    line gets a stand-in header of its item's kind on the line above it."""
    diagnostics = list(syntax_error(first, text, filename, lines).diagnostics)
    restarts: list[tuple[int, str]] = []  # the lines inside an item where parsing started again, and what stood above
    while len(diagnostics) < MAX_SYNTAX_ERRORS:
        last = diagnostics[-1].span
        line = last.line if last is not None else len(lines)
        at_item = diagnostics[-1].span is not None and diagnostics[-1].span.column == 1 and \
            _ITEM_LINE.match(lines[line - 1] if 0 < line <= len(lines) else "") is not None
        found = _restart(lines, line, at_item)
        if found is None:
            break
        start, header = found
        blank = "\n" * (start - 2) + header + "\n" if header is not None else "\n" * (start - 1)
        rest = blank + "\n".join(lines[start - 1:])
        floor = len(blank)
        if header is not None:
            restarts.append((start, blank))
        try:
            lark_parser().parse(rest)
        except UnexpectedInput as err:
            more = syntax_error(err, rest, filename, lines, floor).diagnostics
            # (no progress: stop; an error after the last one on its own line is progress, as in
            # `rule A: x >=` whose error is at the next line's `rule`, itself wrong further on)
            if more[0].span is None or last is None or \
                    (more[0].span.line, more[0].span.column) <= (last.line, last.column):
                break
            diagnostics.extend(more)
            continue
        break
    for d in diagnostics:  # (and the lines of an item above its first syntax error)
        at = d.span.line if d.span is not None else 0
        begins = next((no for no in range(at, 0, -1) if _STARTS.match(lines[no - 1])), at) if at <= len(lines) else at
        if begins < at:
            restarts.append((begins, "\n" * (begins - 1)))
    kept: list[Diagnostic] = []  # the builder's problems of the lines read again inside an item
    for start, blank in restarts:
        stop = min((d.span.line for d in diagnostics if d.span is not None and d.span.line >= start),
                   default=len(lines) + 1)
        kept += _problems_of_the_rest(lines, start, stop - 1, blank, filename)
    shown = capped(_with_semantics(diagnostics, filename, lines, kept))
    if len(diagnostics) >= MAX_SYNTAX_ERRORS:  # (parsing gave up: there may be more)
        shown.append(Diagnostic(f"{filename or '<input>'}: … parsing stopped after {MAX_SYNTAX_ERRORS} syntax "
                                "errors; there may be more after them"))
    return KpiSyntaxError.from_diagnostics(shown)  # type: ignore[return-value]


#: an item header whose id a stand-in can keep: `rule II.1.a …`, `task 13 …`, `event ND138 …`, `unit X …`
_HEADER = re.compile(r"^(rule|task|event|unit|group)\s+(\"[^\"\n]*\"|[A-Za-z0-9_][A-Za-z0-9_.\-]*)")
_STAND_IN = {"rule": "rule {}: true", "task": "task {}:", "event": "event {}", "unit": "unit {}",
             "group": "group {}: __recover__"}


def _problems_of_the_rest(lines: list[str], start: int, stop: int, blank: str,
                          filename: str | None) -> list[Diagnostic]:
    """The builder's problems (`due 2020-Q5`: no quarter 5) of the lines of an item read again from line
    ``start`` after a syntax error above them, up to the item's end or line ``stop`` (the line before the
    next syntax error), as they are when the mistakes around them are mended; none when those lines do
    not parse alone."""
    end = next((no - 1 for no in range(start + 1, len(lines) + 1) if _ITEM_LINE.match(lines[no - 1])), len(lines))
    end = min(end, stop)
    if end < start:
        return []
    try:
        _plan, builder = _build(blank + "\n".join(lines[start - 1:end]), filename, lines)
    except (KpiError, UnexpectedInput, VisitError, RecursionError):
        return []
    # (none naming the stand-in: `lead` given twice in it says nothing of the item as written)
    return [d for d in builder.problems if d.span is not None and start <= d.span.line <= end
            and "__recover__" not in d.message]


def _with_semantics(syntax: list[Diagnostic], filename: str | None, lines: list[str],
                    kept: Sequence[Diagnostic] = ()) -> list[Diagnostic]:
    """The syntax errors and the semantic problems of the rest of the file (issue 21 item 6), in file order.

    Each item with a syntax error becomes a stand-in that keeps its kind and id (`task 13:`), so that
    a duplicate id or an `after 13` is still judged; the rest is built and checked as usual.  A problem
    inside a stand-in, or naming an item whose id could not be kept, is left out: it would be made up.
    When the stand-in text does not parse after all, the syntax errors alone are returned."""
    broken: list[tuple[int, int]] = []  # (first, last) line of each item with a syntax error
    inside: list[Diagnostic] = []  # the syntax errors on the line of the item they are in
    for d in syntax:
        if d.span is None:
            return syntax + list(kept)
        line = d.span.line
        if d.span.column == 1 and line > 1 and _ITEM_LINE.match(lines[line - 1] if line <= len(lines) else ""):
            line -= 1  # (an unexpected `rule` starting a line: the item before it is the one left unfinished)
        else:
            inside.append(d)
        first = next((no for no in range(line, 0, -1) if _STARTS.match(lines[no - 1])), 1)
        last = next((no - 1 for no in range(line + 1, len(lines) + 1) if _ITEM_LINE.match(lines[no - 1])),
                    len(lines))
        if not broken or first > broken[-1][1]:
            broken.append((first, last))
    text = list(lines)
    lost = False  # an item whose id no stand-in keeps: what refers to it would seem to refer to nothing
    for first, last in broken:
        m = _HEADER.match(lines[first - 1])
        for no in range(first, last + 1):
            text[no - 1] = ""
        if m is not None:
            text[first - 1] = _STAND_IN[m.group(1)].format(m.group(2))
        elif not lines[first - 1].startswith(("rule", "section")):
            lost = True
    try:
        plan, builder = _build("\n".join(text), filename, text)
    except (KpiError, UnexpectedInput, VisitError, RecursionError):
        return sorted(syntax + list(kept), key=lambda d: (d.span.line, d.span.column) if d.span else (0, 0))
    # (a syntax error at the `rule` that starts a line is the item above's: the checker may still judge this one)
    found = builder.problems + ([] if lost else _safe_diagnostics(plan, lines, inside + builder.problems))
    more = [d for d in found if d.span is not None and not any(a <= d.span.line <= b for a, b in broken)]
    merged = {(d.span.line if d.span else 0, d.span.column if d.span else 0, d.message): d
              for d in syntax + list(kept) + more}
    return [merged[k] for k in sorted(merged)]


def _build(text: str, filename: str | None, lines: list[str]) -> tuple[n.Plan, Builder]:
    """The plan lark's parser and the builder make of ``text`` (``UnexpectedInput`` when it does not parse)."""
    tree = lark_parser().parse(text)
    builder = Builder(filename, lines)
    try:
        return builder.transform(tree), builder
    except VisitError as err:
        if isinstance(err.orig_exc, KpiError):
            raise err.orig_exc from None
        raise


def parse_text(text: str, filename: str | None = None) -> n.Plan:
    """Parse rule-file text into a :class:`~kpirules.nodes.Plan` (no semantic checks)."""
    if not isinstance(text, str):
        raise KpiSyntaxError(f"{filename or '<input>'}: expected text, got {type(text).__name__}")
    if text.startswith("\ufeff"):
        text = text[1:]
    lines = text.splitlines() or [""]
    # lark counts lines by "\n" only; make the list agree with it
    lines = text.split("\n")
    _check_nesting(text, filename, lines)
    fast = fast_parse(text, filename, lines)
    if fast is not None:
        plan, builder = fast
    else:
        try:
            plan, builder = _build(text, filename, lines)
        except UnexpectedInput as err:
            raise _every_syntax_error(err, text, filename, lines) from None
    for item in plan.items:
        if isinstance(item, n.Rule) and not _shallow(item.condition) and _depth(item.condition) > MAX_DEPTH:
            builder.problem(
                f"the condition of rule {item.id} is nested more than {MAX_DEPTH} levels deep",
                item.condition.span,
                hint="split it into simpler rules",
            )
    if builder.problems:
        # the semantic problems of the file too: a file with three kinds of mistakes is fixed in one round
        found = {(d.span.line if d.span else 0, d.span.column if d.span else 0, d.message): d
                 for d in builder.problems + _safe_diagnostics(plan, lines, builder.problems)}
        raise KpiSyntaxError.from_diagnostics(capped([found[k] for k in sorted(found)]))
    return plan


def _safe_diagnostics(plan: n.Plan, lines: list[str], known: list[Diagnostic]) -> list[Diagnostic]:
    """The checker's problems of a plan the builder found problems in (none when its stand-ins trip it),
    but none on a line that has a problem already (the checker would say it again in other words, as
    a `reporting` line's cut-off out of range)."""
    from kpirules.lang.checker import plan_diagnostics

    taken = {d.span.line for d in known if d.span is not None}
    try:
        found = plan_diagnostics(plan, lines)
    except (KpiError, RecursionError, ValueError, TypeError, AttributeError):
        return []
    return [d for d in found if d.span is None or d.span.line not in taken]


#: deepest expression tree a condition may have (operators, calls, `not`, `-`)
MAX_DEPTH = 200


#: expression nodes that never have child nodes (their fields are text, numbers, periods, dates)
_LEAVES = (n.Metric, n.Number, n.Percent, n.Bool, n.Text, n.PeriodRef, n.DateRef)


def _shallow(expr: object) -> bool:
    """Whether an expression is surely no deeper than MAX_DEPTH, from its span alone.

    Every node owns a token of its own (its operator, name, keyword or literal), so
    its depth is at most the number of tokens in its span, which is at most the
    number of characters.
    """
    span = getattr(expr, "span", None)
    return span is not None and span.end_line == span.line and span.end_column - span.column <= MAX_DEPTH


def _depth(expr: object) -> int:
    """The depth of an expression tree, computed without recursion."""
    deepest = 0
    stack = [(expr, 1)]
    leaves = _LEAVES
    while stack:
        node, depth = stack.pop()
        if depth > deepest:
            deepest = depth
        if not isinstance(node, leaves):
            stack.extend((child, depth + 1) for child in n.children(node))
    return deepest

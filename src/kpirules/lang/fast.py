"""The fast path: building nodes while parsing.

lalr.run drives lark's own LALR tables and contextual-lexer regexes with a plain
loop and calls a callback of ours at each reduction, which builds our nodes straight
away (no lark tree).  Each reduction's extent (line, column, end line, end column)
is what lark's propagate_positions would give it: from its first child's start to
its last child's end; a `?rule` that inlines its one child gives that child a new
extent (lark's container positions: `(x)` covers the parentheses) but the child
keeps its own span.  Builder's methods take an extent where the plain path gives
them a lark Meta.

Only clean input takes this path: on a syntax error, any problem or any exception,
parse_text parses again the plain way (tree, then Builder), so every message and
position comes from exactly the same code as before.

The path reads lark's insides (its parse table, its lexers' regexes and "unless"
callbacks, the wrapper of ``v_args(meta=True)``) and Python's parser of regex
syntax, none of which is public: it runs only on the lark versions in
:data:`TESTED_LARK`, on which tests/test_parse_paths.py has found it to give
what the plain path gives.  On any other lark, parse_text takes the plain path
alone (about twice the time on a large file; docs/performance.md).
"""

from __future__ import annotations

import functools
import operator
from collections.abc import Callable
from typing import Any

import lark
from lark import Tree
from lark.tree import Meta

from kpirules import nodes as n
from kpirules.lang import lalr
from kpirules.lang.build import Builder
from kpirules.lang.grammar import keep_lexer_codes, lark_parser, lexer_codes

__all__ = ["fast_parse", "fast_tables", "fast_callback", "TESTED_LARK"]

#: the lark versions the fast path was tested on (tests/test_parse_paths.py, run on each)
TESTED_LARK = frozenset({"1.1.9", "1.2.1", "1.2.2", "1.3.0", "1.3.1"})


def fast_callback(rule: Any, builder_class: type) -> Callable[[Any, list[Any], Any], Any] | None:
    """The callback of one grammar rule (alternative): child filter, then the Builder method; None to pass on."""
    from lark.visitors import _vargs_meta  # lark's v_args(meta=True) wrapper (private: checked here, once)

    name = rule.alias or rule.options.template_source or rule.origin.name
    expansion = rule.expansion
    keep_all = rule.options.keep_all_tokens
    keep = tuple(
        (i, not sym.is_term and sym.name.startswith("_"))
        for i, sym in enumerate(expansion)
        if keep_all or not (sym.is_term and sym.filter_out)
    )
    expand1 = bool(rule.options.expand1) and not rule.alias
    if expand1 and len(expansion) == 1 and keep == ((0, False),):
        return None  # `?sum: product`: the child passes through with its own extent
    method: Any = None
    for klass in builder_class.__mro__:
        if name in klass.__dict__:
            method = klass.__dict__[name]
            break
    with_meta = False
    if method is not None and getattr(method, "visit_wrapper", None) is not None:
        if method.visit_wrapper is not _vargs_meta:  # pragma: no cover - we only use v_args(meta=True)
            raise TypeError(f"unsupported v_args on {name}")
        method = method.base_func
        with_meta = True
    empty_meta = Meta()  # type: ignore[no-untyped-call]  # (lark's Meta has no annotations)
    picks = [i for i, _ in keep]
    expands = any(expand for _, expand in keep)  # then pick makes (or takes over) a list of its own
    pick: Callable[[list[Any]], Any]
    if expands:
        first_i, first_expand = keep[0]
        rest = keep[1:]

        def pick(children: list[Any]) -> Any:
            # An inlined `_rule` first (the left recursion of `item*`: `_items: _items item`) lends
            # its own list, which grows in place: copying it at each reduction made a file of N items
            # cost N²/2 copies (and the collector as much again, walking each young copy).  The
            # inlined tree is nobody else's: only this reduction's children hold it.
            if first_expand:
                values = children[first_i].children
            else:
                values = [children[first_i]]
            for i, expand in rest:
                if expand:  # an inlined `_rule`: its children stand in its place
                    values.extend(children[i].children)
                else:
                    values.append(children[i])
            return values
    elif picks == list(range(len(expansion))):
        def pick(children: list[Any]) -> Any:
            return children
    elif picks == list(range(picks[0] if picks else 0, picks[-1] + 1 if picks else 0)):
        pick = operator.itemgetter(slice(picks[0], picks[-1] + 1) if picks else slice(0, 0))  # a list
    else:
        pick = operator.itemgetter(*picks)  # a tuple of the kept children

    if expand1:
        def callback(builder: Any, children: list[Any], extent: Any) -> Any:
            values = pick(children)
            if len(values) == 1:
                return values[0]
            return method(builder, extent or empty_meta, values) if with_meta else method(builder, values)
    elif method is None:
        def callback(builder: Any, children: list[Any], extent: Any) -> Any:
            return Tree(name, pick(children) if expands else list(pick(children)))
    elif with_meta:
        def callback(builder: Any, children: list[Any], extent: Any) -> Any:
            return method(builder, extent or empty_meta, pick(children))
    else:
        def callback(builder: Any, children: list[Any], extent: Any) -> Any:
            return method(builder, pick(children))
    return callback


@functools.cache
def fast_tables() -> lalr.Tables | None:
    """lark's tables with our callbacks; None on a lark it was not tested on, or whose insides differ
    (then only the plain path runs)."""
    if lark.__version__ not in TESTED_LARK:
        return None
    parser = lark_parser()
    try:
        callbacks = {rule: fast_callback(rule, Builder) for rule in parser.rules}
    except Exception:  # pragma: no cover - another lark version
        return None
    tables = lalr.tables_for(parser, callbacks)
    if tables is not None:
        tables.lexers.known = lexer_codes()  # (the regexes' code from earlier runs)
    return tables


def fast_parse(text: str, filename: str | None, lines: list[str]) -> tuple[n.Plan, Builder] | None:
    """The plan of clean text, built while parsing; None when the plain path must run."""
    tables = fast_tables()
    if tables is None:
        return None
    builder = Builder(filename, lines)
    try:
        plan = lalr.run(tables, text, builder)
    except Exception:
        return None
    finally:
        lexers = tables.lexers
        if lexers.new:  # regexes made for this text: their code, for the next run
            keep_lexer_codes(lexers.new)
            lexers.known.update(lexers.new)
            lexers.new = {}
    if builder.problems or not isinstance(plan, n.Plan):
        return None
    return plan, builder


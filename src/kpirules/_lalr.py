"""The fast path's parser: lark's LALR tables and lexer regexes, driven by a plain loop.

lark's own loop wraps every token and every reduction in general machinery
(lexer state objects, line counters, Token objects for keywords, a hashed
lookup of each grammar rule).  This module reads what lark has already
built for the grammar -- the parse table and, for every parser state, the
compiled regex of its contextual lexer -- and runs the same automaton with
lists and dicts of plain values:

* **Lexing** at the parser's current state uses that state's own regex, the
  one lark's contextual lexer would use there, so the token stream is lark's
  by construction (no second list of terminals to keep in step).  A name
  that spells a keyword the state accepts (lark's "unless" callback) takes
  the keyword's type, as in lark.
* **Tokens** are lark Tokens only where a grammar rule keeps them; a keyword
  or punctuation mark that every rule filters out is pushed as its bare
  extent.
* **A chain of `?rule: child` reductions** (`cond` → `or_expr` → … → `atom`)
  changes only the state on top of the stack; the state it ends in is
  remembered per (state below, state on top, lookahead), so a chain is looked
  up once rather than walked at every operand.

Anything this loop does not expect -- no regex match, a token the state does
not accept, an action it does not know -- ends it with None, and the caller
parses the plain way, which produces lark's own error.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from lark import Lark, Token

__all__ = ["Extent", "Tables", "tables_for", "run"]

#: where a token or a rule's text stands: (line, column, end_line, end_column), as lark counts them
Extent = tuple[int, int, int, int]
#: a rule's callback: (context, children, extent) → the rule's value
Callback = Callable[[Any, list, "Extent | None"], Any]


class Tables:
    """lark's automaton for one grammar, as plain dicts (built once, then only read)."""

    def __init__(self, lark: Lark, callbacks: dict[Any, Callback | None]) -> None:
        """``callbacks`` maps each of lark's grammar rules to its callback, or to None for `?rule: child`."""
        frontend = lark.parser
        table = frontend.parser.parser.parse_table
        lexer = frontend.lexer
        (start_rule,) = table.start_states
        self.start: int = table.start_states[start_rule]
        self.end: int = table.end_states[start_rule]
        # a shift: the new state; a reduction: (number of children, callback, the rule it makes)
        reductions: dict[Any, tuple[int, Callback | None, str]] = {}
        self.actions: dict[int, dict[str, Any]] = {}
        for state, row in table.states.items():
            actions: dict[str, Any] = {}
            for symbol, (action, arg) in row.items():
                if action.name == "Shift":
                    actions[symbol] = arg
                elif action.name == "Reduce":
                    if arg not in reductions:
                        callback = callbacks[arg]
                        if callback is None and len(arg.expansion) != 1:
                            raise ValueError(f"{arg} has no single child to pass on")
                        reductions[arg] = (len(arg.expansion), callback, arg.origin.name)
                    actions[symbol] = reductions[arg]
                else:
                    raise ValueError(f"unknown LALR action {action.name}")
            self.actions[state] = actions
        # what lark's contextual lexer does in each state: its regex, and the names it makes keywords of
        self.match: dict[int, Callable[[str, int], re.Match[str] | None]] = {}
        self.keywords: dict[int, dict[str, dict[str, str]]] = {}
        for state, state_lexer in lexer.lexers.items():
            scanner = state_lexer.scanner  # lark builds it on first use
            if len(scanner._mres) != 1:
                raise ValueError("a lexer regex split in parts")
            self.match[state] = scanner._mres[0].match
            self.keywords[state] = {kind: _keywords_of(callback) for kind, callback in state_lexer.callback.items()}
        if set(self.match) != set(self.actions):
            raise ValueError("the lexer's states are not the parser's")
        self.ignore = frozenset(lexer.root_lexer.ignore_types)
        self.newline_types = frozenset(lexer.root_lexer.newline_types)
        #: the terminals some rule keeps (the others reach no callback: only their extent counts)
        self.kept = frozenset(
            symbol.name
            for rule in lark.rules
            for symbol in rule.expansion
            if symbol.is_term and (rule.options.keep_all_tokens or not symbol.filter_out)
        )


def _keywords_of(callback: object) -> dict[str, str]:
    """The keywords lark's lexer makes of a token ("unless" a name spells one): text → keyword type."""
    scanner = getattr(callback, "scanner", None)
    if type(callback).__name__ != "UnlessCallback" or scanner is None:
        raise ValueError(f"unexpected lexer callback {callback!r}")
    keywords: dict[str, str] = {}
    for terminal in scanner.terminals:
        if terminal.pattern.type != "str" or terminal.pattern.flags:
            raise ValueError(f"unexpected keyword pattern {terminal.pattern!r}")
        keywords[terminal.pattern.value] = terminal.name
    return keywords


def tables_for(lark: Lark, callbacks: dict[Any, Callback | None]) -> Tables | None:
    """The tables of a lark LALR parser with a contextual lexer; None if lark's insides are not as expected."""
    try:
        return Tables(lark, callbacks)
    except Exception:  # pragma: no cover - another lark version: the caller keeps its other path
        return None


_new_str = str.__new__


def run(tables: Tables, text: str, context: object) -> Any:
    """What the callbacks make of ``text``; None where lark's parser would stop with an error (or might).

    A callback is called as ``callback(context, children, extent)``: ``children``
    are the values of the rule's symbols (lark Tokens for the terminals some rule
    keeps, the extents of the others, the callbacks' results for rules) and
    ``extent`` runs from the first child's start to the last child's end.
    """
    actions = tables.actions
    match = tables.match
    keywords = tables.keywords
    ignore = tables.ignore
    newline_types = tables.newline_types
    kept = tables.kept
    end_state = tables.end
    states = [tables.start]
    values: list[Any] = []
    extents: list[Extent | None] = []
    chains: dict[tuple[int, int, str], int] = {}  # (state below, state on top, lookahead) → state after the chain
    size = len(text)
    pos = 0
    line = 1
    line_start = 0  # the position where `line` begins
    while True:
        # --- the next token, lexed as lark's contextual lexer lexes it in this state
        if pos < size:
            state = states[-1]
            m = match[state](text, pos)
            if m is None:
                return None
            kind = m.lastgroup
            start = pos
            pos = m.end()
            newlines = text.count("\n", start, pos) if kind in newline_types else 0
            if kind in ignore:
                if newlines:
                    line += newlines
                    line_start = text.rindex("\n", start, pos) + 1
                continue
            column = start - line_start + 1
            end_line = line + newlines
            if newlines:  # pragma: no cover - no kept terminal of kpirules' grammar spans lines
                line_start = text.rindex("\n", start, pos) + 1
            extent = (line, column, end_line, pos - line_start + 1)
            line = end_line
            value = m.group()
            if keywords[state]:
                kind = keywords[state].get(kind, {}).get(value, kind)
            if kind in kept:
                token = _new_str(Token, value)
                token.type = kind
                token.value = value
                token.start_pos = start
                token.end_pos = pos
                token.line, token.column, token.end_line, token.end_column = extent
            else:
                token = extent
        else:
            kind = "$END"
            token = extent = None
        # --- reductions until this token is shifted (at the end: until the start rule is made)
        while True:
            action = actions[states[-1]].get(kind)
            if action is None:
                return None
            if type(action) is int:
                if token is None:  # pragma: no cover - lark never shifts the end
                    return None
                states.append(action)
                values.append(token)
                extents.append(extent)
                break
            count, callback, made = action
            if callback is None:
                # `?rule: child`: the child stands for the rule; only the state on top changes
                key = (states[-2], states[-1], kind)
                after = chains.get(key)
                if after is None:
                    after = chains[key] = _chain(actions, key, end_state)
                states[-1] = after
            else:
                if count:
                    first = extents[-count]
                    last = extents[-1]
                    if first is None or last is None:  # pragma: no cover - an empty rule inside another
                        return None
                    made_extent: Extent | None = (first[0], first[1], last[2], last[3])
                    children = values[-count:]
                    del values[-count:], extents[-count:], states[-count:]
                else:
                    made_extent = None
                    children = []
                values.append(callback(context, children, made_extent))
                extents.append(made_extent)
                states.append(actions[states[-1]][made])
            if token is None and states[-1] == end_state:
                return values[-1]


def _chain(actions: dict[int, dict[str, Any]], key: tuple[int, int, str], end_state: int) -> int:
    """The state a chain of `?rule: child` reductions ends in, from (state below, state on top, lookahead)."""
    below, top, kind = key
    while True:
        action = actions[top].get(kind)
        if type(action) is not tuple or action[1] is not None:
            return top
        top = actions[below][action[2]]
        if kind == "$END" and top == end_state:
            return top

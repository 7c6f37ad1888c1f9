"""The fast path's parser: lark's LALR tables and lexer regexes, driven by a plain loop.

lark's own loop wraps every token and every reduction in general machinery
(lexer state objects, line counters, Token objects for keywords, a hashed
lookup of each grammar rule).  This module reads what lark has already
built for the grammar -- the parse table and, for every parser state, the
compiled regex of its contextual lexer -- and runs the same automaton with
lists and dicts of plain values:

* **Lexing** at the parser's current state matches as the regex lark's
  contextual lexer uses there, so the token stream is lark's (no second list
  of terminals to keep in step).  For speed the regex is split by first
  character: only the terminals that can start with the character at hand
  are tried, in lark's order (see _Lexers).  A name that spells a keyword
  the state accepts (lark's "unless" callback) takes the keyword's type, as
  in lark.
* **Tokens** are lark Tokens only where a grammar rule keeps them; a keyword
  or punctuation mark that every rule filters out is pushed as its bare
  extent.
* **A chain of `?rule: child` reductions** (`cond` → `or_expr` → … → `atom`)
  changes only the state on top of the stack; the state it ends in is
  remembered per (state below, state on top, lookahead), so a chain is looked
  up once rather than walked at every operand.

Anything this loop does not expect -- no regex match, a token the state does
not accept, a token beyond ASCII or over several lines -- ends it with None,
and the caller parses the plain way, which produces lark's own error.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

try:  # the parser of regex syntax, to find the characters a terminal can start with
    from re import _constants as _sre, _parser as _sre_parse  # type: ignore[attr-defined]  # Python >= 3.11
    from re import _compiler as _sre_compile  # type: ignore[attr-defined]
except ImportError:  # pragma: no cover - Python 3.10
    import sre_constants as _sre
    import sre_parse as _sre_parse
    import sre_compile as _sre_compile

import _sre as _sre_engine  # type: ignore[import-not-found]  # (the regex engine: a pattern made from its code, as re.compile makes it)

from lark import Lark, Token

_create_unless: Any
try:  # what lark's lexer makes of keywords that a name's regex also matches
    from lark.lexer import _create_unless
except ImportError:  # pragma: no cover - another lark version: Tables refuses, and the plain path runs
    _create_unless = None

__all__ = ["Extent", "Tables", "tables_for", "run"]

#: where a token or a rule's text stands: (line, column, end_line, end_column), as lark counts them
Extent = tuple[int, int, int, int]
#: a compiled regex's `match`
Match = Callable[[str, int], "re.Match[str] | None"]
#: a rule's callback: (context, children, extent) → the rule's value
Callback = Callable[[Any, list[Any], "Extent | None"], Any]


class Tables:
    """lark's automaton for one grammar, as plain dicts (built once; lexers and chains filled in on first use)."""

    def __init__(self, lark: Lark, callbacks: dict[Any, Callback | None]) -> None:
        """``callbacks`` maps each of lark's grammar rules to its callback, or to None for `?rule: child`."""
        if _create_unless is None:
            raise ValueError("lark.lexer._create_unless is not there")
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
            for name, (action, arg) in row.items():
                symbol = str(name)  # lark's names may be Tokens, slower to compare
                if action.name == "Shift":
                    actions[symbol] = arg
                elif action.name == "Reduce":
                    if arg not in reductions:
                        callback = callbacks[arg]
                        if callback is None and len(arg.expansion) != 1:
                            raise ValueError(f"{arg} has no single child to pass on")
                        reductions[arg] = (len(arg.expansion), callback, str(arg.origin.name))
                    actions[symbol] = reductions[arg]
                else:
                    raise ValueError(f"unknown LALR action {action.name}")
            self.actions[state] = actions
        #: (state below, state on top, lookahead) → the state a chain of `?rule: child` reductions
        #: ends in (see _chain); filled as parses meet them
        self.chains: dict[tuple[int, int, str], int] = {}
        # what lark's contextual lexer does in each state, made on first use
        self.lexers = _Lexers(lexer)
        if set(lexer.lexers) != set(self.actions):
            raise ValueError("the lexer's states are not the parser's")
        # the start state read now (every parse reads it first): lark's insides checked once, here, so that
        # if they are not as expected the caller keeps the plain path for good
        self.lexers._terminals[self.start] = self.lexers._read(self.start)
        self.ignore = frozenset(lexer.root_lexer.ignore_types)
        self.newline_types = frozenset(lexer.root_lexer.newline_types)
        #: the terminals some rule keeps (the others reach no callback: only their extent counts)
        self.kept = frozenset(
            symbol.name
            for rule in lark.rules
            for symbol in rule.expansion
            if symbol.is_term and (rule.options.keep_all_tokens or not symbol.filter_out)  # type: ignore[attr-defined]
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


class _Lexers:
    """For each parser state and the character at hand, a regex that lexes as lark's contextual lexer.

    lark's regex for a state tries that state's terminals one after the other,
    and the first that matches wins.  A terminal that cannot start with the
    character at hand cannot match there, so leaving it out changes nothing:
    the regex for `r` keeps, in lark's order, only the terminals that can start
    with `r` (`rule`, `ratio`, names …), the one for a space only whitespace.
    Which characters a terminal can start with is read from its regex,
    generously: a lookahead or anything unknown lets every character through.
    Regexes are made on first use, as lark makes its own (a text uses few
    states).  A token that starts with a character beyond ASCII gets no match:
    no terminal of kpirules' grammar starts with one, and the plain path then
    gives lark's own error.
    """

    def __init__(self, lexer: Any) -> None:
        if lexer.root_lexer.g_regex_flags & re.IGNORECASE or lexer.root_lexer.re is not re:
            raise ValueError("a case-insensitive lexer, or not of the re module")
        self.flags = lexer.root_lexer.g_regex_flags
        self.lark_lexers = lexer.lexers
        #: state → character → the `match` of its regex (what run() reads)
        self.by_char: dict[int, dict[str, Match]] = {state: {} for state in lexer.lexers}
        #: state → token type → text → the keyword lark makes of it ("unless" a name spells one)
        self.keywords: dict[int, dict[str, dict[str, str]]] = {}
        self._terminals: dict[int, list[tuple[str, str, frozenset[str]]]] = {}  # state → (type, regex, first chars)
        self._firsts: dict[str, frozenset[str]] = {}
        self._checked = False  # lark's scanner seen to be made as _read expects (see there)
        self._regexes: dict[tuple[tuple[str, str], ...], Match] = {}
        #: pattern → what the regex engine is given for it (:func:`regex_code`), kept between runs by
        #: kpirules.lang.grammar; ``new``: the ones made in this process, to keep
        self.known: dict[str, tuple[Any, ...]] = {}
        self.new: dict[str, tuple[Any, ...]] = {}

    def learn(self, state: int, char: str) -> Match:
        """The `match` of the regex for ``state`` at ``char``, made now and kept."""
        terminals = self._terminals.get(state)
        if terminals is None:
            terminals = self._terminals[state] = self._read(state)
        chosen = tuple((name, regexp) for name, regexp, first in terminals if char in first)
        match = self._regexes.get(chosen)
        if match is None:
            pattern = "|".join(f"(?P<{name}>{regexp})" for name, regexp in chosen)
            match = self._regexes[chosen] = self._compile(pattern).match if chosen else _no_match
        self.by_char[state][char] = match
        return match

    def _compile(self, pattern: str) -> re.Pattern[str]:
        """``re.compile(pattern, flags)``; from its code when a run before kept it (compiling the regexes of a
        text's states was a third of a first parse), else compiled and its code kept in ``new``."""
        args = self.known.get(pattern)
        if args is not None:
            try:
                return _sre_engine.compile(pattern, *args)  # type: ignore[no-any-return]
            except Exception:  # noqa: BLE001 - a damaged entry: compile it as re does
                self.known.pop(pattern, None)
        compiled = re.compile(pattern, self.flags)
        code = regex_code(pattern, self.flags)
        if code is not None and code[0] == compiled.flags and code[3] == dict(compiled.groupindex):
            self.new[pattern] = code
        return compiled

    def _read(self, state: int) -> list[tuple[str, str, frozenset[str]]]:
        """The terminals of lark's lexer for a state, in its order, with the characters each may start with.

        The first state read has lark build its scanner, as its own parser
        would, to see that the scanner is one regex of the terminals in this
        order and that lark's `_create_unless` gives the same terminals and
        keyword callbacks.  The other states take them from `_create_unless`
        alone: the scanner's big regex, which this module never runs, is not
        compiled (about half of what a first parse costs in a new process).
        """
        lark_lexer = self.lark_lexers[state]
        if lark_lexer.user_callbacks:
            raise ValueError("lexer callbacks of the user's")
        defs, callbacks = _create_unless(lark_lexer.terminals, lark_lexer.g_regex_flags, lark_lexer.re,
                                         lark_lexer.use_bytes)
        terminals = [(t.name, t.pattern.to_regexp()) for t in defs]
        if not self._checked:
            scanner = lark_lexer.scanner
            regexes = scanner._mres
            joined = "|".join(f"(?P<{name}>{regexp})" for name, regexp in terminals)
            if ([t.name for t in scanner.terminals] != [name for name, _ in terminals]
                    or len(regexes) != 1 or regexes[0].pattern != joined
                    or {k: _keywords_of(c) for k, c in lark_lexer.callback.items()}
                    != {k: _keywords_of(c) for k, c in callbacks.items()}):
                raise ValueError("lark's lexer regex is not made as expected")
            self._checked = True
        self.keywords[state] = {kind: _keywords_of(callback) for kind, callback in callbacks.items()}
        return [(name, regexp, self._first(regexp)) for name, regexp in terminals]

    def _first(self, regexp: str) -> frozenset[str]:
        if regexp not in self._firsts:
            parsed = _sre_parse.parse(regexp, self.flags)
            chars, may_be_empty = _first_chars(parsed)
            anything = may_be_empty or parsed.state.flags & re.IGNORECASE
            self._firsts[regexp] = _ASCII if anything else frozenset(chars)
        return self._firsts[regexp]


_ASCII = frozenset(map(chr, range(128)))


def regex_code(pattern: str, flags: int) -> tuple[Any, ...] | None:
    """What ``re.compile(pattern, flags)`` gives the regex engine after the pattern (its flags, code,
    groups and group names), as Python's re module works it out; None if re is not as expected."""
    try:
        parsed = _sre_parse.parse(pattern, flags)
        code = _sre_compile._code(parsed, flags)
        groupindex = dict(parsed.state.groupdict)
        indexgroup: list[str | None] = [None] * parsed.state.groups
        for name, i in groupindex.items():
            indexgroup[i] = name
        return (flags | parsed.state.flags, [int(c) for c in code], parsed.state.groups - 1, groupindex,
                tuple(indexgroup))  # (the code's opcodes as plain ints, as the engine reads them)
    except Exception:  # noqa: BLE001 - another Python's re: compile as re does, keep nothing
        return None


_CATEGORIES = {
    _sre.CATEGORY_DIGIT: r"\d",
    _sre.CATEGORY_NOT_DIGIT: r"\D",
    _sre.CATEGORY_SPACE: r"\s",
    _sre.CATEGORY_NOT_SPACE: r"\S",
    _sre.CATEGORY_WORD: r"\w",
    _sre.CATEGORY_NOT_WORD: r"\W",
}


def _no_match(text: str, pos: int) -> None:
    return None


def _first_chars(items: Any) -> tuple[set[str], bool]:
    """The ASCII characters a parsed regex may start with, and whether it may match the empty string."""
    chars: set[str] = set()
    for op, arg in items:
        if op is _sre.LITERAL:
            first, may_be_empty = {chr(arg)}, False
        elif op is _sre.IN:
            first, may_be_empty = _class_chars(arg), False
        elif op in (_sre.MAX_REPEAT, _sre.MIN_REPEAT, getattr(_sre, "POSSESSIVE_REPEAT", None)):
            low, _high, body = arg
            first, may_be_empty = _first_chars(body)
            may_be_empty = may_be_empty or low == 0
        elif op is _sre.SUBPATTERN and not arg[1] and not arg[2]:  # a group with no flags of its own
            first, may_be_empty = _first_chars(arg[3])
        elif op is getattr(_sre, "ATOMIC_GROUP", None):
            first, may_be_empty = _first_chars(arg)
        elif op is _sre.BRANCH:
            first, may_be_empty = set(), False
            for branch in arg[1]:
                branch_first, branch_empty = _first_chars(branch)
                first |= branch_first
                may_be_empty = may_be_empty or branch_empty
        elif op in (_sre.ASSERT, _sre.ASSERT_NOT, _sre.AT):  # matches no character: look further
            first, may_be_empty = set(), True
        else:  # anything else may start with anything
            first, may_be_empty = set(_ASCII), False
        chars |= first
        if not may_be_empty:
            return chars, False
    return chars, True


def _class_chars(items: Any) -> set[str]:
    """The ASCII characters of a character class such as `[^"\\\n]` or `\\d`."""
    negate = bool(items) and items[0][0] is _sre.NEGATE
    inside: set[str] = set()
    for op, arg in items[1:] if negate else items:
        if op is _sre.LITERAL:
            inside.add(chr(arg))
        elif op is _sre.RANGE:
            inside.update(chr(code) for code in range(arg[0], min(arg[1], 127) + 1))
        elif op is _sre.CATEGORY:
            escape = _CATEGORIES.get(arg)
            if escape is None:
                return set(_ASCII)
            # as re reads it, with or without re.ASCII (they differ on a few control characters)
            inside.update(char for char in _ASCII if re.match(escape, char) or re.match(escape, char, re.ASCII))
        else:
            return set(_ASCII)
    return set(_ASCII) - inside if negate else inside


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
    by_char = tables.lexers.by_char
    learn = tables.lexers.learn
    keywords = tables.lexers.keywords
    ignore = tables.ignore
    newline_types = tables.newline_types
    kept = tables.kept
    end_state = tables.end
    state = tables.start  # always the state on top of `states`
    states = [state]
    values: list[Any] = []
    extents: list[Extent | None] = []
    chains = tables.chains
    size = len(text)
    pos = 0
    line = 1
    line_start = 0  # the position where `line` begins
    kind: Any  # a terminal's name (the regex match's group), or "$END"
    token: Any  # a kept Token, the extent of a token no rule keeps, or None at the end
    extent: Extent | None
    while True:
        # --- the next token, lexed as lark's contextual lexer lexes it in this state
        if pos < size:
            char = text[pos]
            m = (by_char[state].get(char) or learn(state, char))(text, pos)
            if m is None:
                return None
            kind = m.lastgroup
            start = pos
            pos = m.end()
            if kind in ignore:
                if kind in newline_types:
                    newlines = text.count("\n", start, pos)
                    if newlines:
                        line += newlines
                        line_start = text.rindex("\n", start, pos) + 1
                continue
            if kind in newline_types and "\n" in text[start:pos]:
                return None  # a token over several lines: none in valid kpirules text
            extent = (line, start - line_start + 1, line, pos - line_start + 1)
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
            action = actions[state].get(kind)
            if action is None:
                return None
            if type(action) is int:
                if token is None:  # pragma: no cover - lark never shifts the end
                    return None
                state = action
                states.append(state)
                values.append(token)
                extents.append(extent)
                break
            count, callback, made = action
            if callback is None:
                # `?rule: child`: the child stands for the rule; only the state on top changes
                key = (states[-2], state, kind)
                state = chains.get(key) or _chain(actions, key, end_state, chains)
                states[-1] = state
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
                state = actions[states[-1]][made]
                states.append(state)
            if token is None and state == end_state:
                return values[-1]


def _chain(actions: dict[int, dict[str, Any]], key: tuple[int, int, str], end_state: int,
           chains: dict[tuple[int, int, str], int]) -> int:
    """The state a chain of `?rule: child` reductions ends in, from (state below, state on top, lookahead); kept."""
    below, top, kind = key
    while True:
        action = actions[top].get(kind)
        if type(action) is not tuple or action[1] is not None:
            break
        top = actions[below][action[2]]
        if kind == "$END" and top == end_state:
            break
    chains[key] = top
    return top

"""Syntax errors in words: lark's exceptions become :class:`KpiSyntaxError`.

This module is the one error boundary between lark and kpirules: the
position, the source line, a caret and what was expected in words.
"""

from __future__ import annotations

import datetime
import difflib
import re
from collections.abc import Iterable

from lark import Token, Tree
from lark.exceptions import UnexpectedCharacters, UnexpectedEOF, UnexpectedInput, UnexpectedToken

from kpirules import nodes as n
from kpirules.errors import Diagnostic, KpiSyntaxError, Span
from kpirules.lang.grammar import KEYWORDS
from kpirules.text import MAX_DIGITS, fold

__all__ = ["syntax_error"]

_WORDS = {
    "COMPARE": "a comparison such as >=",
    "BETWEEN": "`between`",
    "NUMBER": "a number",
    "INT": "a number",
    "PERCENT": "a percentage",
    "NAME": "a name",
    "STRING": 'a quoted string "…"',
    "DOTTED": "an id",
    "PERIOD": "a period such as 2020-Q4",
    "DATE": "a date such as 2020-06-30",
    "LPAR": "`(`",
    "RPAR": "`)`",
    "COMMA": "`,`",
    "COLON": "`:`",
    "PLUS": "`+`",
    "MINUS": "`-`",
    "STAR": "`*`",
    "SLASH": "`/`",
    "$END": "the end of the file",
}

_ITEM_START = {"RULE", "TASK", "SECTION", "GROUP", "DATASET", "METRIC"}  # (dataset, metric: records)
_EXPR_START = {"NUMBER", "INT", "PERCENT", "NAME", "STRING", "LPAR", "TRUE", "FALSE", "RATIO", "CHANGE",
               "SUM", "MIN", "MAX", "AVG", "COUNT", "MINUS", "NOT"}
_ARITH = {"PLUS", "MINUS", "STAR", "SLASH"}


_ATTRIBUTES = {word.upper() for word in n.ATTRIBUTES}  # their token types
_HIDDEN = {"CALL_NAME", "BAD_PERIOD", "$END"}


def _describe_expected(expected: Iterable[str]) -> str:
    """What the parser would have accepted, in at most a few words a person can act on."""
    exp = set(expected) - _HIDDEN
    parts: list[str] = []
    if "COMPARE" in exp or "BETWEEN" in exp:
        parts.append("a comparison such as >= or between")
        exp -= {"COMPARE", "BETWEEN", "AT", "AND", "OR", "BY", "FROM", "RPAR", "COMMA"} | _ARITH
        exp -= _ITEM_START | {"GROUP"} | _EXPR_START | _ATTRIBUTES
    if len(exp & _EXPR_START) >= 4:
        parts.append("a number, a metric, a function such as ratio(…) or `(`")
        exp -= _EXPR_START
    if {"PERIOD", "DATE"} <= exp or ({"INT", "PERIOD"} <= exp):
        parts.append("a period or date such as 2020, Q4/2020 or 2020-06-30")
        exp -= {"PERIOD", "DATE", "INT", "STRING", "NUMBER", "PREVIOUS", "NAME"}
    if {"BY", "FROM"} <= exp:
        parts.append("a time clause (`by …` or `from … to …`)")
        exp -= {"BY", "FROM"}
    if len(exp & _ATTRIBUTES) >= 2:
        parts.append("an attribute such as `lead` or `note`")
        exp -= _ATTRIBUTES
    if exp & _ITEM_START:
        parts.append("a new `rule`, `task` or `section`")
        exp -= _ITEM_START | {"GROUP"} | _EXPR_START
    if len(parts) >= 2:  # the main possibilities are named; the rest is noise
        exp &= {"RPAR", "COMMA", "COLON"}
    for name in sorted(exp):
        if name.startswith("__ANON"):
            continue
        word = _WORDS.get(name)
        if word is None:
            word = f"`{name.lower().replace('_', '-')}`" if name.isupper() else name
        if word not in parts:
            parts.append(word)
    if not parts:
        return "the end of the file" if "$END" in set(expected) else "something else"
    if len(parts) == 1:
        return parts[0]
    return ", ".join(parts[:-1]) + " or " + parts[-1]


def _token_text(tok: Token) -> str:
    text = str(tok)
    return text if len(text) <= 40 else text[:37] + "…"


_CONTEXT_STOP = {"COLON", "BY", "FROM", "TO", "LEAD", "SUPPORT", "NOTE", "DUE", "AFTER", "PRODUCT"}


def _context_before(err: UnexpectedToken, text: str, floor: int = 0) -> str | None:
    """The text of what was read just before the bad token (`ratio(a, b)`), from ``floor`` on."""
    try:
        stack = list(err.interactive_parser.parser_state.value_stack)
    except AttributeError:  # pragma: no cover - lark internals moved
        return None
    start = end = None
    for item in reversed(stack):
        if isinstance(item, Token):
            if item.type in _CONTEXT_STOP or item.type in _ITEM_START:
                break
            s, e = item.start_pos, item.end_pos
        elif isinstance(item, Tree) and not item.meta.empty:
            if item.data in ("rule", "task", "section", "header", "bare_rule") or item.data.startswith("__start"):
                break  # (`__start_star_…`: the items read before this one, never part of its context)
            s, e = item.meta.start_pos, item.meta.end_pos
        else:
            break
        if s is None or e is None or s < floor:
            break
        start = s if start is None else min(start, s)
        end = e if end is None else max(end, e)
    if start is None or end is None:
        return None
    snippet = " ".join(text[start:end].split())
    if len(snippet) > 50:
        last = stack[-1]
        snippet = str(last) if isinstance(last, Token) else snippet[-50:]
    return snippet or None


def syntax_error(err: UnexpectedInput, text: str, filename: str | None, lines: list[str],
                 floor: int = 0) -> KpiSyntaxError:
    """The error ``err`` of lark in words; ``floor``: the offset in ``text`` where what was read starts
    (text before it is a stand-in, never quoted)."""
    line = getattr(err, "line", -1)
    col = getattr(err, "column", -1)
    width = 1
    hint: str | None = None
    if isinstance(err, UnexpectedToken) and err.token.type == "$END" or isinstance(err, UnexpectedEOF):
        line = max(1, len(lines))
        col = len(lines[line - 1]) + 1 if lines else 1
        message = "the file ends in the middle of an item"
        if isinstance(err, UnexpectedToken):
            message += f"; expected {_describe_expected(err.expected)}"
            ctx = _context_before(err, text, floor)
            if ctx:
                message += f" after `{ctx}`"
    elif isinstance(err, UnexpectedToken):
        tok = err.token
        width = max(1, len(str(tok).splitlines()[0]) if str(tok) else 1)
        pos = tok.start_pos if tok.start_pos is not None else 0
        word = _WORD_RE.match(text, pos)
        if word and not word.group().isascii():
            width = len(word.group())
            message = f"unexpected `{word.group()}`: names are ASCII letters, digits and _"
            hint = _ascii_hint(word.group(), set(err.expected))
        elif str(tok) == "=" and tok.type not in set(err.expected):  # (`=` is a token of `metric NAME = …`)
            after = text[pos + 1 : pos + 2]
            if after in (">", "<"):
                width = 2
                message = f"`={after}` is not an operator"
                hint = f"write `{after}=`"
            else:
                message = "a single `=` is not an operator"
                hint = "write `==` to compare for equality (or >=, <=)"
        elif (missing := _missing_colon(err, text)) is not None:
            line, col, header = missing
            message = f"a `:` is missing at the end of `{header}`: a header ends with `:` before its lines"
            hint = f"write `{header}:`"
        elif (stray := _stray_after_item(err, lines)) is not None:
            line, col, width, message = stray
            hint = ("put a title in quotes after the id, or write a condition as a rule of its own "
                    "(`rule ID: …`) on a new line")
        elif tok.type in _ATTRIBUTES and not (set(err.expected) & {tok.type}) \
                and {"NAME", "LPAR"} <= set(err.expected) and "RULE" not in set(err.expected):
            # right after a rule's header, which wants its condition before any attribute
            message = f"unexpected `{tok}`: a rule's condition comes before its `{tok}` line"
            hint = (f"write the rule's condition first (after the header's colon, or on the next line), "
                    f"then `{tok} …`")
        elif tok.type in _ATTRIBUTES and not (set(err.expected) & {tok.type}):
            message = (f"unexpected `{tok}`: it belongs right after a `task` or `rule` header, "
                       "but the item above ended before this line")
            hint = _misspelt_attribute(lines, tok.line or 1)
        else:
            found = _token_text(tok)
            what = f"keyword `{found}`" if tok.type in _KEYWORD_TYPES else f"`{found}`"
            message = f"unexpected {what}; expected {_describe_expected(err.expected)}"
            ctx = _context_before(err, text, floor)
            if ctx:
                message += f" after `{ctx}`"
    elif isinstance(err, UnexpectedCharacters):
        pos = err.pos_in_stream or 0  # (always set by lark's lexer)
        ch = text[pos] if 0 <= pos < len(text) else "?"
        rest = text[pos : pos + 3]
        start = pos
        while start > 0 and (text[start - 1].isalnum() or text[start - 1] == "_") and pos - start < 60:
            start -= 1
        word = _WORD_RE.match(text, start)
        escape = _bad_escape(text, pos) if ch == '"' else None
        if escape is not None:  # (`"x\ty"` is closed: its `\t` is what the lexer cannot read)
            col += escape - pos
            width = 2
            message = (f"`{text[escape:escape + 2]}` is not an escape of a rule file's strings: "
                       "a string has `\\\"` (a quote), `\\\\` (a backslash) and `\\n` (a new line), no other")
            hint = "write the character itself (a tab as a tab), or `\\\\` for a backslash"
        elif ch == '"':
            message = "a string is not closed before the end of the line"
        elif word and not word.group().isascii():
            width = len(word.group())
            col -= pos - start
            message = f"unexpected `{word.group()}`: names are ASCII letters, digits and _"
            hint = _ascii_hint(word.group(), set(getattr(err, "allowed", None) or ()) or None)
        elif (number := _bad_number(text, pos)) is not None:
            start, shown = number
            col -= pos - start
            width = len(shown)
            message = f"{_quoted(shown)} is not a number kpirules reads: {_what_is_wrong(shown)}"
            hint = ("write digits with an optional decimal point, such as 1000000 or 12.5 (no exponent, no unit; "
                    f"at most {MAX_DIGITS:,} digits)")
        elif rest.startswith("=>") or rest.startswith("=<"):
            width = 2
            message = f"`{rest[:2]}` is not an operator"
            hint = f"write `{rest[1]}=`"
        elif ch == "=":
            message = "a single `=` is not an operator"
            hint = "write `==` to compare for equality (or >=, <=)"
        elif ch == "%":
            message = "a `%` stands alone"
            hint = "write a percentage with no space before the sign: 20%"
        else:
            message = f"unexpected character `{ch}`"
            allowed = getattr(err, "allowed", None)
            if allowed:
                message += f"; expected {_describe_expected(allowed)}"
    else:  # pragma: no cover
        message = str(err).splitlines()[0]
    written = _day_first_date(err, text)
    if written is not None:  # `by 31/12/2022`: a date written as in data, day first
        start, shown, iso = written
        col -= (err.token.start_pos if isinstance(err, UnexpectedToken) else err.pos_in_stream or 0) - start
        width = len(shown)
        message = f"`{shown}` is not a date in a rule file: dates there are written year first"
        hint = f"write {iso}" if iso else "write the date as YYYY-MM-DD, such as 2022-12-31"
    if line < 1:
        line, col = max(1, len(lines)), 1
    source = lines[line - 1] if 0 < line <= len(lines) else None
    diag = Diagnostic(message, Span(line, col, line, col + width, file=filename), hint=hint, source_line=source)
    return KpiSyntaxError.from_diagnostics([diag])  # type: ignore[return-value]


_BEGINS = re.compile(r"(?:rule|task|plan|section|group|event|unit|dataset|metric)\b")
#: the keywords of the headers that end with `:` (and what they are called)
_COLON_HEADERS = {"RULE", "TASK", "DATASET"}
#: what a stray word after an item is said to follow, by the item's tree
_AFTER = {"section": "the `section` header", "task": "the task", "rule": "the rule", "header": "the `plan` header",
          "event": "the `event` line", "unit_decl": "the `unit` line", "group": "the `group` line",
          "metric_decl": "the `metric` line", "counted_metric": "the `metric` line", "dataset": "the `dataset`"}


def _missing_colon(err: UnexpectedToken, text: str) -> tuple[int, int, str] | None:
    """(line, column, header) when a `rule`, `task` or `dataset` header ends its line without its `:`
    (`task T2 "t2"`, then `due …` on the next line): the place where the colon belongs."""
    try:
        stack = list(err.interactive_parser.parser_state.value_stack)
    except AttributeError:  # pragma: no cover - lark internals moved
        return None
    if "COLON" not in set(err.expected) or not stack or not isinstance(stack[-1], Token):
        return None
    last = stack[-1]
    if last.end_line is None or last.end_column is None or err.token.line is None or \
            err.token.line <= last.end_line:
        return None
    for item in reversed(stack):
        if not isinstance(item, Token):
            return None
        if item.type in _COLON_HEADERS:
            if item.start_pos is None or last.end_pos is None or item.line != last.end_line:
                return None
            header = " ".join(text[item.start_pos:last.end_pos].split())
            return last.end_line, last.end_column, header if len(header) <= 60 else header[:57] + "…"
    return None


def _stray_after_item(err: UnexpectedToken, lines: list[str]) -> tuple[int, int, int, str] | None:
    """(line, column, width, message) when what the parser reads before the bad token starts on the line
    where the item before it ends (`lead X Y`, then `due …` on the next line: `Y` began a rule of its own,
    which no `due` may follow)."""
    try:
        stack = list(err.interactive_parser.parser_state.value_stack)
    except AttributeError:  # pragma: no cover - lark internals moved
        return None
    for at in range(len(stack) - 1, -1, -1):
        item = stack[at]
        if isinstance(item, Tree) and (item.data in _AFTER or item.data.startswith("__start")):
            break
    else:
        return None
    if at == len(stack) - 1 or item.meta.empty:
        return None
    if item.data.startswith("__start"):  # (the items read so far: the last of them)
        last = item.children[-1] if item.children else None
        if not isinstance(last, Tree) or last.meta.empty:
            return None
        item = last
    first = stack[at + 1]
    if not isinstance(first, Token) or first.line != item.meta.end_line or first.line is None \
            or first.column is None or first.line == err.token.line:
        return None
    what = _AFTER.get(item.data)
    if what is None:  # (`laed Y`: a bare rule before, whose misspelt word is said by the attribute's hint)
        return None
    # (where the item begins in the file: a stand-in header of recovery may stand before this line)
    begins = next((no for no in range(first.line, 0, -1) if _BEGINS.match(lines[no - 1] if no <= len(lines) else "")),
                  item.meta.line)
    begun = f" (begun on line {begins})" if begins != first.line else ""
    shown = _token_text(first)
    return (first.line, first.column, max(1, len(str(first))),
            f"unexpected `{shown}` after {what}{begun}: nothing may follow it on its line")


#: the escapes a string of a rule file has (grammar.lark's STRING): `\"`, `\\` and `\n`
_ESCAPES = '"\\n'


def _bad_escape(text: str, pos: int) -> int | None:
    r"""Where the backslash of the first escape the language does not have stands in the string that
    starts at ``pos`` (`"x\ty"`: at its `\`); None when there is none, or when the string is not closed
    before its line ends (that is what is wrong then)."""
    bad = None
    i = pos + 1
    while i < len(text) and text[i] != "\n":
        if text[i] == '"':
            return bad
        if text[i] == "\\":
            if bad is None and i + 1 < len(text) and text[i + 1] not in _ESCAPES:
                bad = i
            i += 1
        i += 1
    return None


#: what the lexer stopped in when it stops at a digit, or at the `.` after the digits it read as a number:
#: the whole word, its exponent's sign (`1e-400`) and a `%` after it included
_BAD_NUMBER = re.compile(r"\d(?:[\w.]|(?<=[eE])[+-])*%?")


def _bad_number(text: str, pos: int) -> tuple[int, str] | None:
    """The start and text of the number-like word the lexer stopped in at ``pos`` (None if it is not one):
    `1e-400` at its `1`, `1.5e-3` at its `.` (the lexer read `1` as a number there)."""
    start = pos
    if text[pos] == ".":
        while start > 0 and text[start - 1].isdigit():
            start -= 1
        if start == pos or start > 0 and (text[start - 1].isalnum() or text[start - 1] in "_."):
            return None  # (`x .`, `x1.`, `II.1.`: no number, or the end of a name or an id)
    elif not text[pos].isdigit():
        return None
    m = _BAD_NUMBER.match(text, start)
    return (start, m.group()) if m else None


def _quoted(word: str) -> str:
    """A bad number as quoted in its message: whole, or for a very long one its two ends and its length."""
    return f"`{word}`" if len(word) <= 60 else f"`{word[:30]}…{word[-20:]}` ({len(word):,} characters)"


def _what_is_wrong(word: str) -> str:
    """Why a number-like word is not a number of a rule file, in a few words."""
    if re.search(r"\d[eE]", word):
        return "a number in a rule file is written without an exponent"
    if "." in word.rstrip("%") and not re.fullmatch(r"\d+(\.\d+)?%?", word):
        return "a number has at most one decimal point, with digits on both sides"
    return "a number is never glued to letters or `_`"


#: a date written day first, as in data (`31/12/2022`, `1/7/2021`)
_DAY_FIRST = re.compile(r"(?<![\w/.])(\d{1,2})/(\d{1,2})/(\d{4})(?![\w/.])")


def _day_first_date(err: UnexpectedInput, text: str) -> tuple[int, str, str | None] | None:
    """Where the error stands inside a day-first date (`by 31/12/2022`): its start, its text and the
    date written year first (None when it is no calendar day)."""
    if isinstance(err, UnexpectedToken):
        if err.token.type == "$END" or err.token.start_pos is None:
            return None
        pos = err.token.start_pos
    elif isinstance(err, UnexpectedCharacters):
        pos = err.pos_in_stream or 0  # (always set by lark's lexer)
    else:
        return None
    line_start = text.rfind("\n", 0, pos) + 1
    line_end = text.find("\n", pos)
    for m in _DAY_FIRST.finditer(text, line_start, len(text) if line_end < 0 else line_end):
        if m.start() <= pos < m.end():
            try:
                day = datetime.date(int(m.group(3)), int(m.group(2)), int(m.group(1)))
            except ValueError:
                return m.start(), m.group(), None
            return m.start(), m.group(), day.isoformat()
    return None


_KEYWORD_TYPES = {k.upper().replace("-", "_") for k in KEYWORDS} | {"HALF_YEARLY"}
_WORD_RE = re.compile(r"\w+")


def _ascii_hint(word: str, expected: set[str] | None = None) -> str:
    if expected is not None and "STRING" in expected and not expected & _EXPR_START - {"STRING"}:
        # where a title or a unit may stand, not a metric
        return f'put Vietnamese text in quotes: "{word} …"'
    plain = re.sub(r"\W+", "_", fold(word))
    return (f'metric names are ASCII ({plain}); put Vietnamese titles, unit names and periods '
            f'in quotes ("{word} …")')


def _misspelt_attribute(lines: list[str], line: int) -> str | None:
    """A hint naming a misspelt attribute on the lines above ``line`` (`laed X`)."""
    for number in range(line - 1, max(0, line - 4), -1):
        words = lines[number - 1].split() if 0 < number <= len(lines) else []
        if not words or words[0].startswith("#"):
            continue
        close = difflib.get_close_matches(words[0], n.ATTRIBUTES, n=1, cutoff=0.6)
        if close and words[0] != close[0]:
            return f"did you mean `{close[0]}` instead of `{words[0]}` on line {number}?"
        break
    return "look for a misspelt attribute or a stray word on the line above"


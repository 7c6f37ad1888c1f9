"""Parsing: rule-file text → :class:`kpirules.nodes.Plan`.

This module is the one error boundary between lark and kpirules: lark's
exceptions become :class:`KpiSyntaxError` here, with the position, the
source line, a caret and what was expected in words.
"""

from __future__ import annotations

import datetime
import difflib
import functools
import hashlib
import importlib.resources
import operator
import os
import re
import sys
import tempfile
from collections.abc import Iterable
from fractions import Fraction

import lark
from lark import Lark, Token, Transformer_NonRecursive, Tree, v_args
from lark.tree import Meta
from lark.exceptions import UnexpectedCharacters, UnexpectedEOF, UnexpectedInput, UnexpectedToken, VisitError

from kpirules.lang import lalr as _lalr
from kpirules import nodes as n
from kpirules.text import fold
from kpirules.data import MAX_DIGITS  # a number in a rule file may have as many digits as in the data
from kpirules.errors import Diagnostic, KpiError, KpiSyntaxError, Span
from kpirules.periods import KpiPeriodError, parse_kind, parse_period

__all__ = ["parse_text", "MAX_NESTING", "KEYWORDS"]

#: deepest nesting of parentheses, `not` and unary minus a condition may have
MAX_NESTING = 100

KEYWORDS = (
    "plan title issued implements reporting monthly quarterly half-yearly yearly annual "
    "cutoff calendar due section rule task lead support product note after by from to at "
    "previous for each unit units where and or not between ratio change sum min max avg "
    "count true false group in"
).split()


@functools.cache
def _lark() -> Lark:
    """lark's LALR parser for grammar.lark, built once per process (read from the cache when it is there)."""
    grammar = importlib.resources.files("kpirules.lang").joinpath("grammar.lark").read_text(encoding="utf-8")
    path = _cache_file(grammar)
    if path is not None and _trusted(path):
        try:
            with open(path, "rb") as fh:
                return Lark.load(fh)
        except Exception:  # noqa: BLE001 - a damaged or foreign file: build the parser and write it anew
            pass
    parser = _build_lark()
    if path is not None:
        _write_cache(parser, path)
    return parser


#: how the parser is built from grammar.lark (part of the cache file's name: a change never reads an old file)
_LARK_OPTIONS = {"parser": "lalr", "lexer": "contextual", "propagate_positions": True, "maybe_placeholders": False}


def _build_lark() -> Lark:
    return Lark.open_from_package("kpirules.lang", "grammar.lark", **_LARK_OPTIONS)  # type: ignore[arg-type]


def _cache_file(grammar: str) -> str | None:
    """Where the parser built from ``grammar`` is kept between runs, or None (no cache).

    Building lark's LALR tables costs about a fifth of a second at every
    start of the command line; loading them back costs a tenth of that.  The
    file lives in ``$KPIRULES_CACHE_DIR`` (empty: no cache), else in
    ``$XDG_CACHE_HOME/kpirules`` or ``~/.cache/kpirules``: a directory of the
    user's own, as the file is a pickle, which only kpirules writes (see
    :func:`_trusted`).  Its name holds a digest of the grammar, the build
    options and the versions of lark and Python, so a file is only ever read
    by the same grammar, options, lark and Python that wrote it.
    """
    where = os.environ.get("KPIRULES_CACHE_DIR")
    if where is None:
        base = os.environ.get("XDG_CACHE_HOME", "")
        if not os.path.isabs(base):  # (the XDG rule: a relative path is ignored)
            base = os.path.join(os.path.expanduser("~"), ".cache")
        where = os.path.join(base, "kpirules")
    elif where:
        where = os.path.expanduser(where)
    if not where or not os.path.isabs(where):
        return None
    digest = hashlib.sha256((grammar + repr(sorted(_LARK_OPTIONS.items()))).encode("utf-8")).hexdigest()[:16]
    version = ".".join(map(str, sys.version_info[:2]))
    return os.path.join(where, f"grammar-{digest}-lark{lark.__version__}-py{version}.pickle")


def _trusted(path: str) -> bool:
    """Whether the cache file may be read: the user's own file in the user's own directory, and neither
    writable by anybody else (reading a pickle runs what it says, so nobody else may have written it)."""
    getuid = getattr(os, "getuid", None)
    try:
        for st in (os.stat(os.path.dirname(path)), os.stat(path)):
            if getuid is not None and (st.st_uid != getuid() or st.st_mode & 0o022):
                return False
    except OSError:
        return False
    return True


def _write_cache(parser: Lark, path: str) -> None:
    """Keep ``parser`` at ``path``, whole or not at all (a new file renamed into place); never fail."""
    try:
        where = os.path.dirname(path)
        os.makedirs(where, mode=0o700, exist_ok=True)
        if hasattr(os, "getuid"):  # an existing directory (an older kpirules made it with the umask's mode)
            st = os.stat(where)
            if st.st_uid != os.getuid():
                return  # not ours: never written, never read
            if st.st_mode & 0o077:
                os.chmod(where, 0o700)
        fd, tmp = tempfile.mkstemp(dir=where, prefix=".grammar-", suffix=".tmp")  # (mode 0600)
        try:
            with os.fdopen(fd, "wb") as fh:
                parser.save(fh)
            os.replace(tmp, path)
        except BaseException:
            os.unlink(tmp)
            raise
    except Exception:  # noqa: BLE001 - a read-only or full disk: the next run builds the parser again
        pass


# --- turning terminals names into words --------------------------------------

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

_ITEM_START = {"RULE", "TASK", "SECTION", "GROUP"}
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


def _context_before(err: UnexpectedToken, text: str) -> str | None:
    """The text of what was read just before the bad token (`ratio(a, b)`)."""
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
            if item.data in ("rule", "task", "section", "header", "bare_rule"):
                break
            s, e = item.meta.start_pos, item.meta.end_pos
        else:
            break
        if s is None or e is None:
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


def _syntax_error(err: UnexpectedInput, text: str, filename: str | None, lines: list[str]) -> KpiSyntaxError:
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
            ctx = _context_before(err, text)
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
        elif tok.type in _ATTRIBUTES and not (set(err.expected) & {tok.type}):
            message = (f"unexpected `{tok}`: it belongs right after a `task` or `rule` header, "
                       "but the item above ended before this line")
            hint = _misspelt_attribute(lines, tok.line or 1)
        else:
            found = _token_text(tok)
            what = f"keyword `{found}`" if tok.type in _KEYWORD_TYPES else f"`{found}`"
            message = f"unexpected {what}; expected {_describe_expected(err.expected)}"
            ctx = _context_before(err, text)
            if ctx:
                message += f" after `{ctx}`"
    elif isinstance(err, UnexpectedCharacters):
        pos = err.pos_in_stream
        ch = text[pos] if 0 <= pos < len(text) else "?"
        rest = text[pos : pos + 3]
        start = pos
        while start > 0 and (text[start - 1].isalnum() or text[start - 1] == "_") and pos - start < 60:
            start -= 1
        word = _WORD_RE.match(text, start)
        if ch == '"':
            message = "a string is not closed before the end of the line"
        elif word and not word.group().isascii():
            width = len(word.group())
            col -= pos - start
            message = f"unexpected `{word.group()}`: names are ASCII letters, digits and _"
            hint = _ascii_hint(word.group(), set(getattr(err, "allowed", None) or ()) or None)
        elif ch.isdigit():
            bad = re.match(r"[\w.]+", text[pos:])
            shown = bad.group() if bad else ch
            width = len(shown)
            message = f"`{shown}` is not a number kpirules reads"
            hint = "write digits with an optional decimal point, such as 1000000 or 12.5 (no exponent, no unit)"
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
    if line < 1:
        line, col = max(1, len(lines)), 1
    source = lines[line - 1] if 0 < line <= len(lines) else None
    diag = Diagnostic(message, Span(line, col, line, col + width, file=filename), hint=hint, source_line=source)
    return KpiSyntaxError.from_diagnostics([diag])  # type: ignore[return-value]


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


# --- the transformer ----------------------------------------------------------


_ESCAPE = re.compile(r'\\(["\\\\n])')
_ESCAPES = {'"': '"', "\\": "\\", "n": "\n"}


def _unquote(tok: Token | str) -> str:
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


class _Builder(Transformer_NonRecursive):
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
            return Span(meta_or_tok.line, meta_or_tok.column, meta_or_tok.end_line, meta_or_tok.end_column,
                        file=self.filename)
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

    def _problem(self, message: str, where: object, hint: str | None = None) -> None:
        span = self._span(where)
        source = self.lines[span.line - 1] if span and 0 < span.line <= len(self.lines) else None
        self.problems.append(Diagnostic(message, span, hint=hint, source_line=source))

    def _ident(self, tok: Token) -> str:
        return _unquote(tok) if tok.type == "STRING" else str(tok)

    # --- top level
    @v_args(meta=True)
    def start(self, meta, children):  # type: ignore[no-untyped-def]
        header = children[0] if children and isinstance(children[0], dict) else {}
        items = [c for c in children if not isinstance(c, dict)]
        return n.Plan(
            id=header.get("id"),
            title=header.get("title"),
            issued=header.get("issued"),
            implements=header.get("implements"),
            reporting=header.get("reporting"),
            items=items,
            span=self._span(meta),  # None for an empty file
        )

    @v_args(meta=True)
    def header(self, meta, children):  # type: ignore[no-untyped-def]
        fields: dict[str, object] = {"id": self._ident(children[0])}
        for name, value, where in children[1:]:
            if name in fields:
                self._problem(f"`{name}` is given twice in the plan header", where)
            fields[name] = value
        return fields

    @v_args(meta=True)
    def issued(self, meta, children):  # type: ignore[no-untyped-def]
        return ("issued", self._date(children[0]), meta)

    def _field(name: str, quoted: bool):  # type: ignore[no-untyped-def]  # noqa: N805
        """A header field or item attribute: (name, its value, where it stands)."""
        @v_args(meta=True)
        def build(self, meta, children):  # type: ignore[no-untyped-def]
            return (name, _unquote(children[0]) if quoted else children[0], meta)

        return build

    title = _field("title", True)
    implements = _field("implements", True)
    note = _field("note", True)
    product = _field("product", True)
    lead = _field("lead", False)  # a tuple of units, made by unit_list
    support = _field("support", False)
    del _field

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
                    self._problem("the cut-off is given twice in the `reporting` line", where)
                cutoff = value
                if not 1 <= value <= 28:
                    self._problem(f"cut-off day {where} is out of range; use 1 (calendar) to 28", where)
            elif name == "calendar":
                if cutoff is not None or calendar:
                    self._problem("the cut-off is given twice in the `reporting` line", where)
                calendar = True
            else:
                if due is not None:
                    self._problem("`due` is given twice in the `reporting` line", where)
                due = value
                if not 1 <= value <= 28:
                    self._problem(f"due day {where} is out of range; use 1 to 28", where)
        rep = n.Reporting(kind=kind, cutoff=cutoff, calendar=calendar, due=due, span=self._span(meta))
        return ("reporting", rep, meta)

    def _number(self, tok: Token, scale: int = 1, digits: str | None = None) -> Fraction:
        """The exact value of a NUMBER or INT token (``digits``: its text without a ``%``)."""
        digits = str(tok) if digits is None else digits
        count = len(digits) - ("." in digits)
        if count > MAX_DIGITS:  # (Python's int reads at most 4,300)
            self._problem(f"this number has {count:,} digits; a number in a rule file "
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
    def section(self, meta, children):  # type: ignore[no-untyped-def]
        title = _unquote(children[1]) if len(children) > 1 else None
        return n.Section(self._ident(children[0]), title, span=self._span(meta))

    def _head(self, children: list) -> tuple[str, str | None, list]:  # type: ignore[type-arg]
        ident = self._ident(children[0])
        rest = children[1:]
        title = None
        if rest and isinstance(rest[0], Token) and rest[0].type == "STRING":
            title = _unquote(rest[0])
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
                    self._problem(f"`{name}` is given twice in rule {ident}", where)
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
            units=units,
            span=self._span(meta),
        )

    @v_args(meta=True)
    def bare_rule(self, meta, children):  # type: ignore[no-untyped-def]
        condition = children[0]
        time = children[1] if len(children) > 1 else None
        span = self._span(meta)
        return n.Rule(f"L{span.line}", None, condition, time, bare=True, span=span)

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
                self._problem(f"`{name}` is given twice in task {ident}", where)
            fields[name] = value
        return n.Task(
            ident,
            title,
            lead=fields.get("lead", ()),  # type: ignore[arg-type]
            support=fields.get("support", ()),  # type: ignore[arg-type]
            due=fields.get("due", ()),  # type: ignore[arg-type]
            product=fields.get("product"),  # type: ignore[arg-type]
            note=fields.get("note"),  # type: ignore[arg-type]
            after=fields.get("after", ()),  # type: ignore[arg-type]
            span=self._span(meta),
        )

    @v_args(meta=True)
    def due(self, meta, children):  # type: ignore[no-untyped-def]
        return ("due", tuple(self._when(c) for c in children), meta)

    @v_args(meta=True)
    def after(self, meta, children):  # type: ignore[no-untyped-def]
        return ("after", tuple(self._ident(c) for c in children), meta)

    def unit_list(self, children):  # type: ignore[no-untyped-def]
        return tuple(_unquote(c) for c in children)

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
            self._problem(f"`{tok}` is not a valid date", tok)
            return datetime.date(1, 1, 1)

    def _when(self, tok: Token) -> n.When:
        span = self._span(tok)
        text = _unquote(tok) if tok.type == "STRING" else str(tok)
        if tok.type == "DATE":
            return n.DateRef(self._date(tok), str(tok), span=span)
        span_years = re.fullmatch(r"(\d{4})-(\d{4})", text)
        if span_years:
            self._problem(
                f"`{text}` is a span of years, not one period: for a deadline write its last year "
                f"(`{span_years[2]}`); for a target that must hold throughout, `from {span_years[1]} to "
                f"{span_years[2]}`",
                tok,
            )
            return n.PeriodRef(parse_period(span_years[2]), span_years[2], span=span)
        if tok.type == "INT" and len(text) != 4:
            self._problem(
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
                self._problem(str(exc).splitlines()[0], tok)
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

    def _arith(op):  # type: ignore[no-untyped-def]  # noqa: N805
        @v_args(meta=True)
        def build(self, meta, c):  # type: ignore[no-untyped-def]
            return n.Arith(op, c[0], c[1], span=self._span(meta))

        return build

    add = _arith("+")
    sub = _arith("-")
    mul = _arith("*")
    div = _arith("/")
    del _arith

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
        return n.Text(_unquote(c[0]), span=self._span(c[0]))

    def _call(name):  # type: ignore[no-untyped-def]  # noqa: N805
        @v_args(meta=True)
        def build(self, meta, c):  # type: ignore[no-untyped-def]
            return n.Call(name, tuple(c), span=self._span(meta))

        return build

    ratio = _call("ratio")
    change = _call("change")
    sum_ = _call("sum")
    min_ = _call("min")
    max_ = _call("max")
    avg = _call("avg")
    del _call

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
        self._problem(
            f"unknown function `{name}`; the functions are {', '.join(known)}",
            name,
            hint=f"did you mean {close[0]}?" if close else "a metric is written without parentheses",
        )
        return n.Metric(str(name), span=self._span(name))


# --- the fast path: building nodes while parsing -----------------------------------
#
# _lalr.run drives lark's own LALR tables and contextual-lexer regexes with a plain
# loop and calls a callback of ours at each reduction, which builds our nodes straight
# away (no lark tree).  Each reduction's extent (line, column, end line, end column)
# is what lark's propagate_positions would give it: from its first child's start to
# its last child's end; a `?rule` that inlines its one child gives that child a new
# extent (lark's container positions: `(x)` covers the parentheses) but the child
# keeps its own span.  _Builder's methods take an extent where the plain path gives
# them a lark Meta.
#
# Only clean input takes this path: on a syntax error, any problem or any exception,
# parse_text parses again the plain way (tree, then _Builder), so every message and
# position comes from exactly the same code as before.


def _fast_callback(rule, builder_class):  # type: ignore[no-untyped-def]
    """The callback of one grammar rule (alternative): child filter, then the _Builder method; None to pass on."""
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
    method = None
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
    empty_meta = Meta()
    picks = [i for i, _ in keep]
    if any(expand for _, expand in keep):
        def pick(children):  # type: ignore[no-untyped-def]
            values = []
            for i, expand in keep:
                if expand:  # an inlined `_rule`: its children stand in its place
                    values.extend(children[i].children)
                else:
                    values.append(children[i])
            return values
    elif picks == list(range(len(expansion))):
        def pick(children):  # type: ignore[no-untyped-def]
            return children
    elif picks == list(range(picks[0] if picks else 0, picks[-1] + 1 if picks else 0)):
        pick = operator.itemgetter(slice(picks[0], picks[-1] + 1) if picks else slice(0, 0))  # a list
    else:
        pick = operator.itemgetter(*picks)  # a tuple of the kept children

    if expand1:
        def callback(builder, children, extent):  # type: ignore[no-untyped-def]
            values = pick(children)
            if len(values) == 1:
                return values[0]
            return method(builder, extent or empty_meta, values) if with_meta else method(builder, values)
    elif method is None:
        def callback(builder, children, extent):  # type: ignore[no-untyped-def]
            return Tree(name, list(pick(children)))
    elif with_meta:
        def callback(builder, children, extent):  # type: ignore[no-untyped-def]
            return method(builder, extent or empty_meta, pick(children))
    else:
        def callback(builder, children, extent):  # type: ignore[no-untyped-def]
            return method(builder, pick(children))
    return callback


@functools.cache
def _fast_tables() -> _lalr.Tables | None:
    """lark's tables with our callbacks (None if lark's insides differ: then only the plain path runs)."""
    parser = _lark()
    try:
        callbacks = {rule: _fast_callback(rule, _Builder) for rule in parser.rules}
    except Exception:  # pragma: no cover - another lark version
        return None
    return _lalr.tables_for(parser, callbacks)


def _fast_parse(text: str, filename: str | None, lines: list[str]) -> tuple[n.Plan, _Builder] | None:
    """The plan of clean text, built while parsing; None when the plain path must run."""
    tables = _fast_tables()
    if tables is None:
        return None
    builder = _Builder(filename, lines)
    try:
        plan = _lalr.run(tables, text, builder)
    except Exception:
        return None
    if builder.problems or not isinstance(plan, n.Plan):
        return None
    return plan, builder


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
    fast = _fast_parse(text, filename, lines)
    if fast is not None:
        plan, builder = fast
    else:
        try:
            tree = _lark().parse(text)
        except UnexpectedInput as err:
            raise _syntax_error(err, text, filename, lines) from None
        builder = _Builder(filename, lines)
        try:
            plan = builder.transform(tree)
        except VisitError as err:
            if isinstance(err.orig_exc, KpiError):
                raise err.orig_exc from None
            raise
    for item in plan.items:
        if isinstance(item, n.Rule) and not _shallow(item.condition) and _depth(item.condition) > MAX_DEPTH:
            builder._problem(
                f"the condition of rule {item.id} is nested more than {MAX_DEPTH} levels deep",
                item.condition.span,
                hint="split it into simpler rules",
            )
    if builder.problems:
        raise KpiSyntaxError.from_diagnostics(builder.problems)
    return plan  # type: ignore[no-any-return]


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

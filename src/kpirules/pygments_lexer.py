"""A Pygments lexer for .kpi rule files.

Installed with the ``highlight`` extra (``pip install 'kpirules[highlight]'``)
and registered through the ``pygments.lexers`` entry point, so that
``pygmentize -l kpi rules/nq17_bkhcn.kpi`` and Markdown renderers that use
Pygments highlight ```` ```kpi ```` blocks.

The token rules follow ``grammar.lark``: keywords are the reserved words of
:data:`kpirules.lang.parser.KEYWORDS` (plus ``year`` after ``previous``), and a
period or a date is one token, never a number followed by an operator.
"""

from __future__ import annotations

from pygments.lexer import RegexLexer, bygroups, words
from pygments.token import Comment, Keyword, Name, Number, Operator, Punctuation, String, Text, Whitespace

__all__ = ["KpiLexer"]

_DECLARATIONS = ("plan", "section", "rule", "task", "group", "event", "dataset", "metric")
_FIELDS = ("title", "issued", "implements", "reporting", "report", "issuer", "place", "signer", "recipients",
           "cutoff", "calendar", "due", "lead", "support",
           "product", "note", "after", "stretch")
_FREQUENCIES = ("monthly", "quarterly", "half-yearly", "yearly", "annual")
_TIME = ("by", "from", "to", "at", "previous", "for", "each", "unit", "units", "where", "in", "every", "over")
_WORDS = ("and", "or", "not", "between")
_FUNCTIONS = ("ratio", "change", "sum", "min", "max", "avg", "count")
_END = r"(?![A-Za-z0-9_])"


class KpiLexer(RegexLexer):  # type: ignore[misc]  # (pygments has no type hints)
    """Highlights kpirules rule files (``.kpi``)."""

    name = "kpirules"
    aliases = ["kpi", "kpirules"]
    filenames = ["*.kpi"]
    mimetypes = ["text/x-kpirules"]

    tokens = {
        "root": [
            (r"\s+", Whitespace),
            (r"#[^\n]*", Comment.Single),
            (r'"([^"\\\n]|\\["\\n])*"', String.Double),
            # rule/task/section/group: the declaration keyword, then its id
            (r"(rule|task|section)(\s+)([A-Za-z0-9_]+(?:\.[A-Za-z0-9_]+)*)" + _END,
             bygroups(Keyword.Declaration, Whitespace, Name.Label)),
            (r"(group)(\s+)([A-Za-z_][A-Za-z0-9_]*)", bygroups(Keyword.Declaration, Whitespace, Name.Class)),
            (words(_DECLARATIONS, suffix=_END), Keyword.Declaration),
            (r"(previous|over)(\s+)(year)" + _END, bygroups(Keyword, Whitespace, Keyword)),
            (r"(every)(\s+)(quarter|month|half-year|year)" + _END, bygroups(Keyword, Whitespace, Keyword)),
            (r"(event)(\s+)([A-Za-z0-9_]+(?:\.[A-Za-z0-9_]+)*)" + _END,
             bygroups(Keyword.Declaration, Whitespace, Name.Label)),
            # records: `dated by`, `count distinct`, `is [not] missing` (words only there)
            (r"(dated)(\s+)(by)" + _END, bygroups(Keyword, Whitespace, Keyword)),
            (r"(count)(\s*)(distinct)" + _END, bygroups(Name.Builtin, Whitespace, Name.Builtin)),
            (r"(is)(\s+)(?:(not)(\s+))?(missing)" + _END,
             bygroups(Operator.Word, Whitespace, Operator.Word, Whitespace, Operator.Word)),
            (words(_FREQUENCIES, suffix=_END), Keyword.Type),
            (words(_FIELDS, suffix=_END), Keyword.Reserved),
            (words(_TIME, suffix=_END), Keyword),
            (words(_WORDS, suffix=_END), Operator.Word),
            (words(("true", "false"), suffix=_END), Keyword.Constant),
            (words(_FUNCTIONS, suffix=_END), Name.Builtin),
            (r"\d{4}-\d{2}-\d{2}(?![\w.])", Number.Other),
            (r"(\d{4}-([Qq][1-4]|[Hh][12]|9[Mm]|\d{2})|([Qq][1-4]|[Hh][12])/\d{4})(?![\w./-])", Number.Other),
            (r"\d+(\.\d+)?%", Number.Float),
            (r"\d+\.\d+", Number.Float),
            (r"\d+", Number.Integer),
            (r">=|<=|==|!=|>|<|[-+*/]", Operator),
            (r"[(),:]", Punctuation),
            (r"[A-Za-z_][A-Za-z0-9_]*", Name.Variable),
            (r".", Text),
        ],
    }

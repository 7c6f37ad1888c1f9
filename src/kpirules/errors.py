"""Errors and diagnostics.

Every error kpirules raises on bad input is a :class:`KpiError`.  Errors that
point into a file carry one or more :class:`Diagnostic` values; one plain
function, :func:`render`, turns a diagnostic into the text people read::

    plan.kpi:12:27: error: expected a number, a metric or `(` after `>=`
       12 |   ratio(a, b) >= by 2020
          |                  ^^
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from typing import Any

import attrs

__all__ = [
    "Span",
    "Diagnostic",
    "KpiError",
    "KpiSyntaxError",
    "KpiSemanticError",
    "KpiDataError",
    "KpiPeriodError",
    "render",
    "capped",
]


@attrs.frozen
class Span:
    """Where something stands in a source: 1-based line and column.

    ``end_line``/``end_column`` (exclusive) are optional; where they are given
    the caret under the source line covers the whole text.
    """

    line: int
    column: int
    end_line: int | None = None
    end_column: int | None = None
    file: str | None = None

    def location(self) -> str:
        name = self.file or "<input>"
        return f"{name}:{self.line}:{self.column}"


@attrs.frozen
class Diagnostic:
    """One problem found in a source: where, what, and what to do about it."""

    message: str
    span: Span | None = None
    hint: str | None = None
    severity: str = "error"
    source_line: str | None = None

    def __str__(self) -> str:
        return render(self)


def render(diag: Diagnostic) -> str:
    """Render ``path:line:col: severity: message``, the source line and a caret."""
    head = f"{diag.severity}: {diag.message}"
    if diag.span is not None:
        head = f"{diag.span.location()}: {head}"
    lines = [head]
    if diag.span is not None and diag.source_line is not None:
        text = diag.source_line.rstrip("\r\n")
        if len(text) > 200:
            # keep the caret meaningful on very long lines
            start = max(0, diag.span.column - 60)
            text = ("…" if start else "") + text[start : start + 160] + "…"
            col = diag.span.column - start + (1 if start else 0)
        else:
            col = diag.span.column
        width = 1
        if diag.span.end_line == diag.span.line and diag.span.end_column:
            width = max(1, min(diag.span.end_column - diag.span.column, len(text) - col + 1))
        gutter = f"{diag.span.line:>5} | "
        lines.append(gutter + text)
        lines.append(" " * (len(gutter) - 2) + "| " + " " * (col - 1) + "^" * width)
    if diag.hint:
        lines.append(f"  hint: {diag.hint}")
    return "\n".join(lines)


class KpiError(Exception):
    """Base of every error kpirules raises on bad input."""

    def __init__(self, message: str, diagnostics: Sequence[Diagnostic] = ()) -> None:
        #: one Diagnostic per problem; an error made from a message alone has that message as its one
        self.diagnostics: tuple[Diagnostic, ...] = tuple(diagnostics) or (Diagnostic(message),)
        super().__init__(message)

    @classmethod
    def from_diagnostics(cls, diagnostics: Iterable[Diagnostic]) -> KpiError:
        diags = tuple(diagnostics)
        text = "\n".join(render(d) for d in diags)
        return cls(text, diags)

    @property
    def message(self) -> str:
        return str(self)


class KpiSyntaxError(KpiError):
    """A rule file does not follow the grammar."""


class KpiSemanticError(KpiError):
    """A rule file parses but does not make sense (duplicate id, unknown task, …)."""


class KpiDataError(KpiError):
    """Reported data is malformed, ambiguous or contradicts itself."""

    #: the Data read from the rows and files that had no problem (None: nothing was read), so that a
    #: caller with a plan lists the problems only a plan sees (an undeclared unit) with these
    partial: Any = None


class KpiPeriodError(KpiError, ValueError):
    """A reporting period or scheme is not valid or not understood."""


#: of a rule file's problems, how many of one kind are listed, and how many in all; the rest are counted
MAX_PER_KIND = 20
MAX_LISTED = 200
#: what differs between two problems of one kind: quoted texts, ids (a word with a digit or a capital), numbers
_KIND_NOISE = re.compile(r"'[^']*'|\"[^\"]*\"|`[^`]*`|[^\s:;,()]*[\dA-Z][^\s:;,()]*")


def capped(diagnostics: Sequence[Diagnostic]) -> list[Diagnostic]:
    """A rule file's problems as they are shown: of each kind (the message but for its quoted texts, ids
    and numbers) the first :data:`MAX_PER_KIND`, then a line counting the others (`… and 4,979 more like
    this`), and at most :data:`MAX_LISTED` in all, then one line counting the rest; so a file of 5,000
    duplicate ids gives a short message, and every kind of problem is still shown."""
    if len(diagnostics) <= MAX_PER_KIND:
        return list(diagnostics)
    kinds = [_KIND_NOISE.sub("#", d.message) for d in diagnostics]
    counts: dict[str, int] = {}
    shown: list[int] = []
    for i, kind in enumerate(kinds):
        counts[kind] = counts.get(kind, 0) + 1
        if counts[kind] <= MAX_PER_KIND:
            shown.append(i)
    if len(shown) == len(diagnostics) <= MAX_LISTED:
        return list(diagnostics)
    files = [d.span.file for d in diagnostics if d.span is not None and d.span.file]
    where = f"{files[0]}: " if files else ""
    if len(shown) > MAX_LISTED:
        out = [diagnostics[i] for i in shown[:MAX_LISTED]]
        return out + [Diagnostic(f"{where}… and {len(diagnostics) - MAX_LISTED:,} more problems")]
    last = {kinds[i]: i for i in shown}
    out = []
    for i in shown:
        out.append(diagnostics[i])
        more = counts[kinds[i]] - MAX_PER_KIND
        if last[kinds[i]] == i and more > 0:
            out.append(Diagnostic(f"{where}… and {more:,} more like this"))
    return out

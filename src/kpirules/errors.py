"""Errors and diagnostics.

Every error kpirules raises on bad input is a :class:`KpiError`.  Errors that
point into a file carry one or more :class:`Diagnostic` values; one plain
function, :func:`render`, turns a diagnostic into the text people read::

    plan.kpi:12:27: error: expected a number, a metric or `(` after `>=`
       12 |   ratio(a, b) >= by 2020
          |                  ^^
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

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


class KpiPeriodError(KpiError, ValueError):
    """A reporting period or scheme is not valid or not understood."""

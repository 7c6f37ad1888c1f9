"""The periodic implementation report: one evaluation, rendered as Markdown, HTML or JSON.

:func:`build_report` evaluates a plan for one reporting period and gathers what
the report shows: the heading (plan, period, data window, due date, as-of
date), the summary (counts by status, then what needs attention, most urgent
first), the plan's sections nested by their dotted ids with each rule's
results (per unit where the rule is ``for each unit:``) and the tasks.
:func:`render` turns a :class:`Report` into text::

    report = build_report(plan, data, parse_period("2020-Q4"))
    html = render(report, "html")

Numbers are formatted from the exact values (``int``/``Fraction``), never
through floats: ``Fraction(617, 2500)`` shown as a percentage is ``24.68%``
(``24,68%`` in Vietnamese).  Labels are Vietnamese by default, English with
``lang="en"``.  The HTML is one self-contained file: inline CSS, no script, no
external font, image or link.
"""

from __future__ import annotations

from kpirules.engine.timing import report_as_of
from kpirules.errors import KpiError
from kpirules.report.format import fmt_date, fmt_decimal, fmt_percent, fmt_period
from kpirules.report.html import render_html
from kpirules.report.i18n import FORMATS, LANGS, STATUS_LABELS
from kpirules.report.json import render_json, report_dict
from kpirules.report.markdown import render_markdown
from kpirules.report.model import DeliverySummary, Report, SectionNode, build_report, directed_margin, urgency

__all__ = ["Report", "build_report", "render", "render_markdown", "render_html", "render_json", "FORMATS",
           "LANGS", "STATUS_LABELS", "report_as_of", "urgency",
           # the pieces, for those who build on them
           "SectionNode", "DeliverySummary", "directed_margin", "report_dict", "fmt_date", "fmt_decimal", "fmt_percent",
           "fmt_period"]


def render(report: Report, fmt: str = "html") -> str:
    """The report as ``md``, ``html`` or ``json`` text."""
    if fmt == "md":
        return render_markdown(report)
    if fmt == "html":
        return render_html(report)
    if fmt == "json":
        return render_json(report)
    raise KpiError(f"unknown report format {fmt!r}; expected one of: {', '.join(FORMATS)}")


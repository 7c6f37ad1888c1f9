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
from kpirules.report.document import Official
from kpirules.report.i18n import FORMATS, LANGS, LAYOUTS, STATUS_LABELS
from kpirules.report.json import render_json, report_dict
from kpirules.report.markdown import render_markdown
from kpirules.report.model import DeliverySummary, Report, SectionNode, build_report, directed_margin, urgency

__all__ = ["Report", "build_report", "render", "render_markdown", "render_html", "render_json", "FORMATS",
           "LANGS", "LAYOUTS", "STATUS_LABELS", "Official", "report_as_of", "urgency",
           # the pieces, for those who build on them
           "SectionNode", "DeliverySummary", "directed_margin", "report_dict", "fmt_date", "fmt_decimal", "fmt_percent",
           "fmt_period"]


def render(report: Report, fmt: str = "html", *, layout: str = "screen", template: str | None = None,
           official: Official | None = None) -> str | bytes:
    """The report as ``md``, ``html`` or ``json`` text, or the bytes of a ``pdf`` or ``docx`` file.

    ``layout="official"`` makes the HTML the official layout (Decree 30/2020/NĐ-CP), which the PDF and the
    Word file always have; ``template`` names a directory of templates used in place of the shipped ones;
    ``official`` overrides the plan's ``report`` block (number, date, signer, place).
    """
    if layout not in LAYOUTS:
        raise KpiError(f"unknown report layout {layout!r}; expected one of: {', '.join(LAYOUTS)}")
    if fmt == "pdf":
        from kpirules.report.official import render_pdf

        return render_pdf(report, official, template)
    if fmt == "docx":
        from kpirules.report.docx import render_docx

        return render_docx(report, official)
    if fmt == "html" and layout == "official":
        from kpirules.report.official import render_official_html

        return render_official_html(report, official, template)
    if layout == "official":
        raise KpiError(f"the official layout is for html, pdf and docx, not {fmt}")
    if fmt == "md":
        return render_markdown(report)
    if fmt == "html":
        return render_html(report, template)
    if fmt == "json":
        return render_json(report)
    raise KpiError(f"unknown report format {fmt!r}; expected one of: {', '.join(FORMATS)}")



# (a renamed public name of this module still works for one minor release: kpirules.deprecation)
from kpirules.deprecation import module_getattr as _module_getattr  # noqa: E402

__getattr__ = _module_getattr(__name__)

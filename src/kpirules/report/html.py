"""The report as one self-contained HTML file (inline CSS, no script, no external resource)."""

from __future__ import annotations

import html
import re
from fractions import Fraction
from typing import Any

from markupsafe import Markup

from kpirules import nodes as n
from kpirules.engine.evaluate import Result, Status
from kpirules.report.format import fmt_date, fmt_label, fmt_percent, fmt_period, stop_after
from kpirules.report.history import change_texts, sparkline, trends
from kpirules.report.i18n import HISTORY, OFFICIAL, TEXT
from kpirules.report.model import Report, SectionNode, pct_width, shown_value
from kpirules.report.parts import (attention_parts, listed, ranked, stamp_line, deliveries_line, reporting_lines,
                                   delivery_lines, later_text, result_title, task_deadlines, task_why, unit_name,
                                   unit_names, unit_ranked, unit_summary, warning_source)
from kpirules.report.reasons import reason_text, warning_text
from kpirules.text import escape_controls




def _e(text: object) -> str:
    """Text from a plan or data, escaped for HTML, its control characters shown as escapes (``\\x1b``)."""
    return html.escape(escape_controls("" if text is None else str(text)), quote=True)


_CODE = re.compile(r"`([^`]+)`")


def _ec(text: object) -> str:
    """Like :func:`_e`, with `code` spans of reasons and warnings shown as code."""
    return _CODE.sub(r"<code>\1</code>", _e(text))


def _who(report: Report, lead: tuple[str, ...], support: tuple[str, ...]) -> str:
    """``Chủ trì: TTCNTT · Phối hợp: VPB``: who answers for a target (full names when the plan declares them)."""
    t, o = TEXT[report.lang], OFFICIAL[report.lang]
    parts = []
    if lead:
        parts.append(f"{t['lead']}: " + unit_names(report, lead))
    if support:
        parts.append(f"{o['support']}: " + unit_names(report, support))
    return " · ".join(parts)


def _task_more(report: Report, r: Result) -> list[str]:
    """A task's support units, product and note, under its title."""
    t, o = TEXT[report.lang], OFFICIAL[report.lang]
    task = report.plan.item(r.id)
    if not isinstance(task, n.Task):
        return []
    lines = []
    if task.support:
        lines.append(f"{o['support']}: {unit_names(report, task.support)}")
    if task.product:
        lines.append(f"{o['product']}: {task.product}")
    if task.note:
        lines.append(f"{t['note']}: {task.note}")
    return lines


def render_html(report: Report, template_dir: str | None = None) -> str:
    """The screen layout: the template ``screen.html.j2`` (shipped, or ``template_dir``'s own copy)."""
    from kpirules.report.templates import render_template

    lang = report.lang
    text = render_template("screen.html.j2", {"page": screen_context(report), "t": TEXT[lang],
                                              "h": HISTORY[lang]}, template_dir)
    return text.rstrip("\n") + "\n"


def _bar_of(p: Fraction | None) -> dict[str, str] | None:
    return None if p is None else {"label": fmt_percent(p, "en", 0), "width": pct_width(p)}


def screen_context(report: Report) -> dict[str, Any]:
    """What the screen template shows, as text (reasons with `code` spans and the sparklines as markup)."""
    lang, t = report.lang, TEXT[report.lang]
    trend_of = trends(report)
    plan, p = report.plan, report.period
    start, end = report.window
    counts = []
    for key, head, cs in (("rules", t["rules"], report.rule_counts()), ("tasks", t["tasks"], report.task_counts())):
        counts.append({"key": key, "head": head,
                       "rows": [{"status": s, "count": c, "label": report.label(Status(s))} for s, c in cs.items()]})
    deliveries = None
    line = deliveries_line(report)
    if line:
        ds = report.deliveries_due()
        tone = ("all" if ds and len(ds.done) == len(ds.due) and not ds.late else
                "none" if ds and not ds.done else "part")
        deliveries = {"text": line, "tone": tone}
    attention = []
    now, attention_more = listed(report, report.attention_now())
    for r in now:
        numbers, deadline, why = attention_parts(report, r)
        attention.append({
            "id": r.id, "unit": unit_name(report, r.unit) if r.unit else None, "status": r.status.value, "label": report.label(r.status),
            "title": result_title(r) if r.title else "",
            "value": numbers[0] if numbers else "", "target": numbers[1] if numbers else "",
            "deadline": deadline or "", "why": Markup(_ec(why)) if why else "",
        })
    all_later = report.attention_later()
    later_now, later_more = listed(report, all_later)
    later = [{"id": r.id, "status": r.status.value, "text": later_text(report, r)} for r in later_now]
    changed = change_texts(report)

    def card(rid: str, results: tuple[Result, ...]) -> dict[str, Any]:
        first = results[0]
        per_unit = not (len(results) == 1 and first.unit is None)
        item = report.plan.item(rid)
        c: dict[str, Any] = {
            "id": rid, "title": first.title or "", "per_unit": per_unit, "status": first.status.value,
            "label": report.label(first.status),
            "who": _who(report, first.lead or (item.lead if item else ()), item.support if item else ()),
        }
        if not per_unit:
            sh = shown_value(report, first)
            tr = trend_of.get((rid, None))
            svg = sparkline(tr) if tr is not None else ""
            extra = []
            if first.period:
                extra.append(f"{t['judged']}: {fmt_label(first.period, lang)}")
            if first.deadline:
                extra.append(f"{t['deadline']}: {fmt_date(first.deadline, lang)}")
            if first.reason and first.status is not Status.MET:
                extra.append(reason_text(first, lang, deadline_shown=first.deadline is not None,
                                         period_shown=first.period))
            if isinstance(item, n.Rule) and item.note:
                extra.append(f"{t['note']}: {item.note}")
            extra = [x for x in extra if x]
            c.update(value=sh.value, target=sh.target, margin=sh.margin, bar=_bar_of(sh.progress),
                     spark=Markup(svg), change=tr.change if tr is not None and svg else "",
                     extra=Markup(_ec(" · ".join(extra))) if extra else "")
        else:
            units = []
            for place, r in ranked(results):
                sh = shown_value(report, r)
                why = ""
                if r.reason and r.status is not Status.MET:
                    why = reason_text(r, lang, deadline_shown=r.deadline is not None, period_shown=report.period.label)
                tr = trend_of.get((rid, r.unit))
                svg = sparkline(tr) if tr is not None else ""
                units.append({"place": place, "unit": r.unit, "name": unit_ranked(report, r.unit), "status": r.status.value, "label": report.label(r.status),
                              "value": sh.value, "target": sh.target, "margin": sh.margin, "bar": _bar_of(sh.progress),
                              "why": Markup(_ec(why)) if why else "", "spark": Markup(svg),
                              "change": tr.change if tr is not None and svg else ""})
            c.update(summary=unit_summary(report, results), units=units,
                     deadline=fmt_date(first.deadline, lang) if first.deadline else "")
        return c

    def task(r: Result) -> dict[str, Any]:
        return {"id": r.id, "status": r.status.value, "label": report.label(r.status), "title": r.title or "",
                "more": _task_more(report, r), "lead": unit_names(report, r.lead), "deadlines": task_deadlines(report, r),
                "why": task_why(report, r), "deliveries": delivery_lines(report, r)}

    def section(node: SectionNode) -> dict[str, Any]:
        return {"id": node.id, "title": node.title or "", "level": min(6, node.depth + 1), "empty": node.empty,
                "cards": [card(rid, results) for rid, results in node.rules],
                "tasks": [task(r) for r in node.tasks], "children": [section(c) for c in node.children]}

    warnings = []
    for wn in report.results.warnings:
        text, source = warning_text(wn.message, lang, plan), warning_source(report, wn)
        warnings.append({"code": wn.code, "text": Markup(_ec(text)), "source": source,
                         "stop": stop_after(text, source)})
    return {
        "lang": lang, "title": f"{t['title']}: {fmt_period(p, lang)}", "plan_id": plan.id,
        "plan_title": plan.title or "", "period": fmt_period(p, lang),
        "window": t["window"].format(start=fmt_date(start, lang), end=fmt_date(end, lang)),
        "due": fmt_date(p.due, lang) if p.due else "", "as_of": fmt_date(report.as_of, lang),
        "counts": counts, "deliveries": deliveries, "reporting": reporting_lines(report), "attention": attention,
        "attention_more": attention_more, "later": later, "later_more": later_more, "later_count": len(all_later),
        "changes": changed[0] if changed else None, "sections": section(report.sections()),
        "warnings": warnings,
        "made": t["generated"].format(file=plan.filename) + " " if plan.filename else "",
        "stamp": stamp_line(report),
    }

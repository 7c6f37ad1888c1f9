"""The report as one self-contained HTML file (inline CSS, no script, no external resource)."""

from __future__ import annotations

import html
import importlib.resources
import re
from fractions import Fraction

from kpirules import nodes as n
from kpirules.engine.evaluate import Result, Status
from kpirules.report.format import fmt_date, fmt_label, fmt_percent, fmt_period
from kpirules.report.history import change_texts, sparkline, trends
from kpirules.report.i18n import HISTORY, OFFICIAL, TEXT
from kpirules.values import is_number
from kpirules.report.model import Report, SectionNode, pct_width, shown_value
from kpirules.report.parts import attention_parts, ranked, stamp_line, deliveries_line, reporting_lines, delivery_lines, later_text, result_title, task_deadlines, task_why, unit_summary
from kpirules.report.reasons import reason_text, warning_text
from kpirules.text import visible


def _deadline_html(report: Report, r: Result) -> str:
    return "<br>".join(f'<span class="nw">{_e(x)}</span>' for x in task_deadlines(report, r))


_CSS = "\n" + importlib.resources.files("kpirules.report").joinpath("style.css").read_text(encoding="utf-8")


#: control characters other than line ends and tabs, and the bidirectional controls: written as escapes
_CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")


def _e(text: object) -> str:
    """Text from a plan or data, escaped for HTML, its control characters shown as escapes (``\\x1b``)."""
    return html.escape(_CONTROL.sub(lambda m: visible(m[0]), "" if text is None else str(text)), quote=True)


_CODE = re.compile(r"`([^`]+)`")


def _ec(text: object) -> str:
    """Like :func:`_e`, with `code` spans of reasons and warnings shown as code."""
    return _CODE.sub(r"<code>\1</code>", _e(text))


def _badge(report: Report, status: Status) -> str:
    return f'<span class="badge s-{status.value}">{_e(report.label(status))}</span>'


def _bar(p: Fraction | None, status: Status) -> str:
    if p is None:
        return ""
    return (f'<div class="bar" role="img" aria-label="{_e(fmt_percent(p, "en", 0))}">'
            f'<i class="s-{status.value}" style="width:{pct_width(p)}"></i></div>')


def _who(report: Report, lead: tuple[str, ...], support: tuple[str, ...]) -> str:
    """``Chủ trì: TTCNTT · Phối hợp: VPB``: who answers for a target (full names when the plan declares them)."""
    t, o = TEXT[report.lang], OFFICIAL[report.lang]
    names = getattr(report.plan, "unit_names", None) or {}
    parts = []
    if lead:
        parts.append(f"{t['lead']}: " + ", ".join(names.get(u, u) for u in lead))
    if support:
        parts.append(f"{o['support']}: " + ", ".join(names.get(u, u) for u in support))
    return " · ".join(parts)


def _task_more(report: Report, r: Result) -> str:
    """A task's support units, product and note, under its title."""
    t, o = TEXT[report.lang], OFFICIAL[report.lang]
    task = report.plan.item(r.id)
    if not isinstance(task, n.Task):
        return ""
    lines = []
    if task.support:
        lines.append(f"{o['support']}: {', '.join(task.support)}")
    if task.product:
        lines.append(f"{o['product']}: {task.product}")
    if task.note:
        lines.append(f"{t['note']}: {task.note}")
    return "".join(f'<div class="why">{_e(x)}</div>' for x in lines)


def _changes_html(report: Report) -> str:
    """The section "Thay đổi so với kỳ trước": each group with its results, or that there was no period."""
    hist = HISTORY[report.lang]
    out = [f'<section id="changes">\n<h3>{_e(hist["heading"])}</h3>']
    texts = change_texts(report)
    if not texts:
        out.append(f'<p class="why">{_e(hist["no_previous"])}</p>')
    else:
        out.append(f'<p class="why">{_e(texts[0]["note"])}</p>\n<ul class="changes">')
        for g in texts[0]["groups"]:
            items = "; ".join(g["items"]) if g["items"] else g["none"]
            out.append(f'<li data-change="{g["kind"]}"><b>{_e(g["head"])} ({len(g["items"])})</b>: {_e(items)}</li>')
        out.append("</ul>")
    out.append("</section>")
    return "\n".join(out)


def render_html(report: Report) -> str:
    lang, t = report.lang, TEXT[report.lang]
    hist = HISTORY[lang]
    trend_of = trends(report)
    plan, p = report.plan, report.period
    out: list[str] = []
    w = out.append
    title = f"{t['title']}: {fmt_period(p, lang)}"
    w(f'<!DOCTYPE html>\n<html lang="{lang}">\n<head>\n<meta charset="utf-8">\n'
      f'<meta name="viewport" content="width=device-width, initial-scale=1">\n'
      f"<title>{_e(plan.id)} — {_e(title)}</title>\n<style>{_CSS}</style>\n</head>\n<body>\n<main>")
    start, end = report.window
    w(f"<header>\n<h1>{_e(title)}</h1>")
    w(f'<p class="plan"><b>{_e(plan.id)}</b>' + (f" — {_e(plan.title)}" if plan.title else "") + "</p>")
    w('<dl class="meta">')
    w(f"<dt>{_e(t['period'])}</dt><dd>{_e(fmt_period(p, lang))} "
      f"({_e(t['window'].format(start=fmt_date(start, lang), end=fmt_date(end, lang)))})</dd>")
    if p.due:
        w(f"<dt>{_e(t['due'])}</dt><dd>{_e(fmt_date(p.due, lang))}</dd>")
    w(f"<dt>{_e(t['as_of'])}</dt><dd>{_e(fmt_date(report.as_of, lang))}</dd>")
    w("</dl>\n</header>")

    w(f'<section id="summary">\n<h2>{_e(t["summary"])}</h2>')
    for key, head, counts in (("rules", t["rules"], report.rule_counts()), ("tasks", t["tasks"], report.task_counts())):
        w(f"<h3>{_e(head)}</h3>")
        w(f'<ul class="counts" id="counts-{key}">')
        for s, c in counts.items():
            zero = ' zero' if c == 0 else ''
            w(f'<li class="k-{s}{zero}" data-status="{s}"><b>{c}</b>{_e(report.label(Status(s)))}</li>')
        w("</ul>")
    line = deliveries_line(report)
    if line:
        ds = report.deliveries_due()
        tone = ("all" if ds and len(ds.done) == len(ds.due) and not ds.late else
                "none" if ds and not ds.done else "part")
        w(f'<p class="deliv d-{tone}" id="deliveries">{_e(line)}</p>')
    for line in reporting_lines(report):
        w(f'<p class="deliv d-part reporting">{_e(line)}</p>')
    w(f'<p class="why">{_e(t["results_note"])}</p>')
    w(f"<h3>{_e(t['attention'])}</h3>")
    att = report.attention_now()
    later = report.attention_later()
    if not att and not later:
        w(f"<p>{_e(t['attention_none'])}</p>")
    if att:
        w('<ol class="attention">')
        for r in att:
            numbers, deadline, why = attention_parts(report, r)
            text = f"{_badge(report, r.status)} <b>{_e(r.id)}</b>"
            if r.unit:
                text += f" ({_e(r.unit)})"
            if r.title:
                text += f" — {_e(result_title(r))}"
            if numbers:
                text += f": <b>{_e(numbers[0])}</b> / {_e(numbers[1])}"
            if deadline:
                text += f"; {_e(deadline)}"
            if why:
                text += f'<div class="why">{_ec(why)}</div>'
            w(f'<li data-id="{_e(r.id)}" data-status="{r.status.value}">{text}</li>')
        w("</ol>")
        w(f'<p class="why">{_e(t["attention_note"])}</p>')
    if later:
        w(f'<details class="later" id="later"><summary>{_e(t["later"])} ({len(later)})</summary>')
        w(f'<p class="why">{_e(t["later_note"])}</p>\n<ul>')
        for r in later:
            w(f'<li data-id="{_e(r.id)}" data-status="{r.status.value}">{_e(later_text(report, r))}</li>')
        w("</ul>\n</details>")
        # a folded group never reaches paper: the same list, open, for print only
        w(f'<div class="later print-only"><p><b>{_e(t["later"])} ({len(later)})</b></p>'
          f'<p class="why">{_e(t["later_note"])}</p>\n<ul>')
        for r in later:
            w(f"<li>{_e(later_text(report, r))}</li>")
        w("</ul>\n</div>")
    w(_changes_html(report))
    w("</section>")

    def card(rid: str, results: tuple[Result, ...]) -> None:
        first = results[0]
        per_unit = not (len(results) == 1 and first.unit is None)
        cls = " wide" if per_unit else f" k-{first.status.value}"
        w(f'<article class="card{cls}" data-id="{_e(rid)}">')
        head = f'<p class="title"><span class="sid">{_e(rid)}</span>{_e(first.title or "")}</p>'
        w(head)
        item = report.plan.item(rid)
        who = _who(report, first.lead or (item.lead if item else ()), item.support if item else ())
        if who:
            w(f'<p class="who">{_e(who)}</p>')
        if not per_unit:
            sh = shown_value(report, first)
            w(f"<div>{_badge(report, first.status)}</div>")
            margin = f'<div><span>{_e(t["margin"])}</span><b>{_e(sh.margin)}</b></div>' if sh.margin else ""
            tr = trend_of.get((rid, None))
            spark = ""
            if tr is not None and sparkline(tr):
                spark = (f'<div class="trend"><span>{_e(hist["trend"])}</span>{sparkline(tr)}'
                         + (f'<small>{_e(tr.change)}</small>' if tr.change else "") + "</div>")
            w(f'<div class="nums"><div><span>{_e(t["value"])}</span><b>{_e(sh.value)}</b></div>'
              f'<div><span>{_e(t["target"])}</span><b>{_e(sh.target)}</b></div>{margin}{spark}</div>')
            w(_bar(sh.progress, first.status))
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
            if extra:
                w(f'<p class="why">{_ec(" · ".join(extra))}</p>')
        else:
            w(f'<div class="why">{_e(t["units"])}: {_e(unit_summary(report, results))}</div>')
            w(f'<table class="units rt"><thead><tr><th class="first">{_e(hist["rank"])}</th><th>{_e(t["unit"])}</th>'
              f'<th>{_e(t["value"])}</th><th>{_e(t["target"])}</th><th>{_e(t["status"])}</th></tr></thead><tbody>')
            for place, r in ranked(results):
                sh = shown_value(report, r)
                why = ""
                if r.reason and r.status is not Status.MET:
                    text = reason_text(r, lang, deadline_shown=r.deadline is not None,
                                   period_shown=report.period.label)
                    why = f'<div class="why">{_ec(text)}</div>' if text else ""
                margin = f' <span class="why nw">({_e(sh.margin)})</span>' if sh.margin else ""
                tr = trend_of.get((rid, r.unit))
                spark = (f'<div class="trend">{sparkline(tr)}<small>{_e(tr.change)}</small></div>'
                         if tr is not None and sparkline(tr) else "")
                w(f'<tr class="k-{r.status.value}" data-unit="{_e(r.unit)}">'
                  f'<td class="first rank" data-label="{_e(hist["rank"])}">{place or "–"}</td>'
                  f'<td data-label="{_e(t["unit"])}"><b>{_e(r.unit)}</b>{spark}</td>'
                  f'<td data-label="{_e(t["value"])}"><b>{_e(sh.value)}</b>{margin}{_bar(sh.progress, r.status)}</td>'
                  f'<td data-label="{_e(t["target"])}">{_e(sh.target)}</td>'
                  f'<td data-label="{_e(t["status"])}">{_badge(report, r.status)}{why}</td></tr>')
            w("</tbody></table>")
            if first.deadline:
                w(f'<p class="why">{_e(t["deadline"])}: {_e(fmt_date(first.deadline, lang))}</p>')
        w("</article>")

    def section(node: SectionNode) -> None:
        if node.empty:
            return
        level = min(6, node.depth + 1)
        if node.id is not None:
            w(f'<section data-section="{_e(node.id)}">')
            w(f'<h{level}><span class="sid">{_e(node.id)}</span>{_e(node.title or "")}</h{level}>')
        elif node.rules or node.tasks:
            w(f"<section><h2>{_e(t['other'])}</h2>")
        if node.rules:
            w('<div class="cards">')
            for rid, results in node.rules:
                card(rid, results)
            w("</div>")
        if node.tasks:
            w(f'<table class="tasks rt"><thead><tr><th class="first">{_e(t["id"])}</th><th>{_e(t["tasks"])}</th>'
              f'<th>{_e(t["lead"])}</th><th>{_e(t["deadline"])}</th><th>{_e(t["status"])}</th></tr></thead><tbody>')
            for r in node.tasks:
                why = task_why(report, r)
                why = f'<div class="why">{_e(why)}</div>' if why else ""
                why += "".join(f'<div class="deliv">✓ {_e(x)}</div>' for x in delivery_lines(report, r))
                w(f'<tr class="k-{r.status.value}" data-id="{_e(r.id)}">'
                  f'<td class="first"><b>{_e(r.id)}</b></td>'
                  f'<td data-label="{_e(t["tasks"])}">{_e(r.title or "")}{_task_more(report, r)}</td>'
                  f'<td data-label="{_e(t["lead"])}">{_e(", ".join(r.lead))}</td>'
                  f'<td data-label="{_e(t["deadline"])}">{_deadline_html(report, r)}</td>'
                  f'<td data-label="{_e(t["status"])}">{_badge(report, r.status)}{why}</td></tr>')
            w("</tbody></table>")
        for c in node.children:
            section(c)
        if node.id is not None or node.rules or node.tasks:
            w("</section>")

    section(report.sections())
    if report.results.warnings:
        w(f'<section id="warnings">\n<h2>{_e(t["warnings"])}</h2>\n<p class="why">{_e(t["warnings_note"])}</p>\n<ul>')
        for wn in report.results.warnings:
            src = f' <span class="why">({_e(t["source"])}: {_e(wn.source)})</span>' if wn.source else ""
            w(f'<li data-code="{_e(wn.code)}">{_ec(warning_text(wn.message, lang))}{src}</li>')
        w("</ul>\n</section>")
    made = t["generated"].format(file=plan.filename) + " " if plan.filename else ""
    w(f'<footer>{_e(made)}<span class="stamp">{_e(stamp_line(report))}</span></footer>')
    w("</main>\n</body>\n</html>\n")
    return "\n".join(out)

"""The report as Markdown."""

from __future__ import annotations

import re
from fractions import Fraction

from kpirules.engine.evaluate import Status
from kpirules.report.format import fmt_date, fmt_period, stop_after
from kpirules.report.history import change_texts
from kpirules.report.i18n import HISTORY, TEXT
from kpirules.report.model import Report, SectionNode, shown_value
from kpirules.report.parts import (attention_parts, listed, stamp_line, deliveries_line, reporting_lines, delivery_lines,
                                   later_text, result_name, result_title, task_deadline, task_why, unit_names, warning_source,
                                   unit_ranked, unit_summary)
from kpirules.report.reasons import reason_text, warning_text
from kpirules.text import visible


#: the characters that mean something to Markdown (with HTML) anywhere in a line: escaped in every text that
#: comes from a plan or data, so that it reads as the text it is and never as a table cell, a heading,
#: emphasis, a link, an image, an entity or an HTML element
_SPECIAL = re.compile(r"([\\`*_\[\]<>|~&!#])")
#: the starts of bare links (turned into links by some Markdown readers)
_BARE_LINK = re.compile(r"(?i)(?<=[a-z])(:)(?=//)|(?<![\w.])(www)(\.)")


def _md(text: str | None) -> str:
    """Text from a plan or data, safe anywhere in a Markdown line (a table cell, a heading, a list item):
    one line, control characters written as escapes, Markdown's signs escaped."""
    if not text:
        return ""
    text = visible(text.replace("\r\n", " ").replace("\n", " ").replace("\r", " "))
    text = _SPECIAL.sub(r"\\\1", text)
    return _BARE_LINK.sub(lambda m: "\\:" if m[1] else m[2] + "\\.", text)


def _text_bar(p: Fraction | None, width: int = 10) -> str:
    if p is None:
        return ""
    q = (p * width).numerator // (p * width).denominator  # floor: a bar is full only when the target is reached
    return "█" * q + "░" * (width - q)


def render_markdown(report: Report) -> str:
    lang, t = report.lang, TEXT[report.lang]
    plan, p = report.plan, report.period
    out: list[str] = []
    w = out.append
    w(f"# {t['title']}: {fmt_period(p, lang)}")
    w("")
    w(f"**{_md(plan.id)}**" + (f" — {_md(plan.title)}" if plan.title else ""))
    w("")
    start, end = report.window
    w(f"- {t['period']}: **{fmt_period(p, lang)}** ({t['window'].format(start=fmt_date(start, lang), end=fmt_date(end, lang))})")
    if p.due:
        w(f"- {t['due']}: {fmt_date(p.due, lang)}")
    w(f"- {t['as_of']}: {fmt_date(report.as_of, lang)}")
    w("")
    w(f"## {t['summary']}")
    w("")
    for head, counts in ((t["rules"], report.rule_counts()), (t["tasks"], report.task_counts())):
        w(f"| {head} | {t['count']} |")
        w("| --- | ---: |")
        for s, c in counts.items():
            w(f"| {report.label(Status(s))} | {c} |")
        w("")
    line = deliveries_line(report)
    if line:
        w(f"**{_md(line)}**")
        w("")
    for line in reporting_lines(report):
        w(f"**{_md(line)}**")
        w("")
    w(f"_{t['results_note']}_")
    w("")
    w(f"### {t['attention']}")
    w("")
    att, att_more = listed(report, report.attention_now())
    all_later = report.attention_later()
    later, later_more = listed(report, all_later)
    if not att and not later:
        w(t["attention_none"])
    for i, r in enumerate(att, 1):
        numbers, deadline, why = attention_parts(report, r)
        bits = [f"**{report.label(r.status)}**", _md(result_name(report, r)),
                _md(result_title(r))]
        line = f"{i}. " + " — ".join(b for b in bits if b)
        if numbers:
            line += f": {_md(numbers[0])} / {_md(numbers[1])}"
        if deadline:
            line += f"; {deadline}"
        if why:
            line += f" ({_md(why)})"
        w(line)
    if att_more:
        w("")
        w(_md(att_more))
    if att:
        w("")
        w(f"_{t['attention_note']}_")
    w("")
    if later:
        w(f"#### {t['later']} ({len(all_later)})")
        w("")
        w(f"_{_md(t['later_note'])}_")
        w("")
        w("; ".join(_md(later_text(report, r)) for r in later)
          + ("; " + _md(later_more) if later_more else ""))
        w("")
    hist = HISTORY[lang]
    w(f"### {hist['heading']}")
    w("")
    changed = change_texts(report)
    if not changed:
        w(f"_{_md(hist['no_previous'])}_")
    else:
        w(f"_{_md(changed[0]['note'])}_")
        w("")
        for g in changed[0]["groups"]:
            items = "; ".join(_md(x) for x in g["items"]) if g["items"] else _md(g["none"])
            w(f"- **{_md(g['head'])} ({g['count']})**: {items}")
    w("")

    def section(node: SectionNode) -> None:
        if node.empty:
            return
        if node.id is not None:
            w("#" * min(6, node.depth + 1) + f" {_md(node.id)}" + (f" {_md(node.title)}" if node.title else ""))
            w("")
        elif node.rules or node.tasks:
            w(f"## {t['other']}")
            w("")
        if node.rules:
            w(f"| {t['id']} | {t['rules']} | {t['value']} | {t['target']} | {t['margin']} | {t['progress']} "
              f"| {t['status']} |")
            w("| --- | --- | ---: | ---: | ---: | --- | --- |")
            for rid, results in node.rules:
                if len(results) == 1 and results[0].unit is None:
                    r = results[0]
                    sh = shown_value(report, r)
                    status = f"**{report.label(r.status)}**"
                    if r.reason and r.status is not Status.MET:
                        status += f"<br>{_md(reason_text(r, lang))}"
                    nums = f"{_md(sh.value)} | {_md(sh.target)} | {_md(sh.margin)}"
                    w(f"| {_md(rid)} | {_md(r.title)} | {nums} | `{_text_bar(sh.progress)}` | {status} |"
                      if sh.progress is not None else f"| {_md(rid)} | {_md(r.title)} | {nums} |  | {status} |")
                else:
                    first = results[0]
                    w(f"| {_md(rid)} | {_md(first.title)} ({t['units'].lower()}) | | | | | "
                      f"{unit_summary(report, results)} |")
                    for r in results:
                        sh = shown_value(report, r)
                        status = f"**{report.label(r.status)}**"
                        if r.reason and r.status is not Status.MET:
                            status += f"<br>{_md(reason_text(r, lang))}"
                        bar = f"`{_text_bar(sh.progress)}`" if sh.progress is not None else ""
                        w(f"| | ↳ {_md(unit_ranked(report, r.unit))} | {_md(sh.value)} | {_md(sh.target)} | {_md(sh.margin)} | {bar} "
                          f"| {status} |")
            w("")
        if node.tasks:
            w(f"| {t['id']} | {t['tasks']} | {t['lead']} | {t['deadline']} | {t['status']} | {t['reason']} |")
            w("| --- | --- | --- | --- | --- | --- |")
            for r in node.tasks:
                why = "<br>".join(_md(x) for x in [task_why(report, r), *delivery_lines(report, r)] if x)
                w(f"| {_md(r.id)} | {_md(r.title)} | {_md(unit_names(report, r.lead))} | {_md(task_deadline(report, r))} | "
                  f"**{report.label(r.status)}** | {why} |")
            w("")
        for c in node.children:
            section(c)

    section(report.sections())
    if report.results.warnings:
        w(f"## {t['warnings']}")
        w("")
        w(f"_{_md(t['warnings_note'])}_")
        w("")
        for wn in report.results.warnings:
            source = warning_source(report, wn)
            text = warning_text(wn.message, report.lang, report.plan)
            w(f"- {_md(text)}" + (f" ({t['source']}: {_md(source)})" if source else "")
              + f"{stop_after(text, source)} `{wn.code}`")
        w("")
    made = t["generated"].format(file=_md(plan.filename)) + " " if plan.filename else ""
    w(f"_{made}{_md(stamp_line(report))}_")
    w("")
    return "\n".join(out)

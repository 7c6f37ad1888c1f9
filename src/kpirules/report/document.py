"""The official report as plain data: what the Decree 30 layout shows, in order, as text.

:func:`document` turns a :class:`~kpirules.report.model.Report` into a tree of
dicts, lists and strings (no markup) that the official HTML template, the PDF
made from it and the Word renderer all read, so that the three show the same
content in the same order: the header block (issuing body, Quốc hiệu and
Tiêu ngữ, Số/ký hiệu, place and date), the title, the summary, what changed
since the previous period, what needs attention, the sections with their
targets and tasks, the data warnings, Nơi nhận and the signature block, and
the footer's digest.
"""

from __future__ import annotations

import datetime
import re
from collections.abc import Sequence
from fractions import Fraction
from typing import Any

import attrs
from markupsafe import Markup

from kpirules import nodes as n
from kpirules.engine.evaluate import Result, Status
from kpirules.periods import parse_date
from kpirules.errors import KpiError, KpiPeriodError
from kpirules.report.format import fmt_date, fmt_label, fmt_percent, fmt_period, stop_after
from kpirules.report.history import Trend, change_texts, sparkline, trends
from kpirules.report.i18n import HISTORY, OFFICIAL, TEXT
from kpirules.report.model import Report, SectionNode, shown_value
from kpirules.report.parts import (deliveries_line, listed, reporting_lines, ranked, delivery_lines, later_text, result_name,
                                   result_title, task_deadlines, task_why, unit_name, unit_summary, warning_source)
from kpirules.report.reasons import reason_text, warning_text

__all__ = ["Official", "document", "official_date"]


@attrs.frozen
class Official:
    """What the command line sets on the official layout (each overrides the plan's ``report`` block)."""

    number: str | None = None  # "12/BC-BKHCN": the whole Số/ký hiệu
    date: datetime.date | None = None  # the document's date (default: the as-of date)
    signer: str | None = None  # the signer's name
    place: str | None = None

    @staticmethod
    def of(number: str | None = None, date: str | datetime.date | None = None, signer: str | None = None,
           place: str | None = None) -> Official:
        if isinstance(date, str):
            try:
                date = parse_date(date)
            except KpiPeriodError as exc:
                raise KpiError(f"--date: {exc}") from None
        return Official(number, date, signer, place)


def official_date(d: datetime.date, place: str | None, lang: str) -> str:
    """The place and date line: ``Hà Nội, ngày 05 tháng 01 năm 2021`` (Decree 30: a day below 10 and the
    months 1 and 2 are written with a leading 0), ``Hanoi, 5 January 2021`` in English."""
    if lang == "vi":
        day = f"{d.day:02d}"
        month = f"{d.month:02d}" if d.month <= 2 else str(d.month)
        text = f"ngày {day} tháng {month} năm {d.year}"
        return f"{place}, {text}" if place else text[0].upper() + text[1:]
    text = fmt_date(d, lang)
    return f"{place}, {text}" if place else text


def _names(plan: Any, units: Sequence[str]) -> str:
    """Units as a person reads them: their full names when the plan declares them."""
    return ", ".join(plan.unit_name(u) or u for u in units)


#: a `code` span of a message (a language word: `dated by`, `for each unit:`)
_CODE = re.compile(r"`([^`\n]+)`")


def _plain(text: str) -> str:
    """A reason or warning for the official document, which has no code type: its `code` spans written as
    the words they are, without the backticks (``(cột dated by)``)."""
    return _CODE.sub(r"\1", text)


def _warning(report: Report, w: Any) -> dict[str, str]:
    text, source = _plain(warning_text(w.message, report.lang, report.plan)), warning_source(report, w)
    return {"text": text, "source": source, "code": w.code, "stop": stop_after(text, source)}


def _rule_row(report: Report, rid: str, results: tuple[Result, ...], trends: dict[Any, Any]) -> dict[str, Any]:
    lang = report.lang
    first = results[0]
    item = report.plan.item(rid)
    per_unit = not (len(results) == 1 and first.unit is None)
    row: dict[str, Any] = {
        "id": rid, "title": result_title(first), "per_unit": per_unit,
        "lead": _names(report.plan, first.lead or (item.lead if item else ())),
        "support": _names(report.plan, item.support) if isinstance(item, n.Rule) else "",
        "note": (item.note or "") if isinstance(item, n.Rule) else "",
        "deadline": fmt_date(first.deadline, lang) if first.deadline else "",
    }
    if not per_unit:
        row.update(_numbers(report, first))
        row.update(_trend(trends.get((rid, None))))
    else:
        row["summary"] = unit_summary(report, results)
        row["units"] = [_unit_row(report, place, r, trends.get((rid, r.unit))) for place, r in ranked(results)]
        row.update(_trend(None))
    return row


def _unit_row(report: Report, place: int | None, r: Result, tr: Trend | None) -> dict[str, Any]:
    """One unit of a per-unit rule, as one line of the ranking: ``7. Quản Bạ — vượt 24,36 điểm % (+15,9)``
    beside its value, target and status (so that 700 units take 700 lines, not 700 blocks)."""
    row = dict(_numbers(report, r), unit=_names(report.plan, (r.unit or "",)), rank=str(place) if place else "",
               **_trend(tr))
    if r.status in (Status.MET, Status.NOT_MET):
        row["why"] = ""  # (the margin says it: "thiếu 8,04 điểm %")
    line = (f"{row['rank']}. " if row["rank"] else "") + row["unit"]
    if row["margin"]:
        line += f" — {row['margin']}"
    if row["stale"]:  # (a value of an earlier period: no change to show, and which period it is)
        line += f" ({row['stale']})"
    elif row["delta"]:
        line += f" ({row['delta']})"
    row["line"] = line
    return row


def _trend(tr: Trend | None) -> dict[str, Any]:
    """A target's trend for the renderers: the SVG line, the values, the change since the previous period
    (in words, and ``delta``: the signed number alone)."""
    if tr is None:
        return {"spark": "", "trend": [], "change": "", "delta": "", "stale": ""}
    return {"spark": Markup(sparkline(tr)), "trend": list(zip(tr.labels, tr.texts)), "change": _nb(tr.change),
            "delta": _nb(tr.delta), "stale": tr.stale}


def _nb(text: str) -> str:
    """A number and its unit kept on one line: ``thiếu 8,04 điểm %``, ``3.19 pp short``."""
    return text.replace(" điểm %", "\u00a0điểm\u00a0%").replace(" pp", "\u00a0pp")


def _numbers(report: Report, r: Result) -> dict[str, Any]:
    sh = shown_value(report, r)
    why = ""
    if r.reason and r.status is not Status.MET:
        why = _plain(reason_text(r, report.lang, deadline_shown=r.deadline is not None, period_shown=r.period))
    return {"status": r.status.value, "label": report.label(r.status), "value": sh.value, "target": sh.target,
            "margin": _nb(sh.margin), "progress": _percent(sh.progress), "why": why,
            "judged": fmt_label(r.period, report.lang) if r.period else ""}


def _percent(p: Fraction | None) -> str:
    return "" if p is None else fmt_percent(p, "en", 0)


def _task_row(report: Report, r: Result) -> dict[str, Any]:
    item = report.plan.item(r.id)
    task = item if isinstance(item, n.Task) else None
    return {
        "id": r.id, "title": result_title(r), "status": r.status.value, "label": report.label(r.status),
        "lead": _names(report.plan, r.lead), "support": _names(report.plan, task.support) if task else "",
        "product": (task.product or "") if task else "", "note": (task.note or "") if task else "",
        "deadlines": task_deadlines(report, r), "why": task_why(report, r),
        "deliveries": delivery_lines(report, r),
    }


def _section(report: Report, node: SectionNode, trends: dict[Any, Any]) -> dict[str, Any]:
    return {
        "id": node.id, "title": node.title or "", "depth": node.depth,
        "rules": [_rule_row(report, rid, results, trends) for rid, results in node.rules],
        "tasks": [_task_row(report, r) for r in node.tasks],
        "children": [_section(report, c, trends) for c in node.children if not c.empty],
    }


def _attention(report: Report, r: Result) -> dict[str, Any]:
    lang = report.lang
    sh = shown_value(report, r)
    text = result_name(report, r)
    title = result_title(r)
    numbers = f"{sh.value} / {sh.target}" if r.kind == "rule" and sh.value != "—" else ""
    deadline = fmt_date(r.deadline, lang) if r.deadline and r.kind == "rule" else ""
    why = ""
    if r.reason and (r.kind == "task" or r.status is not Status.NOT_MET):
        why = _plain(reason_text(r, lang, deadline_shown=r.kind == "rule"))
    last = f"({why})" if why else deadline or numbers or title or text
    return {"id": text, "title": title, "status": r.status.value, "label": report.label(r.status),
            "numbers": numbers, "deadline": deadline, "why": why, "stop": stop_after(last)}


def _in_sentence(period: str, lang: str) -> str:
    """``Quý IV/2020`` → ``quý IV/2020`` inside a Vietnamese sentence."""
    return period[0].lower() + period[1:] if lang == "vi" and period[:1].isupper() else period


def _recipients(lines: Sequence[str]) -> list[str]:
    """Nơi nhận as Decree 30 writes it: each recipient ends with ``;``, the last with ``.``."""
    out = [x.rstrip().rstrip(";.,") for x in lines]
    return [x + (";" if i < len(out) - 1 else ".") for i, x in enumerate(out)]


def document(report: Report, official: Official | None = None) -> dict[str, Any]:
    """The official report of ``report`` as plain data (see the module's docstring)."""
    official = official or Official()
    lang, plan, p = report.lang, report.plan, report.period
    t, o = TEXT[lang], OFFICIAL[lang]
    block = plan.ast.report or n.ReportBlock()
    issuer = list(block.issuer) or [o["issuer_default"]]
    signer = list(block.signer)
    name = official.signer if official.signer is not None else (signer.pop() if signer else "")
    if official.signer is not None and signer and len(block.signer) > 1:
        signer = signer[:-1]
    number = official.number or (f"…/{block.symbol}" if block.symbol else "…")
    when = official.date or report.as_of
    place = official.place if official.place is not None else block.place
    start, end = report.window
    stamp = report.provenance()
    ds = report.deliveries_due()
    counts = [(t["rules"], report.rule_counts()), (t["tasks"], report.task_counts())]
    all_trends = trends(report)
    attention, attention_more = listed(report, report.attention_now())
    all_later = report.attention_later()
    later, later_more = listed(report, all_later)
    return {
        "lang": lang,
        "issuer_above": issuer[:-1],
        "issuer": issuer[-1],
        "nation": o["nation"],
        "motto": o["motto"],
        "number": o["number"].format(number=number),
        "place_date": official_date(when, place, lang),
        "kind": o["kind"],
        "subject": o["subject"].format(plan=plan.title or plan.id, period=_in_sentence(fmt_period(p, lang), lang)),
        "plan_id": plan.id,
        "intro": o["intro"].format(plan=plan.id, period=fmt_period(p, lang),
                                   window=t["window"].format(start=fmt_date(start, lang), end=fmt_date(end, lang)),
                                   as_of=fmt_date(report.as_of, lang)),
        "due": fmt_date(p.due, lang) if p.due else "",
        "labels": {**t, **o, **{"h_" + k: v for k, v in HISTORY[lang].items()}},
        "counts": [{"head": head, "rows": [{"status": s, "label": report.label(Status(s)), "count": c}
                                           for s, c in cs.items()]} for head, cs in counts],
        "deliveries": {"text": deliveries_line(report),
                       "good": bool(ds and ds.due and len(ds.done) == len(ds.due) and not ds.late)},
        "reporting": reporting_lines(report),
        "attention": [_attention(report, r) for r in attention],
        "attention_more": attention_more,
        "later": [later_text(report, r) for r in later],
        "later_more": later_more,
        "later_stop": stop_after(later_more or (later_text(report, later[-1]) if later else "")),
        "later_count": len(all_later),
        "sections": _section(report, report.sections(), all_trends),
        "changes": change_texts(report),
        "trends": [{"id": rid + (f" ({unit_name(report, unit)})" if unit else ""), "values": [x for _, x in tr.trend_texts()],
                    "change": tr.change, "delta": tr.delta, "stale": tr.stale} for (rid, unit), tr in all_trends.items()],
        "trend_labels": next(iter(all_trends.values())).labels if all_trends else (),
        "warnings": [_warning(report, w) for w in report.results.warnings],
        "recipients_head": o["recipients"],
        "recipients": _recipients(block.recipients),
        "signer_title": signer,
        "signer_name": name,
        "stamp": TEXT[lang]["stamp"].format(digest=stamp["digest"][:12], version=stamp["version"]),
        "digest": stamp["digest"][:12],
        "generated": t["generated"].format(file=plan.filename) if plan.filename else "",
    }

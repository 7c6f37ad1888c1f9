"""Pieces of text that the Markdown and HTML reports both show: titles, deliveries, deadlines, unit summaries."""

from __future__ import annotations

import datetime
import os
import re
from fractions import Fraction
from collections.abc import Iterable
from typing import Any

from kpirules import nodes as n
from kpirules.engine.evaluate import RULE_STATUSES, Result, Status
from kpirules.report.format import fmt_date, fmt_label, fmt_period
from kpirules.report.i18n import TEXT
from kpirules.report.model import Report, shown_value
from kpirules.values import is_number
from kpirules.report.reasons import reason_text


def result_title(r: Result) -> str:
    """A result's title without its closing full stop (the report adds its own punctuation)."""
    return (r.title or "").rstrip().rstrip(".")


def attention_parts(report: Report, r: Result) -> tuple[tuple[str, str] | None, str | None, str | None]:
    """What a line of "needs attention" shows besides the status, id, unit and title, as plain text for
    each renderer to escape: (value, target) of a rule with a value, its deadline, and the reason (a
    task's always, a rule's unless it is plainly not met)."""
    sh = shown_value(report, r)
    numbers = (sh.value, sh.target) if r.kind == "rule" and sh.value != "—" else None
    deadline = (f"{TEXT[report.lang]['deadline'].lower()} {fmt_date(r.deadline, report.lang)}"
                if r.deadline and r.kind == "rule" else None)
    why = (reason_text(r, report.lang, deadline_shown=r.kind == "rule")
           if r.reason and (r.kind == "task" or r.status is not Status.NOT_MET) else None)
    return numbers, deadline, why


def listed(report: Report, items: list[Result]) -> tuple[list[Result], str]:
    """The items of a list a person reads that the report shows (:meth:`Report.shown`), and the line
    "… and N more like this" for the rest ("" when none is left out)."""
    shown, more = report.shown(items)
    return shown, TEXT[report.lang]["more_like_this"].format(more=more) if more else ""


def _explain(r: Result) -> bool:
    """Whether a task's reason goes in the report: late, blocked, overdue or unreported ones."""
    return r.status in (Status.DONE_LATE, Status.OVERDUE, Status.BLOCKED, Status.NO_DATA)


def _described_delivery(r: Result) -> tuple[str, datetime.date, datetime.date, bool] | None:
    """The delivery a done task's status (and main reason) is already about."""
    if r.status is Status.DONE and r.deliveries:
        return r.deliveries[-1]
    if r.status is Status.DONE_LATE:
        return next((d for d in r.deliveries if not d[3]), None)
    return None


def delivery_lines(report: Report, r: Result) -> list[str]:
    """What a task has already delivered, one line per delivery its status does not already tell:
    ``Đã hoàn thành phần việc giai đoạn 2019-2020 (30/10/2020)``."""
    t, lang = TEXT[report.lang], report.lang
    told = _described_delivery(r)
    return [t["delivered" if on_time else "delivered_late"].format(phase=report.phase_name(label),
                                                                  on=fmt_date(on, lang))
            for label, deadline, on, on_time in r.deliveries if (label, deadline, on, on_time) != told]


def deliveries_line(report: Report) -> str:
    """The summary's line on the tasks' work due at the last phase deadline (empty when there is none)."""
    ds = report.deliveries_due()
    if ds is None:
        return ""
    t = TEXT[report.lang]
    line = t["deliveries_line"].format(done=len(ds.done), due=len(ds.due), phase=report.phase_name(ds.phase),
                                       deadline=fmt_date(ds.deadline, report.lang))
    if ds.late:
        line += t["deliveries_late"].format(late=len(ds.late))
    return line + "."


#: units named in full in a line of who has not reported; the rest are counted
REPORTING_NAMES = 20


def reporting_lines(report: Report) -> list[str]:
    """The summary's lines on who has not reported for the period: the declared units that sent nothing,
    and those that sent after the due date (none without declared units; see Results.reporting)."""
    rep = report.results.reporting()
    if rep is None:
        return []
    t, lang = TEXT[report.lang], report.lang
    units = getattr(report.plan, "units", None) or {}

    def names(items: list[str]) -> str:
        shown = ", ".join(items[:REPORTING_NAMES])
        more = len(items) - REPORTING_NAMES
        return shown + (" " + t["and_more"].format(more=more) if more > 0 else "")

    out = []
    if rep["not_reported"]:
        period = report.results.current
        out.append(t["not_reported_line"].format(
            count=len(rep["not_reported"]), units=len(units),
            period=fmt_period(period, lang) if period is not None else rep["period"],
            names=names([t["empty_form"].format(name=u["unit_name"] or u["unit"],
                                                date=fmt_date(datetime.date.fromisoformat(u["submitted"]), lang))
                         if "submitted" in u else u["unit_name"] or u["unit"] for u in rep["not_reported"]])))
    if rep["late"]:
        due = datetime.date.fromisoformat(rep["due"])
        out.append(t["late_line"].format(
            count=len(rep["late"]), due=fmt_date(due, lang),
            names=names([f"{u['unit_name'] or u['unit']} ({fmt_date(datetime.date.fromisoformat(u['submitted']), lang)})"
                         for u in rep["late"]])))
    return out


def unit_name(report: Report, unit: str | None) -> str:
    """A unit as a person reads it: the full name the plan declares (``Vụ Pháp chế``), else its code."""
    if unit is None:
        return ""
    return report.plan.unit_name(unit) or unit


def unit_names(report: Report, units: Iterable[str]) -> str:
    """Units as a person reads them, joined: ``Trung tâm Công nghệ thông tin, Văn phòng Bộ``."""
    return ", ".join(unit_name(report, u) for u in units)


def unit_ranked(report: Report, unit: str | None) -> str:
    """A unit in a ranking table, where its code helps to find it in the data: ``Vụ Pháp chế (VUPC)``
    (the code alone when the plan declares no full name)."""
    name = unit_name(report, unit)
    return f"{name} ({unit})" if unit and name != unit else name


def result_name(report: Report, r: Result) -> str:
    """A result's id, with its unit's full name for a per-unit one: ``II.1.c.3.units (Vụ Pháp chế)``."""
    return r.id + (f" ({unit_name(report, r.unit)})" if r.unit else "")


def short_title(text: str, limit: int = 60) -> str:
    """A title cut at a word before ``limit`` characters, with an ellipsis."""
    if len(text) <= limit:
        return text
    cut = text[:limit].rsplit(" ", 1)[0].rstrip(",;:.")
    return cut + "…"


_SNAPSHOT_SOURCE = re.compile(r"^(?P<file>.*): \$\.snapshots\[(?P<n>\d+)\]\.values\.(?P<metric>.+)$")
_ROW_SOURCE = re.compile(r"^(?P<file>.*): row (?P<n>\d+)$")
_LIST_SOURCE = re.compile(r"^(?P<file>.*): \$\.(?P<list>tasks|events)\[(?P<n>\d+)\](?:\..*)?$")


def warning_source(report: Report, w: Any) -> str:
    """Where a data warning came from, for people: the file's name and, for a value of a JSON snapshot, the
    snapshot's period, unit and the metric's title (``data.json, Quý III/2020, Vụ Pháp chế, “Số hồ sơ…”``),
    for a CSV row ``values.csv, dòng 4``.  The key path (``$.snapshots[34].values.x``) stays in the JSON."""
    source = getattr(w, "source", None)
    if not source:
        return ""
    t, lang = TEXT[report.lang], report.lang
    m = _SNAPSHOT_SOURCE.match(source)
    if m:
        parts = [os.path.basename(m["file"])]
        found = _snapshot_at(report, m["file"], int(m["n"]), m["metric"])
        if found is not None:
            period, unit = found
            parts.append(fmt_period(period, lang))
            if unit is not None:
                parts.append(unit_name(report, unit))
        title = report.plan.metric_title(m["metric"]) if hasattr(report.plan, "metric_title") else None
        parts.append(f"“{title}”" if title else m["metric"])
        return ", ".join(parts)
    m = _ROW_SOURCE.match(source)
    if m:
        return f"{os.path.basename(m['file'])}, {t['source_row'].format(n=m['n'])}"
    m = _LIST_SOURCE.match(source)
    if m:
        key = "source_task_row" if m["list"] == "tasks" else "source_event_row"
        return f"{os.path.basename(m['file'])}, {t[key].format(n=int(m['n']) + 1)}"
    file, sep, where = source.partition(": ")
    return f"{os.path.basename(file)}, {where}" if sep else source


def _snapshot_at(report: Report, file: str, number: int, metric: str) -> tuple[Any, str | None] | None:
    """The (period, unit) of the snapshot ``$.snapshots[number]`` of ``file`` that gave ``metric``, or None."""
    data = report.results.data
    sources = getattr(data, "sources", None)
    by_snapshot = getattr(sources, "by_snapshot", None)
    if data is None or sources is None or by_snapshot is None:
        return None
    want = f"$.snapshots[{number}].values.{metric}"
    for key in by_snapshot:
        raw = sources.raw(key, metric)
        if raw is None or (type(raw) is int and raw & 0xFF_FFFF_FFFF != number):
            continue  # (a compact source: its low bits are the snapshot's number)
        src = sources.build(raw, metric)
        if src.where == want and src.file == file:
            period = data.periods.get(key[0])
            return (period, key[1]) if period is not None else None
    return None


def later_text(report: Report, r: Result) -> str:
    """A later-phase at-risk result in one short line: id (unit) — title: value / target."""
    sh = shown_value(report, r)
    text = result_name(report, r)
    title = short_title(result_title(r))
    if title:
        text += f" — {title}"
    if sh.value != "—":
        text += f": {sh.value} / {sh.target}"
    return text


def task_why(report: Report, r: Result) -> str:
    """A task's reason as the tasks table shows it: without the deliveries (shown on their own lines)."""
    if not (_explain(r) and r.reason):
        return ""
    return reason_text(r, report.lang, deliveries=False)


def task_deadline(report: Report, r: Result) -> str:
    """A task's deadlines in the plan's words, the one its status is about with its last day."""
    return " · ".join(task_deadlines(report, r))




def task_deadlines(report: Report, r: Result) -> list[str]:
    lang = report.lang
    task = report.plan.item(r.id)
    whens = task.due if isinstance(task, n.Task) else ()
    labels = [report.plan.period(w).label if isinstance(w, n.PeriodRef) else w.date.isoformat() for w in whens]
    shown = []
    for label in labels:
        text = fmt_label(label, lang)
        if r.deadline is not None and label == r.period:
            text += f" ({fmt_date(r.deadline, lang)})"
        shown.append(text)
    if r.deadline is not None and r.period not in labels:
        shown.append(fmt_date(r.deadline, lang))
    return shown


def unit_summary(report: Report, results: Iterable[Result]) -> str:
    counts: dict[Status, int] = {}
    for r in results:
        counts[r.status] = counts.get(r.status, 0) + 1
    return ", ".join(f"{report.label(s)} {counts[s]}" for s in RULE_STATUSES if s in counts)


def stamp_line(report: Report, block: dict[str, object] | None = None) -> str:
    """The footer's line with the short digest of the report's provenance block."""
    block = report.provenance() if block is None else block
    from kpirules.report.provenance import short

    return TEXT[report.lang]["stamp"].format(digest=short(block), version=block.get("version"))


def ranked(results: tuple[Result, ...]) -> list[tuple[int | None, Result]]:
    """A per-unit rule's units ranked by value in the target's direction (best first; ties share a place;
    units without a number last, unranked, in plan order)."""
    def num(r: Result) -> Fraction | None:
        return Fraction(r.value) if is_number(r.value) and not isinstance(r.value, bool) else None

    lower_better = any(r.op in ("<", "<=") for r in results)
    valued = [r for r in results if num(r) is not None]
    valued.sort(key=lambda r: num(r) if lower_better else -num(r))  # type: ignore[operator, arg-type, return-value]
    out: list[tuple[int | None, Result]] = []
    for i, r in enumerate(valued):
        place = out[-1][0] if out and num(out[-1][1]) == num(r) else i + 1
        out.append((place, r))
    out.extend((None, r) for r in results if num(r) is None)
    return out

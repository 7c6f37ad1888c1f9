"""The report as JSON."""

from __future__ import annotations

import json
from typing import Any

from kpirules.engine.evaluate import Result
from kpirules.report.format import fmt_period
from kpirules.report.i18n import STATUS_LABELS
from kpirules.report.model import Report, SectionNode, shown_value
from kpirules.report.parts import deliveries_line, delivery_lines
from kpirules.report.reasons import reason_text
from kpirules.schemas import SCHEMA_VERSION
from kpirules.values import format_value


def render_json(report: Report) -> str:
    """The report for tools: the heading, the summary and every result's ``to_json`` object."""
    return json.dumps(report_dict(report), ensure_ascii=False, indent=2) + "\n"


def report_dict(report: Report) -> dict[str, Any]:
    plan, p, lang = report.plan, report.period, report.lang
    labels = STATUS_LABELS[lang]

    def obj(r: Result) -> dict[str, Any]:
        out = r.to_json()
        out["status_label"] = labels[r.status]
        shown = shown_value(report, r)
        if shown.progress is not None:
            out["progress"] = format_value(shown.progress)
        if r.reason:
            out["reason_text"] = reason_text(r, lang)
        if shown.margin:
            out["margin_text"] = shown.margin
        if r.deliveries:
            out["deliveries_text"] = delivery_lines(report, r)
        return out

    root = report.sections()
    sections: list[dict[str, Any]] = []

    def walk(node: SectionNode, parent: str | None) -> None:
        for c in node.children:
            sections.append({"id": c.id, "title": c.title, "parent": parent, "depth": c.depth,
                             "rules": [rid for rid, _ in c.rules], "tasks": [t.id for t in c.tasks]})
            walk(c, c.id)

    walk(root, None)
    return {
        "report": "kpirules",
        "lang": lang,
        "plan": {"id": plan.id, "title": plan.title, "file": plan.filename},
        "period": {"label": p.label, "name": fmt_period(p, lang), "start": p.start.isoformat(),
                   "end": p.end.isoformat(), "due": p.due.isoformat() if p.due else None},
        "as_of": report.as_of.isoformat(),
        "status_labels": {s.value: label for s, label in labels.items()},
        "summary": {
            "counts": report.results.counts(),
            "rules": report.rule_counts(),
            "tasks": report.task_counts(),
            "failing": report.failing,
            "attention": [obj(r) for r in report.attention()],
            "attention_later": [{"id": r.id, "unit": r.unit} for r in report.attention_later()],
            "deliveries": _deliveries_json(report),
            "reporting": report.results.reporting(),
        },
        "sections": sections,
        "results": [obj(r) for r in report.results],
        "warnings": [wn.to_json() for wn in report.results.warnings],
        "provenance": report.provenance(),
        "schema_version": SCHEMA_VERSION,
    }


def _deliveries_json(report: Report) -> dict[str, Any] | None:
    ds = report.deliveries_due()
    if ds is None:
        return None
    return {"period": ds.phase, "phase": report.phase_name(ds.phase), "deadline": ds.deadline.isoformat(),
            "due": list(ds.due), "done": list(ds.done), "late": list(ds.late), "text": deliveries_line(report)}

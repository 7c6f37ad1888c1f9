"""Reasons and warnings in the report's language: the messages of the engine rendered from the catalogs
of :mod:`kpirules.messages`, with dates and periods written for people."""

from __future__ import annotations

import datetime
import re
from typing import Any

from kpirules.engine.evaluate import Result
from kpirules.messages import Message, Style
from kpirules.report.format import fmt_date, fmt_label, capital


class ReportStyle(Style):
    """Dates as ``15/9/2020`` / ``15 September 2020``, periods as ``Quý IV/2020`` / ``Q4 2020``, spans with a dash."""

    span = " – "
    singular = True
    data_words = False

    def date(self, d: datetime.date, lang: str) -> str:
        return fmt_date(d, lang)

    def label(self, label: str, lang: str) -> str:
        return fmt_label(label, lang)


class TitledStyle(ReportStyle):
    """The report's style for one plan: a metric the plan declares with a title is shown by its title,
    in quotation marks (“Số dịch vụ công trực tuyến của Bộ”), not by its identifier (issue 17)."""

    def __init__(self, plan: Any) -> None:
        self.plan = plan

    def metric(self, metric: str, lang: str) -> str:
        title = self.plan.metric_title(metric) if hasattr(self.plan, "metric_title") else None
        return f"“{title}”" if title else metric

    def expr(self, expr: str, lang: str) -> str:
        """An expression as the data it reads: ``ratio(a, b)`` is "số liệu “A” và “B”" when the plan gives
        a and b titles (a reader of the report does not read the rule language); else as written."""
        titles: list[str] = []
        for name in dict.fromkeys(_NAME.findall(expr)):
            title = self.plan.metric_title(name) if hasattr(self.plan, "metric_title") else None
            if title:
                titles.append(f"“{title}”")
        if not titles:
            return super().expr(expr, lang)
        words = _EXPR_WORDS[lang] if lang in _EXPR_WORDS else _EXPR_WORDS["en"]
        listed = titles[0] if len(titles) == 1 else ", ".join(titles[:-1]) + words[1] + titles[-1]
        return words[0].format(listed)


#: an identifier of the rule language (a metric's name, a function's: only declared metrics are replaced)
_NAME = re.compile(r"(?<![\w.])[A-Za-z_][A-Za-z0-9_]*(?![\w(])")
#: "the data {}" and the word that joins the last two titles, per language
_EXPR_WORDS = {"vi": ("số liệu {}", " và "), "en": ("the data {}", " and ")}


STYLE = ReportStyle()


def style_of(r: Result) -> ReportStyle:
    """The style for a result's texts: with its plan's metric titles when the result knows its plan."""
    plan = getattr(r.evaluation, "plan", None)
    return TitledStyle(plan) if plan is not None and getattr(plan, "metrics", None) else STYLE


def named_units(message: Message, plan: Any) -> Message:
    """``message`` with its units (``unit``, ``units``, in it and in the messages it holds) written by the full
    names the plan declares: "đơn vị Vụ Pháp chế không báo cáo", not "đơn vị VUPC" (issue 19)."""
    names = getattr(plan, "units", None)
    if not names:
        return message

    def name(u: Any) -> Any:
        return (names.get(u) or u) if isinstance(u, str) else u

    args: dict[str, Any] = {}
    changed = False
    for k, v in message.args.items():
        new = v
        if k == "unit":
            new = name(v)
        elif k == "units" and isinstance(v, tuple):
            new = tuple(name(u) for u in v)
        elif isinstance(v, Message):
            new = named_units(v, plan)
        elif isinstance(v, tuple) and any(isinstance(x, Message) for x in v):
            new = tuple(named_units(x, plan) if isinstance(x, Message) else x for x in v)
        changed = changed or new is not v
        args[k] = new
    return Message(message.code, **args) if changed else message


def reason_text(r: Result, lang: str, deadline_shown: bool = False, period_shown: str | None = None,
                deliveries: bool = True) -> str:
    """A result's reason for people, in ``lang``.  ``deadline_shown``: the deadline is already next to
    the reason, so "deadline … not reached" keeps only the latest data, and nothing when that is
    ``period_shown``; ``deliveries=False``: without the deliveries a task has made (shown on their own)."""
    reason = r.reason
    if not reason:
        return ""
    if not isinstance(reason, Message):  # (a result made outside the engine: its text as it is)
        return str(reason)
    if deadline_shown and reason.code == "deadline_not_reached":
        latest = reason.args["latest"]
        if period_shown is not None and latest == period_shown:
            return ""
        reason = Message("latest_data", latest=latest)
    if not deliveries and reason.args.get("history"):
        reason = Message(reason.code, **{**reason.args, "history": ()})
    plan = getattr(r.evaluation, "plan", None)
    return named_units(reason, plan).render(lang, style_of(r))


def warning_text(message: str, lang: str, plan: Any = None) -> str:
    """A data warning for people, in ``lang``, starting as a sentence (a capital first letter; the renderer ends
    it, after its source): periods in the report's style and, given the plan, its metrics by their titles and
    its units by their full names."""
    if isinstance(message, Message):
        style = TitledStyle(plan) if plan is not None and getattr(plan, "metrics", None) else STYLE
        text = (named_units(message, plan) if plan is not None else message).render(lang, style)
    else:
        text = str(message)
    return capital(text)

"""The report's look back: the previous reporting periods, what changed since the last one, each target's trend.

:func:`history` evaluates the plan, on the report's data, for the reporting
periods before the report's own (each judged on its own due date, as
``kpirules report --period`` would have judged it then, never after the
report's as-of date); :func:`changes` compares the report with the previous
period's evaluation (newly met, newly not met, newly overdue, newly
delivered) and :func:`trends` gives each target's value over the last
periods, with the change since the previous one.
"""

from __future__ import annotations

from fractions import Fraction
from typing import Any

import attrs

from kpirules.engine.evaluate import Result, Results, Status
from kpirules.errors import KpiError
from kpirules.report.format import fmt_decimal, fmt_label, fmt_period, stop_after
from kpirules.report.i18n import HISTORY
from kpirules.report.model import Report, is_percent_rule, shown_numbers
from kpirules.report.parts import result_title, short_title, unit_name
from kpirules.values import is_number

__all__ = ["history", "changes", "trends", "Change", "Trend", "TREND_PERIODS"]

#: how many reporting periods a trend shows (the report's own among them)
TREND_PERIODS = 8


def history(report: Report, count: int = TREND_PERIODS - 1) -> list[Results]:
    """The evaluations of the ``count`` periods before the report's, oldest first (fewer when the plan's
    data starts later: a period before the first with data is left out)."""
    cache = report.results.__dict__.setdefault("_history", {})
    if count in cache:
        return cache[count]  # type: ignore[no-any-return]
    periods = []
    p = report.period
    for _ in range(count):
        p = p.previous()
        periods.append(p)
    periods.reverse()
    data = report.results.data
    out: list[Results] = []
    if data is not None and periods:
        first = min((q for q in data.periods.values() if q.kind is report.plan.kind), default=None)
        periods = [q for q in periods if first is None or q.end >= first.start]
        try:
            out = report.plan.evaluate_periods(data, periods, report.as_of) if periods else []
        except KpiError:
            out = []
    cache[count] = out
    return out


def _key(r: Result) -> tuple[str, str, str | None]:
    return (r.kind, r.id, r.unit)


@attrs.frozen
class Change:
    """One group of the section "Thay đổi so với kỳ trước": its kind and the results in it."""

    kind: str  # newly_met, newly_not_met, newly_overdue, newly_delivered
    results: tuple[Result, ...]


def changes(report: Report) -> tuple[str | None, list[Change]]:
    """The previous period's name and what changed since: the results newly met, newly not met, newly
    overdue and newly delivered (a task's delivery made after the previous period's judging day)."""
    past = history(report, 1)
    if not past:
        return None, []
    before = {_key(r): r for r in past[-1]}
    groups: dict[str, list[Result]] = {"newly_met": [], "newly_not_met": [], "newly_overdue": [],
                                       "newly_delivered": []}
    for r in report.results:
        old = before.get(_key(r))
        was = old.status if old else None
        if r.status is Status.MET and was is not Status.MET:
            groups["newly_met"].append(r)
        elif r.status is Status.NOT_MET and was is not Status.NOT_MET:
            groups["newly_not_met"].append(r)
        elif r.status is Status.OVERDUE and was is not Status.OVERDUE:
            groups["newly_overdue"].append(r)
        if r.kind == "task":
            made = {d[:3] for d in (old.deliveries if old else ())}
            new = [d for d in r.deliveries if d[:3] not in made]
            if new or (r.status in (Status.DONE, Status.DONE_LATE) and was not in (Status.DONE, Status.DONE_LATE)
                       and not r.deliveries):
                groups["newly_delivered"].append(r)
    name = fmt_period(past[-1].current, report.lang) if past[-1].current else None
    return name, [Change(k, tuple(v)) for k, v in groups.items()]


def change_texts(report: Report) -> list[dict[str, Any]]:
    """:func:`changes` as text: one dict per group (head, items), for the renderers."""
    name, groups = changes(report)
    if name is None:
        return []
    words = HISTORY[report.lang]
    out = []
    for g in groups:
        # a per-unit rule is one item with its units ("II.1.b — title: U01, U03 (2 đơn vị)"), so that 700
        # units newly met make one line, not 700; ``count`` counts results, as the heading's number does
        by_id: dict[tuple[str, str], list[Result]] = {}
        for r in g.results:
            by_id.setdefault((r.kind, r.id), []).append(r)
        items = []
        for (_, rid), rs in by_id.items():
            title = short_title(result_title(rs[0]))
            head = f"{rid} — {title}" if title else rid
            units = [unit_name(report, r.unit) for r in rs if r.unit]
            if not units:
                items.append(head)
            elif len(units) == 1:
                items.append(f"{rid} ({units[0]})" + (f" — {title}" if title else ""))
            else:
                shown = ", ".join(units[:_UNITS_SHOWN]) + (", …" if len(units) > _UNITS_SHOWN else "")
                items.append(f"{head}: {shown} ({words['units'].format(n=len(units))})")
        out.append({"kind": g.kind, "head": words[g.kind], "items": items, "count": len(g.results),
                    "none": words["none"], "stop": stop_after(items[-1] if items else words["none"])})
    return [{"previous": name, "note": words["note"].format(previous=name), "groups": out}]


#: how many of a per-unit rule's changed units "what changed" names (the count gives the rest)
_UNITS_SHOWN = 12


@attrs.frozen
class Trend:
    """A target's values over the last reporting periods, oldest first, with the change since the previous."""

    labels: tuple[str, ...]  # the periods, in the report's words
    values: tuple[Fraction | None, ...]  # None where there is no number
    texts: tuple[str, ...]
    change: str  # the change since the previous period, in words ("" when either has no number)
    delta: str = ""  # the same, the number alone ("+1,96 điểm %", "0")
    #: when the current value is carried from an earlier period (a unit that did not report): that period in
    #: words ("số liệu Quý III/2020"), and the trend has no point for the report's period
    stale: str = ""

    def trend_texts(self) -> list[tuple[str, str]]:
        return list(zip(self.labels, self.texts))


def trends(report: Report) -> dict[tuple[str, str | None], Trend]:
    """Each numeric target's (and each unit's) trend over the last :data:`TREND_PERIODS` periods."""
    past = history(report)
    evaluations = [*past, report.results]
    by_key: dict[tuple[str, str | None], list[Result | None]] = {}
    for i, results in enumerate(evaluations):
        for r in results:
            if r.kind != "rule":
                continue
            by_key.setdefault((r.id, r.unit), [None] * len(evaluations))[i] = r
    labels = tuple(fmt_label(e.current.label, report.lang) if e.current else "" for e in evaluations)
    words = HISTORY[report.lang]
    out: dict[tuple[str, str | None], Trend] = {}
    for key, seq in by_key.items():
        now = seq[-1]
        if now is None or not is_number(now.value) or isinstance(now.value, bool):
            continue
        pct = is_percent_rule(report.plan.item(now.id))
        values: list[Fraction | None] = []
        texts: list[str] = []
        for past_r, results in zip(seq, evaluations):
            # a value of another period than the evaluation's (carried from the latest report of a unit that
            # sent nothing for it) is not a point of that period
            own = past_r is not None and (past_r.period is None or results.current is None
                                          or past_r.period == results.current.label)
            v = (past_r.value if past_r is not None and own and is_number(past_r.value)
                 and not isinstance(past_r.value, bool) else None)
            values.append(None if v is None else Fraction(v))
            # each period's value as its result shows it: on its side of that period's target (≈ when it
            # takes more decimals than a cell holds), never a 30% for a 29.9999999999% not met
            texts.append("—" if v is None or past_r is None
                         else shown_numbers(v, past_r.target, past_r.op, pct, report.lang)[0])
        change = delta = ""
        if len(values) >= 2 and values[-1] is not None and values[-2] is not None:
            d = values[-1] - values[-2]
            if d == 0:
                change, delta = words["unchanged"], "0"
            else:
                delta = (fmt_decimal(d * 100, report.lang, sign=True) + words["points"] if pct
                         else fmt_decimal(d, report.lang, sign=True))
                if not any(c in "123456789" for c in delta):  # (a change too small for two decimals)
                    delta = "≈ " + delta
                change = words["change"].format(x=delta)
        stale = ""
        if values[-1] is None and now.period is not None:
            stale = words["from"].format(period=fmt_label(now.period, report.lang))
        out[key] = Trend(labels, tuple(values), tuple(texts), change, delta, stale)
    return out


def sparkline(trend: Trend, width: int = 64, height: int = 18) -> str:
    """An inline SVG line of a trend's values (no script, no external file), or "" with fewer than two."""
    points = [(i, v) for i, v in enumerate(trend.values) if v is not None]
    if len(points) < 2:
        return ""
    lo = min(v for _, v in points)
    hi = max(v for _, v in points)
    span = hi - lo or Fraction(1)
    n = max(len(trend.values) - 1, 1)

    def xy(i: int, v: Fraction) -> tuple[str, str]:
        # x = 2 + (width-4)·i/n and y = (height-3) - (height-6)·(v-lo)/span, tenths, with one Fraction
        # division per point (this runs for every unit of every per-unit target)
        r = (v - lo) / span
        x = Fraction(20 * n + 10 * (width - 4) * i, n)
        y = Fraction(10 * (height - 3) * r.denominator - 10 * (height - 6) * r.numerator, r.denominator)
        return _tenths(round(x)), _tenths(round(y))

    coords = [xy(i, v) for i, v in points]
    path = " ".join(f"{x},{y}" for x, y in coords)
    lx, ly = coords[-1]
    title = "; ".join(f"{a}: {b}" for a, b in zip(trend.labels, trend.texts))
    return (f'<svg class="spark" width="{width}" height="{height}" viewBox="0 0 {width} {height}" role="img" '
            f'aria-label="{_attr(title)}"><title>{_attr(title)}</title>'
            f'<polyline fill="none" stroke="currentColor" stroke-width="1.5" points="{path}"/>'
            f'<circle cx="{lx}" cy="{ly}" r="2" fill="currentColor"/></svg>')


def _tenths(q: int) -> str:
    """A coordinate given in tenths, with one decimal (exact enough for a drawing)."""
    return f"{q // 10}.{q % 10}"


def _attr(text: str) -> str:
    import html

    return html.escape(text, quote=True)

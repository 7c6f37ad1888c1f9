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

import datetime
import html
import json
import re
from collections.abc import Iterable
from fractions import Fraction
from typing import Any

import attrs
from dateutil.relativedelta import relativedelta

from kpirules import nodes as n
from kpirules.data import Data
from kpirules.errors import KpiError, KpiPeriodError
from kpirules.engine.evaluate import RULE_STATUSES, TASK_STATUSES, Plan, Result, Results, Status, report_as_of
from kpirules.periods import ROMAN_NUMERALS, Kind, Period, parse_date, parse_period
from kpirules.values import format_value, is_number

__all__ = ["Report", "build_report", "render", "render_markdown", "render_html", "render_json", "FORMATS",
           "LANGS", "STATUS_LABELS", "report_as_of", "urgency"]

FORMATS = ("md", "html", "json")
LANGS = ("vi", "en")

STATUS_LABELS: dict[str, dict[Status, str]] = {
    "vi": {
        Status.MET: "Đạt",
        Status.NOT_MET: "Chưa đạt",
        Status.ON_TRACK: "Đúng tiến độ",
        Status.AT_RISK: "Có nguy cơ không đạt",
        Status.NO_DATA: "Thiếu số liệu",
        Status.ERROR: "Lỗi số liệu",
        Status.DONE: "Hoàn thành",
        Status.DONE_LATE: "Hoàn thành muộn",
        Status.OPEN: "Đang thực hiện",
        Status.OVERDUE: "Quá hạn",
        Status.BLOCKED: "Chờ nhiệm vụ trước",
    },
    "en": {
        Status.MET: "Met",
        Status.NOT_MET: "Not met",
        Status.ON_TRACK: "On track",
        Status.AT_RISK: "At risk",
        Status.NO_DATA: "No data",
        Status.ERROR: "Data error",
        Status.DONE: "Done",
        Status.DONE_LATE: "Done late",
        Status.OPEN: "Open",
        Status.OVERDUE: "Overdue",
        Status.BLOCKED: "Blocked",
    },
}

_TEXT: dict[str, dict[str, str]] = {
    "vi": {
        "title": "Báo cáo tình hình thực hiện kế hoạch",
        "plan": "Kế hoạch",
        "period": "Kỳ báo cáo",
        "window": "từ {start} đến {end}",
        "due": "Hạn gửi báo cáo",
        "as_of": "Số liệu tính đến ngày",
        "summary": "Tóm tắt",
        "rules": "Chỉ tiêu",
        "tasks": "Nhiệm vụ",
        "results_note": "Mỗi kết quả theo đơn vị được tính riêng.",
        "attention": "Cần chú ý",
        "attention_none": "Không có chỉ tiêu hay nhiệm vụ nào chưa đạt, có nguy cơ hoặc quá hạn.",
        "attention_note": "Sắp xếp: quá hạn, chưa đạt và lỗi số liệu trước, có nguy cơ sau; hạn sớm hơn trước.",
        "id": "Mã",
        "unit": "Đơn vị",
        "value": "Giá trị",
        "target": "Mục tiêu",
        "margin": "Chênh lệch",
        "progress": "Tiến độ",
        "status": "Trạng thái",
        "deadline": "Thời hạn",
        "judged": "Kỳ số liệu",
        "lead": "Chủ trì",
        "reason": "Lý do",
        "note": "Ghi chú",
        "other": "Ngoài các mục",
        "units": "Kết quả theo đơn vị",
        "count": "Số lượng",
        "yes": "Có",
        "no": "Không",
        "points": " điểm %",
        "better": "vượt {x}",
        "short": "thiếu {x}",
        "on_target": "bằng mục tiêu",
        "later": "Chỉ tiêu giai đoạn sau có nguy cơ",
        "later_note": "Có nguy cơ không đạt, nhưng thời hạn còn hơn một năm sau kỳ báo cáo.",
        "delivered": "Đã hoàn thành phần việc {phase} ({on})",
        "delivered_late": "Hoàn thành muộn phần việc {phase} ({on})",
        "phase_span": "giai đoạn {start}-{end}",
        "phase_year": "năm {year}",
        "phase_date": "hạn {date}",
        "deliveries_line": "{done}/{due} nhiệm vụ đã hoàn thành phần việc {phase} (hạn {deadline})",
        "deliveries_late": ", trong đó {late} hoàn thành muộn",
        "latest_data": "số liệu gần nhất: {label}",
        "generated": "Tạo bởi kpirules từ tệp {file}.",
        "exit_fail": "Có kết quả chưa đạt, quá hạn hoặc lỗi số liệu.",
        "warnings": "Cảnh báo về số liệu",
        "warnings_note": "Số liệu được phép nhưng có thể sai; cảnh báo không làm thay đổi trạng thái nào.",
        "source": "nguồn",
    },
    "en": {
        "title": "Plan implementation report",
        "plan": "Plan",
        "period": "Reporting period",
        "window": "{start} to {end}",
        "due": "Report due",
        "as_of": "Data as of",
        "summary": "Summary",
        "rules": "Targets",
        "tasks": "Tasks",
        "results_note": "Each per-unit result counts once.",
        "attention": "Needs attention",
        "attention_none": "No target or task is not met, at risk or overdue.",
        "attention_note": "Order: overdue, not met and data errors first, then at risk; earlier deadline first.",
        "id": "Id",
        "unit": "Unit",
        "value": "Value",
        "target": "Target",
        "margin": "Margin",
        "progress": "Progress",
        "status": "Status",
        "deadline": "Deadline",
        "judged": "Data period",
        "lead": "Lead",
        "reason": "Reason",
        "note": "Note",
        "other": "Outside any section",
        "units": "Results by unit",
        "count": "Count",
        "yes": "Yes",
        "no": "No",
        "points": " pp",
        "better": "{x} better",
        "short": "{x} short",
        "on_target": "on target",
        "later": "Later-phase targets at risk",
        "later_note": "At risk, but their deadline is more than a year after the reporting period.",
        "delivered": "{phase} delivery done on {on}",
        "delivered_late": "{phase} delivery done late, on {on}",
        "phase_span": "{start}-{end}",
        "phase_year": "{year}",
        "phase_date": "{date}",
        "deliveries_line": "{done} of {due} tasks have delivered their work for {phase} (deadline {deadline})",
        "deliveries_late": ", {late} of them late",
        "latest_data": "latest data {label}",
        "generated": "Made by kpirules from {file}.",
        "exit_fail": "Some results are not met, overdue or in error.",
        "warnings": "Data warnings",
        "warnings_note": "Data that is allowed but probably wrong; a warning never changes a status.",
        "source": "source",
    },
}

_MONTHS_EN = ("January", "February", "March", "April", "May", "June", "July", "August", "September",
              "October", "November", "December")
_OPS = {">=": "≥", ">": ">", "<=": "≤", "<": "<", "==": "=", "!=": "≠"}

#: statuses in the summary's attention list; rank 0 before rank 1
_ATTENTION = {Status.OVERDUE: 0, Status.NOT_MET: 0, Status.ERROR: 0, Status.AT_RISK: 1}


# --------------------------------------------------------------------------- the report


@attrs.frozen
class SectionNode:
    """A section of the plan with its own items and its subsections (nested by dotted id)."""

    id: str | None
    title: str | None
    depth: int
    rules: tuple[tuple[str, tuple[Result, ...]], ...]  # (rule id, its results) in plan order
    tasks: tuple[Result, ...]
    children: tuple[SectionNode, ...]

    @property
    def empty(self) -> bool:
        return not self.rules and not self.tasks and all(c.empty for c in self.children)


@attrs.frozen
class DeliverySummary:
    """The tasks' work due at one phase deadline: which tasks had work due, which delivered, which late."""

    phase: str  # the deadline's period label ("2020")
    deadline: datetime.date
    due: tuple[str, ...]
    done: tuple[str, ...]
    late: tuple[str, ...]


@attrs.frozen
class Report:
    """What the report shows; render it with :func:`render`."""

    plan: Plan
    results: Results
    period: Period
    as_of: datetime.date
    lang: str = "vi"

    @property
    def rule_results(self) -> list[Result]:
        return [r for r in self.results if r.kind == "rule"]

    @property
    def task_results(self) -> list[Result]:
        return [r for r in self.results if r.kind == "task"]

    def rule_counts(self) -> dict[str, int]:
        return {s.value: sum(1 for r in self.rule_results if r.status is s) for s in RULE_STATUSES}

    def task_counts(self) -> dict[str, int]:
        return {s.value: sum(1 for r in self.task_results if r.status is s) for s in TASK_STATUSES}

    def attention(self) -> list[Result]:
        """The results that are overdue, not met, in error or at risk, most urgent first."""
        chosen = [(urgency(r), i, r) for i, r in enumerate(self.results) if r.status in _ATTENTION]
        return [r for _, _, r in sorted(chosen, key=lambda x: (x[0], x[1]))]

    def is_later(self, r: Result) -> bool:
        """Whether ``r`` is at risk with a deadline more than a year after the report's period.

        Those go in a shorter group after the attention list, so that the
        urgent items (overdue, not met, in error, at risk soon) stay few.
        """
        return (r.status is Status.AT_RISK and r.deadline is not None
                and r.deadline > self.period.end + relativedelta(years=1))

    def attention_now(self) -> list[Result]:
        """:meth:`attention` without the later-phase at-risk results."""
        return [r for r in self.attention() if not self.is_later(r)]

    def attention_later(self) -> list[Result]:
        """The at-risk results whose deadline is more than a year after the report's period."""
        return [r for r in self.attention() if self.is_later(r)]

    def phase_years(self) -> list[int]:
        """The years the plan's deadlines end phases in (``by 2020``, ``due 2020, 2025``), sorted."""
        years: set[int] = set()
        for item in self.plan.ast.items:
            whens: list[Any] = []
            if isinstance(item, n.Task):
                whens = list(item.due)
            elif isinstance(item, n.Rule) and isinstance(item.time, n.By):
                whens = [item.time.when]
            elif isinstance(item, n.Rule) and isinstance(item.time, n.Span_):
                whens = [item.time.end]
            for w in whens:
                if isinstance(w, n.PeriodRef) and w.period.kind is Kind.YEAR:
                    years.add(w.period.year)
        return sorted(years)

    def phase_name(self, label: str) -> str:
        """A deadline's label as the phase it ends: ``2020`` → ``giai đoạn 2019-2020`` when the plan was
        issued in 2019 (or its previous phase ended in 2018); ``năm 2020``, ``Quý IV/2019``, ``hạn 30/6/2020``
        otherwise."""
        t = _TEXT[self.lang]
        try:
            d = datetime.date.fromisoformat(label)
        except ValueError:
            pass
        else:
            return t["phase_date"].format(date=fmt_date(d, self.lang))
        try:
            p = parse_period(label)
        except KpiError:
            return label
        if p.kind is not Kind.YEAR:
            return fmt_period(p, self.lang)
        earlier = [y for y in self.phase_years() if y < p.year]
        issued = self.plan.ast.issued
        start = earlier[-1] + 1 if earlier else (issued.year if issued is not None else p.year)
        if start < p.year:
            return t["phase_span"].format(start=start, end=p.year)
        return t["phase_year"].format(year=p.year)

    def deliveries_due(self) -> DeliverySummary | None:
        """The tasks' work due at the latest phase deadline on or before the end of the report's period:
        how many tasks had work due then and how many delivered it (None when no task had)."""
        end = self.period.end
        due_at: dict[datetime.date, list[tuple[str, Period]]] = {}  # deadline → (task id, period)
        for task in self.plan.tasks:
            for w in task.due:
                if isinstance(w, n.PeriodRef):
                    p = self.plan.period(w)
                    if p.end <= end:
                        due_at.setdefault(p.end, []).append((task.id, p))
        if not due_at:
            return None
        deadline = max(due_at)
        entries = due_at[deadline]
        ids = list(dict.fromkeys(i for i, _ in entries))
        longest = max((p for _, p in entries), key=lambda p: p.end - p.start)
        by_id = {r.id: r for r in self.task_results}
        done: list[str] = []
        late: list[str] = []
        for i in ids:
            r = by_id.get(i)
            made = [d for d in (r.deliveries if r else ()) if d[1] == deadline]
            if made:
                done.append(i)
                if not made[0][3]:
                    late.append(i)
        return DeliverySummary(longest.label, deadline, tuple(ids), tuple(done), tuple(late))

    @property
    def failing(self) -> bool:
        return self.results.failing

    def label(self, status: Status) -> str:
        return STATUS_LABELS[self.lang][status]

    def sections(self) -> SectionNode:
        """The root of the section tree (id None: the items before any section)."""
        plan = self.plan
        by_rule: dict[str, list[Result]] = {}
        tasks_by_id: dict[str, Result] = {}
        for r in self.results:
            if r.kind == "rule":
                by_rule.setdefault(r.id, []).append(r)
            else:
                tasks_by_id[r.id] = r
        own: dict[str | None, tuple[list[tuple[str, tuple[Result, ...]]], list[Result]]] = {None: ([], [])}
        titles: dict[str, str | None] = {}
        order: list[str] = []
        for s in plan.sections:
            if s.id not in own:
                own[s.id] = ([], [])
                titles[s.id] = s.title
                order.append(s.id)
        for item in plan.ast.items:
            if not isinstance(item, (n.Rule, n.Task)):  # sections, unit groups
                continue
            sec = plan.section_of.get(item.id)
            bucket = own.get(sec, own[None])
            if isinstance(item, n.Rule) and item.id in by_rule:
                bucket[0].append((item.id, tuple(by_rule.pop(item.id))))
            elif isinstance(item, n.Task) and item.id in tasks_by_id:
                bucket[1].append(tasks_by_id.pop(item.id))
        parent: dict[str, str | None] = {}
        for i, sid in enumerate(order):
            parent[sid] = None
            for prev in reversed(order[:i]):
                if sid.startswith(prev + "."):
                    parent[sid] = prev
                    break

        def build(sid: str | None, depth: int) -> SectionNode:
            kids = tuple(build(c, depth + 1) for c in order if parent[c] == sid)
            rules, tasks = own[sid]
            return SectionNode(sid, titles.get(sid) if sid else None, depth, tuple(rules), tuple(tasks), kids)

        return build(None, 0)

    # heading
    @property
    def window(self) -> tuple[datetime.date, datetime.date]:
        return self.period.start, self.period.end


def urgency(r: Result) -> tuple[int, datetime.date]:
    """The sort key of the attention list: overdue, not met and error before at risk; earlier deadline first."""
    return (_ATTENTION.get(r.status, 2), r.deadline or datetime.date.max)


def _today() -> datetime.date:
    return datetime.date.today()


def build_report(plan: Plan, data: Data | str | Iterable[str], period: Period | str,
                 as_of: datetime.date | str | None = None, lang: str = "vi") -> Report:
    """Evaluate ``plan`` on ``data`` with ``period`` as the current period.

    ``as_of`` defaults to the period's due date (the day after its window when
    the plan's scheme sets no due day), or today while that date is still to
    come; without it, a period whose window has not closed by today is an
    error.
    """
    if lang not in LANGS:
        raise KpiError(f"unknown report language {lang!r}; expected one of: {', '.join(LANGS)}")
    period = plan.as_current(period)
    if as_of is None:
        today = _today()
        if period.end >= today:
            raise KpiError(f"{period.label}'s window has not closed: it ends on {period.end.isoformat()}; "
                           f"a period is reported once its window has closed (give --as-of to judge it as of a date)")
        as_of = min(report_as_of(period), today)  # never a day still to come
    elif isinstance(as_of, str):
        try:
            as_of = parse_date(as_of)
        except KpiPeriodError as exc:
            raise KpiError(f"as-of date: {exc}") from None
    if as_of <= period.end:
        raise KpiError(
            f"as-of date {as_of.isoformat()} is not after the end of {period.label}'s window "
            f"({period.end.isoformat()}): a period is reported once its window has closed; "
            f"leave --as-of out to use its due date"
        )
    results = plan.evaluate(data, as_of, current=period)
    return Report(plan, results, period, as_of, lang)


# --------------------------------------------------------------------------- formatting


def fmt_date(d: datetime.date, lang: str) -> str:
    """``15/9/2020`` in Vietnamese, ``15 September 2020`` in English."""
    if lang == "vi":
        return f"{d.day}/{d.month}/{d.year}"
    return f"{d.day} {_MONTHS_EN[d.month - 1]} {d.year}"


def fmt_period(p: Period, lang: str) -> str:
    """``Quý IV/2020`` / ``Q4 2020``, ``Năm 2020`` / ``2020``, …"""
    if lang == "vi":
        if p.kind is Kind.QUARTER:
            return f"Quý {ROMAN_NUMERALS[p.index - 1]}/{p.year}"
        if p.kind is Kind.HALF:
            return f"6 tháng {'đầu' if p.index == 1 else 'cuối'} năm {p.year}"
        if p.kind is Kind.MONTH:
            return f"Tháng {p.index}/{p.year}"
        if p.kind is Kind.NINE_MONTH:
            return f"9 tháng năm {p.year}"
        return f"Năm {p.year}"
    if p.kind is Kind.QUARTER:
        return f"Q{p.index} {p.year}"
    if p.kind is Kind.HALF:
        return f"H{p.index} {p.year}"
    if p.kind is Kind.MONTH:
        return f"{_MONTHS_EN[p.index - 1]} {p.year}"
    if p.kind is Kind.NINE_MONTH:
        return f"nine months {p.year}"
    return str(p.year)


def _fmt_label(label: str | None, lang: str) -> str:
    """A result's period label (``2020-Q4``, ``2025``, ``2020-06-30``) for people."""
    if not label:
        return ""
    try:
        return fmt_date(datetime.date.fromisoformat(label), lang)
    except ValueError:
        pass
    try:
        return fmt_period(parse_period(label), lang)
    except KpiError:
        return label


def _round(f: Fraction, places: int) -> tuple[int, bool]:
    """``f`` × 10^places rounded half away from zero, and whether that is exact."""
    scaled = f * 10**places
    q = (abs(scaled.numerator) * 2 + scaled.denominator) // (2 * scaled.denominator)
    return (-q if scaled < 0 else q), scaled.denominator == 1


def fmt_decimal(v: int | Fraction, lang: str, places: int = 2, sign: bool = False) -> str:
    """An exact number rounded to at most ``places`` decimals, trailing zeros dropped, with grouping."""
    q, _ = _round(Fraction(v), places)
    neg = q < 0
    digits = str(abs(q)).rjust(places + 1, "0")
    whole, frac = (digits[:-places], digits[-places:].rstrip("0")) if places else (digits, "")
    group, point = (".", ",") if lang == "vi" else (",", ".")
    parts = []
    while len(whole) > 3:
        parts.insert(0, whole[-3:])
        whole = whole[:-3]
    parts.insert(0, whole)
    text = group.join(parts) + (point + frac if frac else "")
    if neg and text.strip("0.,") != "":
        return "−" + text
    return ("+" + text) if sign and q > 0 else text


def fmt_percent(v: int | Fraction, lang: str, places: int = 2, sign: bool = False) -> str:
    """``Fraction(617, 2500)`` → ``24.68%`` (``24,68%`` in Vietnamese)."""
    return fmt_decimal(Fraction(v) * 100, lang, places, sign) + "%"


def _is_percent_rule(rule: n.Rule | n.Task | None) -> bool:
    """Whether a rule's value and target read as percentages: a ``ratio``/``change`` or a ``%`` target."""
    if not isinstance(rule, n.Rule):
        return False
    e = rule.condition
    sides: list[Any] = []
    if isinstance(e, n.Compare):
        sides = [e.left, e.right]
    elif isinstance(e, n.Between):
        sides = [e.value, e.low, e.high]
    for s in sides:
        while isinstance(s, (n.At, n.Neg)):
            s = s.expr if isinstance(s, n.At) else s.operand
        if isinstance(s, n.Percent) or (isinstance(s, n.Call) and s.func in ("ratio", "change")):
            return True
    return False


@attrs.frozen
class _Shown:
    """The display texts of one result's numbers."""

    value: str
    target: str
    margin: str
    progress: Fraction | None  # 0..1, None when there is no bar


def _shown(report: Report, r: Result) -> _Shown:
    lang = report.lang
    t = _TEXT[lang]
    pct = _is_percent_rule(report.plan.item(r.id)) if r.kind == "rule" else False

    def one(v: object, places: int) -> str:
        if isinstance(v, bool):
            return t["yes"] if v else t["no"]
        if is_number(v):
            return fmt_percent(v, lang, places) if pct else fmt_decimal(v, lang, places)  # type: ignore[arg-type]
        text = format_value(v)
        return "" if text is None else text

    # enough decimals that a value and its target that differ never look the same
    places = 2
    if is_number(r.value) and is_number(r.target) and r.value != r.target:
        scale = 100 if pct else 1
        while places < 8 and _round(Fraction(r.value) * scale, places)[0] == _round(Fraction(r.target) * scale,
                                                                                        places)[0]:
            places += 1
    value = one(r.value, places) if r.value is not None else "—"
    target = r.target
    if isinstance(target, tuple):
        target_text = " – ".join(one(x, places) for x in target)
    elif target is None:
        target_text = ""
    else:
        target_text = one(target, places)
        op = _OPS.get(r.op or "")
        if op and not isinstance(target, bool):
            target_text = f"{op} {target_text}"
    margin = directed_margin(r)
    if margin is None:
        margin_text = ""
    else:
        size = Fraction(abs(margin)) * (100 if pct else 1)
        amount = fmt_decimal(size, lang, places) + (t["points"] if pct else "")
        if _round(size, places)[0] == 0:
            margin_text = t["on_target"]
        else:
            margin_text = t["better" if margin > 0 else "short"].format(x=amount)
    return _Shown(value, target_text, margin_text, _progress(r))


def directed_margin(r: Result) -> Fraction | int | None:
    """How far a numeric value is past its target (> 0) or short of it (< 0), in the target's direction.

    For ``>=``/``>`` that is value − target; for ``<=``/``<`` (a cut: ``change(…) <= -30%``) it is
    target − value, so −32% against ≤ −30% is 2 points *better*; for a range, the distance to its
    nearest end (0 inside it).  None for yes/no and other non-numeric targets, and for ``==``/``!=``.
    """
    v, t, op = r.value, r.target, r.op
    if isinstance(t, tuple) and len(t) == 2 and is_number(v) and all(is_number(x) for x in t):
        lo, hi = t
        if v < lo:
            return Fraction(v) - Fraction(lo)
        if v > hi:
            return Fraction(hi) - Fraction(v)
        return 0
    if not (is_number(v) and is_number(t)):
        return None
    if op in (">=", ">"):
        return Fraction(v) - Fraction(t)
    if op in ("<=", "<"):
        return Fraction(t) - Fraction(v)
    return None


def _clamp(f: Fraction) -> Fraction:
    return max(Fraction(0), min(Fraction(1), f))


def _progress(r: Result) -> Fraction | None:
    """How far the value has come towards its target, 0..1 (exact)."""
    v, t, op = r.value, r.target, r.op
    if v is None or t is None:
        return None
    if isinstance(v, bool) or isinstance(t, bool):
        return Fraction(1) if v == t else Fraction(0)
    if isinstance(t, tuple):
        lo, hi = t
        if not (is_number(v) and is_number(lo) and is_number(hi)):
            return None
        if lo <= v <= hi:
            return Fraction(1)
        if v < lo and lo > 0:
            return _clamp(Fraction(v) / lo)
        return Fraction(0)
    if not (is_number(v) and is_number(t)):
        return None
    v, t = Fraction(v), Fraction(t)
    if op in (">=", ">", "=="):
        if t > 0:
            return _clamp(v / t)
        return Fraction(1) if v >= t else Fraction(0)
    if op in ("<=", "<"):
        if t < 0:  # a cut: change(…) <= -30%
            return _clamp(v / t)
        if t > 0:
            return Fraction(1) if v <= t else _clamp(t / v)
        return Fraction(1) if v <= t else Fraction(0)
    return None


def _pct_width(p: Fraction) -> str:
    """A CSS width from an exact fraction, one decimal."""
    q, _ = _round(p * 100, 1)
    return f"{q // 10}.{q % 10}%"


# --------------------------------------------------------------------------- reasons


_ISO = r"(\d{4}-\d{2}-\d{2})"

#: the words of a task's reported progress (the keys of :data:`kpirules.data.TASK_STATUS_WORDS`) for people
TASK_WORDS: dict[str, dict[str, str]] = {
    "vi": {"done": "đã hoàn thành", "in_progress": "đang thực hiện", "not_started": "chưa bắt đầu",
           "delayed": "chậm tiến độ", "stuck": "gặp vướng mắc", "suspended": "tạm dừng"},
    "en": {"done": "done", "in_progress": "in progress", "not_started": "not started",
           "delayed": "delayed", "stuck": "stuck", "suspended": "suspended"},
}

#: one delivery of a task with several deadlines (evaluate._delivery_text)
_DELIVERY = re.compile(rf"the (\S+) delivery was done (on|late, on) {_ISO}")


def _lower_year(text: str) -> str:
    """``Năm 2020`` → ``năm 2020`` inside a sentence."""
    return "năm" + text[3:] if text.startswith("Năm") else text


_WARNINGS_VI: list[tuple[str, Any]] = [
    (r"unit (.+) reported for (\S+) but not for (\S+)",
     lambda m, f: f"đơn vị {m[1]} đã báo cáo {f(m[2])} nhưng không báo cáo {f(m[3])}"),
    (r"(\S+) \((\S+)\) is larger than (\S+) \((\S+)\) in (\S+)( for unit (.+))?, "
     r"though rule (\S+) takes ratio\((\S+), (\S+)\) as a share",
     lambda m, f: f"{m[1]} ({m[2]}) lớn hơn {m[3]} ({m[4]}) trong {f(m[5])}"
                  + (f" (đơn vị {m[7]})" if m[7] else "") + f", trong khi chỉ tiêu {m[8]} coi "
                  f"ratio({m[9]}, {m[10]}) là một tỷ lệ"),
    (r"(\S+) is (\S+) in (\S+)( for unit (.+))?: a count cannot be negative",
     lambda m, f: f"{m[1]} bằng {m[2]} trong {f(m[3])}" + (f" (đơn vị {m[5]})" if m[5] else "")
                  + ": số đếm không thể âm"),
    (r"no rule reads the metric (\S+) given in the data(?:; did you mean (\S+)\?)?",
     lambda m, f: f"không chỉ tiêu nào dùng số liệu {m[1]}" + (f"; có phải là {m[2]}?" if m[2] else "")),
    (r"the data reports progress of task (.+), which the plan does not define(?:; did you mean (\S+)\?)?",
     lambda m, f: f"số liệu báo cáo tiến độ nhiệm vụ {m[1]}, nhưng kế hoạch không có nhiệm vụ này"
                  + (f"; có phải là {m[2]}?" if m[2] else "")),
    (r"data for (\S+) lies outside the years the plan speaks of \((\d+)–(\d+)\); a typo in the period label\?",
     lambda m, f: f"số liệu kỳ {f(m[1])} nằm ngoài các năm của kế hoạch ({m[2]}–{m[3]}); "
                  "nhãn kỳ báo cáo bị gõ nhầm?"),
]


def _warning_text(message: str, lang: str) -> str:
    """A data warning for people: in Vietnamese for a Vietnamese report, periods in the report's style."""
    if lang != "vi":
        return message
    for pattern, fn in _WARNINGS_VI:
        m = re.fullmatch(pattern, message)
        if m:
            return str(fn(m, lambda label: _fmt_label(label, lang)))
    return message


def _value_words_vi(text: str) -> str:
    """``the text "x"`` → ``văn bản "x"`` (the phrases of kpirules.engine.compile._describe)."""
    for en, vi in (("the text ", "văn bản "), ("the number ", "số "), ("the boolean true", "giá trị đúng"),
                   ("the boolean false", "giá trị sai")):
        if text.startswith(en):
            return vi + text[len(en):]
    return text


def _reason(text: str | None, lang: str, deadline_shown: bool = False, period_shown: str | None = None) -> str:
    """A result's reason for people: dates and periods in the report's style, data words readable,
    common phrases in Vietnamese.  ``deadline_shown``: the deadline is already next to the reason, so
    "deadline … not reached" keeps only the latest data, and nothing when that is ``period_shown``."""
    if not text:
        return ""
    m = re.fullmatch(rf"deadline {_ISO} \((\S+)\) not reached; latest data (\S+)", text)
    if m and deadline_shown and period_shown is not None and m[3] == period_shown:
        return ""

    def d(iso: str) -> str:
        return fmt_date(datetime.date.fromisoformat(iso), lang)

    def lab(label: str) -> str:
        return _fmt_label(label, lang)

    words = TASK_WORDS[lang]
    latest = _TEXT[lang]["latest_data"]
    table: list[tuple[str, Any]]
    if lang == "vi":
        table = [
            (rf"due {_ISO} \(([^)]*)\), done on {_ISO}, (\d+) days? late",
             lambda m: f"hạn {d(m[1])} ({lab(m[2])}), hoàn thành ngày {d(m[3])}, muộn {m[4]} ngày"),
            (rf"due {_ISO}, done on {_ISO}, (\d+) days? late",
             lambda m: f"hạn {d(m[1])}, hoàn thành ngày {d(m[2])}, muộn {m[3]} ngày"),
            (rf"due {_ISO}, not done; last reported (\S+) on {_ISO}(?: \((.*)\))?",
             lambda m: f"hạn {d(m[1])}, chưa hoàn thành; báo cáo gần nhất ngày {d(m[3])}: "
                       f"{words.get(m[2], m[2])}" + (f" ({m[4]})" if m[4] else "")),
            (rf"waiting for task (.+?) \(not done yet\)(?:; due {_ISO})?",
             lambda m: f"chờ nhiệm vụ {m[1]} hoàn thành" + (f"; hạn {d(m[2])}" if m[2] else "")),
            (rf"due {_ISO}; nothing reported", lambda m: f"hạn {d(m[1])}; chưa có báo cáo tiến độ"),
            (rf"the (\S+) delivery was done on {_ISO}",
             lambda m: f"phần việc {_lower_year(lab(m[1]))} đã hoàn thành ngày {d(m[2])}"),
            (rf"the (\S+) delivery was done late, on {_ISO}",
             lambda m: f"phần việc {_lower_year(lab(m[1]))} hoàn thành muộn, ngày {d(m[2])}"),
            (rf"due {_ISO}", lambda m: f"hạn {d(m[1])}"),
            (rf"done on {_ISO}", lambda m: f"hoàn thành ngày {d(m[1])}"),
            (rf"deadline {_ISO} \((\S+)\) not reached; latest data (\S+)",
             lambda m: latest.format(label=lab(m[3])) if deadline_shown else
             f"chưa đến hạn {d(m[1])} ({lab(m[2])}); " + latest.format(label=lab(m[3]))),
            (r"the span (\S+)…(\S+) has not started; latest data (\S+)",
             lambda m: f"giai đoạn {lab(m[1])} – {lab(m[2])} chưa bắt đầu; "
                       + latest.format(label=lab(m[3]))),
            (r"holds in every period (\S+)…(\S+)",
             lambda m: f"đạt trong mọi kỳ từ {lab(m[1])} đến {lab(m[2])}"),
            (r"holds in every period (\S+)…(\S+) so far \(span ends (\S+)\)",
             lambda m: f"đạt trong mọi kỳ từ {lab(m[1])} đến {lab(m[2])} "
                       f"(giai đoạn kết thúc {lab(m[3])})"),
            (r"the denominator (\S+) is 0 in (\S+) for unit (.+)",
             lambda m: f"mẫu số {m[1]} bằng 0 trong {lab(m[2])} (đơn vị {m[3]})"),
            (r"the denominator (\S+) is 0 in (\S+)",
             lambda m: f"mẫu số {m[1]} bằng 0 trong {lab(m[2])}"),
            (r"unit (.+) did not report for (\S+)",
             lambda m: f"đơn vị {m[1]} không báo cáo {lab(m[2])}"),
            (r"no value for (\S+) in (\S+) for unit (.+)",
             lambda m: f"thiếu số liệu {m[1]} trong {lab(m[2])} (đơn vị {m[3]})"),
            (r"no value for (\S+) in (\S+)", lambda m: f"thiếu số liệu {m[1]} trong {lab(m[2])}"),
            (r"no unit appears in the data, so this `for each unit:` rule has no unit to judge",
             lambda m: "số liệu không có đơn vị nào, nên chỉ tiêu `for each unit:` này không có đơn vị để đánh giá"),
            (r"(`.+`) needs (numbers|true/false), but (?:got|unit (.+) gives) (.+)",
             lambda m: f"{m[1]} cần {'số' if m[2] == 'numbers' else 'giá trị đúng/sai'}, nhưng số liệu"
                       + (f" của đơn vị {m[3]}" if m[3] else "") + f" là {_value_words_vi(m[4])}"),
            (r"(`.+`) must be true or false, but the data gives (.+)",
             lambda m: f"{m[1]} phải là đúng/sai, nhưng số liệu là {_value_words_vi(m[2])}"),
        ]
    else:
        table = [
            (rf"due {_ISO}, not done; last reported (\S+) on {_ISO}(?: \((.*)\))?",
             lambda m: f"due {d(m[1])}, not done; last reported {words.get(m[2], m[2])} on {d(m[3])}"
                       + (f" ({m[4]})" if m[4] else "")),
            (rf"due {_ISO} \(([^)]*)\), done on {_ISO}, (\d+) days? late",
             lambda m: f"due {d(m[1])} ({lab(m[2])}), done on {d(m[3])}, {m[4]} day{'s' if m[4] != '1' else ''} late"),
            (rf"the (\S+) delivery was done (on|late, on) {_ISO}",
             lambda m: f"the {lab(m[1])} delivery was done {m[2]} {d(m[3])}"),
            (rf"deadline {_ISO} \((\S+)\) not reached; latest data (\S+)",
             lambda m: latest.format(label=lab(m[3])) if deadline_shown else
             f"deadline {d(m[1])} ({lab(m[2])}) not reached; " + latest.format(label=lab(m[3]))),
            (r"the span (\S+)…(\S+) has not started; latest data (\S+)",
             lambda m: f"the span {lab(m[1])} – {lab(m[2])} has not started; " + latest.format(label=lab(m[3]))),
            (r"holds in every period (\S+)…(\S+)", lambda m: f"holds in every period {lab(m[1])} – {lab(m[2])}"),
            (r"holds in every period (\S+)…(\S+) so far \(span ends (\S+)\)",
             lambda m: f"holds in every period {lab(m[1])} – {lab(m[2])} so far (the span ends {lab(m[3])})"),
            (r"unit (.+) did not report for (\S+)", lambda m: f"unit {m[1]} did not report for {lab(m[2])}"),
            (r"the denominator (\S+) is 0 in (\S+)( for unit .+)?",
             lambda m: f"the denominator {m[1]} is 0 in {lab(m[2])}{m[3] or ''}"),
            (r"no value for (\S+) in (\S+)( for unit .+)?",
             lambda m: f"no value for {m[1]} in {lab(m[2])}{m[3] or ''}"),
        ]
    def one(part: str, whole: bool) -> str | None:
        for pattern, fn in table:
            m = re.fullmatch(pattern, part)
            if m:
                return str(fn(m))
        return None if whole else re.sub(_ISO, lambda m: d(m[1]), part)

    # the deliveries come last ("…; the 2020 delivery was done on …"); the rest is matched whole first
    # (some patterns span a "; "), then part by part
    parts = text.split("; ")
    tail: list[str] = []
    while len(parts) > 1 and _DELIVERY.fullmatch(parts[-1]):
        tail.insert(0, parts.pop())
    head = "; ".join(parts)
    whole = one(head, True)
    out = [whole] if whole is not None else [str(one(p, False)) for p in parts]
    return "; ".join(out + [str(one(p, False)) for p in tail])


# --------------------------------------------------------------------------- JSON


def render_json(report: Report) -> str:
    """The report for tools: the heading, the summary and every result's ``to_json`` object."""
    return json.dumps(report_dict(report), ensure_ascii=False, indent=2) + "\n"


def report_dict(report: Report) -> dict[str, Any]:
    plan, p, lang = report.plan, report.period, report.lang
    labels = STATUS_LABELS[lang]

    def obj(r: Result) -> dict[str, Any]:
        out = r.to_json()
        out["status_label"] = labels[r.status]
        shown = _shown(report, r)
        if shown.progress is not None:
            out["progress"] = format_value(shown.progress)
        if r.reason:
            out["reason_text"] = _reason(r.reason, lang)
        if shown.margin:
            out["margin_text"] = shown.margin
        if r.deliveries:
            out["deliveries_text"] = _delivery_lines(report, r)
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
        },
        "sections": sections,
        "results": [obj(r) for r in report.results],
        "warnings": [wn.to_json() for wn in report.results.warnings],
    }


def _deliveries_json(report: Report) -> dict[str, Any] | None:
    ds = report.deliveries_due()
    if ds is None:
        return None
    return {"period": ds.phase, "phase": report.phase_name(ds.phase), "deadline": ds.deadline.isoformat(),
            "due": list(ds.due), "done": list(ds.done), "late": list(ds.late), "text": _deliveries_line(report)}


# --------------------------------------------------------------------------- Markdown


def _md(text: str | None) -> str:
    """Text safe inside a Markdown table cell."""
    if not text:
        return ""
    text = text.replace("\\", "\\\\").replace("|", "\\|").replace("\n", " ")
    return re.sub(r"([*_`<>\[\]])", r"\\\1", text)


def _text_bar(p: Fraction | None, width: int = 10) -> str:
    if p is None:
        return ""
    q = (p * width).numerator // (p * width).denominator  # floor: a bar is full only when the target is reached
    return "█" * q + "░" * (width - q)


def render_markdown(report: Report) -> str:
    lang, t = report.lang, _TEXT[report.lang]
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
    line = _deliveries_line(report)
    if line:
        w(f"**{_md(line)}**")
        w("")
    w(f"_{t['results_note']}_")
    w("")
    w(f"### {t['attention']}")
    w("")
    att = report.attention_now()
    later = report.attention_later()
    if not att and not later:
        w(t["attention_none"])
    for i, r in enumerate(att, 1):
        sh = _shown(report, r)
        bits = [f"**{report.label(r.status)}**", f"{_md(r.id)}" + (f" ({_md(r.unit)})" if r.unit else ""),
                _md(_title(r))]
        line = f"{i}. " + " — ".join(b for b in bits if b)
        if r.kind == "rule" and sh.value != "—":
            line += f": {sh.value} / {sh.target}"
        if r.deadline and r.kind == "rule":
            line += f"; {t['deadline'].lower()} {fmt_date(r.deadline, lang)}"
        if r.reason and (r.kind == "task" or r.status is not Status.NOT_MET):
            line += f" ({_md(_reason(r.reason, lang, deadline_shown=r.kind == 'rule'))})"
        w(line)
    if att:
        w("")
        w(f"_{t['attention_note']}_")
    w("")
    if later:
        w(f"#### {t['later']} ({len(later)})")
        w("")
        w(f"_{_md(t['later_note'])}_")
        w("")
        w("; ".join(_md(_later_text(report, r)) for r in later))
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
                    sh = _shown(report, r)
                    status = f"**{report.label(r.status)}**"
                    if r.reason and r.status is not Status.MET:
                        status += f"<br>{_md(_reason(r.reason, lang))}"
                    w(f"| {_md(rid)} | {_md(r.title)} | {sh.value} | {sh.target} | {sh.margin} | "
                      f"`{_text_bar(sh.progress)}` | {status} |" if sh.progress is not None else
                      f"| {_md(rid)} | {_md(r.title)} | {sh.value} | {sh.target} | {sh.margin} |  | {status} |")
                else:
                    first = results[0]
                    w(f"| {_md(rid)} | {_md(first.title)} ({t['units'].lower()}) | | | | | "
                      f"{_unit_summary(report, results)} |")
                    for r in results:
                        sh = _shown(report, r)
                        status = f"**{report.label(r.status)}**"
                        if r.reason and r.status is not Status.MET:
                            status += f"<br>{_md(_reason(r.reason, lang))}"
                        bar = f"`{_text_bar(sh.progress)}`" if sh.progress is not None else ""
                        w(f"| | ↳ {_md(r.unit)} | {sh.value} | {sh.target} | {sh.margin} | {bar} | {status} |")
            w("")
        if node.tasks:
            w(f"| {t['id']} | {t['tasks']} | {t['lead']} | {t['deadline']} | {t['status']} | {t['reason']} |")
            w("| --- | --- | --- | --- | --- | --- |")
            for r in node.tasks:
                why = "<br>".join(_md(x) for x in [_task_why(report, r), *_delivery_lines(report, r)] if x)
                w(f"| {_md(r.id)} | {_md(r.title)} | {_md(', '.join(r.lead))} | {_task_deadline(report, r)} | "
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
            w(f"- {_md(_warning_text(wn.message, report.lang))}"
              + (f" ({t['source']}: {_md(wn.source)})" if wn.source else "")
              + f" `{wn.code}`")
        w("")
    if plan.filename:
        w(f"_{t['generated'].format(file=_md(plan.filename))}_")
        w("")
    return "\n".join(out)


def _title(r: Result) -> str:
    """A result's title without its closing full stop (the report adds its own punctuation)."""
    return (r.title or "").rstrip().rstrip(".")


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


def _delivery_lines(report: Report, r: Result) -> list[str]:
    """What a task has already delivered, one line per delivery its status does not already tell:
    ``Đã hoàn thành phần việc giai đoạn 2019-2020 (30/10/2020)``."""
    t, lang = _TEXT[report.lang], report.lang
    told = _described_delivery(r)
    return [t["delivered" if on_time else "delivered_late"].format(phase=report.phase_name(label),
                                                                  on=fmt_date(on, lang))
            for label, deadline, on, on_time in r.deliveries if (label, deadline, on, on_time) != told]


def _deliveries_line(report: Report) -> str:
    """The summary's line on the tasks' work due at the last phase deadline (empty when there is none)."""
    ds = report.deliveries_due()
    if ds is None:
        return ""
    t = _TEXT[report.lang]
    line = t["deliveries_line"].format(done=len(ds.done), due=len(ds.due), phase=report.phase_name(ds.phase),
                                       deadline=fmt_date(ds.deadline, report.lang))
    if ds.late:
        line += t["deliveries_late"].format(late=len(ds.late))
    return line + "."


def _later_text(report: Report, r: Result) -> str:
    """A later-phase at-risk result in one short line: id (unit): value / target."""
    sh = _shown(report, r)
    text = r.id + (f" ({r.unit})" if r.unit else "")
    if sh.value != "—":
        text += f": {sh.value} / {sh.target}"
    return text


def _task_why(report: Report, r: Result) -> str:
    """A task's reason as the tasks table shows it: without the deliveries (shown on their own lines)."""
    if not (_explain(r) and r.reason):
        return ""
    parts = [x for x in r.reason.split("; ") if not _DELIVERY.fullmatch(x)]
    return _reason("; ".join(parts), report.lang)


def _task_deadline(report: Report, r: Result) -> str:
    """A task's deadlines in the plan's words, the one its status is about with its last day."""
    return " · ".join(_task_deadlines(report, r))


def _deadline_html(report: Report, r: Result) -> str:
    return "<br>".join(f'<span class="nw">{_e(x)}</span>' for x in _task_deadlines(report, r))


def _task_deadlines(report: Report, r: Result) -> list[str]:
    lang = report.lang
    task = report.plan.item(r.id)
    whens = task.due if isinstance(task, n.Task) else ()
    labels = [report.plan.period(w).label if isinstance(w, n.PeriodRef) else w.date.isoformat() for w in whens]
    shown = []
    for label in labels:
        text = _fmt_label(label, lang)
        if r.deadline is not None and label == r.period:
            text += f" ({fmt_date(r.deadline, lang)})"
        shown.append(text)
    if r.deadline is not None and r.period not in labels:
        shown.append(fmt_date(r.deadline, lang))
    return shown


def _unit_summary(report: Report, results: Iterable[Result]) -> str:
    counts: dict[Status, int] = {}
    for r in results:
        counts[r.status] = counts.get(r.status, 0) + 1
    return ", ".join(f"{report.label(s)} {counts[s]}" for s in RULE_STATUSES if s in counts)


# --------------------------------------------------------------------------- HTML

_CSS = """
:root{--fg:#1b1f24;--muted:#57606a;--line:#d0d7de;--bg:#fff;--soft:#f6f8fa;
--good:#1a7f37;--track:#0969da;--warn:#9a6700;--bad:#cf222e;--none:#6e7781;--wait:#8250df}
*{box-sizing:border-box}
body{margin:0;background:var(--bg);color:var(--fg);font:15px/1.5 system-ui,-apple-system,"Segoe UI",Roboto,
"Noto Sans","Helvetica Neue",Arial,sans-serif;-webkit-text-size-adjust:100%}
main{max-width:1100px;margin:0 auto;padding:16px}
h1{font-size:1.5rem;margin:.2em 0}h2{font-size:1.25rem}h3{font-size:1.1rem}h4,h5,h6{font-size:1rem}
h2,h3,h4,h5,h6{margin:1.2em 0 .5em;overflow-wrap:break-word}
.sid{color:var(--muted);font-weight:600;margin-right:.35em}
.plan{margin:.2em 0 .8em;color:var(--muted)}
.meta{display:grid;grid-template-columns:max-content 1fr;gap:.2em 1em;margin:0 0 1em}
.meta dt{color:var(--muted)}.meta dd{margin:0;font-weight:600}
.counts{display:flex;flex-wrap:wrap;gap:8px;margin:.4em 0 1em;padding:0;list-style:none}
.counts li{border:1px solid var(--line);border-radius:8px;padding:6px 10px;min-width:7.5em;background:var(--soft)}
.counts b{display:block;font-size:1.3rem}
.counts .zero{opacity:.55}
.badge{display:inline-block;border-radius:999px;padding:1px 9px;font-size:.82rem;font-weight:600;color:#fff;
white-space:nowrap;background:var(--none)}
.s-met,.s-done{background:var(--good)}.s-on_track,.s-open{background:var(--track)}
.s-at_risk,.s-done_late{background:var(--warn)}.s-not_met,.s-overdue,.s-error{background:var(--bad)}
.s-no_data{background:var(--none)}.s-blocked{background:var(--wait)}
.k-met,.k-done{border-left:4px solid var(--good)!important}.k-on_track,.k-open{border-left:4px solid var(--track)!important}
.k-at_risk,.k-done_late{border-left:4px solid var(--warn)!important}
.k-not_met,.k-overdue,.k-error{border-left:4px solid var(--bad)!important}
.k-no_data{border-left:4px solid var(--none)!important}.k-blocked{border-left:4px solid var(--wait)!important}
ol.attention{padding-left:1.4em}ol.attention li{margin:.35em 0;padding-left:.4em}
.cards{display:grid;grid-template-columns:repeat(auto-fill,minmax(320px,1fr));gap:12px;align-items:start}
.card.wide{grid-column:1/-1}
.card{border:1px solid var(--line);border-radius:8px;padding:10px 12px;break-inside:avoid;min-width:0}
.card h4,.card .title{margin:0 0 .4em;font-size:.98rem;font-weight:600;overflow-wrap:break-word}
.nums{display:flex;flex-wrap:wrap;gap:4px 22px;margin:.4em 0}
.nums div{min-width:0}.nums span{display:block;color:var(--muted);font-size:.78rem}
.nums b{font-variant-numeric:tabular-nums;white-space:nowrap}
.bar{height:8px;border-radius:4px;background:#e6e9ed;overflow:hidden;margin:.3em 0}
.bar i{display:block;height:100%;background:var(--none)}
.bar i.s-met,.bar i.s-on_track{background:var(--good)}
.why{color:var(--muted);font-size:.85rem;margin:.3em 0 0;overflow-wrap:break-word}
table{border-collapse:collapse;width:100%;font-size:.9rem}
th,td{text-align:left;vertical-align:top;padding:6px 8px;border-bottom:1px solid var(--line);overflow-wrap:break-word}
.nw,td.first,th.first{white-space:nowrap}
table.tasks td:nth-child(3){min-width:7em}
th{background:var(--soft);font-weight:600}
td.num{text-align:right;font-variant-numeric:tabular-nums;white-space:nowrap}
.units{margin-top:.5em}.units td,.units th{padding:4px 6px}
.units .bar{min-width:60px}
footer{color:var(--muted);font-size:.8rem;margin:2em 0 1em}
.deliv{color:var(--good);font-size:.85rem;margin:.3em 0 0}
p.deliv{font-size:.95rem;font-weight:600}
details.later{margin:.6em 0;border:1px solid var(--line);border-radius:8px;padding:6px 12px}
details.later summary{cursor:pointer;font-weight:600;color:var(--warn)}
details.later ul{margin:.3em 0;padding-left:1.2em}details.later li{margin:.15em 0}
@media (max-width:700px){
 main{padding:10px}.cards{grid-template-columns:1fr}
 table.rt thead{display:none}
 table.rt,table.rt tbody,table.rt tr,table.rt td{display:block;width:100%}
 table.rt tr{border:1px solid var(--line);border-radius:8px;margin:0 0 10px;padding:4px 8px}
 table.rt td{border:0;padding:3px 0;text-align:left;white-space:normal}
 table.rt td::before{content:attr(data-label);display:block;color:var(--muted);font-size:.75rem}
 table.rt td.first::before{display:none}
 table.units tr{margin:4px 0;padding:2px 8px}
}
@media print{
 body{font-size:11pt}main{max-width:none;padding:0}
 .badge,.bar i,.bar{-webkit-print-color-adjust:exact;print-color-adjust:exact}
 .card,tr,li{break-inside:avoid}h2,h3,h4{break-after:avoid}
}
"""


def _e(text: object) -> str:
    return html.escape("" if text is None else str(text), quote=True)


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
            f'<i class="s-{status.value}" style="width:{_pct_width(p)}"></i></div>')


def render_html(report: Report) -> str:
    lang, t = report.lang, _TEXT[report.lang]
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
    line = _deliveries_line(report)
    if line:
        w(f'<p class="deliv" id="deliveries">{_e(line)}</p>')
    w(f'<p class="why">{_e(t["results_note"])}</p>')
    w(f"<h3>{_e(t['attention'])}</h3>")
    att = report.attention_now()
    later = report.attention_later()
    if not att and not later:
        w(f"<p>{_e(t['attention_none'])}</p>")
    if att:
        w('<ol class="attention">')
        for r in att:
            sh = _shown(report, r)
            text = f"{_badge(report, r.status)} <b>{_e(r.id)}</b>"
            if r.unit:
                text += f" ({_e(r.unit)})"
            if r.title:
                text += f" — {_e(_title(r))}"
            if r.kind == "rule" and sh.value != "—":
                text += f": <b>{_e(sh.value)}</b> / {_e(sh.target)}"
            if r.deadline and r.kind == "rule":
                text += f"; {_e(t['deadline'].lower())} {_e(fmt_date(r.deadline, lang))}"
            if r.reason and (r.kind == "task" or r.status is not Status.NOT_MET):
                text += f'<div class="why">{_ec(_reason(r.reason, lang, deadline_shown=r.kind == "rule"))}</div>'
            w(f'<li data-id="{_e(r.id)}" data-status="{r.status.value}">{text}</li>')
        w("</ol>")
        w(f'<p class="why">{_e(t["attention_note"])}</p>')
    if later:
        w(f'<details class="later" id="later"><summary>{_e(t["later"])} ({len(later)})</summary>')
        w(f'<p class="why">{_e(t["later_note"])}</p>\n<ul>')
        for r in later:
            w(f'<li data-id="{_e(r.id)}" data-status="{r.status.value}">{_e(_later_text(report, r))}</li>')
        w("</ul>\n</details>")
    w("</section>")

    def card(rid: str, results: tuple[Result, ...]) -> None:
        first = results[0]
        per_unit = not (len(results) == 1 and first.unit is None)
        cls = " wide" if per_unit else f" k-{first.status.value}"
        w(f'<article class="card{cls}" data-id="{_e(rid)}">')
        head = f'<p class="title"><span class="sid">{_e(rid)}</span>{_e(first.title or "")}</p>'
        w(head)
        if not per_unit:
            sh = _shown(report, first)
            w(f"<div>{_badge(report, first.status)}</div>")
            margin = f'<div><span>{_e(t["margin"])}</span><b>{_e(sh.margin)}</b></div>' if sh.margin else ""
            w(f'<div class="nums"><div><span>{_e(t["value"])}</span><b>{_e(sh.value)}</b></div>'
              f'<div><span>{_e(t["target"])}</span><b>{_e(sh.target)}</b></div>{margin}</div>')
            w(_bar(sh.progress, first.status))
            extra = []
            if first.period:
                extra.append(f"{t['judged']}: {_fmt_label(first.period, lang)}")
            if first.deadline:
                extra.append(f"{t['deadline']}: {fmt_date(first.deadline, lang)}")
            if first.reason and first.status is not Status.MET:
                extra.append(_reason(first.reason, lang, deadline_shown=first.deadline is not None,
                                     period_shown=first.period))
            extra = [x for x in extra if x]
            if extra:
                w(f'<p class="why">{_ec(" · ".join(extra))}</p>')
        else:
            w(f'<div class="why">{_e(t["units"])}: {_e(_unit_summary(report, results))}</div>')
            w(f'<table class="units rt"><thead><tr><th>{_e(t["unit"])}</th><th>{_e(t["value"])}</th>'
              f'<th>{_e(t["target"])}</th><th>{_e(t["status"])}</th></tr></thead><tbody>')
            for r in results:
                sh = _shown(report, r)
                why = ""
                if r.reason and r.status is not Status.MET:
                    text = _reason(r.reason, lang, deadline_shown=r.deadline is not None,
                                   period_shown=report.period.label)
                    why = f'<div class="why">{_ec(text)}</div>' if text else ""
                margin = f' <span class="why">({_e(sh.margin)})</span>' if sh.margin else ""
                w(f'<tr class="k-{r.status.value}" data-unit="{_e(r.unit)}">'
                  f'<td class="first"><b>{_e(r.unit)}</b></td>'
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
                why = _task_why(report, r)
                why = f'<div class="why">{_e(why)}</div>' if why else ""
                why += "".join(f'<div class="deliv">✓ {_e(x)}</div>' for x in _delivery_lines(report, r))
                w(f'<tr class="k-{r.status.value}" data-id="{_e(r.id)}">'
                  f'<td class="first"><b>{_e(r.id)}</b></td>'
                  f'<td data-label="{_e(t["tasks"])}">{_e(r.title or "")}</td>'
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
            w(f'<li data-code="{_e(wn.code)}">{_ec(_warning_text(wn.message, lang))}{src}</li>')
        w("</ul>\n</section>")
    if plan.filename:
        w(f"<footer>{_e(t['generated'].format(file=plan.filename))}</footer>")
    w("</main>\n</body>\n</html>\n")
    return "\n".join(out)


def render(report: Report, fmt: str = "html") -> str:
    """The report as ``md``, ``html`` or ``json`` text."""
    if fmt == "md":
        return render_markdown(report)
    if fmt == "html":
        return render_html(report)
    if fmt == "json":
        return render_json(report)
    raise KpiError(f"unknown report format {fmt!r}; expected one of: {', '.join(FORMATS)}")

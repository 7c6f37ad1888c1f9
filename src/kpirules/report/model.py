"""The report's view model: one evaluation gathered into a heading, a summary and nested sections, and the value shown for each result."""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from fractions import Fraction
from typing import Any, cast

import attrs
from dateutil.relativedelta import relativedelta

from kpirules import nodes as n
from kpirules.data import Data, load_data
from kpirules.engine import timing
from kpirules.engine.evaluate import RULE_STATUSES, TASK_STATUSES, Plan, Result, Results, Status
from kpirules.engine.timing import AsOf
from kpirules.errors import KpiError
from kpirules.periods import Kind, Period, parse_period
from kpirules.report.format import fmt_date, fmt_decimal, fmt_percent, fmt_period, round_places
from kpirules.report.i18n import ATTENTION, LANGS, OPS, STATUS_LABELS, TEXT
from kpirules.values import SIG_DIGITS, fmt_scientific, format_value, is_big, is_number, scientific_value


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


#: how many items of one list (needs attention, later) a report shows before "… and N more like this"
LIST_SHOWN = 100


@attrs.frozen
class Report:
    """What the report shows; render it with :func:`render`."""

    plan: Plan
    results: Results
    period: Period
    as_of: datetime.date
    lang: str = "vi"
    #: how the CSV/.xlsx numbers of the data were read (recorded in the provenance block)
    number_format: str | None = attrs.field(default=None, kw_only=True)

    def provenance(self) -> dict[str, Any]:
        """The stamp of how this report was made (:func:`kpirules.report.provenance.provenance`)."""
        from kpirules.report.provenance import provenance

        return provenance(self.results, number_format=self.number_format)

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
        chosen = [(urgency(r), i, r) for i, r in enumerate(self.results) if r.status in ATTENTION]
        return [r for _, _, r in sorted(chosen, key=lambda x: (x[0], x[1]))]

    def is_later(self, r: Result) -> bool:
        """Whether ``r`` is at risk with a deadline more than a year after the report's period.

        Those go in a shorter group after the attention list, so that the
        urgent items (overdue, not met, in error, at risk soon) stay few.
        """
        return (r.status is Status.AT_RISK and r.deadline is not None
                and r.deadline > self.period.last_day + relativedelta(years=1))

    def attention_now(self) -> list[Result]:
        """:meth:`attention` without the later-phase at-risk results."""
        return [r for r in self.attention() if not self.is_later(r)]

    @staticmethod
    def shown(items: list[Any]) -> tuple[list[Any], int]:
        """The first :data:`LIST_SHOWN` of a list a person reads (what needs attention, the later group),
        and how many more there are: a national report of thousands of results stays readable, and
        the JSON keeps them all (issue 21 item 2)."""
        return items[:LIST_SHOWN], max(0, len(items) - LIST_SHOWN)

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
        t = TEXT[self.lang]
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
                    if p.end <= end:  # the phase's last window is within the report's period
                        due_at.setdefault(self.plan.when_date(w), []).append((task.id, p))
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
            elif r is not None and not r.deliveries and r.status in (Status.DONE, Status.DONE_LATE):
                # a task with one deadline keeps no list of deliveries: its status is its delivery
                done.append(i)
                if r.status is Status.DONE_LATE:
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
    return (ATTENTION.get(r.status, 2), r.deadline or datetime.date.max)


def build_report(plan: Plan, data: Data | str | Iterable[str], period: Period | str,
                 as_of: datetime.date | str | AsOf | None = None, lang: str = "vi", *,
                 number_format: str | None = None) -> Report:
    """Evaluate ``plan`` on ``data`` with ``period`` as the current period.

    ``as_of`` defaults to the period's due date (the day after its window when
    the plan's scheme sets no due day), or today while that date is still to
    come; without it, a period whose window has not closed by today is an
    error (the rule of :mod:`kpirules.engine.timing`).  ``number_format`` says how CSV/.xlsx numbers are
    written, when ``data`` names files.
    """
    if lang not in LANGS:
        raise KpiError(f"unknown report language {lang!r}; expected one of: {', '.join(LANGS)}")
    period = plan.as_current(period)
    day = timing.judged_on(period, timing.as_of(as_of))  # (before the data is read)
    if not isinstance(data, Data):
        data = load_data(data, number_format=number_format)
    results = plan.evaluate(data, day, current=period)
    return Report(plan, results, period, day, lang, number_format=number_format)


def is_percent_rule(rule: n.Rule | n.Task | None) -> bool:
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
class Shown:
    """The display texts of one result's numbers."""

    value: str
    target: str
    margin: str
    progress: Fraction | None  # 0..1, None when there is no bar


#: the most decimals a number is shown with; a value that still looks like its target (or on the wrong
#: side of it) is shown as ``≈ rounded (exact)``
MAX_PLACES = 8


def _cmp(a: Fraction, b: Fraction) -> int:
    return (a > b) - (a < b)


def shown_places(value: object, bounds: tuple[object, ...], scale: int) -> int | None:
    """The fewest decimals (2 to :data:`MAX_PLACES`) at which ``value`` × ``scale``, rounded, stands to each
    bound, rounded, as the exact value stands to it (above, equal or below): what a person compares
    is then what the rule compared.  None when no such number of decimals is small enough."""
    if not is_number(value):
        return 2
    v = Fraction(value) * scale
    exact = [(Fraction(b) * scale) for b in bounds if is_number(b)]
    for places in range(2, MAX_PLACES + 1):
        shown = _read(v, places)
        if all(_cmp(shown, _read(b, places)) == _cmp(v, b) for b in exact):
            return places
    return None


def _sig(places: int) -> int:
    """The significant digits a number in scientific form is shown with where others have ``places``
    decimals (6 at 2, up to 24 at :data:`MAX_PLACES`)."""
    return SIG_DIGITS + 3 * (places - 2)


def _read(x: Fraction, places: int) -> Fraction:
    """The number a person reads from ``x`` shown at ``places`` (:func:`fmt_decimal`)."""
    if is_big(x):
        return scientific_value(x, _sig(places))
    return Fraction(round_places(x, places)[0], 10**places)


#: the longest exact value written beside an approximation; a longer one (``1e-3000``) is written in
#: scientific form there too, and stays exact in the JSON
MAX_EXACT_SHOWN = 100


def _exact(v: int | Fraction, pct: bool, lang: str) -> str:
    """The exact value, for beside an approximation: ``29.9999999999%``, ``1/3``; one too long to write
    (:data:`MAX_EXACT_SHOWN`) in scientific form, with ``≈ `` before it when that is not exact."""
    f = Fraction(v) * 100 if pct else Fraction(v)
    text = str(format_value(f))
    if len(text) > MAX_EXACT_SHOWN:
        return fmt_scientific(f, lang, _sig(MAX_PLACES)) + ("%" if pct else "")
    if lang == "vi":
        text = text.replace(".", ",")
    return text + ("%" if pct else "")


def _approximately(rounded: str, exact: str) -> str:
    """A number that looks like its target when rounded, composed with at most one ``≈``: ``≈ rounded
    (exact)``; when even the exact form is an approximation (a number too long to write, in scientific
    form), that form alone, which has more digits than the rounded one."""
    if exact.startswith("≈ "):
        return exact
    return f"≈ {rounded.removeprefix('≈ ')} ({exact})"


def shown_numbers(value: object, target: object, op: str | None, pct: bool, lang: str) -> tuple[str, str, str]:
    """The value, the target and the margin as a report shows them, never contradicting the status:
    enough decimals to show on which side of the target (each end of a range) the value is, else
    ``≈ rounded (exact)``; a margin that rounds to zero but is not zero says ``≈``."""
    t = TEXT[lang]
    scale = 100 if pct else 1
    bounds = target if isinstance(target, tuple) else (target,)
    places = shown_places(value, bounds, scale)

    def one(v: object, places: int) -> str:
        if isinstance(v, bool):
            return t["yes"] if v else t["no"]
        if is_number(v):
            return (fmt_percent(v, lang, places, sig=_sig(places)) if pct
                    else fmt_decimal(v, lang, places, sig=_sig(places)))
        if isinstance(v, datetime.date):  # (min or max of a date column: as the report writes its dates)
            return fmt_date(v, lang)
        text = format_value(v)
        return "" if text is None else text

    shown = MAX_PLACES if places is None else places
    if value is None:
        value_text = "—"
    elif places is None:
        value_text = _approximately(one(value, shown), _exact(value, pct, lang))  # type: ignore[arg-type]
    else:
        value_text = one(value, shown)
    if isinstance(target, tuple):
        target_text = " – ".join(one(x, shown) for x in target)
    elif target is None:
        target_text = ""
    else:
        target_text = one(target, shown)
        sign = OPS.get(op or "")
        if sign and not isinstance(target, bool):
            target_text = f"{sign} {target_text}"
    margin = _margin(value, target, op)
    if margin is None:
        margin_text = ""
    elif margin == 0 and op in (">", "<") and not isinstance(target, tuple):
        margin_text = t["at_not_above" if op == ">" else "at_not_below"]  # (a strict target is not reached)
    elif margin == 0:
        margin_text = t["on_target"]
    else:
        magnitude = -margin if margin < 0 else margin
        size = Fraction(magnitude) * scale
        amount = fmt_decimal(size, lang, shown, sig=_sig(shown))
        if round_places(size, shown)[0] == 0:  # (its exact form: ≈ only when that is not exact either)
            amount = _exact(magnitude, pct, lang).rstrip("%")
        # (past the top of a range is no shortfall: it is said so, as a value below the range is short)
        above = isinstance(target, tuple) and margin < 0 and is_number(value) and value > target[1]
        word = "above_range" if above else "better" if margin > 0 else "short"
        margin_text = t[word].format(x=amount + (t["points"] if pct else ""))
    return value_text, target_text, margin_text


def shown_value(report: Report, r: Result) -> Shown:
    pct = is_percent_rule(report.plan.item(r.id)) if r.kind == "rule" else False
    value, target, margin = shown_numbers(r.value, r.target, r.op, pct, report.lang)
    return Shown(value, target, margin, progress(r.value, r.target, r.op))


def directed_margin(r: Result) -> Fraction | int | None:
    """How far a numeric value is past its target (> 0) or short of it (< 0), in the target's direction.

    For ``>=``/``>`` that is value − target; for ``<=``/``<`` (a cut: ``change(…) <= -30%``) it is
    target − value, so −32% against ≤ −30% is 2 points *better*; for a range, the distance to its
    nearest end (0 inside it).  None for yes/no and other non-numeric targets, and for ``==``/``!=``.
    """
    return _margin(r.value, r.target, r.op)


def _margin(v: object, t: object, op: str | None) -> Fraction | int | None:
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


#: the most a bar shows of a value that misses its target: never full, in any of its shown forms
#: (a label of whole percents, a width of tenths, ten blocks), however near the value is
MISSED_MOST = Fraction(99, 100)


def _holds(v: Fraction, t: Fraction, op: str | None) -> bool | None:
    return {">=": v >= t, ">": v > t, "<=": v <= t, "<": v < t, "==": v == t}.get(op or "")


def progress(value: object, target: object, op: str | None) -> Fraction | None:
    """How far the value has come towards its target, 0..1 (exact): 1 exactly when the comparison holds,
    and at most :data:`MISSED_MOST` when it does not (``x > 30%`` at 30%, ``x == 5`` at 6: never a full bar
    beside *not met*)."""
    p = _progress(value, target, op)
    if p is None or isinstance(value, bool) or isinstance(target, bool):
        return p
    if isinstance(target, tuple):
        lo, hi = target
        met = lo <= value <= hi
    else:
        met = _holds(Fraction(cast("int | Fraction", value)), Fraction(cast("int | Fraction", target)), op)
        if met is None:
            return p
    return Fraction(1) if met else min(p, MISSED_MOST)


def _progress(v: object, t: object, op: str | None) -> Fraction | None:
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
        # below the range as `>= low` would show it, above it as `<= high` (30.004% over 20%–30%: 99%,
        # never an empty bar, as if nothing had been done)
        return _progress(v, lo, ">=") if v < lo else _progress(v, hi, "<=")
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


def pct_width(p: Fraction) -> str:
    """A CSS width from an exact fraction, one decimal."""
    q, _ = round_places(p * 100, 1)
    return f"{q // 10}.{q % 10}%"

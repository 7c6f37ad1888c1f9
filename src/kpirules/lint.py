"""``kpirules lint``: likely mistakes in a rule file, each with a stable code.

The linter works on the syntax tree alone (:func:`kpirules.lang.parser.parse_text`),
so it also reports on files that the load-time checker rejects (a duplicate
id, an unknown task in ``after``).  Each finding has a code that never
changes meaning (like ruff's); :data:`CODES` lists them all::

    >>> [f.code for f in lint_text('section A\\nsection B\\nrule r: x > 1\\n')]
    ['K008']
"""

from __future__ import annotations

import datetime
import difflib
import re
import unicodedata
from collections.abc import Iterable, Iterator, Sequence
from fractions import Fraction

import attrs

from kpirules import nodes as n
from kpirules.lang.parser import parse_text
from kpirules.lang.unparse import expr_text
from kpirules.lang.checker import after_cycles, scheme_of
from kpirules.errors import KpiPeriodError, Span
from kpirules.periods import Kind, Period, Scheme, containing, last_ending_by

__all__ = ["CODES", "Finding", "lint_text", "lint_plan", "selected"]

#: every code, with what it finds
CODES: dict[str, str] = {
    "K001": "duplicate id",
    "K002": "`after` names a task or event the plan does not define",
    "K003": "tasks that wait for each other in a cycle of `after`",
    "K004": "a deadline before the plan's issue date",
    "K005": "a ratio compared with a percentage above 100%",
    "K006": "`between` with its ends reversed",
    "K007": "a metric used once whose name is one edit away from another metric (likely a typo)",
    "K008": "a section with nothing in it",
    "K009": "a rule that can never be judged: no reporting period its data could have ends by its deadline",
    "K010": "a task without `due`",
    "K011": "a rule without a deadline in a section that sets a phase (`Giai đoạn 2019-2020`)",
    "K012": "a deadline outside the phase its section sets",
    "K013": "a number with exactly three digits after the point (`1.000`), which a Vietnamese reader takes for "
            "a thousands separator",
    # careless authors (issue 16)
    "K014": "a ratio compared with a plain number above 1 (`ratio(a, b) >= 50`: a forgotten `%`)",
    "K015": "a group, unit or event declared twice",
    "K016": "a plan with no rule and no task",
    "K017": "a day-first date in a condition (`decided_on <= 31/12/2022`), which reads as a division",
    # metric declarations (issue 17)
    "K018": "a rule reads a metric that the plan does not declare, in a plan that declares its metrics",
    # records (issue 18)
    "K020": "a metric counted from records that no rule reads",
    "K021": "a dataset that no metric counts",
}


@attrs.frozen
class Finding:
    """One finding: ``file:line:col: CODE message``."""

    code: str
    message: str
    line: int
    column: int
    file: str | None = None

    def __str__(self) -> str:
        return f"{self.file or '<input>'}:{self.line}:{self.column}: {self.code} {self.message}"

    def to_json(self) -> dict[str, object]:
        return {"file": self.file, "line": self.line, "column": self.column, "code": self.code,
                "message": self.message}


def selected(code: str, select: Iterable[str] | None = None, ignore: Iterable[str] = ()) -> bool:
    """Whether ``code`` passes ``--select`` (codes or prefixes; all when none) and ``--ignore``."""
    if select is not None and not any(code.startswith(s) for s in select):
        return False
    return not any(code.startswith(s) for s in ignore)


def lint_text(text: str, filename: str | None = None) -> list[Finding]:
    """Every finding in rule-file text, in file order.

    Raises :class:`~kpirules.errors.KpiSyntaxError` when the text does not parse.
    """
    if text.startswith("\ufeff"):
        text = text[1:]
    plan = parse_text(text, filename)
    return lint_plan(plan, filename, text.split("\n"))


def lint_plan(plan: n.Plan, filename: str | None = None, lines: list[str] | None = None) -> list[Finding]:
    """Every finding in a parsed plan, in file order."""
    linter = _Linter(plan, filename, lines or [])
    linter.run()
    return sorted(linter.findings, key=lambda f: (f.line, f.column, f.code))


# --- the checks -----------------------------------------------------------------

_PHASE = re.compile(r"(\d{4})\s*[-–—]\s*(\d{4})")
#: `1.000`, `12.500`: one to three digits, a point, three digits — one thousand in Vietnamese writing
_THOUSANDS = re.compile(r"[1-9]\d{0,2}\.\d{3}")


def _one_edit(a: str, b: str) -> str | None:
    """The characters that differ when ``a`` and ``b`` are one edit apart (else None)."""
    if a == b or abs(len(a) - len(b)) > 1:
        return None
    if len(a) == len(b):
        diff = [i for i in range(len(a)) if a[i] != b[i]]
        if len(diff) == 1:
            return a[diff[0]] + b[diff[0]]
        # a swap of two neighbouring letters counts as one edit
        if len(diff) == 2 and diff[1] == diff[0] + 1 and a[diff[0]] == b[diff[1]] and a[diff[1]] == b[diff[0]]:
            return a[diff[0]] + a[diff[1]]
        return None
    short, long_ = (a, b) if len(a) < len(b) else (b, a)
    i = 0
    while i < len(short) and short[i] == long_[i]:
        i += 1
    return long_[i] if short[i:] == long_[i + 1 :] else None


def _likely_typo(a: str, b: str) -> bool:
    """One edit apart, not by a digit (`level3`/`level4` are different metrics), and
    long enough for one letter to be a slip (`a` and `b` are two names)."""
    if min(len(a), len(b)) < 4:
        return False
    diff = _one_edit(a, b)
    return diff is not None and not any(c.isdigit() for c in diff)


def _plain(v: Fraction) -> str:
    from kpirules.values import format_number

    return format_number(v.numerator if v.denominator == 1 else v)


def _constant(e: n.Expr) -> Fraction | None:
    match e:
        case n.Number(value=v) | n.Percent(value=v):
            return v
        case n.Neg(operand=x):
            inner = _constant(x)
            return None if inner is None else -inner
    return None


class _Linter:
    def __init__(self, plan: n.Plan, filename: str | None, lines: list[str]) -> None:
        self.plan = plan
        self.filename = filename
        self.lines = lines
        self.findings: list[Finding] = []
        try:
            self.scheme: Scheme | None = scheme_of(plan)
        except KpiPeriodError:
            self.scheme = None
        self.kind = plan.reporting.kind if plan.reporting else Kind.QUARTER

    # --- helpers
    def add(self, code: str, message: str, where: Span | tuple[int, int] | None) -> None:
        if isinstance(where, tuple):
            line, col = where
        elif where is not None:
            line, col = where.line, where.column
        else:
            line, col = 1, 1
        self.findings.append(Finding(code, message, line, col, self.filename))

    def find(self, span: Span | None, pattern: str) -> tuple[int, int] | Span | None:
        """The position of ``pattern`` in the source lines ``span`` covers (else the span)."""
        if span is None:
            return None
        last = span.end_line or span.line
        rx = re.compile(pattern)
        for no in range(span.line, min(last, len(self.lines)) + 1):
            text = self.lines[no - 1]
            start = span.column - 1 if no == span.line else 0
            m = rx.search(text, start)
            if m:
                return (no, m.start(m.lastindex or 0) + 1)
        return span

    def end_of(self, w: n.When) -> datetime.date | None:
        """The day a deadline means: a date, or a period's last calendar day (as the engine reads it)."""
        if isinstance(w, n.DateRef):
            return w.date
        if self.scheme is None:
            return None
        return w.period.last_day

    def start_of(self, w: n.When) -> datetime.date | None:
        if isinstance(w, n.DateRef):
            return w.date
        if self.scheme is None:
            return None
        return w.period.with_scheme(self.scheme).start

    def last_period_by(self, d: datetime.date) -> Period | None:
        if self.scheme is None or self.kind is Kind.NINE_MONTH:
            return None
        try:
            return last_ending_by(d, self.kind, self.scheme)
        except KpiPeriodError:
            return None

    # --- the run
    def run(self) -> None:
        items = self.plan.items
        self.duplicates(items)
        self.declarations(items)
        self.nothing_to_check(items)
        self.after(items)
        self.sections(items)
        self.metrics(items)
        self.records(items)
        self.declared_metrics(items)
        section_chain: list[n.Section] = []
        for item in items:
            if isinstance(item, n.Section):
                while section_chain and not item.id.startswith(section_chain[-1].id + "."):
                    section_chain.pop()
                section_chain.append(item)
            elif isinstance(item, n.Rule):
                self.rule(item, section_chain)
            elif isinstance(item, n.Task):
                self.task(item, section_chain)

    def duplicates(self, items: Iterable[n.Item]) -> None:
        seen: dict[tuple[str, str], n.Item] = {}
        for item in items:
            if isinstance(item, n.Section):
                key, what = ("section", item.id), "section id"
            elif isinstance(item, (n.Rule, n.Task)):
                key, what = ("item", item.id), "id"
            else:
                continue
            first = seen.get(key)
            if first is None:
                seen[key] = item
                continue
            where = f" (first at line {first.span.line})" if first.span else ""
            self.add("K001", f"duplicate {what} {item.id}{where}", item.span)

    def declarations(self, items: Iterable[n.Item]) -> None:
        """K015: a group, a unit (its code or its full name, NFC) or an event declared twice."""
        seen: dict[tuple[str, str], n.Item] = {}
        for item in items:
            keys: list[tuple[str, str, str]] = []  # (name space, key, what the message calls it)
            if isinstance(item, n.Group):
                keys = [("group", item.name, f"group {item.name}")]
            elif isinstance(item, n.UnitDecl):
                keys = [("unit", unicodedata.normalize("NFC", name), f"unit {name}")
                        for name in (item.code, item.name) if name is not None]
            elif isinstance(item, n.Event):
                keys = [("event", item.id, f"event {item.id}")]
            for space, key, what in keys:
                first = seen.get((space, key))
                if first is not None:
                    where = f" (first at line {first.span.line})" if first.span else ""
                    self.add("K015", f"{what} is declared twice{where}; `kpirules check` refuses the plan",
                             item.span)
                    break
            for space, key, _ in keys:
                seen.setdefault((space, key), item)

    def nothing_to_check(self, items: Iterable[n.Item]) -> None:
        """K016: a plan with no rule and no task."""
        if not any(isinstance(i, (n.Rule, n.Task)) for i in items):
            span = self.plan.span
            self.add("K016", "the plan has no rule and no task: `kpirules check` has nothing to judge",
                     (span.line, span.column) if span else (1, 1))

    def after(self, items: Iterable[n.Item]) -> None:
        tasks = {i.id: i for i in items if isinstance(i, n.Task)}
        events = {i.id for i in items if isinstance(i, n.Event)}
        graph: dict[str, list[str]] = {}
        for task in tasks.values():
            graph[task.id] = [d for d in task.after if d in tasks]
        for task in (i for i in items if isinstance(i, n.Task)):
            for dep in task.after:
                if dep in tasks or dep in events:
                    continue
                close = difflib.get_close_matches(dep, [*tasks, *events], n=1)
                hint = f"; did you mean {close[0]}?" if close else ""
                where = self.find(task.span, r"\bafter\b.*?(?<![\w.])(\"?" + re.escape(dep) + r")(?![\w.])")
                self.add("K002", f"task {task.id} comes after {dep}, which the plan defines neither as a task "
                         f"nor as an event{hint}", where)
        for cycle in after_cycles(graph):
            first = tasks[cycle[0]]
            path = " → ".join([*cycle, cycle[0]])
            self.add("K003", f"tasks wait for each other in a cycle of `after`: {path}; none can start",
                     self.find(first.span, r"\b(after)\b"))

    def sections(self, items: Sequence[n.Item]) -> None:
        for i, item in enumerate(items):
            if not isinstance(item, n.Section):
                continue
            empty = True
            for later in items[i + 1 :]:
                if isinstance(later, n.Section):
                    if later.id.startswith(item.id + "."):
                        continue
                    break
                if isinstance(later, (n.Rule, n.Task)):
                    empty = False
                    break
            if empty:
                self.add("K008", f"section {item.id} has no rule or task in it", item.span)

    def metrics(self, items: Iterable[n.Item]) -> None:
        uses: dict[str, list[n.Metric]] = {}
        for item in items:
            if not isinstance(item, n.Rule):
                continue
            for node in _expr_nodes(item.condition):
                if isinstance(node, n.Metric):
                    uses.setdefault(node.name, []).append(node)
        for name, found in uses.items():
            if len(found) != 1:
                continue
            for other, other_uses in uses.items():
                if not _likely_typo(name, other):
                    continue
                # two names used once each: flag the later one only
                if len(other_uses) == 1 and _pos(other_uses[0]) > _pos(found[0]):
                    continue
                self.add("K007", f"metric {name} is used only here and is one edit away from {other}; a typo?",
                         found[0].span)
                break

    def records(self, items: Iterable[n.Item]) -> None:
        """K020, K021: counted metrics no rule reads, datasets no metric counts."""
        from kpirules.records.model import CountedMetric, Dataset

        recs = getattr(self.plan, "records", ())
        if not recs:
            return
        read = {node.name for item in items if isinstance(item, n.Rule)
                for node in _expr_nodes(item.condition) if isinstance(node, n.Metric)}
        counted = {r.dataset for r in recs if isinstance(r, CountedMetric)}
        for r in recs:
            if isinstance(r, CountedMetric) and r.name not in read:
                self.add("K020", f"metric {r.name} is counted from {r.dataset} but no rule reads it", r.span)
            elif isinstance(r, Dataset) and r.name not in counted:
                self.add("K021", f"dataset {r.name} is declared but no metric counts it", r.span)

    def declared_metrics(self, items: Iterable[n.Item]) -> None:
        """K018: a rule reads a metric the plan does not declare (when it declares any)."""
        from kpirules.records.model import CountedMetric

        if not getattr(self.plan, "metrics", ()):
            return
        declared = {m.name for m in self.plan.metrics}
        declared |= {r.name for r in getattr(self.plan, "records", ()) if isinstance(r, CountedMetric)}
        told: set[str] = set()
        for item in items:
            if not isinstance(item, n.Rule):
                continue
            for expr in (item.condition, item.stretch):
                for node in _expr_nodes(expr) if expr is not None else ():
                    if isinstance(node, n.Metric) and node.name not in declared and node.name not in told:
                        told.add(node.name)
                        close = difflib.get_close_matches(node.name, sorted(declared), n=1)
                        self.add("K018", f"rule {item.id} reads {node.name}, which the plan does not declare "
                                 f"(`metric {node.name} \"…\"`)" + (f"; did you mean {close[0]}?" if close else ""),
                                 node.span or item.span)

    def rule(self, rule: n.Rule, sections: list[n.Section]) -> None:
        for node in _expr_nodes(rule.condition):
            match node:
                case n.Number(value=v, text=text) if _THOUSANDS.fullmatch(text):
                    whole = text.replace(".", "")
                    self.add("K013", f"{text} means {_plain(v)}: in a rule file the point is the decimal mark, "
                             f"never a thousands separator; write {whole} if you mean {whole} "
                             f"(Vietnamese {text}), or {_plain(v)}", node.span)
                case n.Arith(op="/", left=n.Arith(op="/", left=n.Number() as d, right=n.Number() as m),
                             right=n.Number() as y) if _day_first(d, m, y):
                    shown = f"{d.text}/{m.text}/{y.text}"
                    iso = _day_first(d, m, y)
                    self.add("K017", f"{shown} reads as {d.text} ÷ {m.text} ÷ {y.text}, a number; if the date is "
                             f"meant, write it year first: {iso}", d.span or node.span)
                case n.Compare(op=op, left=a, right=b):
                    for x, other in ((a, b), (b, a)):
                        if _is_ratio(x) and isinstance(other, n.Percent) and other.value > 1:
                            self.add("K005", f"{expr_text(x)} is compared with {other.text}: a share of a whole "
                                     "cannot exceed 100%", other.span)
                        elif _is_ratio(x):
                            self.plain_above_one(x, other)
                case n.Between(value=v, low=lo, high=hi):
                    low, high = _constant(lo), _constant(hi)
                    if low is not None and high is not None and low > high:
                        self.add("K006", f"`between {expr_text(lo)} and {expr_text(hi)}` has its ends reversed: "
                                 "no value lies in it", lo.span or node.span)
                    if _is_ratio(v):
                        for end in (lo, hi):
                            if isinstance(end, n.Percent) and end.value > 1:
                                self.add("K005", f"{expr_text(v)} is compared with {end.text}: a share of a "
                                         "whole cannot exceed 100%", end.span)
                            else:
                                self.plain_above_one(v, end)
        time = rule.time
        whens: list[n.When] = []
        if isinstance(time, n.By):
            whens = [time.when]
        elif isinstance(time, n.Span_):
            whens = [time.end]
        self.deadlines(whens, f"rule {rule.id}")
        self.judgeable(rule)
        self.phase(rule, whens, sections, f"rule {rule.id}")

    def plain_above_one(self, ratio: n.Expr, other: n.Expr) -> None:
        """K014: `ratio(a, b) >= 50`, a ratio (a share of 1) compared with a plain number above 1."""
        if isinstance(other, n.Number) and other.value > 1:
            self.add("K014", f"{expr_text(ratio)} is compared with the plain number {other.text}, but a ratio is "
                     f"a share of 1 (0.5 is 50%): write {other.text}% if {other.text} percent is meant",
                     other.span)

    def task(self, task: n.Task, sections: list[n.Section]) -> None:
        if not task.due and task.every is None:
            self.add("K010", f"task {task.id} has no `due`: it can never be overdue", task.span)
        self.deadlines(list(task.due), f"task {task.id}")
        self.phase(task, list(task.due), sections, f"task {task.id}")

    def deadlines(self, whens: list[n.When], what: str) -> None:
        issued = self.plan.issued
        if issued is None:
            return
        for w in whens:
            end = self.end_of(w)
            if end is not None and end < issued:
                self.add("K004", f"the deadline {w.text} of {what} ends on {end.isoformat()}, before the plan "
                         f"was issued ({issued.isoformat()})", w.span)

    def judgeable(self, rule: n.Rule) -> None:
        if self.scheme is None or self.kind is Kind.NINE_MONTH:
            return
        time = rule.time
        if isinstance(time, n.By):
            end = self.end_of(time.when)
            if end is None:
                return
            judged = self.last_period_by(end)
            if judged is None:
                self.add("K009", f"rule {rule.id} can never be judged: no {self.kind.value} window ends by "
                         f"{end.isoformat()}", time.span)
                return
            if self.plan.issued is not None and end >= self.plan.issued:
                try:
                    first = containing(self.plan.issued, self.kind, self.scheme)
                except KpiPeriodError:
                    return
                if judged < first:
                    self.add("K009", f"rule {rule.id} can never be judged: its deadline {time.when.text} is judged "
                             f"on {judged.label}, which closed before the plan's first period {first.label}",
                             time.span)
        elif isinstance(time, n.Span_):
            start, end = self.start_of(time.start), self.end_of(time.end)
            if start is None or end is None or start > end:
                return  # the checker reports a span that ends before it starts
            last = self.last_period_by(end)
            before = self.last_period_by(start - datetime.timedelta(days=1))
            if last is None or (before is not None and before >= last):
                self.add("K009", f"rule {rule.id} can never be judged: no whole {self.kind.value} lies between "
                         f"{time.start.text} and {time.end.text}", time.span)

    def phase(self, item: n.Rule | n.Task, whens: list[n.When], sections: list[n.Section], what: str) -> None:
        phase = None
        for section in reversed(sections):
            m = _PHASE.search(section.title or "")
            if m:
                phase = (section, int(m.group(1)), int(m.group(2)))
                break
        if phase is None:
            return
        section, first, last = phase
        if isinstance(item, n.Rule) and item.time is None:
            self.add("K011", f"{what} has no deadline, but section {section.id} sets the phase {first}-{last}; "
                     f"add `by {last}`", item.condition.span or item.span)
            return
        for w in whens:
            end = self.end_of(w)
            year = w.period.year if isinstance(w, n.PeriodRef) else (end.year if end else None)
            if year is not None and not first <= year <= last:
                self.add("K012", f"the deadline {w.text} of {what} lies outside the phase {first}-{last} of "
                         f"section {section.id}", w.span)


def _day_first(d: n.Number, m: n.Number, y: n.Number) -> str | None:
    """`31/12/2022` as three numbers: the date year first, when they make a calendar day."""
    if not (d.text.isdigit() and m.text.isdigit() and y.text.isdigit() and len(d.text) <= 2
            and len(m.text) <= 2 and len(y.text) == 4):
        return None
    try:
        return datetime.date(int(y.text), int(m.text), int(d.text)).isoformat()
    except ValueError:
        return None


def _pos(node: object) -> tuple[int, int]:
    span = getattr(node, "span", None)
    return (span.line, span.column) if span else (0, 0)


def _is_ratio(e: n.Expr) -> bool:
    return isinstance(e, n.Call) and e.func == "ratio"


def _expr_nodes(e: n.Expr) -> Iterator[object]:
    """The nodes of an expression, without the period of `x at P` (a metric there names a period)."""
    stack: list[object] = [e]
    while stack:
        node = stack.pop()
        yield node
        if isinstance(node, n.At):
            stack.append(node.expr)
        else:
            stack.extend(reversed(list(n.children(node))))


# (a renamed public name of this module still works for one minor release: kpirules.deprecation)
from kpirules.deprecation import module_getattr as _module_getattr  # noqa: E402

__getattr__ = _module_getattr(__name__)

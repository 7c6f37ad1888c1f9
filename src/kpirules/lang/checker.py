"""Load-time semantic checks of a parsed plan.

The checker walks the whole plan and returns every problem it finds as a
:class:`~kpirules.errors.Diagnostic`; :func:`check_plan` raises them all at
once as a :class:`~kpirules.errors.KpiSemanticError`.
"""

from __future__ import annotations

import difflib
import unicodedata
from collections.abc import Callable

from kpirules import nodes as n
from kpirules.errors import Diagnostic, KpiPeriodError, KpiSemanticError, Span, capped
from kpirules.periods import DEFAULT_SCHEME, Kind, Scheme

__all__ = ["check_plan", "plan_diagnostics", "expr_type", "scheme_of"]

# static types of expressions
NUM, BOOL, TEXT, DATE, ANY = "number", "boolean", "text", "date", "any"


def scheme_of(plan: n.Plan) -> Scheme:
    """The plan's window scheme (Decree 09, due the 20th, when no `reporting` line)."""
    rep = plan.reporting
    if rep is None:
        return DEFAULT_SCHEME
    cutoff = 1 if rep.calendar else (rep.cutoff if rep.cutoff is not None else DEFAULT_SCHEME.cutoff)
    due = rep.due if rep.due is not None else DEFAULT_SCHEME.due
    return Scheme(cutoff, due)


class _Checker:
    def __init__(self, lines: list[str] | None, kind: Kind | None = None) -> None:
        self.lines = lines or []
        self.diags: list[Diagnostic] = []
        #: the plan's reporting kind (None: not known), for `over P`
        self.kind = kind

    def problem(self, message: str, span: Span | None, hint: str | None = None) -> None:
        source = None
        if span is not None and 0 < span.line <= len(self.lines):
            source = self.lines[span.line - 1]
        self.diags.append(Diagnostic(message, span, hint=hint, source_line=source))

    def text_of(self, span: Span | None) -> str | None:
        if span is None or span.end_line != span.line or span.end_column is None:
            return None
        if not 0 < span.line <= len(self.lines):
            return None
        return self.lines[span.line - 1][span.column - 1 : span.end_column - 1]

    def quoted(self, span: Span | None) -> str:
        """The text at ``span`` in backquotes, or "this" when it cannot be shown."""
        text = self.text_of(span)
        return f"`{text}`" if text else "this"

    # --- expressions
    def type_of(self, e: n.Expr, *, in_aggregate: bool = False) -> str:
        t = self._type(e, in_aggregate)
        return t

    def _need(self, e: n.Expr, want: str, what: str, in_agg: bool) -> None:
        t = self._type(e, in_agg)
        if t not in (want, ANY):
            shown = self.quoted(e.span)
            self.problem(f"{what} needs a {want}, but {shown} is a {t}", e.span)

    def _type(self, e: n.Expr, in_agg: bool) -> str:  # noqa: C901 - one case per node
        match e:
            case n.Number() | n.Percent():
                return NUM
            case n.Bool():
                return BOOL
            case n.Text():
                return TEXT
            case n.DateRef():
                return DATE
            case n.Metric():
                return ANY
            case n.Over(expr=inner, when=when):
                if in_agg:
                    pass  # `sum(m over 2020)`: each unit's total, added up
                self._need(inner, NUM, "`over`", in_agg)
                if isinstance(when, n.PeriodRef) and self.kind is not None and when.period.kind.months < self.kind.months:
                    self.problem(
                        f"`over {when.text}` is a {when.period.kind.value}, shorter than the plan's reporting "
                        f"periods ({self.kind.value}s): `over` adds up whole reporting periods",
                        when.span, hint="write `at` to read one period, or `over` a longer period (a year)")
                return NUM
            case n.At(expr=inner, when=when):
                if not isinstance(when, (n.PeriodRef, n.Previous)):
                    shown = self.text_of(when.span) or "this"
                    self.problem(
                        f"`at` takes a reporting period (2018, Q4/2019, previous), not `{shown}`",
                        when.span,
                    )
                return self._type(inner, in_agg)
            case n.Neg(operand=x):
                self._need(x, NUM, "`-`", in_agg)
                return NUM
            case n.Not(operand=x):
                self._need(x, BOOL, "`not`", in_agg)
                return BOOL
            case n.Arith(op=op, left=a, right=b):
                self._need(a, NUM, f"`{op}`", in_agg)
                self._need(b, NUM, f"`{op}`", in_agg)
                return NUM
            case n.Compare(op=op, left=a, right=b):
                ta, tb = self._type(a, in_agg), self._type(b, in_agg)
                if op in ("==", "!="):
                    if ANY not in (ta, tb) and ta != tb:
                        self.problem(f"`{op}` compares a {ta} with a {tb}", e.span)
                elif DATE in (ta, tb):  # dates are ordered too: `decided_on <= 2020-11-01`
                    for side, t in ((a, ta), (b, tb)):
                        if t not in (DATE, ANY):
                            self.problem(f"`{op}` compares a date with a {t}", side.span,
                                         hint="compare a date with a date (2020-11-01), a number with a number")
                else:
                    for side, t in ((a, ta), (b, tb)):
                        if t not in (NUM, ANY):
                            self.problem(f"`{op}` needs numbers on both sides, not a {t}", side.span)
                return BOOL
            case n.Between(value=v, low=lo, high=hi):
                types = [self._type(side, in_agg) for side in (v, lo, hi)]
                want = DATE if DATE in types else NUM
                for side, t in zip((v, lo, hi), types):
                    if t not in (want, ANY):
                        shown = self.quoted(side.span)
                        self.problem(f"`between` needs {'dates' if want == DATE else 'numbers'} on every side, "
                                     f"but {shown} is a {t}", side.span)
                return BOOL
            case n.Logic(op=op, left=a, right=b):
                self._need(a, BOOL, f"`{op}`", in_agg)
                self._need(b, BOOL, f"`{op}`", in_agg)
                return BOOL
            case n.Call(func=func, args=args):
                if func in n.AGGREGATES:
                    if in_agg:
                        self.problem(f"`{func}(…)` inside another aggregate has no meaning", e.span)
                    for a in args:
                        self._need(a, NUM, f"`{func}`", True)
                else:
                    for a in args:
                        self._need(a, NUM, f"`{func}`", in_agg)
                return NUM
            case n.Count(where=w):
                if in_agg:
                    self.problem("`count(…)` inside an aggregate has no meaning", e.span)
                if w is not None:
                    self._need(w, BOOL, "`count(units where …)`", True)
                return NUM
        raise AssertionError(f"unknown node {e!r}")  # pragma: no cover

    def condition(self, rule: n.Rule, following: n.Item | None) -> bool:
        """Check a rule's condition is boolean; True when ``following`` was explained by it."""
        t = self._type(rule.condition, False)
        span = rule.condition.span
        glued = (isinstance(following, n.Rule) and following.bare and span is not None
                 and following.span is not None and following.span.line == _last_line(rule))
        if glued and t in (NUM, TEXT) and rule.time is None:
            shown = self.text_of(span) or "the condition"
            self.problem(
                f"expected a comparison such as >= or between after `{shown}`",
                following.span,  # type: ignore[union-attr]
                hint="a condition compares a value with a target: ratio(a, b) >= 20%",
            )
            return True
        if glued:
            # two conditions on one line are never meant: a typo split one rule in two
            self.problem(
                "a second condition starts on the same line as the rule before it",
                following.span,  # type: ignore[union-attr]
                hint="write each rule on a line of its own; a stray word or a missing operator "
                     "(and, or, +) reads as the start of a new rule",
            )
            return True
        if t not in (NUM, TEXT):
            return False
        shown = self.quoted(span)
        self.problem(
            f"a condition must be true or false, but {shown} is a {t}",
            span,
            hint="compare it with a target, e.g. `>= 20%`",
        )
        return False




def _stray_attribute(rule: n.Rule, before: n.Item | None) -> tuple[str, str] | None:
    """(message, hint) when a bare rule is only a misspelt attribute word (`laed`) after a task or rule."""
    if not rule.bare or not isinstance(rule.condition, n.Metric) or not isinstance(before, (n.Task, n.Rule)):
        return None
    word = rule.condition.name
    close = difflib.get_close_matches(word.lower(), n.ATTRIBUTES, n=1, cutoff=0.75)
    # only words about as long as the attribute: `support_ok` is a flag, `suport` a typo
    if not close or len(word) > len(close[0]) + 1:
        return None
    return (f"`{word}` is not an attribute; did you mean `{close[0]}`?",
            "a misspelt word after a task or rule reads as the start of a new rule")


def _metric_declarations(c: _Checker, plan: n.Plan) -> None:
    """A metric declared twice (`metric NAME …` for a reported metric, or for one counted from records)."""
    seen: dict[str, Span | None] = {}
    from kpirules.records.model import CountedMetric

    counted = [m for m in plan.records if isinstance(m, CountedMetric)]
    decls: list[n.MetricDecl | CountedMetric] = [*plan.metrics, *counted]
    for decl in sorted(decls, key=lambda d: (d.span.line, d.span.column) if d.span else (0, 0)):
        name = decl.name
        if name in seen:
            first = seen[name]
            c.problem(f"metric {name} is declared twice" + (f" (first at line {first.line})" if first else ""),
                      decl.span, hint="keep one declaration: its title, kind and unit of measure")
            continue
        seen[name] = decl.span


_REPORTING_OPTIONS = ("cutoff", "calendar", "due")


def _stray_reporting_option(rule: n.Rule, reporting: n.Reporting | None) -> tuple[str, str] | None:
    """(message, hint) when a bare rule is only a misspelt option (`cutof`) at the end of the `reporting` line."""
    if (reporting is None or reporting.span is None or rule.span is None or not rule.bare
            or not isinstance(rule.condition, n.Metric) or rule.span.line != reporting.span.end_line):
        return None
    word = rule.condition.name
    close = difflib.get_close_matches(word.lower(), _REPORTING_OPTIONS, n=1, cutoff=0.6)
    if not close:
        return None
    return (f"`{word}` is not an option of the `reporting` line; did you mean `{close[0]}`?",
            "the `reporting` line takes `cutoff N` (or `calendar`) and `due N`, e.g. `reporting quarterly cutoff 15 "
            "due 20`")


def _last_line(rule: n.Rule) -> int | None:
    """The line on which a rule's condition and time clause end."""
    for part in (rule.time, rule.condition):
        if part is not None and part.span is not None:
            return part.span.end_line
    return None


def after_cycles(graph: dict[str, list[str]]) -> list[list[str]]:
    """The cycles of a dependency graph, one per strongly connected component (in file order)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    on_stack: set[str] = set()
    stack: list[str] = []
    comps: list[list[str]] = []
    counter = 0
    for root in graph:
        if root in index:
            continue
        work = [(root, iter(graph[root]))]
        index[root] = low[root] = counter
        counter += 1
        stack.append(root)
        on_stack.add(root)
        while work:
            node, it = work[-1]
            for nxt in it:
                if nxt not in index:
                    index[nxt] = low[nxt] = counter
                    counter += 1
                    stack.append(nxt)
                    on_stack.add(nxt)
                    work.append((nxt, iter(graph[nxt])))
                    break
                if nxt in on_stack:
                    low[node] = min(low[node], index[nxt])
            else:
                work.pop()
                if work:
                    low[work[-1][0]] = min(low[work[-1][0]], low[node])
                if low[node] == index[node]:
                    comp = []
                    while True:
                        x = stack.pop()
                        on_stack.discard(x)
                        comp.append(x)
                        if x == node:
                            break
                    if len(comp) > 1 or node in graph[node]:
                        comps.append(comp)
    order = {name: i for i, name in enumerate(graph)}
    result = []
    for comp in comps:
        members = set(comp)
        start = min(comp, key=order.__getitem__)
        # walk the cycle from its first task in file order
        path = [start]
        while True:
            step = next((d for d in graph[path[-1]] if d in members and (d == start or d not in path)), None)
            if step is None or step == start:
                break
            path.append(step)
        result.append(path)
    return sorted(result, key=lambda p: order[p[0]])


def plan_diagnostics(plan: n.Plan, lines: list[str] | None = None) -> list[Diagnostic]:
    """Every load-time problem of ``plan``, in file order."""
    c = _Checker(lines, plan.reporting.kind if plan.reporting else Kind.QUARTER)
    try:
        scheme_of(plan)
    except KpiPeriodError as exc:
        c.problem(str(exc), plan.reporting.span if plan.reporting else None)
    ids: dict[str, n.Item] = {}
    sections: dict[str, n.Section] = {}
    tasks = {item.id for item in plan.items if isinstance(item, n.Task)}
    events = {item.id for item in plan.items if isinstance(item, n.Event)}
    groups: dict[str, n.Group] = {}
    explained: set[int] = set()
    items = list(plan.items)
    _declarations(c, items)
    _metric_declarations(c, plan)
    for index, item in enumerate(items):
        if isinstance(item, (n.Event, n.UnitDecl)):
            continue  # (checked by _declarations)
        if isinstance(item, n.Group):
            if item.name in groups:
                first = groups[item.name].span
                c.problem(f"duplicate group {item.name} (first at line {first.line if first else '?'})", item.span)
            groups.setdefault(item.name, item)
            continue
        if isinstance(item, n.Section):
            if item.id in sections:
                first = sections[item.id].span
                c.problem(
                    f"duplicate section id {item.id} (first at line {first.line if first else '?'})", item.span
                )
            sections.setdefault(item.id, item)
        else:
            if item.id in ids and not (isinstance(item, n.Rule) and item.bare):  # a bare id is derived
                                                                              # from its line
                first = ids[item.id].span
                kind = "rule" if isinstance(item, n.Rule) else "task"
                c.problem(f"duplicate id {item.id}: this {kind} repeats the id at line {first.line if first else '?'}",
                          item.span)
            ids.setdefault(item.id, item)
        if isinstance(item, n.Rule):
            following = items[index + 1] if index + 1 < len(items) else None
            misspelt = (_stray_reporting_option(item, plan.reporting)
                        or _stray_attribute(item, items[index - 1] if index else None))
            if misspelt is not None and index not in explained:
                message, help_text = misspelt
                c.problem(message, item.condition.span, hint=help_text)
                if isinstance(following, n.Rule) and following.bare and following.span and \
                        following.span.line == _last_line(item):
                    explained.add(index + 1)
                continue
            if index in explained:
                c._type(item.condition, False)  # type errors inside, but not "must be boolean" again
            elif c.condition(item, following):
                explained.add(index + 1)
            if isinstance(item.time, n.Span_):
                a, b = _start(item.time.start), _end(item.time.end)
                if a > b:
                    c.problem(f"`from {item.time.start.text} to {item.time.end.text}` ends before it starts",
                              item.time.span)
            if item.stretch is not None:
                t = c._type(item.stretch, False)
                if t not in (BOOL, ANY):
                    c.problem(f"a stretch condition must be true or false, but {c.quoted(item.stretch.span)} "
                              f"is a {t}", item.stretch.span, hint="compare it with a higher target, e.g. `<= -50%`")
        elif isinstance(item, n.Task):
            for dep in item.after:
                if dep not in tasks and dep not in events:
                    similar = difflib.get_close_matches(dep, sorted(tasks | events), n=1)
                    hint = f"did you mean {similar[0]}?" if similar else (
                        f"declare it: event {dep} \"…\"" if not dep.isdigit() else None)
                    c.problem(f"task {item.id} comes after {dep}, which the plan defines neither as a task "
                              f"nor as an event", item.span, hint=hint)
                elif dep == item.id:
                    c.problem(f"task {item.id} cannot come after itself", item.span)
            if item.every is not None:
                every = item.every
                if item.due:
                    c.problem(f"task {item.id} has both `due` deadlines and `due every …`; give one of them",
                              every.span)
                if _start(every.start) > _end(every.end):
                    c.problem(f"`every {every.kind.value} from {every.start.text} to {every.end.text}` ends "
                              f"before it starts", every.span)
    task_items = {item.id: item for item in plan.items if isinstance(item, n.Task)}
    graph = {t.id: [d for d in t.after if d in task_items] for t in task_items.values()}
    for cycle in after_cycles(graph):
        if len(cycle) == 1:
            continue  # a task after itself is reported above
        path = " → ".join([*cycle, cycle[0]])
        c.problem(f"tasks wait for each other in a cycle of `after`: {path}; none of them can ever start",
                  task_items[cycle[0]].span, hint="remove one `after` of the cycle")
    if plan.records:  # datasets and counted metrics (issue 18)
        from kpirules.lang.records import check_records

        c.diags.extend(check_records(plan.records, lines))
    return c.diags


def _declarations(c: _Checker, items: list[n.Item]) -> None:
    """Events and declared units: each declared once, no event named like a task, each unit name once."""
    seen_events: dict[str, n.Event] = {}
    task_ids = {item.id: item for item in items if isinstance(item, n.Task)}
    names: dict[str, n.UnitDecl] = {}  # codes and full names, NFC
    for item in items:
        if isinstance(item, n.Event):
            if item.id in seen_events:
                first = seen_events[item.id].span
                c.problem(f"duplicate event {item.id} (first at line {first.line if first else '?'})", item.span)
            elif item.id in task_ids:
                first = task_ids[item.id].span
                c.problem(f"event {item.id} has the id of the task at line {first.line if first else '?'}; "
                          f"`after {item.id}` could not tell them apart", item.span)
            seen_events.setdefault(item.id, item)
        elif isinstance(item, n.UnitDecl):
            for name in (item.code, item.name):
                if name is None:
                    continue
                key = unicodedata.normalize("NFC", name)
                if key in names:
                    first = names[key].span
                    c.problem(f"unit {name} is declared twice (first at line {first.line if first else '?'})",
                              item.span)
                    break
            for name in (item.code, item.name):
                if name is not None:
                    names.setdefault(unicodedata.normalize("NFC", name), item)
    if names:
        groups = {item.name for item in items if isinstance(item, n.Group)}
        for item in items:
            if isinstance(item, n.Group):
                members: tuple[str, ...] = item.units
            elif isinstance(item, n.Rule):
                members = tuple(u for u in item.units if u not in groups)
            else:
                continue
            for unit in members:
                if unicodedata.normalize("NFC", unit) not in names:
                    close = difflib.get_close_matches(unit, sorted(names), n=1)
                    c.problem(f"unit {unit} is not declared (the plan declares its units with `unit`)", item.span,
                              hint=f"did you mean {close[0]}?" if close else None)


def _start(w: n.When):  # type: ignore[no-untyped-def]
    return w.period.start if isinstance(w, n.PeriodRef) else w.date


def _end(w: n.When):  # type: ignore[no-untyped-def]
    return w.period.end if isinstance(w, n.PeriodRef) else w.date


def expr_type(expr: n.Expr) -> str:
    """The static type of an expression: "number", "boolean", "text" or "any"."""
    return _Checker(None)._type(expr, False)


def check_plan(plan: n.Plan, lines: list[str] | None = None,
               ignore: Callable[[Diagnostic], bool] | None = None) -> None:
    """Raise :class:`KpiSemanticError` with every load-time problem of ``plan``."""
    diags = plan_diagnostics(plan, lines)
    if ignore is not None:
        diags = [d for d in diags if not ignore(d)]
    if diags:
        raise KpiSemanticError.from_diagnostics(capped(diags))

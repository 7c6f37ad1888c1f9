"""kpirules benchmark: compiled conditions, parsing, end-to-end check, CSV loading, the national roll-up.

    python bench/run.py            # the full sizes (4 to 7 minutes, ~300 MB for part d)
    python bench/run.py --quick    # small sizes, for a smoke run

Every figure is the median of at least 5 timed runs, and every ratio compares
two figures measured in the same run.  The peer engines (rule-engine,
json-logic-modernized, cel-python; `pip install -e '.[bench]'`) are optional:
a missing one prints "not installed".  docs/performance.md explains the method
and records a run.
"""

from __future__ import annotations

import argparse
import csv
import gc
import io
import json
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
import tracemalloc
from collections.abc import Callable
from fractions import Fraction
from typing import Any

try:
    import resource  # the CPU time of child processes (POSIX)
except ImportError:  # pragma: no cover - Windows
    resource = None  # type: ignore[assignment]

import kpirules
import kpirules.lang.parser
from kpirules import nodes as n
from kpirules.cli.check import render_json, rollup_text
from kpirules.engine.compile import Env
from kpirules.engine.conditions import compile_condition, compile_truth
from kpirules.lang.grammar import lark_parser
from kpirules.data import Data, Source, load_data
from kpirules.periods import parse_period

RUNS = 5
ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def median_time(fn: Callable[[], Any], runs: int = RUNS) -> float:
    """The median CPU time of ``runs`` calls, in seconds (garbage collection on, as in real use).

    CPU time (time.process_time), like interleaved_cpu_medians, so that ratios
    between the two compare like with like and a wait for the CPU is not work.
    """
    times = []
    for _ in range(runs):
        t = time.process_time()
        fn()
        times.append(time.process_time() - t)
    return statistics.median(times)


def interleaved_cpu_medians(fns: list[Callable[[], Any]], runs: int = RUNS) -> list[float]:
    """The median CPU time (time.process_time) of ``runs`` calls of each function, in seconds.

    The functions take turns (f, g, f, g, ...), so a busy moment on a shared machine falls on
    both; garbage collection is on, as in real use, and collected between calls.
    """
    times: list[list[float]] = [[] for _ in fns]
    for _ in range(runs):
        for fn, ts in zip(fns, times):
            gc.collect()
            t = time.process_time()
            fn()
            ts.append(time.process_time() - t)
    return [statistics.median(ts) for ts in times]


def table(rows: list[tuple[str, ...]], head: tuple[str, ...]) -> str:
    rows = [head] + rows
    widths = [max(len(r[i]) for r in rows) for i in range(len(head))]
    lines = ["| " + " | ".join(c.ljust(w) for c, w in zip(r, widths)) + " |" for r in rows]
    lines.insert(1, "| " + " | ".join("-" * w for w in widths) + " |")
    return "\n".join(lines)


def us(seconds: float) -> str:
    return f"{seconds * 1e6:.3f} µs" if seconds < 1e-5 else f"{seconds * 1e6:.1f} µs"


# --- (a) 20 ratio/boolean rules over snapshots of 16 fields -----------------------------------

NUMS = [f"n{i}" for i in range(12)]
FLAGS = [f"b{i}" for i in range(4)]

# a tiny spec language, so each engine gets the same 20 rules in its own syntax:
# ("ratio", num, den, op, pct) | ("change", new, old, op, pct) | ("flag", name) | ("ge", name, k)
# | ("and", x, y) | ("or", x, y) | ("not", x) | ("between", num, den, lo_pct, hi_pct)
SPECS: list[tuple[Any, ...]] = [
    ("ratio", "n0", "n1", ">=", 20),
    ("ratio", "n2", "n3", ">=", 30),
    ("ratio", "n4", "n5", ">=", 50),
    ("ratio", "n6", "n7", ">=", 80),
    ("ratio", "n8", "n9", ">=", 90),
    ("ratio", "n10", "n11", ">", 12.5),
    ("ratio", "n1", "n3", "<=", 150),
    ("flag", "b0"),
    ("flag", "b1"),
    ("and", ("ratio", "n0", "n1", ">=", 20), ("flag", "b2")),
    ("and", ("ratio", "n2", "n3", ">=", 30), ("ratio", "n4", "n5", ">=", 40)),
    ("or", ("ratio", "n6", "n7", ">=", 90), ("flag", "b3")),
    ("or", ("ratio", "n8", "n9", ">=", 95), ("ratio", "n10", "n11", ">=", 60)),
    ("change", "n4", "n6", "<=", -30),
    ("change", "n9", "n1", ">=", 10),
    ("ge", "n0", 100),
    ("ge", "n11", 2500),
    ("not", ("flag", "b1")),
    ("between", "n2", "n3", 20, 80),
    ("and", ("flag", "b0"), ("change", "n5", "n7", "<", 0)),
]


def _pct(p: float) -> str:
    return f"{p}%"


def to_kpi(s: tuple[Any, ...]) -> str:
    k = s[0]
    if k in ("ratio", "change"):
        return f"{k}({s[1]}, {s[2]}) {s[3]} {_pct(s[4])}"
    if k == "flag":
        return s[1]
    if k == "ge":
        return f"{s[1]} >= {s[2]}"
    if k in ("and", "or"):
        return f"({to_kpi(s[1])}) {k} ({to_kpi(s[2])})"
    if k == "not":
        return f"not ({to_kpi(s[1])})"
    return f"ratio({s[1]}, {s[2]}) between {_pct(s[3])} and {_pct(s[4])}"


def to_python(s: tuple[Any, ...]) -> str:
    """Plain Python over a dict of names (for compile()+eval, rule-engine and, with floats, the lambdas)."""
    k = s[0]
    if k == "ratio":
        return f"{s[1]} / {s[2]} {s[3]} {s[4] / 100!r}"
    if k == "change":
        return f"({s[1]} - {s[2]}) / {s[2]} {s[3]} {s[4] / 100!r}"
    if k == "flag":
        return s[1]
    if k == "ge":
        return f"{s[1]} >= {s[2]}"
    if k in ("and", "or"):
        return f"({to_python(s[1])}) {k} ({to_python(s[2])})"
    if k == "not":
        return f"not ({to_python(s[1])})"
    return f"{s[3] / 100!r} <= {s[1]} / {s[2]} <= {s[4] / 100!r}"


def to_rule_engine(s: tuple[Any, ...]) -> str:
    k = s[0]
    if k == "between":
        return f"{s[1]} / {s[2]} >= {s[3] / 100!r} and {s[1]} / {s[2]} <= {s[4] / 100!r}"
    if k in ("and", "or"):
        return f"({to_rule_engine(s[1])}) {k} ({to_rule_engine(s[2])})"
    if k == "not":
        return f"not ({to_rule_engine(s[1])})"
    return to_python(s)


def to_cel(s: tuple[Any, ...]) -> str:
    k = s[0]
    if k == "ratio":
        return f"double({s[1]}) / double({s[2]}) {s[3]} {s[4] / 100!r}"
    if k == "change":
        return f"double({s[1]} - {s[2]}) / double({s[2]}) {s[3]} {s[4] / 100!r}"
    if k == "flag":
        return s[1]
    if k == "ge":
        return f"{s[1]} >= {s[2]}"
    if k in ("and", "or"):
        return f"({to_cel(s[1])}) {'&&' if k == 'and' else '||'} ({to_cel(s[2])})"
    if k == "not":
        return f"!({to_cel(s[1])})"
    return f"double({s[1]}) / double({s[2]}) >= {s[3] / 100!r} && double({s[1]}) / double({s[2]}) <= {s[4] / 100!r}"


def to_json_logic(s: tuple[Any, ...]) -> Any:
    k = s[0]
    if k == "ratio":
        return {s[3]: [{"/": [{"var": s[1]}, {"var": s[2]}]}, s[4] / 100]}
    if k == "change":
        return {s[3]: [{"/": [{"-": [{"var": s[1]}, {"var": s[2]}]}, {"var": s[2]}]}, s[4] / 100]}
    if k == "flag":
        return {"var": s[1]}
    if k == "ge":
        return {">=": [{"var": s[1]}, s[2]]}
    if k in ("and", "or"):
        return {k: [to_json_logic(s[1]), to_json_logic(s[2])]}
    if k == "not":
        return {"!": [to_json_logic(s[1])]}
    ratio = {"/": [{"var": s[1]}, {"var": s[2]}]}
    return {"<=": [s[3] / 100, ratio, s[4] / 100]}


def to_lambda(s: tuple[Any, ...]) -> Callable[[dict[str, Any]], Any]:
    """What one would write by hand: floats, .get, None for missing data or a zero denominator."""
    k = s[0]
    if k in ("ratio", "change", "between"):
        a, b = s[1], s[2]
        num = "x" if k != "change" else "(x - y)"
        if k == "between":
            test = f"{s[3] / 100!r} <= x / y <= {s[4] / 100!r}"
        else:
            test = f"{num} / y {s[3]} {s[4] / 100!r}"
        src = f"lambda s: None if (x := s.get({a!r})) is None or not (y := s.get({b!r})) else {test}"
        return eval(src)  # noqa: S307 - our own fixed text
    if k == "flag":
        name = s[1]
        return lambda d: d.get(name)
    if k == "ge":
        name, bound = s[1], s[2]
        return lambda d: None if (v := d.get(name)) is None else v >= bound
    if k == "not":
        f = to_lambda(s[1])
        return lambda d: None if (v := f(d)) is None else not v
    fa, fb = to_lambda(s[1]), to_lambda(s[2])
    if k == "and":
        return lambda d: fa(d) and fb(d)
    return lambda d: fa(d) or fb(d)


def make_snapshots(count: int, rng: random.Random) -> list[dict[str, Any]]:
    """Snapshots of 16 fields; 5% with a zero denominator, 5% with a missing field."""
    out = []
    dens = NUMS[1::2] + ["n3", "n6", "n7"]
    for _ in range(count):
        s: dict[str, Any] = {}
        for name in NUMS:
            s[name] = rng.randint(1, 5000)
        for i, name in enumerate(NUMS[0::2]):  # numerators mostly below their denominators
            s[name] = rng.randint(0, s[NUMS[2 * i + 1]])
        for name in FLAGS:
            s[name] = rng.random() < 0.7
        r = rng.random()
        if r < 0.05:
            s[rng.choice(dens)] = 0
        elif r < 0.10:
            del s[rng.choice(NUMS + FLAGS)]
        out.append(s)
    return out


def _tri(v: Any) -> bool | None:
    return v if isinstance(v, bool) else None


def bench_rules(size: int, peer_size: int, cel_size: int) -> str:
    rng = random.Random(7)
    snaps = make_snapshots(size, rng)
    period = parse_period("2020-Q4")
    data = Data()
    src = Source("<bench>", "")
    for i, s in enumerate(snaps):
        unit = f"u{i}"
        data.add_snapshot(period, unit, src)
        data.snapshots[(period.key, unit)].update(s)  # values as loaded: ints and booleans
    units = [f"u{i}" for i in range(size)]
    plan = kpirules.parse("\n".join(f"rule r{i}: {to_kpi(s)}" for i, s in enumerate(SPECS)))
    conds = [r.condition for r in plan.rules]
    truths = [compile_truth(c, plan.scheme, plan.kind) for c in conds]
    fulls = [compile_condition(c, plan.scheme, plan.kind) for c in conds]
    lambdas = [to_lambda(s) for s in SPECS]
    codes = [compile(to_python(s), f"<rule {i}>", "eval") for i, s in enumerate(SPECS)]
    evals = size * len(SPECS)

    def run_truth(limit: int = size) -> list[Any]:
        out = []
        for u in units[:limit]:
            env = Env(data, period, u)
            out.append([f(env) for f in truths])
        return out

    def run_full() -> None:
        for u in units:
            env = Env(data, period, u)
            for f in fulls:
                f(env)

    def run_lambdas() -> list[Any]:
        return [[f(s) for f in lambdas] for s in snaps]

    def run_eval(limit: int = size) -> list[Any]:
        out = []
        for s in snaps[:limit]:
            row = []
            for c in codes:
                try:
                    row.append(eval(c, {}, s))  # noqa: S307 - our own fixed text
                except (NameError, ZeroDivisionError, TypeError):
                    row.append(None)
            out.append(row)
        return out

    # the public path: the same 20 rules as a plan, judged for each unit (snapshot) by Plan.evaluate
    public = kpirules.parse("\n".join(f"rule r{i}:\n  for each unit:\n    {to_kpi(s)}" for i, s in enumerate(SPECS)))
    answer = {"met": True, "not_met": False}

    def run_public() -> list[Any]:  # every status read
        return [r.status for r in public.evaluate(data, "2021-02-01", current=period)]

    def run_public_statuses() -> list[Any]:  # every status read from the columns (no Result made)
        return public.evaluate(data, "2021-02-01", current=period).statuses()

    def run_public_values() -> list[Any]:  # every status, value and target read
        return [(r.status, r.value, r.target) for r in public.evaluate(data, "2021-02-01", current=period)]

    def public_answers() -> list[list[Any]]:  # as run_truth's rows: per snapshot, per rule
        got = {(r.id, r.unit): answer.get(r.status._value_)
               for r in public.evaluate(data, "2021-02-01", current=period)}
        return [[got[f"r{k}", u] for k in range(len(SPECS))] for u in units]

    reference = [[_tri(v) for v in row] for row in run_truth()]

    def agreement(answers: list[list[Any]]) -> str:
        both = same = 0
        for ref_row, row in zip(reference, answers):
            for r, v in zip(ref_row, row):
                v = _tri(v)
                if r is not None and v is not None:
                    both += 1
                    same += r == v
        return f"{100 * same / both:.2f}% of {both}" if both else "-"

    # the in-process ways take turns, on CPU time, so a busy moment falls on each of them
    t_lambda, t_truth, t_full, t_eval, t_public, t_statuses, t_public_values = (
        t / evals for t in interleaved_cpu_medians(
            [run_lambdas, run_truth, run_full, run_eval, run_public, run_public_statuses, run_public_values]))
    rows: list[tuple[str, ...]] = []

    def add(name: str, per_eval: float, agree: str, note: str = "", ours: float | None = None) -> None:
        """A row; ``ours``: kpirules' truth per evaluation on the same snapshots, timed in turns with it."""
        ours = t_truth if ours is None else ours
        rows.append((name, us(per_eval), f"{per_eval / t_lambda:.2f}×", f"{per_eval / ours:.2f}×", agree, note))

    def with_ours(run_peer: Callable[[], Any], limit: int) -> tuple[float, float]:
        """A peer's and kpirules' truth's cost per evaluation on the first ``limit`` snapshots, in turns.

        kpirules goes over those snapshots once in a timed call, or, for fewer than 2,000, as many
        times as makes 2,000, so that its call lasts long enough to time.
        """
        times = max(1, 2000 // limit)
        t_peer, t_ours = interleaved_cpu_medians([run_peer, lambda: [run_truth(limit) for _ in range(times)]])
        return t_peer / (limit * len(SPECS)), t_ours / (times * limit * len(SPECS))

    add("hand-written Python lambdas (float)", t_lambda, agreement(run_lambdas()), f"{size:,} snapshots")
    add("kpirules compiled (truth)", t_truth, "100% (reference)", "exact; Undefined (reasons when read)")
    add("kpirules compiled (truth, value, target)", t_full, "same", "exact value built too")
    add("kpirules Plan.evaluate, every status read", t_public, agreement(public_answers()),
        "the public API: a Result per rule and unit")
    add("kpirules Plan.evaluate, Results.statuses()", t_statuses, "same",
        "the public API: the statuses, no Result made")
    add("kpirules Plan.evaluate, every value read", t_public_values, "same", "exact value and target built when read")
    add("Python compile()+eval (float)", t_eval, agreement(run_eval()), "exceptions → no answer")

    try:
        import rule_engine
    except ImportError:
        rows.append(("rule-engine", "not installed", "", "", "", ""))
    else:
        rules = [rule_engine.Rule(to_rule_engine(s)) for s in SPECS]

        def run_re() -> list[Any]:
            out = []
            for s in snaps[:peer_size]:
                row = []
                for r in rules:
                    try:
                        row.append(r.evaluate(s))
                    except rule_engine.errors.EngineError:
                        row.append(None)
                out.append(row)
            return out

        t_re, t_k = with_ours(run_re, peer_size)
        add(f"rule-engine {_version('rule-engine')}", t_re, agreement(run_re()), f"first {peer_size:,} snapshots", t_k)

    try:
        from json_logic import jsonLogic
    except ImportError:
        rows.append(("json-logic-modernized", "not installed", "", "", "", ""))
    else:
        jl = [to_json_logic(s) for s in SPECS]

        def run_jl() -> list[Any]:
            out = []
            for s in snaps[:peer_size]:
                row = []
                for r in jl:
                    try:
                        row.append(jsonLogic(r, s))
                    except (TypeError, ZeroDivisionError, ValueError):
                        row.append(None)
                out.append(row)
            return out

        t_jl, t_k = with_ours(run_jl, peer_size)
        add(f"json-logic-modernized {_version('json-logic-modernized')}", t_jl, agreement(run_jl()),
            f"first {peer_size:,} snapshots", t_k)

    try:
        import celpy
    except ImportError:
        rows.append(("cel-python", "not installed", "", "", "", ""))
    else:
        env = celpy.Environment()
        progs = [env.program(env.compile(to_cel(s))) for s in SPECS]
        acts = [celpy.json_to_cel(s) for s in snaps[:cel_size]]

        def run_cel() -> list[Any]:
            out = []
            for a in acts:
                row = []
                for p in progs:
                    try:
                        v = p.evaluate(a)
                    except Exception:  # noqa: BLE001 - any failure is "no answer"
                        v = None
                    row.append(bool(v) if isinstance(v, celpy.celtypes.BoolType) else None)
                out.append(row)
            return out

        t_cel, t_k = with_ours(run_cel, cel_size)
        add(f"cel-python {_version('cel-python')}", t_cel, agreement(run_cel()), f"first {cel_size:,} snapshots", t_k)

    head = ("engine", "per rule evaluation", "× lambdas", "× kpirules", "agrees with kpirules", "note")
    return (f"(a) {len(SPECS)} ratio/boolean rules × {size:,} snapshots of 16 fields "
            f"(5% zero denominator, 5% missing field)\n\n" + table(rows, head))


def _version(dist: str) -> str:
    from importlib.metadata import version

    try:
        return version(dist)
    except Exception:  # noqa: BLE001
        return "?"


# --- (b) parse + compile of generated rules ------------------------------------------------


def generated_rules(count: int, rng: random.Random) -> str:
    lines = ['plan "bench"', "  reporting quarterly cutoff 15 due 20", ""]
    for i in range(count):
        a, b, c = (f"m{rng.randrange(60)}" for _ in range(3))
        p = rng.choice(["20%", "30%", "12.5%", "80%", "1/3"])
        form = i % 4
        if form == 0:
            cond = f"ratio({a}, {b}) >= {p} by 2020"
        elif form == 1:
            cond = f"ratio({a}, {b}) >= {p} and flag{i % 7} by Q4/2019"
        elif form == 2:
            cond = f"change({a}, {a} at 2018) <= -30% by 2020"
        else:
            cond = f"for each unit: {a} + {b} >= 2 * {c} from 2021 to 2025"
        lines.append(f'rule r.{i} "Chỉ tiêu {i}":\n  {cond}\n  lead TTCNTT\n')
    return "\n".join(lines)


def plain_parse(text: str) -> kpirules.Plan:
    """kpirules.parse with the fast path off: lark's own parse, its tree, then the tree builder."""
    real = kpirules.lang.parser.fast_parse
    kpirules.lang.parser.fast_parse = lambda *args: None
    try:
        return kpirules.parse(text)
    finally:
        kpirules.lang.parser.fast_parse = real


def bench_parse(sizes: list[int]) -> str:
    rows: list[tuple[str, ...]] = []
    try:
        import rule_engine
    except ImportError:
        rule_engine = None
    for count in sizes:
        text = generated_rules(count, random.Random(count))
        lark = lark_parser()
        t_lark, t_ours, t_plain = interleaved_cpu_medians(
            [lambda: lark.parse(text), lambda: kpirules.parse(text), lambda: plain_parse(text)])
        note = ""
        if rule_engine is not None and count <= 1000:
            # like for like: the same short rules of (a) in both, rule-engine with one shared
            # Context (its default Context costs more to make than the rule to parse)
            specs = [SPECS[i % len(SPECS)] for i in range(count)]
            exprs = [to_rule_engine(sp) for sp in specs]
            same = "\n".join(f"rule r{i}: {to_kpi(sp)}" for i, sp in enumerate(specs))
            context = rule_engine.Context()
            t_re, t_same = interleaved_cpu_medians([lambda: [rule_engine.Rule(e, context=context) for e in exprs],
                                                    lambda: kpirules.parse(same)])
            note = (f"{count:,} rules cycling the {len(SPECS)} of (a): rule-engine {t_re * 1e3:.0f} ms, "
                    f"kpirules {t_same * 1e3:.0f} ms ({t_same / t_re:.2f}×)")
        rows.append((f"{count:,} rules ({len(text) / 1e3:.0f} kB)", f"{t_lark * 1e3:.0f} ms",
                     f"{t_ours * 1e3:.0f} ms", f"{t_ours / t_lark:.2f}×",
                     f"{t_plain * 1e3:.0f} ms", f"{t_plain / t_lark:.2f}×",
                     f"{t_ours / count * 1e6:.0f} µs", note))
    head = ("rules", "lark bare parse", "kpirules.parse (parse+check+compile)", "× lark",
            "the same without the fast path", "× lark", "per rule", "note")
    return "(b) parse + check + compile of generated rules vs lark's bare parse (same grammar, same text)\n\n" + table(
        rows, head)


def bench_parse_growth(sizes: list[int]) -> str:
    """(b) at the sizes of issue 20 (item 4): kpirules.parse and lark's bare parse, one run each in turns."""
    rows: list[tuple[str, ...]] = []
    lark = lark_parser()
    first: float | None = None
    for count in sizes:
        text = generated_rules(count, random.Random(count))
        t_lark, t_ours = interleaved_cpu_medians([lambda: lark.parse(text), lambda: kpirules.parse(text)], runs=1)
        per_rule = t_ours / count
        first = first or per_rule
        rows.append((f"{count:,} rules ({len(text) / 1e6:.1f} MB)", f"{t_lark:.2f} s", f"{t_ours:.2f} s",
                     f"{t_ours / t_lark:.2f}×", f"{per_rule * 1e6:.0f} µs", f"{per_rule / first:.2f}×"))
    head = ("rules", "lark bare parse", "kpirules.parse (parse+check+compile)", "× lark", "per rule",
            "per rule × the smallest's")
    return ("(b) growth: the same, one run each (in turns) at larger sizes\n\n" + table(rows, head))


# --- (c) check rules/nq17_bkhcn.kpi over 1,000 units × 28 quarters ------------------------------


def _metric_types(plan: kpirules.Plan) -> tuple[dict[str, str], set[str]]:
    """Each metric of the plan: "bool" if it stands as a condition, else "num"; and the per-unit ones."""
    types: dict[str, str] = {}
    per_unit: set[str] = set()
    for rule in plan.rules:
        cond = rule.condition
        for node in n.walk(cond):
            if isinstance(node, n.Metric):
                types.setdefault(node.name, "num")
                if rule.per_unit:
                    per_unit.add(node.name)
        flags = [cond] if isinstance(cond, n.Metric) else []
        for node in n.walk(cond):
            if isinstance(node, (n.Logic, n.Not)):
                flags.extend(c for c in n.children(node) if isinstance(c, n.Metric))
            if isinstance(node, n.Compare) and isinstance(node.right, n.Bool) and isinstance(node.left, n.Metric):
                flags.append(node.left)
        for f in flags:
            types[f.name] = "bool"
    return types, per_unit


def write_plan_data(plan: kpirules.Plan, units: int, quarters: int, path: str, rng: random.Random) -> int:
    """A JSON data file: plan-level values of every metric and per-unit values of the per-unit metrics."""
    types, per_unit = _metric_types(plan)
    periods = [f"{2019 + q // 4}-Q{q % 4 + 1}" for q in range(quarters)]
    snaps: list[dict[str, Any]] = []
    values = 0

    def value(name: str) -> Any:
        if types[name] == "bool":
            return rng.random() < 0.6
        return rng.randint(0, 1000) if rng.random() > 0.02 else 0

    for p in periods:
        snaps.append({"period": p, "values": {m: value(m) for m in types}})
        values += len(types)
        for u in range(units):
            vals = {m: value(m) for m in sorted(per_unit)}
            if rng.random() < 0.03:
                vals.popitem()
            snaps.append({"period": p, "unit": f"DV{u:04d}", "values": vals})
            values += len(vals)
    with open(path, "w", encoding="utf-8") as fh:
        json.dump({"snapshots": snaps}, fh)
    return values


def bench_check(units: int, quarters: int, tmp: str) -> str:
    path = os.path.join(ROOT, "rules", "nq17_bkhcn.kpi")
    if not os.path.exists(path):
        path = os.path.join(tmp, "generated.kpi")
        with open(path, "w", encoding="utf-8") as fh:
            fh.write(generated_rules(40, random.Random(1)))
    data_path = os.path.join(tmp, "check.json")
    nvalues = write_plan_data(kpirules.load(path), units, quarters, data_path, random.Random(3))
    last = parse_period(f"{2019 + (quarters - 1) // 4}-Q{(quarters - 1) % 4 + 1}")
    name = os.path.relpath(path, ROOT) if path.startswith(ROOT) else "a generated plan"
    head = (f"(c) `check` of {name} over {units:,} units × {quarters} quarters "
            f"({nvalues:,} values, {os.path.getsize(data_path) / 1e6:.1f} MB JSON)")

    def one(plan: Any, data: Data) -> list[Any]:  # `check --as-of 2023-12-18`: the current quarter only
        return [plan.evaluate(data, "2023-12-18")]

    def every(plan: Any, data: Data) -> list[Any]:  # `check --period all`: each quarter, on its due date
        return plan.evaluate_periods(data, None, last.due)

    def render(plan: Any, checks: list[Any]) -> None:  # the text `check --format json` writes
        if len(checks) == 1:
            render_json(checks[0])
        else:
            rollup_text(plan, last.due, checks)

    return "\n\n".join([
        head,
        _cold_start(path, data_path),
        _check_split(path, data_path, nvalues, one, render, "one quarter (`check --as-of 2023-12-18`: 2023-Q4)"),
        _check_split(path, data_path, nvalues, every, render,
                     f"every quarter (`check --period all --as-of {last.due.isoformat()}`: a roll-up)"),
    ])


def bench_startup(tmp: str) -> str:
    """The fresh processes of part c alone (with its plan and a 50-unit data file): start-up."""
    path = os.path.join(ROOT, "rules", "nq17_bkhcn.kpi")
    data_path = os.path.join(tmp, "startup.json")
    write_plan_data(kpirules.load(path), 50, 28, data_path, random.Random(3))
    return "(s) start-up\n\n" + _cold_start(path, data_path)


def _child_cpu(argv: list[str], walls: list[float] | None = None) -> float:
    """The CPU time (user + system) of running ``argv`` in a new process (its wall time put in ``walls``)."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    t = time.perf_counter()
    subprocess.run(argv, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=False, cwd=ROOT)
    if walls is not None:
        walls.append(time.perf_counter() - t)
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


def _cold_start(path: str, data_path: str) -> str:
    """What a command line run costs beyond the steps timed in one process: starting Python, importing,
    building the grammar's parser, the first parse (lexer regexes made on first use)."""
    if resource is None:  # pragma: no cover - Windows
        return "a fresh process: not measured here (the resource module is POSIX only)"
    py = sys.executable
    steps = [
        ("Python starts", [py, "-c", "pass"]),
        ("+ import kpirules", [py, "-c", "import kpirules"]),
        ("+ load the plan (lark's parser read from the cache, lexer regexes made)",
         [py, "-c", f"import kpirules; kpirules.load({path!r})"]),
        ("whole `kpirules check --as-of 2023-12-18 --format json`",
         [py, "-m", "kpirules", "check", path, "--data", data_path, "--as-of", "2023-12-18", "--format", "json"]),
        ("the shipped example: `kpirules check rules/nq17_bkhcn.kpi --data examples/nq17_bkhcn/data.json "
         "--as-of 2020-12-18` (docs/getting-started.md)",
         [os.path.join(os.path.dirname(py), "kpirules"), "check", "rules/nq17_bkhcn.kpi", "--data",
          "examples/nq17_bkhcn/data.json", "--as-of", "2020-12-18"]),
    ]
    times: list[list[float]] = [[] for _ in steps]
    walls: list[list[float]] = [[] for _ in steps]
    for _ in range(RUNS):  # taking turns, as interleaved_cpu_medians does
        for (_, argv), ts, ws in zip(steps, times, walls):
            ts.append(_child_cpu(argv, ws))
    rows = [(what, f"{statistics.median(ts) * 1e3:.0f} ms", f"{statistics.median(ws) * 1e3:.0f} ms")
            for (what, _), ts, ws in zip(steps, times, walls)]
    return ("a fresh process, as the command line runs (CPU time and wall time of the child, medians)\n\n"
            + table(rows, ("process", "CPU time", "wall")))


def _check_split(path: str, data_path: str, nvalues: int, evaluate: Callable[[Any, Data], list[Any]],
                 render: Callable[[Any, list[Any]], None], what: str) -> str:
    split: dict[str, list[float]] = {"load plan": [], "load data": [], "evaluate": [], "sanity warnings": [],
                                     "render JSON": []}
    nresults = nperiods = 0
    bare_json: list[float] = []  # the standard library's json.loads of the same file, no hooks: a reference
    collector: list[float] = []  # the garbage collector's pauses while the data loads
    pauses: list[float] = []

    def pause(phase: str, info: dict[str, int]) -> None:
        pauses.append(time.perf_counter())

    for _ in range(RUNS):
        gc.collect()  # the last run's results (a cycle with their evaluation) are not this run's to free
        t0 = time.perf_counter()
        plan = kpirules.load(path)
        t1 = time.perf_counter()
        with open(data_path, encoding="utf-8") as fh:  # the reference, in the same state as the load
            doc = json.loads(fh.read())
        bare_json.append(time.perf_counter() - t1)
        del doc
        t1b = time.perf_counter()
        pauses.clear()
        gc.callbacks.append(pause)
        try:
            data = load_data(data_path)
        finally:
            gc.callbacks.remove(pause)
        t2 = time.perf_counter()
        collector.append(sum(b - a for a, b in zip(pauses[::2], pauses[1::2])))
        checks = evaluate(plan, data)
        t3 = time.perf_counter()
        for results in checks:
            results.warnings  # the sanity warnings (sanity.py), computed once and part of the output
        t4 = time.perf_counter()
        render(plan, checks)
        t5 = time.perf_counter()
        for k, a, b in zip(split, (t0, t1b, t2, t3, t4), (t1, t2, t3, t4, t5)):
            split[k].append(b - a)
        nresults, nperiods = sum(map(len, checks)), len(checks)
        del plan, data, checks
    gc.collect()
    tracemalloc.start()
    plan = kpirules.load(path)
    data = load_data(data_path)
    after_load = tracemalloc.get_traced_memory()[0]
    checks = evaluate(plan, data)
    render(plan, checks)
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    del plan, data, checks
    med = {k: statistics.median(v) for k, v in split.items()}
    total = sum(med.values())
    rows = [(k, f"{v * 1e3:.1f} ms", f"{100 * v / total:.0f}%") for k, v in med.items()]
    rows.append(("total", f"{total * 1e3:.1f} ms", "100%"))
    t_json, t_gc = statistics.median(bare_json), statistics.median(collector)
    rows.insert(2, ("· of which the collector's pauses", f"{t_gc * 1e3:.1f} ms", f"{100 * t_gc / total:.0f}%"))
    rows.append(("reference: json.loads of the file (no hooks)", f"{t_json * 1e3:.1f} ms",
                 f"{100 * t_json / total:.0f}%"))
    return (f"{what}: {nperiods} period{'s' * (nperiods != 1)}, {nresults:,} results\n\n"
            + table(rows, ("step", "median", "share"))
            + f"\n\npeak traced memory {peak / 1e6:.1f} MB (held after loading the plan and the data: "
              f"{after_load / 1e6:.1f} MB, {after_load / nvalues:.0f} MB per million values)")


# --- (f) the national roll-up of issue 20 (item 3) ------------------------------------------


def bench_national(sizes: list[int], quarters: int, tmp: str) -> str:
    """`check --period all` of rules/nq17_national.kpi, its groups listing ``units`` units, over
    ``quarters`` quarters: each step's CPU time beside loading the data, in the same rounds."""
    from report import write_inputs  # (bench/report.py: the same plan and data as the report's bench)

    last = parse_period(f"{2019 + (quarters - 1) // 4}-Q{(quarters - 1) % 4 + 1}")
    steps = ("load data", "evaluate", "sanity warnings", "render JSON")
    rows: list[tuple[str, ...]] = []
    base: dict[str, float] = {}
    for units in sizes:
        folder = os.path.join(tmp, f"national{units}")
        os.makedirs(folder, exist_ok=True)
        plan_path, data_path = write_inputs(units, folder, quarters)
        plan = kpirules.load(plan_path)
        times: dict[str, list[float]] = {k: [] for k in steps}
        nresults = 0
        for _ in range(RUNS):  # each round: the four steps one after the other, as the command line runs them
            gc.collect()
            t0 = time.process_time()
            data = load_data(data_path)
            t1 = time.process_time()
            checks = plan.evaluate_periods(data, None, last.due)
            t2 = time.process_time()
            for results in checks:
                results.warnings
            t3 = time.process_time()
            rollup_text(plan, last.due, checks)
            t4 = time.process_time()
            for k, a, b in zip(steps, (t0, t1, t2, t3), (t1, t2, t3, t4)):
                times[k].append(b - a)
            nresults = sum(map(len, checks))
            del data, checks
        med = {k: statistics.median(v) for k, v in times.items()}
        for k in steps:
            per = med[k] / nresults
            base.setdefault(k, per)
            rows.append((f"{units:,} units, {nresults:,} results", k, f"{med[k] * 1e3:.0f} ms",
                         f"{med[k] / med['load data']:.2f}×", f"{per * 1e6:.2f} µs", f"{per / base[k]:.2f}×"))
    head = ("roll-up", "step", "median CPU time", "× load data", "per result", "per result × the smallest's")
    return (f"(f) `check --period all` of rules/nq17_national.kpi, its groups listing the units, {quarters} quarters "
            f"(2019-Q1…{last.label}), medians of {RUNS} rounds\n\n" + table(rows, head))


# --- (d) loading a long-form CSV -------------------------------------------------------------


def write_csv(rows: int, path: str, rng: random.Random) -> None:
    metrics = [f"metric_{i}" for i in range(36)]
    units = [f"DV{i:04d}" for i in range(1000)]
    written = 0
    with open(path, "w", encoding="utf-8", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(["period", "unit", "metric", "value"])
        q = 0
        while written < rows:
            period = f"{2019 + q // 4}-Q{q % 4 + 1}"
            for u in units:
                for m in metrics:
                    if written >= rows:
                        break
                    r = rng.random()
                    v = rng.randint(0, 10000) if r < 0.8 else (f"{rng.randint(0, 9999) / 100}" if r < 0.95 else
                                                                  rng.choice(["true", "false", "20%"]))
                    w.writerow([period, u, m, v])
                    written += 1
            q += 1


def bench_csv(rows: int, tmp: str) -> str:
    path = os.path.join(tmp, "values.csv")
    write_csv(rows, path, random.Random(5))

    def bare() -> None:
        with open(path, encoding="utf-8", newline="") as fh:
            for _ in csv.reader(fh):  # every row read, nothing kept
                pass

    # CPU time (time.process_time) rather than wall time: the machine is shared, and a wait for
    # the CPU is not work.  The two readers take turns, so both see the same load on the machine.
    t_csv, t_load = interleaved_cpu_medians([bare, lambda: load_data(path)])
    gc.collect()
    tracemalloc.start()
    data = load_data(path)
    current, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    del data
    out = [
        ("csv.reader over the file (every row)", f"{t_csv * 1e3:.0f} ms", "1.00×", f"{t_csv / rows * 1e6:.2f} µs"),
        ("kpirules.load_data", f"{t_load * 1e3:.0f} ms", f"{t_load / t_csv:.2f}×", f"{t_load / rows * 1e6:.2f} µs"),
    ]
    return (f"(d) loading a {rows:,}-row long-form CSV ({os.path.getsize(path) / 1e6:.1f} MB)\n\n"
            + table(out, ("reader", "median CPU time", "× csv", "per row"))
            + f"\n\nloaded Data: {current / 1e6:.0f} MB retained, {peak / 1e6:.0f} MB peak while loading "
              f"({current / rows:.0f} bytes retained per value)")


# --- (e) the long-form file of issue 20 (item 2) against DuckDB -------------------------------


def write_long_csv(units: int, path: str, rng: random.Random, quarters: int = 28, metrics: int = 50) -> int:
    """quarters × units × metrics rows of period,unit,metric,value; 40% of the values with two decimals."""
    names = [f"chi_tieu_{i:02d}" for i in range(metrics)]
    rows = 0
    with open(path, "w", encoding="utf-8", newline="") as fh:
        fh.write("period,unit,metric,value\n")
        for q in range(quarters):
            period = f"{2019 + q // 4}-Q{q % 4 + 1}"
            for u in range(units):
                prefix = f"{period},DV{u:04d},"
                lines = []
                for m in names:
                    if rng.random() < 0.4:
                        k = rng.randrange(10_000_000)
                        lines.append(f"{prefix}{m},{k // 100}.{k % 100:02d}\n")
                    else:
                        lines.append(f"{prefix}{m},{rng.randrange(100_000)}\n")
                fh.write("".join(lines))
                rows += metrics
    return rows


_CHILD = """
import resource, sys, time
t0 = time.process_time()
{imports}
t1 = time.process_time()
w = time.perf_counter()
{load}
t2 = time.process_time()
wall = time.perf_counter() - w
print(t2 - t1, wall, t1 - t0, resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024)
"""

READERS = {
    "kpirules.load_data": ("from kpirules import load_data", "data = load_data(sys.argv[1])"),
    "kpirules.load_data, then every value read": (
        "from kpirules import load_data", "data = load_data(sys.argv[1]); n = sum(map(len, data.snapshots.values()))"),
    "kpirules.load_data, Python reader (the reference)": (
        "from kpirules import load_data; import kpirules.data.duckcsv as d; d.MIN_BYTES = 1 << 62",
        "data = load_data(sys.argv[1])"),
    "DuckDB read_csv into a table": (
        "import duckdb", "con = duckdb.connect(); con.execute('SET enable_progress_bar = false'); "
        "con.execute('CREATE TABLE t AS SELECT * FROM read_csv(?, header = true)', [sys.argv[1]])"),
    "DuckDB, every column as text": (
        "import duckdb", "con = duckdb.connect(); con.execute('SET enable_progress_bar = false'); "
        "con.execute('CREATE TABLE t AS SELECT * FROM read_csv(?, header = true, all_varchar = true)', "
        "[sys.argv[1]])"),
}


def _reader_child(name: str, path: str) -> tuple[float, float, float, int]:
    imports, load = READERS[name]
    out = subprocess.run([sys.executable, "-c", _CHILD.format(imports=imports, load=load), path],
                         capture_output=True, text=True, check=True).stdout.splitlines()[-1].split()
    return float(out[0]), float(out[1]), float(out[2]), int(out[3])


def bench_long_csv(sizes: list[int], tmp: str, runs: int = 3) -> str:
    """kpirules.load_data and DuckDB on the same file, each in a fresh process, in turns: CPU time of the
    load (all threads), wall time, and the process's peak resident memory (imports included)."""
    rows_out: list[tuple[str, ...]] = []
    for units in sizes:
        path = os.path.join(tmp, f"long-{units}.csv")
        nrows = write_long_csv(units, path, random.Random(units))
        got: dict[str, list[tuple[float, float, float, int]]] = {name: [] for name in READERS}
        for _ in range(runs):
            for name in READERS:
                got[name].append(_reader_child(name, path))
        med = {name: tuple(statistics.median(x[i] for x in v) for i in range(4)) for name, v in got.items()}
        base = med["DuckDB read_csv into a table"]
        for name in READERS:
            cpu, wall, imp, rss = med[name]
            # (kpirules imports DuckDB in the load, when it reads the file with it: counted on both sides)
            with_import = (cpu + imp if name.startswith("DuckDB") else cpu) / (base[0] + base[2])
            rows_out.append((f"{nrows:,} rows ({os.path.getsize(path) / 1e6:.0f} MB)", name, f"{cpu:.2f} s",
                             f"{cpu / base[0]:.2f}×", f"{with_import:.2f}×", f"{wall:.2f} s",
                             f"{rss / 1e6:.0f} MB", f"{rss / base[3]:.2f}×", f"{imp * 1e3:.0f} ms"))
        os.remove(path)
    head = ("file", "reader", "CPU time of the load", "× DuckDB", "× DuckDB, importing duckdb counted", "wall",
            "peak memory (process)", "× DuckDB", "import (not in the load)")
    return (f"(e) the long-form file of issue 20: 28 quarters × units × 50 metrics, 40% of the values with two "
            f"decimals; each reader in a fresh process, medians of {runs} in turns\n\n" + table(rows_out, head))


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--quick", action="store_true", help="small sizes: a smoke run of about 30 seconds")
    ap.add_argument("--only", choices=("a", "b", "c", "d", "e", "f", "s"), action="append",
                    help="run only these parts (s: only the fresh processes of part c, the start-up)")
    ap.add_argument("--units", type=int, action="append",
                    help="(e): units of the long-form file (715: 1,001,000 rows; 7150: 10,010,000 rows)")
    ap.add_argument("--rounds", type=int, default=3, help="(e): rounds of the readers in turns (medians)")
    args = ap.parse_args(argv)
    parts = set(args.only or "abcdef")
    q = args.quick
    print(f"kpirules {kpirules.__version__}, Python {sys.version.split()[0]}, {os.cpu_count()} CPUs, "
          f"medians of {RUNS} runs{' (--quick sizes)' if q else ''}\n")
    with tempfile.TemporaryDirectory() as tmp:
        if "a" in parts:
            print(bench_rules(2000 if q else 20000, 200 if q else 2000, 20 if q else 100), end="\n\n", flush=True)
        if "b" in parts:
            print(bench_parse([100, 1000] if q else [1000, 10000]), end="\n\n", flush=True)
            print(bench_parse_growth([1000, 4000] if q else [10_000, 40_000, 100_000]), end="\n\n", flush=True)
        if "c" in parts:
            print(bench_check(50 if q else 1000, 28, tmp), end="\n\n", flush=True)
        if "d" in parts:
            print(bench_csv(50_000 if q else 1_000_000, tmp), end="\n\n", flush=True)
        if "e" in parts:
            print(bench_long_csv(args.units or ([36] if q else [715]), tmp, args.rounds), end="\n\n", flush=True)
        if "s" in parts and "c" not in parts:
            print(bench_startup(tmp), end="\n\n", flush=True)
        if "f" in parts:
            print(bench_national([50, 100] if q else [175, 350, 700], 28, tmp), end="\n\n", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""Parsing, checking and compiling do work in proportion to the file (issue 20, item 4).

Timings are for the benchmark (bench/run.py, part b); these tests pin what makes the time
linear, by counting work: the Python calls made per rule, and the list elements copied into the
trees of lark's `item*` and `a, b, c` repetitions, must not grow with the number of rules.
A quadratic step (a list copied at each reduction, a scan of what came before) makes the count
per rule grow with the file.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from typing import Any

import pytest

import kpirules
import kpirules.lang.fast
from kpirules.fmt import format_text
from kpirules.lang.parser import parse_text


def rules_text(count: int) -> str:
    """A plan of ``count`` rules of several forms, a task and a group of ``count`` units."""
    lines = ['plan "linear"', "  reporting quarterly cutoff 15 due 20", ""]
    for i in range(count):
        a, b = f"m{i % 13}", f"m{(i * 7) % 11}"
        cond = [f"ratio({a}, {b}) >= 20% by 2020", f"ratio({a}, {b}) >= 1/3 and f{i % 5} by Q4/2019",
                f"change({a}, {a} at 2018) <= -30% by 2020",
                f"for each unit: {a} + {b} >= 2 * m{i % 3} from 2021 to 2025"][i % 4]
        lines.append(f'rule r.{i} "Chỉ tiêu {i}":\n  {cond}\n  lead TTCNTT\n')
    lines.append('task t.1 "Việc":\n  lead TTCNTT\n  due Q4/2020\n')
    lines.append("group all: " + ", ".join(f"DV{i}" for i in range(count)) + "\n")
    return "\n".join(lines)


def calls(fn: Callable[[], Any]) -> int:
    """The Python function calls made while running ``fn`` (C calls not counted)."""
    count = 0

    def profile(frame, event, arg):  # type: ignore[no-untyped-def]
        nonlocal count
        if event == "call":
            count += 1

    sys.setprofile(profile)
    try:
        fn()
    finally:
        sys.setprofile(None)
    return count


def plain_parse(text: str) -> kpirules.Plan:
    """kpirules.parse with the fast path off (lark's tree, then the tree builder)."""
    real = kpirules.lang.parser.fast_parse
    kpirules.lang.parser.fast_parse = lambda *args: None  # type: ignore[assignment]
    try:
        return kpirules.parse(text)
    finally:
        kpirules.lang.parser.fast_parse = real


WAYS: dict[str, Callable[[str], Any]] = {
    "kpirules.parse": kpirules.parse,
    "the plain path": plain_parse,
    "fmt": format_text,
}


@pytest.mark.parametrize("way", sorted(WAYS))
def test_calls_per_rule_do_not_grow_with_the_file(way: str) -> None:
    fn = WAYS[way]
    fn(rules_text(20))  # warm: the lexer regexes and generated code of each shape are made once
    small, large = 100, 400
    per_small = calls(lambda: fn(rules_text(small))) / small
    per_large = calls(lambda: fn(rules_text(large))) / large
    # the fixed costs (the plan, its header) weigh less in the large file, so per rule it may cost less
    assert per_large <= per_small * 1.05, (way, per_small, per_large)


def test_repetitions_grow_one_list_in_place() -> None:
    """The fast path's trees of `item*` and `a, b, c` take over the list of the repetition so far
    (as lark's own tree does) instead of copying it at each item."""
    real = kpirules.lang.fast.Tree
    copied = [0]
    lists: dict[int, list[Any]] = {}  # kept alive, so that no id is used twice

    class Counting(real):  # type: ignore[misc, valid-type]
        def __init__(self, data: str, children: list[Any], *args: Any) -> None:
            if id(children) not in lists:
                lists[id(children)] = children
                copied[0] += len(children)
            super().__init__(data, children, *args)

    kpirules.lang.fast.Tree = Counting  # type: ignore[misc]
    try:
        per_rule = []
        for count in (100, 400):
            copied[0] = 0
            lists.clear()
            plan = parse_text(rules_text(count))
            assert len([i for i in plan.items if isinstance(i, kpirules.nodes.Rule)]) == count
            per_rule.append(copied[0] / count)
    finally:
        kpirules.lang.fast.Tree = real  # type: ignore[misc]
    assert per_rule[0] > 0  # the repetitions do go through Tree
    assert per_rule[1] <= per_rule[0] * 1.05, per_rule


def test_the_fast_path_is_taken_for_the_text_of_these_tests() -> None:
    from kpirules.lang.fast import fast_parse

    text = rules_text(30)
    assert fast_parse(text, None, text.split("\n")) is not None

"""The fast parse (nodes built during parsing) gives exactly what lark's tree + transformer gives."""

from __future__ import annotations

from pathlib import Path

import attrs
import pytest
from hypothesis import HealthCheck, given, settings

from kpirules import _parser
from kpirules import nodes as n
from kpirules.testing import plan_texts

ROOT = Path(__file__).resolve().parents[1]
KPI_FILES = sorted(p for p in ROOT.rglob("*.kpi") if ".venv" not in p.parts)


def slow(text: str) -> n.Plan:
    lines = text.split("\n")
    return _parser._Builder("f.kpi", lines).transform(_parser._lark().parse(text))  # type: ignore[no-any-return]


def fast(text: str) -> n.Plan:
    got = _parser._fast_parse(text, "f.kpi", text.split("\n"))
    assert got is not None, "the fast path gave up on clean text"
    return got[0]


def spans(node: object) -> list[object]:
    """Every node's class and span, in walk order (equality of nodes leaves spans out)."""
    return [(type(x).__name__, getattr(x, "span", None)) for x in n.walk(node) if attrs.has(type(x))]


def same(text: str) -> None:
    a, b = slow(text), fast(text)
    assert a == b
    assert spans(a) == spans(b)


def test_the_fast_path_is_available() -> None:
    assert _parser._fast_tables() is not None


@pytest.mark.parametrize("path", KPI_FILES, ids=lambda p: str(p.relative_to(ROOT)))
def test_every_rule_file_parses_the_same_both_ways(path: Path) -> None:
    same(path.read_text(encoding="utf-8").lstrip("\ufeff"))


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(plan_texts())
def test_generated_plans_parse_the_same_both_ways(text: str) -> None:
    same(text)


@pytest.mark.parametrize("text", ["rule a: (x) * y > 1", "rule a: -(x + y) >= 2 and not (z)",
                                  "rule a: ratio((a), b) at previous >= 1 by 2020"])
def test_parenthesised_operands_keep_their_positions(text: str) -> None:
    same(text)

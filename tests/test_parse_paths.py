"""The fast parse (nodes built during parsing) gives exactly what lark's tree + transformer gives."""

from __future__ import annotations

import os
import re
from pathlib import Path

import attrs
import lark
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kpirules.lang import build as _build, fast as _fast, grammar as _grammar, lalr as _lalr, parser as _parser
from kpirules import nodes as n
from kpirules.errors import KpiError
from kpirules.testing import plan_texts

ROOT = Path(__file__).resolve().parents[1]
KPI_FILES = sorted(p for p in ROOT.rglob("*.kpi") if ".venv" not in p.parts)


#: the fast path runs on the lark versions it was tested on; on another, parse_text takes the plain path
#: alone, and the tests that compare the two paths have nothing to compare (add the version to
#: TESTED_LARK, run this file on it, and keep it there if all passes)
#: (KPIRULES_TRY_FAST_PATH=1 runs it on this lark whatever the list says: how .ci/run tries the newest lark)
TRY = os.environ.get("KPIRULES_TRY_FAST_PATH") == "1"
FAST = lark.__version__ in _fast.TESTED_LARK or TRY
needs_fast = pytest.mark.skipif(not FAST, reason=f"the fast path is not tested on lark {lark.__version__}")


@pytest.fixture(autouse=True)
def _try_this_lark(monkeypatch: pytest.MonkeyPatch):  # type: ignore[no-untyped-def]
    if TRY and lark.__version__ not in _fast.TESTED_LARK:
        monkeypatch.setattr(_fast, "TESTED_LARK", _fast.TESTED_LARK | {lark.__version__})
        _fast.fast_tables.cache_clear()
    yield


def slow(text: str) -> n.Plan:
    lines = text.split("\n")
    return _build.Builder("f.kpi", lines).transform(_grammar.lark_parser().parse(text))  # type: ignore[no-any-return]


def fast(text: str) -> n.Plan:
    got = _fast.fast_parse(text, "f.kpi", text.split("\n"))
    assert got is not None, "the fast path gave up on clean text"
    return got[0]


def spans(node: object) -> list[object]:
    """Every node's class and span, in walk order (equality of nodes leaves spans out)."""
    return [(type(x).__name__, getattr(x, "span", None)) for x in n.walk(node) if attrs.has(type(x))]


def same(text: str) -> None:
    a, b = slow(text), fast(text)
    assert a == b
    assert spans(a) == spans(b)


def test_the_fast_path_runs_on_a_tested_lark_only(monkeypatch: pytest.MonkeyPatch) -> None:
    assert (_fast.fast_tables() is not None) == FAST
    _fast.fast_tables.cache_clear()
    monkeypatch.setattr(_fast, "TESTED_LARK", frozenset({"1.3.1"}))
    monkeypatch.setattr(lark, "__version__", "1.99.0")
    try:
        assert _fast.fast_tables() is None
        assert _fast.fast_parse("rule a: x > 1", "f.kpi", ["rule a: x > 1"]) is None
        assert _parser.parse_text("rule a: x > 1 by 2020").items[0].id == "a"  # the plain path
    finally:
        _fast.fast_tables.cache_clear()


@needs_fast
@pytest.mark.parametrize("path", KPI_FILES, ids=lambda p: str(p.relative_to(ROOT)))
def test_every_rule_file_parses_the_same_both_ways(path: Path) -> None:
    same(path.read_text(encoding="utf-8").lstrip("\ufeff"))


@needs_fast
@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(plan_texts())
def test_generated_plans_parse_the_same_both_ways(text: str) -> None:
    same(text)


@needs_fast
@pytest.mark.parametrize("text", ["rule a: (x) * y > 1", "rule a: -(x + y) >= 2 and not (z)",
                                  "rule a: ratio((a), b) at previous >= 1 by 2020"])
def test_parenthesised_operands_keep_their_positions(text: str) -> None:
    same(text)


# --- texts the generator does not write: layout, comments, CRLF, every form of token ---------

#: words and marks to splice into valid texts: every keyword, near-keywords, numbers, periods,
#: dates, strings (also non-ASCII), operators, and characters no terminal starts with
VOCABULARY = (
    _parser.KEYWORDS
    + ["year", "andx", "by2020", "Q4x", "rulez", "x_and", "_not", "Units", "AND", "ratio2", "count_", "yearly2"]
    + ["0", "7", "2020", "12.5", "1.0", "007", "20%", "12.5%", "1e6", "12abc", "2020-06-30", "2020-13-45",
       "2020-Q4", "Q4/2020", "q1/2021", "H1/2020", "2020-9M", "2020-Q5", "2019-2020", "2020-06", "1.2.3", "II.1.a"]
    + ['"x"', '"Sở Tư pháp"', '"a \\"q\\" b"', '"', '"\\n"', "Bộ", "Đ", "é"]
    + [">=", "<=", "==", "!=", ">", "<", "=", "=>", "+", "-", "*", "/", "(", ")", ",", ":", ".", "%", "#", "@"]
)
BLANKS = (" ", "  ", "\t", "\n", "\r\n", " \n\n  ", " # a comment\n", "# ratio(a, b) >= 20%\n", "\f")


@st.composite
def laid_out(draw: st.DrawFn) -> str:
    """A valid text with its blanks replaced by others: tabs, line breaks, CRLF, comments."""
    out = []
    for i, part in enumerate(re.split(r'("(?:[^"\\\n]|\\.)*")', draw(plan_texts()))):
        if i % 2:  # a string: its spaces stay
            out.append(part)
            continue
        words = part.split(" ")
        out.append(words[0])
        for word in words[1:]:
            out.append(draw(st.sampled_from(BLANKS)))
            out.append(word)
    text = "".join(out)
    if draw(st.booleans()):
        text = text.replace("\n", "\r\n")
    return draw(st.sampled_from(["", "# head\n", "\n\n"])) + text + draw(st.sampled_from(["", "\n", " # end"]))


@st.composite
def mutated(draw: st.DrawFn) -> str:
    """A valid text with a few words or characters put in, taken out or swapped: often not valid."""
    text = draw(st.one_of(plan_texts(), st.sampled_from(SHORT_RULES)))
    for _ in range(draw(st.integers(1, 3))):
        at = draw(st.integers(0, len(text)))
        how = draw(st.sampled_from(["insert", "insert", "delete", "replace"]))
        word = draw(st.sampled_from(VOCABULARY))
        if how != "insert":
            end = min(len(text), at + draw(st.integers(1, 6)))
            text = text[:at] + (word if how == "replace" else "") + text[end:]
        else:
            text = text[:at] + draw(st.sampled_from(["", " "])) + word + draw(st.sampled_from(["", " "])) + text[at:]
    return text


#: short texts that use what the generator rarely does
SHORT_RULES = [
    'plan "676/QĐ-BKHCN"\n  title "Kế hoạch"\n  issued 2023-05-04\n  implements "QĐ 06"\n'
    "  reporting half-yearly cutoff 15 due 20\n",
    "plan P reporting monthly calendar\nrule 1: x >= 1",
    "plan P reporting annual\nplan_x > 0",
    "group ministries: BNV, BTC, \"Bộ Y tế\"\nrule a: for each unit in ministries: x >= 1 lead BNV support BTC",
    "rule a: for each unit: count(units where x > 0) >= count(units) / 2",
    "rule II.1.a \"Tên\": ratio(a, b) at previous year >= 20% from 2020-Q1 to Q4/2021 note \"n\"",
    "rule a: x at previous\nyear > 2",
    "rule a: year >= 2",
    "rule a: x at 2020-06-30 > x at Q4/2020 + x at 2020 + x at H1/2021 - x at 2020-9M",
    "rule a: sum(x) + min(x) * max(x) / avg(x) - change(x, y) between 1 and 12.5",
    "rule a: not not (true or false) and done == true by 2020-12-31",
    "rule a: -(-x) != -1.25 by \"2020\"",
    "task t1 \"Việc\": lead A, \"Sở B\" due 2020, Q4/2021 product \"p\" after t0, 2 note \"n\"",
    "section II \"Mục\"\nsection \"III\"\nsection 4",
    "rule a: x at 5 > 1\nrule b: x at 2020-Q5 > 1\nrule c: x at foo > 1",
    "rule a: ratio(x, y) >= 20% by 2019-2020",
    "rule a: frobnicate(x) > 1",
    "rule a: x > 1 by 20201",
    "a > 1\nb < 2 by 2021\n",
    "",
    "# only a comment",
]


def plain(text: str) -> n.Plan | str:
    """The plan the plain path makes (lark's tree, then Builder), or its error message."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(_parser, "fast_parse", lambda *args: None)
        try:
            return _parser.parse_text(text, "f.kpi")
        except KpiError as err:
            return str(err)


def either(text: str) -> n.Plan | str:
    try:
        return _parser.parse_text(text, "f.kpi")
    except KpiError as err:
        return str(err)


def agrees(text: str) -> None:
    """parse_text gives what the plain path gives (plan and spans, or message); the fast path gives up or agrees."""
    expected, got = plain(text), either(text)
    assert got == expected
    if isinstance(expected, str):
        fast = _fast.fast_parse(text, "f.kpi", text.split("\n"))
        if fast is not None:  # then the error comes after parsing (the depth limit), from the same plan
            lines = text.split("\n")
            builder = _build.Builder("f.kpi", lines)
            made = builder.transform(_grammar.lark_parser().parse(text))
            assert not builder.problems, "the fast path took text the plain path finds problems in"
            assert made == fast[0] and spans(made) == spans(fast[0])
    else:
        assert spans(got) == spans(expected)


@needs_fast
@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(laid_out())
def test_any_layout_parses_the_same_both_ways(text: str) -> None:
    same(text)


@needs_fast
@pytest.mark.parametrize("text", [t for t in SHORT_RULES])
def test_every_form_parses_the_same_both_ways(text: str) -> None:
    agrees(text)
    if not isinstance(plain(text), str):
        same(text)
        same(text.replace("\n", "\r\n"))
        same(text.replace(" ", "\t  ") + "\n# end")


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(mutated())
def test_mutated_texts_give_the_same_plan_or_the_same_error(text: str) -> None:
    agrees(text)


@pytest.mark.parametrize("word", VOCABULARY)
def test_every_word_in_every_place_of_a_rule_agrees(word: str) -> None:
    base = "rule r1 \"t\": ratio(a, b) at 2020 >= 20% by 2020 lead X\n"
    for at in range(0, len(base), 3):
        agrees(base[:at] + word + base[at:])
        agrees(base[:at] + " " + word + " " + base[at:])


@pytest.mark.parametrize("minuses, deep", [(199, False), (200, True)])
def test_the_depth_limit_holds_at_its_edge(minuses: int, deep: bool) -> None:
    # `---…-x`: a node per character, so the span is as short as the depth allows (the quick check's edge)
    text = "rule a: " + "-" * minuses + "x"
    got = either(text)
    assert isinstance(got, str) == deep
    assert deep == ("nested more than 200 levels" in str(got))
    agrees(text)


# --- the lexer: the regex for a state and a first character matches as lark's regex for the state --------


@pytest.mark.parametrize("regexp, chars, may_be_empty", [
    ("a?b", "ab", False),
    ("(?!x)[a-c]", "abc", False),
    (r"\d+(\.\d+)?%", "0123456789", False),
    ("(?:ab|c)d", "ac", False),
    ("x*", "x", True),
    ("(?=y)y|z", "yz", False),
])
def test_the_first_characters_of_a_regex(regexp: str, chars: str, may_be_empty: bool) -> None:
    assert _lalr._first_chars(_lalr._sre_parse.parse(regexp)) == (set(chars), may_be_empty)


def test_a_negated_class_may_start_with_anything_else() -> None:
    first, _ = _lalr._first_chars(_lalr._sre_parse.parse(r'[^"\\\n]'))
    assert first == set(map(chr, range(128))) - {'"', "\\", "\n"}


@needs_fast
@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.sampled_from(VOCABULARY + list(BLANKS) + ["x", "Q", "_a", "h1"]), min_size=1, max_size=4))
def test_each_state_lexes_as_lark_lexes_there(words: list[str]) -> None:
    text = "".join(words)
    tables = _fast.fast_tables()
    lark_lexers = _grammar.lark_parser().parser.lexer.lexers
    for state, lark_lexer in lark_lexers.items():
        expected = lark_lexer.scanner._mres[0].match(text, 0)
        ours = tables.lexers.learn(state, text[0])(text, 0)
        if ord(text[0]) >= 128:  # no terminal starts beyond ASCII: ours gives up, the plain path runs
            assert ours is None
        else:
            assert (ours and (ours.group(), ours.lastgroup)) == (expected and (expected.group(), expected.lastgroup))


@needs_fast
def test_each_state_reads_the_terminals_and_keywords_of_lark_scanner() -> None:
    # _read builds lark's scanner for the first state it meets only; every state must give what the scanner has
    tables = _fast.fast_tables()
    lexers = tables.lexers
    for state, lark_lexer in _grammar.lark_parser().parser.lexer.lexers.items():
        if state not in lexers._terminals:
            lexers._terminals[state] = lexers._read(state)
        scanner = lark_lexer.scanner
        assert [name for name, _, _ in lexers._terminals[state]] == [t.name for t in scanner.terminals]
        assert lexers.keywords[state] == {k: _lalr._keywords_of(c) for k, c in lark_lexer.callback.items()}
    assert lexers._checked


@needs_fast
def test_lark_insides_not_as_expected_mean_the_plain_path_for_good(monkeypatch) -> None:  # type: ignore[no-untyped-def]
    def changed(*args):  # type: ignore[no-untyped-def]
        raise TypeError("another lark")

    monkeypatch.setattr(_lalr, "_create_unless", changed)
    assert _lalr.tables_for(_grammar.lark_parser(), {rule: _fast.fast_callback(rule, _build.Builder)
                                               for rule in _grammar.lark_parser().rules}) is None

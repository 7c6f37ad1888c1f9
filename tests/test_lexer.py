"""The Pygments lexer for .kpi files (kpirules.pygments_lexer)."""

from __future__ import annotations

import pathlib

import pytest

pygments = pytest.importorskip("pygments")  # the `highlight` and `test` extras install it

from pygments.lexers import get_lexer_by_name, get_lexer_for_filename  # noqa: E402
from pygments.token import Comment, Error, Keyword, Name, Number, Operator, String  # noqa: E402

from kpirules.lang.parser import KEYWORDS  # noqa: E402
from kpirules.pygments_lexer import KpiLexer  # noqa: E402

ROOT = pathlib.Path(__file__).resolve().parent.parent


def tokens(text: str) -> list[tuple[object, str]]:
    return [(t, v) for t, v in KpiLexer().get_tokens(text) if v.strip()]


def test_registered_through_the_entry_point() -> None:
    assert isinstance(get_lexer_by_name("kpi"), KpiLexer)
    assert isinstance(get_lexer_for_filename("rules/plan.kpi"), KpiLexer)


def test_a_rule() -> None:
    got = tokens('rule II.1.a "Xác thực":\n  ratio(eid, users) >= 20% by Q4/2020 # note\n  lead TTCNTT\n')
    assert got == [
        (Keyword.Declaration, "rule"), (Name.Label, "II.1.a"), (String.Double, '"Xác thực"'),
        (pygments.token.Punctuation, ":"),
        (Name.Builtin, "ratio"), (pygments.token.Punctuation, "("), (Name.Variable, "eid"),
        (pygments.token.Punctuation, ","), (Name.Variable, "users"), (pygments.token.Punctuation, ")"),
        (Operator, ">="), (Number.Float, "20%"), (Keyword, "by"), (Number.Other, "Q4/2020"),
        (Comment.Single, "# note"), (Keyword.Reserved, "lead"), (Name.Variable, "TTCNTT"),
    ]


def test_periods_and_dates_are_one_token() -> None:
    for text in ("2020-Q4", "2020-H1", "2020-03", "2019-12-15", "Q1/2021"):
        assert tokens(f"x at {text}")[-1] == (Number.Other, text)
    assert tokens("x - 2020")[-2:] == [(Operator, "-"), (Number.Integer, "2020")]


def test_every_keyword_is_highlighted_as_a_keyword() -> None:
    for word in KEYWORDS:
        kinds = [t for t, v in tokens(f"{word} ") if v == word]
        assert kinds, word
        assert kinds[0] in Keyword or kinds[0] in Operator.Word or kinds[0] is Name.Builtin, (word, kinds)


def test_a_name_that_starts_like_a_keyword_is_a_name() -> None:
    assert tokens("byline andx index") == [(Name.Variable, "byline"), (Name.Variable, "andx"),
                                          (Name.Variable, "index")]


def test_extensions() -> None:
    assert tokens("group ministries: BNV")[:2] == [(Keyword.Declaration, "group"), (Name.Class, "ministries")]
    assert tokens("x at previous year")[-2:] == [(Keyword, "previous"), (Keyword, "year")]


@pytest.mark.parametrize("path", sorted((ROOT / "rules").glob("*.kpi")), ids=lambda p: p.name)
def test_shipped_rule_files_have_no_error_tokens(path: pathlib.Path) -> None:
    text = path.read_text(encoding="utf-8")
    toks = list(KpiLexer().get_tokens(text))
    assert not [v for t, v in toks if t in Error]
    assert "".join(v for _, v in toks) == text if text.endswith("\n") else text + "\n"

"""Hostile and careless input (issue 21): big numbers, values beside their targets, injection, order.

One file of tests/data/hostile/ per case; the data that would be a bomb to commit is made here.
"""

from __future__ import annotations

import importlib.util
import json
import operator
import re
import shutil
import subprocess
import time
from fractions import Fraction
from pathlib import Path

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

import kpirules
import kpirules.text
from kpirules.cli import main
from kpirules.report.html import _bar_of
from kpirules.report.i18n import TEXT
from kpirules.report.markdown import _text_bar
from kpirules.report.model import progress, shown_numbers
from kpirules.values import int_text

HOSTILE = Path(__file__).resolve().parent / "data" / "hostile"
AS_OF = "2021-01-05"


def _data(tmp_path: Path, values: dict[str, str], name: str = "d.json") -> Path:
    """A JSON data file of one plan-level snapshot for 2020-Q4, the numbers written as given (JSON text)."""
    body = ", ".join(f'"{k}": {v}' for k, v in values.items())
    path = tmp_path / name
    path.write_text('{"snapshots": [{"period": "2020-Q4", "values": {' + body + "}}]}", encoding="utf-8")
    return path


def _every_output(capsys: pytest.CaptureFixture[str], plan: Path, data: Path, tmp_path: Path) -> dict[str, str]:
    """check as a table and as JSON, and report in every format and language: each must finish (no traceback)."""
    out = {}
    for fmt in ("table", "json"):
        code = main(["check", str(plan), "--data", str(data), "--as-of", AS_OF, "--format", fmt])
        assert code in (0, 1)
        out[f"check.{fmt}"] = capsys.readouterr().out
    for lang in ("vi", "en"):
        for fmt in ("md", "html", "json"):
            code = main(["report", str(plan), "--data", str(data), "--period", "2020-Q4", "--as-of", AS_OF,
                         "--lang", lang, "--format", fmt])
            assert code in (0, 1)
            out[f"report.{lang}.{fmt}"] = capsys.readouterr().out
    return out


def test_a_square_past_the_int_to_text_cap_is_written_in_full(capsys, tmp_path) -> None:  # type: ignore[no-untyped-def]
    x = "9" * 2201
    out = _every_output(capsys, HOSTILE / "big_square.kpi", _data(tmp_path, {"x": x}), tmp_path)
    result = json.loads(out["check.json"])["results"][0]
    assert result["status"] == "met" and result["value"] == int_text(int(x) ** 2)
    assert len(result["value"]) == 4402 and result["value"].startswith("9" * 2200 + "8")


def test_a_value_of_4400_digits_is_written_in_full(capsys, tmp_path) -> None:  # type: ignore[no-untyped-def]
    out = _every_output(capsys, HOSTILE / "big_value.kpi", _data(tmp_path, {"y": "1" + "0" * 3999 + "e400"}),
                        tmp_path)
    result = json.loads(out["check.json"])["results"][0]
    assert result["status"] == "met" and result["value"] == "1" + "0" * 4399


def test_a_value_of_4400_digits_is_shown_in_scientific_form(capsys, tmp_path) -> None:  # type: ignore[no-untyped-def]
    # the reports wrote the 4,400 digits (with 1,466 separators) in a table cell: the PDF took a minute to
    # lay that word out; people are shown 1 × 10⁴³⁹⁹, the JSON keeps every digit
    data = _data(tmp_path, {"y": "1" + "0" * 3999 + "e400"})
    out = _every_output(capsys, HOSTILE / "big_value.kpi", data, tmp_path)
    assert "| 1 × 10⁴³⁹⁹ | \\> 1 | ≈ 1 × 10⁴³⁹⁹ better |" in out["report.en.md"]
    assert "| 1 × 10⁴³⁹⁹ | \\> 1 | vượt ≈ 1 × 10⁴³⁹⁹ |" in out["report.vi.md"]
    for name in ("report.en.md", "report.vi.md", "report.en.html", "report.vi.html"):
        assert not re.search(r"[0-9][0-9.,]{60}", out[name]), name
    for lang in ("vi", "en"):
        result = json.loads(out[f"report.{lang}.json"])["results"][0]
        assert result["value"] == "1" + "0" * 4399 and "10⁴³⁹⁹" in result["margin_text"]
    if importlib.util.find_spec("weasyprint") is not None and shutil.which("pdftotext"):
        main(["report", str(HOSTILE / "big_value.kpi"), "--data", str(data), "--period", "2020-Q4", "--as-of", AS_OF,
              "-o", str(tmp_path / "r.pdf")])
        capsys.readouterr()
        text = subprocess.run(["pdftotext", str(tmp_path / "r.pdf"), "-"], capture_output=True, text=True,
                              check=True).stdout
        assert "1 × 10⁴³⁹⁹" in text and not re.search(r"[0-9][0-9.,]{60}", text)


def test_the_check_table_warnings_and_explain_show_a_value_of_3000_digits_shortly(capsys, tmp_path) -> None:  # type: ignore[no-untyped-def]
    # the check table, the warnings and explain printed every digit (a line of 6,000 characters); people
    # are shown ≈ m × 10ⁿ and how long the exact value is, the JSON (values and warning arguments) keeps it
    plan = tmp_path / "p.kpi"
    plan.write_text('plan "big"\nreporting quarterly\nrule a "A":\n  x >= 1\nrule b "B":\n  ratio(x, y) >= 30%\n',
                    encoding="utf-8")
    x, y = "9" * 3000, "7" * 2999
    data = _data(tmp_path, {"x": x, "y": y})
    assert main(["check", str(plan), "--data", str(data), "--as-of", AS_OF]) == 0
    out, err = capsys.readouterr()
    assert re.search(r"^met +a +2020-Q4 +≈ 1 × 10³⁰⁰⁰ +1 *$", out, re.M), out
    assert "x (≈ 1 × 10³⁰⁰⁰, a number of 3,000 digits) is larger than y (≈ 7.77778 × 10²⁹⁹⁸, a number of 2,999 " \
           "digits)" in err
    for id_ in ("a", "b"):
        assert main(["explain", str(plan), "--data", str(data), "--as-of", AS_OF, "--id", id_]) == 0
        shown = capsys.readouterr().out
        assert "x     = ≈ 1 × 10³⁰⁰⁰, a number of 3,000 digits" in shown or id_ == "b"
        assert "ratio(x, y)       = ≈ 12.857142857143, a fraction of 6,000 characters" in shown or id_ == "a"
        out += shown
    assert not re.search(r"[0-9][0-9.,]{100}", out + err)
    assert main(["check", str(plan), "--data", str(data), "--as-of", AS_OF, "--format", "json"]) == 0
    doc = json.loads(capsys.readouterr().out)
    assert doc["results"][0]["value"] == x
    [warning] = doc["warnings"]
    assert (warning["args"]["numerator_value"], warning["args"]["denominator_value"]) == (x, y)
    assert "10³⁰⁰⁰, a number of 3,000 digits" in warning["message"]
    assert main(["report", str(plan), "--data", str(data), "--period", "2020-Q4", "--as-of", AS_OF, "--format", "md"]) == 0
    assert "X (≈ 1 × 10³⁰⁰⁰, một số có 3.000 chữ số) lớn hơn y (≈ 7,77778 × 10²⁹⁹⁸, một số có 2.999 chữ số)" \
        in capsys.readouterr().out


@settings(max_examples=300, deadline=None)
@given(st.one_of(st.integers(), st.fractions()), st.integers(0, 2000))
def test_a_brief_number_is_its_exact_text_or_says_how_near_it_is(v, shift) -> None:  # type: ignore[no-untyped-def]
    from kpirules.values import BRIEF_CHARS, brief_number, format_number

    v = v * Fraction(10) ** shift if shift % 2 else v / Fraction(10) ** shift
    v = v.numerator if isinstance(v, Fraction) and v.denominator == 1 else v
    text, brief = format_number(v), brief_number(v)
    if len(text) <= BRIEF_CHARS:
        assert brief == text
        return
    assert len(brief) < 90 and f"{len(text.lstrip('-')):,}" in brief
    shown = brief.split(", a ")[0]
    exact = not shown.startswith("≈ ")
    number = shown.removeprefix("≈ ").replace("−", "-")
    if "×" in number:
        m, e = number.split(" × 10")
        power = int(e.translate(str.maketrans("⁰¹²³⁴⁵⁶⁷⁸⁹⁻", "0123456789-")))
        read = Fraction(m) * Fraction(10) ** power
        assert abs(read - v) <= abs(v) * Fraction(1, 10**5)
    else:
        read = Fraction(number)
        assert abs(read - v) <= Fraction(1, 10**12)
    assert (read == v) == exact


def test_a_chain_of_big_factors_is_an_error_that_names_the_limit_and_is_quick(capsys, tmp_path) -> None:  # type: ignore[no-untyped-def]
    f = "1." + "7" * 3999  # a fraction of 4,000 digits
    start = time.monotonic()
    out = _every_output(capsys, HOSTILE / "big_chain.kpi", _data(tmp_path, {"f": f}), tmp_path)
    assert time.monotonic() - start < 30  # (seven runs of the command)
    result = json.loads(out["check.json"])["results"][0]
    assert result["status"] == "error" and result["reason_code"] == "too_large"
    assert result["reason_args"]["limit"] == 10_000 and "more than 10000 digits" in result["reason"]
    assert "10000 chữ số" in out["report.vi.md"]


def test_explaining_a_long_chain_compiles_each_node_once(capsys, tmp_path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    # explain compiled every node of the condition, and each compile its operands again: 190 factors made
    # 37,000 compilations (6 s); once each, about a thousand
    import kpirules.engine.compile as compile_module

    calls = []
    real = compile_module.expr_text
    monkeypatch.setattr(compile_module, "expr_text", lambda e: calls.append(1) or real(e))
    data = _data(tmp_path, {"f": "1." + "7" * 3999})
    assert main(["explain", str(HOSTILE / "big_chain.kpi"), "--data", str(data), "--as-of", AS_OF, "--id", "C"]) == 1
    out = capsys.readouterr().out
    assert "comparison: error" in out and "too large to work out exactly" in out
    assert len(calls) < 10 * 190, len(calls)


def test_values_beside_their_targets_are_shown_on_their_side(capsys, tmp_path) -> None:  # type: ignore[no-untyped-def]
    data = _data(tmp_path, {"a": "299999999999", "b": "1000000000000", "c": "30004", "d": "100000", "e": "1e-30"})
    out = _every_output(capsys, HOSTILE / "near_targets.kpi", data, tmp_path)
    by = {r["id"]: r for r in json.loads(out["check.json"])["results"]}
    assert by["A"]["status"] == "not_met" and by["B"]["status"] == "not_met" and by["C"]["status"] == "met"
    md = out["report.en.md"]
    assert "≈ 30% (29.9999999999%)" in md and "≈ 30% (29.9999999999%) | ≥ 30%" in md  # not "30% / ≥ 30%"
    assert "| 30.004% | 20% – 30% | 0.004 pp above the range |" in md  # not "30%", nor "0.004 pp short"
    assert "| 30,004% | 20% – 30% | vượt cận trên 0,004 điểm % |" in out["report.vi.md"]
    assert "| ≈ 0 (0.000000000000000000000000000001) | \\> 0 |" in md  # not "0 … Met"
    assert "on target" not in md
    vi = out["report.vi.md"]
    assert "≈ 30% (29,9999999999%)" in vi and "30,004%" in vi



def test_a_value_at_a_strict_target_or_inside_a_range_is_shown_as_its_status(capsys, tmp_path) -> None:  # type: ignore[no-untyped-def]
    # x > 30% at 30% (not met) was shown "on target" with a full bar, in every format; 25% inside 20%–30% is met
    data = _data(tmp_path, {"a": "30", "b": "100", "c": "25"})
    plan = HOSTILE / "strict_targets.kpi"
    out = _every_output(capsys, plan, data, tmp_path)
    by = {r["id"]: r for r in json.loads(out["report.en.json"])["results"]}
    assert [by[k]["status"] for k in "ABC"] == ["not_met", "not_met", "met"]
    assert [(by[k]["progress"], by[k]["margin_text"]) for k in "ABC"] == [
        ("0.99", "at the target, not above it"), ("0.99", "at the target, not below it"), ("1", "on target")]
    md = out["report.en.md"]
    assert "| 30% | \\> 30% | at the target, not above it | `█████████░` | **Not met** |" in md
    assert "| 30% | \\< 30% | at the target, not below it | `█████████░` | **Not met** |" in md
    assert "| 25% | 20% – 30% | on target | `██████████` | **Met** |" in md
    assert "| 30% | \\> 30% | bằng mục tiêu, chưa vượt | `█████████░` |" in out["report.vi.md"]
    html = out["report.en.html"]
    assert html.count('aria-label="99%"><i class="s-not_met" style="width:99.0%"') == 2
    assert html.count('aria-label="100%"><i class="s-met" style="width:100.0%"') == 1
    assert "on target" in html and "at the target, not above it" in html
    args = ["report", str(plan), "--data", str(data), "--period", "2020-Q4", "--as-of", AS_OF, "--lang", "en"]
    if importlib.util.find_spec("docx") is not None:
        import docx

        main([*args, "-o", str(tmp_path / "r.docx")])
        capsys.readouterr()
        cells = [c.text for t in docx.Document(str(tmp_path / "r.docx")).tables for row in t.rows for c in row.cells]
        assert {"30%\nat the target, not above it", "30%\nat the target, not below it", "25%\non target"} <= set(cells)
    if importlib.util.find_spec("weasyprint") is not None and shutil.which("pdftotext"):
        main([*args, "-o", str(tmp_path / "r.pdf")])
        capsys.readouterr()
        text = subprocess.run(["pdftotext", str(tmp_path / "r.pdf"), "-"], capture_output=True, text=True,
                              check=True).stdout
        words = text.split()  # (a cell's text wraps in the PDF)
        assert " ".join(words).count("at the target, not") == 2 and "on target" in " ".join(words)
        assert "above it" in " ".join(words) and "below it" in " ".join(words) and "short" not in words


def test_the_trend_of_a_target_shows_each_value_on_its_side(capsys, tmp_path) -> None:  # type: ignore[no-untyped-def]
    # the trend (the screen's line, the official layout's and Word's table of the last periods) showed
    # 29.9999999999% not met as "0,3", 30.004% as "30%" and 1e-30 met as "0"
    path = tmp_path / "d.json"
    path.write_text(json.dumps({"snapshots": [
        {"period": "2020-Q3", "values": {"a": 300000000001, "b": 10**12, "c": 20, "d": 100, "e": 0}},
        {"period": "2020-Q4", "values": {"a": 299999999999, "b": 10**12, "c": 30004, "d": 100000}}]})
        .replace('"d": 100000', '"d": 100000, "e": 1e-30'), encoding="utf-8")
    args = ["report", str(HOSTILE / "near_targets.kpi"), "--data", str(path), "--period", "2020-Q4", "--as-of", AS_OF]
    main([*args, "--lang", "en", "--format", "html"])
    page = capsys.readouterr().out
    assert "Q3 2020: ≈ 30% (30.0000000001%); Q4 2020: ≈ 30% (29.9999999999%)" in page
    assert "Q3 2020: 20%; Q4 2020: 30.004%" in page and "Q3 2020: 0; Q4 2020: ≈ 0 (0.000000000000000000000000000001)" in page
    if importlib.util.find_spec("docx") is None:
        return
    import docx

    main([*args, "-o", str(tmp_path / "r.docx")])
    capsys.readouterr()
    table = next(t for t in docx.Document(str(tmp_path / "r.docx")).tables if "So với" in t.rows[0].cells[-1].text)
    rows = {r.cells[0].text: [c.text for c in r.cells[1:]] for r in table.rows[1:]}
    assert rows == {"A": ["≈ 30% (30,0000000001%)", "≈ 30% (29,9999999999%)", "≈ 0 điểm %"],
                    "B": ["20%", "30,004%", "+10 điểm %"],
                    "C": ["0", "≈ 0 (0,000000000000000000000000000001)", "≈ 0"]}

_EXPONENT = str.maketrans("⁰¹²³⁴⁵⁶⁷⁸⁹⁻", "0123456789-")


def _number(text: str, lang: str) -> Fraction:
    """A number as a report shows it, read back: ``≈ a (exact)`` is read as the exact value, ``m × 10ⁿ``
    as m × 10ⁿ (what a person reads)."""
    if text.startswith("≈") and "(" in text:
        text = text[text.index("(") + 1:text.rindex(")")]
    text = text.lstrip("≈ ").replace("−", "-").rstrip("%").strip()
    if " × 10" in text:
        mantissa, _, exponent = text.partition(" × 10")
        return _number(mantissa, lang) * Fraction(10) ** int(exponent.translate(_EXPONENT))
    text = text.replace(".", "").replace(",", ".") if lang == "vi" else text.replace(",", "")
    return Fraction(text)


_APPROX = re.compile(r"≈ ([−+-]?[0-9.,]+(?: × 10[⁰¹²³⁴⁵⁶⁷⁸⁹⁻]+)?%?)")


def _approx_honest(text: str, exact: Fraction, lang: str) -> None:
    """``≈`` at most once in a shown number, and only before a number that is not ``exact``; a number in
    brackets beside it is ``exact``, written with no ``≈``."""
    assert "≈ ≈" not in text and text.count("≈") <= 1, text
    if "(" in text:
        inner = text[text.index("(") + 1:text.rindex(")")]
        assert "≈" not in inner and _number(inner, lang) == exact, (text, exact)
    m = _APPROX.search(text)
    assert (m is None) == ("≈" not in text), text
    if m is not None:
        assert _number(m.group(1), lang) != exact, (text, exact)


def test_approximately_is_said_once_and_only_of_an_inexact_number() -> None:
    # "≈ ≈ 1 × 10²⁹ (…)", "≈ 0 (≈ 2.22… × 10⁻²⁰⁰)", "≈ ≈ 2.22… × 10⁻²⁰⁰ better", "≈ 1 × 10⁻⁴⁰⁰ better"
    big = 10**29 + Fraction(1, 10**10)
    assert shown_numbers(big, 10**29, ">", False, "en") == (
        "≈ 1 × 10²⁹ (100000000000000000000000000000.0000000001)", "> 1 × 10²⁹", "0.0000000001 better")
    tiny = Fraction(2, 9) / 10**199
    value, _, margin = shown_numbers(tiny, 0, ">", False, "en")
    assert value == "≈ 2.22222222222222222222222 × 10⁻²⁰⁰" and margin == value.removeprefix("≈ ").join(["≈ ", " better"])
    assert shown_numbers(Fraction(1, 10**400), 0, ">", False, "en")[1:] == ("> 0", "1 × 10⁻⁴⁰⁰ better")
    for v, t in ((big, 10**29), (tiny, 0), (Fraction(1, 10**400), 0)):
        shown, _, margin = shown_numbers(v, t, ">", False, "vi")
        _approx_honest(shown, v, "vi")
        _approx_honest(margin, v - t, "vi")


_OPS = {">=": operator.ge, ">": operator.gt, "<=": operator.le, "<": operator.lt}
_near = st.builds(lambda k, sign, m, j: Fraction(k, 100) + sign * Fraction(m, 10**j),
                  st.integers(-200, 200), st.sampled_from([-1, 0, 1]), st.integers(1, 9), st.integers(0, 40))


@settings(max_examples=400, deadline=None)
@given(value=_near, target=st.integers(-200, 200).map(lambda k: Fraction(k, 100)), op=st.sampled_from(sorted(_OPS)),
       pct=st.booleans(), lang=st.sampled_from(["vi", "en"]))
def test_a_shown_value_and_its_target_compare_as_the_rule_does(value, target, op, pct, lang) -> None:  # type: ignore[no-untyped-def]
    shown, target_text, margin = shown_numbers(value, target, op, pct, lang)
    sign, _, bound = target_text.partition(" ")
    holds = _OPS[op](value, target)
    assert _OPS[op](_number(shown, lang), _number(bound, lang)) == holds, (shown, target_text)
    # the margin says the side the status says: at a strict target (x > 30% at 30%) not "on target"
    word = ("on_target" if op in (">=", "<=") else "at_not_above" if op == ">" else "at_not_below") \
        if value == target else "better" if holds else "short"
    assert _said(margin, lang) == word, (value, op, target, margin)
    _approx_honest(shown, value * (100 if pct else 1), lang)
    _approx_honest(margin, abs(value - target) * (100 if pct else 1), lang)
    _bar_says(value, target, op, holds)


def _said(margin: str, lang: str) -> str:
    """Which of the report's margin texts ``margin`` is."""
    words = [w for w in ("on_target", "at_not_above", "at_not_below", "better", "short", "above_range")
             if re.fullmatch(re.escape(TEXT[lang][w]).replace(re.escape("{x}"), ".+"), margin)]
    assert words, margin
    return max(words, key=lambda w: len(TEXT[lang][w]))  # ("vượt cận trên {x}" is "vượt {x}" too)


def _bar_says(value: Fraction, target: object, op: str, holds: bool) -> None:
    """The bar of a result, in every form a report shows it (a label and a width in HTML, PDF and Word,
    ten blocks in Markdown, the JSON's fraction), is full exactly when the comparison holds."""
    p = progress(value, target, op)
    assert p is not None and 0 <= p <= 1
    bar = _bar_of(p)
    assert bar is not None
    for full in (p == 1, bar["label"] == "100%", bar["width"] == "100.0%", _text_bar(p) == "█" * 10):
        assert full == holds, (value, op, target, p, bar, _text_bar(p))


_big = st.builds(lambda k, e: k * Fraction(10) ** e, st.integers(-10**6, 10**6), st.integers(15, 60))


@settings(max_examples=300, deadline=None)
@given(target=_big, offset=st.builds(lambda s, k, j: s * k * Fraction(10) ** j, st.sampled_from([-1, 0, 1]),
                                     st.integers(1, 999), st.integers(-3, 60)),
       op=st.sampled_from(sorted(_OPS)), pct=st.booleans(), lang=st.sampled_from(["vi", "en"]))
def test_a_big_value_in_scientific_form_compares_as_the_rule_does(target, offset, op, pct, lang) -> None:  # type: ignore[no-untyped-def]
    # a number of more than 21 digits before its point is shown m × 10ⁿ, with the digits that show its side
    value = target + offset
    shown, target_text, margin = shown_numbers(value, target, op, pct, lang)
    _, _, bound = target_text.partition(" ")
    holds = _OPS[op](value, target)
    assert _OPS[op](_number(shown, lang), _number(bound, lang)) == holds, (value, shown, target_text)
    assert _said(margin, lang) == (("on_target" if op in (">=", "<=") else "at_not_above" if op == ">"
                                    else "at_not_below") if value == target else "better" if holds else "short")
    _approx_honest(shown, value * (100 if pct else 1), lang)
    _approx_honest(margin, abs(value - target) * (100 if pct else 1), lang)
    assert len(shown) < 160 and len(margin) < 160, (shown, margin)


@settings(max_examples=300, deadline=None)
@given(value=_near, low=st.integers(-100, 100), width=st.integers(0, 100), pct=st.booleans(),
       lang=st.sampled_from(["vi", "en"]))
def test_a_shown_value_and_its_range_compare_as_between_does(value, low, width, pct, lang) -> None:  # type: ignore[no-untyped-def]
    lo, hi = Fraction(low, 100), Fraction(low + width, 100)
    shown, target_text, margin = shown_numbers(value, (lo, hi), "between", pct, lang)
    a, b = (_number(x, lang) for x in target_text.split(" – "))
    inside = lo <= value <= hi
    assert (a <= _number(shown, lang) <= b) == inside, (shown, target_text)
    assert _said(margin, lang) == ("on_target" if inside else "short" if value < lo else "above_range"), margin
    _approx_honest(shown, value * (100 if pct else 1), lang)
    _bar_says(value, (lo, hi), "between", inside)
    # outside a range the bar is that of its nearest end: never empty just above it (30.004% over 20%–30%)
    if value < lo:
        assert progress(value, (lo, hi), "between") == progress(value, lo, ">=")
    elif value > hi:
        assert progress(value, (lo, hi), "between") == progress(value, hi, "<=")


def test_a_value_just_above_a_range_has_a_bar_nearly_full_as_just_below_it() -> None:
    # 30.004% in `between 20% and 30%` had an empty bar, 19.9999999% a nearly full one
    rng = (Fraction(1, 5), Fraction(3, 10))
    assert progress(Fraction(30004, 100000), rng, "between") == Fraction(99, 100)
    assert progress(Fraction(199999999, 10**9), rng, "between") == Fraction(99, 100)
    assert progress(Fraction(6, 10), rng, "between") == Fraction(1, 2)


# --- no injection: text from a plan or data is text in every output

_PAYLOAD = ("x | y\n# Heading\n| forged | row |\n<img src=x onerror=alert(1)> [link](javascript:alert(1)) "
            "![i](http://e.example/x.png) *em* _em_ `code` ~~del~~ http://evil.example www.evil.example &lt;b&gt; "
            "&#60;i&#62; <!-- c --> \\")
_TERMINAL = "\x1b]0;TITLE\x07\x1b[2J"


def _injection_data(tmp_path: Path, payload: str, terminal: str) -> Path:
    doc = {"snapshots": [{"period": "2020-Q4", "values": {"state": payload}},
                         {"period": "2020-Q4", "unit": "U" + terminal, "values": {"n": 0}},
                         {"period": "2020-Q4", "unit": "V" + payload, "values": {"n": 2}}],
           "tasks": [{"task": "K", "status": "in_progress", "date": "2020-09-01", "note": payload + terminal}]}
    path = tmp_path / ("hostile.json" if payload != "x" else "benign.json")
    path.write_text(json.dumps(doc), encoding="utf-8")
    return path


def _elements(markdown: str) -> list[str]:
    """The elements (and raw HTML) a Markdown reader with HTML enabled makes of ``markdown``, in order."""
    from markdown_it import MarkdownIt

    out = []
    for token in MarkdownIt("commonmark", {"html": True}).enable(["table", "strikethrough"]).parse(markdown):
        for t in [token, *(token.children or [])]:
            if t.type.startswith("html") or t.type in ("link_open", "image"):
                out.append(f"{t.type}:{t.content}")
            elif t.tag and t.nesting >= 0:
                out.append(t.tag)
    return out


def test_the_markdown_report_has_no_element_it_did_not_write(capsys, tmp_path) -> None:  # type: ignore[no-untyped-def]
    plan = HOSTILE / "injection.kpi"
    hostile = _every_output(capsys, plan, _injection_data(tmp_path, _PAYLOAD, _TERMINAL), tmp_path)
    benign = _every_output(capsys, plan, _injection_data(tmp_path, "x", ""), tmp_path)
    for lang in ("vi", "en"):
        md = hostile[f"report.{lang}.md"]
        assert _elements(md) == _elements(benign[f"report.{lang}.md"])  # the same tables, rows and headings
        assert not any(e.startswith(("html", "link_open", "image")) for e in _elements(md))
        assert "\x1b" not in md and "\x07" not in md
        assert "onerror" in md and "forged" in md  # the text is there, as text
        html = hostile[f"report.{lang}.html"]
        assert "<img" not in html and "\x1b" not in html and "&lt;img src=x onerror" in html  # HTML stays escaped


def test_the_check_table_and_stderr_show_control_characters_as_escapes(capsys, tmp_path) -> None:  # type: ignore[no-untyped-def]
    data = _injection_data(tmp_path, _PAYLOAD, _TERMINAL)
    main(["check", str(HOSTILE / "injection.kpi"), "--data", str(data), "--as-of", AS_OF])
    out, err = capsys.readouterr()
    for text in (out, err):
        assert "\x1b" not in text and "\x07" not in text
    assert "U\\x1b]0;TITLE\\x07\\x1b[2J" in out
    results = kpirules.load(HOSTILE / "injection.kpi").evaluate(data, AS_OF)
    assert len(out.splitlines()) == 1 + len(results) + 2  # a newline in a note or a name splits no row
    assert "forged" in out



_RAW = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")


def test_explain_shows_control_characters_as_escapes(capsys, tmp_path) -> None:  # type: ignore[no-untyped-def]
    # `explain` (and `check --explain`) quote unit names, notes and reasons from the data: as escapes, and
    # a newline in a note forges no line of its own
    data = _injection_data(tmp_path, _PAYLOAD, _TERMINAL + "\x9b2J")
    plan = str(HOSTILE / "injection.kpi")
    unit = "U" + _TERMINAL + "\x9b2J"
    outputs = []
    for args in (["--id", "U", "--unit", unit], ["--id", "K"]):
        main(["explain", plan, "--data", str(data), "--as-of", AS_OF, *args])
        outputs.append(capsys.readouterr().out)
    main(["check", plan, "--data", str(data), "--as-of", AS_OF, "--explain"])
    outputs.append(capsys.readouterr().out)
    for out in outputs:
        assert not _RAW.search(out), out
    assert "rule U for unit U\\x1b]0;TITLE\\x07\\x1b[2J\\x9b2J: not_met" in outputs[0]
    reason = [line for line in outputs[1].splitlines() if line.startswith("  reason:")]
    assert len(reason) == 1 and "\\n# Heading\\n| forged" in reason[0]  # the note's lines on one line


def test_verify_and_test_show_control_characters_as_escapes(capsys, tmp_path) -> None:  # type: ignore[no-untyped-def]
    # `verify` quotes ids and units of a report (which anybody may have edited) and of the data
    data = _injection_data(tmp_path, _PAYLOAD, _TERMINAL)
    plan = str(HOSTILE / "injection.kpi")
    main(["check", plan, "--data", str(data), "--as-of", AS_OF, "--format", "json"])
    doc = json.loads(capsys.readouterr().out)
    doc["results"][1]["id"] = "U" + _TERMINAL
    report = tmp_path / "r.json"
    report.write_text(json.dumps(doc, ensure_ascii=False), encoding="utf-8")
    assert main(["verify", str(report)]) == 5
    out = capsys.readouterr().out
    assert not _RAW.search(out) and "rule U\\x1b]0;TITLE\\x07\\x1b[2J" in out
    # `kpirules test` prints a test's name and what it found
    (tmp_path / "p.kpi").write_text((HOSTILE / "injection.kpi").read_text(encoding="utf-8"), encoding="utf-8")
    (tmp_path / "t.kpitest").write_text('plan "p.kpi"\nas of 2021-01-05\n\ntest "T\x1b[2J":\n'
                                        '  data 2020-Q4 unit U\x1b[2J: n = 0\n  expect U unit U\x1b[2J met\n',
                                        encoding="utf-8")
    assert main(["test", str(tmp_path / "t.kpitest")]) == 1
    out = capsys.readouterr().out
    assert not _RAW.search(out) and "T\\x1b[2J" in out


# --- deterministic output whatever the order of rows and keys

def test_the_order_of_rows_and_keys_in_the_data_changes_no_result(capsys, tmp_path) -> None:  # type: ignore[no-untyped-def]
    import random

    root = Path(__file__).resolve().parents[1]
    plan = str(root / "rules" / "nq17_bkhcn.kpi")
    doc = json.loads((root / "examples" / "nq17_bkhcn" / "data.json").read_text(encoding="utf-8"))
    outputs = []
    for seed in range(3):
        rng = random.Random(seed)
        snaps = [dict(s, values=dict(reversed(list(s["values"].items())) if seed else s["values"].items()))
                 for s in doc["snapshots"]]
        tasks = list(doc.get("tasks", []))
        if seed:
            rng.shuffle(snaps)
            rng.shuffle(tasks)
        path = tmp_path / f"data{seed}.json"
        path.write_text(json.dumps({"snapshots": snaps, "tasks": tasks}), encoding="utf-8")
        main(["check", plan, "--data", str(path), "--as-of", AS_OF, "--format", "json"])
        out = json.loads(capsys.readouterr().out)
        main(["check", plan, "--data", str(path), "--as-of", AS_OF])
        table = capsys.readouterr().out
        warnings = sorted((w["code"], w["message"]) for w in out["warnings"])
        outputs.append((json.dumps(out["results"]), json.dumps(out["counts"]), table, warnings))
    assert outputs[0] == outputs[1] == outputs[2]


def test_units_and_task_rows_in_any_order_give_the_same_output(capsys, tmp_path) -> None:  # type: ignore[no-untyped-def]
    snaps = [{"period": "2020-Q4", "unit": u, "values": {"n": i}} for i, u in enumerate(["C", "A", "B"])]
    rows = [{"task": "K", "status": s, "date": "2020-09-01", "note": s} for s in ("delayed", "stuck")]
    outputs = set()
    for order in ((0, 1, 2), (2, 1, 0), (1, 2, 0)):
        path = tmp_path / "d.json"
        doc = {"snapshots": [snaps[i] for i in order], "tasks": rows if order[0] == 0 else rows[::-1]}
        path.write_text(json.dumps(doc), encoding="utf-8")
        texts = []
        for fmt in ("table", "json"):
            main(["check", str(HOSTILE / "shuffled_rows.kpi"), "--data", str(path), "--as-of", AS_OF, "--format", fmt])
            texts.append(capsys.readouterr().out)
        outputs.add((texts[0], json.dumps(json.loads(texts[1])["results"])))
    assert len(outputs) == 1
    (table, _), = outputs
    assert [line.split()[2] for line in table.splitlines()[1:4]] == ["A", "B", "C"]  # units by name


def test_an_error_message_shows_control_characters_as_escapes(capsys, tmp_path) -> None:  # type: ignore[no-untyped-def]
    # a unit name from a rule file, quoted in a load error, can neither clear the screen nor retitle it
    plan = tmp_path / "p.kpi"
    plan.write_text('unit U1 "\x1b[2J"\nunit U2 "\x1b[2J"\nrule r: x > 1\n', encoding="utf-8")
    data = tmp_path / "d.json"
    data.write_text('{"snapshots": [{"period": "2020-Q4", "values": {"x": 2}}]}', encoding="utf-8")
    assert main(["check", str(plan), "--data", str(data)]) == 2
    err = capsys.readouterr().err
    assert "\x1b" not in err and "unit \\x1b[2J is declared twice" in err
    assert err.count("\n") >= 3  # (the source line and the caret stay on lines of their own)


def test_a_report_lists_the_first_100_of_a_long_attention_list_and_counts_the_rest(capsys, tmp_path) -> None:  # type: ignore[no-untyped-def]
    # issue 21 item 2: every list of problems capped, "… and N more like this"; the JSON keeps them all
    plan = tmp_path / "p.kpi"
    plan.write_text('plan "p"\n  reporting quarterly cutoff 15 due 20\n\n'
                    + "".join(f"rule r{i}:\n  x >= {i + 1} by 2020\n\n" for i in range(130)), encoding="utf-8")
    data = tmp_path / "d.json"
    data.write_text('{"snapshots": [{"period": "2020-Q4", "values": {"x": 0}}]}', encoding="utf-8")
    out = {}
    for fmt in ("md", "html", "json"):
        path = tmp_path / f"r.{fmt}"
        assert main(["report", str(plan), "--data", str(data), "--period", "2020-Q4", "--lang", "en",
                     "-o", str(path)]) == 1
        out[fmt] = path.read_text(encoding="utf-8")
    capsys.readouterr()
    assert "and 30 more like this (the full list: kpirules report --format json)" in out["md"]
    assert "and 30 more like this" in out["html"]
    assert "\n100. **Not met**" in out["md"] and "\n101. " not in out["md"]
    assert 'data-id="r100" data-status' not in out["html"].split('id="results"')[0]
    assert len(json.loads(out["json"])["summary"]["attention"]) == 130
    official = tmp_path / "o.html"
    assert main(["report", str(plan), "--data", str(data), "--period", "2020-Q4", "--lang", "en", "--layout",
                 "official", "-o", str(official)]) == 1
    assert "and 30 more like this" in official.read_text(encoding="utf-8")
    if importlib.util.find_spec("docx") is not None:
        import docx

        word = tmp_path / "r.docx"
        assert main(["report", str(plan), "--data", str(data), "--period", "2020-Q4", "--lang", "en",
                     "-o", str(word)]) == 1
        assert any("and 30 more like this" in para.text for para in docx.Document(str(word)).paragraphs)
    capsys.readouterr()


# --- every mistake of a file at once

def test_every_mistake_of_a_file_is_a_diagnostic_of_its_own(capsys) -> None:  # type: ignore[no-untyped-def]
    # an unfinished line (its error is at the next line's `rule`) hides neither that rule nor what follows
    plan = str(HOSTILE / "syntax_errors.kpi.txt")
    assert main(["check", plan, "--data", plan]) == 2
    err = capsys.readouterr().err
    found = re.findall(r"^kpirules: \S+syntax_errors\.kpi\.txt:(\d+):(\d+): error: (.*)$", err, re.M)
    assert [(int(line), int(col)) for line, col, _ in found] == [(5, 30), (7, 1), (9, 7), (10, 19), (11, 28), (12, 1)]
    assert "no quarter 5" in found[2][2] and "duplicate id C: this rule repeats the id at line 7" in found[5][2] and "expected `,`" in found[4][2]


_DIAG = re.compile(r"^(?:    )?(?:kpirules: )?\S+\.kpi\.txt:(\d+):(\d+): error: (.*)$", re.M)


def test_a_mistake_in_each_of_four_rules_is_four_diagnostics_in_every_command(capsys, tmp_path) -> None:  # type: ignore[no-untyped-def]
    # `rule A: x >=` left unfinished has its error at the next line's `rule`; parsing went on after
    # that line only, so the mistake of rule B on it and everything after it went unsaid
    plan = tmp_path / "p.kpi.txt"
    plan.write_text((HOSTILE / "one_mistake_a_rule.kpi.txt").read_text(encoding="utf-8"), encoding="utf-8")
    expected = [(5, 1, "unexpected keyword `rule`; expected a number, a metric, a function such as ratio(…) or "
                 "`(` or a period or date such as 2020, Q4/2020 or 2020-06-30 after `x >=`"),
                (5, 17, "a single `=` is not an operator"),
                (6, 21, "unexpected `b`; expected `,` after `ratio(a`"),
                (8, 1, 'the file ends in the middle of an item; expected `)` after `( 3`')]
    (tmp_path / "p.kpitest").write_text('plan "p.kpi.txt"\n\ntest "t":\n  as of 2020-12-18\n'
                                        "  data 2020-Q4: x = 1\n  expect A met\n", encoding="utf-8")
    for args, code in ((["check", str(plan), "--data", str(plan)], 2), (["lint", str(plan)], 2),
                       (["fmt", "--check", str(plan)], 2), (["explain", str(plan), "--id", "A"], 2),
                       (["test", str(tmp_path / "p.kpitest")], 1)):
        assert main(args) == code, args
        said = capsys.readouterr()
        found = [(int(line), int(col), message) for line, col, message in _DIAG.findall(said.out + said.err)]
        assert found == expected, args


#: one mistake in one item, and the same item without it (as many lines: every position stays)
_MISTAKES = [
    ("rule {id}: x >=", "rule {id}: x >= 1"),  # (its error is at the next item's first word)
    ("rule {id}: y >== 3", "rule {id}: y >= 3"),
    ("rule {id}: ratio(a b) > 1", "rule {id}: ratio(a, b) > 1"),
    ("rule {id}: z ( 3", "rule {id}: z >= 3"),
    ("rule {id}: x >= >= 1", "rule {id}: x >= 1"),
    ('rule {id} "no colon" w >= 1', 'rule {id} "a colon": w >= 1'),
    ("rule {id}: w >= $1", "rule {id}: w >= 1"),
    ('rule {id} "s: x > 1', 'rule {id} "s": x > 1'),
    ("rule {id}: x >= 1e-400", "rule {id}: x >= 1"),
    ("rule {id}: foo(x) > 1", "rule {id}: sum(x) > 1"),
    ('rule {id}: "abc" > 1', "rule {id}: x > 1"),
    ("task {id}:\n  due 2020-Q5", "task {id}:\n  due 2020-Q2"),
    ("task {id}:\n  due 2020-Q2\n  lead @x", "task {id}:\n  due 2020-Q2\n  lead X"),
    ("task {id}:\n  due 2020-Q2\n  after NOPE", "task {id}:\n  due 2020-Q2\n  after E0"),
    ('section {id} "s" extra', 'section {id} "s"'),  # (a stray word after a header was a rule of its own)
    ('task {id} "t" extra:\n  due 2020-Q2', 'task {id} "t":\n  due 2020-Q2'),
    ('rule {id} "r" extra: x > 1', 'rule {id} "r": x > 1'),
    ("task {id}:\n  lead X Y", "task {id}:\n  lead X, Y"),
    ('rule {id} "x\\ty": x > 1', 'rule {id} "x\\\\y": x > 1'),  # (was "a string is not closed")
    ('task {id} "t"\n  due 2020-Q2', 'task {id} "t":\n  due 2020-Q2'),  # (was "unexpected `due`")
    ('task {id}:\n  due 20200-Q5\n  product "p"', 'task {id}:\n  due 2020-Q2\n  product "p"'),
    ('task {id}:\n  lead X Y\n  due 2020-Q2', 'task {id}:\n  lead X, Y\n  due 2020-Q2'),
]


def _diagnostics(items: list[str]) -> list[tuple[int, int, str]]:
    text = 'plan "P"\n  reporting quarterly\n\nevent E0\n' + "".join(
        item.format(id=f"R{i + 1}") + "\n" for i, item in enumerate(items))
    try:
        kpirules.parse(text, "p.kpi")
    except kpirules.KpiError as err:
        return [(d.span.line, d.span.column, d.message) for d in err.diagnostics if d.span is not None]
    return []


@settings(max_examples=60, deadline=None)
@given(st.lists(st.tuples(st.sampled_from(_MISTAKES), st.booleans()), min_size=1, max_size=6))
@example([(_MISTAKES[0], True), (_MISTAKES[1], True), (_MISTAKES[2], True), (_MISTAKES[3], True)])
@example([(_MISTAKES[3], True), (_MISTAKES[-1], True)])  # (the task's `after NOPE` on the line of the error above)
def test_n_mistakes_in_n_items_are_the_n_diagnostics_each_gives_alone_in_order(items) -> None:  # type: ignore[no-untyped-def]
    # issue 21 item 6: the diagnostics of a file are those of its mistakes one by one, each alone in the
    # file (the others mended), in file order: none lost, none said twice, each as precise as alone
    wrong = [i for i, (_, bad) in enumerate(items) if bad]
    alone = []
    for i in wrong:
        found = _diagnostics([pair[0] if j == i else pair[1] for j, (pair, _) in enumerate(items)])
        assert len(found) == 1, (items[i], found)
        alone += found
    together = _diagnostics([pair[0] if bad else pair[1] for pair, bad in items])
    assert together == sorted(alone)


@pytest.mark.parametrize(("text", "at", "after"), [
    ('plan "p" extra\nrule A: a > 1\n', (1, 10, 15), "the `plan` header"),
    ('section S1 "s1"\nrule A: a > 1\nsection S2 "s2" extra\nrule B: b > 1\n', (3, 17, 22), "the `section` header"),
    ("section S2 extra more\n", (1, 12, 17), "the `section` header"),  # (`more`: a second condition of `extra`)
    ('unit X "u" extra\n', (1, 12, 17), "the `unit` line"),
    ('event E "e" extra\n', (1, 13, 18), "the `event` line"),
    ("group g: A, B extra\n", (1, 15, 20), "the `group` line"),
    ('metric m "m" extra\n', (1, 14, 19), "the `metric` line"),
    ('metric m "m": count "x" extra\n', (1, 25, 30), "the `metric` line"),
    ("metric c = count(d) extra\n", (1, 21, 26), "the `metric` line"),
    ('dataset d "d":\n  dated by x extra\n', (2, 14, 19), "the `dataset` (begun on line 1)"),
    ('task T "t":\n  lead X Y\n', (2, 10, 11), "the task (begun on line 1)"),
    ('rule R "r":\n  a > 1\n  lead X Y\n', (3, 10, 11), "the rule (begun on line 1)"),
])
def test_a_stray_word_after_a_header_is_an_error_naming_it_in_every_command(text, at, after, tmp_path, capsys) -> None:  # type: ignore[no-untyped-def]
    # issue 21: `section S2 "s2" extra` was no error at all: `extra` read as a bare rule of its own,
    # and `fmt` wrote it on a line of its own
    with pytest.raises(kpirules.KpiError) as info:
        kpirules.parse(text, "p.kpi")
    (d,) = info.value.diagnostics
    word = text.splitlines()[at[0] - 1][at[1] - 1:at[2] - 1]
    assert d.message == f"unexpected `{word}` after {after}: nothing may follow it on its line"
    assert d.span is not None and (d.span.line, d.span.column, d.span.end_column) == at
    plan = tmp_path / "p.kpi"
    plan.write_text(text, encoding="utf-8")
    for args in (["lint", str(plan)], ["fmt", str(plan)], ["check", str(plan), "--data", str(plan)]):
        assert main(args) == 2, args
        assert f"p.kpi:{at[0]}:{at[1]}: error: unexpected `{word}` after" in capsys.readouterr().err
    assert plan.read_text(encoding="utf-8") == text  # (fmt left it as it was)


def test_a_task_or_rule_header_with_a_stray_word_names_it_where_the_colon_was_expected() -> None:
    for text, col in (('task T "t" extra\n  lead X\n', 12), ('rule R "r" extra: a > 1\n', 12)):
        with pytest.raises(kpirules.KpiError) as info:
            kpirules.parse(text, "p.kpi")
        (d,) = info.value.diagnostics
        assert d.message.startswith("unexpected `extra`; expected `:`"), d
        assert d.span is not None and (d.span.line, d.span.column) == (1, col)


#: the lines of one task, each with a mistake of its own and as it is mended (the trial of issue 21)
_TASK_LINES = [('task T1 "t":', None), ("  lead 1x", "  lead X"), ("  due 20200-Q5", "  due 2020-Q4"),
               ("  support @y", "  support Y"), ("  note 5 x", '  note "x"'),
               ('  product "p"', None)]


@settings(max_examples=40, deadline=None)
@given(st.lists(st.booleans(), min_size=len(_TASK_LINES), max_size=len(_TASK_LINES)))
@example([True] * len(_TASK_LINES))
def test_mistakes_on_the_lines_of_one_task_keep_the_messages_they_have_alone(wrong) -> None:  # type: ignore[no-untyped-def]
    # issue 21: after `lead 1x`, the `20200-Q5` of the next line was lost and `product` was "unexpected
    # `product`: it belongs right after a `task` or `rule` header…"; recovery goes on at the item's next
    # line and keeps what each line has to say alone
    def text(bad: set[int]) -> str:
        return "".join((line if i in bad or mended is None else mended) + "\n"
                       for i, (line, mended) in enumerate(_TASK_LINES))

    def said(source: str) -> list[tuple[int, int, str]]:
        try:
            kpirules.parse(source, "p.kpi")
        except kpirules.KpiError as err:
            return [(d.span.line, d.span.column, d.message) for d in err.diagnostics if d.span is not None]
        return []

    bad = {i for i, w in enumerate(wrong) if w and _TASK_LINES[i][1] is not None}
    alone = []
    for i in sorted(bad):
        found = said(text({i}))
        assert len(found) == 1 and found[0][0] == i + 1, found
        alone += found
    assert said(text(bad)) == alone


def test_a_header_without_its_colon_is_said_so_at_its_end() -> None:
    # issue 21: `task T2 "t2"` with no colon gave, on the next line, "unexpected `due`: it belongs right
    # after a `task` or `rule` header…"
    for text, at, header in (('task T1 "t":\n  lead X\ntask T2 "t2"\n  due 2020\n', (3, 13), 'task T2 "t2"'),
                             ("rule R\n  a > 1\n", (1, 7), "rule R"),
                             ('dataset d "d"\n  dated by x\n', (1, 14), 'dataset d "d"')):
        with pytest.raises(kpirules.KpiError) as info:
            kpirules.parse(text, "p.kpi")
        (d,) = info.value.diagnostics
        assert d.message == f"a `:` is missing at the end of `{header}`: a header ends with `:` before its lines"
        assert d.span is not None and (d.span.line, d.span.column) == at and d.hint == f"write `{header}:`"


@pytest.mark.parametrize(("text", "col", "escape"), [
    ('rule A "x\\ty": a > 1\n', 10, "\\t"),
    ('rule A "a\\\\" "b\\"c\\q": a > 1\n', 19, "\\q"),  # (after a `\\` and a `\"` that are escapes)
    ('task T "t":\n  note "C:\\Users"\n', 11, "\\U"),
])
def test_an_escape_the_language_does_not_have_is_named_with_the_ones_it_has(text, col, escape) -> None:  # type: ignore[no-untyped-def]
    # issue 21: `"x\ty"` said "a string is not closed before the end of the line", but it is closed
    with pytest.raises(kpirules.KpiError) as info:
        kpirules.parse(text, "p.kpi")
    (d,) = info.value.diagnostics
    assert d.message == (f"`{escape}` is not an escape of a rule file's strings: a string has `\\\"` (a quote), "
                         "`\\\\` (a backslash) and `\\n` (a new line), no other")
    line = text.count("\n", 0, text.index(escape)) + 1
    assert d.span is not None and (d.span.line, d.span.column, d.span.end_column) == (line, col, col + 2)


def test_a_string_left_open_is_still_said_to_be_open_whatever_its_escapes() -> None:
    for text in ('rule A "x\\ty: a > 1\n', 'rule A "x\\\n'):
        with pytest.raises(kpirules.KpiError) as info:
            kpirules.parse(text, "p.kpi")
        (d,) = info.value.diagnostics
        assert d.message == "a string is not closed before the end of the line" and d.span is not None
        assert (d.span.line, d.span.column) == (1, 8)
    assert kpirules.parse('rule A "q\\"\\\\\\n": a > 1\n', "p.kpi").rules[0].title == 'q"\\\n'


_NO_EXPONENT = "a number in a rule file is written without an exponent"


@pytest.mark.parametrize(("written", "quoted", "why"), [
    ("1e-400", "`1e-400`", _NO_EXPONENT),  # (was quoted `1e`: the word was cut at its sign)
    ("1e+400", "`1e+400`", _NO_EXPONENT),
    ("1e400", "`1e400`", _NO_EXPONENT),
    ("1.5e-", "`1.5e-`", _NO_EXPONENT),  # (was "unexpected character `.`", one column on)
    ("1e-400%", "`1e-400%`", _NO_EXPONENT),
    ("1.5e-3% by 2020", "`1.5e-3%`", _NO_EXPONENT),
    ("2e-3.5", "`2e-3.5`", _NO_EXPONENT),
    ("1e6)", "`1e6`", _NO_EXPONENT),
    ("1.2.3", "`1.2.3`", "a number has at most one decimal point, with digits on both sides"),
    ("1.", "`1.`", "a number has at most one decimal point, with digits on both sides"),
    ("12abc", "`12abc`", "a number is never glued to letters or `_`"),
    ("1_000", "`1_000`", "a number is never glued to letters or `_`"),
    ("1" * 4001 + "e5", "`" + "1" * 30 + "…" + "1" * 18 + "e5` (4,003 characters)", _NO_EXPONENT),
])
def test_a_number_a_rule_file_cannot_read_is_quoted_whole_with_what_is_wrong(written, quoted, why) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(kpirules.KpiError) as info:
        kpirules.parse(f"rule A: x >= {written}\n", "p.kpi")
    (d,) = info.value.diagnostics
    word = written.split(" ")[0].rstrip(")")
    assert d.message == f"{quoted} is not a number kpirules reads: {why}"
    assert d.span is not None and (d.span.line, d.span.column, d.span.end_column) == (1, 14, 14 + len(word))
    assert d.hint is not None and "no exponent" in d.hint and "at most 4,000 digits" in d.hint


def test_a_name_or_an_id_before_a_stray_point_is_no_number() -> None:
    for text, col in (("rule A: x >= x1.\n", 16), ("rule A: x >= 5 .\n", 16), ("rule II.1.: x >= 1\n", 10)):
        with pytest.raises(kpirules.KpiError) as info:
            kpirules.parse(text, "p.kpi")
        d = info.value.diagnostics[0]
        assert d.message.startswith("unexpected character `.`") and d.span is not None and d.span.column == col, d


def test_a_rule_file_of_thousands_of_mistakes_gives_a_bounded_message(capsys, tmp_path) -> None:  # type: ignore[no-untyped-def]
    # issue 21 item 2 for rule files: 5,000 duplicate ids and 5,000 quarters 5 printed 10,000 diagnostics
    # (1.3 MB); of each kind the first 20 are listed, then one line counts the rest
    plan = tmp_path / "p.kpi"
    plan.write_text('plan "H"\n  reporting quarterly\n\n' + "rule A: x >= 1\n" * 5000
                    + "".join(f"task T{i}:\n  due 2020-Q{5 + i % 3}\n" for i in range(5000)), encoding="utf-8")
    assert main(["check", str(plan), "--data", str(plan)]) == 2
    err = capsys.readouterr().err
    assert err.count("error: duplicate id A") == 20 and err.count("there is no quarter") == 20
    assert f"kpirules: error: {plan}: … and 4,979 more like this" in err  # (4,999 duplicates)
    assert f"kpirules: error: {plan}: … and 4,980 more like this" in err
    assert len(err) < 10_000
    # kinds that differ only by a lowercase id count alike; 200 problems at most in all
    plan.write_text("".join(f"rule r{'x' * (i % 7)}y{chr(97 + i % 26)}: x >= 1\n" for i in range(100))
                    + "".join(f"rule z{chr(97 + i // 26)}{chr(97 + i % 26)}: x >= 1\n" * 2 for i in range(500)),
                    encoding="utf-8")
    assert main(["check", str(plan), "--data", str(plan)]) == 2
    err = capsys.readouterr().err
    assert err.count("error: duplicate id") <= 200 and "more problems" in err or "more like this" in err
    # a file of a thousand syntax errors: parsing gives up after 50 and says so
    plan.write_text("".join(f"rule R{i}: x >= >= 1\n" for i in range(1000)), encoding="utf-8")
    assert main(["check", str(plan), "--data", str(plan)]) == 2
    err = capsys.readouterr().err
    assert f"{plan}: … parsing stopped after 50 syntax errors; there may be more after them" in err


def test_a_file_name_in_what_kpirules_says_shows_its_control_characters_as_escapes(capsys, tmp_path) -> None:  # type: ignore[no-untyped-def]
    # `-o` names made from data ("report-$unit.md") are said back in `wrote …` and `reformatted …`
    data = _injection_data(tmp_path, "x", "")
    out = tmp_path / "r\x1b[2J.md"
    main(["report", str(HOSTILE / "injection.kpi"), "--data", str(data), "--period", "2020-Q4", "-o", str(out)])
    err = capsys.readouterr().err
    assert "\x1b" not in err and "r\\x1b[2J.md" in err and out.exists()
    plan = tmp_path / "p\x1b]0;T\x07.kpi"
    plan.write_text("rule   a: x >= 1\n", encoding="utf-8")
    assert main(["fmt", str(plan)]) == 0
    said = capsys.readouterr()
    assert "\x1b" not in said.out + said.err and "p\\x1b]0;T\\x07.kpi" in said.out



def test_every_hostile_file_is_listed_and_read_by_a_test() -> None:
    # tests/data/hostile/README.md lists the cases of issue 21; each file here is one of them, read by a test
    readme = (HOSTILE / "README.md").read_text(encoding="utf-8")
    tests = {p.name: p.read_text(encoding="utf-8") for p in HOSTILE.parent.parent.glob("test_*.py")}
    for path in sorted(HOSTILE.iterdir()):
        if path.name == "README.md":
            continue
        assert f"`{path.name}`" in readme, path.name
        assert any(f'"{path.name}"' in text for text in tests.values()), f"no test reads {path.name}"
    for name, test in re.findall(r"`(test_\w+\.py)::(test_\w+)`", readme):
        assert f"def {test}(" in tests[name], (name, test)


@pytest.mark.skipif(not Path("/dev/zero").exists(), reason="no /dev/zero here")
def test_a_device_or_a_huge_file_as_data_is_refused_in_bounded_memory(capsys, tmp_path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    # `--data /dev/zero` (or a pipe, or a file of gigabytes) was read whole: a MemoryError traceback, exit 1
    monkeypatch.setattr(kpirules.text, "MAX_TEXT_BYTES", 1 << 20)
    plan = HOSTILE / "big_value.kpi"
    for name in ("zero.csv", "zero.json"):
        (tmp_path / name).symlink_to("/dev/zero")
        assert main(["check", str(plan), "--data", str(tmp_path / name)]) == 2
        err = capsys.readouterr().err
        assert f"{tmp_path / name}: the data file is a device, not a file; kpirules reads only regular files" in err
        huge = tmp_path / f"huge{Path(name).suffix}"
        with open(huge, "wb") as fh:
            fh.truncate(2 << 20)  # (sparse: 2 MiB of zeros that take no room)
        assert main(["check", str(plan), "--data", str(huge)]) == 2
        err = capsys.readouterr().err
        if name.endswith(".csv"):  # (a CSV file over the limit is read a line at a time: its first cell is huge)
            assert f"{huge}:1:1: error: a cell of more than 131,072 characters" in err and "stopped reading there" in err
        else:
            assert f"{huge}: the data file is larger than 1,048,576 bytes, the most kpirules reads" in err
    (tmp_path / "zero.xlsx").symlink_to("/dev/zero")
    assert main(["check", str(plan), "--data", str(tmp_path / "zero.xlsx")]) == 2
    assert "zero.xlsx: not a readable .xlsx workbook (not a file: a device or a pipe)" in capsys.readouterr().err
    assert main(["check", "/dev/zero", "--data", str(tmp_path / "huge.json")]) == 2
    assert "/dev/zero: the rule file is a device, not a file" in capsys.readouterr().err
    assert main(["check", str(tmp_path / "huge.json"), "--data", str(tmp_path / "huge.json")]) == 2
    assert "huge.json: the rule file is larger than 1,048,576 bytes" in capsys.readouterr().err


def test_a_named_pipe_is_refused_before_it_is_opened(capsys, tmp_path) -> None:  # type: ignore[no-untyped-def]
    # `mkfifo t/pipe.json` made check (as data or as the rule file), fmt and a .kpitest naming it block for ever
    import os
    import signal

    def stuck(signum, frame):  # type: ignore[no-untyped-def]
        raise TimeoutError("blocked on the pipe")

    plan = HOSTILE / "big_value.kpi"
    for name in ("pipe.json", "pipe.csv", "pipe.kpi", "pipe.kpitest", "pipe"):
        os.mkfifo(tmp_path / name)
    (tmp_path / "p.kpi").write_text(plan.read_text(encoding="utf-8"), encoding="utf-8")
    (tmp_path / "t.kpitest").write_text("plan p.kpi\nas of 2020-12-18\ntest \"a\":\n  data file pipe.csv\n"
                                        "  expect x met\n", encoding="utf-8")
    calls = [(["check", str(plan), "--data", str(tmp_path / "pipe.json")], "pipe.json: the data file"),
             (["check", str(plan), "--data", str(tmp_path / "pipe")], "pipe: the data file"),
             (["check", str(tmp_path / "pipe.kpi"), "--data", str(tmp_path / "pipe.json")], "pipe.kpi: the rule file"),
             (["fmt", str(tmp_path / "pipe.kpi")], "pipe.kpi: the rule file"),
             (["test", str(tmp_path / "pipe.kpitest")], "pipe.kpitest: the test file"),
             (["test", str(tmp_path / "t.kpitest")], "pipe.csv: the data file")]
    old = signal.signal(signal.SIGALRM, stuck)
    try:
        for args, said in calls:
            signal.alarm(20)
            try:
                code = main(args)
            finally:
                signal.alarm(0)
            err = capsys.readouterr()
            assert code != 0, args
            assert f"{said} is a named pipe, not a file; kpirules reads only regular files" in err.out + err.err, args
    finally:
        signal.signal(signal.SIGALRM, old)


def test_the_sources_of_many_unused_metrics_are_found_in_linear_work(capsys, tmp_path) -> None:  # type: ignore[no-untyped-def]
    # a plan of one rule and a CSV of N plan-level rows `2020-Q4,,m{i},{i}`: check took N² (20k rows 2.8 s,
    # 200k never ended): each unused metric's source was looked up by a search of the period's row order
    from kpirules.data.model import FORM_ROW, _Sources

    compared = 0

    class Name(str):
        __hash__ = str.__hash__

        def __eq__(self, other: object) -> bool:
            nonlocal compared
            compared += 1
            return str.__eq__(self, other)

    n = 3000
    sources = _Sources()
    at = sources.origin("m.csv", FORM_ROW)
    assert at is not None
    snapshot = (("2020", 4), None)
    sources.run(snapshot, (at << 40) | 2, {Name(f"m{i}"): i for i in range(n)})  # type: ignore[arg-type]
    rows = [sources.raw(snapshot, f"m{i}") for i in range(n)]  # type: ignore[arg-type]
    assert [sources.build(r, "") for r in rows[:2] + rows[-1:]] == [  # type: ignore[arg-type]
        kpirules.data.Source("m.csv", "row 2"), kpirules.data.Source("m.csv", "row 3"),
        kpirules.data.Source("m.csv", f"row {n + 1}")]
    assert sources.raw(snapshot, "not there") is None  # type: ignore[arg-type]
    assert compared <= 2 * n + 2, compared  # (a search of each name: n²/2 = 4,500,000)
    (tmp_path / "p.kpi").write_text('rule A "a": x > 1\n', encoding="utf-8")
    (tmp_path / "m.csv").write_text("period,unit,metric,value\n2020-Q4,,x,5\n"
                                    + "".join(f"2020-Q4,,m{i},{i}\n" for i in range(n)), encoding="utf-8")
    assert main(["check", str(tmp_path / "p.kpi"), "--data", str(tmp_path / "m.csv")]) == 0
    err = capsys.readouterr().err
    assert f"no rule reads the metric m19 given in the data ({tmp_path / 'm.csv'}: row 22)" in err
    assert "more warnings like this (unused_metric)" in err

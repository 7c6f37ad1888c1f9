"""`kpirules fmt`: the canonical layout, comments kept, round trips, the command."""

from __future__ import annotations

import datetime
import re
from fractions import Fraction
from pathlib import Path

import attrs
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kpirules import nodes as n
from kpirules.lang.parser import parse_text
from kpirules.lang.unparse import expr_text
from kpirules.cli import main
from kpirules.errors import KpiSyntaxError
from kpirules.fmt import format_plan, format_text
from kpirules.periods import Kind, parse_period

ROOT = Path(__file__).resolve().parent.parent


def _bare_ids_cleared(plan: n.Plan) -> n.Plan:
    """Bare rules take their id from their line, which formatting may move."""
    items = [attrs.evolve(i, id="") if isinstance(i, n.Rule) and i.bare else i for i in plan.items]
    return attrs.evolve(plan, items=items)


# --- a small private strategy for plans (kpirules.testing will offer public ones) --

METRICS = ["a", "b", "online_records", "all_records", "x1", "eid_users"]
PERIODS = ["2018", "2020", "Q4/2019", "2020-Q4", "2021-H1", "2020-03"]
TEXTS = st.text(alphabet='abc xyzĐđăâêôơưạếờữ"\\', max_size=12).filter(lambda s: "\\n" not in s)
IDENTS = st.sampled_from(["II.1.a.1", "6", "r1", "nq17.eid", "Quy tắc 1", "by", "PL.VI"])
UNITS = st.sampled_from(["TTCNTT", "VPB", "Các đơn vị thuộc Bộ", "Vụ KH-TC", "unit"])


def _number() -> st.SearchStrategy[n.Expr]:
    ints = st.integers(0, 10**6).map(str)
    decimals = st.tuples(st.integers(0, 999), st.integers(0, 999)).map(lambda t: f"{t[0]}.{t[1]:03d}")
    return st.one_of(ints, decimals).map(lambda t: n.Number(Fraction(t), t))


def _percent() -> st.SearchStrategy[n.Expr]:
    texts = st.sampled_from(["0%", "20%", "12.5%", "100%", "150%"])
    return texts.map(lambda t: n.Percent(Fraction(t[:-1]) / 100, t))


def _period_ref() -> st.SearchStrategy[n.PeriodRef]:
    return st.sampled_from(PERIODS).map(lambda t: n.PeriodRef(parse_period(t), t))


def _date_ref() -> st.SearchStrategy[n.DateRef]:
    return st.dates(datetime.date(2019, 1, 1), datetime.date(2026, 12, 31)).map(
        lambda d: n.DateRef(d, d.isoformat())
    )


_WHEN = st.one_of(_period_ref(), _date_ref())

_LEAVES = st.one_of(
    _number(),
    _percent(),
    st.booleans().map(n.Bool),
    TEXTS.map(n.Text),
    st.sampled_from(METRICS).map(n.Metric),
    st.just(n.Count()),
)


def _extend(sub: st.SearchStrategy[n.Expr]) -> st.SearchStrategy[n.Expr]:
    at_when = st.one_of(_period_ref(), _date_ref(), st.just(n.Previous()), st.sampled_from(METRICS).map(n.Metric))
    return st.one_of(
        st.builds(n.At, sub, at_when),
        st.builds(n.Neg, sub),
        st.builds(n.Not, sub),
        st.builds(n.Arith, st.sampled_from("+-*/"), sub, sub),
        st.builds(n.Compare, st.sampled_from([">=", ">", "<=", "<", "==", "!="]), sub, sub),
        st.builds(n.Between, sub, sub, sub),
        st.builds(n.Logic, st.sampled_from(["and", "or"]), sub, sub),
        st.builds(n.Call, st.sampled_from(["ratio", "change"]), st.tuples(sub, sub)),
        st.builds(n.Call, st.sampled_from(["sum", "min", "max", "avg"]), st.tuples(sub)),
        st.builds(n.Count, sub),
    )


EXPRS = st.recursive(_LEAVES, _extend, max_leaves=12)

_TIME = st.one_of(st.none(), st.builds(n.By, _WHEN), st.builds(n.Span_, _WHEN, _WHEN))
_UNIT_LISTS = st.lists(UNITS, max_size=3).map(tuple)
_NOTES = st.one_of(st.none(), TEXTS)

_RULES = st.builds(
    n.Rule, IDENTS, st.one_of(st.none(), TEXTS), EXPRS, _TIME,
    per_unit=st.booleans(), lead=_UNIT_LISTS, support=_UNIT_LISTS, note=_NOTES,
)
# a bare rule may not begin with `-` (it would continue the rule above) nor with a
# string (it would be read as the title of a section above without one)
_BARE = st.builds(
    n.Rule, st.just("L0"), st.none(), EXPRS.filter(lambda e: not expr_text(e).startswith(("-", '"'))), _TIME,
    bare=st.just(True),
)
_TASKS = st.builds(
    n.Task, IDENTS, st.one_of(st.none(), TEXTS), lead=_UNIT_LISTS, support=_UNIT_LISTS,
    due=st.lists(_WHEN, max_size=2).map(tuple), product=_NOTES, note=_NOTES,
    after=st.lists(IDENTS, max_size=2).map(tuple),
)
_SECTIONS = st.builds(n.Section, IDENTS, st.one_of(st.none(), TEXTS))
_REPORTING = st.builds(
    n.Reporting,
    st.sampled_from([Kind.MONTH, Kind.QUARTER, Kind.HALF, Kind.YEAR]),
    st.one_of(st.none(), st.integers(1, 28)),
    st.just(False),
    st.one_of(st.none(), st.integers(1, 28)),
) | st.builds(n.Reporting, st.sampled_from([Kind.QUARTER, Kind.MONTH]), st.none(), st.just(True),
              st.one_of(st.none(), st.integers(1, 28)))


@st.composite
def plans(draw: st.DrawFn) -> n.Plan:
    items = draw(st.lists(st.one_of(_RULES, _BARE, _TASKS, _SECTIONS), max_size=5))
    if not draw(st.booleans()):
        return n.Plan(items=items)
    return n.Plan(
        id=draw(IDENTS),
        title=draw(st.one_of(st.none(), TEXTS)),
        issued=draw(st.one_of(st.none(), st.dates(datetime.date(2015, 1, 1), datetime.date(2030, 1, 1)))),
        implements=draw(st.one_of(st.none(), TEXTS)),
        reporting=draw(st.one_of(st.none(), _REPORTING)),
        items=items,
    )


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(plans())
def test_parse_of_format_is_the_plan(plan: n.Plan) -> None:
    text = format_plan(plan)
    assert _bare_ids_cleared(parse_text(text)) == _bare_ids_cleared(plan), text
    assert format_text(text) == text


@settings(max_examples=150, deadline=None)
@given(EXPRS)
def test_expression_text_round_trips(expr: n.Expr) -> None:
    text = f"rule r: {expr_text(expr)}\n"
    assert parse_text(text).items[0].condition == expr


# --- every .kpi in the repository --------------------------------------------


def _repository_sources() -> list[tuple[str, str]]:
    found = []
    for path in sorted([*ROOT.glob("rules/**/*.kpi"), *ROOT.glob("tests/data/**/*.kpi"),
                        *ROOT.glob("examples/**/*.kpi"), *ROOT.glob("docs/**/*.kpi")]):
        found.append((str(path.relative_to(ROOT)), path.read_text(encoding="utf-8")))
    for path in sorted([*ROOT.glob("docs/**/*.md"), ROOT / "README.md"]):
        if not path.exists():
            continue
        blocks = re.findall(r"```kpi\n(.*?)```", path.read_text(encoding="utf-8"), re.S)
        found.extend((f"{path.relative_to(ROOT)}#{i}", b) for i, b in enumerate(blocks))
    parsable = []
    for name, text in found:
        try:
            parse_text(text)
        except KpiSyntaxError:
            continue  # a deliberately broken example
        parsable.append((name, text))
    return parsable


SOURCES = _repository_sources()


def test_the_repository_has_rule_files() -> None:
    assert any(name.startswith("rules/") for name, _ in SOURCES)


@pytest.mark.parametrize(("name", "text"), SOURCES, ids=[s[0] for s in SOURCES])
def test_format_is_idempotent_on_repository_files(name: str, text: str) -> None:
    once = format_text(text)
    assert format_text(once) == once
    assert _bare_ids_cleared(parse_text(once)) == _bare_ids_cleared(parse_text(text))
    assert format_plan(parse_text(once)) == format_plan(parse_text(text))
    # every comment survives, in the same order
    assert _comments(once) == _comments(text)


def _comments(text: str) -> list[str]:
    from kpirules.fmt import comments_of

    return [c.text for c in comments_of(text)]


# --- the layout --------------------------------------------------------------

MESSY = '''# đầu tệp

# second
plan   x  # eol plan
   reporting quarterly    cutoff 15 due 20
  # before title
 title "Kế hoạch \\"17\\" \\\\ Việt"
section  A   # sec eol
rule r1 "a":   # head eol
   for each unit:   ((ratio(a,b)))>=(20.50%) # cond eol
   # before note
   note "n"
   lead   X,"Y z"
ratio(a,b)>=1 and (c or d) by 2020  # bare

task 1:  after 2
  due Q4/2019 ,2025
task 2 "t"
  :
  lead A
# trailing
'''

TIDY = '''# đầu tệp

# second
plan x  # eol plan
  # before title
  title "Kế hoạch \\"17\\" \\\\ Việt"
  reporting quarterly cutoff 15 due 20

section A  # sec eol

rule r1 "a":  # head eol
  for each unit: ratio(a, b) >= 20.50%  # cond eol
  lead X, "Y z"
  # before note
  note "n"

ratio(a, b) >= 1 and (c or d) by 2020  # bare

task 1:
  due Q4/2019, 2025
  after 2

task 2 "t":
  lead A

# trailing
'''


def test_messy_file_gets_the_canonical_layout() -> None:
    assert format_text(MESSY) == TIDY
    assert format_text(TIDY) == TIDY


def test_task_attributes_in_fixed_order() -> None:
    src = 'task 7 "T":\n  after 6\n  note "n"\n  product "p"\n  due 2020\n  support B\n  lead A\ntask 6:\n'
    assert format_text(src) == (
        'task 7 "T":\n  lead A\n  support B\n  due 2020\n  product "p"\n  note "n"\n  after 6\n\ntask 6:\n'
    )


def test_numbers_periods_and_vietnamese_text_keep_their_spelling() -> None:
    src = 'rule "Quy tắc một" "Tỷ lệ hồ sơ — “trực tuyến”":\n  x * 1.50 >= 020 + 12.50% by Q4/2019\n'
    assert format_text(src) == src


def test_parentheses_only_where_needed() -> None:
    src = "rule r: ((a + b)) * (c) >= (1) and not ((d or e)) by 2020-06-30\n"
    assert format_text(src) == "rule r:\n  (a + b) * c >= 1 and not (d or e) by 2020-06-30\n"


def test_comment_between_items_keeps_its_blank_lines() -> None:
    src = "rule a: x > 1\n\n\n# about b\n\n\n\nrule b: y > 1\n"
    assert format_text(src) == "rule a:\n  x > 1\n\n# about b\n\nrule b:\n  y > 1\n"


def test_hash_inside_a_string_is_not_a_comment() -> None:
    src = 'section S "số #1"  # real\n'
    assert format_text(src) == src


def test_several_end_of_line_comments_on_one_joined_line() -> None:
    src = "rule r: a  # one\n  >= 1  # two\n"
    out = format_text(src)
    assert out == "rule r:\n  a >= 1  # one  # two\n"
    assert format_text(out) == out


def test_only_comments_and_empty_file() -> None:
    assert format_text("") == ""
    assert format_text("# just a note\n") == "# just a note\n"


def test_crlf_and_bom_are_normalised() -> None:
    assert format_text("\ufeffsection A\r\n\r\nsection B\r\n") == "section A\n\nsection B\n"


def test_syntax_error_is_raised() -> None:
    with pytest.raises(KpiSyntaxError, match="1:14"):
        format_text("rule x: a >= by 2020\n", "x.kpi")


# --- the command -------------------------------------------------------------


def test_fmt_check_names_files_that_would_change(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "sub").mkdir()
    messy = tmp_path / "sub" / "messy.kpi"
    messy.write_text(MESSY, encoding="utf-8")
    tidy = tmp_path / "tidy.kpi"
    tidy.write_text(TIDY, encoding="utf-8")
    (tmp_path / "notes.txt").write_text("rule ((", encoding="utf-8")
    assert main(["fmt", "--check", str(tmp_path)]) == 1
    out = capsys.readouterr().out
    assert str(messy) in out and str(tidy) not in out
    assert messy.read_text(encoding="utf-8") == MESSY  # --check changes nothing
    assert main(["fmt", "--check", str(tidy)]) == 0


def test_fmt_rewrites_in_place(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    f = tmp_path / "p.kpi"
    f.write_text(MESSY, encoding="utf-8")
    assert main(["fmt", str(f)]) == 0
    assert f.read_text(encoding="utf-8") == TIDY
    assert f"reformatted {f}" in capsys.readouterr().out
    assert main(["fmt", "--check", str(f)]) == 0


def test_fmt_diff_prints_a_unified_diff(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    f = tmp_path / "p.kpi"
    f.write_text("rule r: a>=1\n", encoding="utf-8")
    assert main(["fmt", "--diff", str(f)]) == 1
    out = capsys.readouterr().out
    assert "-rule r: a>=1\n" in out and "+  a >= 1\n" in out and out.startswith("---")
    assert f.read_text(encoding="utf-8") == "rule r: a>=1\n"


def test_fmt_parse_error_exits_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    bad = tmp_path / "bad.kpi"
    bad.write_text("rule x: a >= by 2020\n", encoding="utf-8")
    good = tmp_path / "good.kpi"
    good.write_text("rule r: a>=1\n", encoding="utf-8")
    assert main(["fmt", str(bad), str(good)]) == 2
    err = capsys.readouterr().err
    assert f"{bad}:1:14" in err
    assert good.read_text(encoding="utf-8") == "rule r:\n  a >= 1\n"  # the good file is still formatted


def test_fmt_missing_path_exits_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["fmt", str(tmp_path / "nope.kpi")]) == 2
    assert "no such file" in capsys.readouterr().err


def test_shipped_rules_are_formatted(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["fmt", "--check", str(ROOT / "rules")]) == 0


def test_long_condition_puts_the_time_clause_below() -> None:
    cond = "ratio(dossiers_online, dossiers_handled) >= 2 * ratio(dossiers_online, dossiers_handled) at previous"
    out = format_text(f"rule r: {cond} by 2020 lead A\n")
    assert out == f"rule r:\n  {cond}\n  by 2020\n  lead A\n"
    assert format_text(out) == out


def test_unit_list_takes_its_own_line_and_groups_stay_together() -> None:
    src = "group g1: A, B\n\n\ngroup g2: \"Bộ X\"\nrule r: for each unit in g1, g2: a > 1 by 2020\n"
    out = format_text(src)
    assert out == 'group g1: A, B\ngroup g2: "Bộ X"\n\nrule r:\n  for each unit in g1, g2:\n    a > 1 by 2020\n'
    assert format_text(out) == out

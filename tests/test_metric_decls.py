"""Metric declarations (issue 17 item 1): `metric NAME "Title": KIND "unit of measure"`."""

from __future__ import annotations

import json
import pathlib

import pytest

import kpirules
from kpirules.fmt import format_text
from kpirules.lint import lint_text
from kpirules.nodes import METRIC_KINDS

PLAN = ('plan "p"\n  reporting quarterly cutoff 15 due 20\n\n'
        'metric online "Số hồ sơ trực tuyến": count "hồ sơ"\n'
        'metric records "Tổng số hồ sơ": count "hồ sơ"\n'
        'metric hours: amount "giờ"\n'
        'metric portal "Cổng có giao diện di động": yesno\n'
        'metric plain\n\n'
        'rule r "Tỷ lệ":\n  ratio(online, records) >= 20% by 2020\n')


def test_every_part_after_the_name_is_optional_and_kept() -> None:
    plan = kpirules.parse(PLAN, "p.kpi")
    got = {m.name: (m.title, m.kind, m.measure) for m in plan.metrics.values()}
    assert got == {"online": ("Số hồ sơ trực tuyến", "count", "hồ sơ"), "records": ("Tổng số hồ sơ", "count", "hồ sơ"),
                   "hours": (None, "amount", "giờ"), "portal": ("Cổng có giao diện di động", "yesno", None),
                   "plain": (None, None, None)}
    assert plan.metric_title("online") == "Số hồ sơ trực tuyến" and plan.metric_title("hours") is None
    assert [r.id for r in plan.rules] == ["r"]


@pytest.mark.parametrize("kind", [k for k in METRIC_KINDS if k != "count"])  # (`count` was reserved already)
def test_the_kind_words_are_still_metric_names_elsewhere(kind: str) -> None:
    plan = kpirules.parse(f"metric m: {kind}\n{kind} > 1\nrule r: {kind} >= 2\n", "p.kpi")
    assert plan.metrics["m"].kind == kind
    assert [r.condition.left.name for r in plan.rules] == [kind, kind]  # type: ignore[attr-defined]


def test_fmt_writes_a_declaration_in_one_canonical_line_and_keeps_it() -> None:
    messy = PLAN.replace('metric online "Số hồ sơ trực tuyến": count "hồ sơ"',
                         'metric   online "Số hồ sơ trực tuyến" :count   "hồ sơ"')
    out = format_text(messy, "p.kpi")
    assert 'metric online "Số hồ sơ trực tuyến": count "hồ sơ"\n' in out
    assert format_text(out, "p.kpi") == out
    assert kpirules.parse(out).ast.metrics == kpirules.parse(PLAN).ast.metrics


def test_a_metric_declared_twice_is_a_load_error() -> None:
    with pytest.raises(kpirules.KpiSemanticError, match=r"metric online is declared twice \(first at line 4\)"):
        kpirules.parse(PLAN + 'metric online: share\n', "p.kpi")


def test_an_unknown_kind_is_a_syntax_error() -> None:
    with pytest.raises(kpirules.KpiSyntaxError):
        kpirules.parse('metric m: number\n', "p.kpi")


def test_a_rule_reading_an_undeclared_metric_is_k018_only_when_the_plan_declares_metrics() -> None:
    text = PLAN + "\nrule s:\n  onlin >= 1 by 2020\n"
    found = [(f.code, f.message) for f in lint_text(text, "p.kpi")]
    assert ("K018", "rule s reads onlin, which the plan does not declare (`metric onlin \"…\"`); did you mean "
                    "online?") in found
    bare = "rule s:\n  onlin >= 1 by 2020\n"
    assert not [f for f in lint_text(bare, "p.kpi") if f.code == "K018"]


def test_the_report_names_a_declared_metric_by_its_title_and_the_json_by_its_id(tmp_path: pathlib.Path) -> None:
    from kpirules.cli import main

    plan = tmp_path / "p.kpi"
    plan.write_text(PLAN, encoding="utf-8")
    data = tmp_path / "d.json"
    data.write_text(json.dumps({"snapshots": [{"period": "2020-Q4", "values": {"online": 5, "records": 0}}]}))
    md = tmp_path / "r.md"
    assert main(["report", str(plan), "--data", str(data), "--period", "2020-Q4", "-o", str(md)]) in (0, 1)
    assert "mẫu số “Tổng số hồ sơ” bằng 0" in md.read_text(encoding="utf-8")
    results = kpirules.parse(PLAN).evaluate(kpirules.load_data(data), "2021-01-05")
    r = results.by_id("r")[0]
    assert r.reason_code == "zero_denominator" and r.reason_args["denominator"] == "records"
    assert "records" in str(r.reason) and "Tổng số hồ sơ" not in str(r.reason)


def test_a_datasets_title_is_not_taken_for_a_metric_of_the_same_name() -> None:
    plan = kpirules.parse('dataset dossiers "Hồ sơ thủ tục hành chính":\n  dated by resolved_on\n\n'
                          'metric all_records "Tổng số hồ sơ" = count(dossiers)\n\n'
                          'rule r:\n  dossiers >= 1 by 2020\n  stretch all_records >= 1\n', "p.kpi")
    assert plan.metric_title("all_records") == "Tổng số hồ sơ"
    assert plan.metric_title("dossiers") is None


@pytest.mark.parametrize(("lang", "shown"), [
    ("vi", "số liệu “Số hồ sơ trực tuyến” và “Tổng số hồ sơ” cần số, nhưng số liệu là văn bản \"đang rà soát\""),
    ("en", "the data “Số hồ sơ trực tuyến” and “Tổng số hồ sơ” needs numbers, but got the text \"đang rà soát\""),
])
def test_a_value_of_the_wrong_kind_is_named_by_the_titles_of_what_the_rule_reads(
        tmp_path: pathlib.Path, lang: str, shown: str) -> None:
    """Issue 19: "`ratio(procedures_level34_ready, admin_procedures)` cần số" leaked the rule language
    to readers; the report names the data by its titles, the JSON keeps the expression as written."""
    from kpirules.cli import main

    plan = tmp_path / "p.kpi"
    plan.write_text(PLAN, encoding="utf-8")
    data = tmp_path / "d.json"
    data.write_text(json.dumps({"snapshots": [{"period": "2020-Q4", "values": {"online": "đang rà soát",
                                                                               "records": 4}}]}))
    for out in ("r.md", "r.html"):
        assert main(["report", str(plan), "--data", str(data), "--period", "2020-Q4", "--lang", lang,
                     "-o", str(tmp_path / out)]) == 1
        text = (tmp_path / out).read_text(encoding="utf-8").replace("&#34;", '"').replace("&quot;", '"')
        assert shown in text
        assert "ratio(" not in text and "`" not in text.split("<body", 1)[-1]
    results = kpirules.parse(PLAN).evaluate(kpirules.load_data(data), "2021-01-05")
    r = results.by_id("r")[0]
    assert r.status == "error" and r.reason_args["expr"] == "ratio(online, records)"
    assert str(r.reason) == '`ratio(online, records)` needs numbers, but got the text "đang rà soát"'


def test_an_expression_without_titled_metrics_stays_as_written_in_the_report() -> None:
    from kpirules.messages import Expr, Message
    from kpirules.report.reasons import TitledStyle

    plan = kpirules.parse(PLAN)
    m = Message("not_a_truth", expr=Expr("plain > 1"), got=None)
    assert m.render("vi", TitledStyle(plan)).startswith("`plain > 1`")
    m = Message("not_a_truth", expr=Expr("hours_x(online) > 1"), got=None)
    assert "“Số hồ sơ trực tuyến”" in m.render("en", TitledStyle(plan))

"""Reasons and warnings as data: every message code, from real evaluations, in English and Vietnamese."""

from __future__ import annotations

import datetime
import json
import string
from pathlib import Path
from typing import Any

import pytest

import kpirules
from kpirules.data import data_from_snapshots
from kpirules.messages import PLAIN, Label, Message, catalog_of, codes
from kpirules.report.reasons import STYLE, reason_text, warning_text

HERE = Path(__file__).resolve().parent / "data" / "messages"

#: codes no evaluation makes: an undefined value without any reason (the engine always gives one)
NEVER_MADE = {"unknown"}


def _walk(v: Any):  # type: ignore[no-untyped-def]
    """Every message in ``v`` and in its arguments."""
    if isinstance(v, Message):
        yield v
        for a in v.args.values():
            yield from _walk(a)
    elif isinstance(v, tuple):
        for a in v:
            yield from _walk(a)


def _evaluations() -> list[Any]:
    from kpirules.engine import evaluate

    plan = kpirules.load(HERE / "plan.kpi")
    each = kpirules.parse('plan "Q"\n  reporting quarterly\nrule E "each": for each unit: a >= 1\n')
    early = kpirules.parse('plan "Q"\n  reporting quarterly\nrule R "r": a >= 1\n')
    out = [plan.evaluate(HERE / "data.json", "2021-01-05"),
           each.evaluate(HERE / "no_units.json", "2021-01-05"),
           early.evaluate(HERE / "no_units.json", "0001-02-01"),
           each.evaluate(HERE / "similar_units.json", "2021-01-05"),
           # 24 periods outside the plan's one year: 20 warnings listed, one counting the other 4
           kpirules.parse('plan "Q"\n  reporting quarterly\nrule R "r": a >= 1 by 2020-12-31\n').evaluate(
               data_from_snapshots([{"period": f"{y}-Q1", "values": {"a": 1}} for y in range(2000, 2025)]
                                   + [{"period": "2020-Q4", "values": {"a": 1}}]), "2021-01-05"),
           # a flood of negative counts: the first 20 listed, the other 1,080 counted
           kpirules.parse('rule R: for each unit: x >= 1\n').evaluate(data_from_snapshots(
               [{"period": "2020-Q4", "unit": f"U{i}", "values": {"x": -1}} for i in range(1_100)]), "2020-12-28")]
    out += _records_evaluations()
    saved = evaluate.RULE_SECONDS
    evaluate.RULE_SECONDS = -1  # every rule out of time at once: the reason it then gets
    try:
        out.append(early.evaluate(HERE / "no_units.json", "2021-01-05"))
    finally:
        evaluate.RULE_SECONDS = saved
    return out


RECORDS_PLAN = """plan "R"
  reporting quarterly cutoff 15 due 20
{units}
dataset d "Hồ sơ":
  dated by ngay
  unit by dv

metric n "Hồ sơ" = count(d)

rule R "r":
  for each unit: n >= 1 by 2020
"""

#: rows that make every records_* warning: no date, a date outside 2020's windows, no unit, units the
#: plan does not declare (with declared units) or spelled two ways (without)
RECORDS_ROWS = [{"ngay": "2020-01-10", "dv": "HG"}, {"ngay": "", "dv": "HG"}, {"ngay": "2018-05-01", "dv": "HG"},
                {"ngay": "2020-01-11", "dv": ""}, {"ngay": "2020-01-12", "dv": "Ha Giang"},
                {"ngay": "2020-01-12", "dv": "Ha giang"}, {"ngay": "2020-01-13", "dv": "XX"}]


def _records_evaluations() -> list[Any]:
    """The warnings of metrics counted from records (engine.records), with and without declared units."""
    out = []
    for units in ('unit HG "Hà Giang"\n', ""):
        plan = kpirules.parse(RECORDS_PLAN.format(units=units))
        data = kpirules.records_data(plan, {"d": [dict(r) for r in RECORDS_ROWS]}, engine="python")
        out.append(plan.evaluate(data, "2020-03-20"))
    return out


@pytest.fixture(scope="module")
def made() -> dict[str, list[Message]]:
    """code → the messages of that code made by the evaluations (reasons, warnings, and what they contain)."""
    out: dict[str, list[Message]] = {}
    for results in _evaluations():
        for m in [r.reason for r in results] + [w.message for w in results.warnings]:
            for x in _walk(m):
                out.setdefault(x.code, []).append(x)
        for r in results:  # what the report makes of a reason whose deadline it shows next to it
            if r.reason_code == "deadline_not_reached":
                out.setdefault("latest_data", []).append(Message("latest_data", latest=r.reason.args["latest"]))
    return out


def test_every_language_has_a_template_for_every_code() -> None:
    en, vi = set(catalog_of("en")["templates"]), set(catalog_of("vi")["templates"])
    assert en == vi == codes(), (en ^ vi)


def test_the_templates_name_only_the_arguments_their_messages_have(made: dict[str, list[Message]]) -> None:
    for lang in ("en", "vi"):
        for code, template in catalog_of(lang)["templates"].items():
            names = {f.split(":")[0] for _, f, _, _ in string.Formatter().parse(template.replace("[[", "").replace(
                "]]", "")) if f} - {"to"}
            for m in made.get(code, []):
                assert names <= set(m.args), (lang, code, names - set(m.args))


def test_every_code_comes_from_a_real_evaluation(made: dict[str, list[Message]]) -> None:
    assert set(made) | NEVER_MADE == codes(), sorted(codes() - set(made) - NEVER_MADE)


def test_every_code_renders_in_english_and_vietnamese(made: dict[str, list[Message]]) -> None:
    for code, messages in made.items():
        for m in messages:
            en, vi = m.render("en"), m.render("vi")
            en_people, vi_people = m.render("en", STYLE), m.render("vi", STYLE)
            assert en == str(m)  # the plain English is the text of the JSON
            for text in (en, vi, en_people, vi_people):
                assert text and "{" not in text and "[[" not in text, (code, text)
            assert vi != en and vi_people != en_people, code  # never English in a Vietnamese text
            for name, a in m.args.items():  # every argument a person reads is in the text
                if isinstance(a, str) and not isinstance(a, (Label, Message)) and a and name not in ("need",):
                    if code == "overdue" and name == "progress":
                        continue
                    assert a in en and a in vi, (code, name, a)
    assert made["no_value"][0].render("vi", STYLE) == "thiếu số liệu a2 trong Quý IV/2020"
    assert made["no_value"][0] == "no value for a2 in 2020-Q4"


def test_a_missing_template_is_an_error_not_english() -> None:
    templates = catalog_of("vi")["templates"]
    saved = templates.pop("no_value")
    try:
        with pytest.raises(KeyError, match="no_value"):
            Message("no_value", metric="x", period=Label("2020-Q4"), fallback=None, unit=None).render("vi")
    finally:
        templates["no_value"] = saved


def test_never_made_codes_render_too() -> None:
    for code in NEVER_MADE:
        m = Message(code)
        assert m.render("vi") != m.render("en")


def test_the_json_carries_the_code_and_arguments() -> None:
    results = _evaluations()[0]
    doc = json.loads(json.dumps(results.to_json()))
    by = {(r["id"], r["unit"]): r for r in doc["results"]}
    assert by[("NOV", None)]["reason_code"] == "no_value"
    assert by[("NOV", None)]["reason_args"] == {"metric": "a2", "period": "2020-Q4", "fallback": None, "unit": None}
    assert by[("EACH", "C")]["reason_args"] == {"unit": "C", "period": "2020-Q4", "fallback": None}
    assert by[("TXT", None)]["reason_args"]["got"] == {"type": "text", "value": "text"}
    assert by[("T9", None)]["reason_args"]["history"] == [
        {"code": "delivery_late", "args": {"phase": "2020-Q4", "done_on": "2021-01-02"}}]
    assert by[("HOLD", None)]["reason_code"] == "holds_in_span"
    assert by[("SHARE", None)]["reason_code"] is None and by[("SHARE", None)]["reason_args"] is None
    w = next(w for w in doc["warnings"] if w["code"] == "unit_stopped_reporting")
    assert w["args"] == {"unit": "C", "last": "2020-Q3", "current": "2020-Q4"}


def test_the_vietnamese_report_has_no_english_reason() -> None:
    from kpirules.report import build_report, render

    plan = kpirules.load(HERE / "plan.kpi")
    report = build_report(plan, str(HERE / "data.json"), "2020-Q4", as_of=datetime.date(2021, 1, 5), lang="vi")
    english = [str(r.reason) for r in report.results if r.reason] + [str(w.message) for w in report.results.warnings]
    doc = json.loads(render(report, "json"))
    shown = [r["reason_text"] for r in doc["results"] if r.get("reason_text")]
    assert len(shown) == len([r for r in report.results if r.reason])
    for fmt, text in (("md", render(report, "md")), ("html", render(report, "html")), ("json", "\n".join(shown))):
        for phrase in ("no value for", "did not report", "needs numbers", "is 0 in", "not reached", "waiting for",
                       "nothing reported", "delivery was done", "reported for", "a count cannot"):
            assert phrase not in text, (fmt, phrase)
        for reason in english:
            assert reason not in text, (fmt, reason)


def test_the_report_words_a_reason_from_its_code_not_its_text() -> None:
    """Rewording an English template changes the JSON text; the Vietnamese report stays Vietnamese."""
    results = _evaluations()[0]
    r = next(x for x in results if x.id == "NOV")
    templates = catalog_of("en")["templates"]
    saved = templates["no_value"]
    templates["no_value"] = "nothing for {metric} in {period}[[ (nor {fallback})]][[ for unit {unit}]]"
    try:
        again = next(x for x in kpirules.load(HERE / "plan.kpi").evaluate(HERE / "data.json", "2021-01-05")
                     if x.id == "NOV")
        assert again.reason == "nothing for a2 in 2020-Q4"
        assert reason_text(again, "vi") == reason_text(r, "vi") == "thiếu số liệu a2 trong Quý IV/2020"
    finally:
        templates["no_value"] = saved


def test_warnings_render_in_both_languages() -> None:
    results = _evaluations()[0]
    texts = {w.code: (warning_text(w.message, "vi"), warning_text(w.message, "en")) for w in results.warnings}
    assert texts["unit_stopped_reporting"] == ("Đơn vị C đã báo cáo Quý III/2020 nhưng không báo cáo Quý IV/2020",
                                              "Unit C reported for Q3 2020 but not for Q4 2020")
    assert texts["unknown_task"][0] == "Số liệu báo cáo tiến độ nhiệm vụ TX, nhưng kế hoạch không có nhiệm vụ này"
    assert PLAIN.span == "…" and STYLE.span == " – "

"""`kpirules report`: structure and numbers on a crafted plan, the three formats, languages, files."""

from __future__ import annotations

import datetime
import json
import re
from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction
from html.parser import HTMLParser
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kpirules import load
from kpirules import parse as kpirules_parse
from kpirules.cli import main
from kpirules.engine.evaluate import RULE_STATUSES, TASK_STATUSES
from kpirules.periods import parse_period
from kpirules.report import STATUS_LABELS, build_report, fmt_date, fmt_decimal, fmt_percent, render

HERE = Path(__file__).parent
PLAN = str(HERE / "data" / "report" / "plan.kpi")
DATA = str(HERE / "data" / "report" / "data.json")
ROOT = HERE.parent
EXAMPLE_PLAN = ROOT / "rules" / "nq17_bkhcn.kpi"
EXAMPLE_DATA = ROOT / "examples" / "nq17_bkhcn" / "data.json"
MESSAGES = ROOT / "tests" / "data" / "messages"

#: the attention list of the crafted plan for 2020-Q4, most urgent first: (id, unit)
ATTENTION = [("4", None), ("A.1.y", None), ("A.1.m", None), ("A.2.e", None), ("A.2.u", "U2"), ("A.2.x", None)]
RULE_COUNTS = {"met": 3, "not_met": 3, "on_track": 1, "at_risk": 1, "no_data": 2, "error": 1}
TASK_COUNTS = {"done": 1, "done_late": 1, "open": 1, "overdue": 1, "blocked": 1, "no_data": 1}


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(["report", PLAN, "--data", DATA, "--period", "2020-Q4", *args])
    out, err = capsys.readouterr()
    return code, out, err


@pytest.fixture(scope="module")
def reports() -> dict[str, str]:
    plan = load(PLAN)
    report = build_report(plan, DATA, "2020-Q4")
    return {fmt: render(report, fmt) for fmt in ("md", "html", "json")}


# --------------------------------------------------------------------------- numbers


def test_percent_from_fractions() -> None:
    assert fmt_percent(Fraction(617, 2500), "en") == "24.68%"
    assert fmt_percent(Fraction(617, 2500), "vi") == "24,68%"
    assert fmt_percent(Fraction(211, 1255), "vi") == "16,81%"  # 16.8127…
    assert fmt_percent(Fraction(1, 8), "en") == "12.5%"
    assert fmt_percent(Fraction(-8, 25), "vi") == "−32%"
    assert fmt_percent(Fraction(1, 20000), "en") == "0.01%"  # 0.005% rounds half up
    assert fmt_percent(Fraction(-1, 1000000), "en") == "0%"  # no "−0"
    assert fmt_decimal(1234567, "vi") == "1.234.567"
    assert fmt_decimal(Fraction(12345675, 10000), "en") == "1,234.57"
    assert fmt_decimal(Fraction(1, 20), "en", sign=True) == "+0.05"


@settings(max_examples=200, deadline=None)
@given(st.fractions(min_value=-10**6, max_value=10**6, max_denominator=10**6), st.integers(0, 4))
def test_decimal_rounding_matches_decimal_half_up(f: Fraction, places: int) -> None:
    expected = (Decimal(f.numerator) * 10**places / f.denominator).quantize(Decimal(1), ROUND_HALF_UP)
    q = int(expected)
    text = fmt_decimal(f, "en", places).replace(",", "").replace("−", "-")
    assert Fraction(text) == Fraction(q, 10**places)


def test_dates_in_both_styles() -> None:
    d = datetime.date(2020, 9, 15)
    assert fmt_date(d, "vi") == "15/9/2020"
    assert fmt_date(d, "en") == "15 September 2020"


def test_close_values_are_never_shown_equal(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    plan = tmp_path / "p.kpi"
    plan.write_text('plan "P"\nrule r "gần đạt":\n  ratio(a, b) >= 20%\n', encoding="utf-8")
    data = tmp_path / "d.json"
    data.write_text('{"snapshots": [{"period": "2020-Q4", "values": {"a": 19999, "b": 100000}}]}')
    assert main(["report", str(plan), "--data", str(data), "--period", "2020-Q4", "--lang", "en"]) == 1
    out = capsys.readouterr().out
    assert "19.999%" in out and "≥ 20%" in out  # not "20%" against "20%"


# --------------------------------------------------------------------------- content


def test_markdown_heading_summary_and_sections(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(capsys, "--format", "md")
    assert code == 1 and err == ""
    assert out.startswith("# Báo cáo tình hình thực hiện kế hoạch: Quý IV/2020\n")
    assert "**T/2020** — Kế hoạch thử nghiệm báo cáo" in out
    assert "(từ 15/9/2020 đến 14/12/2020)" in out
    assert "- Hạn gửi báo cáo: 20/12/2020" in out
    assert "- Số liệu tính đến ngày: 20/12/2020" in out  # as-of defaults to the due date
    for status, count in RULE_COUNTS.items():
        if status != "no_data":
            assert f"| {STATUS_LABELS['vi'][_status(status)]} | {count} |" in out
    # the summary comes before the sections; sections nest by dotted id
    order = [out.index(h) for h in ("## Tóm tắt", "### Cần chú ý", "## Ngoài các mục", "## A Các chỉ tiêu",
                                    "### A.1 Giai đoạn 2019-2020", "### A.2 Giai đoạn 2021-2025",
                                    "## B Nhiệm vụ")]
    assert order == sorted(order)
    # numbers: exact ratios as percentages, margin in points in the target's direction, a text bar
    assert "| A.1.x | Tỷ lệ xác thực điện tử | 24,68% | ≥ 20% | vượt 4,68 điểm % | `██████████` | **Đạt** |" in out
    assert "| A.1.y | Rút ngắn thời gian họp | −25% | ≤ −30% | thiếu 5 điểm % | `████████░░` | **Chưa đạt** |" in out
    # per-unit results grouped under their rule
    rule_row = out.index("| A.2.u |")
    assert rule_row < out.index("| | ↳ U1 | 90% |") and rule_row < out.index("| | ↳ U2 | 70% |")
    assert "đơn vị U3 không báo cáo Quý IV/2020" in out
    # tasks: lead, deadline, status, and why for the late, overdue, blocked ones
    # (a deadline written as a period is its last calendar day: Q3/2020 is 30/9/2020, 2020 is 31/12/2020)
    assert "| 2 | Nhiệm vụ xong muộn | U2 | Quý III/2020 (30/9/2020) | **Hoàn thành muộn** | " \
           "hạn 30/9/2020 (Quý III/2020), hoàn thành ngày 1/10/2020, muộn 1 ngày |" in out
    assert "| 4 | Nhiệm vụ quá hạn | U2, U3 |" in out
    assert "chờ nhiệm vụ 4 hoàn thành" in out
    assert "| 1 | Nhiệm vụ xong đúng hạn | U1 | Năm 2020 (31/12/2020) | **Hoàn thành** |  |" in out


def _status(name: str):  # type: ignore[no-untyped-def]
    from kpirules.engine.evaluate import Status

    return Status(name)


def test_json_heading_summary_and_results(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "--format", "json")
    assert code == 1
    doc = json.loads(out)
    assert doc["plan"] == {"id": "T/2020", "title": "Kế hoạch thử nghiệm báo cáo", "file": PLAN}
    assert doc["period"] == {"label": "2020-Q4", "name": "Quý IV/2020", "start": "2020-09-15", "end": "2020-12-14",
                             "due": "2020-12-20"}
    assert doc["as_of"] == "2020-12-20"
    assert doc["summary"]["rules"] == RULE_COUNTS
    assert doc["summary"]["tasks"] == TASK_COUNTS
    assert doc["summary"]["failing"] is True
    assert [(r["id"], r["unit"]) for r in doc["summary"]["attention"]] == ATTENTION
    # every result is the check command's object, plus display fields
    plan = load(PLAN)
    expected = plan.evaluate(DATA, "2020-12-20", current=parse_period("2020-Q4")).to_json()["results"]
    assert len(doc["results"]) == len(expected)
    for got, want in zip(doc["results"], expected):
        assert {k: got[k] for k in want} == want
    by = {(r["id"], r["unit"]): r for r in doc["results"]}
    assert by[("A.1.x", None)]["value"] == "0.2468"
    assert by[("A.1.x", None)]["status_label"] == "Đạt"
    assert by[("A.1.y", None)]["progress"] == "5/6"  # −25% of a −30% cut
    assert by[("A.2.x", None)]["progress"] == "617/750"
    assert [(s["id"], s["parent"], s["depth"]) for s in doc["sections"]] == [
        ("A", None, 1), ("A.1", "A", 2), ("A.2", "A", 2), ("B", None, 1)]


def test_as_of_overrides_the_due_date(capsys: pytest.CaptureFixture[str]) -> None:
    _, out, _ = run(capsys, "--format", "json", "--as-of", "16/12/2020")
    doc = json.loads(out)
    assert doc["as_of"] == "2020-12-16"


def test_an_as_of_date_inside_the_period_is_refused(capsys: pytest.CaptureFixture[str]) -> None:
    # regression: --as-of 2020-10-01 for 2020-Q4 judged a window that had not closed
    code, _, err = run(capsys, "--format", "json", "--as-of", "2020-10-15")
    assert code == 2
    assert "is not after the end of 2020-Q4's window (2020-12-14)" in err


class _Tree(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.stack: list[str | None] = []
        self.parents: dict[str, str | None] = {}
        self.tags: set[str] = set()
        self.attrs: list[tuple[str, str | None]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.add(tag)
        self.attrs.extend(attrs)
        if tag == "section":
            sid = dict(attrs).get("data-section")
            if sid:
                enclosing = [s for s in self.stack if s]
                self.parents[sid] = enclosing[-1] if enclosing else None
            self.stack.append(sid)

    def handle_endtag(self, tag: str) -> None:
        if tag == "section":
            self.stack.pop()


def test_html_is_self_contained(reports: dict[str, str]) -> None:
    page = reports["html"]
    assert page.startswith("<!DOCTYPE html>")
    low = page.lower()
    for bad in ("http://", "https://", "<script", "<link", "src=", "url(", "@import", "<img", "<iframe"):
        assert bad not in low, bad
    tree = _Tree()
    tree.feed(page)
    assert not ({"script", "link", "img", "iframe", "object", "embed"} & tree.tags)
    assert not [a for a, _ in tree.attrs if a.startswith("on")]  # no event handlers either
    assert 'name="viewport"' in page and "@media (max-width:700px)" in page and "@media print" in page


def test_html_structure(reports: dict[str, str]) -> None:
    page = reports["html"]
    tree = _Tree()
    tree.feed(page)
    assert tree.parents == {"A": None, "A.1": "A", "A.2": "A", "B": None}
    assert "<dd>Quý IV/2020 (từ 15/9/2020 đến 14/12/2020)</dd>" in page
    assert "<dd>20/12/2020</dd>" in page
    for status in RULE_STATUSES + TASK_STATUSES:
        assert f'class="badge s-{status.value}">{STATUS_LABELS["vi"][status]}</span>' in page
    assert 'style="width:82.3%"' in page  # A.2.x: 24.68% of 30%
    assert "<b>24,68%</b>" in page


def _md_attention(md: str) -> list[tuple[str, str | None]]:
    part = md[md.index("### Cần chú ý"):md.index("_Sắp xếp")]
    out = []
    for m in re.finditer(r"^\d+\. \*\*[^*]+\*\* — (\S+)(?: \((\w+)\))?", part, re.M):
        out.append((m[1], m[2]))
    return out


def _html_attention(page: str) -> list[tuple[str, str | None]]:
    part = page[page.index('<ol class="attention">'):page.index("</ol>")]
    out = []
    for m in re.finditer(r'<li data-id="([^"]+)" data-status="[^"]+">.*?</b>(?: \((\w+)\))?', part):
        out.append((m[1], m[2]))
    return out


def test_formats_agree(reports: dict[str, str]) -> None:
    doc = json.loads(reports["json"])
    att = [(r["id"], r["unit"]) for r in doc["summary"]["attention"]]
    assert att == ATTENTION
    later = [(r["id"], r["unit"]) for r in doc["summary"]["attention_later"]]
    assert later == [("A.2.x", None)]  # at risk, deadline 2025: in the shorter later-phase group
    now = [x for x in att if x not in later]
    assert _md_attention(reports["md"]) == now
    assert _html_attention(reports["html"]) == now
    counts = {**doc["summary"]["rules"]}
    page = reports["html"]
    for status, count in counts.items():
        m = re.search(rf'<ul class="counts" id="counts-rules">.*?data-status="{status}"><b>(\d+)</b>', page, re.S)
        assert m is not None and int(m[1]) == count
    md_rows = [line for line in reports["md"].splitlines() if line.startswith("| ")]
    for r in doc["results"]:
        # its own row, by id and title (an id such as 4 is in every date, so the id alone says nothing)
        rows = [line for line in md_rows if line.startswith(f"| {r['id']} | {r['title']}")]
        assert rows, f"no Markdown row for {r['id']}"
        if r["unit"] is None:  # (a per-unit rule has one row of counts)
            assert f"**{STATUS_LABELS['vi'][_status(r['status'])]}**" in rows[0], rows[0]
        assert f'data-id="{r["id"]}"' in reports["html"]
        if r["kind"] == "rule" and r["value"] not in (None, "true", "false"):
            shown = fmt_percent(Fraction(r["value"]), "vi")
            assert shown in reports["md"] and shown in reports["html"]


def test_english_labels(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "--format", "md", "--lang", "en")
    assert code == 1
    assert out.startswith("# Plan implementation report: Q4 2020\n")
    assert "(15 September 2020 to 14 December 2020)" in out
    assert "| A.1.x | Tỷ lệ xác thực điện tử | 24.68% | ≥ 20% | 4.68 pp better |" in out
    for status in RULE_STATUSES + TASK_STATUSES:
        assert STATUS_LABELS["en"][status] in out
    for label in ("Chưa đạt", "Quá hạn", "Đúng tiến độ", "Chờ nhiệm vụ trước"):
        assert label not in out
    _, page, _ = run(capsys, "--format", "html", "--lang", "en")
    assert '<html lang="en">' in page and ">Not met</span>" in page


def test_output_file_and_format_from_extension(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    html_file = tmp_path / "r.html"
    code, out, err = run(capsys, "-o", str(html_file))
    assert code == 1 and out == ""
    assert html_file.read_text(encoding="utf-8").startswith("<!DOCTYPE html>")
    json_file = tmp_path / "r.json"
    run(capsys, "-o", str(json_file))
    assert json.loads(json_file.read_text(encoding="utf-8"))["period"]["label"] == "2020-Q4"
    md_file = tmp_path / "r.txt"  # an extension that names no format: Markdown
    run(capsys, "-o", str(md_file))
    assert md_file.read_text(encoding="utf-8").startswith("# Báo cáo")
    bare = tmp_path / "report"  # no extension: --format decides
    run(capsys, "-o", str(bare), "--format", "json")
    assert json.loads(bare.read_text(encoding="utf-8"))["report"] == "kpirules"


@pytest.mark.parametrize("name, fmt, own", [("x.txt", "pdf", ".pdf"), ("x.txt", "md", ".md or .markdown"),
                                            ("x.csv", "json", ".json"), ("x.doc", "docx", ".docx"),
                                            ("x.pdf", "docx", None)])
def test_an_explicit_format_needs_its_own_extension(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                                    name: str, fmt: str, own: str | None) -> None:
    # Bug: `-o x.txt --format pdf` wrote a PDF into x.txt (issue 19 item 9)
    out = tmp_path / name
    code, stdout, err = run(capsys, "-o", str(out), "--format", fmt)
    assert code == 2 and stdout == "" and "Traceback" not in err
    if own is not None:
        assert f"-o {out}: --format {fmt} writes a {own} file, not {out.suffix}; name the file {own.split()[0]}" in err
    else:
        assert f"a {out.suffix} file is {out.suffix[1:]}, but --format is {fmt}" in err
    assert not out.exists()


def test_exit_zero_when_nothing_fails(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    plan = tmp_path / "p.kpi"
    plan.write_text('plan "P"\nreporting quarterly calendar\nrule r "đạt":\n  ratio(a, b) >= 20% by 2025\n'
                    'task 1 "việc":\n  due 2021\n', encoding="utf-8")
    data = tmp_path / "d.csv"
    data.write_text("period,unit,metric,value\n2020-Q4,,a,1\n2020-Q4,,b,4\n", encoding="utf-8")
    assert main(["report", str(plan), "--data", str(data), "--period", "Quý IV/2020", "--format", "json"]) == 0
    doc = json.loads(capsys.readouterr().out)
    assert doc["period"]["start"] == "2020-10-01" and doc["period"]["due"] == "2021-01-20"
    assert doc["as_of"] == "2021-01-20"
    assert doc["summary"]["counts"] == {"on_track": 1, "open": 1} and doc["summary"]["attention"] == []


@pytest.mark.parametrize("args, message", [
    (["--period", "2020-Q5"], "quarter"),
    (["--period", "2020-H1"], "must be a quarter"),
    (["--period", "2020-Q4", "--as-of", "18.12.2020"], "is not a date"),
])
def test_bad_input_exits_2(capsys: pytest.CaptureFixture[str], args: list[str], message: str) -> None:
    assert main(["report", PLAN, "--data", DATA, *args]) == 2
    out, err = capsys.readouterr()
    assert out == "" and message in err and "Traceback" not in err


# --------------------------------------------------------------------------- the shipped example


@pytest.mark.skipif(not EXAMPLE_DATA.exists(), reason="the example data is not there")
@pytest.mark.parametrize("period", ["2020-Q4", "2021-Q2"])
def test_example_report(period: str) -> None:
    report = build_report(load(EXAMPLE_PLAN), str(EXAMPLE_DATA), period)
    doc = json.loads(render(report, "json"))
    assert doc["period"]["label"] == period
    # every rule status and every task status appears on one of the two dates (see test below)
    page = render(report, "html")
    assert "http" not in page.lower().replace("http-equiv", "")
    # the summary counts what the report lists (not the object it was rendered from)
    listed: dict[str, int] = {}
    for r in doc["results"]:
        listed[r["status"]] = listed.get(r["status"], 0) + 1
    assert doc["summary"]["counts"] == listed
    assert sum(doc["summary"]["rules"].values()) == sum(r["kind"] == "rule" for r in doc["results"])
    assert sum(doc["summary"]["tasks"].values()) == sum(r["kind"] == "task" for r in doc["results"])


@pytest.mark.skipif(not EXAMPLE_DATA.exists(), reason="the example data is not there")
def test_example_reports_show_every_status() -> None:
    plan = load(EXAMPLE_PLAN)
    seen: set[str] = set()
    for period in ("2020-Q4", "2021-Q2"):
        seen |= {k for k, v in build_report(plan, str(EXAMPLE_DATA), period).results.counts().items() if v}
    assert seen == {s.value for s in RULE_STATUSES + TASK_STATUSES}
    q4 = {k for k, v in build_report(plan, str(EXAMPLE_DATA), "2020-Q4").results.counts().items() if v}
    # by the 2020-Q4 report (20/12/2020) no deadline of the Decision has passed but Q4/2019 (31/12/2019),
    # which task 6 shares with 2025: no task can be done late by then; task 3 is, by the 2021-Q2 report
    assert q4 == {s.value for s in RULE_STATUSES + TASK_STATUSES} - {"done_late"}


def _messages_results():  # type: ignore[no-untyped-def]
    """A plan and data made to give every reason (tests/test_messages.py), evaluated as of 2021-01-05."""
    return {(r.id, r.unit): r for r in load(MESSAGES / "plan.kpi").evaluate(MESSAGES / "data.json", "2021-01-05")}


def test_data_type_errors_are_explained_in_vietnamese() -> None:
    from kpirules.report.reasons import reason_text

    by = _messages_results()
    assert by[("TXT", None)].reason == '`a + t` needs numbers, but got the text "text"'
    assert reason_text(by[("TXT", None)], "vi") == '`a + t` cần số, nhưng số liệu là văn bản "text"'
    assert by[("SUMT", None)].reason == '`sum(ut)` needs numbers, but unit A gives the text "x"'
    assert reason_text(by[("SUMT", None)], "vi") == '`sum(ut)` cần số, nhưng số liệu của đơn vị A là văn bản "x"'
    assert reason_text(by[("TRUTH", None)], "vi") == "`flag` phải là đúng/sai, nhưng số liệu là số 3"
    assert reason_text(by[("LOGIC", None)], "vi") == "`flag and f` cần giá trị đúng/sai, nhưng số liệu là số 3"
    assert reason_text(by[("CMP", None)], "vi") == '`t == f` so sánh văn bản "text" với giá trị đúng'


def test_report_of_a_plan_with_unit_groups_does_not_crash(capsys) -> None:
    # regression: `group` items have no id; the report walked them as rules
    from kpirules.cli import main

    root = Path(__file__).resolve().parents[1]
    code = main(["report", str(root / "rules/nq17_national.kpi"), "--data", str(root / "examples/nq17_national/data.json"),
                 "--period", "2020-Q4", "--lang", "en", "--format", "json"])
    captured = capsys.readouterr()
    assert code in (0, 1) and "Traceback" not in captured.err
    assert '"results"' in captured.out


WARN_PLAN = 'plan "w"\n  reporting quarterly cutoff 15 due 20\nrule R:\n  ratio(online, handled) >= 50% by 2020\n'
WARN_DATA = "period,unit,metric,value\n2020-Q4,,online,12\n2020-Q4,,handled,10\n2020-Q4,,onlne,3\n"


def test_report_shows_data_warnings(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    # Bug: sanity warnings reached `kpirules check` but never the report (issue 8 item 4).
    (tmp_path / "w.kpi").write_text(WARN_PLAN, encoding="utf-8")
    (tmp_path / "w.csv").write_text(WARN_DATA, encoding="utf-8")
    base = [str(tmp_path / "w.kpi"), "--data", str(tmp_path / "w.csv")]
    main(["check", *base, "--as-of", "2020-12-21", "--format", "json"])
    checked = json.loads(capsys.readouterr().out)["warnings"]
    assert {w["code"] for w in checked} == {"numerator_exceeds_denominator", "unused_metric"}
    main(["report", *base, "--period", "2020-Q4", "--format", "json"])
    assert json.loads(capsys.readouterr().out)["warnings"] == checked  # the same objects as check's JSON
    main(["report", *base, "--period", "2020-Q4", "--format", "md"])
    md = capsys.readouterr().out
    tail = md.split("## Cảnh báo về số liệu", 1)[1]
    # a sentence each, the source as the file's name and its row in the report's words (issue 19)
    assert "- Online (12) lớn hơn handled (10)" in tail and "(nguồn: w.csv, dòng 2)." in tail
    assert "có phải là online?" in tail and "(nguồn: w.csv, dòng 4)." in tail
    assert str(tmp_path) not in tail.split("_Tạo bởi")[0]
    main(["report", *base, "--period", "2020-Q4", "--format", "html", "--lang", "en"])
    page = capsys.readouterr().out
    section = page.split('<section id="warnings">', 1)[1].split("</section>", 1)[0]
    assert "<h2>Data warnings</h2>" in section and 'data-code="unused_metric"' in section
    assert "(source: w.csv, row 2)" in section and page.index('id="warnings"') > page.index('id="summary"')


def test_report_without_warnings_has_no_warnings_section(tmp_path: Path) -> None:
    (tmp_path / "w.kpi").write_text(WARN_PLAN, encoding="utf-8")
    (tmp_path / "w.csv").write_text("period,unit,metric,value\n2020-Q4,,online,6\n2020-Q4,,handled,10\n",
                                    encoding="utf-8")
    report = build_report(load(str(tmp_path / "w.kpi")), str(tmp_path / "w.csv"), "2020-Q4")
    assert json.loads(render(report, "json"))["warnings"] == []
    assert "Cảnh báo" not in render(report, "md") and 'id="warnings"' not in render(report, "html")


# --------------------------------------------------------------------------- new-user trial (issue 4 follow-up)

PHASES_PLAN = """plan "P"
  issued 2019-03-28
  reporting quarterly cutoff 15 due 20

rule R1 "Cắt giảm thời gian họp":
  change(hours, hours at 2019) <= -30% by 2020

rule R2 "Giao diện di động":
  mobile by 2020

rule R3 "Tỷ lệ giai đoạn sau":
  ratio(a, b) >= 90% by 2025

rule R4 "Tỷ lệ năm sau":
  ratio(a, b) >= 90% by Q4/2021

task 1 "Hai giai đoạn, xong giai đoạn đầu":
  due 2020, 2025

task 2 "Hai giai đoạn, xong muộn quý IV/2019":
  due Q4/2019, 2025

task 3 "Chưa xong giai đoạn đầu":
  due 2020, 2025

task 4 "Một hạn, xong":
  due 2020
"""
PHASES_DATA = {
    "snapshots": [{"period": "2019-Q4", "values": {"hours": 100}},
                  {"period": "2020-Q4", "values": {"hours": 68, "mobile": True, "a": 8, "b": 10}}],
    "tasks": [{"task": "1", "status": "done", "done_on": "2020-10-30"},
              {"task": "2", "status": "done", "done_on": "2020-01-20"},
              {"task": "3", "status": "in_progress", "date": "2020-12-01"},
              {"task": "4", "status": "done", "done_on": "2020-06-01"}],
}


@pytest.fixture()
def phases(tmp_path: Path) -> tuple[str, str]:
    plan = tmp_path / "p.kpi"
    plan.write_text(PHASES_PLAN, encoding="utf-8")
    data = tmp_path / "d.json"
    data.write_text(json.dumps(PHASES_DATA), encoding="utf-8")
    return str(plan), str(data)


def _phases_report(phases: tuple[str, str], lang: str, period: str = "2020-Q4"):  # type: ignore[no-untyped-def]
    return build_report(load(phases[0]), phases[1], period, lang=lang)


def test_deliveries_of_earlier_phases_are_shown(phases: tuple[str, str]) -> None:
    vi = _phases_report(phases, "vi")
    md, page, doc = render(vi, "md"), render(vi, "html"), json.loads(render(vi, "json"))
    # the phase a `2020` deadline ends runs from the plan's issue year; later ones from the previous phase
    assert vi.phase_name("2020") == "giai đoạn 2019-2020" and vi.phase_name("2025") == "giai đoạn 2021-2025"
    assert vi.phase_name("2019-Q4") == "Quý IV/2019"
    row1 = next(x for x in md.splitlines() if x.startswith("| 1 |"))
    assert "**Đang thực hiện** | Đã hoàn thành phần việc giai đoạn 2019-2020 (30/10/2020) |" in row1
    row2 = next(x for x in md.splitlines() if x.startswith("| 2 |"))
    assert "Hoàn thành muộn phần việc Quý IV/2019 (20/1/2020)" in row2
    row4 = next(x for x in md.splitlines() if x.startswith("| 4 |"))  # the status already says it
    assert "phần việc" not in row4
    assert '<div class="deliv">✓ Đã hoàn thành phần việc giai đoạn 2019-2020 (30/10/2020)</div>' in page
    # the summary counts the tasks that delivered the work due at the last phase end (31/12/2020)
    line = "2/3 nhiệm vụ đã hoàn thành phần việc giai đoạn 2019-2020 (hạn 31/12/2020)."
    assert f"**{line}**" in md and f'<p class="deliv d-part" id="deliveries">{line}</p>' in page  # not all: not green
    assert doc["summary"]["deliveries"]["due"] == ["1", "3", "4"]
    assert doc["summary"]["deliveries"]["done"] == ["1", "4"] and doc["summary"]["deliveries"]["late"] == []
    by = {r["id"]: r for r in doc["results"]}
    assert by["1"]["deliveries_text"] == ["Đã hoàn thành phần việc giai đoạn 2019-2020 (30/10/2020)"]
    en = render(_phases_report(phases, "en"), "md")
    assert "2019-2020 delivery done on 30 October 2020" in en and "Q4 2019 delivery done late, on 20 January 2020" in en
    assert "**2 of 3 tasks have delivered their work for 2019-2020 (deadline 31 December 2020).**" in en


def test_delivery_reasons_in_vietnamese() -> None:
    from kpirules.report.reasons import reason_text

    by = _messages_results()
    overdue, late, waiting = by[("T6", None)], by[("T9", None)], by[("T10", None)]
    assert overdue.reason == ("due 2020-09-30, not done; last reported in_progress on 2020-09-01 "
                              "(waiting; for funds)")
    assert reason_text(overdue, "vi") == ("hạn 30/9/2020, chưa hoàn thành; báo cáo gần nhất ngày 1/9/2020: "
                                          "đang thực hiện (waiting; for funds)")
    assert reason_text(late, "vi") == ("hạn 30/6/2020 (Quý II/2020), hoàn thành ngày 1/8/2020, muộn 32 ngày; "
                                       "phần việc quý IV/2020 hoàn thành muộn, ngày 2/1/2021")
    assert reason_text(late, "en") == ("due 30 June 2020 (Q2 2020), done on 1 August 2020, 32 days late; "
                                       "the Q4 2020 delivery was done late, on 2 January 2021")
    assert reason_text(late, "vi", deliveries=False) == (
        "hạn 30/6/2020 (Quý II/2020), hoàn thành ngày 1/8/2020, muộn 32 ngày")
    assert reason_text(by[("T8", None)], "vi") == ("hoàn thành ngày 1/12/2020; "
                                                  "phần việc quý II/2020 đã hoàn thành ngày 1/5/2020")
    assert reason_text(waiting, "vi") == "chờ nhiệm vụ T3 hoàn thành; hạn 30/9/2020"
    assert reason_text(by[("T3", None)], "en") == "due 31 December 2030"


def test_task_status_words_are_readable_in_both_languages(tmp_path: Path) -> None:
    from kpirules.data import TASK_STATUS_WORDS
    from kpirules.messages import catalog_of
    from kpirules.report.reasons import reason_text

    plan = kpirules_parse('plan "P"\n  reporting quarterly\ntask T "t":\n  due 2020-Q3\n')
    for word in TASK_STATUS_WORDS:
        if word == "done":
            continue
        data = tmp_path / f"{word}.json"
        data.write_text(json.dumps({"tasks": [{"task": "T", "status": word, "date": "2020-09-01"}]}), encoding="utf-8")
        r = plan.evaluate(data, "2021-01-05")[0]
        assert r.status.value == "overdue" and f"last reported {word} on" in r.reason
        for lang in ("vi", "en"):
            label = catalog_of(lang)["words"][word]
            shown = reason_text(r, lang)
            assert label in shown and (word == label or word not in shown), shown
    data = tmp_path / "in_progress.json"
    r = plan.evaluate(data, "2021-01-05")[0]
    assert reason_text(r, "en") == "due 30 September 2020, not done; last reported in progress on 1 September 2020"


def _card(page: str, rid: str) -> str:
    m = re.search(rf'<article class="[^"]*" data-id="{re.escape(rid)}">.*?</article>', page, re.S)
    assert m is not None, rid
    return m[0]


def test_deadline_is_shown_once(phases: tuple[str, str]) -> None:
    for lang, phrase in (("vi", "chưa đến hạn"), ("en", "not reached")):
        report = _phases_report(phases, lang, "2021-Q2")
        page, md = render(report, "html"), render(report, "md")
        card = _card(page, "R3")
        assert phrase not in card and card.count("2025") == 1, card  # "Thời hạn: 14/12/2025" alone
        item = next(x for x in md.splitlines() if re.match(r"\d+\. .*R4", x))  # R4: at risk, due within a year
        assert phrase not in item and item.count("2021") == 1, item  # "thời hạn 31/12/2021" alone
        assert "2021-Q2" not in item and "2021-Q4" not in item  # period labels for people


def test_margin_reads_in_the_target_direction(phases: tuple[str, str]) -> None:
    from kpirules.report import directed_margin
    from kpirules.report.model import shown_value as _shown

    for lang, better, none in (("vi", "vượt 2 điểm %", "Chênh lệch"), ("en", "2 pp better", "Margin")):
        report = _phases_report(phases, lang)
        r1 = next(r for r in report.results if r.id == "R1")  # −32% against ≤ −30%: met, 2 points better
        assert r1.status.value == "met" and directed_margin(r1) == Fraction(2, 100)
        assert _shown(report, r1).margin == better
        page = render(report, "html")
        card = _card(page, "R2")
        assert none not in card  # a yes/no rule has no margin row
        card1 = _card(page, "R1")
        assert f"<b>{better}</b>" in card1
    r3 = next(r for r in _phases_report(phases, "vi").results if r.id == "R3")
    assert _shown(_phases_report(phases, "vi"), r3).margin == "thiếu 10 điểm %"
    assert _shown(_phases_report(phases, "en"), r3).margin == "10 pp short"


def test_later_phase_risks_are_a_short_separate_group(phases: tuple[str, str]) -> None:
    report = _phases_report(phases, "vi")
    assert [r.id for r in report.attention_later()] == ["R3"]  # due 2025: more than a year after 2020-Q4
    # at risk due 2021 (task 3, due 2020 = 31/12/2020, is still open on the 2020-Q4 report day)
    assert [r.id for r in report.attention_now()] == ["R4"]
    md, page = render(report, "md"), render(report, "html")
    assert "#### Chỉ tiêu giai đoạn sau có nguy cơ (1)" in md and "\nR3 — Tỷ lệ giai đoạn sau: 80% / ≥ 90%\n" in md
    later = page[page.index('<details class="later"'):page.index("</details>")]
    assert "<summary>Chỉ tiêu giai đoạn sau có nguy cơ (1)</summary>" in later and "R3 — Tỷ lệ giai đoạn sau: 80% / ≥ 90%" in later
    assert 'data-id="R3"' not in page[page.index('<ol class="attention">'):page.index("</ol>")]


def test_writing_a_file_says_so_on_stderr(phases: tuple[str, str], tmp_path: Path,
                                          capsys: pytest.CaptureFixture[str]) -> None:
    out_file = tmp_path / "r.html"
    # (2021-Q1: task 3's deadline 2020, that is 31/12/2020, has passed)
    code = main(["report", phases[0], "--data", phases[1], "--period", "2021-Q1", "-o", str(out_file)])
    out, err = capsys.readouterr()
    assert code == 1 and out == "" and out_file.exists()
    assert err == (f"kpirules: wrote {out_file} (Quý I/2021): targets 2 met, 2 at risk; "
                   "tasks 1 done, 2 open, 1 overdue — exit 1: "
                   "some targets are not met, tasks overdue or silent past their deadline, or data in error\n")
    # on standard output, nothing but the report
    main(["report", phases[0], "--data", phases[1], "--period", "2020-Q4"])
    assert capsys.readouterr().err == ""


def test_warnings_and_the_no_unit_reason_read_in_vietnamese() -> None:
    # regression: the data-warnings section of a Vietnamese report was in English
    from kpirules.report.html import _ec
    from kpirules.report.reasons import reason_text, warning_text

    results = load(MESSAGES / "plan.kpi").evaluate(MESSAGES / "data.json", "2021-01-05")
    by = {w.code: w.message for w in results.warnings}
    assert by["unit_stopped_reporting"] == "unit C reported for 2020-Q3 but not for 2020-Q4"
    assert warning_text(by["unit_stopped_reporting"], "vi") == (
        "Đơn vị C đã báo cáo Quý III/2020 nhưng không báo cáo Quý IV/2020")  # (a sentence: issue 19)
    assert warning_text(by["unused_metric"], "vi") == "Không chỉ tiêu nào dùng số liệu unused_one"
    assert warning_text(by["unit_stopped_reporting"], "en") == "Unit C reported for Q3 2020 but not for Q4 2020"
    each = kpirules_parse('plan "Q"\n  reporting quarterly\nrule E "each": for each unit: a >= 1\n')
    r = each.evaluate(MESSAGES / "no_units.json", "2021-01-05")[0]
    assert r.reason_code == "no_units"
    assert reason_text(r, "vi").startswith("số liệu không có đơn vị nào")
    assert _ec("`ratio(a, b)` cần số") == "<code>ratio(a, b)</code> cần số"  # code, not literal backticks

"""What a person reads in the report (issue 19, items 2, 3 and 10): units by their declared names, readable
sources of the data warnings, titles in the later-phase group, sentence case and one final stop."""

from __future__ import annotations

import html as html_lib
import io
import re
from pathlib import Path

import pytest

from kpirules import load
from kpirules.report import build_report, render

ROOT = Path(__file__).parent.parent
PLAN = str(ROOT / "rules" / "nq17_bkhcn.kpi")
DATA = str(ROOT / "examples" / "nq17_bkhcn" / "data.json")


@pytest.fixture(scope="module")
def report():  # type: ignore[no-untyped-def]
    return build_report(load(PLAN), DATA, "2020-Q4")


def _visible(page: str) -> str:
    """The text of an HTML page a person sees: without its style, tags and attributes."""
    page = re.sub(r"(?s)<(style|title|svg)\b.*?</\1>", " ", page)
    page = re.sub(r"<[^>]+>", " ", page)
    return re.sub(r" ([.,;:])", r"\1", re.sub(r"\s+", " ", html_lib.unescape(page)))


def _docx_text(data: bytes) -> str:
    import docx

    d = docx.Document(io.BytesIO(data))
    parts = [p.text for p in d.paragraphs]
    for t in d.tables:
        for row in t.rows:
            for cell in row.cells:
                parts.extend(p.text for p in cell.paragraphs)
    return "\n".join(parts)


def _texts(report) -> dict[str, str]:  # type: ignore[no-untyped-def]
    out = {"md": str(render(report, "md")).replace("\\", ""),
           "screen": _visible(str(render(report, "html"))),
           "official": _visible(str(render(report, "html", layout="official")))}
    try:
        out["docx"] = _docx_text(render(report, "docx"))  # type: ignore[arg-type]
    except ImportError:  # (without the docx extra)
        pass
    return out


CODES = {"TTCNTT": "Trung tâm Công nghệ thông tin", "VPB": "Văn phòng Bộ", "VUPC": "Vụ Pháp chế",
         "TCTDC": "Tổng cục Tiêu chuẩn Đo lường Chất lượng",
         "CUCTTKH": "Cục Thông tin khoa học và công nghệ quốc gia"}


def test_units_are_shown_by_their_declared_names(report) -> None:  # type: ignore[no-untyped-def]
    for fmt, text in _texts(report).items():
        # what changed, what needs attention, the later-phase group, the no-data reasons, the data warnings
        assert "Trung tâm Công nghệ thông tin, Văn phòng Bộ (2 đơn vị)" in text, fmt
        assert "II.1.c.3.units (Tổng cục Tiêu chuẩn Đo lường Chất lượng)" in text, fmt
        assert "II.2.c.1.units (Vụ Pháp chế)" in text, fmt
        assert "đơn vị Vụ Pháp chế không báo cáo Quý IV/2020" in text, fmt
        assert "Đơn vị Vụ Pháp chế đã báo cáo Quý III/2020 nhưng không báo cáo Quý IV/2020" in text, fmt
        # a code is never shown alone; where it helps (a ranking table) it follows the full name in brackets
        for code, name in CODES.items():
            left = text.replace(f"{name} ({code})", "")
            assert not re.search(rf"(?<![\w-]){code}(?![\w-])", left), (fmt, code)


def test_the_ranking_table_gives_the_code_beside_the_name(report) -> None:  # type: ignore[no-untyped-def]
    md, screen = str(render(report, "md")), str(render(report, "html"))
    assert "| | ↳ Vụ Pháp chế (VUPC) | — |" in md
    assert 'data-unit="VUPC"' in screen and "<b>Vụ Pháp chế (VUPC)</b>" in screen


def test_warnings_name_a_readable_source(report) -> None:  # type: ignore[no-untyped-def]
    source = "data.json, Quý III/2020, Vụ Pháp chế, “Số hồ sơ công việc được xử lý trên môi trường mạng”"
    texts = _texts(report)
    for fmt, text in texts.items():
        assert f"(nguồn: {source})." in text, fmt
        assert "$.snapshots" not in text and "work_records_online" not in text, fmt
        assert "examples/nq17_bkhcn" not in text.split("Tạo bởi")[0], fmt  # the file's name, not its path
    # the key path stays in the JSON, for tools
    assert "examples/nq17_bkhcn/data.json: $.snapshots[34].values.work_records_online" in str(render(report, "json"))


def test_a_csv_source_is_its_file_and_row(tmp_path: Path) -> None:
    (tmp_path / "p.kpi").write_text('plan "p"\n  reporting quarterly cutoff 15 due 20\n'
                                    "rule R:\n  ratio(online, handled) >= 50% by 2020\n", encoding="utf-8")
    (tmp_path / "v.csv").write_text("period,unit,metric,value\n2020-Q4,,online,12\n2020-Q4,,handled,10\n",
                                    encoding="utf-8")
    for lang, words in (("vi", "(nguồn: v.csv, dòng 2)."), ("en", "(source: v.csv, row 2).")):
        report = build_report(load(str(tmp_path / "p.kpi")), str(tmp_path / "v.csv"), "2020-Q4", lang=lang)
        assert words in str(render(report, "md")).replace("\\", ""), lang
        assert words in _visible(str(render(report, "html"))), lang


def test_the_later_phase_group_gives_titles(report) -> None:  # type: ignore[no-untyped-def]
    for fmt, text in _texts(report).items():
        assert "II.2.a.1 — 100% giao dịch trên Cổng Dịch vụ công và Hệ thống thông tin…: 86,04% / ≥ 100%" in text, fmt
        assert "II.2.a.1: 86,04%" not in text, fmt


# --------------------------------------------------------------------------- typography (item 10)


def test_sentence_helpers() -> None:
    from kpirules.report.format import capital, ended, sentence, stop_after

    assert sentence("đơn vị A không báo cáo") == "Đơn vị A không báo cáo."
    assert sentence("“x” lớn hơn y.") == "“X” lớn hơn y."
    assert ended("một số…") == "một số…" and ended("xong.") == "xong." and ended("xong") == "xong."
    assert capital("2 đơn vị") == "2 đơn vị"
    assert stop_after("một số…") == "" and stop_after("một số…", "(nguồn: x)") == "."


#: a sentence the report writes: a line of a list, a paragraph of the official layout
_STARTS = re.compile(r"^(?:[-*] |\d+\. )?(?:\*\*|_)?(?P<first>\w)", re.M)


def _plan_texts(report) -> list[str]:  # type: ignore[no-untyped-def]
    """The texts the plan's author wrote (titles, notes, products): their own typography is theirs."""
    out = []
    for item in report.plan.ast.items:
        for field in ("title", "note", "product"):
            text = getattr(item, field, None)
            if isinstance(text, str) and text:
                out.append(text)
    return sorted(out, key=len, reverse=True)


def test_no_double_stop_and_sentences_start_with_a_capital(report) -> None:  # type: ignore[no-untyped-def]
    plan_texts = _plan_texts(report)
    for fmt, text in _texts(report).items():
        for t in plan_texts:
            text = text.replace(t, "X")
        assert "…." not in text, (fmt, text[max(0, text.find("….") - 80):text.find("….") + 20])
        m = re.search(r"(?<!\.)\.\.(?!\.)", text)
        assert m is None, (fmt, text[max(0, m.start() - 80):m.end() + 20] if m else "")
        # after a full stop, a sentence starts with a capital (a number, a bracket or a code may start it)
        for m in re.finditer(r"(?<![.\d])\. (?P<first>\w)", text):
            assert not m["first"].islower(), (fmt, text[max(0, m.start() - 80):m.end() + 20])
    md = str(render(report, "md"))
    section = md[md.index("## Cảnh báo về số liệu"):]
    for line in section.splitlines():
        if line.startswith("- "):  # each warning a sentence
            assert line[2].isupper(), line
            assert re.search(r"\. `\w+`$", line), line
    official = _visible(str(render(report, "html", layout="official")))
    assert "Xếp hạng theo giá trị, tốt nhất trước; trong ngoặc: thay đổi so với kỳ trước." in official

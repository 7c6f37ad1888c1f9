"""The official layout (Decree 30/2020/NĐ-CP): HTML from templates, PDF and Word; the CLI's options."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from kpirules import load
from kpirules.cli import main
from kpirules.report import Official, build_report, render
from kpirules.report.document import official_date
from kpirules.report.templates import shipped_dir

HERE = Path(__file__).parent
ROOT = HERE.parent
PLAN = str(ROOT / "rules" / "nq17_bkhcn.kpi")
DATA = str(ROOT / "examples" / "nq17_bkhcn" / "data.json")


@pytest.fixture(scope="module")
def report():  # type: ignore[no-untyped-def]
    return build_report(load(PLAN), DATA, "2020-Q4")


def _run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(["report", PLAN, "--data", DATA, "--period", "2020-Q4", *args])
    out, err = capsys.readouterr()
    return code, out, err


def test_the_date_line() -> None:
    import datetime

    assert official_date(datetime.date(2021, 1, 5), "Hà Nội", "vi") == "Hà Nội, ngày 05 tháng 01 năm 2021"
    assert official_date(datetime.date(2020, 12, 20), "Hà Nội", "vi") == "Hà Nội, ngày 20 tháng 12 năm 2020"
    assert official_date(datetime.date(2020, 3, 9), None, "vi") == "Ngày 09 tháng 3 năm 2020"
    assert official_date(datetime.date(2020, 3, 9), "Hanoi", "en") == "Hanoi, 9 March 2020"


def test_the_official_html(report) -> None:  # type: ignore[no-untyped-def]
    html = render(report, "html", layout="official", official=Official.of("12/BC-VP", "2020-12-21", "Nguyễn Văn A"))
    assert isinstance(html, str)
    text = re.sub(r"<[^>]+>", " ", html)
    text = re.sub(r"\s+", " ", text)
    for piece in ("BỘ KHOA HỌC VÀ CÔNG NGHỆ VĂN PHÒNG BỘ", "Số: 12/BC-VP", "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM",
                  "Độc lập - Tự do - Hạnh phúc", "Hà Nội, ngày 21 tháng 12 năm 2020", "BÁO CÁO",
                  "Nơi nhận: - Bộ trưởng (để báo cáo); - Các Thứ trưởng (để biết); - Các đơn vị thuộc Bộ; - Lưu: VT, VP.",
                  "CHÁNH VĂN PHÒNG Nguyễn Văn A", "I. TÓM TẮT", "III. CẦN CHÚ Ý", "IV. KẾT QUẢ THỰC HIỆN"):
        assert piece in text, piece
    assert "size: A4" in html and "margin: 22mm 18mm 22mm 32mm" in html
    assert "@page :first { @top-center { content: none; } }" in html  # page numbers from page 2
    assert f'Mã kiểm chứng {report.provenance()["digest"][:12]}' in html
    for r in report.results:  # every rule and task is there
        assert f'data-id="{r.id}"' in html
    # who answers for it, and what a task delivers
    assert "Chủ trì: Trung tâm Công nghệ thông tin" in text and "Sản phẩm: Quyết định của Bộ trưởng" in text
    # the screen layout stays the default
    assert "CỘNG HÒA" not in render(report, "html")


def test_without_a_report_block(tmp_path: Path) -> None:
    plan = tmp_path / "p.kpi"
    plan.write_text((HERE / "data" / "report" / "plan.kpi").read_text(encoding="utf-8"), encoding="utf-8")
    r = build_report(load(str(plan)), str(HERE / "data" / "report" / "data.json"), "2020-Q4")
    html = render(r, "html", layout="official")
    assert "Số: …" in html and "CƠ QUAN BÁO CÁO" in html


def test_text_is_escaped(tmp_path: Path) -> None:
    src = (HERE / "data" / "report" / "plan.kpi").read_text(encoding="utf-8")
    src = src.replace('  reporting quarterly cutoff 15 due 20\n',
                      '  reporting quarterly cutoff 15 due 20\n  report\n    issuer "<b>X</b> & Y"\n', 1)
    plan = tmp_path / "p.kpi"
    plan.write_text(src, encoding="utf-8")
    r = build_report(load(str(plan)), str(HERE / "data" / "report" / "data.json"), "2020-Q4")
    html = render(r, "html", layout="official")
    assert "&lt;b&gt;X&lt;/b&gt; &amp; Y" in html and "<b>X</b>" not in html


def test_a_ministrys_own_template(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    own = tmp_path / "tpl"
    shutil.copytree(shipped_dir(), own)
    css = own / "official.css"
    css.write_text(css.read_text(encoding="utf-8") + "\n/* our own */\n", encoding="utf-8")
    out = tmp_path / "r.html"
    code, _, err = _run(capsys, "--layout", "official", "--template", str(own), "-o", str(out))
    assert code == 1 and "wrote" in err
    assert "/* our own */" in out.read_text(encoding="utf-8")


@pytest.mark.parametrize("broken, message", [
    ("{% if doc.kind %}\n<p>x</p>\n", r"official\.html\.j2:\d+: template error: Unexpected end of template"),
    ("<p>\n{{ doc.no_such_field }}</p>\n", r"official\.html\.j2:2: template error: UndefinedError"),
])
def test_a_template_error_names_the_file_and_line(tmp_path: Path, capsys: pytest.CaptureFixture[str], broken: str,
                                                  message: str) -> None:
    own = tmp_path / "tpl"
    own.mkdir()
    (own / "official.html.j2").write_text(broken, encoding="utf-8")
    code, out, err = _run(capsys, "--layout", "official", "--template", str(own), "-o", str(tmp_path / "r.html"))
    assert code == 2 and "Traceback" not in err
    assert re.search(message, err), err
    assert str(own) in err
    assert not (tmp_path / "r.html").exists()  # nothing written


@pytest.mark.parametrize("args, message", [
    (["-o", "out.pdf", "--format", "md"], "-o out.pdf: a .pdf file is pdf, but --format is md"),
    (["-o", "out.docx", "--format", "html"], "-o out.docx: a .docx file is docx, but --format is html"),
    (["-o", "out.md", "--format", "json"], "-o out.md: a .md file is md, but --format is json"),
    (["--format", "pdf"], "--format pdf writes a file: give it with -o FILE.pdf"),
    (["--layout", "official"], "--layout official is for html, pdf and docx, not md"),
    (["--number", "12/BC-VP"], "are for the official layout"),
    (["--template", ".", "--format", "json"], "--template is for the HTML (either layout) and the PDF, not json"),
    (["--format", "html", "--layout", "official", "--date", "2020-13-01"], "--date:"),
])
def test_usage_errors(tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch,
                      args: list[str], message: str) -> None:
    monkeypatch.chdir(tmp_path)
    code, out, err = _run(capsys, *args)
    assert code == 2 and out == "" and message in err
    assert list(tmp_path.iterdir()) == []


def test_the_extension_chooses_the_format(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    pytest.importorskip("docx")
    out = tmp_path / "r.docx"
    assert _run(capsys, "-o", str(out))[0] == 1
    assert out.read_bytes()[:2] == b"PK"  # a zip: the Word file, not Markdown


def _docx_text(path: Path) -> tuple[list[str], str]:
    import docx

    d = docx.Document(str(path))
    paras = [p.text for p in d.paragraphs]
    cells = []
    for t in d.tables:
        for row in t.rows:
            for c in row.cells:
                cells.append(c.text)
    return paras, "\n".join(paras + cells)


def test_the_word_file_reads_back(tmp_path: Path, capsys: pytest.CaptureFixture[str], report) -> None:  # type: ignore[no-untyped-def]
    pytest.importorskip("docx")
    import docx

    out = tmp_path / "r.docx"
    code, _, err = _run(capsys, "-o", str(out), "--number", "12/BC-VP", "--signer", "Nguyễn Văn A")
    assert code == 1 and f"wrote {out}" in err
    _, text = _docx_text(out)
    for piece in ("BỘ KHOA HỌC VÀ CÔNG NGHỆ", "VĂN PHÒNG BỘ", "Số: 12/BC-VP", "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM",
                  "Độc lập - Tự do - Hạnh phúc", "Hà Nội, ngày 20 tháng 12 năm 2020", "BÁO CÁO", "Nơi nhận:",
                  "- Lưu: VT, VP.", "CHÁNH VĂN PHÒNG", "Nguyễn Văn A"):
        assert piece in text, piece
    d = docx.Document(str(out))
    cells = {c.text for t in d.tables for row in t.rows for c in row.cells[:1]}
    ids = {c.replace("\u200b", "") for c in cells}  # (a zero-width space after each dot of an id)
    for r in report.results:  # every rule id and every task
        assert r.id in ids, r.id
    # an id breaks after its dots in a narrow cell ("II.1.c.3." / "units"), not inside a word
    assert "II.\u200b1.\u200bc.\u200b3.\u200bunits" in cells and "II.1.c.3.units" not in cells
    assert "II.\u200b2.\u200bc.\u200b1.\u200bunits (Vụ Pháp chế)" in cells  # (the table of values)
    # the signature keeps with the last lines before it (the last data warning) and its row does not split
    from docx.oxml.ns import qn

    sign = d.tables[-1]._tbl
    assert "Nơi nhận" in d.tables[-1].rows[0].cells[0].text and sign.find(f"{qn('w:tr')}/{qn('w:trPr')}/"
                                                                         f"{qn('w:cantSplit')}") is not None
    spacer, warning = sign.getprevious(), sign.getprevious().getprevious()
    for el in (spacer, warning):
        assert el.find(f"{qn('w:pPr')}/{qn('w:keepNext')}") is not None
    assert "không báo cáo Quý IV/2020" in "".join(warning.itertext())
    sec = d.sections[0]
    assert (round(sec.page_width.mm), round(sec.page_height.mm)) == (210, 297)
    assert (round(sec.left_margin.mm), round(sec.right_margin.mm), round(sec.top_margin.mm)) == (32, 18, 22)
    assert sec.different_first_page_header_footer  # the page number from page 2
    assert "PAGE" in sec.header._element.xml
    assert report.provenance()["digest"][:12] in sec.footer.paragraphs[0].text


def test_the_word_file_fills_its_tables_a_row_at_a_time(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    """No cell is found through python-docx's Table.cell, which builds the whole table's grid on every call
    (filling a table of n rows so takes n² steps: a 700-unit report ran for minutes); every table's head
    row repeats on the pages the table runs onto."""
    pytest.importorskip("docx")
    import docx
    import docx.table

    grids = 0
    whole = docx.table.Table._cells

    def counted(self: docx.table.Table) -> list[docx.table._Cell]:
        nonlocal grids
        grids += 1
        return whole.fget(self)  # type: ignore[no-any-return, attr-defined]

    monkeypatch.setattr(docx.table.Table, "_cells", property(counted))
    out = tmp_path / "r.docx"
    assert _run(capsys, "-o", str(out))[0] == 1
    assert grids == 0
    monkeypatch.undo()
    d = docx.Document(str(out))
    grid_tables = [t for t in d.tables if t.style is not None and t.style.name == "Table Grid"]
    assert grid_tables and all("w:tblHeader" in t.rows[0]._tr.xml for t in grid_tables)


def test_the_pdf(tmp_path: Path, capsys: pytest.CaptureFixture[str], report) -> None:  # type: ignore[no-untyped-def]
    pytest.importorskip("weasyprint")
    if not shutil.which("pdffonts") or not shutil.which("pdftotext"):
        pytest.skip("poppler-utils (pdffonts, pdftotext) is not installed")
    from kpirules.errors import KpiError
    from kpirules.report.official import find_serif

    try:
        serif = find_serif()
    except KpiError as exc:
        pytest.skip(str(exc))
    out = tmp_path / "r.pdf"
    code, _, err = _run(capsys, "-o", str(out), "--number", "12/BC-VP")
    assert code == 1 and out.read_bytes()[:5] == b"%PDF-"
    fonts = subprocess.run(["pdffonts", str(out)], capture_output=True, text=True, check=True).stdout
    rows = fonts.splitlines()[2:]
    assert rows and all(serif.family.replace(" ", "-") in row for row in rows), fonts  # the serif and nothing else
    assert all(re.search(r"\byes\s+yes\s+yes\b", row) for row in rows), fonts  # embedded, subset, unicode
    info = subprocess.run(["pdfinfo", str(out)], capture_output=True, text=True, check=True).stdout
    assert "595.276 x 841.89 pts (A4)" in info
    first = subprocess.run(["pdftotext", "-f", "1", "-l", "1", "-layout", str(out), "-"], capture_output=True,
                           text=True, check=True).stdout
    assert "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM" in first and "Số: 12/BC-VP" in first
    assert not re.match(r"\s*1\s*$", first.splitlines()[0])  # no page number on page 1
    second = subprocess.run(["pdftotext", "-f", "2", "-l", "2", str(out), "-"], capture_output=True,
                            text=True, check=True).stdout
    assert second.strip().splitlines()[0].strip() == "2"
    whole = subprocess.run(["pdftotext", str(out), "-"], capture_output=True, text=True, check=True).stdout
    assert report.provenance()["digest"][:12] in whole and "Nơi nhận:" in whole
    # the signature is not a page alone: the last data warning comes with it (issue 19)
    pages = int(re.search(r"Pages:\s+(\d+)", info)[1])  # type: ignore[index]
    last = subprocess.run(["pdftotext", "-f", str(pages), "-l", str(pages), str(out), "-"], capture_output=True,
                          text=True, check=True).stdout
    assert "Nơi nhận:" in last and "CHÁNH VĂN PHÒNG" in last
    assert "không báo cáo Quý IV/2020" in re.sub(r"\s+", " ", last), last


def test_no_serif_is_an_error(tmp_path: Path) -> None:
    pytest.importorskip("fontTools")
    from kpirules.errors import KpiError
    from kpirules.report.official import find_serif

    with pytest.raises(KpiError, match="needs a Times-metric serif with every Vietnamese letter"):
        find_serif([str(tmp_path)])


def test_a_serif_without_vietnamese_is_skipped(tmp_path: Path) -> None:
    pytest.importorskip("fontTools")  # (WeasyPrint's, in the pdf extra)
    old = Path("/usr/share/fonts/truetype/liberation")  # Liberation 1.x: no ả, ạ, ơ, ư, …
    if not (old / "LiberationSerif-Regular.ttf").exists():
        pytest.skip("Liberation Serif 1.x is not installed")
    for f in old.glob("LiberationSerif-*.ttf"):
        shutil.copy(f, tmp_path / f.name)
    from kpirules.errors import KpiError
    from kpirules.report.official import find_serif

    with pytest.raises(KpiError, match=r"LiberationSerif-Regular\.ttf lacks .*ả"):
        find_serif([str(tmp_path)])


def _crafted():  # type: ignore[no-untyped-def]
    plan = load(str(HERE / "data" / "report" / "plan.kpi"))
    return plan, build_report(plan, str(HERE / "data" / "report" / "data.json"), "2020-Q4")


def test_changes_since_the_previous_period() -> None:
    import datetime

    from kpirules.report.history import changes

    plan, report = _crafted()
    before = {(r.kind, r.id, r.unit): r.status.value
              for r in plan.evaluate(str(HERE / "data" / "report" / "data.json"), datetime.date(2020, 9, 20),
                                     current="2020-Q3")}
    name, groups = changes(report)
    assert name == "Quý III/2020"
    got = {g.kind: [(r.id, r.unit) for r in g.results] for g in groups}
    for kind, status in (("newly_met", "met"), ("newly_not_met", "not_met"), ("newly_overdue", "overdue")):
        want = [(r.id, r.unit) for r in report.results
                if r.status.value == status and before.get((r.kind, r.id, r.unit)) != status]
        assert got[kind] == want, kind
    assert ("A.1.x", None) in got["newly_met"]  # 10% in Q3, 24,68% in Q4 against ≥ 20%
    assert got["newly_delivered"] == [("1", None), ("2", None)]  # done on 30/11 and (late) on 1/10, after 20/9


def test_a_trend_over_the_periods() -> None:
    from fractions import Fraction

    from kpirules.report.history import sparkline, trends

    _, report = _crafted()
    tr = trends(report)[("R0", None)]
    assert tr.values[-2:] == (Fraction(1, 10), Fraction(617, 2500))
    assert tr.texts[-2:] == ("10%", "24,68%") and tr.labels[-2:] == ("Quý III/2020", "Quý IV/2020")
    assert tr.change == "+14,68 điểm % so với kỳ trước"
    svg = sparkline(tr)
    assert svg.startswith("<svg") and "Quý III/2020: 10%; Quý IV/2020: 24,68%" in svg
    html = render(report, "html", layout="official")
    assert "+14,68\u00a0điểm\u00a0% so với kỳ trước" in html and '<svg class="spark"' in html
    assert "II. THAY ĐỔI SO VỚI KỲ TRƯỚC" in html and 'data-change="newly_met"' in html


def test_a_value_carried_from_an_earlier_quarter_is_not_read_as_current(report, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    """Vụ Pháp chế did not report for 2020-Q4: its value is of 2020-Q3, so its trend has no 2020-Q4 point, no
    change ("(0)" would read as a quarter without progress) and its ranking line says which quarter it is of
    (issue 19)."""
    from kpirules.report.history import trends

    tr = trends(report)[("II.2.c.1.units", "VUPC")]
    assert tr.labels[-2:] == ("Quý III/2020", "Quý IV/2020")
    assert tr.values[-1] is None and tr.texts[-2:] == ("81,25%", "—")
    assert (tr.change, tr.delta, tr.stale) == ("", "", "số liệu Quý III/2020")
    assert trends(report)[("II.2.c.1.units", "VPB")].stale == ""  # (a unit that reported)
    html = render(report, "html", layout="official")
    assert "4. Vụ Pháp chế — thiếu 8,75\u00a0điểm\u00a0% (số liệu Quý III/2020)</td>" in html
    assert "Quý III/2020: 81,25%; Quý IV/2020: —" in html  # (the sparkline's title)
    pytest.importorskip("docx")
    import docx

    out = tmp_path / "r.docx"
    assert main(["report", PLAN, "--data", DATA, "--period", "2020-Q4", "-o", str(out)]) == 1
    rows = [[c.text.replace("\u200b", "") for c in row.cells] for t in docx.Document(str(out)).tables
            for row in t.rows]
    assert ["II.2.c.1.units (Vụ Pháp chế)", "61,9%", "65,91%", "70,83%", "74,21%", "77,83%", "81,25%", "—",
            "số liệu Quý III/2020"] in rows
    assert any(r[0].startswith("4. Vụ Pháp chế — thiếu 8,75\u00a0điểm\u00a0% (số liệu Quý III/2020)") for r in rows)


def test_task_leads_the_plan_declares_are_written_by_their_full_names(report) -> None:  # type: ignore[no-untyped-def]
    """Tasks 11 and 17 are led by declared units (the Appendix's "Tổng cục TĐC", "Cục TTKH&CN QG"): the report
    names them in full (issue 19)."""
    html = render(report, "html", layout="official")
    for task, name in (("11", "Tổng cục Tiêu chuẩn Đo lường Chất lượng"),
                       ("17", "Cục Thông tin khoa học và công nghệ quốc gia")):
        row = html[html.index(f'<tr data-id="{task}">'):]
        assert f"Chủ trì: {name}</p>" in row[:row.index("</tr>")], task
    assert "Tổng cục TĐC" not in html and "Cục TTKH&amp;CN QG" not in html


# --------------------------------------------------------------------------- the screen layout: what the reader needs


def test_the_screen_report_shows_who_and_what(report) -> None:  # type: ignore[no-untyped-def]
    html = render(report, "html")
    card = html[html.index('data-id="II.1.a.1"'):]
    card = card[:card.index("</article>")]
    assert '<p class="who">Chủ trì: Trung tâm Công nghệ thông tin</p>' in card
    assert '<svg class="spark"' in card and "so với kỳ trước" in card
    row = html[html.index('<tr class="k-overdue" data-id="6"'):]
    row = row[:row.index("</tr>")]
    assert "Phối hợp: Văn phòng Bộ, các đơn vị có liên quan" in row and "Sản phẩm: Quyết định của Bộ trưởng" in row
    assert '<section id="changes">' in html and 'data-change="newly_overdue"' in html
    # the folded group is there open for print, and the summary line is not green when some work is missing
    assert '<div class="later print-only">' in html and ".print-only{display:block}" in html
    # (task 26 reports every quarter: no 2020 deadline of its own)
    assert '<p class="deliv d-part" id="deliveries">16/23' in html
    assert "@page{size:A4" in html and "counter(page)" in html


def test_a_per_unit_rule_ranks_its_units(report) -> None:  # type: ignore[no-untyped-def]
    from fractions import Fraction

    from kpirules.report.parts import ranked

    rid = next(r.id for r in report.rule_results if r.unit is not None)
    results = tuple(r for r in report.results if r.id == rid and r.kind == "rule")
    order = ranked(results)
    values = [Fraction(r.value) for place, r in order if place is not None]
    assert values == sorted(values, reverse=True) and len(order) == len(results)
    places = [p for p, _ in order if p is not None]
    assert places[0] == 1 and all(a <= b for a, b in zip(places, places[1:]))
    html = render(report, "html")
    card = html[html.index(f'<article class="card wide" data-id="{rid}"'):]
    card = card[:card.index("</article>")]
    units = re.findall(r'data-unit="([^"]+)"', card)
    assert units == [r.unit for _, r in order]
    assert '<td class="first rank" data-label="Hạng">1</td>' in card


def test_single_deadline_tasks_done_late_count_as_delivered() -> None:
    _, report = _crafted()  # task 1 (due 2020, done on time) is the only one due at 14/12/2020
    ds = report.deliveries_due()
    assert ds is not None and ds.done == ("1",) and ds.late == ()


def test_the_screen_layout_is_a_template_too(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    own = tmp_path / "tpl"
    own.mkdir()
    text = (Path(shipped_dir()) / "screen.html.j2").read_text(encoding="utf-8")
    (own / "screen.html.j2").write_text(text.replace("<main>", "<main>\n<p>Bản của Bộ</p>"), encoding="utf-8")
    out = tmp_path / "r.html"
    assert _run(capsys, "--template", str(own), "-o", str(out))[0] == 1
    page = out.read_text(encoding="utf-8")
    assert "<p>Bản của Bộ</p>" in page and "Cần chú ý" in page
    (own / "screen.html.j2").write_text(text.replace("{{ page.title }}</h1>", "{{ page.title }</h1>"),
                                        encoding="utf-8")
    code, _, err = _run(capsys, "--template", str(own), "-o", str(out))
    line = text[:text.index("{{ page.title }}</h1>")].count("\n") + 1
    assert code == 2 and f"screen.html.j2:{line}: template error" in err


def _old_sparkline_points(values: tuple, width: int = 64, height: int = 18) -> str:  # type: ignore[type-arg]
    """The sparkline's points as first written (Fractions throughout), to compare the faster one with."""
    from fractions import Fraction

    points = [(i, v) for i, v in enumerate(values) if v is not None]
    lo, hi = min(v for _, v in points), max(v for _, v in points)
    span, n = hi - lo or Fraction(1), max(len(values) - 1, 1)

    def num(f: Fraction) -> str:
        q = round(f * 10)
        return f"{q // 10}.{q % 10}"

    def xy(i: int, v: Fraction) -> str:
        x = Fraction(2) + Fraction(width - 4) * i / n
        y = Fraction(height - 3) - Fraction(height - 6) * (v - lo) / span
        return f"{num(x)},{num(y)}"

    return " ".join(xy(i, v) for i, v in points)


@given(st.lists(st.one_of(st.none(), st.fractions(min_value=-10**6, max_value=10**6)), min_size=2, max_size=9))
def test_the_sparkline_draws_the_same_points_as_the_exact_formula(values: list) -> None:  # type: ignore[type-arg]
    from kpirules.report.history import Trend, sparkline

    if sum(v is not None for v in values) < 2:
        return
    tr = Trend(("",) * len(values), tuple(values), ("",) * len(values), "")
    svg = sparkline(tr)
    assert f'points="{_old_sparkline_points(tuple(values))}"' in svg
    last = _old_sparkline_points(tuple(values)).split(" ")[-1].split(",")
    assert f'<circle cx="{last[0]}" cy="{last[1]}"' in svg


# --------------------------------------------------------------------------- many units: one line each


def _many_units(tmp_path: Path, count: int = 15):  # type: ignore[no-untyped-def]
    """A plan of ``count`` declared units and one per-unit rule, every unit below target in 2020-Q3 and at
    or above it in 2020-Q4 (U01 best), so that every unit is newly met."""
    import json

    units = "\n".join(f'unit U{i:02d} "Sở {i:02d}"' for i in range(1, count + 1))
    plan = tmp_path / "plan.kpi"
    plan.write_text(f'plan "M/2020"\n  reporting quarterly cutoff 15 due 20\n\n{units}\n\n'
                    'rule R.1 "Hồ sơ trực tuyến":\n  for each unit: ratio(online, records) >= 50% by 2020\n'
                    "  lead U01\n", encoding="utf-8")
    snaps = []
    for i in range(1, count + 1):
        snaps.append({"period": "2020-Q3", "unit": f"U{i:02d}", "values": {"online": 1, "records": 10}})
        snaps.append({"period": "2020-Q4", "unit": f"U{i:02d}", "values": {"online": 100 - i, "records": 100}})
    data = tmp_path / "data.json"
    data.write_text(json.dumps({"snapshots": snaps}), encoding="utf-8")
    p = load(str(plan))
    return p, build_report(p, str(data), "2020-Q4")


def test_what_changed_names_a_per_unit_rule_once_with_its_units(tmp_path: Path) -> None:
    from kpirules.report.history import change_texts

    _, report = _many_units(tmp_path)
    (block,) = change_texts(report)
    met = next(g for g in block["groups"] if g["kind"] == "newly_met")
    assert met["count"] == 15  # every unit counts
    # one item, the first 12 named, by their declared names (issue 19)
    assert met["items"] == ["R.1 — Hồ sơ trực tuyến: " + ", ".join(f"Sở {i:02d}" for i in range(1, 13)) + ", …"
                            " (15 đơn vị)"]
    html = render(report, "html", layout="official")
    assert "<b>Mới đạt</b> (15): R.1 — Hồ sơ trực tuyến: Sở 01," in html
    md = render(report, "md")
    assert "**Mới đạt (15)**: R.1 — Hồ sơ trực tuyến: Sở 01," in md


def test_the_official_ranking_is_one_row_a_unit_with_margin_and_change(tmp_path: Path) -> None:
    plan, report = _many_units(tmp_path)
    html = render(report, "html", layout="official")
    rows = re.findall(r'<tr class="unit-row" data-unit="([^"]+)"><td class="unit" colspan="2">([^<]*)</td>', html)
    assert [u for u, _ in rows] == [f"Sở {i:02d}" for i in range(1, 16)]  # full names, best first
    # rank, name, the margin to the target and the change since 2020-Q3, on one line
    assert rows[0][1] == "1. Sở 01 — vượt 49\u00a0điểm\u00a0% (+89\u00a0điểm\u00a0%)"
    assert rows[14][1] == "15. Sở 15 — vượt 35\u00a0điểm\u00a0% (+75\u00a0điểm\u00a0%)"
    assert "Xếp hạng theo giá trị, tốt nhất trước; trong ngoặc: thay đổi so với kỳ trước." in html
    assert "Chủ trì: Sở 01" in html  # the lead by its declared name
    pytest.importorskip("docx")
    docx_file = tmp_path / "r.docx"
    assert main(["report", str(plan.filename), "--data", str(tmp_path / "data.json"), "--period", "2020-Q4",
                 "--format", "docx", "-o", str(docx_file)]) == 0
    import docx

    rows = [[c.text for c in row.cells] for t in docx.Document(str(docx_file)).tables for row in t.rows]
    first = next(r for r in rows if r[0].startswith("1. Sở 01"))
    assert first[1:] == ["1. Sở 01 — vượt 49\u00a0điểm\u00a0% (+89\u00a0điểm\u00a0%)", "99%", "≥ 50%", "Đạt"]  # merged

"""A word longer than a line (a URL, a code pasted without spaces) wraps inside its table cell in the PDF
and in the Word file; it never runs off the page nor is cut (issue 21, item 3: Word and PDF)."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest

from kpirules.cli import main
from pdf_support import need_pdf_tools

#: 230 characters without a space: a link as offices paste them
LONG = "https://dichvucong.gov.vn/p/home/dvc-tthc-thu-tuc-hanh-chinh-chi-tiet.html?ma_thu_tuc=" + "1.00" * 36 + "X"

PLAN = f'''plan "Kế hoạch thử"
  reporting quarterly cutoff 15 due 20

rule R1 "Tỷ lệ hồ sơ trực tuyến {LONG}":
  online >= 20% by 2020
  lead VP

task T1 "Xây dựng cổng {LONG}":
  due 2020
  lead VP
  product "{LONG}"
'''
DATA = '{"snapshots": [{"period": "2020-Q4", "values": {"online": 0.1}}], "tasks": [{"task": "T1", "status": "in_progress", "date": "2020-11-01", "note": "' + LONG + '"}]}'

#: A4 is 595.28 pt wide; the official layout's right margin is 15–20 mm (42.5 pt or more)
PAGE_WIDTH = 595.28


def _words(pdf: Path) -> list[tuple[float, float, str]]:
    """(xMin, xMax, word) of every word pdftotext finds in the PDF."""
    out = subprocess.run(["pdftotext", "-bbox", str(pdf), "-"], capture_output=True, text=True, check=True).stdout
    return [(float(a), float(b), w) for a, b, w in
            re.findall(r'<word xMin="([\d.]+)" yMin="[\d.]+" xMax="([\d.]+)" yMax="[\d.]+">([^<]*)</word>', out)]


def _report(tmp_path: Path, fmt: str) -> Path:
    (tmp_path / "p.kpi").write_text(PLAN, encoding="utf-8")
    (tmp_path / "d.json").write_text(DATA, encoding="utf-8")
    out = tmp_path / f"r.{fmt}"
    code = main(["report", str(tmp_path / "p.kpi"), "--data", str(tmp_path / "d.json"), "--period", "2020-Q4",
                 "--layout", "official", "-o", str(out)])
    assert code in (0, 1) and out.exists()
    return out


def _check(pdf: Path) -> None:
    words = _words(pdf)
    assert words, "no text found in the PDF"
    widest = max(x1 for _, x1, _ in words)
    assert widest <= PAGE_WIDTH - 40, f"a word reaches x = {widest:.1f} pt, past the right margin"
    # every piece of the long word is on the page, in order (it wrapped, it was not cut)
    text = "".join(w for _, _, w in words)
    assert text.count(LONG) >= 3, "the long word is not all there: cut off?"


def test_a_long_word_wraps_in_the_pdf(tmp_path: Path) -> None:
    need_pdf_tools()
    _check(_report(tmp_path, "pdf"))


def test_a_long_word_wraps_in_the_word_file(tmp_path: Path) -> None:
    pytest.importorskip("docx")
    soffice = shutil.which("soffice") or shutil.which("libreoffice")
    if not soffice or not shutil.which("pdftotext"):
        pytest.skip("LibreOffice (to lay out the .docx) or poppler-utils is not installed")
    docx = _report(tmp_path, "docx")
    subprocess.run([soffice, "--headless", f"-env:UserInstallation=file://{tmp_path}/lo", "--convert-to", "pdf",
                    "--outdir", str(tmp_path), str(docx)], capture_output=True, check=True, timeout=180)
    _check(tmp_path / "r.pdf")


@pytest.mark.parametrize("layout", ["screen", "official"])
def test_a_long_word_wraps_on_a_narrow_screen(tmp_path: Path, layout: str) -> None:
    """The report in headless Chromium 390 px wide (a phone): nothing is wider than that, in either layout
    (the page's own scroll width, measured in a frame of that width: see browser_support)."""
    from browser_support import chromium, page_width

    chromium()
    (tmp_path / "p.kpi").write_text(PLAN, encoding="utf-8")
    (tmp_path / "d.json").write_text(DATA, encoding="utf-8")
    html = tmp_path / "r.html"
    assert main(["report", str(tmp_path / "p.kpi"), "--data", str(tmp_path / "d.json"), "--period", "2020-Q4",
                 "--layout", layout, "-o", str(html)]) in (0, 1)
    page = html.read_text(encoding="utf-8")
    assert LONG in page
    scroll, window = page_width(page, 390, tmp_path)
    assert window == 390 and scroll <= 390, f"the page is {scroll} px wide in a {window} px frame"

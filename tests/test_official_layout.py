"""The official layout's tables on A4 (issue 19 items 2 and 6): fixed columns within the Decree 30 margins,
every cell wraps (an identifier after its dots), no text runs over another; a long per-unit ranking prints
one line a unit, so that the PDF of a national plan stays a matter of seconds."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from pathlib import Path

import pytest

from kpirules import load
from kpirules.cli import main
from kpirules.report import build_report, render
from kpirules.report.templates import breakable
from pdf_support import need_pdf_tools

ROOT = Path(__file__).parent.parent
PLAN = ROOT / "rules" / "nq17_bkhcn.kpi"
DATA = ROOT / "examples" / "nq17_bkhcn" / "data.json"

#: the official template's ranking_rows: a ranking longer than this prints one line a unit
RANKING_ROWS = 40


def _units_plan(tmp_path: Path, count: int, name: str = "Sở {i:02d}") -> tuple[Path, Path]:
    """A plan with ``count`` declared units and one per-unit rule with a long identifier; unit i reports
    100 - i of 100 (U01 best), all but the last five at or above the target."""
    units = "\n".join(f'unit U{i:02d} "{name.format(i=i)}"' for i in range(1, count + 1))
    plan = tmp_path / "plan.kpi"
    plan.write_text(f'plan "M/2020"\n  reporting quarterly cutoff 15 due 20\n\n{units}\n\n'
                    'rule II.1.c.3.units "Tỷ lệ hồ sơ công việc xử lý trên môi trường mạng của từng đơn vị":\n'
                    f"  for each unit: ratio(online, records) >= {100 - count + 5}% by 2020\n  lead U01\n",
                    encoding="utf-8")
    snaps = []
    for i in range(1, count + 1):
        snaps.append({"period": "2020-Q3", "unit": f"U{i:02d}", "values": {"online": 50, "records": 100}})
        snaps.append({"period": "2020-Q4", "unit": f"U{i:02d}", "values": {"online": 100 - i, "records": 100}})
    data = tmp_path / "data.json"
    data.write_text(json.dumps({"snapshots": snaps}), encoding="utf-8")
    return plan, data


def test_an_identifier_may_break_after_its_dots() -> None:
    assert breakable("II.1.c.3.units") == "II.<wbr>1.<wbr>c.<wbr>3.<wbr>units"
    assert breakable("A.") == "A."  # (nothing to break before the end)
    assert breakable("<b>.x") == "&lt;b&gt;.<wbr>x"  # escaped first


def test_a_short_ranking_is_a_row_of_cells_a_unit(tmp_path: Path) -> None:
    plan, data = _units_plan(tmp_path, RANKING_ROWS)
    html = render(build_report(load(str(plan)), str(data), "2020-Q4"), "html", layout="official")
    rows = re.findall(r'<tr class="unit-row" data-unit="([^"]+)">', html)
    assert rows == [f"Sở {i:02d}" for i in range(1, RANKING_ROWS + 1)]
    assert 'class="ranking"' not in html
    assert '<td class="id">II.<wbr>1.<wbr>c.<wbr>3.<wbr>units</td>' in html
    assert html.count('<table class="grid rules">') == 1 and html.count("<table") == html.count("</table>")


def test_a_long_ranking_is_one_line_a_unit(tmp_path: Path) -> None:
    count = RANKING_ROWS + 1
    plan, data = _units_plan(tmp_path, count)
    html = render(build_report(load(str(plan)), str(data), "2020-Q4"), "html", layout="official")
    assert '<tr class="unit-row"' not in html
    block = html[html.index('<p class="ranking" data-ranking="II.1.c.3.units">'):]
    block = block[:block.index("</p>")]
    lines = block.split("<br>\n")
    assert len(lines) == count
    # rank, name, value / target, the status, the margin and the change since 2020-Q3, best first
    assert lines[0].endswith('1. Sở 01: 99% / ≥ 64% <b class="st-met">Đạt</b>, vượt 35\u00a0điểm\u00a0% '
                             "(+49\u00a0điểm\u00a0%)")
    assert lines[-1] == ('41. Sở 41: 59% / ≥ 64% <b class="st-not_met">Chưa đạt</b>, thiếu 5\u00a0điểm\u00a0% '
                         "(+9\u00a0điểm\u00a0%)")
    # the table stops before the list and every table that opens is closed
    assert html.count("<table") == html.count("</table>")
    assert html[:html.index('<p class="ranking"')].rstrip().endswith("</tbody></table></div>")


def _words(pdf: Path) -> list[tuple[int, float, float, float, float, str]]:
    """(page, xMin, yMin, xMax, yMax, word) of every word pdftotext finds in the PDF."""
    out = subprocess.run(["pdftotext", "-bbox", str(pdf), "-"], capture_output=True, text=True, check=True).stdout
    words = []
    for page, body in enumerate(out.split("<page ")[1:], 1):
        for a, b, c, d, w in re.findall(r'<word xMin="([\d.]+)" yMin="([\d.]+)" xMax="([\d.]+)" yMax="([\d.]+)">'
                                        r"([^<]*)</word>", body):
            words.append((page, float(a), float(b), float(c), float(d), w))
    return words


def _overlaps(words: list[tuple[int, float, float, float, float, str]]) -> list[str]:
    """Pairs of words drawn over each other (same page, their boxes crossing by more than half a point)."""
    found = []
    by_page: dict[int, list[tuple[int, float, float, float, float, str]]] = {}
    for w in words:
        by_page.setdefault(w[0], []).append(w)
    for page, ws in by_page.items():
        ws.sort(key=lambda w: w[1])
        for i, a in enumerate(ws):
            for b in ws[i + 1:]:
                if b[1] >= a[3] - 0.5:
                    break
                high = min(a[4], b[4]) - max(a[2], b[2])
                if high > 0.5 * min(a[4] - a[2], b[4] - b[2]):
                    found.append(f"page {page}: {a[5]!r} at x {a[1]:.1f}–{a[3]:.1f} and {b[5]!r} at {b[1]:.1f}")
    return found


@pytest.mark.parametrize("case", ["shipped", "long names"])
def test_no_text_runs_over_other_text_in_the_pdf(tmp_path: Path, case: str) -> None:
    """The words of the PDF (the shipped plan; a ranking of units with long names and a long id) never
    cross one another, and none passes the right margin (15–20 mm of A4's 595.28 pt)."""
    need_pdf_tools()
    if case == "shipped":
        plan, data = PLAN, DATA
    else:
        plan, data = _units_plan(tmp_path, 12, "Tổng cục Tiêu chuẩn Đo lường Chất lượng số {i:02d}")
    out = tmp_path / "r.pdf"
    assert main(["report", str(plan), "--data", str(data), "--period", "2020-Q4", "-o", str(out)]) in (0, 1)
    words = _words(out)
    assert any(w[5].startswith("II.") for w in words)
    assert _overlaps(words) == []
    assert max(w[3] for w in words) <= 595.28 - 42.5


def test_a_per_unit_rule_is_not_left_at_the_foot_of_a_page_without_its_units(tmp_path: Path) -> None:
    """The shipped plan's II.1.c.3.units: its row and its first unit are on one page (break-after: avoid)."""
    need_pdf_tools()
    out = tmp_path / "r.pdf"
    assert main(["report", str(PLAN), "--data", str(DATA), "--period", "2020-Q4", "-o", str(out)]) == 1
    page = next(w[0] for w in _words(out) if w[5] == "II.1.c.3.")  # (the id cell breaks after its dots)
    text = subprocess.run(["pdftotext", "-f", str(page), "-l", str(page), str(out), "-"], capture_output=True,
                          text=True, check=True).stdout
    assert re.search(r"^1\. \S", text[text.index("II.1.c.3."):], re.M), text


def test_the_overlap_check_sees_an_overlap() -> None:
    words = [(1, 10.0, 0.0, 60.0, 10.0, "Trung tâm"), (1, 55.0, 1.0, 80.0, 11.0, "96,11%"),
             (1, 85.0, 0.0, 90.0, 10.0, "x"), (1, 10.0, 20.0, 90.0, 30.0, "below")]
    assert len(_overlaps(words)) == 1


@pytest.mark.parametrize("width", [390, 1280])
@pytest.mark.parametrize("layout", ["screen", "official"])
def test_nothing_is_wider_than_a_phone_or_a_desktop(tmp_path: Path, layout: str, width: int) -> None:
    """The shipped plan's report, screen and official HTML, in headless Chromium 390 px wide (a phone) and
    1280 px (a desktop): the page's scroll width is the frame's (a wide table would scroll in its own
    box, never the page)."""
    from browser_support import chromium, page_width

    chromium()
    out = tmp_path / "r.html"
    assert main(["report", str(PLAN), "--data", str(DATA), "--period", "2020-Q4", "--layout", layout,
                 "-o", str(out)]) == 1
    scroll, window = page_width(out.read_text(encoding="utf-8"), width, tmp_path)
    assert window == width and scroll <= width, f"the page is {scroll} px wide in a {window} px frame"


def test_the_width_probe_sees_a_page_wider_than_its_frame(tmp_path: Path) -> None:
    from browser_support import chromium, page_width

    chromium()
    page = '<!DOCTYPE html><html><body style="margin:0"><div style="width:600px">wide</div></body></html>'
    assert page_width(page, 390, tmp_path) == (600, 390)

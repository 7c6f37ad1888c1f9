"""Traceability of rules/nq17_bkhcn.kpi to Decision 676/QĐ-BKHCN.

The two tables below were written by hand from the plan's text (section II and
the Appendix).  The tests check three things:

* every phrase, lead, deadline and product in the tables occurs in the plan's
  text (rules/sources/676-QD-BKHCN.txt), and so does every phrase the rule
  file quotes in its comments and titles;
* the rule file, read as plain text with small regular expressions, has exactly
  one rule or task per table row, with the table's figure, deadline, lead units
  and product (this check needs no library);
* once ``kpirules.load`` exists, the same facts hold for the loaded plan.
"""

from __future__ import annotations

import re
from decimal import Decimal
from fractions import Fraction
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
RULE_FILE = ROOT / "rules" / "nq17_bkhcn.kpi"
SEED = ROOT / "rules" / "sources" / "676-QD-BKHCN.txt"  # the Decision's text, kept in the repository

# ---------------------------------------------------------------------------
# Section II: every numbered target.  (id, figure, deadline, phrase of the plan)
# figure is the plan's percentage, or None for a yes/no milestone.
# ---------------------------------------------------------------------------
TARGETS: list[tuple[str, str | None, str, str]] = [
    # II.1.a  Về xác thực và định danh điện tử (2019-2020)
    ("II.1.a.1", "20%", "2020", "20% số lượng người dân và doanh nghiệp tham gia hệ thống thông tin Chính phủ điện tử của Bộ KH&CN được xác thực và định danh điện tử"),
    # II.1.b  Về cung cấp dịch vụ công trực tuyến ...
    ("II.1.b.1", "30%", "2020", "Tối thiểu 30% dịch vụ công trực tuyến thực hiện ở mức độ 4"),
    ("II.1.b.2", "30%", "2020", "30% dịch vụ công trực tuyến mức độ 3, mức độ 4 của Bộ KH&CN được tích hợp với Cổng Dịch vụ công quốc gia"),
    ("II.1.b.3", None, "2020", "cung cấp giao diện cho các thiết bị di động trên Cổng Dịch vụ công của Bộ KH&CN"),
    ("II.1.b.4", "20%", "2020", "20% thông tin của người dân được tự động nhập vào biểu mẫu trực tuyến"),
    ("II.1.b.5", "50%", "2020", "50% dịch vụ công trực tuyến sử dụng dữ liệu từ Cơ sở dữ liệu quốc gia về đăng ký doanh nghiệp"),
    ("II.1.b.6", "20%", "2020", "20% dịch vụ công trực tuyến sử dụng chữ ký số trên nền tảng di động"),
    ("II.1.b.7", "50%", "2020", "50% dịch vụ công trực tuyến xử lý bằng hồ sơ điện tử"),
    ("II.1.b.8", "20%", "2020", "tỷ lệ hồ sơ giải quyết trực tuyến trên tổng số hồ sơ giải quyết thủ tục hành chính của Bộ đạt từ 20% trở lên"),
    ("II.1.b.9", "100%", "2020", "100% hồ sơ giải quyết thủ tục hành chính được thực hiện thông qua Hệ thống thông tin một cửa điện tử"),
    ("II.1.b.10", "100%", "2020", "100% dịch vụ công được hỗ trợ giải đáp thắc mắc cho người dân, doanh nghiệp"),
    ("II.1.b.11", "100%", "2020", "100% cơ quan thực hiện thủ tục hành chính thuộc Bộ KH&CN công khai mức độ hài lòng"),
    ("II.1.b.12", None, "2020", "Cổng Thông tin điện tử của Bộ KH&CN công khai thông tin đầy đủ theo quy định tại Nghị định số 43/2011/NĐ-CP"),
    # II.1.c  Về gửi, nhận văn bản điện tử; báo cáo điện tử
    ("II.1.c.1", None, "2020", "Kết nối, liên thông phần mềm quản lý văn bản và điều hành của Bộ KH&CN với Trục liên thông văn bản quốc gia"),
    ("II.1.c.2", "90%", "2020", "90% văn bản trao đổi giữa các cơ quan nhà nước (trừ văn bản mật theo quy định của pháp luật) dưới dạng điện tử"),
    ("II.1.c.3", "80%", "2020", "Tối thiểu 80% hồ sơ công việc tại Bộ KH&CN được xử lý trên môi trường mạng"),
    ("II.1.c.4", "30%", "2020", "Rút ngắn từ 30% - 50% thời gian họp"),
    ("II.1.c.5", "30%", "2020", "Tối thiểu 30% báo cáo định kỳ (không bao gồm nội dung mật) được gửi, nhận qua Hệ thống thông tin báo cáo quốc gia"),
    ("II.1.c.6", None, "2020", "Thực hiện kết nối vào Mạng truyền số liệu chuyên dùng của các cơ quan Đảng, Nhà nước"),
    # II.2.a  Về xác thực và định danh điện tử (2021-2025)
    ("II.2.a.1", "100%", "2025", "100% giao dịch trên Cổng Dịch vụ công của Bộ KH&CN và Hệ thống thông tin một cửa điện tử của Bộ KH&CN được xác thực điện tử"),
    ("II.2.a.2", "40%", "2025", "40% số lượng người dân và doanh nghiệp tham gia hệ thống thông tin Chính phủ điện tử của Bộ KH&CN được xác thực định danh điện tử"),
    # II.2.b
    ("II.2.b.1", "100%", "2025", "100% Cổng Dịch vụ công, Hệ thống thông tin một cửa điện tử của Bộ KH&CN được kết nối, chia sẻ dữ liệu với Cổng Dịch vụ công quốc gia"),
    ("II.2.b.2", "80%", "2025", "80% thủ tục hành chính đáp ứng yêu cầu triển khai dịch vụ công trực tuyến mức độ 3, 4"),
    ("II.2.b.3", "50%", "2025", "50% dịch vụ công trực tuyến mức độ 3, 4 được tích hợp với Cổng Dịch vụ công quốc gia"),
    ("II.2.b.4", "100%", "2025", "100% dịch vụ công trực tuyến mức độ 3, 4 phổ biến, liên quan nhiều đến người dân, doanh nghiệp được tích hợp lên Cổng Dịch vụ công quốc gia"),
    ("II.2.b.5", "50%", "2025", "tỷ lệ hồ sơ giải quyết theo dịch vụ công trực tuyến mức độ 3, 4 trên tổng số hồ sơ giải quyết thủ tục hành chính của Bộ đạt từ 50% trở lên"),
    ("II.2.b.6", "90%", "2025", "Tối thiểu 90% người dân và doanh nghiệp hài lòng về việc giải quyết thủ tục hành chính"),
    # II.2.c
    ("II.2.c.1", "90%", "2025", "90% hồ sơ công việc tại Bộ KH&CN được xử lý trên môi trường mạng"),
    ("II.2.c.2", "80%", "2025", "80% báo cáo định kỳ (không bao gồm nội dung mật) được cập nhật, chia sẻ trên Hệ thống thông tin báo cáo quốc gia"),
    ("II.2.c.3", "60%", "2025", "60% hệ thống thông tin của Bộ KH&CN có liên quan đến người dân, doanh nghiệp được đưa vào vận hành, khai thác được kết nối, liên thông qua nền tảng tích hợp, chia sẻ dữ liệu"),
    ("II.2.c.4", None, "2025", "thông tin của người dân, doanh nghiệp đã được số hóa và lưu trữ tại các cơ sở dữ liệu quốc gia, không phải cung cấp lại"),
]

# Targets the plan states as a cut: the rule compares a change with the negative figure.
REDUCTIONS = {"II.1.c.4"}
# Targets to be held in every quarter of the phase (`from 2021 to 2025`) rather than reached by its end:
# none (II.2.b.6 is a figure of phase 2 like the others, reached by 2025).
HELD_THROUGHOUT: set[str] = set()
# Targets judged per unit of the ministry (`for each unit:`): none; II.1.c.3 and II.2.c.1 are figures for
# the whole ministry ("hồ sơ công việc tại Bộ KH&CN").
PER_UNIT: set[str] = set()
# Rules the Decision does not require, each labelled so in its title: the per-unit views of two
# ministry-wide targets, and the nearest measurable form of "giảm tối đa việc sử dụng tài liệu giấy".
EXTRA_RULES = {"II.1.c.3.units": "II.1.c.3", "II.2.c.1.units": "II.2.c.1", "II.1.c.4.paper": "II.1.c.4"}
# The stretch goal of a target ("Rút ngắn từ 30% - 50% thời gian họp": 50%).
STRETCH = {"II.1.c.4": "-50%"}

# ---------------------------------------------------------------------------
# The Appendix: every row.  (task, lead, support, due as written, product, note)
# lead/support exactly as the plan's cells read; "" for an empty cell.
# ---------------------------------------------------------------------------
BOTH = ("2019-2020", "2021-2025")
TASKS: list[tuple[int, str, str, tuple[str, ...], str, str]] = [
    (1, "Các đơn vị thuộc Bộ", "VPB, Vụ PC, TTCNTT", BOTH, "", ""),
    (2, "Các đơn vị thuộc Bộ", "TTCNTT, VPB", ("2021-2025",), "", ""),
    (3, "VPB", "TTCNTT và các đơn vị có liên quan", ("2019-2020",), "Quyết định của Bộ trưởng",
     "Thực hiện sau khi Chính phủ ban hành Nghị định thay thế Nghị định số 110/2004/NĐ-CP"),
    (4, "VPB", "TTCNTT và các đơn vị có liên quan", ("2019-2020",), "Quyết định của Bộ trưởng",
     "Thực hiện sau khi Chính phủ ban hành Nghị định sửa đổi, bổ sung Nghị định số 138/2016/NĐ-CP, dự kiến trình tháng 9/2019."),
    (5, "Các đơn vị thuộc Bộ", "VPB, TTCNTT", BOTH, "Quyết định ban hành Quy chế", ""),
    (6, "TTCNTT", "VPB và các đơn vị có liên quan", ("Quý IV/2019", "2021-2025"), "Quyết định của Bộ trưởng",
     "Thực hiện sau khi Chính phủ phê duyệt Kiến trúc Chính phủ điện tử."),
    (7, "Các đơn vị thuộc Bộ", "TTCNTT, VPB", BOTH, "",
     "Thực hiện sau khi Bộ trưởng phê duyệt Kiến trúc Chính phủ điện tử của Bộ KH&CN."),
    (8, "TTCNTT", "VPB và các đơn vị có liên quan", BOTH, "Hoàn thành việc kết nối, liên thông", ""),
    (9, "Các đơn vị thuộc Bộ", "TTCNTT, VPB", BOTH, "Hoàn thành việc kết nối, liên thông",
     "Thực hiện sau khi Cổng Dịch vụ công quốc gia đi vào hoạt động, dự kiến tháng 11/2019."),
    (10, "Các đơn vị thuộc Bộ", "TTCNTT, VPB, Vụ KH-TC", BOTH,
     "Hạ tầng CNTT được tái cấu trúc, nâng cấp phù hợp với yêu cầu kết nối của Chính phủ", ""),
    (11, "Tổng cục TĐC", "", BOTH, "", ""),
    (12, "TTCNTT", "VPB và các đơn vị có liên quan", BOTH,
     "Cổng Dịch vụ công của Bộ và Hệ thống thông tin một cửa điện tử được xây dựng và hoàn thiện",
     "Đáp ứng các tiêu chuẩn kỹ thuật theo hướng dẫn tại Quyết định số 1697/QĐ- BTTTT và 1705/QĐ- BTTTT ngày 23/10/2018."),
    (13, "TTCNTT", "VPB và các đơn vị có liên quan", ("2019-2020",),
     "Hệ thống thông tin tiếp nhận, trả lời phản ánh, kiến nghị được xây dựng và kết nối với Hệ thống Chính phủ", ""),
    (14, "TTCNTT", "VPB và các đơn vị có liên quan", BOTH,
     "Hệ thống báo cáo của Bộ KH&CN sẵn sàng kết nối với hệ thống báo cáo của Chính phủ", ""),
    (15, "TTCNTT", "VPB và các đơn vị có liên quan", BOTH, "Hệ thống thông tin phục vụ họp và xử lý công việc", ""),
    (16, "Các đơn vị thuộc Bộ", "TTCNTT, VPB", BOTH,
     "Danh mục điện tử dùng chung được xây dựng, tổng hợp, công khai và chia sẻ trên môi trường mạng", ""),
    (17, "Cục TTKH&CN QG", "", BOTH, "", ""),
    (18, "TTCNTT", "Các đơn vị có liên quan", BOTH,
     "Các hệ thống thông tin được giám sát, đánh giá, phân loại theo cấp độ", ""),
    (19, "TTCNTT", "VPB và các đơn vị có liên quan", BOTH, "", ""),
    (20, "Vụ KH-TC", "Các đơn vị có liên quan", BOTH, "", ""),
    (21, "Các đơn vị thuộc Bộ", "Vụ KH-TC, VPB, TTCNTT và các đơn vị có liên quan", BOTH, "", ""),
    (22, "Vụ CNC", "Vụ KH-TC, VPCTTĐ và các đơn vị có liên quan", BOTH,
     "Chương trình “Nghiên cứu công nghệ và phát triển sản phẩm công nghệ thông tin phục vụ Chính phủ điện tử và đô thị thông minh” giai đoạn 2019- 2025.", ""),
    (23, "TTCNTT", "VPB và các đơn vị có liên quan", BOTH, "Các lớp tập huấn", ""),
    (24, "BCĐCPĐT", "VPB, TTCNTT", BOTH, "", ""),
    (25, "VPB, TTCNTT", "Các đơn vị có liên quan", BOTH, "Báo cáo kết quả kiểm tra, giám sát", ""),
    (26, "VPB", "TTCNTT và các đơn vị có liên quan", BOTH, "Báo cáo của Bộ trưởng gửi VPCP và Bộ TTTT", ""),
]

# Tasks that wait on another task or on an outside event (the plan's notes "Thực hiện sau khi …").
AFTER = {3: ["ND110"], 4: ["ND138"], 6: ["KTCPDT"], 7: ["6"], 9: ["CDVCQG"]}
# The events, and the words of the notes they stand for.
EVENTS = {
    "ND110": "Chính phủ ban hành Nghị định thay thế Nghị định số 110/2004/NĐ-CP",
    "ND138": "Chính phủ ban hành Nghị định sửa đổi, bổ sung Nghị định số 138/2016/NĐ-CP",
    "KTCPDT": "Chính phủ phê duyệt Kiến trúc Chính phủ điện tử",
    "CDVCQG": "Cổng Dịch vụ công quốc gia đi vào hoạt động",
}
# Recurring duties: task 26 "(hàng quý)".
RECURRING = {26: "every quarter from 2019-Q2 to 2025-Q4"}

# Section ids of the plan's structure.
SECTIONS = ["II", "II.1", "II.1.a", "II.1.b", "II.1.c", "II.2", "II.2.a", "II.2.b", "II.2.c",
            "PL.I", "PL.II", "PL.III", "PL.IV", "PL.V", "PL.VI"]

# How the Appendix's "Thời gian hoàn thành" reads in the rule language.
DUE_IN_KPI = {"2019-2020": "2020", "2021-2025": "2025", "Quý IV/2019": "Q4/2019"}


# The Appendix's short forms of units the plan declares: the rule file writes their codes, so that a report
# prints their full names (issue 19).  Every other name is written as the Appendix does.
CODES = {"Vụ PC": "VUPC", "Tổng cục TĐC": "TCTDC", "Cục TTKH&CN QG": "CUCTTKH"}


def coded(units: list[str]) -> list[str]:
    """The Appendix's unit names as the rule file writes them: a declared unit by its code."""
    return [CODES.get(u, u) for u in units]


def split_units(cell: str) -> list[str]:
    """'VPB, Vụ PC, TTCNTT' or 'TTCNTT và các đơn vị có liên quan' -> unit names."""
    if not cell:
        return []
    out: list[str] = []
    for part in cell.split(", "):
        head, sep, tail = part.partition(" và ")
        out.append(head)
        if sep:
            out.append(tail)
    return out


def percent(figure: str) -> Fraction:
    return Fraction(Decimal(figure.rstrip("%"))) / 100


# ---------------------------------------------------------------------------
# The tables themselves
# ---------------------------------------------------------------------------


def test_tables_are_complete_and_unique():
    ids = [t[0] for t in TARGETS]
    assert len(ids) == len(set(ids))
    assert [t[0] for t in TASKS] == list(range(1, 27))
    for _, figure, deadline, _ in TARGETS:
        assert deadline in {"2020", "2025"}
        assert figure is None or re.fullmatch(r"\d+%", figure)
    for row in TASKS:
        assert all(d in DUE_IN_KPI for d in row[3])


# ---------------------------------------------------------------------------
# (a) The tables against the plan's text
# ---------------------------------------------------------------------------


@pytest.fixture(scope="module")
def seed_text() -> str:
    assert SEED.exists(), f"the plan's text is kept at {SEED} (rules/sources/README.md)"
    return SEED.read_text(encoding="utf-8")


def _section_ii(text: str) -> tuple[str, str]:
    start = text.index("II. CÁC CHỈ TIÊU CHỦ YẾU")
    mid = text.index("2. Giai đoạn 2021-2025", start)
    end = text.index("III. NHIỆM VỤ, GIẢI PHÁP CHỦ YẾU", mid)
    return text[start:mid], text[mid:end]


def _appendix_rows(text: str) -> dict[int, list[str]]:
    """The Appendix as {task number: its cells}, cells being the non-empty lines of the row."""
    body = text[text.index("PHỤ LỤC") : text.index("HIỆU LỰC VĂN BẢN")]
    lines = [ln.strip().replace("\xa0", "") for ln in body.splitlines()]
    rows: dict[int, list[str]] = {}
    current: int | None = None
    expected = 1
    for ln in lines:
        if ln == str(expected):
            current = expected
            rows[current] = []
            expected += 1
        elif current is not None and re.fullmatch(r"I|II|III|IV|V|VI", ln):
            current = None  # a group heading ends the row
        elif current is not None and ln:
            rows[current].append(ln)
    return rows


def test_target_phrases_occur_in_the_plan(seed_text):
    phase1, phase2 = _section_ii(seed_text)
    for rule_id, figure, deadline, phrase in TARGETS:
        where = phase1 if deadline == "2020" else phase2
        assert phrase in where, f"{rule_id}: phrase not in section II phase ending {deadline}"
        if figure is not None:
            assert figure in phrase, f"{rule_id}: figure {figure} is not in its phrase"


def test_every_percentage_of_section_ii_is_in_the_table(seed_text):
    phase1, phase2 = _section_ii(seed_text)
    for phase, deadline in ((phase1, "2020"), (phase2, "2025")):
        in_plan = sorted(re.findall(r"\d+%", phase))
        in_table = [t[1] for t in TARGETS if t[2] == deadline and t[1] is not None]
        if deadline == "2020":
            in_table.append("50%")  # the upper end of "Rút ngắn từ 30% - 50% thời gian họp"
        assert sorted(in_table) == in_plan


def test_appendix_rows_match_the_plan(seed_text):
    rows = _appendix_rows(seed_text)
    assert sorted(rows) == list(range(1, 27))
    for number, lead, support, due, product, note in TASKS:
        cells = rows[number]
        # title, lead, [support], due..., [product], [note]
        assert cells[1] == lead, f"task {number}: lead"
        rest = cells[2:]
        if support:
            assert rest[0] == support, f"task {number}: support"
            rest = rest[1:]
        written_due: list[str] = []
        while rest and re.fullmatch(r"(\d{4}-\d{4}|Quý [IV]+/\d{4})(; \d{4}-\d{4})?", rest[0]):
            written_due.extend(rest[0].split("; "))
            rest = rest[1:]
        assert tuple(written_due) == due, f"task {number}: due"
        assert rest == [c for c in (product, note) if c], f"task {number}: product/note"


# ---------------------------------------------------------------------------
# (b1) The rule file, read without the library
# ---------------------------------------------------------------------------

_HEAD = re.compile(r'^(rule|task|section)\s+("(?:[^"\\]|\\.)*"|[A-Za-z0-9_.]+)\s+"((?:[^"\\]|\\.)*)"(:?)\s*$')
_STRING = re.compile(r'"((?:[^"\\]|\\.)*)"')


def _items() -> list[dict]:
    """The rule file as a list of {kind, id, title, body: [lines]} (comments dropped)."""
    items: list[dict] = []
    current: dict | None = None
    for raw in RULE_FILE.read_text(encoding="utf-8").splitlines():
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        m = _HEAD.match(line)
        if m:
            current = {"kind": m.group(1), "id": m.group(2).strip('"'), "title": m.group(3), "body": []}
            items.append(current)
        elif raw.startswith("  ") and current is not None:
            current["body"].append(line)
        else:
            current = None
    return items


def _names(value: str) -> list[str]:
    """`VPB, "Vụ PC", TTCNTT` -> ['VPB', 'Vụ PC', 'TTCNTT']."""
    out = []
    for part in re.findall(r'"(?:[^"\\]|\\.)*"|[^,\s][^,]*', value):
        part = part.strip()
        out.append(part[1:-1] if part.startswith('"') else part)
    return out


def _field(body: list[str], key: str) -> str | None:
    found = [ln[len(key) + 1 :].strip() for ln in body if ln.startswith(key + " ")]
    assert len(found) <= 1, f"{key} given {len(found)} times"
    return found[0] if found else None


@pytest.fixture(scope="module")
def items() -> list[dict]:
    return _items()


def test_file_is_formatted(items):
    text = RULE_FILE.read_text(encoding="utf-8")
    assert text.endswith("\n") and not text.endswith("\n\n")
    for n, line in enumerate(text.splitlines(), 1):
        assert line == line.rstrip(), f"line {n}: trailing space"
        assert "\t" not in line, f"line {n}: tab"
        if line.startswith(" ") and not re.match(r"    (issuer|place|signer|recipients) ", line):  # (the report block)
            assert line.startswith("  ") and not line.startswith("   "), f"line {n}: indent"
    # one blank line between items (an item may be preceded by its comment lines)
    assert "\n\n\n" not in text
    lines = text.splitlines()
    for n, line in enumerate(lines):
        if re.match(r"(rule|task|section) ", line):
            k = n - 1
            while k >= 0 and lines[k].startswith("#"):
                k -= 1
            assert k < 0 or lines[k] == "", f"line {n + 1}: no blank line before the item"


def test_header(items):
    text = RULE_FILE.read_text(encoding="utf-8")
    assert re.search(r'^plan "676/QĐ-BKHCN"$', text, re.M)
    assert re.search(r"^  issued 2019-03-28$", text, re.M)
    assert re.search(r'^  implements "17/NQ-CP"$', text, re.M)
    assert re.search(r"^  reporting quarterly cutoff 15 due 20$", text, re.M)
    assert re.search(r'^  title "Kế hoạch hành động của Bộ Khoa học và Công nghệ', text, re.M)


def test_sections(items):
    ids = [i["id"] for i in items if i["kind"] == "section"]
    assert len(ids) == len(set(ids))
    for sid in SECTIONS:
        assert sid in ids


def test_every_target_is_one_rule_with_its_figure_and_deadline(items):
    rules = [i for i in items if i["kind"] == "rule"]
    by_id: dict[str, list[dict]] = {}
    for r in rules:
        by_id.setdefault(r["id"], []).append(r)
    assert sorted(by_id) == sorted([t[0] for t in TARGETS] + list(EXTRA_RULES)), \
        "rules without a target, or targets without a rule"
    for rule_id, target in EXTRA_RULES.items():
        rule = by_id[rule_id][0]
        body = rule["body"]
        assert target in rule_id and (
            "không phải chỉ tiêu của Quyết định" in rule["title"] or
            "Quyết định không đặt con số" in (_field(body, "note") or "")), rule_id
    for rule_id, figure, deadline, _ in TARGETS:
        assert len(by_id[rule_id]) == 1, f"{rule_id} defined {len(by_id[rule_id])} times"
        rule = by_id[rule_id][0]
        assert rule["title"], rule_id
        condition = rule["body"][0]
        for key in ("lead", "support", "note", "due", "product", "after", "stretch"):
            assert not condition.startswith(key + " "), f"{rule_id}: no condition line"
        if rule_id in PER_UNIT:
            assert condition.startswith("for each unit: "), rule_id
        else:
            assert not condition.startswith("for each unit"), rule_id
        if rule_id in HELD_THROUGHOUT:
            m = re.search(r" from (\S+) to (\S+)$", condition)
            assert m and m.group(1) == "2021" and m.group(2) == deadline, rule_id
            condition = condition[: m.start()]
        else:
            m = re.search(r" by (\S+)$", condition)
            assert m and m.group(1) == deadline, f"{rule_id}: deadline"
            condition = condition[: m.start()]
        if figure is None:
            assert re.fullmatch(r"[a-z][a-z0-9_]*", condition), f"{rule_id}: a yes/no milestone is a boolean metric"
            continue
        m = re.search(r"(>=|<=)\s*(-?\d+(?:\.\d+)?)%$", condition)
        assert m, f"{rule_id}: no percentage target in {condition!r}"
        if rule_id in REDUCTIONS:
            assert m.group(1) == "<=" and m.group(2) == "-" + figure.rstrip("%"), rule_id
            assert condition.startswith("change("), rule_id
        else:
            assert m.group(1) == ">=" and m.group(2) == figure.rstrip("%"), rule_id
            assert re.search(r"\bratio\([a-z0-9_]+, [a-z0-9_]+\)", condition), rule_id
        # the rule's body is: condition, then only lead/support/note (and stretch) lines
        for extra in rule["body"][1:]:
            assert extra.split(" ", 1)[0] in {"lead", "support", "note", "stretch"}, f"{rule_id}: {extra!r}"
        stretch = _field(rule["body"], "stretch")
        if rule_id in STRETCH:
            assert stretch is not None and stretch.endswith("<= " + STRETCH[rule_id]), rule_id
        else:
            assert stretch is None, rule_id


def test_meeting_time_is_cut_against_2018(items):
    rule = next(i for i in items if i["id"] == "II.1.c.4")
    assert rule["body"][0] == "change(meeting_hours, meeting_hours at 2018) <= -30% by 2020"
    assert _field(rule["body"], "stretch") == "change(meeting_hours, meeting_hours at 2018) <= -50%"
    assert "50%" in (_field(rule["body"], "note") or "")
    text = RULE_FILE.read_text(encoding="utf-8")
    # the file says the Decision gives no baseline, and which one the ministry chose
    assert "The Decision\n# gives no baseline; the ministry chose 2018" in text


def test_every_task_is_one_task_with_its_lead_due_and_product(items):
    tasks = [i for i in items if i["kind"] == "task"]
    numbers = [t["id"] for t in tasks]
    assert sorted(numbers, key=int) == [str(n) for n in range(1, 27)]
    assert len(numbers) == len(set(numbers)), "a task is defined twice"
    by_id = {t["id"]: t for t in tasks}
    for number, lead, support, due, product, note in TASKS:
        task = by_id[str(number)]
        body = task["body"]
        assert task["title"], number
        assert _names(_field(body, "lead") or "") == coded(split_units(lead)), f"task {number}: lead"
        assert _names(_field(body, "support") or "") == coded(split_units(support)), f"task {number}: support"
        if number in RECURRING:
            assert _field(body, "due") == RECURRING[number], f"task {number}: due"
        else:
            assert _names(_field(body, "due") or "") == [DUE_IN_KPI[d] for d in due], f"task {number}: due"
        got_product = _field(body, "product")
        assert (_STRING.fullmatch(got_product).group(1) if got_product else "") == product, f"task {number}: product"
        got_note = _field(body, "note")
        assert (_STRING.fullmatch(got_note).group(1) if got_note else "") == note, f"task {number}: note"
        after = _field(body, "after")
        assert (_names(after) if after else []) == AFTER.get(number, []), f"task {number}: after"
        for line in body:
            assert line.split(" ", 1)[0] in {"lead", "support", "due", "product", "note", "after"}, line


def test_task_7_waits_on_task_6(items):
    task7 = next(i for i in items if i["kind"] == "task" and i["id"] == "7")
    assert "after 6" in task7["body"]


def test_every_task_title_is_the_appendix_cell_in_full(items, seed_text):
    rows = _appendix_rows(seed_text)
    for task in (i for i in items if i["kind"] == "task"):
        assert task["title"] == rows[int(task["id"])][0], f"task {task['id']}: the title is not the plan's cell"


def test_events_are_declared_with_the_words_of_the_notes(seed_text):
    text = RULE_FILE.read_text(encoding="utf-8")
    declared = dict(re.findall(r'^event (\S+) "([^"]*)"$', text, re.M))
    assert declared == EVENTS
    notes = " ".join(row[-1] for row in _appendix_rows(seed_text).values())
    for words in EVENTS.values():
        assert words.replace("Chính phủ ", "", 1) in notes or words in notes, words


def test_units_are_declared_with_full_names():
    text = RULE_FILE.read_text(encoding="utf-8")
    declared = dict(re.findall(r'^unit (\S+) "([^"]*)"$', text, re.M))
    assert set(declared) == {"TTCNTT", "VPB", "VUPC", "TCTDC", "CUCTTKH"}
    assert declared["VPB"] == "Văn phòng Bộ" and declared["TTCNTT"] == "Trung tâm Công nghệ thông tin"
    assert set(CODES.values()) <= set(declared)  # (the short forms the rule file writes as codes)


def _quoted_phrases() -> list[tuple[int, str]]:
    """Every phrase quoted ("…" or “…”) in the rule file's comments and in its titles, with its line.

    Comment lines are joined (a quotation may wrap); `...` or `…` inside a quotation marks
    words left out, so each part is a phrase of its own.
    """
    lines = RULE_FILE.read_text(encoding="utf-8").splitlines()
    out: list[tuple[int, str]] = []
    comment: list[tuple[int, str]] = []

    def flush() -> None:
        if not comment:
            return
        joined = " ".join(t for _, t in comment)
        for m in re.finditer(r'"([^"]+)"|“([^”]+)”', joined):
            phrase = m.group(1) or m.group(2)
            for part in re.split(r"\s*(?:\.\.\.|…)\s*", phrase):
                if part.strip():
                    out.append((comment[0][0], part.strip()))
        comment.clear()

    for n, line in enumerate(lines, 1):
        stripped = line.strip()
        if stripped.startswith("#"):
            comment.append((n, stripped.lstrip("#").strip()))
            continue
        flush()
        m = _HEAD.match(stripped)
        if m:
            for q in re.finditer(r"“([^”]+)”", m.group(3)):
                out.append((n, q.group(1)))
    flush()
    return out


def test_every_quoted_phrase_occurs_in_the_plan(seed_text):
    plain = " ".join(seed_text.split()).casefold()  # (a heading in capitals may be quoted in sentence case)
    phrases = _quoted_phrases()
    assert len(phrases) > 40, "the rule file quotes the Decision"
    missing = [f"rules/nq17_bkhcn.kpi:{line}: {phrase!r}" for line, phrase in phrases
               if " ".join(phrase.split()).casefold() not in plain]
    assert not missing, "quoted but not in the Decision:\n" + "\n".join(missing)


def test_metric_names_are_english_snake_case_and_documented(items):
    reserved = set(
        "plan title issued implements reporting section rule task lead support due product note after by "
        "from to at previous for each unit units where and or not between ratio change sum min max avg count "
        "true false quarterly monthly yearly cutoff calendar".split()
    )
    metrics: set[str] = set()
    for rule in (i for i in items if i["kind"] == "rule"):
        condition = re.sub(r"\b(by|from|to) \S+", "", rule["body"][0])
        condition = re.sub(r"\bat \d{4}\b", "", condition)
        metrics |= set(re.findall(r"\b[a-z][a-z0-9_]*\b", condition)) - reserved
    assert metrics, "no metrics found"
    glossary = (ROOT / "docs" / "metrics.md").read_text(encoding="utf-8")
    for name in metrics:
        assert re.fullmatch(r"[a-z][a-z0-9]*(_[a-z0-9]+)*", name), name
        assert f"`{name}`" in glossary, f"{name} is not in docs/metrics.md"
    listed = set(re.findall(r"^\| `([a-z0-9_]+)` \|", glossary, re.M))
    assert listed == metrics, f"glossary and rules differ: {sorted(listed ^ metrics)}"


# ---------------------------------------------------------------------------
# (b2) The rule file, loaded by the library (runs once kpirules.load exists)
# ---------------------------------------------------------------------------


def _leaves(node, depth: int = 0):
    """Every leaf value under an AST node, whatever its classes look like."""
    if depth > 40:
        return
    if isinstance(node, (str, bool, int, Fraction, Decimal)) or node is None:
        yield node
        return
    if isinstance(node, (list, tuple, set, frozenset)):
        for child in node:
            yield from _leaves(child, depth + 1)
        return
    if isinstance(node, dict):
        for child in node.values():
            yield from _leaves(child, depth + 1)
        return
    fields = getattr(type(node), "__attrs_attrs__", None)
    if fields is not None:
        names = [f.name for f in fields]
    elif hasattr(node, "__dataclass_fields__"):
        names = list(node.__dataclass_fields__)
    else:
        yield node
        return
    for name in names:
        if name in {"span", "spans", "source"}:
            continue
        yield from _leaves(getattr(node, name), depth + 1)


@pytest.fixture(scope="module")
def loaded():
    kpirules = pytest.importorskip("kpirules")
    if not hasattr(kpirules, "load"):
        pytest.skip("kpirules.load is not written yet")
    plan = kpirules.load(str(RULE_FILE))
    if not hasattr(plan, "rules") or not hasattr(plan, "tasks"):
        pytest.skip("the loaded plan has no .rules/.tasks yet")
    return plan


def _ident(item) -> str:
    return str(getattr(item, "id"))


def test_library_rules_match_the_targets(loaded):
    rules = list(loaded.rules)
    ids = [_ident(r) for r in rules]
    for rule_id, figure, deadline, _ in TARGETS:
        assert ids.count(rule_id) == 1, f"{rule_id} found {ids.count(rule_id)} times"
    assert sorted(ids) == sorted([t[0] for t in TARGETS] + list(EXTRA_RULES))
    by_id = {_ident(r): r for r in rules}
    for rule_id, figure, deadline, _ in TARGETS:
        leaves = list(_leaves(by_id[rule_id]))
        text = " ".join(str(v) for v in leaves)
        assert deadline in text, f"{rule_id}: deadline {deadline} not found in the loaded rule"
        if figure is None:
            continue
        numbers = {Fraction(v) for v in leaves if isinstance(v, (int, Fraction, Decimal)) and not isinstance(v, bool)}
        want = percent(figure)
        # a cut is written `<= -30%`: the tree may hold -3/10 or a negation of 3/10
        found = want in numbers or (rule_id in REDUCTIONS and -want in numbers)
        assert found, f"{rule_id}: target {figure} not found in the loaded rule"


def test_library_tasks_match_the_appendix(loaded):
    tasks = list(loaded.tasks)
    ids = [_ident(t) for t in tasks]
    assert sorted(ids, key=int) == [str(n) for n in range(1, 27)]
    by_id = {_ident(t): t for t in tasks}
    for number, lead, support, due, product, note in TASKS:
        task = by_id[str(number)]
        text = " ".join(str(v) for v in _leaves(task))
        for unit in coded(split_units(lead)):
            assert unit in text, f"task {number}: lead {unit}"
        for written in due:
            if number not in RECURRING:
                assert DUE_IN_KPI[written][-4:] in text, f"task {number}: due {written}"
        if product:
            assert product in text, f"task {number}: product"
    after7 = [str(v) for v in _leaves(getattr(by_id["7"], "after", ()))]
    assert after7 == ["6"]


# ---------------------------------------------------------------------------
# (c) The example data covers every metric of the rules, in both forms
# ---------------------------------------------------------------------------

EXAMPLE = ROOT / "examples" / "nq17_bkhcn"
QUARTERS = [f"{y}-Q{q}" for y in (2019, 2020, 2021) for q in (1, 2, 3, 4)][1:]  # 2019-Q2 … 2021-Q4


def test_example_data_is_up_to_date():
    import subprocess
    import sys

    done = subprocess.run([sys.executable, str(EXAMPLE / "make_data.py"), "--check"],
                          capture_output=True, text=True)
    assert done.returncode == 0, done.stderr


def test_example_data_has_every_metric_of_every_rule(items):
    import json

    data = json.loads((EXAMPLE / "data.json").read_text(encoding="utf-8"), parse_float=Decimal)
    plan_level = {s["period"]: s["values"] for s in data["snapshots"] if "unit" not in s}
    unit_level: dict[str, dict[str, dict]] = {}
    for s in data["snapshots"]:
        if "unit" in s:
            unit_level.setdefault(s["unit"], {})[s["period"]] = s["values"]
    assert len(unit_level) >= 4
    assert "meeting_hours" in plan_level["2018"]
    for rule in (i for i in items if i["kind"] == "rule"):
        condition = re.sub(r"\b(by|from|to) \S+|\bat \d{4}\b|for each unit:", "", rule["body"][0])
        names = set(re.findall(r"\b[a-z][a-z0-9_]*\b", condition)) - {"ratio", "change"}
        per_unit = rule["id"] in PER_UNIT or rule["body"][0].startswith("for each unit")
        for quarter in QUARTERS if not per_unit else ():
            for name in names:
                assert name in plan_level[quarter], f"{rule['id']}: {name} missing at plan level in {quarter}"
        if per_unit:
            for unit, periods in unit_level.items():
                for name in names:
                    assert any(name in v for v in periods.values()), f"{unit}: {name}"
    task_ids = {row["task"] for row in data["tasks"]}
    assert task_ids <= {str(n) for n in range(1, 27)}

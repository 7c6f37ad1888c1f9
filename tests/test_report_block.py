"""The `report` block of the plan header: the official report's fields."""

from __future__ import annotations

import pytest

import kpirules
from kpirules import nodes as n
from kpirules.errors import KpiError
from kpirules.fmt import format_text

HEAD = 'plan "T/2020"\n  reporting quarterly cutoff 15 due 20\n'
BLOCK = ('  report "BC-VP"\n'
         '    issuer "BỘ KHOA HỌC VÀ CÔNG NGHỆ", "VĂN PHÒNG BỘ"\n'
         '    place "Hà Nội"\n'
         '    signer "KT. BỘ TRƯỞNG", "THỨ TRƯỞNG", "Nguyễn Văn A"\n'
         '    recipients "Bộ trưởng (để báo cáo)", "Lưu: VT, VP"\n')
RULE = '\nrule A "Tỷ lệ":\n  reports >= 3\n'


def test_the_block_is_read() -> None:
    plan = kpirules.parse(HEAD + BLOCK + RULE)
    assert plan.ast.report == n.ReportBlock(
        symbol="BC-VP", issuer=("BỘ KHOA HỌC VÀ CÔNG NGHỆ", "VĂN PHÒNG BỘ"), place="Hà Nội",
        signer=("KT. BỘ TRƯỞNG", "THỨ TRƯỞNG", "Nguyễn Văn A"), recipients=("Bộ trưởng (để báo cáo)", "Lưu: VT, VP"))
    assert plan.ast.report.span is not None and plan.ast.report.span.line == 3
    assert [r.id for r in plan.rules] == ["A"]  # `reports` is still a metric name


def test_without_the_block() -> None:
    assert kpirules.parse(HEAD + RULE).ast.report is None
    assert kpirules.parse(HEAD + "  report\n" + RULE).ast.report == n.ReportBlock()


def test_the_canonical_layout() -> None:
    text = HEAD + BLOCK + RULE
    assert format_text(text) == text
    messy = ('plan "T/2020" report "BC-VP" place "Hà Nội" recipients "a",\n "b" # who\n'
             '  reporting quarterly cutoff 15 due 20\n' + RULE)
    assert format_text(messy) == (HEAD + '  report "BC-VP"\n    place "Hà Nội"\n'
                                  '    recipients "a", "b"  # who\n' + RULE)


def test_a_field_given_twice() -> None:
    with pytest.raises(KpiError, match=r"`place` is given twice in the `report` block") as e:
        kpirules.parse(HEAD + '  report\n    place "Hà Nội"\n    place "Huế"\n' + RULE, "p.kpi")
    assert "p.kpi:5" in str(e.value)


@pytest.mark.parametrize("word", ["report", "issuer", "place", "signer", "recipients"])
def test_the_words_are_reserved(word: str) -> None:
    with pytest.raises(KpiError):
        kpirules.parse(HEAD + f"\nrule A:\n  {word} >= 3\n")

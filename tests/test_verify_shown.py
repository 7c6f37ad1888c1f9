"""`kpirules verify` (issue 19 items 4, 7, 8): what a report shows besides its results is verified too; a file
it cannot find is named with the path tried; a change of the plan's report block alone is told apart."""

from __future__ import annotations

import json
import os
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from kpirules.cli import main
from kpirules.report.provenance import PLAN_CHANGED, RESULTS_DIFFER

ROOT = Path(__file__).parent.parent
PLAN = ROOT / "rules" / "nq17_bkhcn.kpi"
DATA = ROOT / "examples" / "nq17_bkhcn" / "data.json"


@pytest.fixture
def work(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The shipped plan and data copied into the current directory, and the report of 2020-Q4 made there."""
    shutil.copy(PLAN, tmp_path / "plan.kpi")
    shutil.copy(DATA, tmp_path / "data.json")
    monkeypatch.chdir(tmp_path)
    assert main(["report", "plan.kpi", "--data", "data.json", "--period", "2020-Q4", "-o", "r.json"]) == 1
    return tmp_path


def _verify(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(["verify", *args])
    out, err = capsys.readouterr()
    return code, out, err


def _edit(path: Path, change: Callable[[dict[str, Any]], None]) -> None:
    doc = json.loads(path.read_text(encoding="utf-8"))
    change(doc)
    path.write_text(json.dumps(doc, ensure_ascii=False, indent=2), encoding="utf-8")


def test_the_report_as_made_verifies(work: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = _verify(capsys, "r.json")
    assert code == 0 and out.startswith("verified: r.json")


def _set_count(d: dict[str, Any]) -> None:
    d["summary"]["rules"]["met"] += 1


def _set_counts(d: dict[str, Any]) -> None:
    d["summary"]["counts"]["not_met"] -= 1


def _drop_attention(d: dict[str, Any]) -> None:
    del d["summary"]["attention"][0]


def _reorder_attention(d: dict[str, Any]) -> None:
    a = d["summary"]["attention"]
    a[0], a[1] = a[1], a[0]


def _attention_text(d: dict[str, Any]) -> None:
    d["summary"]["attention"][1]["status_label"] = "Đạt"


def _later(d: dict[str, Any]) -> None:
    d["summary"]["attention_later"].pop()


def _deliveries(d: dict[str, Any]) -> None:
    d["summary"]["deliveries"]["text"] = "23/23 nhiệm vụ đã hoàn thành."


def _section_title(d: dict[str, Any]) -> None:
    d["sections"][0]["title"] = "Một tiêu đề khác"


def _section_rules(d: dict[str, Any]) -> None:
    d["sections"][2]["rules"].pop()


def _reason_text(d: dict[str, Any]) -> None:
    r = next(r for r in d["results"] if r.get("reason_text"))
    r["reason_text"] = "mọi việc đều ổn"


def _warning(d: dict[str, Any]) -> None:
    d["warnings"][0]["message"] = "nothing to see"


def _plan_title(d: dict[str, Any]) -> None:
    d["plan"]["title"] = "Một kế hoạch khác"


@pytest.mark.parametrize("change, where", [
    (_set_count, "summary.rules.met: 17 in the report, 16 re-derived"),
    (_set_counts, "summary.counts.not_met: 6 in the report, 7 re-derived"),
    (_drop_attention, "summary.attention: 22 items in the report, 23 re-derived"),
    (_reorder_attention, "summary.attention[0].id"),
    (_attention_text, "summary.attention[1].status_label: \"Đạt\" in the report, \"Chưa đạt\" re-derived"),
    (_later, "summary.attention_later: 13 items in the report, 14 re-derived"),
    (_deliveries, "summary.deliveries.text"),
    (_section_title, "sections[0].title: \"Một tiêu đề khác\" in the report"),
    (_section_rules, "sections[2].rules"),
    (_reason_text, ".reason_text: \"mọi việc đều ổn\" in the report"),
    (_warning, "warnings[0].message"),
    (_plan_title, "plan.title"),
])
def test_an_edit_of_what_the_report_shows_is_found(work: Path, capsys: pytest.CaptureFixture[str],
                                                   change: Callable[[dict[str, Any]], None], where: str) -> None:
    # Bug: verify passed a report whose summary counts, attention list or section titles were edited
    _edit(work / "r.json", change)
    code, out, _ = _verify(capsys, "r.json")
    assert code == RESULTS_DIFFER, out
    assert "results differ: what the report shows is not what its results give (edited after it was made)" in out
    assert where in out, out


def test_a_file_the_report_names_is_looked_for_where_it_was_made(work: Path, tmp_path: Path,
                                                                   capsys: pytest.CaptureFixture[str]) -> None:
    # Bug: run from another directory, verify said only "cannot read the plan file"
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    os.chdir(elsewhere)
    code, out, err = _verify(capsys, str(work / "r.json"))
    assert code == 2 and out == "" and "Traceback" not in err
    assert f"plan.kpi: cannot read the plan file the report names (tried {elsewhere / 'plan.kpi'}: no such file)" in err
    assert "relative to the directory it was made in" in err
    assert "--plan PLAN.kpi and --data FILE" in err
    # the plan given, the data the report names is looked for here too, and said so
    code, out, err = _verify(capsys, str(work / "r.json"), "--plan", str(work / "plan.kpi"))
    assert code == 2 and f"data.json: cannot read the data file the report names (tried {elsewhere / 'data.json'}" in err
    # both given: verified
    code, out, err = _verify(capsys, str(work / "r.json"), "--plan", str(work / "plan.kpi"),
                             "--data", str(work / "data.json"))
    assert code == 0 and out.startswith("verified:"), out + err
    # a file given that is not there: the path tried, no advice about where the report was made
    code, out, err = _verify(capsys, str(work / "r.json"), "--plan", "nowhere.kpi")
    assert code == 2 and f"nowhere.kpi: cannot read the plan file (tried {elsewhere / 'nowhere.kpi'}: no such file)" in err


def test_a_change_of_the_report_block_alone_is_told_apart(work: Path, capsys: pytest.CaptureFixture[str]) -> None:
    # Bug: changing only `place` made verify say "its rules or tasks changed"
    plan = work / "plan.kpi"
    text = plan.read_text(encoding="utf-8")
    plan.write_text(text.replace('place "Hà Nội"', 'place "Đà Nẵng"'), encoding="utf-8")
    code, out, _ = _verify(capsys, "r.json")
    assert code == PLAN_CHANGED
    assert ('only its report block (the official layout\'s fields) changed: place "Hà Nội" in the report, '
            '"Đà Nẵng" now. Its rules, tasks and other declarations are the same, and so are the results') in out
    assert "rules or tasks changed" not in out
    # the recipients too, and a rule: both are said
    plan.write_text(text.replace('"Lưu: VT, VP"', '"Lưu: VT"').replace(">= 20% by 2020", ">= 25% by 2020", 1),
                    encoding="utf-8")
    code, out, _ = _verify(capsys, "r.json")
    assert code == PLAN_CHANGED
    assert "its canonical text differs too: its rules, tasks or other declarations changed" in out
    assert 'and its report block (the official layout\'s fields): recipients [' in out and '"Lưu: VT"] now' in out
    # a rule alone: the report block is not named
    plan.write_text(text.replace(">= 20% by 2020", ">= 25% by 2020", 1), encoding="utf-8")
    code, out, _ = _verify(capsys, "r.json")
    assert code == PLAN_CHANGED and "report block" not in out


def test_the_stamp_holds_the_report_block(work: Path) -> None:
    prov = json.loads((work / "r.json").read_text(encoding="utf-8"))["provenance"]
    assert prov["plan"]["report"] == {"symbol": "BC-VP", "issuer": ["BỘ KHOA HỌC VÀ CÔNG NGHỆ", "VĂN PHÒNG BỘ"],
                                      "place": "Hà Nội", "signer": ["CHÁNH VĂN PHÒNG", ""],
                                      "recipients": ["Bộ trưởng (để báo cáo)", "Các Thứ trưởng (để biết)",
                                                     "Các đơn vị thuộc Bộ", "Lưu: VT, VP"]}
    assert len(prov["plan"]["rules_sha256"]) == 64
    assert prov["plan"]["rules_sha256"] != prov["plan"]["canonical_sha256"]

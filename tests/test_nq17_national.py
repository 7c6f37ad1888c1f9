"""The tutorial's plan: Resolution 17/NQ-CP national targets (rules/nq17_national.kpi)."""

from __future__ import annotations

import pathlib
from fractions import Fraction

import pytest

import kpirules
from kpirules.cli import main

ROOT = pathlib.Path(__file__).resolve().parent.parent
RULES = ROOT / "rules" / "nq17_national.kpi"
DATA = ROOT / "examples" / "nq17_national" / "data.json"


@pytest.fixture(scope="module")
def plan() -> kpirules.Plan:
    return kpirules.load(RULES)


@pytest.fixture(scope="module")
def data() -> kpirules.Data:
    return kpirules.load_data(DATA)


def statuses(results: kpirules.Results) -> dict[tuple[str, str | None], str]:
    return {(r.id, r.unit): r.status.value for r in results}


def test_every_target_of_the_resolution_is_a_rule(plan: kpirules.Plan) -> None:
    ids = [r.id for r in plan.rules]
    assert ids == [f"NQ17.{i}" for i in range(1, 9)] + ["BNV.1"]
    assert plan.groups["ministries"] == ("BNV", "BTC", "BTP", "BTTTT")
    assert plan.groups["provinces"] == ("HN", "HCM", "DN", "CB")


def test_as_of_the_2020_q4_report(plan: kpirules.Plan, data: kpirules.Data) -> None:
    results = plan.evaluate(data, "2020-12-18")
    assert results.current.label == "2020-Q4"
    got = statuses(results)
    # every ministry and province gets a result for the per-body targets, CB included
    assert [u for (i, u) in got if i == "NQ17.2"] == ["BNV", "BTC", "BTP", "BTTTT", "HN", "HCM", "DN", "CB"]
    assert got[("NQ17.2", "BNV")] == "not_met"  # 374/2200 = 17% < 20%
    assert got[("NQ17.2", "BTP")] == "met"  # 2772/13200 = 21%
    assert got[("NQ17.2", "CB")] == "no_data"  # stopped reporting
    assert got[("NQ17.1", None)] == "met"
    assert got[("NQ17.3", None)] == "not_met"
    # CB does not report in 2020-Q4: count(units where …) leaves it out, as count(units) does
    assert got[("NQ17.6", None)] == "met"
    # the relative target: 17% is at least twice 2019-Q4's 8%
    (bnv,) = results.by_id("BNV.1")
    assert (bnv.status.value, bnv.value, bnv.target) == ("met", Fraction(17, 100), Fraction(16, 100))
    assert results.failing


def test_mid_2020_is_on_track_or_at_risk(plan: kpirules.Plan, data: kpirules.Data) -> None:
    got = statuses(plan.evaluate(data, "2020-07-01"))
    assert set(got.values()) == {"on_track", "at_risk"}
    assert got[("NQ17.2", "BNV")] == "at_risk"
    assert got[("BNV.1", "BNV")] == "on_track"  # 2020-Q2 against 2019-Q2


BLOCKS = """plan "blocks"
group ministries: BNV, BTC, BTP, BTTTT
group provinces: HN, HCM, DN, CB

rule online.ministries "Khối bộ: 70%":
  for each unit in ministries: ratio(dossiers_online, dossiers_handled) >= 70% by 2020

rule online.provinces "Khối tỉnh: 30%":
  for each unit in provinces: ratio(dossiers_online, dossiers_handled) >= 30% by 2020
"""


def test_block_targets_on_the_example_data(data: kpirules.Data) -> None:
    got = statuses(kpirules.parse(BLOCKS).evaluate(data, "2020-12-18"))
    assert {u for (i, u) in got if i == "online.ministries"} == {"BNV", "BTC", "BTP", "BTTTT"}
    assert all(got[("online.ministries", u)] == "not_met" for u in ("BNV", "BTC", "BTP", "BTTTT"))
    assert got[("online.provinces", "HN")] == "not_met"  # 45080/161000 = 28%
    assert got[("online.provinces", "CB")] == "no_data"


def test_the_tutorial_command(capsys: pytest.CaptureFixture[str]) -> None:
    code = main(["check", str(RULES), "--data", str(DATA), "--as-of", "2020-12-18"])
    out = capsys.readouterr().out
    assert code == 1
    assert "not_met  NQ17.2  BNV" in out
    assert "current period 2020-Q4" in out


def test_the_example_data_is_what_the_script_makes(tmp_path: pathlib.Path) -> None:
    import runpy
    import shutil

    script = tmp_path / "make_data.py"
    shutil.copy(ROOT / "examples" / "nq17_national" / "make_data.py", script)
    runpy.run_path(str(script), run_name="__main__")
    assert (tmp_path / "data.json").read_text(encoding="utf-8") == DATA.read_text(encoding="utf-8")

"""Unit names in data: compared after Unicode NFC normalisation in every format, and (when the plan declares
no units) names that differ only by case or diacritics are a warning."""

from __future__ import annotations

import json
import unicodedata
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

import kpirules
from kpirules.cli import main
from kpirules.data import data_from_snapshots, parse_csv_data, parse_json_data
from kpirules.data.model import unit_name

MESSY = Path(__file__).resolve().parent / "data" / "messy"
Q4 = kpirules.parse_period("2020-Q4").key
NFC = "Quản Bạ"
NFD = unicodedata.normalize("NFD", NFC)


def test_the_two_spellings_differ_in_bytes() -> None:
    assert NFC != NFD and len(NFD) > len(NFC)


@pytest.mark.parametrize("read", [
    lambda u: parse_csv_data(f"period,unit,metric,value\n2020-Q4,{u},a,1\n", "f.csv"),
    lambda u: parse_csv_data(f'period,unit,metric,value\n2020-Q4,"{u}",a,1\n', "f.csv"),  # (the general path)
    lambda u: parse_json_data(json.dumps({"snapshots": [{"period": "2020-Q4", "unit": u, "values": {"a": 1}}]}),
                              "f.json"),
    lambda u: parse_json_data(json.dumps({"snapshots": [{"period": "2020-Q4", "unit": u, "values": {"a": 1},
                                                         "note": "a: b"}]}), "f.json"),  # (the hooks)
    lambda u: data_from_snapshots([{"period": "2020-Q4", "unit": u, "values": {"a": 1}}]),
])
def test_a_decomposed_unit_name_is_the_same_unit_in_every_reader(read) -> None:  # type: ignore[no-untyped-def]
    data = read(NFD)
    assert list(data.units) == [NFC] and data.value("a", Q4, NFC) == 1


def test_task_rows_name_their_unit_in_nfc() -> None:
    data = parse_json_data(json.dumps({"tasks": [{"task": "1", "status": "in_progress", "unit": f" {NFD} "}]}),
                           "t.json")
    assert data.task_rows[0].unit == NFC


def test_the_same_value_in_both_spellings_is_one_value_and_different_ones_conflict() -> None:
    same = parse_csv_data(f"period,unit,metric,value\n2020-Q4,{NFC},a,1\n2020-Q4,{NFD},a,1\n", "f.csv")
    assert list(same.units) == [NFC]
    with pytest.raises(kpirules.KpiDataError, match="a for 2020-Q4 \\(unit Quản Bạ\\) is 2 here but 1 at f.csv: row 2"):
        parse_csv_data(f"period,unit,metric,value\n2020-Q4,{NFC},a,1\n2020-Q4,{NFD},a,2\n", "f.csv")


@given(st.text(st.characters(codec="utf-8", exclude_categories=("Cs",)), max_size=12))
def test_law_unit_name_is_nfc_and_idempotent(raw: str) -> None:
    name = unit_name(raw)
    if name is None:
        assert not raw.strip()
    else:
        assert name == unicodedata.normalize("NFC", raw.strip()) and unit_name(name) == name


def test_similar_units_are_grouped_in_order_of_first_appearance() -> None:
    data = kpirules.load_data(MESSY / "unit_spellings.csv")
    assert list(data.units) == ["Vị Xuyên", NFC, "Vi Xuyen"]  # (the decomposed Quản Bạ is the same unit)
    assert data.similar_units() == [("Vị Xuyên", "Vi Xuyen")]
    assert data.value("work_records", Q4, NFC) == 7 and data.value("egov_users", Q4, NFC) == 40


def test_without_declared_units_similar_names_are_a_warning(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    plan = tmp_path / "p.kpi"
    plan.write_text("rule R: for each unit: work_records >= 1\n", encoding="utf-8")
    data = str(MESSY / "unit_spellings.csv")
    args = ["check", str(plan), "--data", data, "--as-of", "2020-12-18"]
    assert main(args) == 0
    err = capsys.readouterr().err
    assert ("kpirules: warning: the units Vị Xuyên, Vi Xuyen differ only by case or diacritics: one unit written "
            f"two ways? (they are counted as different units) ({data}: row 4)") in err
    assert main([*args, "--format", "json"]) == 0
    (w,) = [w for w in json.loads(capsys.readouterr().out)["warnings"] if w["code"] == "similar_units"]
    assert w["args"] == {"units": "Vị Xuyên, Vi Xuyen"} and w["source"] == f"{data}: row 4"


def test_names_that_differ_otherwise_are_no_warning(tmp_path: Path) -> None:
    plan = kpirules.parse("rule R: for each unit: a >= 1\n")
    data = parse_csv_data("period,unit,metric,value\n2020-Q4,Vị Xuyên,a,1\n2020-Q4,Vị Xuyên 2,a,1\n", "f.csv")
    assert [w for w in plan.evaluate(data, "2020-12-18").warnings if w.code == "similar_units"] == []


DECLARED = 'plan "P"\n  reporting quarterly\nunit VX "Vị Xuyên"\nunit QB "Quản Bạ"\nrule R: for each unit: a >= 1\n'


def test_with_declared_units_a_name_without_diacritics_is_an_error_naming_the_declared_unit() -> None:
    plan = kpirules.parse(DECLARED)
    data = parse_csv_data(f"period,unit,metric,value\n2020-Q4,Vị Xuyên,a,1\n2020-Q4,{NFD},a,1\n"
                          "2020-Q4,Vi Xuyen,a,1\n2020-Q4,QUẢN BẠ,a,2\n", "f.csv")
    with pytest.raises(kpirules.KpiDataError) as exc:
        plan.bind(data)
    assert str(exc.value).splitlines() == [
        "f.csv: row 4: unit Vi Xuyen in the data is not declared by the plan; the closest declared unit is VX "
        "(Vị Xuyên)",
        "f.csv: row 5: unit QUẢN BẠ in the data is not declared by the plan; the closest declared unit is QB "
        "(Quản Bạ)"]
    # the decomposed Quản Bạ alone is the declared unit, no error
    ok = plan.bind(parse_csv_data(f"period,unit,metric,value\n2020-Q4,{NFD},a,1\n", "f.csv"))
    assert list(ok.units) == ["QB"]


def test_with_declared_units_similar_names_are_no_warning_but_an_error_at_check(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    plan = tmp_path / "p.kpi"
    plan.write_text(DECLARED.replace("a >= 1", "work_records >= 1"), encoding="utf-8")
    data = str(MESSY / "unit_spellings.csv")
    assert main(["check", str(plan), "--data", data, "--as-of", "2020-12-18"]) == 2
    err = capsys.readouterr().err
    assert "unit Vi Xuyen in the data is not declared by the plan; the closest declared unit is VX (Vị Xuyên)" in err
    assert "Traceback" not in err and "similar_units" not in err

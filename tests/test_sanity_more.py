"""Sanity warnings and data-file types found by the user trials."""

from __future__ import annotations

from pathlib import Path

import pytest

import kpirules
from kpirules import KpiDataError
from kpirules.data import parse_csv_data, parse_json_data


def test_a_task_row_for_a_task_the_plan_lacks_is_a_warning() -> None:
    plan = kpirules.parse("task arch: due 2020\n", "p.kpi")
    data = parse_json_data('{"tasks": [{"task": "acrh", "status": "done", "done_on": "2020-05-01"}]}', "d.json")
    warnings = plan.evaluate(data, "2020-12-18").warnings
    assert [(w.code, w.message) for w in warnings] == [
        ("unknown_task", "the data reports progress of task acrh, which the plan does not define; did you mean arch?")]


def test_a_zero_denominator_is_not_also_a_share_above_100_percent() -> None:
    plan = kpirules.parse("rule r: ratio(a, b) >= 20%\n", "p.kpi")
    data = parse_csv_data("period,unit,metric,value\n2020-Q4,,a,200\n2020-Q4,,b,0\n", "d.csv")
    results = plan.evaluate(data, "2020-12-18")
    assert results[0].status.value == "no_data"
    assert "numerator_exceeds_denominator" not in [w.code for w in results.warnings]


def test_an_unknown_data_file_type_is_named(tmp_path: Path) -> None:
    f = tmp_path / "d.xml"
    f.write_text("<data/>", encoding="utf-8")
    with pytest.raises(KpiDataError) as info:
        kpirules.load_data(f)
    assert "reads .json, .csv (.txt, .tsv) and .xlsx data files, not .xml files" in str(info.value)
    g = tmp_path / "noext"
    g.write_text('{"snapshots": [{"period": "2020-Q4", "values": {"x": 1}}]}', encoding="utf-8")
    assert len(kpirules.load_data(g).snapshots) == 1  # read as JSON, told by its first character

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


def test_warnings_are_capped_per_kind_and_the_rest_counted() -> None:
    import kpirules
    from kpirules.data import data_from_snapshots
    from kpirules.engine.warnings import PER_KIND

    plan = kpirules.parse('plan "Q"\n  reporting quarterly\nrule R "r": for each unit: a >= 1 by 2020-12-31\n')
    snaps = [{"period": f"{y}-Q1", "unit": "A", "values": {"a": 1}} for y in range(1900, 2000)]
    snaps += [{"period": "2020-Q4", "unit": u, "values": {"a": 1}} for u in ("Vị Xuyên", "Vi Xuyen")]
    got = plan.evaluate(data_from_snapshots(snaps), "2021-01-05").warnings
    codes = [w.code for w in got]
    assert codes.count("period_outside_plan") == PER_KIND
    assert "similar_units" in codes  # (a kind that comes last is not hidden by a flood of another)
    (more,) = [w for w in got if w.code == "more_like_this"]
    assert more.to_json()["args"] == {"code": "period_outside_plan", "count": 100 - PER_KIND}
    assert str(more) == f"warning: … and {100 - PER_KIND} more warnings like this (period_outside_plan)"


def test_a_flood_of_warnings_is_counted_up_to_a_bound() -> None:
    import kpirules
    from kpirules.data import data_from_snapshots
    from kpirules.engine.warnings import COUNTED, PER_KIND

    plan = kpirules.parse('rule R: for each unit: x >= 1\n')
    snaps = [{"period": "2020-Q4", "unit": f"U{i}", "values": {"x": -1}} for i in range(COUNTED + 50)]
    got = plan.evaluate(data_from_snapshots(snaps), "2020-12-28").warnings
    assert [w.code for w in got] == ["negative_count"] * PER_KIND + ["more_like_this"]
    assert str(got[-1]) == f"warning: … and at least {COUNTED - PER_KIND} more warnings like this (negative_count)"

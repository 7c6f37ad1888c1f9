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


def _flood(kind: str, n: int):  # type: ignore[no-untyped-def]
    """A plan and data that give ``n`` warnings of ``kind``."""
    from kpirules.data import data_from_snapshots

    each = 'plan "Q"\n  reporting quarterly\nrule R: for each unit: ratio(a, b) >= 1 by 2020-12-31\n'
    if kind == "negative_count":
        return each, data_from_snapshots([{"period": "2020-Q4", "unit": f"U{i}", "values": {"a": -1, "b": 2}}
                                          for i in range(n)])
    if kind == "numerator_exceeds_denominator":
        return each, data_from_snapshots([{"period": "2020-Q4", "unit": f"U{i}", "values": {"a": 3, "b": 2}}
                                          for i in range(n)])
    if kind == "unit_stopped_reporting":
        return each, data_from_snapshots([{"period": "2020-Q3", "unit": f"U{i}", "values": {"a": 1, "b": 2}}
                                          for i in range(n)] + [{"period": "2020-Q4", "unit": "V",
                                                                 "values": {"a": 1, "b": 2}}])
    if kind == "unused_metric":
        return each, data_from_snapshots([{"period": "2020-Q4", "values": {"a": 1, "b": 2} | {f"m{i}": 1
                                                                                            for i in range(n)}}])
    if kind == "period_outside_plan":
        return each, data_from_snapshots([{"period": f"{2100 + i}-Q1", "values": {"a": 1, "b": 2}} for i in range(n)]
                                         + [{"period": "2020-Q4", "values": {"a": 1, "b": 2}}])
    if kind == "similar_units":
        return each, data_from_snapshots([{"period": "2020-Q4", "unit": f"{name} {i}", "values": {"a": 1, "b": 2}}
                                          for i in range(n) for name in ("Vị Xuyên", "Vi Xuyen")])
    assert kind == "unknown_task"
    rows = ", ".join(f'{{"task": "T{i}", "status": "done", "done_on": "2020-05-01"}}' for i in range(n))
    return 'plan "Q"\n  reporting quarterly\ntask arch: due 2020\n', parse_json_data('{"tasks": [' + rows + "]}", "d.json")


@pytest.mark.parametrize("kind", ["negative_count", "numerator_exceeds_denominator", "unit_stopped_reporting",
                                  "unused_metric", "period_outside_plan", "similar_units", "unknown_task"])
def test_a_flood_of_warnings_of_any_kind_is_counted_exactly_without_making_them(kind, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    # issue 21 item 2: "… and 999,990 more like this"; the count stopped at 1,000 of a kind ("at least 980
    # more"). Every kind is counted to its end now, each warning past the listed ones as its code alone
    from kpirules.engine import warnings
    from kpirules.engine.warnings import PER_KIND

    made: list[str] = []
    real = warnings.Warning_

    def counted(code: str, *args: object) -> object:
        made.append(code)
        return real(code, *args)

    monkeypatch.setattr(warnings, "Warning_", counted)
    text, data = _flood(kind, 2_345)
    got = kpirules.parse(text).evaluate(data, "2021-01-05").warnings
    assert [w.code for w in got] == [kind] * PER_KIND + ["more_like_this"]
    more = got[-1]
    assert more.to_json()["args"] == {"code": kind, "count": 2_345 - PER_KIND}
    assert str(more) == f"warning: … and 2,325 more warnings like this ({kind})"
    assert more.message.render("vi") == f"… và 2.325 cảnh báo khác cùng loại ({kind})"  # (Vietnamese grouping)
    assert made.count(kind) == PER_KIND  # (the others were counted, never made)


def test_the_count_of_warnings_is_in_the_json_and_the_reports_in_their_language(capsys, tmp_path) -> None:  # type: ignore[no-untyped-def]
    import json

    from kpirules.cli import main

    plan = tmp_path / "p.kpi"
    plan.write_text('plan "Q"\n  reporting quarterly\nrule R: for each unit: ratio(a, b) >= 1 by 2020-12-31\n',
                    encoding="utf-8")
    data = tmp_path / "d.csv"
    data.write_text("period,unit,metric,value\n" + "".join(f"2020-Q4,U{i},a,-1\n2020-Q4,U{i},b,2\n"
                                                            for i in range(1_234)), encoding="utf-8")
    args = [str(plan), "--data", str(data), "--as-of", "2021-01-05"]
    main(["check", *args, "--format", "json"])
    (more,) = [w for w in json.loads(capsys.readouterr().out)["warnings"] if w["code"] == "more_like_this"]
    assert more["args"] == {"code": "negative_count", "count": 1_214}
    assert more["message"] == "… and 1,214 more warnings like this (negative_count)"
    main(["check", *args])
    assert "… and 1,214 more warnings like this (negative_count)" in capsys.readouterr().err
    main(["report", *args, "--period", "2020-Q4", "--lang", "vi", "--format", "md"])
    assert "… và 1.214 cảnh báo khác cùng loại (negative\\_count)" in capsys.readouterr().out
    main(["report", *args, "--period", "2020-Q4", "--lang", "en", "--format", "md"])
    assert "… and 1,214 more warnings like this (negative\\_count)" in capsys.readouterr().out

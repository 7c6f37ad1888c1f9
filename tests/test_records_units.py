"""Units in records as the plan names them (issue 18, LANGUAGE.md "metrics counted from records"):
declared units without rows count 0 under `for each unit:`, names are compared in NFC and by full
name, undeclared units are a warning with their rows and the closest declared unit, and the check
JSON is the same on every engine."""

from __future__ import annotations

import json
import unicodedata

import pytest

import kpirules
from kpirules.cli import main
from kpirules.engine.records import UNITS_NAMED, records_data, unit_resolver

from records_support import POSTGRES_URL, pg_table, write_csv

PLAN = """plan "t"
  reporting quarterly cutoff 15 due 20

unit HG "Hà Giang"
unit VX "Vị Xuyên"
unit QB "Quản Bạ"

dataset d "Hồ sơ":
  dated by ngay
  unit by dv

metric n "Hồ sơ" = count(d)
metric ok "Đúng hạn" = count(d where dung_han == true)
metric units_seen = count distinct(d.dv)

rule on_time "Mỗi đơn vị đúng hạn từ 90%":
  for each unit: ratio(ok, n) >= 90% by 2020

rule seen "Mỗi đơn vị một tên":
  for each unit: units_seen <= 1 by 2020

rule mean "Bình quân các đơn vị":
  avg(n) >= 1 by 2020

metric by_name = count(d where dv == "Hà Giang" or dv in ("Quản Bạ"))

rule by_name "Theo tên đầy đủ":
  by_name >= 1 by 2020
"""

NFD_QB = unicodedata.normalize("NFD", "Quản Bạ")
ROWS = [
    {"ngay": "2020-01-10", "dv": "HG", "dung_han": "true"},
    {"ngay": "2020-01-13", "dv": "Hà Giang", "dung_han": "true"},  # the full name: unit HG
    {"ngay": "2020-01-12", "dv": NFD_QB, "dung_han": "false"},  # NFD: unit QB
    {"ngay": "2020-01-11", "dv": "Vi Xuyen", "dung_han": "true"},  # not declared: plan level only
    {"ngay": "2020-02-01", "dv": "XX", "dung_han": "true"},
    {"ngay": "2020-02-02", "dv": "XX", "dung_han": "false"},
]


@pytest.fixture()
def files(tmp_path):
    plan = tmp_path / "p.kpi"
    plan.write_text(PLAN, encoding="utf-8")
    rec = write_csv(str(tmp_path / "d.csv"), ["ngay", "dv", "dung_han"], ROWS)
    return str(plan), rec


def check_json(plan, rec, *extra, capsys):
    code = main(["check", plan, "--records", f"d={rec}", "--period", "2020-Q1", "--format", "json", *extra])
    printed = capsys.readouterr()
    assert code == 0, printed.err
    out = json.loads(printed.out)
    out.pop("provenance", None)
    return out


def by_unit(out, rule):
    return {r["unit"]: r for r in out["results"] if r["id"] == rule}


@pytest.mark.parametrize("engine", ["python", "duckdb"])
def test_declared_units_count_zero_and_names_resolve(files, capsys, engine):
    plan, rec = files
    out = check_json(plan, rec, "--engine", engine, capsys=capsys)
    each = by_unit(out, "on_time")
    assert set(each) == {"HG", "VX", "QB"}  # the declared units, never the undeclared names
    # HG: its code and its full name are one unit (2 rows, both on time)
    assert each["HG"]["value"] == "1" and each["HG"]["status"] == "on_track"
    # QB written in NFD is QB
    assert each["QB"]["value"] == "0" and each["QB"]["status"] == "at_risk"
    # VX has no rows: counts of 0, so the ratio is undefined by its zero denominator (not "not reported")
    assert each["VX"]["status"] == "no_data"
    assert each["VX"]["reason_args"]["why"]["code"] == "zero_denominator"
    # one name per unit, even for a distinct count of the unit column
    seen = by_unit(out, "seen")
    assert seen["HG"]["status"] == "on_track" and seen["QB"]["status"] == "on_track"
    assert seen["VX"]["status"] == "on_track"  # (0 distinct names: at most 1)
    # an aggregate over units sees the units with rows: HG 2, QB 1 (VX's 0 is not a report)
    (mean,) = [r for r in out["results"] if r["id"] == "mean"]
    assert mean["value"] == "1.5"
    # a `where` on the unit column with a full name counts the unit's rows under either name
    (named,) = [r for r in out["results"] if r["id"] == "by_name"]
    assert named["value"] == "3"  # HG (code and full name) and QB (NFD)
    # the undeclared names: a warning with their rows and the closest declared unit, not an error
    (w,) = [w for w in out["warnings"] if w["code"] == "records_unknown_unit"]
    assert "2 units the plan does not declare (3 rows" in w["message"]
    assert "XX (2 rows" in w["message"]
    assert "Vi Xuyen (1 row; did you mean VX (Vị Xuyên)?)" in w["message"]


def test_plan_level_counts_include_undeclared_units(files):
    plan, rec = files
    p = kpirules.load(plan)
    data = records_data(p, {"d": rec}, "python")
    q1 = [v for (key, unit), snap in data.snapshots.items() for m, v in snap.items()
          if unit is None and m == "n" and data.periods[key].label == "2020-Q1"]
    assert q1 == [6]  # every row, whatever its unit: the plan level is over all rows
    assert "XX" not in data.units and "Vi Xuyen" not in data.units


def test_engines_give_the_same_check_json(files, capsys):
    plan, rec = files
    a = check_json(plan, rec, "--engine", "python", capsys=capsys)
    b = check_json(plan, rec, "--engine", "duckdb", capsys=capsys)
    assert a == b


@pytest.mark.skipif(not POSTGRES_URL, reason="no PostgreSQL server (set KPIRULES_TEST_POSTGRES=postgresql://…)")
def test_postgres_gives_the_same_check_json(files, capsys):
    import uuid

    import psycopg

    plan, rec = files
    table = "u_" + uuid.uuid4().hex[:8]
    con = psycopg.connect(POSTGRES_URL, autocommit=True)
    try:
        pg_table(con, table, {"ngay": "date", "dv": "text", "dung_han": "bool"},
                 [{"ngay": r["ngay"], "dv": r["dv"], "dung_han": r["dung_han"] == "true"} for r in ROWS])
        a = check_json(plan, rec, "--engine", "python", capsys=capsys)
        c = check_json(plan, f"{POSTGRES_URL}?table={table}", capsys=capsys)
    finally:
        with con.cursor() as cur:
            cur.execute(f'DROP TABLE "{table}"')
        con.close()
    for out in (a, c):
        out.pop("sources", None)
        for w in out["warnings"]:
            w.pop("source", None)
        for r in out["results"]:
            r.pop("source", None)
    assert a == c


def test_many_undeclared_units_are_capped(tmp_path):
    plan = tmp_path / "p.kpi"
    plan.write_text(PLAN, encoding="utf-8")
    rows = [{"ngay": "2020-01-10", "dv": f"Đơn vị {i:02}", "dung_han": "true"} for i in range(UNITS_NAMED + 5)]
    rec = write_csv(str(tmp_path / "d.csv"), ["ngay", "dv", "dung_han"], rows)
    data = records_data(kpirules.load(str(plan)), {"d": rec}, "python")
    (msg,) = [m for code, m, _ in data.notes if code == "records_unknown_unit"]
    assert msg.count("(1 row") == UNITS_NAMED
    assert msg.endswith("; and 5 more") and msg.args["more"] == 5


def test_without_declared_units_similar_names_are_a_warning(tmp_path):
    plan = tmp_path / "p.kpi"
    plan.write_text("\n".join(ln for ln in PLAN.splitlines() if not ln.startswith("unit ")), encoding="utf-8")
    rows = [{"ngay": "2020-01-10", "dv": "Quản Bạ", "dung_han": "true"},
            {"ngay": "2020-01-11", "dv": NFD_QB, "dung_han": "true"},  # the same name in NFD: one unit
            {"ngay": "2020-01-12", "dv": "Quan Ba", "dung_han": "true"}]
    rec = write_csv(str(tmp_path / "d.csv"), ["ngay", "dv", "dung_han"], rows)
    data = records_data(kpirules.load(str(plan)), {"d": rec}, "duckdb")
    assert sorted(data.units) == ["Quan Ba", "Quản Bạ"]
    (msg,) = [m for code, m, _ in data.notes if code == "records_similar_units"]
    assert "Quan Ba, Quản Bạ" in msg


def test_resolver():
    r = unit_resolver({"HG": "Hà Giang", "QB": "Quản Bạ"})
    assert r("HG") == "HG" and r("Hà Giang") == "HG" and r(NFD_QB) == "QB"
    assert r("Vi Xuyen") == "Vi Xuyen"
    assert unit_resolver({})(NFD_QB) == "Quản Bạ"


# --- the law: every engine gives the same check JSON ---------------------------------------------

from hypothesis import HealthCheck, given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

LAW_PLAN = PLAN + """
metric spent = sum(d.phi)
metric mean_fee = avg(d.phi where dung_han == true)

rule spent_q "Chi phí":
  for each unit: spent <= 100 by 2020

rule mean_q "Phí bình quân":
  mean_fee >= 2 by 2020
"""
_DAYS = st.sampled_from(["2019-12-14", "2019-12-15", "2020-03-14", "2020-03-15", "2020-02-29", "2020-06-14",
                         "2020-06-15", "2020-09-14", "2020-12-14", "2020-12-15", "", "2021-01-01"])
_UNITS = st.sampled_from(["HG", "Hà Giang", "VX", NFD_QB, "QB", "Vi Xuyen", "", "XX"])
_ROW = st.fixed_dictionaries({"ngay": _DAYS, "dv": _UNITS, "dung_han": st.sampled_from(["true", "false", ""]),
                              "phi": st.sampled_from(["", "0", "1.5", "-2", "10", "33.25"])})


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(rows=st.lists(_ROW, max_size=25), period=st.sampled_from(["2020-Q1", "2020-Q2", "2020-Q4"]))
def test_every_engine_gives_the_same_check_json(tmp_path_factory, capsys, rows, period):
    d = tmp_path_factory.mktemp("law")
    (d / "p.kpi").write_text(LAW_PLAN, encoding="utf-8")
    rec = write_csv(str(d / "d.csv"), ["ngay", "dv", "dung_han", "phi"], rows)
    outs = []
    for engine in ("python", "duckdb"):
        code = main(["check", str(d / "p.kpi"), "--records", f"d={rec}", "--period", period, "--format", "json",
                     "--engine", engine])
        printed = capsys.readouterr()
        assert code in (0, 1), printed.err
        out = json.loads(printed.out)
        out.pop("provenance")
        outs.append(out)
    assert outs[0] == outs[1]


def test_show_rows_shows_the_rows_counted_under_either_name(files, capsys):
    plan, rec = files
    code = main(["explain", plan, "--records", f"d={rec}", "--as-of", "2020-03-20", "--id", "on_time",
                 "--unit", "HG", "--show-rows", "10"])
    out = capsys.readouterr().out
    assert code == 0, out
    # tong and ok count 2 rows of HG: the one naming its code and the one naming its full name
    assert out.count("first 2 rows counted in 2020-Q1") == 2, out
    assert "line 2: 2020-01-10, HG" in out and "line 3: 2020-01-13, Hà Giang" in out
    assert "Vi Xuyen" not in out.split("Counted from records:")[1]

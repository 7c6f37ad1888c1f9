"""The records language (`dataset`, `metric NAME = count(…)`), its checks, fmt, and the CLI (issue 18)."""

from __future__ import annotations

import datetime
import json
import subprocess
import sys
from fractions import Fraction

import pytest

import kpirules
from kpirules.errors import KpiError
from kpirules.fmt import format_text
from kpirules.records import Agg, And, Cmp, Col, In, Lit, Missing, Not, Or

from records_support import write_csv

D = datetime.date

PLAN = '''plan "676-records"
  reporting quarterly cutoff 15 due 20

# one row a dossier, from the one-stop system
dataset dossiers "Hồ sơ thủ tục hành chính":
  dated by resolved_on  # the window a row belongs to
  unit by unit_code

metric all_records = count(dossiers)
metric online_records "Hồ sơ trực tuyến" = count(dossiers where channel == "online")
metric on_time = count(dossiers where resolved_on <= due_on)
metric mean_days = avg(dossiers.days)

rule II.1.b.8 "Tỷ lệ hồ sơ giải quyết trực tuyến đạt từ 20% trở lên":
  ratio(online_records, all_records) >= 20% by 2020

rule on_time "Tỷ lệ hồ sơ đúng hạn":
  for each unit: ratio(on_time, all_records) >= 50% by 2020
'''

COLUMNS = ["resolved_on", "due_on", "channel", "unit_code", "days"]


def rows():
    out = []
    for i in range(20):
        out.append({"resolved_on": D(2020, 10 + i % 2, 14 + i % 2), "due_on": D(2020, 11, 1),
                    "channel": "online" if i % 4 == 0 else "một cửa", "unit_code": "A" if i % 3 else "B",
                    "days": i})
    out.append({"resolved_on": None, "channel": "online", "unit_code": "A"})
    out.append({"resolved_on": D(2018, 1, 1), "channel": "online", "unit_code": "C"})
    return out


def test_the_forms_parse():
    plan = kpirules.parse(PLAN + '''
metric a = count(dossiers where not (channel in ("a", "b")) and level is missing or x is not missing)
metric b = count distinct(dossiers.applicant where fee > -2.5 and fee != 10%)
metric c = count(distinct dossiers.applicant)
metric d = min(dossiers.received_on where received_on >= 2020-01-01)
metric e = max(dossiers.days where paid == true and channel not in ("x"))
metric f = sum(dossiers.fee)
''', "p.kpi")
    recs = {r.name: r for r in plan.ast.records}
    assert recs["dossiers"].dated_by == "resolved_on" and recs["dossiers"].unit_by == "unit_code"
    assert recs["dossiers"].title == "Hồ sơ thủ tục hành chính"
    assert recs["online_records"].title == "Hồ sơ trực tuyến"
    assert recs["online_records"].where == Cmp("==", Col("channel"), Lit("online"))
    assert recs["mean_days"].agg is Agg.AVG and recs["mean_days"].column == "days"
    assert recs["a"].where == Or(
        And(Not(In(Col("channel"), (Lit("a"), Lit("b")))), Missing(Col("level"))), Missing(Col("x"), negated=True))
    assert recs["b"].agg is Agg.COUNT_DISTINCT
    assert recs["b"].where == And(Cmp(">", Col("fee"), Lit(Fraction(-5, 2))), Cmp("!=", Col("fee"), Lit(Fraction(1, 10))))
    assert recs["c"].agg is Agg.COUNT_DISTINCT and recs["c"].where is None
    assert recs["d"].where.right == Lit(D(2020, 1, 1))
    assert recs["e"].where.left.right == Lit(True)
    assert recs["e"].where.right == In(Col("channel"), (Lit("x"),), negated=True)
    assert len(plan.rules) == 2  # datasets and metrics are not rules


@pytest.mark.parametrize("text, message", [
    ("dataset d:\n  unit by u\n", "dataset d needs `dated by COLUMN`"),
    ("dataset d:\n  dated by x\n  dated by y\n", "`dated by` is given twice"),
    ("dataset d:\n  dated by x\nmetric a = count(e)\n", "metric a counts dataset e, which the plan does not declare"),
    ("dataset d:\n  dated by x\ndataset d:\n  dated by y\n", "dataset d is declared twice"),
    ("dataset d:\n  dated by x\nmetric a = count(d)\nmetric a = count(d)\n", "metric a is defined twice"),
    ("dataset d:\n  dated by x\nmetric a = count(d where c == 1)\nmetric b = count(d where c == \"x\")\n",
     "column 'c' of dataset 'd' is used as text"),
    ("dataset d:\n  dated by x\nmetric a = count(d where c < \"x\")\n", "only numbers and dates can be ordered"),
    ("dataset d:\n  dated by x\nmetric a = count(d where c in (y))\n", "holds values, not columns"),
    ("dataset d:\n  dated by x\nmetric a = sum(d.a.b)\n", "write DATASET.COLUMN"),
    ("dataset d:\n  dated by x\nmetric a = count(d where x == 1)\n", "used as number"),
])
def test_load_errors(text, message):
    with pytest.raises(KpiError) as e:
        kpirules.parse(text, "p.kpi")
    assert message in str(e.value)
    assert "p.kpi:" in str(e.value)


def test_keywords_are_reserved():
    for word in ("dataset", "metric"):
        assert word in kpirules.lang.parser.KEYWORDS
        with pytest.raises(KpiError):
            kpirules.parse(f"rule a: {word} >= 1\n")
    # words only inside a dataset or a filter: elsewhere they are names, as before
    plan = kpirules.parse("rule a: missing > 1 and dated > 2 and distinct > 3 and is > 4\n"
                          "dataset d:\n  dated by dated\nmetric m = count(d where missing is missing)\n")
    assert plan.ast.records[1].where == Missing(Col("missing"))


def test_fmt_keeps_comments_and_is_idempotent():
    messy = PLAN.replace("count(dossiers)", "count(  dossiers )").replace(
        'metric mean_days = avg(dossiers.days)', 'metric mean_days=avg( dossiers.days )  # days')
    once = format_text(messy)
    assert "metric all_records = count(dossiers)" in once
    assert "metric mean_days = avg(dossiers.days)  # days" in once
    assert "  dated by resolved_on  # the window a row belongs to" in once
    assert "# one row a dossier, from the one-stop system\ndataset dossiers" in once
    assert format_text(once) == once
    assert kpirules.parse(once).ast.records == kpirules.parse(PLAN).ast.records


def run_cli(*args, cwd=None):
    return subprocess.run([sys.executable, "-m", "kpirules", *args], capture_output=True, text=True, cwd=cwd)


@pytest.fixture
def files(tmp_path):
    plan = tmp_path / "plan.kpi"
    plan.write_text(PLAN, encoding="utf-8")
    src = write_csv(str(tmp_path / "dossiers.csv"), COLUMNS, rows())
    return str(plan), src, tmp_path


@pytest.mark.parametrize("engine", ["python", "duckdb"])
def test_check_counts_the_records(files, engine):
    plan, src, _ = files
    p = run_cli("check", plan, "--records", f"dossiers={src}", "--engine", engine, "--as-of", "2021-01-10",
                "--format", "json")
    assert p.returncode in (0, 1), p.stderr
    doc = json.loads(p.stdout)
    res = {(r["id"], r["unit"]): r for r in doc["results"]}
    # 2020-Q4 (2020-09-15 … 2020-12-14): the 20 rows; 5 online of 20 = 1/4
    assert res[("II.1.b.8", None)]["status"] == "met"
    assert res[("II.1.b.8", None)]["value"] == "0.25"
    assert res[("on_time", "A")]["status"] == "not_met"  # 6 of 13 on time
    assert res[("on_time", "B")]["status"] == "met"  # 4 of 7
    assert ("on_time", "C") not in res  # C has rows only in 2018, outside every window counted
    p = run_cli("check", plan, "--records", f"dossiers={src}", "--engine", engine, "--as-of", "2021-01-10")
    assert "1 row has no resolved_on (its `dated by` column), so no window" in p.stderr
    assert "1 row is dated outside every window counted" in p.stderr


def test_counted_and_reported_mix_and_clash(files):
    plan, src, tmp = files
    other = tmp / "other.json"
    other.write_text(json.dumps({"snapshots": [{"period": "2020-Q4", "values": {"extra": 1}}]}))
    text = open(plan, encoding="utf-8").read() + "\nrule x: extra >= 1 by 2020\n"
    open(plan, "w", encoding="utf-8").write(text)
    p = run_cli("check", plan, "--records", f"dossiers={src}", "--data", str(other), "--as-of", "2021-01-10",
                "--format", "json")
    doc = json.loads(p.stdout)
    assert {r["id"]: r["status"] for r in doc["results"]}["x"] == "met"
    clash = tmp / "clash.json"
    clash.write_text(json.dumps({"snapshots": [{"period": "2020-Q4", "values": {"all_records": 3}}]}))
    p = run_cli("check", plan, "--records", f"dossiers={src}", "--data", str(clash), "--as-of", "2021-01-10")
    assert p.returncode == 2
    assert "metric all_records is counted from dataset dossiers" in p.stderr
    assert "Traceback" not in p.stderr


def test_cli_errors_are_messages(files):
    plan, src, tmp = files
    p = run_cli("check", plan, "--records", "dossier=" + src)
    assert p.returncode == 2 and "declares no dataset dossier" in p.stderr
    p = run_cli("check", plan, "--records", f"dossiers={tmp}/none.csv")
    assert p.returncode == 2 and "no such records file" in p.stderr
    p = run_cli("check", plan)
    assert p.returncode == 2 and "--records NAME=SOURCE" in p.stderr
    bad = tmp / "bad.csv"
    bad.write_text("resolved_on,due_on,channel,unit_code,days\n2020-01-01,,x,A,1\nsoon,,x,A,1\n")
    p = run_cli("check", plan, "--records", f"dossiers={bad}")
    assert p.returncode == 2 and "column 'resolved_on' (dated by)" in p.stderr and "line 3 ('soon')" in p.stderr
    p = run_cli("check", plan, "--records", "dossiers=t", "--engine", "postgresql://nobody@127.0.0.1:1/x")
    assert p.returncode == 2 and "Traceback" not in p.stderr
    try:
        import psycopg  # noqa: F401  (the postgres extra)
    except ImportError:  # without it the error says which extra to install
        assert "needs the psycopg package: pip install 'kpirules[postgres]'" in p.stderr
    else:
        assert "127.0.0.1:1" in p.stderr


@pytest.mark.parametrize("dialect", ["duckdb", "postgres", "trino", "spark"])
def test_sql_command_parses_back(files, dialect):
    import sqlglot

    plan, _, _ = files
    p = run_cli("sql", plan, "--dialect", dialect)
    assert p.returncode == 0, p.stderr
    statements = [s for s in sqlglot.parse(p.stdout, read=dialect) if s is not None]
    assert len(statements) == 2  # the summary and the counts (no distinct count, typed columns)
    p = run_cli("sql", plan, "--dialect", dialect, "--text-columns", "--records", "dossiers=raw.dossiers")
    statements = [s for s in sqlglot.parse(p.stdout, read=dialect) if s is not None]
    assert len(statements) == 3  # and the check of the cells
    assert '"raw"' in p.stdout or "`raw`" in p.stdout


def test_the_example_runs_and_its_file_is_the_generators(tmp_path):
    import os

    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    plan = os.path.join(root, "examples", "records", "plan.kpi")
    shipped = os.path.join(root, "examples", "records", "dossiers.csv")
    again = tmp_path / "d.csv"
    p = run_cli_script(os.path.join(root, "examples", "records", "generate.py"), "-o", str(again))
    assert p.returncode == 0, p.stderr
    assert again.read_bytes() == open(shipped, "rb").read()
    p = run_cli("check", plan, "--records", f"dossiers={shipped}", "--as-of", "2020-12-18", "--format", "json")
    assert p.returncode == 1, p.stderr  # some targets are not met
    doc = json.loads(p.stdout)
    by = {(r["id"], r["unit"]): r for r in doc["results"]}
    assert by[("II.1.b.8", None)]["value"] == "3/34"
    assert by[("II.1.b.9", None)]["status"] == "not_met"
    assert sum(1 for (i, _) in by if i == "on_time") == 10  # one result per unit
    p = run_cli("check", plan, "--records", f"dossiers={shipped}", "--as-of", "2020-12-18", "--format", "json",
                "--engine", "python")
    assert json.loads(p.stdout)["results"] == doc["results"]


def run_cli_script(script, *args):
    return subprocess.run([sys.executable, script, *args], capture_output=True, text=True)


def test_sql_takes_records_as_check_does(files):
    plan, _, _ = files
    p = run_cli("sql", plan, "--dialect", "trino", "--records", "dossiers=lake.raw.dossiers")
    assert p.returncode == 0, p.stderr
    assert '"lake"."raw"."dossiers"' in p.stdout  # the catalog is kept, not dropped
    p = run_cli("sql", plan, "--records", "nope=x")
    assert p.returncode == 2 and "--records nope=…: the plan declares no dataset nope" in p.stderr, p.stderr
    assert p.stdout == ""
    p = run_cli("sql", plan, "--records", "dossiers=a.b.c.d")
    assert p.returncode == 2 and "is not a table name" in p.stderr and "Traceback" not in p.stderr


@pytest.mark.parametrize("command", ["check", "report"])
def test_a_counted_dataset_without_records_is_an_error(files, command):
    plan, _, tmp = files
    data = tmp / "data.json"
    # the data reports a metric the plan counts, and no --records gives the rows
    data.write_text('{"snapshots": [{"period": "2020-Q4", "values": {"all_records": 44}}]}', encoding="utf-8")
    extra = ["-o", str(tmp / "r.html"), "--period", "2020-Q4"] if command == "report" else ["--as-of", "2021-01-10"]
    p = run_cli(command, plan, "--data", str(data), *extra)
    assert p.returncode == 2, (p.stdout, p.stderr)
    assert "no records for dataset 'dossiers' (the plan counts all_records, online_records" in p.stderr
    assert "--records dossiers=FILE" in p.stderr and "Traceback" not in p.stderr
    assert not (tmp / "r.html").exists()


def test_the_period_asked_for_is_counted(tmp_path):
    plan = tmp_path / "plan.kpi"
    plan.write_text(PLAN, encoding="utf-8")
    # 2019-Q4 is 2019-09-15 … 2019-12-14: before the plan's one year (2020), asked for by --period
    src = write_csv(str(tmp_path / "d.csv"), COLUMNS, [
        {"resolved_on": D(2019, 12, 14), "channel": "online", "unit_code": "A"},
        {"resolved_on": D(2019, 11, 1), "channel": "một cửa", "unit_code": "A"},
        {"resolved_on": D(2020, 6, 1), "channel": "online", "unit_code": "A"}])
    p = run_cli("check", plan, "--records", f"dossiers={src}", "--period", "2019-Q4", "--format", "json")
    assert p.returncode in (0, 1), p.stderr
    doc = json.loads(p.stdout)
    (r,) = [r for r in doc["results"] if r["id"] == "II.1.b.8"]
    assert r["period"] == "2019-Q4" and r["value"] == "0.5", r  # 1 online of 2
    assert not [w for w in doc["warnings"] if w["code"] == "records_outside_windows"], doc["warnings"]
    # without it, the rows of 2019 are outside the one year the plan speaks of: 2020's windows
    p = run_cli("check", plan, "--records", f"dossiers={src}", "--as-of", "2021-01-10", "--format", "json")
    (w,) = [w for w in json.loads(p.stdout)["warnings"] if w["code"] == "records_outside_windows"]
    assert "2 rows are dated outside every window counted (2019-12-15…2020-12-14;" in w["message"]
    assert (w["args"]["first_year"], w["args"]["last_year"], w["args"]["count"]) == (2020, 2020, 2)

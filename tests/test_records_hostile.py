"""A second new user's trial of metrics counted from records (issue 18): no period-label typo warning
for the windows the counting itself chose, the windows of the period being checked counted, dates of
min/max shown as dates, verify of a report counted from records, the example's generator, PostgreSQL
connection errors, a misspelt column and the official report's code spans."""

from __future__ import annotations

import argparse
import json

import kpirules
from kpirules.cli import main
from kpirules.cli.args import _records_years
from kpirules.data.model import Source
from kpirules.engine.records import merge_counted
from kpirules.engine.warnings import sanity_warnings

from records_support import write_csv

PLAN_2020 = """plan "p"
  reporting quarterly cutoff 15 due 20

dataset hs "Hồ sơ":
  dated by ngay

metric all = count(hs)

rule r: all >= 1 by 2020
"""


def _check(tmp_path, capsys, plan_text: str, rows: list[dict[str, str]], *extra: str) -> tuple[int, dict, str]:
    plan = tmp_path / "p.kpi"
    plan.write_text(plan_text, encoding="utf-8")
    rec = write_csv(str(tmp_path / "r.csv"), ["ngay"], rows)
    code = main(["check", str(plan), "--records", f"hs={rec}", "--format", "json", *extra])
    printed = capsys.readouterr()
    assert code in (0, 1), printed.err
    return code, json.loads(printed.out), printed.err


# --------------------------------------------------------------------------- 1: no typo warning for counted windows


def test_counted_windows_are_not_period_label_typos(tmp_path, capsys):
    _, doc, err = _check(tmp_path, capsys, PLAN_2020, [{"ngay": "2020-03-01"}, {"ngay": "2020-11-14"}],
                         "--as-of", "2020-12-18")
    assert [w["code"] for w in doc["warnings"]] == []
    assert "outside the years" not in err


def test_counted_windows_before_the_plan_give_no_period_outside_plan(tmp_path):
    """Windows counted wider than the plan's years (years=…) are still no period label anyone typed;
    a reported snapshot of the same period still is."""
    plan = kpirules.parse(PLAN_2020, "p.kpi")
    data = kpirules.records_data(plan, {"hs": [{"ngay": "2020-03-01"}]}, engine="python", years=(2017, 2020))
    assert any(p.year == 2017 for p in data.periods.values())
    codes = [w.code for w in sanity_warnings(plan, data)]
    assert "period_outside_plan" not in codes
    reported = kpirules.Data()
    reported.add(kpirules.parse_period("2017-Q2"), None, "other", 1, Source("d.json", "row 1"))
    merged = merge_counted(plan, reported, data)
    outside = [w for w in sanity_warnings(plan, merged) if w.code == "period_outside_plan"]
    assert len(outside) == 1 and "2017-Q2" in str(outside[0].message)


# --------------------------------------------------------------------------- 9: the period checked is counted


def test_the_current_period_of_as_of_is_counted(tmp_path, capsys):
    """As of 2021-04-01 the period checked is 2021-Q1 (docs/cli.md: the last window closed before it):
    its window is counted though the plan speaks of 2020 only, so a row of 2020-12-15 (in 2021-Q1's
    window) is no row outside every window."""
    _, doc, err = _check(tmp_path, capsys, PLAN_2020, [{"ngay": "2020-03-01"}, {"ngay": "2020-12-15"}],
                         "--as-of", "2021-04-01")
    assert doc["period"] == "2021-Q1"
    assert [w["code"] for w in doc["warnings"]] == [], err
    plan = kpirules.parse(PLAN_2020, "p.kpi")
    assert _records_years(plan, argparse.Namespace(as_of="2021-04-01", period=None)) == (2020, 2021)
    assert _records_years(plan, argparse.Namespace(as_of="01/04/2021", period=None)) == (2020, 2021)
    assert _records_years(plan, argparse.Namespace(as_of="2020-12-18", period=None)) == (2020, 2020)


# --------------------------------------------------------------------------- 2, 3: min/max of a date column

PLAN_DATES = """plan "p"
  reporting quarterly cutoff 15 due 20

dataset hs "Hồ sơ":
  dated by ngay

metric all = count(hs)
metric maxday = max(hs.ngay)
metric first_due = min(hs.han where kenh == "online")

rule e: maxday >= 2020-01-01 by 2020
rule h: first_due <= 2020-11-30 by 2020
"""

DATE_ROWS = [{"ngay": "2020-03-01", "han": "2020-03-05", "kenh": "online"},
             {"ngay": "2020-11-14", "han": "2020-11-20", "kenh": "online"},
             {"ngay": "2020-10-01", "han": "2020-01-02", "kenh": "x"}]


def _write_dates(tmp_path) -> tuple[str, str]:
    plan = tmp_path / "p.kpi"
    plan.write_text(PLAN_DATES, encoding="utf-8")
    rec = write_csv(str(tmp_path / "r.csv"), ["ngay", "han", "kenh"], DATE_ROWS)
    return str(plan), rec


def test_min_max_of_dates_are_shown_as_dates(tmp_path, capsys):
    plan, rec = _write_dates(tmp_path)
    common = [plan, "--records", f"hs={rec}", "--as-of", "2020-12-18"]
    assert main(["check", *common, "--format", "json"]) == 0
    doc = json.loads(capsys.readouterr().out)
    by = {r["id"]: r for r in doc["results"]}
    assert (by["e"]["status"], by["e"]["value"], by["e"]["target"]) == ("met", "2020-11-14", "2020-01-01")
    # a CSV column is text: the rule's comparison with a date says min reads dates (issue 18 item 3)
    assert (by["h"]["status"], by["h"]["value"], by["h"]["target"]) == ("met", "2020-11-20", "2020-11-30")
    from kpirules.schemas import validate

    validate("check", doc)  # (value and target are text, as the schema says)
    assert main(["check", *common]) == 0
    table = capsys.readouterr().out
    assert "2020-11-14  2020-01-01" in table.replace("   ", "  ")
    assert main(["explain", *common, "--id", "e"]) == 0
    text = capsys.readouterr().out
    assert "datetime" not in text
    assert "2020-11-14 >= 2020-01-01 is true" in text
    out = tmp_path / "rep.md"
    assert main(["report", *common, "--period", "2020-Q4", "--format", "md", "-o", str(out)]) == 0
    capsys.readouterr()
    md = out.read_text(encoding="utf-8")
    assert "14/11/2020" in md and "datetime" not in md


# --------------------------------------------------------------------------- 4: verify of a report counted from records


def test_verify_says_a_report_counted_from_records_cannot_be_verified(tmp_path, capsys):
    plan = tmp_path / "p.kpi"
    plan.write_text(PLAN_2020, encoding="utf-8")
    rec = write_csv(str(tmp_path / "r.csv"), ["ngay"], [{"ngay": "2020-11-01"}])
    rep = tmp_path / "rep.json"
    assert main(["report", str(plan), "--records", f"hs={rec}", "--period", "2020-Q4", "--as-of", "2020-12-18",
                 "--format", "json", "-o", str(rep)]) == 0
    capsys.readouterr()
    assert main(["verify", str(rep)]) == 2
    err = capsys.readouterr().err
    assert "cannot verify a report counted from records" in err and "dataset hs (--records)" in err
    assert "load_data" not in err and "Traceback" not in err


# --------------------------------------------------------------------------- 5: the example's generator


def test_generate_refuses_options_that_make_no_file(tmp_path):
    import os
    import subprocess
    import sys

    script = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "examples", "records",
                          "generate.py")
    out = str(tmp_path / "d.csv")
    for args, said in ((["--from", "2021-01-01", "--to", "2020-01-01"], "--from 2021-01-01 is after --to 2020-01-01"),
                       (["--units", "0"], "argument --units: 0 is not 1 or more"),
                       (["--rows", "-5"], "argument --rows: -5 is not 1 or more"),
                       (["--from", "2020-02-30"], "'2020-02-30' is not a day written YYYY-MM-DD"),
                       (["-o", str(tmp_path / "no" / "d.csv")], "cannot write")):
        p = subprocess.run([sys.executable, script, "-o", out, *args], capture_output=True, text=True)
        assert p.returncode == 2, (args, p.stderr)
        assert said in p.stderr and "Traceback" not in p.stderr, (args, p.stderr)
    p = subprocess.run([sys.executable, script, "-o", out, "--rows", "3", "--units", "1"], capture_output=True, text=True)
    assert p.returncode == 0, p.stderr
    assert len(open(out, encoding="utf-8").read().splitlines()) == 4


# --------------------------------------------------------------------------- 6: a server reached that refuses


def test_a_postgres_server_that_refuses_is_not_one_out_of_reach():
    from kpirules.records.engines import _connect_error

    def said(text: str) -> str:
        return _connect_error("localhost", 5499, Exception(text))

    nodb = said('connection failed: connection to server at "127.0.0.1", port 5499 failed: '
                'FATAL:  database "nodb" does not exist')
    assert nodb.startswith("the PostgreSQL server at localhost:5499 was reached, but it has no database 'nodb'")
    assert "cannot reach" not in nodb and 'FATAL: database "nodb" does not exist' in nodb
    assert "no role (user) 'bob'" in said('failed: FATAL:  role "bob" does not exist')
    assert "refused the password of user 'postgres'" in said(
        'failed: FATAL:  password authentication failed for user "postgres"')
    assert "none was given" in said("fe_sendauth: no password supplied")
    far = said('connection failed: connection to server at "127.0.0.1", port 5499 failed: Connection refused\n'
               '\tIs the server running on that host and accepting TCP/IP connections?')
    assert far.startswith("cannot reach the PostgreSQL server at localhost:5499: connection failed")


# --------------------------------------------------------------------------- 7: a misspelt column


def test_a_missing_column_names_the_metric_and_a_close_column_only(tmp_path, capsys):
    plan = tmp_path / "p.kpi"
    plan.write_text(PLAN_2020 + 'metric online = count(hs where chanel == "online")\n'
                    "rule o: online >= 1 by 2020\n", encoding="utf-8")
    for columns, close in ((["ngay", "han", "kenh_nop"], None), (["ngay", "han", "channel"], "channel")):
        rec = write_csv(str(tmp_path / "r.csv"), columns, [dict.fromkeys(columns, "2020-03-01")])
        for engine in ("python", "duckdb"):
            code = main(["check", str(plan), "--records", f"hs={rec}", "--as-of", "2020-12-18", "--engine", engine])
            err = capsys.readouterr().err
            assert code == 2, err
            assert "no column 'chanel'" in err and f"(read by metric online, {plan}:10:" in err, err
            assert ("did you mean 'han'" not in err) and ((f"did you mean {close!r}?" in err) == bool(close)), err


def test_closest_column():
    from kpirules.records.pyengine import closest_column

    assert closest_column("kenh", ["ma", "kenh_nop", "han"]) == "kenh_nop"
    assert closest_column("Kênh_nop", ["ma", "kenh_nop"]) == "kenh_nop"
    assert closest_column("chanel", ["ma", "han", "kenh"]) is None


# --------------------------------------------------------------------------- 8: no backticks in the official report


def test_the_official_report_shows_no_backticks(tmp_path, capsys):
    plan = tmp_path / "p.kpi"
    plan.write_text(PLAN_2020, encoding="utf-8")
    rec = write_csv(str(tmp_path / "r.csv"), ["ngay"], [{"ngay": "2020-11-01"}, {"ngay": ""}])
    out = tmp_path / "rep.html"
    assert main(["report", str(plan), "--records", f"hs={rec}", "--period", "2020-Q4", "--as-of", "2020-12-18",
                 "--format", "html", "--layout", "official", "-o", str(out)]) == 0
    capsys.readouterr()
    page = out.read_text(encoding="utf-8")
    assert "(cột dated by)" in page and "`" not in page

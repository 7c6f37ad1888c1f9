"""Metrics counted from records: windows, the Python engine, DuckDB, errors (issue 18)."""

from __future__ import annotations

import datetime
import decimal
from fractions import Fraction

import pytest
from hypothesis import given
from hypothesis import strategies as st

from kpirules.errors import KpiDataError, KpiSemanticError
from kpirules.periods import Kind, Scheme
from kpirules.records import (
    And,
    Cmp,
    Col,
    CountedMetric,
    Dataset,
    DuckDBEngine,
    In,
    Lit,
    Missing,
    Not,
    Or,
    PythonEngine,
    column_types,
    count_records,
    parse_binding,
    parse_source,
    windows_for,
)
from kpirules.records.text import filter_text, metric_text

from records_support import write_csv, write_jsonl

D = datetime.date
DOSSIERS = Dataset("dossiers", "Hồ sơ", "resolved_on", "unit_code")
COLUMNS = ["id", "resolved_on", "due_on", "channel", "unit_code", "days"]


def rows_small():
    return [
        {"id": 1, "resolved_on": D(2020, 3, 14), "due_on": D(2020, 3, 20), "channel": "online", "unit_code": "A",
         "days": decimal.Decimal("3")},
        {"id": 2, "resolved_on": D(2020, 3, 15), "due_on": D(2020, 3, 10), "channel": "một cửa", "unit_code": "A",
         "days": decimal.Decimal("4.5")},
        {"id": 3, "resolved_on": D(2019, 12, 15), "due_on": D(2019, 12, 20), "channel": "online", "unit_code": "B"},
        {"id": 4, "resolved_on": None, "due_on": D(2019, 12, 20), "channel": "online", "unit_code": "B",
         "days": decimal.Decimal("1")},
        {"id": 5, "resolved_on": D(2020, 6, 1), "channel": "online", "days": decimal.Decimal("2.25")},
    ]


METRICS = [
    CountedMetric("all", "count", "dossiers"),
    CountedMetric("online", "count", "dossiers", where=Cmp("==", Col("channel"), Lit("online"))),
    CountedMetric("on_time", "count", "dossiers", where=Cmp("<=", Col("resolved_on"), Col("due_on"))),
    CountedMetric("mean_days", "avg", "dossiers", "days"),
    CountedMetric("total_days", "sum", "dossiers", "days"),
    CountedMetric("last_due", "max", "dossiers", "due_on"),
    CountedMetric("channels", "count distinct", "dossiers", "channel"),
]


def value(counted, metric, label, unit=None):
    for (m, p, u), v in counted.values.items():
        if m == metric and p.label == label and u == unit:
            return v
    return None


@pytest.fixture(params=["python", "duckdb"])
def engine(request):
    return request.param


def test_windows_decree09_and_calendar():
    w = windows_for(2020, 2020)
    assert [(x.label, x.start, x.end) for x in w.finest][0] == ("2020-Q1", D(2019, 12, 15), D(2020, 3, 14))
    assert w.finest_of(D(2019, 12, 15)).label == "2020-Q1"
    assert w.finest_of(D(2019, 12, 14)) is None
    assert w.finest_of(D(2020, 12, 14)).label == "2020-Q4"
    assert w.finest_of(D(2020, 12, 15)) is None
    assert [x.label for x in w.parents["2020-Q3"]] == ["2020-H2", "2020-9M", "2020"]
    cal = windows_for(2020, 2020, Kind.MONTH, Scheme.calendar())
    assert cal.finest_of(D(2020, 2, 29)).label == "2020-02"
    assert len(cal.coarser) == 4 + 2 + 1 + 1
    assert windows_for(2020, 2021, "half").parents["2021-H2"][0].label == "2021"


def test_counts_per_window_and_unit(tmp_path, engine):
    src = write_csv(str(tmp_path / "d.csv"), COLUMNS, rows_small())
    c = count_records([DOSSIERS], METRICS, {"dossiers": src}, engine=engine, years=(2020, 2020))
    assert value(c, "all", "2020-Q1") == 2  # 2019-12-15 and 2020-03-14 (the 15th opens Q1)
    assert value(c, "all", "2020-Q2") == 2  # 2020-03-15, and the row without a unit
    assert value(c, "all", "2020-Q3") == 0  # every window has a plan-level count
    assert value(c, "all", "2020-Q3", "A") is None  # a unit without rows there does not report
    assert value(c, "online", "2020-Q2", "A") == 0  # A has rows in Q2, none online
    assert value(c, "on_time", "2020-Q1") == 2
    assert value(c, "mean_days", "2020-Q2") == Fraction(27, 8)  # (4.5 + 2.25) / 2, exactly
    assert value(c, "mean_days", "2020-Q1", "B") is None  # no values: undefined
    assert value(c, "total_days", "2020-Q1", "B") == 0
    assert value(c, "total_days", "2020") == Fraction(39, 4)
    assert value(c, "last_due", "2020-H1") == D(2020, 3, 20)
    assert value(c, "channels", "2020") == 2
    assert value(c, "channels", "2020-Q2", "A") == 1
    stats = c.stats["dossiers"]
    assert (stats.rows, stats.undated, stats.outside, stats.no_unit) == (5, 1, 0, 1)
    assert stats.units == {"A": 2, "B": 1}


def test_rows_outside_every_window(tmp_path, engine):
    src = write_csv(str(tmp_path / "d.csv"), COLUMNS, rows_small())
    c = count_records([DOSSIERS], METRICS, {"dossiers": src}, engine=engine, years=(2020, 2020))
    assert c.stats["dossiers"].outside == 0
    c = count_records([DOSSIERS], METRICS, {"dossiers": src}, engine=engine, years=(2021, 2021))
    assert c.stats["dossiers"].outside == 4
    assert value(c, "all", "2021") == 0


def test_years_from_the_data(tmp_path, engine):
    src = write_csv(str(tmp_path / "d.csv"), COLUMNS, rows_small())
    c = count_records([DOSSIERS], METRICS, {"dossiers": src}, engine=engine)
    assert value(c, "all", "2020") == 4
    assert {p.year for (_, p, _) in c.values} == {2020}


def test_jsonl_and_semicolons(tmp_path, engine):
    rows = rows_small()
    a = count_records([DOSSIERS], METRICS, {"dossiers": write_csv(str(tmp_path / "d.csv"), COLUMNS, rows)},
                      engine=engine, years=(2020, 2020))
    b = count_records([DOSSIERS], METRICS, {"dossiers": write_csv(str(tmp_path / "e.csv"), COLUMNS, rows, ";")},
                      engine=engine, years=(2020, 2020))
    c = count_records([DOSSIERS], METRICS, {"dossiers": write_jsonl(str(tmp_path / "d.jsonl"), COLUMNS, rows)},
                      engine=engine, years=(2020, 2020))
    assert a.table() == b.table() == c.table()


def test_parquet(tmp_path, engine):
    import duckdb

    csv_path = write_csv(str(tmp_path / "d.csv"), COLUMNS, rows_small())
    pq = str(tmp_path / "d.parquet")
    con = duckdb.connect()
    con.execute(f"COPY (SELECT id::INT AS id, resolved_on::DATE AS resolved_on, due_on::DATE AS due_on, channel, "
                f"unit_code, days::DECIMAL(10,2) AS days FROM read_csv('{csv_path}', all_varchar=true)) "
                f"TO '{pq}' (FORMAT parquet)")
    a = count_records([DOSSIERS], METRICS, {"dossiers": csv_path}, engine="python", years=(2020, 2020))
    b = count_records([DOSSIERS], METRICS, {"dossiers": pq}, engine=engine, years=(2020, 2020))
    assert a.table() == b.table()


def test_three_valued_filters(tmp_path, engine):
    rows = [
        {"id": 1, "resolved_on": D(2020, 1, 1), "channel": "online", "days": decimal.Decimal(5)},
        {"id": 2, "resolved_on": D(2020, 1, 1), "channel": None, "days": decimal.Decimal(5)},
        {"id": 3, "resolved_on": D(2020, 1, 1), "channel": "offline"},
    ]
    src = write_csv(str(tmp_path / "d.csv"), COLUMNS, rows)
    f_not = Not(Cmp("==", Col("channel"), Lit("online")))
    f_or = Or(Cmp("==", Col("channel"), Lit("online")), Cmp(">", Col("days"), Lit(4)))
    f_and = And(Cmp("!=", Col("channel"), Lit("x")), Cmp(">", Col("days"), Lit(4)))
    ms = [
        CountedMetric("not_online", "count", "dossiers", where=f_not),
        CountedMetric("or_", "count", "dossiers", where=f_or),
        CountedMetric("and_", "count", "dossiers", where=f_and),
        CountedMetric("missing", "count", "dossiers", where=Missing(Col("channel"))),
        CountedMetric("present", "count", "dossiers", where=Missing(Col("days"), negated=True)),
        CountedMetric("in_", "count", "dossiers", where=In(Col("channel"), (Lit("online"), Lit("offline")))),
        CountedMetric("not_in", "count", "dossiers",
                      where=In(Col("channel"), (Lit("online"),), negated=True)),
    ]
    ds = Dataset("dossiers", None, "resolved_on")
    c = count_records([ds], ms, {"dossiers": src}, engine=engine, years=(2020, 2020))
    got = {m.name: value(c, m.name, "2020-Q1") for m in ms}
    # undefined (a missing channel) is not counted, and `not` of undefined is undefined
    assert got == {"not_online": 1, "or_": 2, "and_": 1, "missing": 1, "present": 2, "in_": 2, "not_in": 1}


def test_bad_cells_name_the_column_and_first_rows(tmp_path, engine):
    rows = rows_small() * 3
    rows[1] = dict(rows[1], resolved_on="2020-13-01")
    rows[4] = dict(rows[4], resolved_on="14/03/2020x")
    rows[7] = dict(rows[7], days="3,5")
    src = write_csv(str(tmp_path / "d.csv"), COLUMNS, rows)
    with pytest.raises(KpiDataError) as e:
        count_records([DOSSIERS], METRICS, {"dossiers": src}, engine=engine, years=(2020, 2020))
    text = str(e.value)
    assert "column 'resolved_on' (dated by)" in text
    assert "2 rows are not: line 3 ('2020-13-01'), line 6 ('14/03/2020x')" in text
    assert "column 'days'" in text and "line 9 ('3,5')" in text


def test_missing_column(tmp_path, engine):
    src = write_csv(str(tmp_path / "d.csv"), ["id", "resolved_on", "chanel", "unit_code", "days", "due_on"],
                    rows_small())
    with pytest.raises(KpiDataError) as e:
        count_records([DOSSIERS], METRICS, {"dossiers": src}, engine=engine, years=(2020, 2020))
    assert "no column 'channel'" in str(e.value)
    assert "did you mean 'chanel'?" in str(e.value)


def test_empty_and_header_only(tmp_path, engine):
    empty = tmp_path / "e.csv"
    empty.write_text("")
    with pytest.raises(KpiDataError, match="empty"):
        count_records([DOSSIERS], METRICS, {"dossiers": str(empty)}, engine=engine, years=(2020, 2020))
    header = write_csv(str(tmp_path / "h.csv"), COLUMNS, [])
    c = count_records([DOSSIERS], METRICS, {"dossiers": header}, engine=engine, years=(2020, 2020))
    assert value(c, "all", "2020") == 0


def test_no_source_for_a_dataset():
    with pytest.raises(KpiDataError, match="no records for dataset 'dossiers'"):
        count_records([DOSSIERS], METRICS, {}, engine="python")


def test_column_types_from_use():
    t = column_types(DOSSIERS, METRICS)
    assert t["resolved_on"].value == "date" and t["due_on"].value == "date"
    assert t["channel"].value == "text" and t["days"].value == "number"
    bad = [CountedMetric("a", "count", "dossiers", where=Cmp("==", Col("channel"), Lit(1))),
           CountedMetric("b", "count", "dossiers", where=Cmp("==", Col("channel"), Lit("x")))]
    with pytest.raises(KpiSemanticError, match="column 'channel' of dataset 'dossiers' is used as text"):
        column_types(DOSSIERS, bad)
    with pytest.raises(KpiSemanticError, match="only numbers and dates can be ordered"):
        column_types(DOSSIERS, [CountedMetric("a", "count", "dossiers",
                                              where=Cmp("<", Col("channel"), Lit("x")))])
    with pytest.raises(KpiSemanticError, match="min and max take numbers or dates"):
        column_types(DOSSIERS, [CountedMetric("a", "min", "dossiers", "unit_code")])


def test_text_of_definitions():
    f = And(Or(Cmp("==", Col("channel"), Lit("trực tuyến")), Missing(Col("level"))),
            Not(In(Col("level"), (Lit(3), Lit(Fraction(9, 2))))))
    assert filter_text(f) == '(channel == "trực tuyến" or level is missing) and not (level in (3, 4.5))'
    assert metric_text(CountedMetric("m", "avg", "dossiers", "days", where=Missing(Col("x")))) == \
        "avg(dossiers.days where x is missing)"


def test_sources():
    assert parse_source("a/b.csv").format == "csv"
    assert parse_source("x.ndjson").format == "jsonl"
    pg = parse_source("postgresql://u:secret@db.example:5433/kpi?table=public.dossiers&sslmode=disable")
    assert pg.table == "public.dossiers" and pg.host == "db.example"
    assert "secret" not in pg.describe()
    assert parse_source("dossiers", table_of="postgresql://h/db").table == "dossiers"
    assert parse_source("spark:db.t").table == "db.t"
    with pytest.raises(KpiDataError, match="names its table"):
        parse_source("postgresql://h/db")
    with pytest.raises(KpiDataError, match="not a records file"):
        parse_source("x.xlsx")
    assert parse_binding("dossiers=a.csv")[0] == "dossiers"
    with pytest.raises(KpiDataError, match="NAME=SOURCE"):
        parse_binding("a.csv")


def test_unreachable_database_names_the_host():
    pytest.importorskip("psycopg")
    with pytest.raises(KpiDataError) as e:
        count_records([DOSSIERS], METRICS, {"dossiers": "dossiers"},
                      engine="postgresql://nobody@127.0.0.1:1/nodb?connect_timeout=2")
    assert "127.0.0.1:1" in str(e.value)


def test_python_engine_streams(tmp_path):
    # a generator of rows is consumed once, row by row (memory independent of the rows)
    from kpirules.records.pyengine import count_python

    def rows():
        for i in range(20000):
            yield i + 2, [f"2020-{1 + i % 12:02d}-14", f"U{i % 5}", "online" if i % 3 else "x"]

    ds = Dataset("d", None, "resolved_on", "unit_code")
    ms = [CountedMetric("n", "count", "d", where=Cmp("==", Col("channel"), Lit("online")))]
    p = count_python(ds, ms, None, windows_for(2020, 2020), rows=rows())
    assert p.stats.rows == 20000
    assert sum(v.n for (_, _, u), v in p.parts.items() if u is None) == 20000 - 6667


def test_a_key_no_json_line_has(tmp_path, engine):
    src = write_jsonl(str(tmp_path / "d.jsonl"), [c for c in COLUMNS if c != "channel"], rows_small())
    with pytest.raises(KpiDataError, match="no row has the key 'channel'"):
        count_records([DOSSIERS], METRICS, {"dossiers": src}, engine=engine, years=(2020, 2020))


@given(start=st.dates(D(2000, 1, 1), D(2030, 12, 31)), days=st.integers(0, 400), d=st.dates(D(1999, 1, 1), D(2032, 1, 1)))
def test_month_keys_cover_every_day_of_a_window(start, days, d):
    from kpirules.records.sqlbuild import month_keys

    end = start + datetime.timedelta(days=days)
    keys = month_keys(start, end)
    assert keys == sorted(set(keys)) and keys[0] == start.year * 12 + start.month
    if start <= d <= end:  # a day of the window: its month is one of the window's rows
        assert d.year * 12 + d.month in keys
    if d.year * 12 + d.month not in keys:
        assert not start <= d <= end


def test_duckdb_joins_the_windows_by_hashing_not_by_sorting_the_rows(tmp_path):
    # the month key lets DuckDB hash the windows' rows; the range alone made it sort every row
    # (a piecewise merge join), most of the time of a count
    from sqlglot import exp

    from kpirules.records.sqlbuild import plan_queries

    src = write_csv(str(tmp_path / "d.csv"), COLUMNS, rows_small())
    eng = DuckDBEngine()
    try:
        for single in (True, False):
            rel, types, _ = eng.relation(parse_source(src), ["resolved_on", "unit_code"], scans=1)
            w = windows_for(2020, 2020)
            plan = plan_queries(DOSSIERS, METRICS[:1], rel, w.finest, w.all, types, single=single)
            text = "\n".join(r[1] for r in eng.con.execute("EXPLAIN " + eng.sql(plan.main)).fetchall())
            assert "HASH_JOIN" in text.replace(" ", "_").upper(), text
            assert "PIECEWISE" not in text.upper() and "IE_JOIN" not in text.upper(), text
    finally:
        eng.close()


def test_three_bad_dates_in_many_rows_are_named_and_empty_ones_counted(tmp_path, engine):
    # 3 cells of the `dated by` column that are not dates, among 30,000 rows: an error naming the column
    # and each of the three rows (by its line); the empty cells beside them are rows without a date (a
    # warning's count), not errors
    good = {"id": 0, "resolved_on": D(2020, 5, 1), "due_on": D(2020, 5, 3), "channel": "online", "unit_code": "A",
            "days": 1}
    rows = [dict(good, id=i) for i in range(30_000)]
    for i, text in ((7, "2020-02-30"), (12_345, "15/13/2020"), (29_998, "N/A")):
        rows[i] = dict(rows[i], resolved_on=text)
    for i in (100, 200):
        rows[i] = dict(rows[i], resolved_on=None)
    src = write_csv(str(tmp_path / "d.csv"), COLUMNS, rows)
    with pytest.raises(KpiDataError) as e:
        count_records([DOSSIERS], METRICS[:2], {"dossiers": src}, engine=engine, years=(2020, 2020))
    text = str(e.value)
    assert ("column 'resolved_on' (dated by) of dataset 'dossiers' must hold dates (YYYY-MM-DD or dd/mm/yyyy); "
            "3 rows are not: line 9 ('2020-02-30'), line 12347 ('15/13/2020'), line 30000 ('N/A')") in text, text
    assert "Traceback" not in text
    for i in (7, 12_345, 29_998):
        rows[i] = dict(rows[i], resolved_on=None)
    src = write_csv(str(tmp_path / "e.csv"), COLUMNS, rows)
    c = count_records([DOSSIERS], METRICS[:2], {"dossiers": src}, engine=engine, years=(2020, 2020))
    assert c.stats["dossiers"].undated == 5
    assert value(c, "all", "2020-Q2") == 30_000 - 5


def test_a_database_host_that_does_not_resolve_is_named(tmp_path):
    pytest.importorskip("psycopg")
    import subprocess
    import sys

    with pytest.raises(KpiDataError) as e:
        count_records([DOSSIERS], METRICS, {"dossiers": "dossiers"},
                      engine="postgresql://nobody@no-such-host.invalid/nodb?connect_timeout=3")
    assert "no-such-host.invalid" in str(e.value)
    plan = tmp_path / "p.kpi"
    plan.write_text('plan "p"\n\ndataset dossiers:\n  dated by resolved_on\n\nmetric n = count(dossiers)\n\n'
                    'rule r: n >= 1 by 2020\n', encoding="utf-8")
    p = subprocess.run([sys.executable, "-m", "kpirules", "check", str(plan), "--records", "dossiers=dossiers",
                        "--engine", "postgresql://nobody:secret@no-such-host.invalid:5433/nodb?connect_timeout=3"],
                       capture_output=True, text=True)
    assert p.returncode == 2
    assert "no-such-host.invalid:5433" in p.stderr and "Traceback" not in p.stderr
    assert "secret" not in p.stderr


def test_duckdb_casts_a_date_cell_once_for_its_value_and_its_check(tmp_path):
    # the one-scan query reads a date cell's value and checks the cell with the very same TRY_CAST, which
    # DuckDB then works out once a cell (about a tenth of a count's time, with two date columns)
    from sqlglot import exp

    from kpirules.records.sqlbuild import _iso_text, plan_queries

    eng = DuckDBEngine()
    try:
        rel, types, _ = eng.relation(parse_source(write_csv(str(tmp_path / "d.csv"), COLUMNS, rows_small())),
                                     ["resolved_on", "due_on", "unit_code"], scans=1)
        w = windows_for(2020, 2020)
        plan = plan_queries(DOSSIERS, METRICS[2:3], rel, w.finest, w.all, types, single=True)
        text = eng.sql(plan.main)
        for c in ("resolved_on", "due_on"):
            cast = exp.TryCast(this=_iso_text(exp.column(c, table="s", quoted=True)),
                               to=exp.DataType.build("DATE")).sql(dialect="duckdb", identify=True)
            assert text.count(cast) == 2, (c, text)
    finally:
        eng.close()

"""The engines agree: Python, DuckDB and PostgreSQL give identical metric tables on generated
rows and filters; Spark on a fixed generated set; the SQL parses back in every dialect; nothing
in a plan runs SQL of its own (issue 18)."""

from __future__ import annotations

import datetime
import decimal
import os
from fractions import Fraction
import random
import unicodedata
import uuid

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kpirules.engine.records import unit_resolver
from kpirules.errors import KpiDataError
from kpirules.periods import Kind, Scheme
from kpirules.records import (
    Agg,
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
    PostgresEngine,
    count_records,
    windows_for,
)
from kpirules.records.sqlbuild import DIALECTS, plan_queries

from records_support import pg_table, postgres_url, write_csv, write_jsonl

D = datetime.date
COLUMNS = {
    "id": "text",
    "received_on": "date",
    "resolved_on": "date",
    "due_on": "date",
    "channel": "text",
    "level": "number",
    "unit_code": "text",
    "days": "number",
}
DS = Dataset("dossiers", "Hồ sơ thủ tục hành chính", "resolved_on", "unit_code")

# dates where windows turn: the 14th and 15th of every month, 29 February, the 1st and last days
EDGE_DATES = sorted({D(y, m, d) for y in (2019, 2020, 2021) for m in range(1, 13) for d in (1, 14, 15)}
                    | {D(2020, 2, 29), D(2019, 12, 15), D(2020, 12, 15), D(2020, 12, 31), D(2019, 12, 31)})
dates = st.one_of(st.sampled_from(EDGE_DATES), st.dates(D(2018, 12, 1), D(2022, 1, 31)))
texts = st.sampled_from(["online", "trực tuyến", "một cửa", "Một cửa", "offline", "bưu chính", "Online", ""])
units = st.sampled_from(["A", "Sở Tư pháp", "Văn phòng Bộ", "Đơn vị 3", "b",
                         unicodedata.normalize("NFD", "Sở Tư pháp"), "VP"])
#: units named as a plan declaring these would name them: codes, full names, NFD spellings
RESOLVE = unit_resolver({"A": None, "STP": "Sở Tư pháp", "VP": "Văn phòng Bộ"})
numbers = st.decimals(min_value=-1000, max_value=1000, places=2, allow_nan=False, allow_infinity=False)
levels = st.sampled_from([1, 2, 3, 4])


def maybe(s, p_none=0.15):
    return st.one_of(st.none(), s) if p_none else s


row = st.fixed_dictionaries({
    "id": st.text(alphabet="abcđ0123", min_size=1, max_size=4),
    "received_on": maybe(dates),
    "resolved_on": maybe(dates),
    "due_on": maybe(dates),
    "channel": maybe(texts),
    "level": maybe(levels),
    "unit_code": maybe(units),
    "days": maybe(numbers),
})

leaf = st.one_of(
    st.builds(Cmp, st.sampled_from(["==", "!="]), st.just(Col("channel")), st.builds(Lit, texts)),
    st.builds(Cmp, st.sampled_from(["==", "!=", "<", "<=", ">", ">="]), st.just(Col("days")),
              st.builds(Lit, st.sampled_from([0, 1, decimal.Decimal("2.5"), -3, 100]).map(
                  lambda v: __import__("fractions").Fraction(v)))),
    st.builds(Cmp, st.sampled_from(["<", "<=", ">", ">=", "==", "!="]), st.just(Col("resolved_on")),
              st.just(Col("due_on"))),
    st.builds(Cmp, st.sampled_from(["<", ">=", "=="]), st.just(Col("due_on")), st.builds(Lit, st.sampled_from(EDGE_DATES))),
    st.builds(Cmp, st.sampled_from(["<", ">="]), st.builds(Lit, st.sampled_from(EDGE_DATES)), st.just(Col("received_on"))),
    st.builds(In, st.just(Col("channel")), st.lists(st.builds(Lit, texts), min_size=1, max_size=3).map(tuple),
              st.booleans()),
    st.builds(In, st.just(Col("level")), st.lists(st.builds(Lit, levels), min_size=1, max_size=3).map(tuple),
              st.booleans()),
    st.builds(Missing, st.sampled_from([Col(c) for c in ("channel", "days", "due_on", "level", "unit_code")]),
              st.booleans()),
)
filters = st.recursive(
    leaf,
    lambda inner: st.one_of(st.builds(And, inner, inner), st.builds(Or, inner, inner), st.builds(Not, inner)),
    max_leaves=5,
)


@st.composite
def metric_sets(draw):
    fs = draw(st.lists(st.one_of(st.none(), filters), min_size=1, max_size=3))
    out = [CountedMetric("all", "count", "dossiers"),
           # (in a text file, nothing else would say that these columns hold dates)
           CountedMetric("pin", "count", "dossiers", where=And(Cmp(">=", Col("due_on"), Lit(D(2020, 1, 1))),
                                                               Cmp(">=", Col("received_on"), Lit(D(2020, 1, 1)))))]
    for i, f in enumerate(fs):
        out.append(CountedMetric(f"c{i}", "count", "dossiers", where=f))
        agg, col = draw(st.sampled_from([("sum", "days"), ("avg", "days"), ("min", "days"), ("max", "due_on"),
                                         ("count distinct", "channel"), ("count distinct", "unit_code"),
                                         ("min", "received_on")]))
        out.append(CountedMetric(f"a{i}", agg, "dossiers", col, where=f))
    return out


schemes = st.sampled_from([Scheme(15, 20), Scheme.calendar(), Scheme(20, 25), Scheme(28, None)])
kinds = st.sampled_from([Kind.QUARTER, Kind.MONTH, Kind.HALF, Kind.YEAR])


@pytest.fixture(scope="module")
def duck():
    e = DuckDBEngine()
    yield e
    e.close()


@pytest.fixture(scope="module")
def pg():
    url = postgres_url()
    e = PostgresEngine(url)
    import psycopg

    con = psycopg.connect(url, autocommit=True)
    yield e, con
    con.close()
    e.close()


def _diff(a, b):
    import difflib

    return "\n".join(difflib.unified_diff([repr(x) for x in a.table()], [repr(x) for x in b.table()], lineterm=""))


SETTINGS = settings(max_examples=int(os.environ.get("KPIRULES_RECORDS_EXAMPLES", "40")), deadline=None,
                    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])


@SETTINGS
@given(rows=st.lists(row, max_size=40), metrics=metric_sets(), scheme=schemes, kind=kinds,
       years=st.sampled_from([None, (2020, 2020), (2019, 2021)]), resolve=st.sampled_from([None, RESOLVE]))
def test_python_duckdb_postgres_agree(tmp_path_factory, duck, pg, rows, metrics, scheme, kind, years, resolve):
    d = tmp_path_factory.mktemp("rec")
    src = write_csv(str(d / "r.csv"), list(COLUMNS), rows)
    args = dict(kind=kind, scheme=scheme, years=years, resolve=resolve)
    a = count_records([DS], metrics, {"dossiers": src}, engine="python", **args)
    b = count_records([DS], metrics, {"dossiers": src}, engine=duck, **args)
    assert a.table() == b.table(), _diff(a, b)
    assert a.stats == b.stats
    engine, con = pg
    table = "t_" + uuid.uuid4().hex[:8]
    pg_table(con, table, COLUMNS, rows)
    try:
        c = count_records([DS], metrics, {"dossiers": table}, engine=engine, **args)
    finally:
        with con.cursor() as cur:
            cur.execute(f'DROP TABLE "{table}"')
    assert a.table() == c.table(), _diff(a, c)
    assert a.stats == c.stats


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(rows=st.lists(row, min_size=1, max_size=30), metrics=metric_sets())
def test_jsonl_reads_as_csv(tmp_path_factory, duck, rows, metrics):
    d = tmp_path_factory.mktemp("rec")
    a = count_records([DS], metrics, {"dossiers": write_csv(str(d / "r.csv"), list(COLUMNS), rows)},
                      engine="python", years=(2020, 2020))
    for engine in ("python", duck):
        b = count_records([DS], metrics, {"dossiers": write_jsonl(str(d / "r.jsonl"), list(COLUMNS), rows)},
                          engine=engine, years=(2020, 2020))
        assert a.table() == b.table(), _diff(a, b)


def fixed_set(seed=18, n=400):
    rnd = random.Random(seed)
    out = []
    for i in range(n):
        def pick(xs, p=0.1):
            return None if rnd.random() < p else rnd.choice(xs)
        out.append({
            "id": f"HS{i:05d}",
            "received_on": pick(EDGE_DATES),
            "resolved_on": pick(EDGE_DATES),
            "due_on": pick(EDGE_DATES),
            "channel": pick(["online", "trực tuyến", "một cửa", "offline", ""]),
            "level": pick([1, 2, 3, 4]),
            "unit_code": pick(["A", "Sở Tư pháp", "Văn phòng Bộ"]),
            "days": pick([decimal.Decimal(rnd.randint(-500, 5000)) / 100]),
        })
    return out


FIXED_METRICS = [
    CountedMetric("all", "count", "dossiers"),
    CountedMetric("online", "count", "dossiers", where=In(Col("channel"), (Lit("online"), Lit("trực tuyến")))),
    CountedMetric("on_time", "count", "dossiers", where=Cmp("<=", Col("resolved_on"), Col("due_on"))),
    CountedMetric("late_or_unknown", "count", "dossiers",
                  where=Or(Not(Cmp("<=", Col("resolved_on"), Col("due_on"))), Missing(Col("due_on")))),
    CountedMetric("high", "count", "dossiers", where=And(Cmp(">=", Col("level"), Lit(3)),
                                                         Cmp("!=", Col("channel"), Lit("một cửa")))),
    CountedMetric("mean_days", "avg", "dossiers", "days"),
    CountedMetric("sum_days", "sum", "dossiers", "days", where=Cmp(">", Col("days"), Lit(0))),
    CountedMetric("first", "min", "dossiers", "received_on"),
    CountedMetric("recent", "count", "dossiers", where=Cmp(">=", Col("received_on"), Lit(D(2020, 6, 15)))),
    CountedMetric("most", "max", "dossiers", "days"),
    CountedMetric("channels", "count distinct", "dossiers", "channel"),
]


def test_spark_agrees_on_a_fixed_set(tmp_path):
    if os.environ.get("CI"):
        import pyspark  # noqa: F401  (under CI the Spark engine must run)
    else:
        pytest.importorskip("pyspark")
    from kpirules.records import SparkEngine

    rows = fixed_set()
    src = write_csv(str(tmp_path / "r.csv"), list(COLUMNS), rows)
    a = count_records([DS], FIXED_METRICS, {"dossiers": src}, engine="python", years=(2019, 2021))
    spark = SparkEngine()
    try:
        spark.spark.sparkContext.setLogLevel("ERROR")
        b = count_records([DS], FIXED_METRICS, {"dossiers": src}, engine=spark, years=(2019, 2021))
        assert a.table() == b.table(), _diff(a, b)
        assert a.stats == b.stats
        # and from a typed table of the session's catalog
        from pyspark.sql import types as T

        schema = T.StructType([T.StructField(c, {"date": T.DateType(), "number": T.DecimalType(12, 2),
                                                 "text": T.StringType()}[t]) for c, t in COLUMNS.items()])
        def typed(c, v):
            return decimal.Decimal(v) if v is not None and COLUMNS[c] == "number" else v

        df = spark.spark.createDataFrame([tuple(typed(c, r[c]) for c in COLUMNS) for r in rows], schema)
        df.createOrReplaceTempView("dossiers_typed")
        c = count_records([DS], FIXED_METRICS, {"dossiers": "spark:dossiers_typed"}, engine=spark,
                          years=(2019, 2021))
        assert a.table() == c.table(), _diff(a, c)
        # and the whole `check` of a plan written as text, on the file and on the typed table
        import kpirules

        plan = kpirules.parse(plan_text(FIXED_METRICS, Scheme(15, 20), Kind.QUARTER, True))
        want = check_json(plan, {"dossiers": src}, "python", src)
        assert {r["status"] for r in want["results"]} >= {"met", "not_met"}
        assert check_json(plan, {"dossiers": src}, spark, src) == want
        assert check_json(plan, {"dossiers": "spark:dossiers_typed"}, spark, "spark:dossiers_typed") == want
        # a table the catalog does not have: an error saying so (exit 2), as on PostgreSQL, not a traceback
        with pytest.raises(KpiDataError, match=r"^Spark table no_such_table_18: no such table$"):
            count_records([DS], FIXED_METRICS, {"dossiers": "spark:no_such_table_18"}, engine=spark, years=(2020, 2020))
    finally:
        spark.close()


def test_postgres_on_the_fixed_set(pg):
    engine, con = pg
    rows = fixed_set()
    pg_table(con, "dossiers_fixed", COLUMNS, rows)
    import tempfile

    with tempfile.TemporaryDirectory() as d:
        src = write_csv(os.path.join(d, "r.csv"), list(COLUMNS), rows)
        a = count_records([DS], FIXED_METRICS, {"dossiers": src}, engine="python", years=(2019, 2021))
    b = count_records([DS], FIXED_METRICS, {"dossiers": "dossiers_fixed"}, engine=engine, years=(2019, 2021))
    assert a.table() == b.table(), _diff(a, b)
    # the same table named by a URL of its own
    c = count_records([DS], FIXED_METRICS, {"dossiers": postgres_url() + "?table=public.dossiers_fixed"},
                      engine=engine, years=(2019, 2021))
    assert a.table() == c.table()


def _queries(plan):
    return [q for q in (plan.validate, plan.summary, plan.main, plan.distinct) if q is not None] + [
        plan.bad_rows(c, 5) for c, _, _ in plan.checks]


@pytest.mark.parametrize("dialect", DIALECTS)
def test_sql_parses_back_in_every_dialect(dialect):
    import sqlglot
    from sqlglot import exp

    w = windows_for(2019, 2021, Kind.QUARTER)
    plan = plan_queries(DS, FIXED_METRICS, exp.Table(this=exp.to_identifier("dossiers", quoted=True)),
                        w.finest, w.all, None, dialect)
    for q in _queries(plan):
        text = q.sql(dialect=dialect, identify=True)
        again = sqlglot.parse_one(text, read=dialect)  # (raises on text the dialect cannot read)
        assert isinstance(again, exp.Select)
        assert {x.this for x in again.find_all(exp.Literal) if x.is_string} >= {
            x.this for x in q.find_all(exp.Literal) if x.is_string}
        assert "FILTER" not in text.upper().replace("FILTERS", "")


EVIL = ['"; DROP TABLE victims; --', "'; DROP TABLE victims; --", "`; DROP TABLE victims; --",
        "\\'; DROP TABLE victims; --"]


@pytest.mark.parametrize("evil", EVIL)
def test_nothing_in_a_plan_runs_sql(tmp_path, pg, evil):
    """Every text a plan gives (dataset, columns, literals, table names) reaches the engine as a quoted
    identifier or a quoted literal: the table ``victims`` survives, and the evil column is just a column."""
    engine, con = pg
    with con.cursor() as cur:
        cur.execute("CREATE TABLE IF NOT EXISTS victims (x int)")
    col = "c" + evil
    ds = Dataset(evil, evil, "d" + evil, "u" + evil)
    ms = [
        CountedMetric("n", "count", evil, where=And(Cmp("==", Col(col), Lit(evil)),
                                                   In(Col(col), (Lit(evil), Lit("x"))))),
        CountedMetric("s", "sum", evil, "v" + evil, where=Not(Missing(Col(col)))),
        CountedMetric("k", "count distinct", evil, col, where=Cmp("!=", Col(col), Lit(evil + "2"))),
    ]
    rows = [{"d" + evil: D(2020, 1, 1), "u" + evil: evil, col: evil, "v" + evil: decimal.Decimal(2)},
            {"d" + evil: D(2020, 1, 2), "u" + evil: "x", col: "x", "v" + evil: decimal.Decimal(3)}]
    columns = {"d" + evil: "date", "u" + evil: "text", col: "text", "v" + evil: "number"}
    src = write_csv(str(tmp_path / "evil.csv"), list(columns), rows, quote_all=True)
    a = count_records([ds], ms, {evil: src}, engine="python", years=(2020, 2020))
    b = count_records([ds], ms, {evil: src}, engine="duckdb", years=(2020, 2020))
    table = "t" + evil
    pg_table(con, table, columns, rows)
    c = count_records([ds], ms, {evil: table}, engine=engine, years=(2020, 2020))
    assert a.table() == b.table() == c.table()
    assert ("n", "2020-Q1", None, 1) in [(m, p, u, v) for m, p, u, v in a.table()]
    with con.cursor() as cur:
        cur.execute("SELECT count(*) FROM victims")
        assert cur.fetchone() == (0,)
    # the DuckDB engine too: a file name with quotes is a literal
    odd = tmp_path / ("x" + evil.replace("/", "_") + ".csv")
    odd.write_bytes(open(src, "rb").read())
    d = count_records([ds], ms, {evil: str(odd)}, engine="duckdb", years=(2020, 2020))
    assert d.table() == a.table()
    # and Spark's dialect renders the evil text quoted: it parses back to the same literals
    import sqlglot
    from sqlglot import exp

    w = windows_for(2020, 2020)
    plan = plan_queries(ds, ms, exp.Table(this=exp.to_identifier(table, quoted=True)), w.finest, w.all, None,
                        "spark")
    tree = sqlglot.parse_one(plan.main.sql(dialect="spark", identify=True), read="spark")
    assert {lit.this for lit in tree.find_all(exp.Literal) if lit.is_string} >= {evil}
    assert not list(tree.find_all(exp.Drop))


def _kpi_string(text):
    """``text`` as a string of the rule language (a backslash and a double quote escaped)."""
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def evil_plan(evil):
    """A plan with ``evil`` in every text position the language has: the plan's title and header, a
    declared unit (its name and title), the dataset's and each metric's title, every text literal of a
    filter (``==``, ``!=``, ``in``), the section's and the rule's titles, its lead and its note."""
    e = _kpi_string(evil)
    return f'''plan {e}
  title {e}
  implements {e}
  reporting quarterly cutoff 15 due 20

unit {e} {e}
unit A {_kpi_string(evil + " A")}

dataset dossiers {e}:
  dated by ngay
  unit by dv

metric n {e} = count(dossiers)
metric hits {e} = count(dossiers where kenh == {e} and kenh in ({e}, "x") and kenh != {_kpi_string(evil + "2")})
metric kinds {e} = count distinct(dossiers.kenh where kenh != {e})
metric total {e} = sum(dossiers.so where not (kenh in ({e})))

section S {e}

rule r {e}:
  for each unit: hits >= 1 by 2020
  lead {e}
  note {e}

rule k {e}:
  ratio(hits, n) >= 50% by 2020
'''


@pytest.mark.parametrize("evil", EVIL)
def test_nothing_in_a_plans_text_runs_sql(tmp_path, pg, evil):
    """The plan is text, as a user writes it: ``evil`` in every text position of it (and in the rows, the
    unit names and the table's name) reaches each engine as a quoted literal or identifier. The three
    engines give the same ``check`` JSON, the rows with ``evil`` are counted as such, the table
    ``victims`` keeps its row, and ``kpirules sql`` prints queries that parse back with no other
    statement in them."""
    import kpirules
    from kpirules.engine.records import records_data

    engine, con = pg
    with con.cursor() as cur:
        cur.execute("DROP TABLE IF EXISTS victims")
        cur.execute("CREATE TABLE victims (x int)")
        cur.execute("INSERT INTO victims VALUES (1)")
    text = evil_plan(evil)
    plan = kpirules.parse(text)
    columns = {"ngay": "date", "dv": "text", "kenh": "text", "so": "number"}
    rows = [{"ngay": D(2020, 10, 1), "dv": evil, "kenh": evil, "so": decimal.Decimal(2)},
            {"ngay": D(2020, 10, 2), "dv": evil, "kenh": "x", "so": decimal.Decimal(3)},
            {"ngay": D(2020, 10, 3), "dv": "A", "kenh": "x", "so": decimal.Decimal(5)}]
    src = write_csv(str(tmp_path / "evil.csv"), list(columns), rows, quote_all=True)
    table = "t" + evil
    pg_table(con, table, columns, rows)
    as_of = D(2020, 12, 18)

    def check(sources, eng):
        data = records_data(plan, sources, eng)
        return plan.evaluate(data, as_of).to_json()["results"]

    try:
        a = check({"dossiers": src}, "python")
        b = check({"dossiers": src}, "duckdb")
        c = check({"dossiers": table}, engine)
    finally:
        with con.cursor() as cur:
            cur.execute(sql_identifier_drop(table))
    assert a == b == c
    by = {(r["id"], r["unit"]): r for r in a}
    assert by[("k", None)]["value"] == "1/3"  # one row of three has the evil channel (and is "in" it)
    assert by[("r", evil)]["status"] == "met" and by[("r", "A")]["status"] == "not_met"
    with con.cursor() as cur:
        cur.execute("SELECT count(*) FROM victims")
        assert cur.fetchone() == (1,)
        cur.execute("DROP TABLE victims")  # (as test_nothing_in_a_plan_runs_sql expects to find it: none)
    # the SQL that `kpirules sql` prints for this plan, with the evil table name, in every dialect
    import subprocess
    import sys

    import sqlglot
    from sqlglot import exp

    path = tmp_path / "evil.kpi"
    path.write_text(text, encoding="utf-8")
    for dialect in DIALECTS:
        for extra in ([], ["--text-columns"]):
            p = subprocess.run([sys.executable, "-m", "kpirules", "sql", str(path), "--dialect", dialect,
                                "--records", f"dossiers={table}", *extra], capture_output=True, text=True)
            assert p.returncode == 0, p.stderr
            trees = [t for t in sqlglot.parse(p.stdout, read=dialect) if t is not None]
            assert trees and all(isinstance(t, exp.Select) for t in trees), p.stdout
            strings = {lit.this for t in trees for lit in t.find_all(exp.Literal) if lit.is_string}
            assert evil in strings and evil + "2" in strings
            assert table in {i.this for t in trees for i in t.find_all(exp.Identifier)}


def sql_identifier_drop(table):
    from psycopg import sql

    return sql.SQL("DROP TABLE IF EXISTS {}").format(sql.Identifier(table))


FREQUENCY = {Kind.QUARTER: "quarterly", Kind.MONTH: "monthly", Kind.HALF: "half-yearly", Kind.YEAR: "yearly"}


def plan_text(metrics, scheme, kind, declare_units):
    """A plan (text, as a user writes it) that counts ``metrics`` from DS in ``scheme``'s ``kind`` windows,
    with rules on them: plan-level, per unit, ratios, and on the aggregates that are numbers."""
    from kpirules.records.text import metric_text

    cut = "calendar" if scheme.cutoff == 1 else f"cutoff {scheme.cutoff}"
    due = f" due {scheme.due}" if scheme.due is not None else ""
    lines = ['plan "differential"', f"  reporting {FREQUENCY[kind]} {cut}{due}", ""]
    if declare_units:  # (the units RESOLVE names)
        lines += ["unit A", 'unit STP "Sở Tư pháp"', 'unit VP "Văn phòng Bộ"', ""]
    lines += [f'dataset dossiers "{DS.title}":', f"  dated by {DS.dated_by}", f"  unit by {DS.unit_by}", ""]
    lines += [f"metric {m.name} = {metric_text(m)}" for m in metrics]
    lines.append("")
    for m in metrics:
        if m.agg.value == "count":
            lines += [f"rule p_{m.name}: {m.name} >= 2 by 2020", f"rule u_{m.name}: for each unit: {m.name} >= 1 by 2020"]
            if m.name != "all":
                lines += [f"rule q_{m.name}: ratio({m.name}, all) >= 30% by 2020",
                          f"rule v_{m.name}: for each unit: ratio({m.name}, all) >= 50% by 2020"]
        elif m.column == "days":
            lines += [f"rule p_{m.name}: {m.name} >= 1 by 2020", f"rule u_{m.name}: for each unit: {m.name} <= 10 by 2020"]
        elif m.agg.value == "count distinct":
            lines += [f"rule p_{m.name}: {m.name} >= 2 by 2020", f"rule u_{m.name}: for each unit: {m.name} >= 1 by 2020"]
    return "\n".join(lines) + "\n"


def check_json(plan, sources, engine, where):
    """The results and warnings of ``check --format json`` (``where``: the source's name, replaced by one
    text so that a file and a table compare)."""
    import json

    from kpirules.engine.records import records_data

    data = records_data(plan, sources, engine)
    doc = plan.evaluate(data, D(2021, 1, 10)).to_json()
    text = json.dumps({k: doc[k] for k in ("results", "warnings", "counts") if k in doc}, ensure_ascii=False,
                      sort_keys=True, default=str)
    return json.loads(text.replace(json.dumps(where)[1:-1], "<source>"))


@settings(max_examples=max(5, int(os.environ.get("KPIRULES_RECORDS_EXAMPLES", "40")) // 2), deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(rows=st.lists(row, max_size=40), metrics=metric_sets(),
       # (the schemes a plan can say: every one has a due day after its cut-off)
       scheme=st.sampled_from([Scheme(15, 20), Scheme.calendar(), Scheme(20, 25), Scheme(27, 28)]), kind=kinds,
       declare=st.booleans())
def test_check_json_agrees_on_python_duckdb_postgres(tmp_path_factory, duck, pg, rows, metrics, scheme, kind,
                                                     declare):
    """Not only the metric tables: the whole ``check`` (statuses, values, targets, reasons, warnings) of a
    plan written as text is the same on the three engines."""
    import kpirules

    plan = kpirules.parse(plan_text(metrics, scheme, kind, declare))
    assert plan.scheme == scheme and plan.kind is kind
    d = tmp_path_factory.mktemp("rec")
    src = write_csv(str(d / "r.csv"), list(COLUMNS), rows)
    a = check_json(plan, {"dossiers": src}, "python", src)
    b = check_json(plan, {"dossiers": src}, duck, src)
    assert a == b
    engine, con = pg
    table = "t_" + uuid.uuid4().hex[:8]
    pg_table(con, table, COLUMNS, rows)
    try:
        c = check_json(plan, {"dossiers": table}, engine, table)
    finally:
        with con.cursor() as cur:
            cur.execute(f'DROP TABLE "{table}"')
    assert a == c


# JSON numbers: every engine reads a JSON number with a fraction or an exponent as the shortest
# decimal of its double, then as a text cell (at most 9 places); the same refusal, the same values
JSON_NUMBERS_DS = Dataset("hs", None, "d", None)
JSON_NUMBERS_METRICS = [CountedMetric("s", Agg.SUM, "hs", "phi"), CountedMetric("a", Agg.AVG, "hs", "phi")]


def _json_numbers(tmp_path, cells):
    path = tmp_path / "n.jsonl"
    path.write_text("".join('{"d": "2020-06-01", "phi": %s}\n' % c for c in cells), encoding="utf-8")
    return str(path)


def test_json_numbers_of_more_than_9_places_are_refused_on_every_engine(tmp_path, duck):
    src = _json_numbers(tmp_path, ["12.5", "0.30000000000000004", "1"])
    errors = []
    for engine in ("python", duck):
        with pytest.raises(KpiDataError) as err:
            count_records([JSON_NUMBERS_DS], JSON_NUMBERS_METRICS, {"hs": src}, engine=engine, years=(2020, 2020))
        errors.append(str(err.value))
    assert "at most 9 decimal places" in errors[0] and "line 2 ('0.30000000000000004')" in errors[0]
    assert errors[0] == errors[1]


def test_json_numbers_read_the_same_on_every_engine(tmp_path, duck):
    src = _json_numbers(tmp_path, ["12.50", "1e5", "0.1", "-2.5E-3", "7"])
    a = count_records([JSON_NUMBERS_DS], JSON_NUMBERS_METRICS, {"hs": src}, engine="python", years=(2020, 2020))
    b = count_records([JSON_NUMBERS_DS], JSON_NUMBERS_METRICS, {"hs": src}, engine=duck, years=(2020, 2020))
    assert a.table() == b.table(), _diff(a, b)
    total = decimal.Decimal("12.5") + 100000 + decimal.Decimal("0.1") - decimal.Decimal("0.0025") + 7
    assert ("s", "2020", None, Fraction(total)) in a.table()

"""Dates in records as exports write them (issue 18 item 1, LANGUAGE.md "Dates in data may be
YYYY-MM-DD or dd/mm/yyyy"): a text date cell written day first (``18/12/2020``, ``1/2/2020``) is the
same day on every engine (Python, DuckDB, PostgreSQL, Spark), and a cell that is neither form, or
names a day that does not exist, is an error naming the column and the row on every engine."""

from __future__ import annotations

import datetime
import os
import uuid

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kpirules.errors import KpiDataError
from kpirules.records import Cmp, Col, CountedMetric, Dataset, DuckDBEngine, Lit, PostgresEngine, count_records

from records_support import pg_table, postgres_url, write_csv

D = datetime.date
DS = Dataset("d", None, "ngay", "dv")
METRICS = [
    CountedMetric("n", "count", "d"),
    CountedMetric("late", "count", "d", where=Cmp(">", Col("ngay"), Col("han"))),
    CountedMetric("after", "count", "d", where=Cmp(">=", Col("han"), Lit(D(2020, 3, 15)))),
    CountedMetric("first_due", "min", "d", "han"),
    CountedMetric("last_due", "max", "d", "han"),
]
COLUMNS = ["ngay", "han", "dv"]
# the days where windows turn, 29 February, the ends of months of 30 and 31 days
EDGES = [D(2019, 12, 14), D(2019, 12, 15), D(2020, 2, 29), D(2020, 3, 14), D(2020, 3, 15), D(2020, 4, 30),
         D(2020, 12, 31), D(2020, 1, 1), D(2021, 2, 28)]
days = st.one_of(st.sampled_from(EDGES), st.dates(D(2019, 12, 1), D(2021, 3, 31)))


def spellings(d: datetime.date) -> list[str]:
    """The ways an export writes one day: ISO, day first with and without leading zeros."""
    return [d.isoformat(), f"{d.day:02}/{d.month:02}/{d.year}", f"{d.day}/{d.month}/{d.year}",
            f"{d.day}/{d.month:02}/{d.year}"]


cell = st.one_of(st.just(""), days.flatmap(lambda d: st.sampled_from(spellings(d)).map(lambda t: (d, t))))
rows = st.lists(st.fixed_dictionaries({"ngay": cell, "han": cell, "dv": st.sampled_from(["A", "B", ""])}),
                max_size=25)


def as_written(rs, iso: bool):
    """The rows with each date cell as written (``iso``: all in YYYY-MM-DD instead)."""
    def one(v):
        if v == "":
            return ""
        return v[0].isoformat() if iso else v[1]
    return [{"ngay": one(r["ngay"]), "han": one(r["han"]), "dv": r["dv"]} for r in rs]


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


def _pg_count(pg, written, years):
    engine, con = pg
    table = "dates_" + uuid.uuid4().hex[:8]
    pg_table(con, table, {"ngay": "text", "han": "text", "dv": "text"}, written)
    try:
        return count_records([DS], METRICS, {"d": table}, engine=engine, years=years)
    finally:
        with con.cursor() as cur:
            cur.execute(f'DROP TABLE "{table}"')


@settings(max_examples=int(os.environ.get("KPIRULES_RECORDS_EXAMPLES", "30")), deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(rs=rows, years=st.sampled_from([None, (2020, 2020)]))
def test_a_day_first_date_is_the_same_day_on_every_engine(tmp_path_factory, duck, pg, rs, years):
    d = tmp_path_factory.mktemp("dates")
    iso = write_csv(str(d / "iso.csv"), COLUMNS, as_written(rs, iso=True))
    mixed = write_csv(str(d / "mixed.csv"), COLUMNS, as_written(rs, iso=False))
    want = count_records([DS], METRICS, {"d": iso}, engine="python", years=years)
    for engine in ("python", duck):
        got = count_records([DS], METRICS, {"d": mixed}, engine=engine, years=years)
        assert got.table() == want.table(), engine
        assert got.stats == want.stats
    got = _pg_count(pg, as_written(rs, iso=False), years)
    assert got.table() == want.table()
    assert got.stats == want.stats


#: cells that are not dates: neither form, or a day that does not exist
NOT_DATES = ["31/02/2020", "29/02/2019", "2020-02-30", "31/04/2020", "1/13/2020", "0/1/2020", "12/2020",
             "2020/01/05", "001/02/2020", " 01/02/2020", "01/02/20", "1-2-2020", "2020-1-5", "10.06.2020"]


def _bad_rows(n_good=3):
    out = [{"ngay": "15/01/2020", "han": "2020-01-20", "dv": "A"} for _ in range(n_good)]
    out += [{"ngay": "2020-01-15", "han": bad, "dv": "B"} for bad in NOT_DATES]
    return out


def _assert_names_the_bad_cells(message: str, first_row: int, word: str = "line"):
    assert "column 'han'" in message and "must hold dates (YYYY-MM-DD or dd/mm/yyyy)" in message, message
    assert f"{len(NOT_DATES)} rows are not" in message, message
    for i, bad in enumerate(NOT_DATES[:5]):
        assert f"{word} {first_row + i} ({bad!r})" in message, message
    assert f"and {len(NOT_DATES) - 5} more" in message, message


@pytest.mark.parametrize("years", [None, (2020, 2020)])
def test_cells_that_are_not_dates_are_named_on_every_engine(tmp_path, duck, pg, years):
    rs = _bad_rows()
    src = write_csv(str(tmp_path / "bad.csv"), COLUMNS, rs)
    for engine in ("python", duck):
        with pytest.raises(KpiDataError) as e:
            count_records([DS], METRICS, {"d": src}, engine=engine, years=years)
        _assert_names_the_bad_cells(str(e.value), first_row=5)  # (line 1 is the header)
    with pytest.raises(KpiDataError) as e:
        _pg_count(pg, rs, years)
    _assert_names_the_bad_cells(str(e.value), first_row=4, word="row")  # (the table's rows, from 1)


def test_spark_reads_day_first_dates_and_names_bad_ones(tmp_path):
    if os.environ.get("CI"):
        import pyspark  # noqa: F401  (under CI the Spark engine must run)
    else:
        pytest.importorskip("pyspark")
    from kpirules.records import SparkEngine

    import random

    rnd = random.Random(676)
    rs = [{"ngay": (EDGES[i % len(EDGES)], rnd.choice(spellings(EDGES[i % len(EDGES)]))),
           "han": (EDGES[(i * 7) % len(EDGES)], rnd.choice(spellings(EDGES[(i * 7) % len(EDGES)]))),
           "dv": rnd.choice(["A", "B", ""])} for i in range(60)]
    iso = write_csv(str(tmp_path / "iso.csv"), COLUMNS, as_written(rs, iso=True))
    mixed = write_csv(str(tmp_path / "mixed.csv"), COLUMNS, as_written(rs, iso=False))
    bad = write_csv(str(tmp_path / "bad.csv"), COLUMNS, _bad_rows())
    want = count_records([DS], METRICS, {"d": iso}, engine="python", years=(2019, 2021))
    spark = SparkEngine()
    try:
        spark.spark.sparkContext.setLogLevel("ERROR")
        got = count_records([DS], METRICS, {"d": mixed}, engine=spark, years=(2019, 2021))
        assert got.table() == want.table()
        assert got.stats == want.stats
        with pytest.raises(KpiDataError) as e:
            count_records([DS], METRICS, {"d": bad}, engine=spark, years=(2019, 2021))
        _assert_names_the_bad_cells(str(e.value), first_row=5)  # (line 1 is the header)
    finally:
        spark.close()

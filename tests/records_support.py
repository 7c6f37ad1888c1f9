"""Helpers of the records tests: writing generated rows to each engine's kind of source."""

from __future__ import annotations

import csv
import datetime
import decimal
import json
import os
from collections.abc import Sequence
from typing import Any

import pytest

#: the URL of a PostgreSQL server the tests may use (.ci/run starts one and sets it)
POSTGRES_URL = os.environ.get("KPIRULES_TEST_POSTGRES")


def postgres_url() -> str:
    """The test server's URL; skips without one, except under CI, where a missing server is a failure."""
    if POSTGRES_URL:
        return POSTGRES_URL
    if os.environ.get("CI"):
        pytest.fail("CI is set but KPIRULES_TEST_POSTGRES is not: .ci/run must start PostgreSQL")
    pytest.skip("no PostgreSQL server (set KPIRULES_TEST_POSTGRES=postgresql://…)")


def spark_engine() -> Any:
    """A Spark engine on a local session, its logs off; skips without pyspark, except under CI, where the
    Spark engine must run."""
    if os.environ.get("CI"):
        import pyspark  # noqa: F401  (under CI the Spark engine must run)
    else:
        pytest.importorskip("pyspark")
    from kpirules.records import SparkEngine

    engine = SparkEngine()
    engine.spark.sparkContext.setLogLevel("OFF")
    return engine


def cell_text(v: Any) -> str:
    if v is None:
        return ""
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, datetime.date):
        return v.isoformat()
    return str(v)


def write_csv(path: str, columns: Sequence[str], rows: Sequence[dict[str, Any]], delimiter: str = ",",
              quote_all: bool = False) -> str:
    with open(path, "w", encoding="utf-8", newline="") as f:
        w = csv.writer(f, delimiter=delimiter, quoting=csv.QUOTE_ALL if quote_all else csv.QUOTE_MINIMAL)
        w.writerow(columns)
        for r in rows:
            w.writerow([cell_text(r.get(c)) for c in columns])
    return path


def write_jsonl(path: str, columns: Sequence[str], rows: Sequence[dict[str, Any]]) -> str:
    def enc(v: Any) -> Any:
        if isinstance(v, datetime.date):
            return v.isoformat()
        if isinstance(v, decimal.Decimal):
            return float(v) if False else str(v)  # (as text: JSON numbers would pass through float)
        return v

    with open(path, "w", encoding="utf-8") as f:
        for r in rows:
            f.write(json.dumps({c: enc(r.get(c)) for c in columns if c in r}, ensure_ascii=False) + "\n")
    return path


PG_TYPES = {"date": "DATE", "number": "NUMERIC", "text": "TEXT", "bool": "BOOLEAN", "int": "BIGINT"}


def pg_table(con: Any, name: str, columns: dict[str, str], rows: Sequence[dict[str, Any]]) -> None:
    """Create table ``name`` (dropped first) with ``columns`` {name: date|number|text|bool|int} and fill it."""
    from psycopg import sql

    with con.cursor() as cur:
        cur.execute(sql.SQL("DROP TABLE IF EXISTS {}").format(sql.Identifier(name)))
        cur.execute(sql.SQL("CREATE TABLE {} ({})").format(
            sql.Identifier(name),
            sql.SQL(", ").join(sql.SQL("{} {}").format(sql.Identifier(c), sql.SQL(PG_TYPES[t]))
                               for c, t in columns.items())))
        if rows:
            cols = list(columns)
            cur.executemany(
                sql.SQL("INSERT INTO {} ({}) VALUES ({})").format(
                    sql.Identifier(name), sql.SQL(", ").join(map(sql.Identifier, cols)),
                    sql.SQL(", ").join(sql.Placeholder() * len(cols))),
                [[r.get(c) for c in cols] for r in rows])

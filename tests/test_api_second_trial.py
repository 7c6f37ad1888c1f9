"""The second new-user trial of the library API (issue 22): what it found, each pinned.

(Item 1, the speed of the in-memory constructors, is tests/test_objects_quick.py and bench/objects.py; item 5,
`report -o -`, tests/test_report_dash.py.)
"""

from __future__ import annotations

import sqlite3
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

import kpirules
from kpirules import KpiDataError, KpiError

ROOT = Path(__file__).resolve().parents[1]
KEY = kpirules.parse_period("2020-Q4").key


def _cursor(rows: list[tuple[Any, ...]]) -> sqlite3.Cursor:
    con = sqlite3.connect(":memory:")
    con.execute("CREATE TABLE t (period TEXT, unit TEXT, metric TEXT, value)")
    con.executemany("INSERT INTO t VALUES (?, ?, ?, ?)", rows)
    return con.execute("SELECT period, unit, metric, value FROM t")


# --- item 2: a cursor whose rows were fetched before, or that holds no result, is an error naming the cause ----


def test_a_cursor_whose_rows_were_fetched_is_an_error_not_an_empty_data() -> None:
    cur = _cursor([("2020-Q4", "BNV", "a", 1)])
    assert len(cur.fetchall()) == 1
    with pytest.raises(KpiDataError) as info:
        kpirules.data_from_cursor(cur)
    (d,) = info.value.diagnostics
    assert d.message.startswith("<cursor>: the cursor has no rows left: its rows were fetched before")
    assert "execute the query again" in d.message


def test_a_query_of_no_rows_is_refused_as_a_data_file_with_only_its_header() -> None:
    with pytest.raises(KpiDataError) as info:
        kpirules.data_from_cursor(_cursor([]))
    assert "or its query returned none" in str(info.value)
    assert "as a data file with only its header" in str(info.value)
    with pytest.raises(KpiDataError, match="holds no snapshot"):  # (what load_data says of such a file)
        kpirules.load_data(_header_only())


def _header_only() -> str:
    import tempfile

    f = tempfile.NamedTemporaryFile("w", suffix=".csv", delete=False, encoding="utf-8")
    f.write("period,unit,metric,value\n")
    f.close()
    return f.name


class _Driver:
    """A cursor of a driver that says how many rows its query gave and how many were fetched (psycopg does)."""

    description = [("period",), ("unit",), ("metric",), ("value",)]

    def __init__(self, rows: list[tuple[Any, ...]], fetched: int = 0, tells: bool = True) -> None:
        self.rows, self.at, self.rowcount, self.tells = rows, fetched, len(rows), tells

    @property
    def rownumber(self) -> int | None:  # (None: a driver that keeps rowcount but not this extension)
        return self.at if self.tells else None

    def fetchmany(self, size: int = 1) -> list[tuple[Any, ...]]:
        got = self.rows[self.at:self.at + size]
        self.at += len(got)
        return got


def test_a_driver_that_counts_its_rows_is_told_exactly() -> None:
    rows = [("2020-Q4", "BNV", "a", 1), ("2020-Q4", "BNV", "b", 2), ("2020-Q4", "BTC", "a", 3)]
    data = kpirules.data_from_cursor(_Driver(rows))  # type: ignore[arg-type]
    assert data.snapshots[(KEY, "BTC")] == {"a": 3}
    with pytest.raises(KpiDataError) as info:
        kpirules.data_from_cursor(_Driver(rows, fetched=1))  # type: ignore[arg-type]
    assert info.value.diagnostics[0].message == (
        "<cursor>: 1 row of the cursor was fetched before (cursor.rownumber is 1): kpirules reads a query's "
        "rows from the first, and the Data would lack it; execute the query again and give the cursor before "
        "fetching any row")
    with pytest.raises(KpiDataError, match=r"the cursor has no rows left: its query gave 3 rows \(cursor.rowcount\), "
                                           "all fetched before"):
        kpirules.data_from_cursor(_Driver(rows, fetched=3, tells=False))  # type: ignore[arg-type]
    with pytest.raises(KpiDataError, match=r"its query returned no rows \(cursor.rowcount is 0\)"):
        kpirules.data_from_cursor(_Driver([]))  # type: ignore[arg-type]


def test_a_cursor_with_no_result_names_its_description() -> None:
    con = sqlite3.connect(":memory:")
    with pytest.raises(KpiDataError) as info:
        kpirules.data_from_cursor(con.cursor())
    assert "cursor.description is None" in str(info.value) and "execute with a SELECT" in str(info.value)
    with pytest.raises(KpiDataError, match="cursor.description is None"):  # (a statement that gives no rows)
        kpirules.data_from_cursor(con.execute("CREATE TABLE t (x)"))


# --- item 3: what is no cursor is named, and a list is pointed to data_from_rows ---------------------------------


@pytest.mark.parametrize(("given", "named"), [
    ([("2020-Q4", "BNV", "a", 1)], "list"),
    ((), "tuple"),
    (None, "None"),
    (sqlite3.connect(":memory:"), "sqlite3.Connection"),
])
def test_what_is_no_cursor_is_named_by_its_type(given: Any, named: str) -> None:
    with pytest.raises(KpiDataError) as info:
        kpirules.data_from_cursor(given)
    message = info.value.diagnostics[0].message
    assert message.startswith(f"<cursor>: expected a DB-API cursor after execute (with description and "
                              f"fetchmany), not {named}")
    assert "kpirules.data_from_rows" in message and "SELECT first" not in message


# --- item 4: a Decimal NaN is a missing value, as a float NaN is ----------------------------------------------------


@pytest.mark.parametrize("nan", [float("nan"), Decimal("NaN"), Decimal("-NaN")], ids=repr)
def test_a_nan_is_a_missing_value_whatever_its_type(nan: Any) -> None:
    rows = [("2020-Q4", "BNV", "a", 1), ("2020-Q4", "BNV", "b", nan)]
    for data in (kpirules.data_from_rows(rows),
                 kpirules.data_from_snapshots([{"period": "2020-Q4", "unit": "BNV", "values": {"a": 1, "b": nan}}])):
        assert data.snapshots[(KEY, "BNV")] == {"a": 1}


def test_a_signalling_nan_and_an_infinity_are_refused_with_their_row() -> None:
    for bad, said in ((Decimal("sNaN"), "Decimal('sNaN') is not a number"),
                      (Decimal("Infinity"), "Decimal('Infinity') is not a number")):
        with pytest.raises(KpiDataError) as info:
            kpirules.data_from_rows([("2020-Q4", "BNV", "a", 1), ("2020-Q4", "BNV", "b", bad)])
        assert info.value.diagnostics[0].message.startswith(f"<rows>: column value (row 1): {said}")


# --- item 6: load_data of no path ---------------------------------------------------------------------------------


@pytest.mark.parametrize("empty", [[], (), iter([])], ids=["list", "tuple", "iterator"])
def test_load_data_of_no_path_is_an_error(empty: Any) -> None:
    with pytest.raises(KpiDataError) as info:
        kpirules.load_data(empty)
    assert info.value.diagnostics[0].message == ("load_data: no data file was given (an empty list of paths); give a path or a "
                               "list of paths")
    plan = kpirules.load(str(ROOT / "rules" / "nq17_bkhcn.kpi"))
    with pytest.raises(KpiError, match="no data file was given"):
        plan.evaluate([], "2021-01-10")

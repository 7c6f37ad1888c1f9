"""Issue 22: the library API as a new user met it: bounded errors from Python data, cursors that fail
or were read before, empty in-memory data, event ids, and the wording of a few errors."""

from __future__ import annotations

import datetime
import json
import sqlite3
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import kpirules
from kpirules.data.model import MAX_PER_KIND
from kpirules.errors import KpiDataError

KEY = kpirules.parse_period("2020-Q4").key


# --- item 1: the problems of in-memory data are bounded as a file's are ------------------------------------------


def _messages(err: KpiDataError) -> list[str]:
    return [d.message for d in err.diagnostics]


@given(st.integers(min_value=0, max_value=120))
@settings(max_examples=25, deadline=None)
def test_float_rows_give_the_first_20_and_a_count(n: int) -> None:
    rows = [("2020-Q4", f"U{i}", "m", i + 0.5) for i in range(n)]
    if n == 0:
        return
    with pytest.raises(KpiDataError) as info:
        kpirules.data_from_rows(rows)
    said = _messages(info.value)
    listed = min(n, MAX_PER_KIND)
    assert len(said) == listed + (n > MAX_PER_KIND)
    assert all("is a float" in m for m in said[:listed])
    if n > MAX_PER_KIND:
        assert said[-1] == f"<rows>: … and {n - MAX_PER_KIND:,} more like this"


def test_a_frame_of_300000_floats_gives_a_short_error() -> None:
    pd = pytest.importorskip("pandas")
    frame = pd.DataFrame({"period": ["2020-Q4"] * 300_000, "unit": [f"U{i}" for i in range(300_000)],
                          "metric": "m", "value": [i + 0.5 for i in range(300_000)]})
    with pytest.raises(KpiDataError) as info:
        kpirules.data_from_frame(frame)
    said = _messages(info.value)
    assert len(said) == MAX_PER_KIND + 1 and said[-1] == "<frame>: … and 299,980 more like this"
    assert len(str(info.value)) < 10_000


def test_each_kind_is_listed_and_counted_apart() -> None:
    rows: list[Any] = [("2020-Q4", "U", "m", 1)] + [("2020-Q4", "U", "m", i) for i in range(2, 32)]
    rows += [("2020-Q4", f"U{i}", "m", 0.5) for i in range(25)]
    with pytest.raises(KpiDataError) as info:
        kpirules.data_from_rows(rows)
    said = _messages(info.value)
    assert said.count("<rows>: … and 5 more like this") == 1  # (the floats: 25)
    assert said.count("<rows>: … and 10 more like this") == 1  # (the values given twice: 30)
    assert len(said) == 2 * MAX_PER_KIND + 2


def test_task_rows_events_and_snapshots_are_bounded() -> None:
    with pytest.raises(KpiDataError) as info:
        kpirules.data_from_task_rows([{"task": "T1", "status": "bogus", "date": "2020-01-01"}] * 100)
    assert _messages(info.value)[-1] == "<task rows>: … and 80 more like this"
    with pytest.raises(KpiDataError) as info:
        kpirules.data_from_events([{"event": "E", "date": "soon"}] * 50)
    assert _messages(info.value)[-1] == "<events>: … and 30 more like this"
    with pytest.raises(KpiDataError) as info:
        kpirules.data_from_snapshots([{"period": "2020-Q9", "values": {}}] * 100)
    assert _messages(info.value)[-1] == "<snapshots>: … and 80 more like this"
    assert len(info.value.diagnostics) == MAX_PER_KIND + 1


# --- item 2 and 3: a cursor that fails, or was read before -------------------------------------------------------


def _sqlite() -> sqlite3.Connection:
    con = sqlite3.connect(":memory:")
    con.execute("create table v (period text, unit text, metric text, value integer)")
    con.executemany("insert into v values (?, ?, ?, ?)", [("2020-Q4", f"U{i}", "m", i) for i in range(5)])
    return con


def test_a_closed_cursor_is_a_kpi_data_error_quoting_the_driver() -> None:
    cursor = _sqlite().execute("select period, unit, metric, value from v")
    cursor.close()
    with pytest.raises(KpiDataError) as info:
        kpirules.data_from_cursor(cursor)
    assert str(info.value) == ("<cursor>: the cursor could not be read (cursor.fetchmany): "
                               "sqlite3.ProgrammingError: Cannot operate on a closed cursor.")


class _Failing:
    """A cursor whose description, or whose second batch, raises (a connection lost mid-query)."""

    def __init__(self, where: str) -> None:
        self.where, self.batches = where, 0

    @property
    def description(self) -> list[tuple[str]]:
        if self.where == "description":
            raise OSError("server closed the connection unexpectedly")
        return [("period",), ("unit",), ("metric",), ("value",)]

    def fetchmany(self, size: int = 1) -> list[tuple[Any, ...]]:
        self.batches += 1
        if self.batches > 1:
            raise RuntimeError("connection lost")
        return [("2020-Q4", "U", "m", 1)]


@pytest.mark.parametrize(("where", "said"), [
    ("description", "(cursor.description): OSError: server closed the connection unexpectedly"),
    ("fetch", "(cursor.fetchmany): RuntimeError: connection lost"),
])
def test_whatever_the_cursor_raises_is_a_kpi_data_error(where: str, said: str) -> None:
    with pytest.raises(KpiDataError) as info:
        kpirules.data_from_cursor(_Failing(where))  # type: ignore[arg-type]
    assert str(info.value) == f"<cursor>: the cursor could not be read {said}"


class _Counting:
    """A driver that keeps rowcount (the rows its query gave) but not rownumber."""

    description = [("period",), ("unit",), ("metric",), ("value",)]

    def __init__(self, rows: list[tuple[Any, ...]], fetched: int) -> None:
        self.rows, self.at, self.rowcount = rows, fetched, len(rows)

    def fetchmany(self, size: int = 1) -> list[tuple[Any, ...]]:
        got = self.rows[self.at:self.at + size]
        self.at += len(got)
        return got


@pytest.mark.parametrize("fetched", [1, 2, 1499])
def test_a_partly_read_cursor_is_refused_where_rowcount_tells(fetched: int) -> None:
    rows = [("2020-Q4", f"U{i}", "m", i) for i in range(1500)]
    assert kpirules.data_from_cursor(_Counting(rows, 0)).snapshots[(KEY, "U0")] == {"m": 0}  # type: ignore[arg-type]
    with pytest.raises(KpiDataError) as info:
        kpirules.data_from_cursor(_Counting(rows, fetched))  # type: ignore[arg-type]
    many = fetched > 1
    assert str(info.value) == (
        f"<cursor>: {fetched:,} row{'s' if many else ''} of the cursor {'were' if many else 'was'} fetched before "
        f"(cursor.rowcount is 1,500, and {1500 - fetched:,} were left): kpirules reads a query's rows from the "
        f"first, and the Data would lack {'them' if many else 'it'}; execute the query again and give the cursor "
        "before fetching any row")


# --- item 5: empty in-memory data is refused, as an empty file is ------------------------------------------------


@pytest.mark.parametrize(("make", "said"), [
    (lambda: kpirules.data_from_rows([]), "<rows>: no row was given"),
    (lambda: kpirules.data_from_snapshots([]), "<snapshots>: no snapshot, task row or event was given"),
    (lambda: kpirules.data_from_task_rows([]), "<task rows>: no task row was given"),
    (lambda: kpirules.data_from_events([]), "<events>: no event was given"),
])
def test_empty_in_memory_data_is_refused(make: Any, said: str) -> None:
    with pytest.raises(KpiDataError) as info:
        make()
    assert str(info.value) == (f"{said}: there is nothing to check a plan on (as a data file holding no snapshot, "
                               "no task row and no event is refused)")
    assert "file" not in str(info.value).split("(")[0]


def test_an_empty_frame_is_refused() -> None:
    pd = pytest.importorskip("pandas")
    with pytest.raises(KpiDataError, match="^<frame>: no row was given: there is nothing to check a plan on"):
        kpirules.data_from_frame(pd.DataFrame({"period": [], "unit": [], "metric": [], "value": []}))


def test_rows_of_missing_values_are_no_empty_data() -> None:
    data = kpirules.data_from_rows([("2020-Q4", "U", "m", None)])  # (a report sent blank: as a CSV row with no value)
    assert data.has_snapshot(KEY, "U")


def test_check_data_of_empty_in_memory_data_says_data_not_file() -> None:
    plan = kpirules.load("rules/nq17_national.kpi")
    empty = kpirules.Data()
    empty.files.append("<rows>")
    with pytest.raises(KpiDataError) as info:
        plan.check_data(empty)
    assert str(info.value) == ("<rows>: the data holds no snapshot, no task row and no event: "
                               "there is nothing to check a plan on")


# --- item 6: an event's id is text ----------------------------------------------------------------------------


@pytest.mark.parametrize("event", [5, True, datetime.date(2020, 5, 15)])
def test_an_event_id_that_is_no_text_is_refused(event: Any) -> None:
    with pytest.raises(KpiDataError) as info:
        kpirules.data_from_events([{"event": event, "date": "2020-01-01"}])
    assert str(info.value).endswith("<events>: $[0].event: expected the event's id, as the plan declares it "
                                    "(`event ND138 …`)")
    assert kpirules.data_from_events([{"event": "ND138", "date": "2020-01-01"}]).events[0].event == "ND138"


# --- item 8: wording ---------------------------------------------------------------------------------------------


def test_bytes_given_to_load_data_are_no_path() -> None:
    with pytest.raises(KpiDataError) as info:
        kpirules.load_data(b"period,unit\n")  # type: ignore[arg-type]
    assert str(info.value).startswith("load_data reads files: bytes are no path; a file's contents held in memory "
                                      "(an upload) go in with kpirules.data.parse_csv_data(")


def test_a_json_number_past_the_limits_is_valid_json(tmp_path: Path) -> None:
    f = tmp_path / "big.json"
    f.write_text(json.dumps({"snapshots": []})[:-2] + '[{"period": "2020", "values": {"m": 1e401}}]}')
    with pytest.raises(KpiDataError) as info:
        kpirules.load_data(f)
    message = info.value.diagnostics[0].message
    assert message == ("valid JSON, but beyond what kpirules reads: the exponent of 1e401 is too large "
                       "(more than 400)")
    assert "not valid JSON" not in str(info.value)


def test_a_metric_key_that_is_no_text_says_so() -> None:
    with pytest.raises(KpiDataError) as info:
        kpirules.data_from_snapshots([{"period": "2020-Q4", "values": {1: 2}}])
    assert str(info.value) == ("error: <snapshots>: $.snapshots[0].values.1: a metric's name is text (a key of a "
                               "JSON object is), not int 1")


def test_an_int_period_of_a_row_is_the_year_as_a_csv_cell_is() -> None:
    year = kpirules.parse_period("2020")
    assert kpirules.data_from_rows([(2020, "U", "m", 1)]).value("m", year.key, "U") == 1

"""Data from Python objects and results out as records and frames (issue 22).

The shipped plan evaluated from a list of dicts, rows, a pandas or polars
DataFrame, an Arrow table and a database cursor gives the results the file
gives; bad input gets a KpiDataError naming the row index or key path, never
a TypeError or KeyError.
"""

from __future__ import annotations

import datetime
import json
import sqlite3
from decimal import Decimal
from fractions import Fraction
from pathlib import Path

import pandas as pd
import polars as pl
import pyarrow as pa
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import kpirules
from kpirules import KpiDataError, KpiError
from kpirules.engine.export import FIELDS

ROOT = Path(__file__).resolve().parents[1]
CASES = [("rules/nq17_national.kpi", "examples/nq17_national/data.json", "2020-12-18"),
         ("rules/nq17_bkhcn.kpi", "examples/nq17_bkhcn/data.json", "2021-01-10")]


def _doc(path: str) -> dict:
    return json.loads((ROOT / path).read_text(encoding="utf-8"), parse_float=Decimal)


def _long(doc: dict) -> list[tuple]:
    """The long form of a JSON data file's snapshots: (period, unit, metric, value), a snapshot with no
    value kept as a row with a blank value (as a CSV file keeps it)."""
    rows = []
    for s in doc["snapshots"]:
        values = {m: v for m, v in s.get("values", {}).items() if v is not None}
        if not values:
            rows.append((s["period"], s.get("unit"), "any", None))
        rows.extend((s["period"], s.get("unit"), m, v) for m, v in values.items())
    return rows


def _texts(rows: list[tuple]) -> list[tuple]:
    """The rows with every value as text, as a CSV cell or a text column holds it (a str value in JSON is
    text; such rows are left out of the long forms that read text as cells)."""
    out = []
    for p, u, m, v in rows:
        out.append((p, u, m, None if v is None else "true" if v is True else "false" if v is False else str(v)))
    return out


def _outcome(results: kpirules.Results) -> tuple[list[tuple], dict]:
    """What a check says: each result, and its JSON (that of `kpirules check`: every field of every result, the
    counts and the warnings) but where a warning points (a file's key path, a frame's row) and which files
    were read."""
    doc = results.to_json()
    doc["warnings"] = [{k: v for k, v in w.items() if k != "source"} for w in doc["warnings"]]
    del doc["sources"]
    return [(r.id, r.unit, r.status, r.period, r.value, r.target, r.reason, r.deliveries) for r in results], doc


@pytest.fixture(scope="module", params=CASES, ids=lambda c: c[0])
def case(request):  # type: ignore[no-untyped-def]
    plan_path, data_path, as_of = request.param
    plan = kpirules.load(str(ROOT / plan_path))
    doc = _doc(data_path)
    expected = plan.evaluate(str(ROOT / data_path), as_of)
    return plan, doc, as_of, expected


def test_the_text_values_of_the_doc_read_as_text_in_a_cell(case) -> None:
    """(so the long forms that read a str as a CSV cell hold the values of the file)"""
    from kpirules.data import parse_cell

    _, doc, _, _ = case
    texts = [v for s in doc["snapshots"] for v in s.get("values", {}).values() if isinstance(v, str)]
    assert all(parse_cell(v) == v for v in texts)


def test_a_list_of_dicts_gives_the_results_of_the_file(case) -> None:
    plan, doc, as_of, expected = case
    data = kpirules.data_from_snapshots(doc["snapshots"], doc.get("tasks", ()), doc.get("events", ()))
    got = plan.evaluate(data, as_of)
    assert _outcome(got) == _outcome(expected) and got.counts() == expected.counts()
    assert [(w.code, w.message) for w in got.warnings] == [(w.code, w.message) for w in expected.warnings]
    assert got.to_json()["results"] == expected.to_json()["results"]


def _tasks(doc: dict) -> kpirules.Data:
    if not doc.get("tasks"):
        return kpirules.data_from_events(doc["events"])
    data = kpirules.data_from_task_rows(doc["tasks"])
    if doc.get("events"):
        data.merge(kpirules.data_from_events(doc["events"]))
    return data


def _with_tasks(data: kpirules.Data, doc: dict) -> kpirules.Data:
    if doc.get("tasks") or doc.get("events"):  # (no task row is no Data: data_from_task_rows([]) is refused)
        data.merge(_tasks(doc))
    return data


def test_rows_give_the_results_of_the_file(case) -> None:
    plan, doc, as_of, expected = case
    for rows in (_long(doc), _texts(_long(doc)), [dict(zip(("period", "unit", "metric", "value"), r)) for r in _long(doc)]):
        got = plan.evaluate(_with_tasks(kpirules.data_from_rows(rows), doc), as_of)
        assert _outcome(got) == _outcome(expected)


def _frame(doc: dict) -> pd.DataFrame:
    return pd.DataFrame(_long(doc), columns=["period", "unit", "metric", "value"])


def test_a_pandas_frame_gives_the_results_of_the_file(case) -> None:
    plan, doc, as_of, expected = case
    frame = _frame(doc)  # values: Decimal and int objects
    assert _outcome(plan.evaluate(_with_tasks(kpirules.data_from_frame(frame), doc), as_of)) == _outcome(expected)
    text = pd.DataFrame(_texts(_long(doc)), columns=["Period", "UNIT", "metric", "value"])  # header in any case
    assert _outcome(plan.evaluate(_with_tasks(kpirules.data_from_frame(text), doc), as_of)) == _outcome(expected)


def test_a_polars_frame_and_an_arrow_table_give_the_results_of_the_file(case) -> None:
    plan, doc, as_of, expected = case
    text = _texts(_long(doc))
    columns = {k: [r[i] for r in text] for i, k in enumerate(("period", "unit", "metric", "value"))}
    polars = pl.DataFrame(columns, schema={k: pl.Utf8 for k in columns})
    arrow = pa.table(columns)
    for frame in (polars, arrow, arrow.to_batches()[0]):
        got = plan.evaluate(_with_tasks(kpirules.data_from_frame(frame), doc), as_of)
        assert _outcome(got) == _outcome(expected)
    numbers = [r for r in _long(doc) if not isinstance(r[3], (bool, str))]  # a decimal128 column of the numbers
    exact = pa.table({"period": [r[0] for r in numbers], "unit": [r[1] for r in numbers],
                      "metric": [r[2] for r in numbers],
                      "value": pa.array([None if r[3] is None else Decimal(r[3]) for r in numbers], pa.decimal128(38, 10))})
    data = kpirules.data_from_frame(exact)
    data.merge(kpirules.data_from_rows([r for r in _long(doc) if isinstance(r[3], (bool, str))]))
    assert _outcome(plan.evaluate(_with_tasks(data, doc), as_of)) == _outcome(expected)


def test_a_database_cursor_gives_the_results_of_the_file(case) -> None:
    plan, doc, as_of, expected = case
    con = sqlite3.connect(":memory:")
    con.execute("create table v (period text, unit text, metric text, value text)")
    con.executemany("insert into v values (?, ?, ?, ?)", _texts(_long(doc)))
    con.execute("create table t (task text, status text, done_on text, period text, note text)")
    con.executemany("insert into t values (?, ?, ?, ?, ?)",
                    [(t["task"], t["status"], t.get("done_on") or t.get("date"), t.get("period"), t.get("note"))
                     for t in doc.get("tasks", ())])
    data = kpirules.data_from_cursor(con.execute("select * from v order by rowid"))
    if doc.get("tasks"):  # (a query of no rows is refused, as a data file with only its header)
        data.merge(kpirules.data_from_cursor(con.execute("select * from t")))
    if doc.get("events"):
        con.execute("create table e (event text, date text, note text)")
        con.executemany("insert into e values (?, ?, ?)", [(e["event"], e["date"], e.get("note")) for e in doc["events"]])
        data.merge(kpirules.data_from_cursor(con.execute("select * from e")))
    assert _outcome(plan.evaluate(data, as_of)) == _outcome(expected)


@pytest.mark.parametrize(("plan_path", "data_path", "as_of"), CASES, ids=[c[0] for c in CASES])
def test_the_rollup_from_python_objects_and_frames_is_the_rollup_of_the_file(plan_path: str, data_path: str,
                                                                             as_of: str) -> None:
    """`kpirules check --period all` from a list of dicts, a pandas or polars DataFrame and an Arrow table: every
    period's check is the file's."""
    plan, doc = kpirules.load(str(ROOT / plan_path)), _doc(data_path)
    expected = plan.evaluate_periods(str(ROOT / data_path), None, as_of=as_of)
    text = _texts(_long(doc))
    columns = {k: [r[i] for r in text] for i, k in enumerate(("period", "unit", "metric", "value"))}
    sources = [kpirules.data_from_snapshots(doc["snapshots"], doc.get("tasks", ()), doc.get("events", ())),
               _with_tasks(kpirules.data_from_frame(_frame(doc)), doc),
               _with_tasks(kpirules.data_from_frame(pl.DataFrame(columns, schema={k: pl.Utf8 for k in columns})), doc),
               _with_tasks(kpirules.data_from_frame(pa.table(columns)), doc)]
    assert len(expected) >= 4
    for data in sources:
        got = plan.evaluate_periods(data, None, as_of=as_of)
        assert [c.current for c in got] == [c.current for c in expected]
        assert [_outcome(c) for c in got] == [_outcome(c) for c in expected]


# --- exact numbers and floats ----------------------------------------------------------------------


def test_numbers_are_exact_and_a_float_needs_a_stated_reading() -> None:
    data = kpirules.data_from_rows([("2020-Q4", None, "a", Decimal("0.1")), ("2020-Q4", None, "b", Fraction(1, 3)),
                                    ("2020-Q4", None, "c", "12,5"), ("2020-Q4", None, "d", 7)])
    key = kpirules.parse_period("2020-Q4").key
    assert [data.value(m, key) for m in "abcd"] == [Fraction(1, 10), Fraction(1, 3), Fraction(25, 2), 7]
    with pytest.raises(KpiDataError, match=r"<rows>: column value \(row 0\): 0.1 is a float, which is not exact"):
        kpirules.data_from_rows([("2020-Q4", None, "a", 0.1)])
    shortest = kpirules.data_from_rows([("2020-Q4", None, "a", 0.1)], floats="shortest")
    binary = kpirules.data_from_rows([("2020-Q4", None, "a", 0.1)], floats="binary")
    assert shortest.value("a", key) == Fraction(1, 10) and binary.value("a", key) == Fraction(0.1)
    with pytest.raises(KpiDataError, match="floats='half'"):
        kpirules.data_from_rows([], floats="half")  # type: ignore[arg-type]
    with pytest.raises(KpiDataError, match=r"\$\.snapshots\[0\]\.values\.a: 0.5 is a float"):
        kpirules.data_from_snapshots([{"period": "2020-Q4", "values": {"a": 0.5}}])
    assert kpirules.data_from_snapshots([{"period": "2020-Q4", "values": {"a": 0.5}}], floats="shortest").value("a", key) \
        == Fraction(1, 2)


def test_a_str_value_is_text_in_snapshots_and_a_cell_in_rows() -> None:
    key = kpirules.parse_period("2020-Q4").key
    assert kpirules.data_from_snapshots([{"period": "2020-Q4", "values": {"a": "1234"}}]).value("a", key) == "1234"
    assert kpirules.data_from_rows([("2020-Q4", None, "a", "1234")]).value("a", key) == 1234
    with pytest.raises(KpiDataError, match="'1.234' is ambiguous"):
        kpirules.data_from_rows([("2020-Q4", None, "a", "1.234")])
    assert kpirules.data_from_rows([("2020-Q4", None, "a", "1.234")], number_format="vi").value("a", key) == 1234


def test_events_from_mappings_and_frames() -> None:
    for data in (kpirules.data_from_events([{"event": "ND138", "date": datetime.date(2020, 5, 15)}]),
                 kpirules.data_from_snapshots([], [], [{"event": "ND138", "date": "15/05/2020"}]),
                 kpirules.data_from_frame(pl.DataFrame({"event": ["ND138"], "date": [datetime.date(2020, 5, 15)]}))):
        assert [(e.event, e.date) for e in data.events] == [("ND138", datetime.date(2020, 5, 15))]


def test_missing_values_of_a_frame() -> None:
    frame = pd.DataFrame({"period": ["2020-Q4", "2020-Q4"], "unit": ["A", "B"], "metric": ["m", "m"],
                          "value": [1.5, float("nan")]})
    data = kpirules.data_from_frame(frame, floats="shortest")
    key = kpirules.parse_period("2020-Q4").key
    assert data.value("m", key, "A") == Fraction(3, 2) and data.value("m", key, "B") is None
    assert data.has_snapshot(key, "B")  # a unit with a missing value still reported
    ints = pd.DataFrame({"period": ["2020-Q4"], "metric": ["m"], "value": pd.array([None], dtype="Int64")})
    assert kpirules.data_from_frame(ints).value("m", key) is None


@settings(max_examples=100, deadline=None)
@given(st.decimals(allow_nan=False, allow_infinity=False, places=6, min_value=-10**9, max_value=10**9))
def test_a_decimal_is_read_exactly_whatever_the_form(d: Decimal) -> None:
    key = kpirules.parse_period("2020-Q4").key
    for data in (kpirules.data_from_rows([("2020-Q4", None, "a", d)]),
                 kpirules.data_from_rows([("2020-Q4", None, "a", str(d))], number_format="en"),
                 kpirules.data_from_snapshots([{"period": "2020-Q4", "values": {"a": d}}]),
                 kpirules.data_from_frame(pa.table({"period": ["2020-Q4"], "metric": ["a"], "value": [str(d)]}),
                                          number_format="en")):
        assert data.value("a", key) == Fraction(d)


# --- bad input: KpiDataError naming the place ---------------------------------------------------


@pytest.mark.parametrize(("make", "words"), [
    (lambda: kpirules.data_from_rows([("2020-Q4", None, "a", 1), ("2020-Q4", None, "a", 2)]),
     "<rows>: row 1: a for 2020-Q4 (the plan level) is 2 here but 1 at <rows>: row 0"),
    (lambda: kpirules.data_from_rows([("2020-Q9", None, "a", 1)]), "<rows>: column period (row 0):"),
    (lambda: kpirules.data_from_rows([("2020-Q4", None, "", 1)]), "<rows>: column metric is empty (row 0)"),
    (lambda: kpirules.data_from_rows([("2020-Q4", None, "a")]), "<rows>: row 0: expected 4 items"),
    (lambda: kpirules.data_from_rows([5]), "<rows>: row 0: expected (period, unit, metric, value) or a mapping"),
    (lambda: kpirules.data_from_rows([{"period": "2020-Q4", "metrc": "a", "value": 1}]), "row 0: unknown key 'metrc'"),
    # a mapping lacking a key is refused as a CSV header lacking the column (not read as a missing value)
    (lambda: kpirules.data_from_rows([{"period": "2020-Q4", "metric": "a"}]), "row 0: no key 'value'; a row has"),
    (lambda: kpirules.data_from_rows([{"period": "2020-Q4", "metrc": "a", "value": 1}]),
     "row 0: unknown key 'metrc'; no key 'metric'"),
    (lambda: kpirules.data_from_rows(5), "<rows>: expected a list of rows, not int"),  # type: ignore[arg-type]
    (lambda: kpirules.data_from_rows([("2020-Q4", None, "a", object())]), "column value (row 0): expected a number"),
    (lambda: kpirules.data_from_rows([("2020-Q4", None, "a", datetime.date(2020, 1, 1))]),
     "a date (2020-01-01) is not a metric value"),
    (lambda: kpirules.data_from_rows([("2020-Q4", None, "a", Decimal("sNaN"))]), "Decimal('sNaN') is not a number"),
    (lambda: kpirules.data_from_rows([("2020-Q4", None, "a", float("inf"))], floats="shortest"), "inf is not a number"),
    (lambda: kpirules.data_from_snapshots([{"period": "2020-Q4", "values": {"a": [1]}}]),
     "<snapshots>: $.snapshots[0].values.a: expected a number"),
    (lambda: kpirules.data_from_snapshots([{"period": "2020-Q4", "values": {"a": 1}},
                                           {"period": "Q4/2020", "values": {"a": 2}}]),
     "<snapshots>: $.snapshots[1].values.a: a for 2020-Q4 (the plan level) is 2 here but 1 at <snapshots>: $.snapshots[0].values.a"),
    (lambda: kpirules.data_from_snapshots([{"period": 2020}]), "<snapshots>: $.snapshots[0].period: expected a period label"),
    (lambda: kpirules.data_from_snapshots([{"period": "2020-Q4", "unit": 3}]), "$.snapshots[0].unit: expected a unit name"),
    (lambda: kpirules.data_from_snapshots([{"period": "2020-Q4", "values": [1]}]), "$.snapshots[0].values: expected a mapping"),
    (lambda: kpirules.data_from_snapshots([{"period": "2020-Q4", "vals": {}}]), "$.snapshots[0].vals: unknown key"),
    (lambda: kpirules.data_from_snapshots([{"period": "2020-Q4", "values": {" ": 1}}]), "a metric needs a name"),
    (lambda: kpirules.data_from_snapshots(["x"]), "$.snapshots[0]: expected a mapping"),
    (lambda: kpirules.data_from_snapshots(None), "expected a list of snapshot mappings, not NoneType"),  # type: ignore[arg-type]
    (lambda: kpirules.data_from_snapshots([], [{"task": "1", "status": "done"}]),
     "<snapshots>: $.tasks[0].date: a `done` row needs a date (or the period it delivers)"),
    (lambda: kpirules.data_from_snapshots([], [], [{"event": "ND138"}]),
     "<snapshots>: $.events[0].date: an event needs the date it happened"),
    (lambda: kpirules.data_from_events([{"event": "ND138", "date": "2020-05-15", "by": 1}]),
     "<events>: $[0].by: unknown field"),
    (lambda: kpirules.data_from_events([1]), "<events>: $[0]: expected a mapping {\"event\": …, \"date\": …}"),
    (lambda: kpirules.data_from_frame(pd.DataFrame({"event": ["ND138"], "day": ["2020-05-15"]})),
     "<frame>: there is no column date (the columns are event, day)"),
    (lambda: kpirules.data_from_task_rows([{"task": "1", "status": "finito", "date": "2020-01-01"}]),
     "<task rows>: $[0].status: 'finito' is not a task status"),
    (lambda: kpirules.data_from_task_rows([{"task": "1", "status": "done", "date": "01/13/2020"}]),
     "<task rows>: $[0].date: '01/13/2020' is not a valid date"),
    (lambda: kpirules.data_from_task_rows([{"task": "1", "status": "done", "when": "2020-01-01"}]),
     "<task rows>: $[0].when: unknown field"),
    (lambda: kpirules.data_from_task_rows([3]), "<task rows>: $[0]: expected a mapping"),
    (lambda: kpirules.data_from_frame(pd.DataFrame({"period": ["2020-Q4"], "value": [1]})),
     "<frame>: there is no column metric (the columns are period, value)"),
    (lambda: kpirules.data_from_frame(pd.DataFrame({"period": ["2020-Q4"], "metric": ["a"], "value": [0.5]},
                                                   index=["x"])),
     "<frame>: column value (row 0, index 'x'): 0.5 is a float"),
    (lambda: kpirules.data_from_frame(pl.DataFrame({"period": ["2020-Q4", "2020-Q4"], "metric": ["a", "a"],
                                                    "value": ["1", "2"]})),
     "<frame>: row 1: a for 2020-Q4 (the plan level) is 2 here but 1 at <frame>: row 0"),
    (lambda: kpirules.data_from_frame([["2020-Q4"]]), "<frame>: expected a pandas or polars DataFrame or an Arrow table"),
    (lambda: kpirules.data_from_cursor(sqlite3.connect(":memory:").cursor()), "<cursor>: the cursor has no rows"),
])
def test_bad_input_is_a_kpi_data_error_naming_the_place(make, words: str) -> None:
    with pytest.raises(KpiDataError) as info:
        make()
    assert words in str(info.value)
    assert info.value.diagnostics


@settings(max_examples=200, deadline=None)
@given(st.lists(st.one_of(st.none(), st.integers(), st.text(max_size=5), st.floats(), st.booleans(),
                          st.lists(st.integers(), max_size=2), st.dictionaries(st.text(max_size=2), st.integers(), max_size=2),
                          st.dates(), st.decimals(), st.fractions()), min_size=0, max_size=5), st.integers(0, 2))
def test_any_python_values_give_data_or_a_kpi_error(values: list, form: int) -> None:
    """Never a TypeError, KeyError or any other exception than KpiError."""
    try:
        if form == 0:
            kpirules.data_from_rows([tuple(values)])
        elif form == 1:
            kpirules.data_from_snapshots([dict(zip(("period", "unit", "values", "note", "x"), values))])
        else:
            kpirules.data_from_task_rows([dict(zip(("task", "status", "date", "period", "note"), values))])
    except KpiError:
        pass


# --- results out ---------------------------------------------------------------------------------


def test_records_keep_exact_values(case) -> None:
    plan, doc, as_of, expected = case
    records = expected.to_records()
    assert len(records) == len(expected)
    for rec, r in zip(records, expected):
        assert tuple(rec) == FIELDS
        assert (rec["id"], rec["status"], rec["value"], rec["margin"]) == (r.id, r.status.value, r.value, r.margin)
        assert type(rec["status"]) is str and (rec["deadline"] is None or isinstance(rec["deadline"], datetime.date))
        assert not any(isinstance(v, float) for v in rec.values())
        assert rec["reason"] is None or type(rec["reason"]) is str  # plain text, not the Message it is made from
        assert (rec["reason_code"], rec["reason_args"]) == (r.reason_code, r.reason_args)


def test_frames_write_numbers_as_the_exact_text_of_the_json(case) -> None:
    plan, doc, as_of, expected = case
    results = expected.to_json()["results"]
    pandas, polars, arrow = expected.to_pandas(), expected.to_polars(), expected.to_arrow()
    assert len(pandas) == polars.height == arrow.num_rows == len(expected)
    for column in ("id", "status", "value", "target", "margin", "reason", "reason_code"):
        want = [r.get(column) for r in results]
        assert list(pandas[column]) == polars[column].to_list() == arrow.column(column).to_pylist() == want
    assert list(expected.to_pandas(values="object")["value"]) == [r.value for r in expected]
    assert arrow.schema.field("deadline").type == pa.date32()
    with pytest.raises(KpiError, match="values='float'"):
        expected.to_pandas(values="float")


def test_a_rollup_has_records_and_frames_of_every_period() -> None:
    plan = kpirules.load(str(ROOT / "rules" / "nq17_bkhcn.kpi"))
    rollup = plan.evaluate_periods(str(ROOT / "examples" / "nq17_bkhcn" / "data.json"), ["2020-Q3", "2020-Q4"],
                                   as_of="2021-01-10")
    assert isinstance(rollup, list) and isinstance(rollup, kpirules.Rollup) and len(rollup) == 2
    records = rollup.to_records()
    assert len(records) == sum(len(r) for r in rollup)
    assert {(rec["checked_period"], rec["judged_on"]) for rec in records} == {
        ("2020-Q3", datetime.date(2020, 9, 20)), ("2020-Q4", datetime.date(2020, 12, 20))}
    assert list(rollup.to_pandas().columns[:3]) == ["checked_period", "judged_on", "id"]
    assert rollup.to_polars().height == rollup.to_arrow().num_rows == len(records)
    doc = rollup.to_json()
    assert doc["periods"] == ["2020-Q3", "2020-Q4"] and doc["checks"] == [r.to_json() for r in rollup]
    assert kpirules.Rollup([]).to_records() == []
    with pytest.raises(KpiError, match="no plan or as-of date"):
        kpirules.Rollup([]).to_json()


@pytest.mark.parametrize(("call", "words"), [
    (lambda plan, data: plan.evaluate(5), "load_data reads files: give a path or a list of paths, not 5"),
    (lambda plan, data: plan.evaluate(None), "load_data reads files"),
    (lambda plan, data: kpirules.load_data([None]), "load_data reads files"),
    (lambda plan, data: kpirules.load(5), "load reads a rule file: give its path, not 5"),
    (lambda plan, data: plan.evaluate_periods(data, 5, "2021-01-01"), "periods are Period objects or labels"),
    (lambda plan, data: plan.evaluate_periods(data, [None], "2021-01-01"), "a period is a Period or a label"),
    (lambda plan, data: plan.evaluate(data, "2020-12-18", current=5), "a period is a Period or a label"),
    (lambda plan, data: plan.evaluate(data, 20201218), "as-of date: '20201218' is not a date"),
    (lambda plan, data: kpirules.parse(5), "expected text"),  # type: ignore[arg-type]
])
def test_misuse_of_the_api_is_a_kpi_error(call, words: str) -> None:
    plan = kpirules.load(str(ROOT / "rules" / "nq17_national.kpi"))
    data = kpirules.load_data(str(ROOT / "examples" / "nq17_national" / "data.json"))
    with pytest.raises(KpiError, match=words.replace("(", r"\(").replace(")", r"\)")):
        call(plan, data)


def test_snapshots_from_python_carry_the_day_they_were_sent_as_the_files_do() -> None:
    # a "submitted" key, as in a JSON data file: who reported late is the same from Python
    plan = kpirules.parse('plan "p"\n  reporting quarterly cutoff 15 due 20\nunit A "Đơn vị A"\nunit B "Đơn vị B"\n'
                          'rule r:\n  for each unit: x >= 1\n')
    d = kpirules.data_from_snapshots([
        {"period": "2020-Q4", "unit": "A", "values": {"x": 1}, "submitted": "25/12/2020"},
        {"period": "2020-Q4", "unit": "B", "values": {"x": 1}, "submitted": datetime.date(2020, 12, 18)}])
    late = plan.evaluate(d, "2021-01-05").reporting()["late"]
    assert late == [{"unit": "A", "unit_name": "Đơn vị A", "submitted": "2020-12-25"}]
    with pytest.raises(kpirules.KpiDataError, match=r"\$\.snapshots\[0\]\.submitted: expected the date the report was sent"):
        kpirules.data_from_snapshots([{"period": "2020-Q4", "values": {"x": 1}, "submitted": 5}])


@pytest.mark.parametrize("make", [
    lambda bad: kpirules.data_from_rows(bad),
    lambda bad: kpirules.data_from_snapshots(bad),
    lambda bad: kpirules.data_from_task_rows(bad),
    lambda bad: kpirules.data_from_events(bad),
    lambda bad: kpirules.data_from_snapshots([], bad),
    lambda bad: kpirules.data_from_snapshots([], (), bad),
])
@pytest.mark.parametrize(("bad", "kind"), [
    ("2020-Q4,,a,1", "str"), (b"2020-Q4,,a,1", "bytes"), (bytearray(b"x"), "bytearray"),
    ({"period": "2020-Q4", "metric": "a", "value": 1}, "dict"),
])
def test_a_str_bytes_or_mapping_where_a_list_is_expected_is_refused(make, bad: object, kind: str) -> None:
    """A str (or bytes, or one mapping) is iterable, but reading it item by item is never meant."""
    with pytest.raises(KpiDataError) as info:
        make(bad)
    text = str(info.value)
    assert "expected a list" in text and f"not a {kind}" in text


# --- the new-user trial of issue 22 -----------------------------------------------------------------


@pytest.mark.parametrize("frame", [
    pd.DataFrame({"period": ["2020-Q4"], "unit": ["B"], "metric": ["x"], "value": [1]}),
    pd.DataFrame(),
    pl.DataFrame({"period": ["2020-Q4"], "value": [1]}),
    pa.table({"period": ["2020-Q4"]}),
], ids=["pandas", "empty pandas", "polars", "arrow"])
def test_a_frame_given_for_files_is_refused_before_its_columns_are_read_as_paths(frame, tmp_path, monkeypatch) -> None:
    # a pandas frame iterates its column names: a file named `period` next to the program was read
    monkeypatch.chdir(tmp_path)
    (tmp_path / "period").write_text("period,metric,value\n2020-Q4,x,1\n", encoding="utf-8")
    plan = kpirules.load(str(ROOT / "rules" / "nq17_bkhcn.kpi"))
    for call in (lambda: kpirules.load_data(frame), lambda: plan.evaluate(frame, "2021-01-10")):
        with pytest.raises(KpiDataError) as info:
            call()
        message = str(info.value)
        assert message.startswith(f"load_data reads files, not a {type(frame).__module__.split('.')[0]}.")
        assert "data_from_frame" in message and "cannot read" not in message
        assert "Series" not in message and "shape" not in message and "2020-Q4" not in message  # (no repr)


def test_a_list_of_no_paths_is_named_by_its_item_not_its_repr() -> None:
    with pytest.raises(KpiDataError, match=r"not a list holding int \(item 1\)"):
        kpirules.load_data(["a.csv", 2])  # type: ignore[list-item]


@pytest.mark.parametrize("missing", [None, float("nan"), pd.NA], ids=["None", "NaN", "NA"])
def test_a_missing_period_is_one_diagnostic_saying_so(missing) -> None:
    frame = pd.DataFrame({"period": ["2020-Q4", missing], "unit": ["B", "B"], "metric": ["x", "y"],
                          "value": [1, 2]}, dtype=object)
    for call, name in ((lambda: kpirules.data_from_frame(frame), "<frame>"),
                       (lambda: kpirules.data_from_rows([("2020-Q4", "B", "x", 1), (missing, "B", "y", 2)]),
                        "<rows>")):
        with pytest.raises(KpiDataError) as info:
            call()
        assert [d.message for d in info.value.diagnostics] == [f"{name}: column period is empty (row 1)"]
    from kpirules.data import parse_csv_data  # (a CSV file's blank period cell says the same)

    with pytest.raises(KpiDataError, match=r"^f.csv:3:1: error: column period is empty \(cell A3\)"):
        parse_csv_data("period,metric,value\n2020-Q4,x,1\n,y,2\n", "f.csv")


def test_a_pandas_period_is_one_diagnostic_naming_the_label_to_write() -> None:
    p = pd.Period("2020Q4", "Q")
    frame = pd.DataFrame({"period": [p], "unit": ["B"], "metric": ["x"], "value": [1]})
    for call, name in ((lambda: kpirules.data_from_frame(frame), "<frame>"),
                       (lambda: kpirules.data_from_rows([(p, "B", "x", 1)]), "<rows>")):
        with pytest.raises(KpiDataError) as info:
            call()
        assert [d.message for d in info.value.diagnostics] == [
            f"{name}: column period (row 0): a pandas Period (2020Q4); write its label as text, e.g. '2020-Q4'"]
    # the label it suggests reads, and a bad row hides no other
    assert kpirules.data_from_frame(frame.astype({"period": str})).value("x", kpirules.parse_period("2020-Q4").key, "B") == 1
    with pytest.raises(KpiDataError) as info:
        kpirules.data_from_rows([(p, "B", "x", 1), ("2020-Q4", "B", "y", 0.5)])
    assert len(info.value.diagnostics) == 2 and "0.5 is a float" in info.value.diagnostics[1].message


def test_rows_take_note_and_submitted_as_a_frame_and_a_csv_file_do() -> None:
    row = {"period": "2020-Q4", "unit": "B", "metric": "x", "value": 1, "note": "ước tính", "submitted": "18/01/2021"}
    key = (kpirules.parse_period("2020-Q4").key, "B")
    from_rows = kpirules.data_from_rows([row, ("2020-Q4", "C", "x", 2)])
    from_frame = kpirules.data_from_frame(pd.DataFrame([row]))
    assert from_rows.submitted == from_frame.submitted == {key: datetime.date(2021, 1, 18)}
    assert from_rows.value("x", key[0], "B") == 1 and from_rows.value("x", key[0], "C") == 2
    with pytest.raises(KpiDataError, match=r"<rows>: column submitted \(row 0\): '31/02/2021' is not a valid date"):
        kpirules.data_from_rows([{**row, "submitted": "31/02/2021"}])
    with pytest.raises(KpiDataError, match="unknown key 'sent'"):
        kpirules.data_from_rows([{**row, "sent": "18/01/2021"}])


def test_check_data_of_an_empty_file_says_what_the_cli_says() -> None:
    from kpirules.data import parse_csv_data

    plan = kpirules.load(str(ROOT / "rules" / "nq17_bkhcn.kpi"))
    with pytest.raises(KpiDataError) as info:
        plan.check_data(parse_csv_data(b"", "empty.csv"))
    assert str(info.value) == ("empty.csv: the file holds no snapshot, no task row and no event: "
                               "there is nothing to check a plan on")
    with pytest.raises(KpiDataError, match="^the data holds no snapshot, no task row and no event"):
        plan.check_data(kpirules.Data())


def test_an_unknown_task_status_lists_every_word_the_reader_takes() -> None:
    from kpirules.data import TASK_STATUS_WORDS, task_status

    with pytest.raises(KpiDataError) as info:
        kpirules.data_from_task_rows([{"task": "1", "status": "finito", "date": "2020-01-01"}])
    listed = str(info.value).split("write one of", 1)[1]
    for key, words in TASK_STATUS_WORDS.items():
        for word in words:  # each is listed, or one that reads alike (in progress: in_progress)
            assert task_status(word) == key and (word in listed or word.replace(" ", "_") in listed), word
    for word in ("completed", "finished", "xong", "đã xong"):
        assert word in listed


def test_a_conflict_between_two_data_of_one_name_suggests_a_name() -> None:
    a, b = kpirules.data_from_rows([("2020-Q4", "B", "x", 1)]), kpirules.data_from_rows([("2020-Q4", "B", "x", 2)])
    with pytest.raises(KpiDataError) as info:
        a.merge(b)
    assert "of another Data of the same name" in str(info.value) and 'name="north"' in str(info.value)
    named = kpirules.data_from_rows([("2020-Q4", "B", "x", 1)], name="north")
    with pytest.raises(KpiDataError) as info:
        named.merge(kpirules.data_from_rows([("2020-Q4", "B", "x", 2)]))
    assert str(info.value).endswith("is 2 here but 1 at north: row 0")

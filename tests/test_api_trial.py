"""Defects a new user's trial of the library API found (issue 22), each held here by a test."""

from __future__ import annotations

import datetime
import signal
from collections.abc import Callable, Iterator
from decimal import Decimal
from fractions import Fraction

import pandas as pd
import pyarrow as pa
import pytest

import kpirules
from kpirules import KpiDataError
from kpirules.data.cells import MAX_EXPONENT
from kpirules.text import MAX_DIGITS

KEY = kpirules.parse_period("2020-Q4").key


# --- item 1: the limits of a data file's numbers hold for Python values too (never a hang) -------------------------

HUGE = [Decimal("1e999999999"), Decimal("-1e-999999999"), Decimal(f"1e{MAX_EXPONENT + 1}"),
        Decimal("1" * (MAX_DIGITS + 1)), 10 ** MAX_DIGITS, -(10 ** MAX_DIGITS), Fraction(1, 10 ** MAX_DIGITS),
        Fraction(10 ** (MAX_DIGITS + 5), 7)]
WORDS = r"too large \(more than 400\)|more than 4000 digits"


@pytest.fixture
def no_hang() -> Iterator[None]:
    """A test that hangs fails after 20 s instead (a huge number expanded digit by digit would)."""
    def stop(*_: object) -> None:
        raise TimeoutError("hung: a number was expanded instead of refused")

    old = signal.signal(signal.SIGALRM, stop)
    signal.alarm(20)
    try:
        yield
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, old)


@pytest.mark.usefixtures("no_hang")
@pytest.mark.parametrize("value", HUGE, ids=lambda v: f"{type(v).__name__}-{str(v)[:12]}")
def test_a_huge_number_is_refused_by_every_constructor_naming_its_place(value: object) -> None:
    makers = [
        (lambda: kpirules.data_from_snapshots([{"period": "2020-Q4", "values": {"ok": 1}},
                                               {"period": "2020-Q4", "unit": "A", "values": {"a": value}}]),
         r"<snapshots>: \$\.snapshots\[1\]\.values\.a: "),
        (lambda: kpirules.data_from_rows([("2020-Q4", None, "ok", 1), ("2020-Q4", None, "a", value)]),
         r"<rows>: column value \(row 1\): "),
        (lambda: kpirules.data_from_frame(pd.DataFrame({"period": ["2020-Q4"] * 2, "metric": ["ok", "a"],
                                                        "value": pd.Series([1, value], dtype=object)})),
         r"<frame>: column value \(row 1\): "),
    ]
    for make, where in makers:
        with pytest.raises(KpiDataError, match=where + f".*(?:{WORDS})"):
            make()


def test_numbers_at_the_limits_are_read_exactly() -> None:
    edge = [Decimal(f"1e{MAX_EXPONENT}"), Decimal(f"1e-{MAX_EXPONENT}"), Decimal("9" * MAX_DIGITS),
            Decimal("0." + "1" * 500), 10 ** MAX_DIGITS - 1, Fraction(1, 10 ** MAX_DIGITS - 1)]
    for v in edge:
        data = kpirules.data_from_rows([("2020-Q4", None, "a", v)])
        assert data.value("a", KEY) == Fraction(v)


def test_the_constructors_share_the_limits_of_the_file_readers() -> None:
    # one helper: what the JSON reader refuses in a file, data_from_snapshots refuses as a Decimal
    with pytest.raises(KpiDataError, match="too large") as from_file:
        kpirules.data.parse_json_data('{"snapshots": [{"period": "2020-Q4", "values": {"a": 1e999999999}}]}', "d.json")
    with pytest.raises(KpiDataError, match="too large") as from_python:
        kpirules.data_from_snapshots([{"period": "2020-Q4", "values": {"a": Decimal("1e999999999")}}])
    said = str(from_file.value).split("too large")[1].splitlines()[0]
    assert said in str(from_python.value)


# --- item 4: floats="shortest" reads a float32 at its own width -------------------------------------------------------

np = pytest.importorskip("numpy")


def _float32_frames(values: list[float]) -> dict[str, object]:
    import polars as pl

    return {"arrow": pa.table({"period": ["2020-Q4"] * len(values), "metric": [f"m{i}" for i in range(len(values))],
                               "value": pa.array(values, type=pa.float32())}),
            "pandas": pd.DataFrame({"period": ["2020-Q4"] * len(values), "metric": [f"m{i}" for i in range(len(values))],
                                    "value": np.array(values, dtype="float32")}),
            "pandas Float32": pd.DataFrame({"period": ["2020-Q4"] * len(values),
                                            "metric": [f"m{i}" for i in range(len(values))],
                                            "value": pd.array(values, dtype="Float32")}),
            "polars": pl.DataFrame({"period": ["2020-Q4"] * len(values), "metric": [f"m{i}" for i in range(len(values))],
                                    "value": pl.Series(values, dtype=pl.Float32)})}


def test_a_float32_column_is_read_as_the_decimal_typed_into_it() -> None:
    typed = [0.1, 12.3, 0.35, 1e-7, 16777217.0]  # (the last is no float32: it becomes 16777216)
    for kind, frame in _float32_frames(typed).items():
        data = kpirules.data_from_frame(frame, floats="shortest")
        got = [data.value(f"m{i}", KEY) for i in range(len(typed))]
        assert got == [Fraction(1, 10), Fraction(123, 10), Fraction(35, 100), Fraction(1, 10**7), 16777216], kind
        binary = kpirules.data_from_frame(frame, floats="binary")
        assert binary.value("m0", KEY) == Fraction(float(np.float32(0.1))), kind
        with pytest.raises(KpiDataError, match=r"column value \(row 0\): 0.1 is a float"):
            kpirules.data_from_frame(frame)
    rows = kpirules.data_from_rows([("2020-Q4", None, "a", np.float32(0.1)), ("2020-Q4", None, "b", np.float16(0.1)),
                                    ("2020-Q4", None, "c", np.float64(0.1))], floats="shortest")
    assert [rows.value(m, KEY) for m in "abc"] == [Fraction(1, 10)] * 3
    snaps = kpirules.data_from_snapshots([{"period": "2020-Q4", "values": {"a": np.float32(2.675)}}], floats="shortest")
    assert snaps.value("a", KEY) == Fraction(2675, 1000)


from hypothesis import given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

from kpirules.data.objects import shortest  # noqa: E402


@settings(max_examples=300, deadline=None)
@given(st.floats(width=32, allow_nan=False, allow_infinity=False))
def test_shortest_gives_the_float32_back_and_is_numpys_shortest_text(x: float) -> None:
    text = shortest(x, "f")
    assert np.float32(float(text)) == np.float32(x)
    assert Fraction(text) == Fraction(str(np.float32(x)))  # (numpy's repr of a float32 is its shortest too)
    assert shortest(x) == repr(x)


# --- item 3: records_data follows the float policy of the data constructors; a float names no unit ---------------

RECORDS_PLAN = "examples/records/plan.kpi"


def _dossier(**changes: object) -> dict[str, object]:
    row: dict[str, object] = {"ma_ho_so": "a", "ma_don_vi": "VuKHTC", "ngay_tiep_nhan": "2020-10-01",
                              "ngay_hen_tra": "2020-10-10", "ngay_tra_ket_qua": "2020-10-05", "kenh_nop": "Trực tuyến",
                              "qua_mot_cua": True, "muc_do": 3, "so_ngay_xu_ly": 2}
    row.update(changes)
    return row


@pytest.mark.parametrize("engine", ["duckdb", "python"])
def test_records_data_refuses_a_float_unless_floats_says_how_to_read_it(engine: str) -> None:
    plan = kpirules.load(RECORDS_PLAN)
    rows = [_dossier(), _dossier(so_ngay_xu_ly=2.5), _dossier(so_ngay_xu_ly=None)]
    for given in (rows, pd.DataFrame(rows), pa.Table.from_pylist(rows)):
        with pytest.raises(KpiDataError) as e:
            kpirules.records_data(plan, {"dossiers": given}, engine)
        (d,) = e.value.diagnostics
        assert d.message == ("<records dossiers>: column 'so_ngay_xu_ly' holds floats, which are not exact: "
                             "index 0 (2.0), index 1 (2.5)")
        assert d.hint is not None and "floats='shortest'" in d.hint
    data = kpirules.records_data(plan, {"dossiers": rows}, engine, floats="shortest")
    assert data.snapshots[(KEY, "VuKHTC")]["mean_days"] == Fraction(9, 4)  # (2 and 2.5: exact, the empty one missing)
    with pytest.raises(KpiDataError, match="floats='binary': expected None or 'shortest'"):
        kpirules.records_data(plan, {"dossiers": rows}, engine, floats="binary")  # type: ignore[arg-type]


@pytest.mark.parametrize("floats", [None, "shortest"])
def test_a_float_never_names_a_unit_and_an_integer_code_is_its_digits(floats: str | None) -> None:
    plan = kpirules.load(RECORDS_PLAN)
    with pytest.raises(KpiDataError) as e:
        kpirules.records_data(plan, {"dossiers": [_dossier(ma_don_vi=3.5), _dossier(ma_don_vi=4.0)]},
                              floats=floats)  # type: ignore[arg-type]
    (d,) = e.value.diagnostics
    assert d.message == ("<records dossiers>: column 'ma_don_vi' (unit by) holds floats, which do not name a unit: "
                         "index 0 (3.5), index 1 (4.0)")
    data = kpirules.records_data(plan, {"dossiers": [_dossier(ma_don_vi=3)]}, floats=floats)  # type: ignore[arg-type]
    assert data.snapshots[(KEY, "3")]["dossiers_resolved"] == 1


# --- item 6: records_data speaks of its own arguments; no rows at all is a clear error, as an empty file is --------

def test_records_data_names_an_unknown_dataset_as_its_argument() -> None:
    plan = kpirules.load(RECORDS_PLAN)
    with pytest.raises(KpiDataError) as e:
        kpirules.records_data(plan, {"dossiers": [_dossier()], "dosiers": [_dossier()]})
    assert str(e.value) == ("error: records_data: sources['dosiers']: the plan declares no dataset dosiers "
                            "(it declares dossiers)")
    with pytest.raises(KpiDataError) as e:
        kpirules.records_data(plan, {})
    (d,) = e.value.diagnostics
    assert d.message == "no records for dataset 'dossiers'" and d.hint is not None and "records_data" in d.hint


@pytest.mark.parametrize(("rows", "said"), [
    (["2020-10-01,BNV"], "index 0: records given as a list are mappings {column: value}, one a row; this one is a str"),
    (({"ma_don_vi": "BNV"}, ("BNV",)), "index 1: records given as a list are mappings {column: value}, one a row; "
                                       "this one is a tuple"),
])
def test_records_data_names_the_row_of_a_list_that_is_not_a_mapping(rows: object, said: str) -> None:
    """Bug (issue 22 item 11): a list of text lines (a CSV file read into a list) was refused as `records are …
    or a list of mappings, not list`, which the person had given; the message names the row that is not one."""
    plan = kpirules.load(RECORDS_PLAN)
    with pytest.raises(KpiDataError) as e:
        kpirules.records_data(plan, {"dossiers": rows})  # type: ignore[dict-item]
    (d,) = e.value.diagnostics
    assert d.message == f"<records dossiers>: {said}"


@pytest.mark.parametrize("engine", ["duckdb", "python"])
def test_records_data_of_no_rows(engine: str, tmp_path: object) -> None:
    plan = kpirules.load(RECORDS_PLAN)
    for empty in ([], ()):
        with pytest.raises(KpiDataError) as e:
            kpirules.records_data(plan, {"dossiers": empty}, engine)
        (d,) = e.value.diagnostics
        assert d.message.startswith("<records dossiers>: no rows, and so no columns to check")
    # (rows with their columns and none of them: the dataset of a header-only records file, every count 0)
    header = pd.read_csv("examples/records/dossiers.csv", dtype=str, keep_default_na=False).head(0)
    data = kpirules.records_data(plan, {"dossiers": header}, engine)
    assert data.snapshots[(KEY, None)]["dossiers_resolved"] == 0
    path = f"{tmp_path}/header.csv"
    header.to_csv(path, index=False)
    assert kpirules.records_data(plan, {"dossiers": path}, engine).snapshots == data.snapshots


# --- item 7: Data.merge of what is not Data ------------------------------------------------------------------------

@pytest.mark.parametrize("other", ["x.json", __import__("pathlib").Path("x.json"), {"snapshots": []}, None])
def test_merge_of_what_is_not_data_is_a_kpi_error(other: object) -> None:
    data = kpirules.data_from_rows([("2020-Q4", "BTC", "dossiers_online", 35)])
    with pytest.raises(KpiDataError, match=f"Data.merge takes a Data, not {type(other).__name__}") as e:
        data.merge(other)  # type: ignore[arg-type]
    if isinstance(other, str):
        assert "data.merge(kpirules.load_data('x.json'))" in str(e.value)
    assert data.value("dossiers_online", KEY, "BTC") == 35


@pytest.mark.parametrize(("call", "said"), [
    (lambda plan, res: plan.evaluate({"snapshots": []}, "2020-12-18"), "load_data reads files, not a mapping; "
     "a data file's document held in Python goes in with kpirules.data_from_snapshots"),
    (lambda plan, res: kpirules.load_data({"snapshots": []}), "load_data reads files, not a mapping"),
    (lambda plan, res: plan.check_data("examples/nq17_national/data.json"), "check_data takes a Data, not str"),
    (lambda plan, res: res.explain(42), "explain takes a result of these results or its id (text), not int"),
])
def test_a_wrong_argument_of_the_api_is_a_kpi_error_saying_what_it_takes(
        call: Callable[[kpirules.Plan, kpirules.Results], object], said: str) -> None:
    """Bug (issue 22): a JSON document held as a dict, given where data goes, was read as a list of paths
    ("snapshots: cannot read the data file"); check_data and Results.explain of a wrong thing raised
    AttributeError."""
    plan = kpirules.load("rules/nq17_national.kpi")
    res = plan.evaluate("examples/nq17_national/data.json", "2020-12-18")
    with pytest.raises(kpirules.KpiError) as e:
        call(plan, res)
    assert said in str(e.value)

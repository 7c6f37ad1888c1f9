"""The Python twin of --records (issue 22): rows a program holds — a pandas or polars DataFrame, an Arrow
table, a DuckDB relation, a list of mappings — counted with the same semantics as the file, on each engine."""

from __future__ import annotations

import json

import pytest

import kpirules
from kpirules.engine.records import records_data

from records_support import POSTGRES_URL

pd = pytest.importorskip("pandas")
pa = pytest.importorskip("pyarrow")
pl = pytest.importorskip("polars")
duckdb = pytest.importorskip("duckdb")

PLAN = "examples/records/plan.kpi"
FILE = "examples/records/dossiers.csv"


@pytest.fixture(scope="module")
def plan():
    return kpirules.load(PLAN)


@pytest.fixture(scope="module")
def text_frame():
    return pd.read_csv(FILE, dtype=str, keep_default_na=False)


def check_json(plan, source, engine):
    data = records_data(plan, {"dossiers": source}, engine)
    doc = plan.evaluate_period(data, "2020-Q4").to_json()
    doc.pop("sources", None)
    # (the one difference: where the rows came from, the file's path or the name of the rows in memory)
    return json.dumps(doc, ensure_ascii=False, sort_keys=True, default=str).replace(FILE, "<records dossiers>")


def _objects(text_frame):
    typed = duckdb.read_csv(FILE)  # (DuckDB's own types: dates, integers, booleans)
    return {
        "pandas (text)": text_frame,
        "pandas (typed)": typed.df(),
        "arrow": pa.Table.from_pandas(text_frame),
        "polars": pl.from_pandas(text_frame),
        "duckdb relation": typed,
        "list of dicts": text_frame.to_dict("records"),
    }


@pytest.mark.parametrize("engine", ["python", "duckdb"])
def test_objects_give_the_check_json_of_the_file(plan, text_frame, engine):
    want = check_json(plan, FILE, "python")
    for name, obj in _objects(text_frame).items():
        assert check_json(plan, obj, engine) == want, name


@pytest.mark.parametrize("engine", ["python", "duckdb"])
def test_problems_name_the_row_index_and_column(plan, text_frame, engine):
    bad = text_frame.head(10).copy()
    bad.loc[3, "ngay_tra_ket_qua"] = "10.06.2020"
    bad.loc[7, "so_ngay_xu_ly"] = "x"
    with pytest.raises(kpirules.KpiDataError) as e:
        records_data(plan, {"dossiers": bad}, engine)
    text = str(e.value)
    assert "<records dossiers>: column 'ngay_tra_ket_qua' (dated by)" in text and "index 3 ('10.06.2020')" in text
    assert "column 'so_ngay_xu_ly'" in text and "index 7 ('x')" in text
    with pytest.raises(kpirules.KpiDataError, match="no column 'kenh_nop'"):
        records_data(plan, {"dossiers": text_frame.drop(columns=["kenh_nop"])}, engine)
    with pytest.raises(kpirules.KpiDataError, match="not int"):
        records_data(plan, {"dossiers": 42}, engine)
    with pytest.raises(kpirules.KpiDataError, match="mixed types"):
        records_data(plan, {"dossiers": [{"so_ngay_xu_ly": 1}, {"so_ngay_xu_ly": "x"}]}, engine)


@pytest.mark.skipif(not POSTGRES_URL, reason="no PostgreSQL server (set KPIRULES_TEST_POSTGRES=postgresql://…)")
def test_the_postgresql_engine_refuses_rows_in_memory(plan, text_frame):
    from kpirules.records import PostgresEngine

    engine = PostgresEngine(POSTGRES_URL)
    try:
        with pytest.raises(kpirules.KpiDataError, match="the PostgreSQL engine counts the rows of a table"):
            records_data(plan, {"dossiers": text_frame}, engine)
    finally:
        engine.close()

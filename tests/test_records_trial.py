"""What a new user's trial of metrics counted from records found (issue 18): the records_* warnings as
data and in Vietnamese, one warning for one pair of unit names, avg values as decimals in the table,
and counts of the command line that cannot be negative."""

from __future__ import annotations

import json

import pytest

import kpirules
from kpirules.cli import main
from kpirules.report.reasons import warning_text

from records_support import spark_engine, write_csv

PLAN = """plan "t"
  reporting quarterly cutoff 15 due 20
{units}
dataset d "Hồ sơ":
  dated by ngay
  unit by dv

metric n "Hồ sơ" = count(d)
metric days "Số ngày" = avg(d.so_ngay)

rule mean "Bình quân số ngày":
  days <= 2 by 2020

rule per_unit "Mỗi đơn vị":
  for each unit: n >= 1 by 2020
"""

COLUMNS = ["ngay", "dv", "so_ngay"]


def rows(undated: int = 1, outside: int = 1, no_unit: int = 1) -> list[dict[str, str]]:
    out = [{"ngay": "2020-01-10", "dv": "HG", "so_ngay": "1"}, {"ngay": "2020-01-11", "dv": "HG", "so_ngay": "3"},
           {"ngay": "2020-01-12", "dv": "Ha Giang", "so_ngay": "3"}, {"ngay": "2020-01-12", "dv": "Ha giang", "so_ngay": "3"}]
    out += [{"ngay": "", "dv": "HG", "so_ngay": "1"}] * undated
    out += [{"ngay": "2018-05-01", "dv": "HG", "so_ngay": "1"}] * outside
    out += [{"ngay": "2020-01-13", "dv": "", "so_ngay": "3"}] * no_unit
    return out


def check_json(tmp_path, units: str, data: list[dict[str, str]], *extra: str, capsys) -> dict:
    plan = tmp_path / "p.kpi"
    plan.write_text(PLAN.format(units=units), encoding="utf-8")
    rec = write_csv(str(tmp_path / "d.csv"), COLUMNS, data)
    code = main(["check", str(plan), "--records", f"d={rec}", "--period", "2020-Q1", "--format", "json", *extra])
    printed = capsys.readouterr()
    assert code in (0, 1), printed.err
    return json.loads(printed.out)


def warnings_of(doc: dict, code: str) -> list[dict]:
    return [w for w in doc["warnings"] if w["code"] == code]


# --------------------------------------------------------------------------- 1: records_* warnings as data


@pytest.mark.parametrize("n", [1, 3])
def test_records_warnings_have_args_and_the_right_plural(tmp_path, capsys, n):
    doc = check_json(tmp_path, 'unit HG "Hà Giang"\n', rows(undated=n, outside=n, no_unit=n), capsys=capsys)
    (undated,) = warnings_of(doc, "records_undated")
    assert undated["args"] == {"dataset": "d", "count": n, "column": "ngay"}
    assert undated["message"].startswith("dataset d: 1 row has no ngay" if n == 1 else "dataset d: 3 rows have no ngay")
    (outside,) = warnings_of(doc, "records_outside_windows")
    assert outside["args"] == {"dataset": "d", "count": n, "start": "2019-12-15", "end": "2020-12-14",
                               "first_year": 2020, "last_year": 2020, "earliest": "2018-05-01", "latest": "2020-01-13"}
    assert ("1 row is dated outside" if n == 1 else "3 rows are dated outside") in outside["message"]
    (no_unit,) = warnings_of(doc, "records_no_unit")
    assert no_unit["args"] == {"dataset": "d", "count": n, "column": "dv"}
    assert ("1 row names no unit" if n == 1 else "3 rows name no unit") in no_unit["message"]
    (unknown,) = warnings_of(doc, "records_unknown_unit")
    args = unknown["args"]
    assert (args["dataset"], args["count"], args["rows"], args["more"]) == ("d", 2, 2, None)
    assert [u["args"] for u in args["units"]] == [{"unit": "Ha Giang", "rows": 1, "close": "HG (Hà Giang)"},
                                                  {"unit": "Ha giang", "rows": 1, "close": "HG (Hà Giang)"}]
    assert "2 units the plan does not declare (2 rows," in unknown["message"]
    assert "Ha Giang (1 row; did you mean HG (Hà Giang)?)" in unknown["message"]


def test_records_warnings_are_vietnamese_in_a_vietnamese_report(tmp_path):
    plan = kpirules.parse(PLAN.format(units='unit HG "Hà Giang"\n'))
    data = kpirules.records_data(plan, {"d": rows(undated=2)}, engine="python")
    results = plan.evaluate(data, "2020-03-20")
    texts = {w.code: warning_text(w.message, "vi") for w in results.warnings if w.code.startswith("records_")}
    assert set(texts) == {"records_undated", "records_outside_windows", "records_no_unit", "records_unknown_unit"}
    assert texts["records_undated"] == ("Tập dữ liệu d: 2 dòng không có ngay (cột `dated by`), nên không thuộc kỳ "
                                        "nào: không được tính")
    assert texts["records_unknown_unit"].startswith("Tập dữ liệu d: 2 đơn vị không có trong kế hoạch (2 dòng")
    for text in texts.values():
        for english in ("dataset", " row", "counted", "did you mean"):
            assert english not in text, text
    # the report built from the plan says them in Vietnamese as well
    from kpirules.report import build_report, render

    report = build_report(plan, data, "2020-Q1", as_of="2020-03-20", lang="vi")
    md = render(report, "md")
    assert "Tập dữ liệu d: 2 dòng không có ngay" in md and "dataset d" not in md


# --------------------------------------------------------------------------- 2: one warning for one pair


def test_one_warning_for_one_pair_of_unit_names(tmp_path, capsys):
    doc = check_json(tmp_path, "", rows(), capsys=capsys)
    (similar,) = warnings_of(doc, "records_similar_units")  # the more specific: it names the dataset
    assert similar["args"] == {"dataset": "d", "units": "Ha Giang, Ha giang"}
    assert not warnings_of(doc, "similar_units"), doc["warnings"]


# --------------------------------------------------------------------------- 4: avg as a decimal


def test_the_table_shows_an_avg_as_a_decimal(tmp_path, capsys):
    plan = tmp_path / "p.kpi"
    plan.write_text(PLAN.format(units=""), encoding="utf-8")
    rec = write_csv(str(tmp_path / "d.csv"), COLUMNS, rows(undated=0, outside=0, no_unit=0)[:3])
    code = main(["check", str(plan), "--records", f"d={rec}", "--period", "2020-Q1"])
    out = capsys.readouterr().out
    assert code in (0, 1)
    (line,) = [ln for ln in out.splitlines() if ln.split()[1:2] == ["mean"]]
    assert line.split()[3:5] == ["2.33", "2"], line  # 7/3 > 2: enough places to show the side of the target
    assert "7/3" not in out
    code = main(["check", str(plan), "--records", f"d={rec}", "--period", "2020-Q1", "--format", "json"])
    (mean,) = [r for r in json.loads(capsys.readouterr().out)["results"] if r["id"] == "mean"]
    assert mean["value"] == "7/3"  # (the JSON keeps the exact value)


# --------------------------------------------------------------------------- 8: counts of the command line


@pytest.mark.parametrize("bad", ["-1", "-5", "x", "1.5", ""])
def test_show_rows_refuses_what_is_not_a_count(tmp_path, capsys, bad):
    plan = tmp_path / "p.kpi"
    plan.write_text(PLAN.format(units=""), encoding="utf-8")
    rec = write_csv(str(tmp_path / "d.csv"), COLUMNS, rows())
    code = main(["explain", str(plan), "--records", f"d={rec}", "--as-of", "2020-03-20", "--id", "mean",
                 f"--show-rows={bad}"])
    err = capsys.readouterr().err
    assert code == 2
    assert "--show-rows" in err and f"not {bad!r}" in err and "Traceback" not in err
    code = main(["explain", str(plan), "--records", f"d={rec}", "--as-of", "2020-03-20", "--id", "mean",
                 "--show-rows=0"])
    assert code in (0, 1)


# --------------------------------------------------------------------------- 5: lines and rows


BAD_DATES = [{"ngay": "2020-01-10", "dv": "HG", "so_ngay": "1"}, {"ngay": "10.01.2020", "dv": "HG", "so_ngay": "1"},
             {"ngay": "2020-01-12", "dv": "HG", "so_ngay": "x"}, {"ngay": "2020-02-30", "dv": "HG", "so_ngay": "2"}]

DS = kpirules.records.Dataset("d", None, "ngay", "dv")
METRICS = [kpirules.records.CountedMetric("s", "sum", "d", "so_ngay")]


def _error(source, engine) -> str:
    with pytest.raises(kpirules.KpiDataError) as err:
        kpirules.records.count_records([DS], METRICS, {"d": source}, engine=engine, years=(2020, 2020))
    return str(err.value)


@pytest.mark.parametrize("engine", ["python", "duckdb"])
def test_text_files_name_lines_and_parquet_names_rows(tmp_path, engine):
    import pyarrow as pa
    import pyarrow.parquet as pq

    csv_path = tmp_path / "d.csv"  # a blank line after the header: lines, as an editor numbers them
    csv_path.write_text("ngay,dv,so_ngay\n\n" + "".join(f"{r['ngay']},{r['dv']},{r['so_ngay']}\n" for r in BAD_DATES),
                        encoding="utf-8")
    text = _error(str(csv_path), engine)
    assert "2 rows are not: line 4 ('10.01.2020'), line 6 ('2020-02-30')" in text, text
    assert "1 row is not: line 5 ('x')" in text, text
    jsonl = tmp_path / "d.jsonl"
    jsonl.write_text("\n".join(json.dumps(r) + ("\n" if i == 0 else "") for i, r in enumerate(BAD_DATES)) + "\n",
                     encoding="utf-8")  # (a blank line after the first)
    text = _error(str(jsonl), engine)
    assert "line 3 ('10.01.2020'), line 5 ('2020-02-30')" in text and "line 4 ('x')" in text, text
    parquet = tmp_path / "d.parquet"
    pq.write_table(pa.table({c: [r[c] for r in BAD_DATES] for c in COLUMNS}), parquet)
    text = _error(str(parquet), engine)
    assert "row 2 ('10.01.2020'), row 4 ('2020-02-30')" in text and "row 3 ('x')" in text, text
    text = _error([dict(r) for r in BAD_DATES], engine)  # rows a program holds: their index, from 0
    assert "index 1 ('10.01.2020'), index 3 ('2020-02-30')" in text and "index 2 ('x')" in text, text


def test_explain_names_the_lines_of_a_csv_file(tmp_path, capsys):
    plan = tmp_path / "p.kpi"
    plan.write_text(PLAN.format(units=""), encoding="utf-8")
    rec = write_csv(str(tmp_path / "d.csv"), COLUMNS, rows(undated=0, outside=0, no_unit=0))
    code = main(["explain", str(plan), "--records", f"d={rec}", "--as-of", "2020-03-20", "--id", "mean",
                 "--show-rows", "2"])
    out = capsys.readouterr().out
    assert code in (0, 1)
    assert "line 2: 2020-01-10, HG, 1" in out and "line 3: 2020-01-11, HG, 3" in out, out


# --------------------------------------------------------------------------- 6, 7: JSON lines on every engine


@pytest.fixture(scope="module")
def spark():
    return spark_engine()


MALFORMED = [
    ('{"ngay": "2020-01-10", "dv": "A", "so_ngay": 1}\n{"ngay": "2020-01-11", "dv": "A" "so_ngay": 2}\n',
     ":2:34: not a JSON object: Expecting ',' delimiter"),
    ('{"ngay": "2020-01-10", "dv": "A", "so_ngay": 1}\n\n[1, 2]\n', ":3: each line must be a JSON object, not list"),
    ('{"ngay": "2020-01-10", "dv": "A", "so_ngay": 1}\n{"ngay": "2020-01-11", "dv": "A", "so_ngay": 1}}\n',
     ":2:48: not a JSON object: Extra data"),
]


@pytest.mark.parametrize("text, said", MALFORMED)
def test_a_malformed_json_lines_file_is_the_same_error_on_every_engine(tmp_path, spark, text, said):
    path = tmp_path / "d.jsonl"
    path.write_text(text, encoding="utf-8")
    errors = [_error(str(path), engine) for engine in ("python", "duckdb", spark)]
    assert errors[0] == f"{path}{said}", errors[0]
    assert errors[1] == errors[0] and errors[2] == errors[0], errors


def test_spark_reads_json_numbers_as_the_other_engines_do(tmp_path, spark):
    path = tmp_path / "d.jsonl"
    cells = ["12.50", "1e5", "0.1", "-2.5E-3", "7", "1E2"]
    path.write_text("".join('{"ngay": "2020-06-01", "dv": "A", "so_ngay": %s}\n' % c for c in cells), encoding="utf-8")
    counted = [kpirules.records.count_records([DS], METRICS, {"d": str(path)}, engine=engine, years=(2020, 2020))
               for engine in ("python", "duckdb", spark)]
    from decimal import Decimal
    from fractions import Fraction

    total = Fraction(Decimal("12.5") + 100000 + Decimal("0.1") - Decimal("0.0025") + 7 + 100)
    assert ("s", "2020", None, total) in counted[0].table()
    assert counted[1].table() == counted[0].table() and counted[2].table() == counted[0].table()
    # and what every engine refuses, Spark refuses too: more than 9 places, a number in exponent notation
    for cell, shown in (("0.30000000000000004", "'0.30000000000000004'"), ("1e16", "E16")):
        path.write_text('{"ngay": "2020-06-01", "dv": "A", "so_ngay": %s}\n' % cell, encoding="utf-8")
        for engine in ("python", "duckdb", spark):
            text = _error(str(path), engine)
            assert "must hold numbers" in text and "line 1 (" in text, (engine, text)
        assert shown in _error(str(path), spark)


# --------------------------------------------------------------------------- 3: text in NFC


NFC_PLAN = """plan "t"
  reporting quarterly cutoff 15 due 20

dataset d "Hồ sơ":
  dated by ngay
  unit by dv

metric online = count(d where kenh == "Trực tuyến")
metric listed = count(d where kenh in ("Trực tuyến", "x"))
metric other = count(d where kenh != "Trực tuyến")
metric ascii = count(d where kenh == "x")
"""


def _nfc_rows():
    import unicodedata

    nfd = unicodedata.normalize("NFD", "Trực tuyến")
    assert nfd != "Trực tuyến"
    return [{"ngay": "2020-01-10", "dv": "A", "kenh": "Trực tuyến"}, {"ngay": "2020-01-11", "dv": "A", "kenh": nfd},
            {"ngay": "2020-01-12", "dv": "A", "kenh": "x"}, {"ngay": "2020-01-13", "dv": "A", "kenh": "Trực tiếp"}]


def _nfc_counts(plan_text, source, engine):
    plan = kpirules.parse(plan_text)
    data = kpirules.records_data(plan, {"d": source}, engine=engine)
    q1 = {m: v for (m, p, u), v in data.counted.values.items() if str(p) == "2020-Q1" and u is None}
    return {m: q1.get(m) for m in ("online", "listed", "other", "ascii")}


WANT = {"online": 2, "listed": 3, "other": 2, "ascii": 1}


@pytest.mark.parametrize("form", ["NFC", "NFD"])
@pytest.mark.parametrize("engine", ["python", "duckdb"])
def test_where_text_is_compared_in_nfc(tmp_path, engine, form):
    import unicodedata

    src = write_csv(str(tmp_path / "d.csv"), ["ngay", "dv", "kenh"], _nfc_rows())
    # a plan typed in either form (NFD: from a Mac) counts the NFC and the NFD cells alike
    assert _nfc_counts(unicodedata.normalize(form, NFC_PLAN), src, engine) == WANT


@pytest.mark.parametrize("form", ["NFC", "NFD"])
def test_where_text_is_compared_in_nfc_on_postgresql(form):
    import unicodedata
    import uuid

    from records_support import postgres_url

    url = postgres_url()
    import psycopg

    table = "t_" + uuid.uuid4().hex[:8]
    with psycopg.connect(url, autocommit=True) as con:
        from records_support import pg_table

        pg_table(con, table, {"ngay": "date", "dv": "text", "kenh": "text"},
                 [dict(r, ngay=__import__("datetime").date.fromisoformat(r["ngay"])) for r in _nfc_rows()])
        try:
            assert _nfc_counts(unicodedata.normalize(form, NFC_PLAN), f"{url}?table={table}", url) == WANT
        finally:
            con.execute(f'DROP TABLE "{table}"')


def test_spark_sends_the_literal_in_nfc(tmp_path, spark):
    import unicodedata

    rows = _nfc_rows()
    src = write_csv(str(tmp_path / "d.csv"), ["ngay", "dv", "kenh"], rows[:1] + rows[2:])  # (NFC cells only)
    want = {"online": 1, "listed": 2, "other": 2, "ascii": 1}
    assert _nfc_counts(unicodedata.normalize("NFD", NFC_PLAN), src, spark) == want


def test_the_sql_normalises_the_column_where_the_dialect_can(tmp_path, capsys):
    import unicodedata

    plan = tmp_path / "p.kpi"
    plan.write_text(unicodedata.normalize("NFD", NFC_PLAN), encoding="utf-8")
    for dialect, call in (("duckdb", "NFC_NORMALIZE("), ("postgres", "NORMALIZE("), ("trino", "NORMALIZE(")):
        assert main(["sql", str(plan), "--dialect", dialect]) == 0
        out = capsys.readouterr().out
        assert call in out.upper() and "'Trực tuyến'" in out and unicodedata.normalize("NFD", "Trực") not in out
        assert out.upper().count(call) == 3  # (never around the column compared with the ASCII "x")


# --------------------------------------------------------------------------- an object or array in a JSON cell

NESTED = ('{"ngay": "2020-01-10", "dv": "A", "kenh": {"a": 1}, "so_ngay": 1}\n'
          '{"ngay": "2020-01-11", "dv": "A", "kenh": "x", "so_ngay": "b"}\n'
          '\n{"ngay": "2020-01-12", "dv": "A", "kenh": [1, 2], "so_ngay": 2}\n'
          '{"ngay": "2020-01-13", "dv": 7, "kenh": true, "so_ngay": 3}\n')
TEXT_METRICS = METRICS + [kpirules.records.CountedMetric(
    "t", "count", "d", None, where=kpirules.records.Cmp("==", kpirules.records.Col("kenh"),
                                                       kpirules.records.Lit("true")))]


def test_an_object_or_array_in_a_json_cell_is_refused_on_every_engine(tmp_path, spark):
    path = tmp_path / "d.jsonl"
    path.write_text(NESTED, encoding="utf-8")
    errors = []
    for engine in ("python", "duckdb", spark):
        with pytest.raises(kpirules.KpiDataError) as err:
            kpirules.records.count_records([DS], TEXT_METRICS, {"d": str(path)}, engine=engine, years=(2020, 2020))
        errors.append(str(err.value))
    # both columns' problems, the object and the array by their lines, the bad number too
    assert "column 'kenh' of dataset 'd' must hold text; 2 rows are not: line 1 ({\"a\": 1}), line 4 ([1, 2])" \
        in errors[0], errors[0]
    assert "column 'so_ngay'" in errors[0] and "line 2 ('b')" in errors[0], errors[0]
    assert errors[1] == errors[0] and errors[2] == errors[0], errors
    with pytest.raises(kpirules.KpiDataError) as err:  # (the years not given: DuckDB reads in three scans)
        kpirules.records.count_records([DS], TEXT_METRICS, {"d": str(path)}, engine="duckdb")
    assert str(err.value) == errors[0]


def test_a_json_boolean_or_number_in_a_text_column_is_its_text_on_every_engine(tmp_path, spark):
    path = tmp_path / "d.jsonl"
    path.write_text(NESTED.split("\n", 4)[-1], encoding="utf-8")  # (the last line: "dv": 7, "kenh": true)
    tables = [kpirules.records.count_records([DS], TEXT_METRICS, {"d": str(path)}, engine=engine,
                                             years=(2020, 2020)).table()
              for engine in ("python", "duckdb", spark)]
    assert ("t", "2020", None, 1) in tables[0] and ("t", "2020", "7", 1) in tables[0], tables[0]
    assert tables[1] == tables[0] and tables[2] == tables[0], tables


@pytest.mark.parametrize("form", ["NFC", "NFD"])
def test_where_text_is_compared_in_nfc_on_spark(tmp_path, spark, form):
    import unicodedata

    src = write_csv(str(tmp_path / "d.csv"), ["ngay", "dv", "kenh"], _nfc_rows())
    # Spark has no NFC function: its UNICODE collation takes the NFC and NFD spellings as one text
    assert _nfc_counts(unicodedata.normalize(form, NFC_PLAN), src, spark) == WANT
    # and so in a table of the session's catalog
    import pyspark.sql

    frame = spark.spark.createDataFrame([pyspark.sql.Row(**r) for r in _nfc_rows()])
    frame.createOrReplaceTempView("nfc_rows")
    assert _nfc_counts(unicodedata.normalize(form, NFC_PLAN), "spark:nfc_rows", spark) == WANT

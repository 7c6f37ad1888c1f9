"""Records CSV files read alike on every engine (issue 18, a new user's trial): a line break in a quoted
cell is part of the cell (DuckDB and Spark read it, as Python does, and a row is named by its first
line); a row with more or fewer cells than the header is an error naming the file, the line and the
counts; what DuckDB still cannot read is an error in kpirules' words."""

from __future__ import annotations

import pytest

import kpirules
from kpirules.cli import main
from kpirules.records import CountedMetric, Dataset, count_records
from records_support import spark_engine

DS = Dataset("d", None, "ngay", "dv")
METRICS = [CountedMetric("n", "count", "d", None), CountedMetric("s", "sum", "d", "so")]

PLAN = """plan "t"
  reporting quarterly cutoff 15 due 20

dataset d "Hồ sơ":
  dated by ngay
  unit by dv

metric online = count(d where kenh == "Trực tuyến")
metric broken = count(d where kenh == "Trực\\ntuyến")
metric n = count(d)
metric s = sum(d.so)
"""

HEADER = "ngay,dv,kenh,so\n"
#: line 3 holds a line break in quotes: one row of lines 3-4
QUOTED = HEADER + '2020-01-10,HG,x,1\n2020-01-14,HG,"Trực\ntuyến",1\n2020-01-15,HG,"Trực tuyến",3\n'
#: and a blank line after the header
BLANK = HEADER + '\n2020-01-10,HG,x,1\n2020-01-14,HG,"Trực\ntuyến",1\n2020-01-15,HG,"Trực tuyến",3\n'


@pytest.fixture(scope="module")
def spark():
    return spark_engine()


def _q1(path, engine):
    data = kpirules.records_data(kpirules.parse(PLAN), {"d": str(path)}, engine=engine)
    return {m: v for (m, p, u), v in data.counted.values.items() if str(p) == "2020-Q1" and u is None}


def _error(path, engine) -> str:
    with pytest.raises(kpirules.KpiDataError) as err:
        count_records([DS], METRICS, {"d": str(path)}, engine=engine, years=(2020, 2020))
    return str(err.value)


@pytest.mark.parametrize("text", [QUOTED, BLANK], ids=["quoted", "blank-and-quoted"])
def test_a_line_break_in_quotes_is_part_of_its_cell_on_every_engine(tmp_path, spark, text):
    path = tmp_path / "d.csv"
    path.write_text(text, encoding="utf-8")
    want = {"online": 1, "broken": 1, "n": 3, "s": 5}
    for engine in ("python", "duckdb", spark):
        assert _q1(path, engine) == want, engine


def test_a_row_of_several_lines_is_named_by_its_first(tmp_path, spark):
    path = tmp_path / "d.csv"
    path.write_text(HEADER + '2020-01-10,HG,x,1\n\n2020-01-14,HG,"Trực\ntuyến\n!",x\n2020-01-15,HG,y,z\n',
                    encoding="utf-8")
    for engine in ("python", "duckdb", spark):
        text = _error(path, engine)
        assert "2 rows are not: line 4 ('x'), line 7 ('z')" in text, (engine, text)


WIDTHS = (HEADER + "2020-01-10,HG,x,1\n2020-01-11,HG,extra,x,1\n2020-01-12,HG,x,1,,\n"
          + '2020-01-13,HG,"a\nb",1,2\n2020-01-14,HG\n2020-01-15,HG,x,1\n')


def test_a_row_of_another_width_than_the_header_is_an_error_on_every_engine(tmp_path, spark):
    path = tmp_path / "d.csv"
    path.write_text(WIDTHS, encoding="utf-8")
    errors = [_error(path, engine) for engine in ("python", "duckdb", spark)]
    # every such row, by its first line and its count of cells; empty cells after the last column are none
    assert errors[0] == (
        f"{path}:3:1: error: 5 cells where the header has 4\n"
        '  hint: a cell holding the delimiter goes in double quotes: "a, b"\n'
        f"{path}:5:1: error: 5 cells where the header has 4\n"
        '  hint: a cell holding the delimiter goes in double quotes: "a, b"\n'
        f"{path}:7:1: error: 2 cells where the header has 4\n"
        "  hint: an empty cell is still there between two delimiters: a,,c"), errors[0]
    assert errors[1] == errors[0] and errors[2] == errors[0], errors
    # (no shifted cell is blamed: the bad number of line 3 is not reported as such)
    assert "must hold" not in errors[0]


def test_many_rows_of_another_width_are_counted(tmp_path):
    path = tmp_path / "d.csv"
    path.write_text("ngay;dv;kenh;so\n" + "2020-01-10;HG\n" * 8, encoding="utf-8")
    text = _error(path, "duckdb")
    assert text.count("error: 2 cells where the header has 4") == 5, text
    assert "a;;c" in text and text.endswith(f"{path}: and 3 more rows with another number of cells "
                                            "than the header's 4"), text


def test_the_command_line_names_the_file_and_line(tmp_path, capsys):
    plan = tmp_path / "p.kpi"
    plan.write_text(PLAN, encoding="utf-8")
    path = tmp_path / "d.csv"
    path.write_text(HEADER + "2020-01-10,HG,x,1\n2020-01-14,HG,x,1,9\n", encoding="utf-8")
    code = main(["check", str(plan), "--records", f"d={path}", "--period", "2020-Q1"])
    err = capsys.readouterr().err
    assert code == 2
    assert err.startswith(f"kpirules: {path}:3:1: error: 5 cells where the header has 4"), err
    assert "Traceback" not in err


def test_what_duckdb_still_cannot_read_is_said_in_our_words(tmp_path, monkeypatch):
    from kpirules.records import engines

    path = tmp_path / "d.csv"
    path.write_text(QUOTED, encoding="utf-8")
    # an error of DuckDB's CSV reader on a file the Python reader reads: its line, in kpirules' words
    monkeypatch.setattr(engines, "csv_problem", lambda p: None)
    raw = Exception("Invalid Input Error: CSV Error on Line: 3\nOriginal Line: 2020-01-14\n"
                    "Some problem there\n  file = d.csv\nPossible fixes: …")
    err = engines._read_error(kpirules.records.sources.FileSource(str(path), "csv"),
                              "DuckDB could not count the records: CSV Error on Line: 3", raw)
    assert str(err).startswith(f"{path}:3:1: error: not read as CSV (Some problem there)"), str(err)

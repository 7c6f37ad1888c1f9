"""The DuckDB reader of large long-form CSV files gives what the Python reader gives (issue 20 item 2).

The Python reader is the reference.  Both read the same generated messy files
(duplicates, blank cells and lines, a BOM, CRLF, Vietnamese and English
numbers, the ambiguous ``1.700``, bad periods, quoted cells, units and metrics
with spaces around, ``;`` delimiters): the same Data (snapshots and values in
the same order, periods, units, sources, how the number format was decided),
or the same error, message for message.
"""

from __future__ import annotations

import os
from fractions import Fraction
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kpirules import KpiDataError
from kpirules.data import load_data
from kpirules.data import duckcsv
from kpirules.data.model import LazySnapshots

HEADERS = ["period,unit,metric,value", "unit,period,value,metric", "kỳ,đơn vị,chỉ tiêu,giá trị",
           "period,unit,metric", "period,unit,metric,value,note"]
PERIODS = ["2020-Q1", "2020-Q2", "2021-Q4", "Q1/2020", " 2020-Q3", "2020-Q5", "", "2020"]
UNITS = ["DV01", "DV02", "Hà Giang", "", " DV01", "Ha\u0300 Giang"]
METRICS = ["a", "b", "chi_tieu_1", " a", "", "'=x"]
VALUES = ["1", "0", "42", "007", "1.5", "12.25", "0.500", "1234.567", "3.00", "123456789012345678",
          "1234567890.123456", "1.700", "12,5", "1.234,5", "-3", "",
          "abc", "20%", "true", "12345678901234567890", "1e3", " 7", "1.", '"5"']


GOOD = 3, 4, 3, 11  # the first periods, units, metrics and values that the DuckDB reader takes


def _cells(draw: Any, delimiter: str, clean: bool) -> str:
    lists = (PERIODS, UNITS, METRICS, VALUES)
    cells = [draw(st.sampled_from(choices[:good])) for choices, good in zip(lists, GOOD)]
    if not clean:  # one cell of any kind
        at = draw(st.sampled_from([0, 1, 2, 3, 3, 3]))
        cells[at] = (draw(st.sampled_from(lists[at][GOOD[at]:])) if draw(st.integers(0, 5))
                     else '"' + cells[at] + draw(st.sampled_from(["", delimiter])) + '"')  # a quoted cell
    return delimiter.join(cells)


#: the cells of a row (period, unit, metric, value) in the order of each header's columns
LAYOUTS = {0: [0, 1, 2, 3], 1: [1, 0, 3, 2], 2: [0, 1, 2, 3], 3: [0, 1, 2], 4: [0, 1, 2, 3, 3]}


@st.composite
def messy_files(draw: Any) -> bytes:
    """A long-form file, clean about half the time (then the DuckDB reader takes it), else with a few faults."""
    delimiter = draw(st.sampled_from([",", ",", ";", "\t"]))
    which = draw(st.sampled_from([0] * 6 + [1, 2, 3, 4]))
    header = HEADERS[which].replace(",", delimiter)

    def _row(draw: Any, delimiter: str, clean: bool) -> str:
        cells = _cells(draw, delimiter, clean).split(delimiter)
        return delimiter.join(cells[i] if i < len(cells) else "" for i in LAYOUTS[which])

    unique = draw(st.integers(0, 4)) > 0
    rows: list[str] = []
    seen: set[tuple[str, ...]] = set()
    for _ in range(draw(st.integers(1, 25))):
        row = _row(draw, delimiter, clean=True)
        key = tuple(row.split(delimiter)[:3])
        if unique and key in seen:
            continue  # (most files give each value once; the others may give one twice, the same or not)
        seen.add(key)
        rows.append(row)
    for _ in range(draw(st.sampled_from([0, 0, 0, 0, 1, 2]))):
        at = draw(st.integers(0, len(rows)))
        rows.insert(at, "" if not draw(st.integers(0, 6)) else _row(draw, delimiter, clean=False))
    end = draw(st.sampled_from(["\n", "\n", "\r\n"]))
    text = end.join([header, *rows]) + (end if draw(st.integers(0, 5)) else "")
    bom = b"\xef\xbb\xbf" if not draw(st.integers(0, 5)) else b""
    return bom + text.encode("utf-8")


def _read(path: str, number_format: str | None) -> tuple[str, Any]:
    try:
        data = load_data(path, number_format)
    except KpiDataError as exc:
        return "error", (str(exc), [(d.message, d.span, d.source_line, d.hint) for d in exc.diagnostics])
    snapshots = [(k, list(v.items())) for k, v in data.snapshots.items()]
    values = [(k, [(m, type(x), x) for m, x in v.items()]) for k, v in data.snapshots.items()]
    return "data", (snapshots, values, list(data.periods.items()), list(data.units), dict(data.sources),
                    data.files, data.file_sources, data.task_rows, data.events, data.submitted)


def _both(path: str, number_format: str | None, monkeypatch: pytest.MonkeyPatch) -> tuple[Any, Any, bool]:
    monkeypatch.setattr(duckcsv, "MIN_BYTES", 10 ** 15)
    python = _read(path, number_format)
    monkeypatch.setattr(duckcsv, "MIN_BYTES", 0)
    taken = duckcsv.read_large_csv(path, number_format) is not None
    return python, _read(path, number_format), taken


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(content=messy_files(), number_format=st.sampled_from([None, None, "vi", "en"]),
       sample=st.sampled_from([1, 2, 3, 1 << 16]), chunk=st.sampled_from([1, 2, 5, 1 << 16]),
       head=st.sampled_from([0, 30, 60, 1 << 16]))
def test_the_readers_agree(content: bytes, number_format: str | None, sample: int, chunk: int, head: int,
                           tmp_path: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    # (head: the first bytes whose lines' metrics the metric cells are read into as an ENUM; a metric
    # after them fails that read, and the cells are read as text)
    monkeypatch.setattr(duckcsv, "_HEAD", head)
    # (sample: the first rows whose metrics DuckDB codes before the grouping, and searched first for a
    # decimal; a metric or the first decimal after them takes the second look)
    monkeypatch.setattr(duckcsv, "_SAMPLE", sample)
    monkeypatch.setattr(duckcsv, "_CHUNK", chunk)  # (the rows fetched at a time when every value is read)
    path = os.path.join(tmp_path, "data.csv")
    with open(path, "wb") as fh:
        fh.write(content)
    python, duck, _ = _both(path, number_format, monkeypatch)
    assert duck == python


CLEAN = ("period,unit,metric,value\n"
         "2020-Q1,DV01,a,1\n2020-Q1,DV01,b,2.50\n2020-Q1,,a,7\n"
         "2020-Q2,DV02,a,0.125\n2020-Q1,DV02,a,3\n2020-Q2,DV01,b,1234.5\n2020-Q1,DV01,c,12\n")


def _write(tmp_path: Any, text: str, name: str = "data.csv") -> str:
    path = os.path.join(tmp_path, name)
    with open(path, "w", encoding="utf-8", newline="") as fh:
        fh.write(text)
    return path


def test_a_clean_file_is_read_by_duckdb_lazily_a_period_at_a_time(tmp_path: Any,
                                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    path = _write(tmp_path, CLEAN)
    python, duck, taken = _both(path, None, monkeypatch)
    assert taken and duck == python
    data = load_data(path)
    snapshots = data.snapshots
    assert isinstance(snapshots, LazySnapshots)
    assert len(snapshots) == 5 and snapshots.pending == {k for k, _ in snapshots}  # nothing read yet
    q1 = next(iter(data.periods))
    assert snapshots.get((q1, "DV01")) == {"a": 1, "b": Fraction(5, 2), "c": 12}
    assert snapshots.pending == set(data.periods) - {q1}  # one period read, the other not
    assert data.source("c", q1, "DV01").where == "row 8"  # (a snapshot met again later: a row per value)
    assert data.source("b", q1, "DV01").where == "row 3"
    q2 = list(data.periods)[1]
    assert data.source("b", q2, "DV01").where == "row 7"  # (reading a source reads its period)
    assert not snapshots.pending
    fs = data.file_sources[path]
    assert (fs.number_format, fs.decided_by.where, fs.decided_text) == ("en", "cell D3", "2.50")


def test_a_large_file_is_read_by_duckdb_through_load_data(tmp_path: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(duckcsv, "MIN_BYTES", len(CLEAN))
    assert isinstance(load_data(_write(tmp_path, CLEAN)).snapshots, LazySnapshots)
    assert not isinstance(load_data(_write(tmp_path, CLEAN[:-2] + "\n", "small.csv")).snapshots, LazySnapshots)


@pytest.mark.parametrize("fault", [
    "2020-Q1,DV01,a,1.700\n",  # ambiguous
    "2020-Q1,DV01,a,2\n",  # a value given twice, differently
    "2020-Q1,DV01,a,1\n",  # the same value twice: no error, the Python reader's Data
    "2020-Q9,DV01,a,1\n",  # not a period
    "\n2020-Q3,DV01,a,1\n",  # a blank line: rows are lines no more
    '2020-Q3,"DV01",a,1\n',  # a quoted cell
    "2020-Q3,DV01,a,\n",  # a blank value
    "2020-Q3, DV01,a,1\n",  # a unit with a space
    "Q3/2020,DV01,a,1\n2020-Q3,DV01,b,1\n",  # two labels of one period
])
def test_what_duckdb_does_not_take_the_python_reader_reads(fault: str, tmp_path: Any,
                                                           monkeypatch: pytest.MonkeyPatch) -> None:
    path = _write(tmp_path, CLEAN + fault)
    python, duck, taken = _both(path, None, monkeypatch)
    assert not taken and duck == python


def test_the_whole_mapping_reads_every_period_in_the_files_order(tmp_path: Any) -> None:
    path = _write(tmp_path, CLEAN)
    duckcsv_min = duckcsv.MIN_BYTES
    try:
        duckcsv.MIN_BYTES = 0
        lazy = load_data(path)
        other = load_data(path)
    finally:
        duckcsv.MIN_BYTES = duckcsv_min
    plain = load_data(path)
    assert dict(lazy.snapshots) == plain.snapshots and list(dict(lazy.snapshots)) == list(plain.snapshots)
    assert {**other.snapshots} == plain.snapshots
    assert lazy.snapshots == other.snapshots


def test_a_one_quarter_check_reads_only_the_periods_its_rules_read(tmp_path: Any,
                                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    import kpirules

    lines = ["period,unit,metric,value"]
    for year in range(2019, 2026):
        for q in range(1, 5):
            for unit in ("A", "B"):
                lines += [f"{year}-Q{q},{unit},online,{q * 10}", f"{year}-Q{q},{unit},total,{q * 10 + 5}.5"]
    path = _write(tmp_path, "\n".join(lines) + "\n")
    plan = kpirules.parse('plan "p"\n  reporting quarterly\n\nunit A\nunit B\n\n'
                          'rule share "Share":\n  for each unit:\n    ratio(online, total) >= 50%\n')
    monkeypatch.setattr(duckcsv, "MIN_BYTES", 10 ** 15)
    expected = [r.status for r in plan.evaluate(load_data(path), "2021-07-25")]
    monkeypatch.setattr(duckcsv, "MIN_BYTES", 0)
    data = load_data(path)
    assert isinstance(data.snapshots, LazySnapshots)
    results = plan.evaluate(data, "2021-07-25")
    assert [r.status for r in results] == expected
    assert [r.value for r in results] == [Fraction(40, 51)] * 2  # 20 / 25.5, exactly
    read = set(data.periods) - data.snapshots.pending
    assert [data.periods[k].label for k in read] == ["2021-Q2"]  # of 28 quarters, the one judged


def _metric_type(data: Any) -> str:
    (kind,) = data.snapshots.loader.con.execute(
        "SELECT data_type FROM information_schema.columns WHERE table_name = 't' AND column_name = 'm'").fetchone()
    return str(kind)


@pytest.mark.parametrize("head, kind", [(1 << 16, "ENUM"), (42, "VARCHAR"), (30, "VARCHAR")])
def test_the_metric_cells_are_read_as_codes_when_the_first_lines_name_every_metric(
        head: int, kind: str, tmp_path: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    # 42 bytes: the header and the first line (metric a only: b and c fail the ENUM, the cells are read
    # again as text); 30: no whole line (the cells are read as text at once)
    monkeypatch.setattr(duckcsv, "_HEAD", head)
    path = _write(tmp_path, CLEAN)
    python, duck, taken = _both(path, None, monkeypatch)
    assert taken and duck == python
    data = load_data(path)
    assert isinstance(data.snapshots, LazySnapshots) and _metric_type(data).startswith(kind)


def _large(rows: int, faults: dict[int, str], end: str = "\n", head: str = "period,unit,metric,value") -> str:
    """A long-form file of ``rows`` value rows (line 2 on), the row of each line in ``faults`` replaced."""
    lines = [head]
    for i in range(rows):
        line = i + 2
        lines.append(faults.get(line, f"2020-Q{i % 4 + 1},DV{i // 40:03},m{i // 4 % 10},{i}"))
    return end.join(lines) + end


def _small_and_large(path: str, number_format: str | None,
                     monkeypatch: pytest.MonkeyPatch) -> tuple[Any, Any]:
    """What the small-file reader reads of the file, and what load_data reads when it is over the limit."""
    import kpirules.text
    from kpirules.data import load as load_module

    monkeypatch.setattr(duckcsv, "MIN_BYTES", 10 ** 15)
    small = _read(path, number_format)
    monkeypatch.setattr(duckcsv, "MIN_BYTES", 1000)
    monkeypatch.setattr(kpirules.text, "MAX_TEXT_BYTES", 4096)
    assert os.path.getsize(path) > 4096

    def never(path: str) -> str:
        raise AssertionError(f"{path} was read whole")

    monkeypatch.setattr(load_module, "_read_text", never)  # (the text is never held whole)
    large = _read(path, number_format)
    monkeypatch.undo()
    return small, large


def test_a_file_over_the_text_limit_that_duckdb_hands_back_names_each_problem_by_its_line(
        tmp_path: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    # A file over kpirules.text.MAX_TEXT_BYTES with one bad cell was refused as "larger than … bytes":
    # its errors were lost.  Read a line at a time, it gives the small file's messages.
    bad = {line: f"2020-Q1,DV900,m{line},{line}.1.5" for line in range(300, 330)}  # (30 bad cells: 20 listed)
    faults = {**bad, 120: "2020-Q2,DV001,m9,1.234", 150: "2020-Q1,DV000,m0,7"}  # (ambiguous; m0 twice)
    path = _write(tmp_path, _large(400, faults))
    small, large = _small_and_large(path, None, monkeypatch)
    assert large[0] == "error"
    assert large == small
    text = large[1][0]
    assert "larger than" not in text
    assert f"{path}:300:20: error: column value (cell D300): '300.1.5' is not a number" in text
    assert "… and 10 more like this" in text
    assert f"{path}:120:18: error: column value (cell D120): '1.234' is ambiguous" in text
    # (m0 of 2020-Q1, DV000 is on row 2 too, as 0)
    assert f"{path}: row 150: m0 for 2020-Q1 (unit DV000) is 7 here but 0 at {path}: row 2" in text
    lines = [d[1].line for d in large[1][1] if d[1] is not None]
    assert lines == [120, *range(300, 320)]


@pytest.mark.parametrize("end", ["\n", "\r\n"])
@pytest.mark.parametrize("number_format", [None, "vi", "en"])
def test_a_file_over_the_text_limit_reads_as_a_small_one(end: str, number_format: str | None, tmp_path: Any,
                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    # a blank line (which DuckDB does not take); an ambiguous 1.234 that a decimal 12.5 decides (read
    # again in English); an Excel sep= line, a row of far too many cells and a ragged one
    cases = [
        ({50: ""}, "period,unit,metric,value"),
        ({60: "2020-Q3,DV001,m9,1.234", 61: "2020-Q3,DV001,m8,12.5"}, "period,unit,metric,value"),
        ({70: "2020-Q4,DV001,m8,1" + ",x" * 1200, 90: "2020-Q4,DV001,m7,2,5"}, f"sep=,{end}period,unit,metric,value"),
    ]
    for faults, head in cases:
        path = _write(tmp_path, _large(300, faults, end, head))
        small, large = _small_and_large(path, number_format, monkeypatch)
        assert large == small


@pytest.mark.parametrize("fault", [b"2020-Q1,DV001,m\xff,1", b"2020-Q1,DV001,m\x00,1", b"2020-Q1,DV001,m," + b"9" * 600_000])
@pytest.mark.parametrize("bom", [b"", b"\xef\xbb\xbf"])
def test_a_file_over_the_text_limit_that_is_no_text_csv_gives_the_small_files_error(
        fault: bytes, bom: bytes, tmp_path: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    # bytes that are not UTF-8, a NUL byte, a cell of more than 131,072 characters
    path = os.path.join(tmp_path, "data.csv")
    lines = _large(300, {}).encode().splitlines()
    lines.insert(200, fault)
    with open(path, "wb") as fh:
        fh.write(bom + b"\n".join(lines) + b"\n")
    small, large = _small_and_large(path, None, monkeypatch)
    assert small[0] == "error" and "larger than" not in small[1][0]
    assert large == small


def test_a_file_over_the_text_limit_with_a_quote_is_still_refused(tmp_path: Any,
                                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    import kpirules.text

    path = _write(tmp_path, _large(300, {60: '2020-Q3,"DV001",m9,1'}))
    monkeypatch.setattr(kpirules.text, "MAX_TEXT_BYTES", 4096)
    with pytest.raises(KpiDataError, match="larger than 4,096 bytes, the most kpirules reads"):
        load_data(path)

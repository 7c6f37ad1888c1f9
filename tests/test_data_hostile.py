"""Hostile and careless data files (made here, at test time, never committed): every one gives a clear,
bounded error naming the file and the row or cell, exit 2 from the command line, never a traceback."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

import kpirules
from kpirules.cli import main
from kpirules.data import parse_csv_data, parse_json_data
from kpirules.data.csvfile import MAX_EXTRA_CELLS
from kpirules.data.model import MAX_PER_KIND
from kpirules.errors import KpiDataError

HEADER = "period,unit,metric,value\n"


def _check(tmp_path: Path, data: Path, capsys: pytest.CaptureFixture[str]) -> str:
    plan = tmp_path / "p.kpi"
    plan.write_text("rule R: a >= 1\n", encoding="utf-8")
    assert main(["check", str(plan), "--data", str(data), "--as-of", "2020-12-18"]) == 2
    err = capsys.readouterr().err
    assert "Traceback" not in err
    return err


def test_a_row_of_ten_million_trailing_commas_is_an_error_and_the_other_rows_are_read(tmp_path: Path) -> None:
    text = HEADER + "2020-Q4,,a,1" + "," * 10_000_000 + "\n2020-Q5,,b,2\n2020-Q4,,c,3\n"
    with pytest.raises(KpiDataError) as exc:
        parse_csv_data(text, "wide.csv")
    first, second = exc.value.diagnostics
    assert first.message == ("row 2: this row has 10,000,004 cells but the header has 4; a row may have at most "
                             "1,000 cells more than its header (blank ones included)")
    assert first.span is not None and (first.span.file, first.span.line) == ("wide.csv", 2)
    assert "'2020-Q5'" in second.message  # (the next rows were still read)


def test_trailing_blank_cells_within_the_allowance_are_read() -> None:
    data = parse_csv_data(HEADER + "2020-Q4,,a,1" + "," * MAX_EXTRA_CELLS + "\n", "f.csv")
    assert data.value("a", kpirules.parse_period("2020-Q4").key) == 1
    with pytest.raises(KpiDataError, match="1,005 cells"):
        parse_csv_data(HEADER + "2020-Q4,,a,1" + "," * (MAX_EXTRA_CELLS + 1) + "\n", "f.csv")


def test_delimiters_inside_quotes_are_not_cells() -> None:
    data = parse_csv_data(HEADER + '2020-Q4,,a,"' + "," * 5000 + '"\n', "f.csv")
    assert data.value("a", kpirules.parse_period("2020-Q4").key) == "," * 5000


def test_a_header_of_a_million_cells_is_refused() -> None:
    with pytest.raises(KpiDataError, match="the header has 1,000,001 cells; a data header has at most 16,384"):
        parse_csv_data("," * 1_000_000 + "\n2020-Q4,,a,1\n", "f.csv")


def test_a_million_problems_of_one_kind_give_a_bounded_message() -> None:
    text = HEADER + "".join(f"2020-Q4,U{i},a,1.2.3\n" for i in range(50_000))
    with pytest.raises(KpiDataError) as exc:
        parse_csv_data(text, "bad.csv")
    diags = exc.value.diagnostics
    assert len(diags) == MAX_PER_KIND + 1
    assert [d.span.line for d in diags[:-1]] == list(range(2, MAX_PER_KIND + 2))  # type: ignore[union-attr]
    assert diags[-1].message == f"bad.csv: … and {50_000 - MAX_PER_KIND:,} more like this"
    assert len(str(exc.value)) < 10_000


def test_the_cap_is_per_kind_so_every_kind_of_problem_is_shown() -> None:
    text = HEADER + "".join(f"2020-Q5,U{i},a,1\n2020-Q4,U{i},b,1.2.3\n" for i in range(100)) + "2020-Q4,,,1\n"
    with pytest.raises(KpiDataError) as exc:
        parse_csv_data(text, "bad.csv")
    text = str(exc.value)
    assert text.count("… and 80 more like this") == 2 and "column metric is empty" in text


def test_a_million_ambiguous_cells_give_one_error(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    f = tmp_path / "amb.csv"
    f.write_text(HEADER + "".join(f"2020-Q4,U{i},a,1.234\n" for i in range(100_000)), encoding="utf-8")
    err = _check(tmp_path, f, capsys)
    assert "amb.csv:2:" in err and "(99,999 more cells like it)" in err and len(err) < 2_000


@pytest.mark.parametrize("text,where,words", [
    ('{"snapshots": [{"period": "2020-Q4", "values": {"a": NaN}}]}', "1:54", "NaN is not a number"),
    ('{"snapshots": [{"period": "2020-Q4",\n "values": {"b": "1e999", "a": -Infinity}}]}', "2:32",
     "-Infinity is not a number"),
    ('{"snapshots": [{"period": "2020-Q4", "values": {"a": 1e999999}}]}', "1:54",
     "the exponent of 1e999999 is too large"),
    ('{"snapshots": [{"period": "2020-Q4", "values": {"a": ' + "9" * 5000 + "}}]}", "1:54",
     "a number of more than 4000 digits"),
    ("[" * 100_000 + "]" * 100_000, "1:101", "nested more than 100 levels deep"),
    ('{"snapshots": [{"values": {"a": ' + "[" * 5000 + "]" * 5000 + "}}]}", "1:129", "nested more than 100"),
])
def test_json_errors_carry_their_position(text: str, where: str, words: str) -> None:
    with pytest.raises(KpiDataError) as exc:
        parse_json_data(text, "h.json")
    # (NaN is no JSON; a number or a nesting past kpirules' limits is JSON that kpirules does not read)
    said = "not valid JSON" if "is not a number" in words else "valid JSON, but beyond what kpirules reads"
    assert str(exc.value).startswith(f"h.json:{where}: error: {said}: {words}"), str(exc.value)[:300]


def test_json_problems_are_capped_too() -> None:
    doc = {"snapshots": [{"period": "2020-Q9", "values": {"a": 1}} for _ in range(5000)]}
    with pytest.raises(KpiDataError) as exc:
        parse_json_data(json.dumps(doc), "h.json")
    assert len(exc.value.diagnostics) == MAX_PER_KIND + 1
    assert exc.value.diagnostics[-1].message == f"… and {5000 - MAX_PER_KIND:,} more like this"


@pytest.mark.parametrize("name,body", [
    ("empty.csv", b""), ("bom.csv", b"\xef\xbb\xbf"), ("header.csv", b"period;unit;metric;value\r\n"),
    ("blank.csv", b"\r\n\r\n"), ("empty.json", b"{}"), ("lists.json", b'{"snapshots": [], "tasks": []}'),
    ("empty.txt", b""),
])
def test_an_empty_data_file_is_an_error_in_every_format(tmp_path: Path, name: str, body: bytes,
                                                         capsys: pytest.CaptureFixture[str]) -> None:
    f = tmp_path / name
    f.write_bytes(body)
    err = _check(tmp_path, f, capsys)
    assert f"{f}: the file holds no snapshot, no task row and no event" in err


def test_an_xlsx_with_only_its_header_is_an_error(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    openpyxl = pytest.importorskip("openpyxl")
    book = openpyxl.Workbook()
    book.active.append(["period", "unit", "metric", "value"])
    f = tmp_path / "header.xlsx"
    book.save(f)
    assert f"{f}: the file holds no snapshot, no task row and no event" in _check(tmp_path, f, capsys)


def test_every_problem_of_every_file_is_listed(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    a, b = tmp_path / "a.csv", tmp_path / "b.json"
    a.write_text(HEADER + "2020-Q5,,a,1\n2020-Q4,,b,1.2.3\n", encoding="utf-8")
    b.write_text('{"snapshots": [{"period": "2020-Q4", "values": {"a": NaN}}]}', encoding="utf-8")
    plan = tmp_path / "p.kpi"
    plan.write_text("rule R: a >= 1\n", encoding="utf-8")
    assert main(["check", str(plan), "--data", str(a), "--data", str(b), "--as-of", "2020-12-18"]) == 2
    err = capsys.readouterr().err
    assert f"{a}:2:1:" in err and f"{a}:3:" in err and f"{b}:1:54:" in err and "Traceback" not in err


# --- a CSV cell over the limit (issue 21): refused while reading, in memory near the limit, not 8× the cell


def _peak(call) -> int:  # type: ignore[no-untyped-def]
    """The most memory (bytes) Python held while ``call()`` ran, which must raise KpiDataError."""
    import tracemalloc

    tracemalloc.start()
    try:
        with pytest.raises(KpiDataError) as exc:
            call()
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
        _peak.error = exc.value  # type: ignore[attr-defined]


def test_a_cell_of_forty_megabytes_is_refused_in_the_memory_of_a_chunk(tmp_path: Path,
                                                                      capsys: pytest.CaptureFixture[str]) -> None:
    # one quoted field of 200 MB took 1.65 GB before the csv module refused it; 40 MB is the same case
    path = tmp_path / "big.csv"
    with open(path, "w", encoding="utf-8") as fh:
        fh.write(HEADER + '2020-Q4,,a,1\n2020-Q4,,b,"')
        for _ in range(40):
            fh.write("ệ" * 350_000)  # (a megabyte: the bytes of a character are no matter)
        fh.write('"\n')
    assert _peak(lambda: kpirules.load_data(str(path))) < 8 << 20
    assert str(_peak.error) == (  # type: ignore[attr-defined]
        f"{path}:3:13: error: a cell of more than 131,072 characters (524,289 bytes or more with no delimiter, quote or "
        "line end), more than a CSV cell holds; kpirules stopped reading there: is this the right file?")
    assert "more than a CSV cell holds" in _check(tmp_path, path, capsys)


def test_a_long_cell_with_delimiters_in_its_quotes_is_refused_by_the_reader_naming_its_row(tmp_path: Path) -> None:
    path = tmp_path / "quoted.csv"
    size = 20 << 20
    path.write_text(HEADER + '2020-Q4,,a,"' + "x;y," * (size // 4) + '"\n2020-Q4,,b,2\n', encoding="utf-8")
    # the file's bytes and its text, and a line of it at a time (io.StringIO held it again, 4 bytes a character)
    assert _peak(lambda: kpirules.load_data(str(path))) < 3.5 * size
    (d,) = _peak.error.diagnostics  # type: ignore[attr-defined]
    assert d.message.startswith("a cell of more than 131,072 characters, more than a CSV cell holds (a quote")
    assert d.span is not None and (d.span.file, d.span.line) == (str(path), 2) and d.source_line is None


def test_a_cell_of_the_limit_is_read_and_one_character_more_is_not(tmp_path: Path) -> None:
    for n, ok in ((131_072, True), (131_073, False)):
        path = tmp_path / f"c{n}.csv"
        path.write_text(HEADER + f'2020-Q4,,a,"{"ệ" * n}"\n', encoding="utf-8")
        if ok:
            (snapshot,) = kpirules.load_data(str(path)).snapshots.values()
            assert snapshot["a"] == "ệ" * n
        else:
            with pytest.raises(KpiDataError, match=r"c131073\.csv:2:1: .*a cell of more than 131,072 characters"):
                kpirules.load_data(str(path))


@pytest.mark.parametrize("start", [(1 << 20) - 100, (1 << 20) - 524_289, 3])
def test_a_long_run_is_found_across_the_chunks_read(tmp_path: Path, start: int) -> None:
    from kpirules.data.csvfile import _LONG_RUN, refuse_long_cells

    for length, refused in ((_LONG_RUN, True), (_LONG_RUN - 1, False)):
        body = b"a," * (start // 2) + b"\n" * (start % 2)
        path = tmp_path / "run.csv"
        path.write_bytes(body + b"x" * length + b",\n1,2\n")
        if refused:
            # (the line and the column where the cell begins, and `error:` after them, as for other cells)
            where = f"{1 + start % 2}:{1 if start % 2 else start + 1}"
            with pytest.raises(KpiDataError, match=rf"run\.csv:{where}: error: a cell of more than"):
                refuse_long_cells(str(path), 1 << 30)
        else:
            assert refuse_long_cells(str(path), 1 << 30) is True  # (plain: no quote, no line of 1 GiB)


def test_duckdb_is_given_no_file_with_a_quote_or_a_line_too_long(tmp_path: Path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    # a line of 50M commas took DuckDB 3 GB before it refused it: such a file goes to the Python reader
    import kpirules.data.load as load
    from kpirules.data.duckcsv import MAX_LINE

    plain = "".join(f"2020-Q4,,m{i},{i}\n" for i in range(300_000))
    for name, body, given in (("plain.csv", HEADER + plain, True),
                              ("commas.csv", HEADER + "2020-Q4,,a,1" + "," * 5_000_000 + "\n" + plain, False),
                              ("quote.csv", HEADER + '2020-Q4,,a,"1"\n' + plain, False)):
        path = tmp_path / name
        path.write_text(body, encoding="utf-8")
        seen = []
        monkeypatch.setattr(load, "read_large_csv", lambda p, f: seen.append(p))
        assert load.refuse_long_cells(str(path), MAX_LINE) is given, name
        try:
            kpirules.load_data(str(path))  # (read_large_csv, faked, gives None: the Python reader reads it)
        except KpiDataError as exc:
            assert not given and "10,000,004 cells" not in str(exc) and "5,000,004 cells" in str(exc)
        assert bool(seen) is given, name


@pytest.mark.parametrize("text", [
    HEADER + '2020-Q4,,a,"1"\r\n2020-Q4,,b,"x\ny"\r\n2020-Q4,,c,3',
    HEADER.replace("\n", "\r") + '2020-Q4,,a,"1"\r2020-Q4,,b,"x\r\ny"\n2020-Q4,,c,"3"\n',
    HEADER + '2020-Q4,,a,1\n\n2020-Q4,,b,"2\n',
    HEADER + '2020-Q4,,a,"1\u2028"\n2020-Q4,,b,"\x1c"\n',
    HEADER + "2020-Q4,,a,1\r2020-Q4,,b,2\n2020-Q4,,c,3\r\n2020-Q4,,d,4\u2028x\r"])
def test_a_long_text_is_read_a_line_at_a_time_as_a_short_one_at_once(monkeypatch, text: str) -> None:  # type: ignore[no-untyped-def]
    import kpirules.data.csvfile as csvfile

    def read() -> object:
        try:
            return parse_csv_data(text, "d.csv").snapshots
        except KpiDataError as exc:
            return str(exc)

    at_once = read()
    monkeypatch.setattr(csvfile, "_LINES_AT_ONCE", 0)
    assert read() == at_once

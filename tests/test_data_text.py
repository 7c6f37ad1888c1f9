"""One way to read a text file (kpirules.text.read_text): every kind of file kpirules reads
accepts a UTF-8 byte-order mark, and bytes that are not UTF-8 give one message naming the file
and the line, never a traceback."""

from __future__ import annotations

from pathlib import Path

import pytest

import kpirules
from kpirules.cli import main
from kpirules.data import load_data
from kpirules.errors import KpiDataError, KpiError
from kpirules.kpitest import load_tests
from kpirules.text import read_text

BOM = b"\xef\xbb\xbf"
PLAN = "plan P\n  reporting quarterly\n\nrule R1 \"Người dùng\":\n  users >= 10 by 2020\n"
CSV = "period,unit,metric,value\n2020-Q4,,users,12\n"
JSON = '{"snapshots": [{"period": "2020-Q4", "values": {"users": 12}}]}'
KPITEST = 'plan "p.kpi"\n\ntest "met":\n  as of 2020-12-20\n  data 2020-Q4: users = 12\n  expect R1 met\n'
#: bytes that are not UTF-8 (Latin-1 "à"), on line 2 of each file
LATIN1 = "\u00e0".encode("latin-1")


def _bad(text: str) -> bytes:
    first, rest = text.split("\n", 1)
    return (first + "\n").encode() + LATIN1 + rest.encode()


def test_read_text_strips_the_bom_and_keeps_newlines(tmp_path: Path) -> None:
    f = tmp_path / "a.txt"
    f.write_bytes(BOM + "a\r\nb\n".encode())
    assert read_text(str(f), "data file", KpiDataError) == "a\r\nb\n"
    f.write_bytes("a\r\nb\n".encode("utf-16"))
    assert read_text(str(f), "data file", KpiDataError) == "a\r\nb\n"


@pytest.mark.parametrize("kind", ["rule file", "data file", "test file"])
def test_read_text_names_the_file_line_and_byte(tmp_path: Path, kind: str) -> None:
    f = tmp_path / "x.kpi"
    f.write_bytes(b"ok\n" + BOM + b"ok\n" + LATIN1 + b"\n")
    with pytest.raises(KpiError) as exc:
        read_text(str(f), kind, KpiError)
    assert str(exc.value) == f"{f}:3: the {kind} is not UTF-8 (byte 0xe0 at offset 9); save it as UTF-8"
    with pytest.raises(KpiError, match=f"missing.kpi: cannot read the {kind}: No such file"):
        read_text(str(tmp_path / "missing.kpi"), kind, KpiError)


def test_a_plan_with_a_bom_loads_and_bad_utf8_is_one_error(tmp_path: Path) -> None:
    plan = tmp_path / "p.kpi"
    plan.write_bytes(BOM + PLAN.encode())
    assert [r.id for r in kpirules.load(plan).rules] == ["R1"]
    plan.write_bytes(_bad(PLAN))
    with pytest.raises(KpiError) as exc:
        kpirules.load(plan)
    assert str(exc.value).startswith(f"{plan}:2: the rule file is not UTF-8 (byte 0xe0")


@pytest.mark.parametrize("name,text", [("d.csv", CSV), ("d.json", JSON)])
def test_data_with_a_bom_loads_and_bad_utf8_is_one_error(tmp_path: Path, name: str, text: str) -> None:
    f = tmp_path / name
    f.write_bytes(BOM + text.encode())
    (_, users), = ((m, v) for _, _, m, v in kpirules.data.iter_values(load_data(f)))
    assert users == 12
    f.write_bytes(_bad(text) if name.endswith(".csv") else b'{"snapshots": [],\n"x": "' + LATIN1 + b'"}')
    with pytest.raises(KpiDataError) as exc:
        load_data(f)
    assert str(exc.value).startswith(f"{f}:2: the data file is not UTF-8 (byte 0xe0")


def test_a_kpitest_file_with_a_bom_loads_and_bad_utf8_is_one_error(tmp_path: Path) -> None:
    (tmp_path / "p.kpi").write_text(PLAN, encoding="utf-8")
    t = tmp_path / "p.kpitest"
    t.write_bytes(BOM + KPITEST.encode())
    assert [x.name for x in load_tests(t)] == ["met"]
    t.write_bytes(_bad(KPITEST))
    with pytest.raises(KpiError) as exc:
        load_tests(t)
    assert str(exc.value).startswith(f"{t}:2: the test file is not UTF-8 (byte 0xe0")


@pytest.mark.parametrize("command", ["fmt", "lint", "check", "check-data", "test"])
def test_every_command_reads_a_bom_and_reports_bad_utf8_without_a_traceback(
        tmp_path: Path, command: str, capsys: pytest.CaptureFixture[str]) -> None:
    plan = tmp_path / "p.kpi"
    test = tmp_path / "p.kpitest"
    test.write_bytes(BOM + KPITEST.encode())
    plan.write_bytes(BOM + PLAN.encode())
    data = tmp_path / "d.csv"
    data.write_bytes(BOM + CSV.encode())
    check = ["check", str(plan), "--data", str(data), "--as-of", "2020-12-20"]
    args = {"fmt": ["fmt", "--check", str(plan)], "lint": ["lint", str(plan)], "check": check,
            "check-data": check, "test": ["test", str(test)]}[command]
    assert main(args) == 0, capsys.readouterr()
    capsys.readouterr()
    bad, kind, text = {"test": (test, "test file", KPITEST), "check-data": (data, "data file", CSV)}.get(
        command, (plan, "rule file", PLAN))
    bad.write_bytes(_bad(text))
    code = main(args)
    err = capsys.readouterr().err
    assert code == 2 and f"{bad}:2: the {kind} is not UTF-8 (byte 0xe0" in err and "Traceback" not in err, err


@pytest.mark.parametrize("ext", [".csv", ".json"])
@pytest.mark.parametrize("encode", [lambda t: t.encode(), lambda t: BOM + t.encode(), lambda t: t.encode("utf-16"),
                                    lambda t: b"\xfe\xff" + t.encode("utf-16-be"),
                                    lambda t: t.encode() + LATIN1 + b"\n",
                                    lambda t: b"\xfe\xff\xd8"],
                         ids=["utf8", "bom", "utf16", "utf16be", "latin1", "bad-utf16"])
def test_the_readers_of_text_in_memory_take_bytes_and_decode_them_as_a_file_is_decoded(
        tmp_path: Path, ext: str, encode: object) -> None:
    """Bug (issue 22 item 10): parse_json_data / parse_csv_data took only str, so an endpoint decoded an upload
    itself and answered 500 to bytes that are not UTF-8, or refused the UTF-16 that `kpirules check` reads.
    Given bytes, they read what load_data reads of the same bytes in a file, and refuse what it refuses with
    its message, the upload's name in place of the path."""
    from kpirules.data import parse_csv_data, parse_json_data

    raw = encode(CSV if ext == ".csv" else JSON)  # type: ignore[operator]
    f = tmp_path / f"upload{ext}"
    f.write_bytes(raw)
    parse = parse_csv_data if ext == ".csv" else parse_json_data
    try:
        want = load_data(str(f))
    except KpiDataError as exc:
        with pytest.raises(KpiDataError) as got:
            parse(raw, f"upload{ext}")
        assert str(got.value) == str(exc).replace(str(f), f"upload{ext}") and "upload" in str(exc)
        assert isinstance(raw, bytes) and (raw.startswith(b"\xfe\xff") or LATIN1 in raw)
        return
    assert parse(raw, f"upload{ext}").snapshots == want.snapshots == {
        (kpirules.parse_period("2020-Q4").key, None): {"users": 12}}
    assert parse(bytearray(raw), f"upload{ext}").snapshots == want.snapshots

"""The provenance block of `check --format json` and of reports, and `kpirules verify`."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from kpirules.cli import main
from kpirules.report.provenance import DATA_CHANGED, PLAN_CHANGED, RESULTS_DIFFER, block_digest, results_digest

HERE = Path(__file__).parent
SRC = HERE / "data" / "report"


@pytest.fixture
def work(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A copy of the crafted report plan and data, the current directory (files are named relative)."""
    shutil.copy(SRC / "plan.kpi", tmp_path / "plan.kpi")
    shutil.copy(SRC / "data.json", tmp_path / "data.json")
    monkeypatch.chdir(tmp_path)
    return tmp_path


def _run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


def _check(capsys: pytest.CaptureFixture[str], *extra: str) -> dict:
    code, out, _ = _run(capsys, "check", "plan.kpi", "--data", "data.json", "--period", "2020-Q4", "--format",
                        "json", *extra)
    assert code == 1
    return json.loads(out)


def test_check_json_carries_the_block(work: Path, capsys: pytest.CaptureFixture[str]) -> None:
    import hashlib

    from kpirules import __version__

    doc = _check(capsys)
    prov = doc["provenance"]
    assert prov["tool"] == "kpirules" and prov["version"] == __version__
    assert prov["plan"]["file"] == "plan.kpi" and prov["plan"]["id"] == "T/2020"
    assert prov["plan"]["sha256"] == hashlib.sha256((work / "plan.kpi").read_bytes()).hexdigest()
    assert prov["data"] == [{"file": "data.json",
                             "sha256": hashlib.sha256((work / "data.json").read_bytes()).hexdigest()}]
    assert prov["reporting"] == {"kind": "quarter", "cutoff": 15, "due": 20}
    assert prov["period"] == "2020-Q4" and prov["as_of"] == "2020-12-20"
    assert prov["results"] == len(doc["results"])
    assert prov["results_sha256"] == results_digest(doc["results"])
    assert prov["digest"] == block_digest(prov)


def test_canonical_digest_ignores_layout_and_comments(work: Path, capsys: pytest.CaptureFixture[str]) -> None:
    before = _check(capsys)["provenance"]["plan"]
    text = (work / "plan.kpi").read_text(encoding="utf-8")
    (work / "plan.kpi").write_text("# a new comment\n" + text.replace("\n\n", "\n\n\n"), encoding="utf-8")
    after = _check(capsys)["provenance"]["plan"]
    assert after["sha256"] != before["sha256"]
    assert after["canonical_sha256"] == before["canonical_sha256"]
    (work / "plan.kpi").write_text(text.replace(">= 20% by 2020", ">= 21% by 2020"), encoding="utf-8")
    assert _check(capsys)["provenance"]["plan"]["canonical_sha256"] != before["canonical_sha256"]


def _stamp(work: Path, capsys: pytest.CaptureFixture[str], kind: str) -> Path:
    if kind == "check":
        text = json.dumps(_check(capsys), ensure_ascii=False)
    elif kind == "rollup":
        code, text, _ = _run(capsys, "check", "plan.kpi", "--data", "data.json", "--period", "2020-Q3..2020-Q4",
                             "--format", "json")
        assert code == 1
    else:
        code, text, _ = _run(capsys, "report", "plan.kpi", "--data", "data.json", "--period", "2020-Q4",
                             "--format", "json")
        assert code == 1
    out = work / f"{kind}.json"
    out.write_text(text, encoding="utf-8")
    return out


KINDS = ["check", "rollup", "report"]


@pytest.mark.parametrize("kind", KINDS)
def test_verify_same_inputs(work: Path, capsys: pytest.CaptureFixture[str], kind: str) -> None:
    stamped = _stamp(work, capsys, kind)
    code, out, err = _run(capsys, "verify", str(stamped))
    assert (code, err) == (0, "")
    assert out.startswith(f"verified: {stamped}") and "plan.kpi" in out


@pytest.mark.parametrize("kind", KINDS)
def test_verify_one_byte_of_the_plan(work: Path, capsys: pytest.CaptureFixture[str], kind: str) -> None:
    stamped = _stamp(work, capsys, kind)
    raw = (work / "plan.kpi").read_bytes()
    i = raw.index(b"20% by 2020")
    (work / "plan.kpi").write_bytes(raw[:i] + b"3" + raw[i + 1:])  # 20% → 30%
    code, out, _ = _run(capsys, "verify", str(stamped))
    assert code == PLAN_CHANGED == 3
    assert out.startswith("plan changed: plan.kpi is not the file the report was made from")
    assert "its canonical text differs too" in out
    assert "rule A.1.x" in out  # and what the change does to the results


def test_verify_plan_layout_only(work: Path, capsys: pytest.CaptureFixture[str]) -> None:
    stamped = _stamp(work, capsys, "check")
    with open(work / "plan.kpi", "ab") as fh:
        fh.write(b"\n")
    code, out, _ = _run(capsys, "verify", str(stamped))
    assert code == PLAN_CHANGED
    assert "only layout or comments differ" in out and "results differ" not in out


@pytest.mark.parametrize("kind", KINDS)
def test_verify_one_value_of_the_data(work: Path, capsys: pytest.CaptureFixture[str], kind: str) -> None:
    stamped = _stamp(work, capsys, kind)
    text = (work / "data.json").read_text(encoding="utf-8")
    assert text.count('"eid": 617') == 1
    (work / "data.json").write_text(text.replace('"eid": 617', '"eid": 618'), encoding="utf-8")
    code, out, _ = _run(capsys, "verify", str(stamped))
    assert code == DATA_CHANGED == 4
    assert out.startswith("data changed: data.json is not the file the report was made from")
    assert "results differ" in out and 'value "0.2468" in the report, "0.2472" re-derived' in out


def test_verify_data_named_on_the_command_line(work: Path, capsys: pytest.CaptureFixture[str]) -> None:
    stamped = _stamp(work, capsys, "check")
    shutil.copy(work / "data.json", work / "copy.json")
    assert _run(capsys, "verify", str(stamped), "--data", "copy.json")[0] == 0
    text = (work / "data.json").read_text(encoding="utf-8")
    (work / "copy.json").write_text(text.replace('"hours": 75', '"hours": 60'), encoding="utf-8")
    code, out, _ = _run(capsys, "verify", str(stamped), "--data", "copy.json")
    assert code == DATA_CHANGED and "copy.json" in out
    shutil.copy(work / "data.json", work / "copy.json")
    code, out, _ = _run(capsys, "verify", str(stamped), "--data", "data.json", "--data", "copy.json")
    assert code == DATA_CHANGED and out.startswith("data changed: 2 data file(s) given, the report was made from 1")


@pytest.mark.parametrize("kind", KINDS)
def test_verify_one_result(work: Path, capsys: pytest.CaptureFixture[str], kind: str) -> None:
    stamped = _stamp(work, capsys, kind)
    doc = json.loads(stamped.read_text(encoding="utf-8"))
    results = doc["checks"][-1]["results"] if kind == "rollup" else doc["results"]
    target = next(r for r in results if r["id"] == "A.1.x")
    assert target["status"] == "met"
    target["status"] = "not_met"
    stamped.write_text(json.dumps(doc, ensure_ascii=False), encoding="utf-8")
    code, out, _ = _run(capsys, "verify", str(stamped))
    assert code == RESULTS_DIFFER == 5
    assert 'rule A.1.x: status "not_met" in the report, "met" re-derived' in out


def test_verify_results_digest_changed(work: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """A stamp whose results digest is not that of the results its inputs give: results differ."""
    stamped = _stamp(work, capsys, "check")
    doc = json.loads(stamped.read_text(encoding="utf-8"))
    doc["provenance"]["results_sha256"] = "0" * 64
    doc["provenance"]["digest"] = block_digest(doc["provenance"])
    stamped.write_text(json.dumps(doc, ensure_ascii=False), encoding="utf-8")
    code, out, _ = _run(capsys, "verify", str(stamped))
    assert code == RESULTS_DIFFER
    assert out.startswith("results differ: re-derived") and "on the same inputs" in out


def test_verify_edited_block(work: Path, capsys: pytest.CaptureFixture[str]) -> None:
    stamped = _stamp(work, capsys, "check")
    doc = json.loads(stamped.read_text(encoding="utf-8"))
    doc["provenance"]["as_of"] = "2020-12-21"
    stamped.write_text(json.dumps(doc, ensure_ascii=False), encoding="utf-8")
    code, out, _ = _run(capsys, "verify", str(stamped))
    assert code == RESULTS_DIFFER
    assert "the provenance block was changed after it was made" in out


@pytest.mark.parametrize("content, expected", [
    (None, "cannot read the report"),
    ("not json", "not a JSON report"),
    ('{"results": []}', "has no provenance block"),
])
def test_verify_bad_input(work: Path, capsys: pytest.CaptureFixture[str], content: str | None,
                          expected: str) -> None:
    if content is not None:
        (work / "x.json").write_text(content, encoding="utf-8")
    code, out, err = _run(capsys, "verify", "x.json")
    assert code == 2 and out == ""
    assert expected in err and "Traceback" not in err


def test_verify_missing_data_file(work: Path, capsys: pytest.CaptureFixture[str]) -> None:
    stamped = _stamp(work, capsys, "check")
    (work / "data.json").unlink()
    code, _, err = _run(capsys, "verify", str(stamped))
    assert code == 2 and "data.json: cannot read the data file the report names (tried " in err
    assert "give the files with --plan PLAN.kpi and --data FILE" in err


def test_report_and_check_stamp_the_same_results(work: Path, capsys: pytest.CaptureFixture[str]) -> None:
    check = _check(capsys)["provenance"]
    report = json.loads(_stamp(work, capsys, "report").read_text(encoding="utf-8"))["provenance"]
    assert report == check  # the same inputs, period and as-of date: the same stamp, in any language
    code, out, _ = _run(capsys, "report", "plan.kpi", "--data", "data.json", "--period", "2020-Q4", "--lang", "en",
                        "--format", "json")
    assert json.loads(out)["provenance"] == check


@pytest.mark.parametrize("fmt", ["md", "html"])
def test_the_footer_shows_the_short_digest(work: Path, capsys: pytest.CaptureFixture[str], fmt: str) -> None:
    digest = _check(capsys)["provenance"]["digest"]
    code, out, _ = _run(capsys, "report", "plan.kpi", "--data", "data.json", "--period", "2020-Q4", "--format", fmt)
    assert f"Mã kiểm chứng {digest[:12]} (kpirules " in out
    assert digest[:13] not in out

"""`kpirules report -o -` (issue 22, the second trial's item 5): standard output, or refused for a binary format.

It wrote a file named `-`."""

from __future__ import annotations

from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


REPORT = ["report", str(ROOT / "tests" / "data" / "report" / "plan.kpi"), "--data",
          str(ROOT / "tests" / "data" / "report" / "data.json"), "--period", "2020-Q4"]


@pytest.mark.parametrize("fmt", ["md", "html", "json"])
def test_report_to_dash_writes_standard_output(fmt: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                               capsys: pytest.CaptureFixture[str]) -> None:
    from kpirules.cli import main

    monkeypatch.chdir(tmp_path)
    code = main([*REPORT, "--format", fmt])
    plain = capsys.readouterr().out
    assert main([*REPORT, "--format", fmt, "-o", "-"]) == code == 1
    out, err = capsys.readouterr()
    assert out == plain and "wrote" not in err
    assert not (tmp_path / "-").exists()
    if fmt == "md":  # (with no --format: Markdown, as with no -o)
        assert main([*REPORT, "-o", "-"]) == 1 and capsys.readouterr().out == plain


@pytest.mark.parametrize("fmt", ["pdf", "docx"])
def test_a_binary_report_to_standard_output_is_refused(fmt: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                      capsys: pytest.CaptureFixture[str]) -> None:
    from kpirules.cli import main

    monkeypatch.chdir(tmp_path)
    assert main([*REPORT, "--format", fmt, "-o", "-"]) == 2
    out, err = capsys.readouterr()
    assert out == "" and "Traceback" not in err
    assert (f"--format {fmt} writes a binary file, which is not written to standard output (-o -): "
            f"give the file with -o FILE.{fmt}") in err
    assert not (tmp_path / "-").exists()

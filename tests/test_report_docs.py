"""docs/report.md quotes what a real run prints (issue 19 item 5): the line on standard error, the summary's
deliveries line and the JSON example (a shortened copy: every value it gives is the real one)."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).parent.parent
DOC = (ROOT / "docs" / "report.md").read_text(encoding="utf-8")
COMMAND = ["rules/nq17_bkhcn.kpi", "--data", "examples/nq17_bkhcn/data.json", "--period", "2020-Q4"]


def _kpirules(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "kpirules", *args], cwd=ROOT, capture_output=True, text=True,
                          encoding="utf-8", timeout=300)


@pytest.fixture(scope="module")
def real() -> dict[str, Any]:
    proc = _kpirules("report", *COMMAND, "--format", "json")
    assert proc.returncode == 1, proc.stderr
    return json.loads(proc.stdout)  # type: ignore[no-any-return]


def test_the_console_line_is_the_real_one(tmp_path: Path) -> None:
    quoted = re.search(r"```console\n(kpirules: wrote report\.html .*)\n```", DOC)
    assert quoted, "docs/report.md quotes the line `kpirules report … -o report.html` prints"
    out = tmp_path / "report.html"
    proc = _kpirules("report", *COMMAND, "-o", str(out))
    assert proc.returncode == 1 and out.exists()
    assert proc.stderr.replace(str(out), "report.html").rstrip("\n") == quoted[1]


def test_the_deliveries_line_is_the_real_one(real: dict[str, Any]) -> None:
    text = real["summary"]["deliveries"]["text"]
    quoted = re.sub(r"\s+", " ", DOC)
    assert f"\"{text}\"" in quoted, text


def _subset(shown: Any, actual: Any, path: str) -> None:
    """Every value the docs show is the real one: "…" stands for any value, a list shows its first items
    (an empty one: shortened), an object some of its keys."""
    if shown == "…":
        return
    if isinstance(shown, dict):
        assert isinstance(actual, dict), path
        for k, v in shown.items():
            assert k in actual, f"{path}.{k}: not in the real JSON"
            _subset(v, actual[k], f"{path}.{k}")
    elif isinstance(shown, list):
        assert isinstance(actual, list) and len(shown) <= len(actual), path
        for i, v in enumerate(shown):
            _subset(v, actual[i], f"{path}[{i}]")
    else:
        assert shown == actual, f"{path}: the docs say {shown!r}, a real run {actual!r}"


def test_the_json_example_is_the_real_one(real: dict[str, Any]) -> None:
    block = re.search(r"\*\*JSON\*\* carries the same content for other tools:\n\n```json\n(.*?)\n```", DOC, re.S)
    assert block
    shown = json.loads(block[1])
    _subset(shown, real, "$")
    assert shown["summary"]["rules"] == real["summary"]["rules"]  # (every status, zeros included)
    assert shown["summary"]["tasks"] == real["summary"]["tasks"]


def test_the_json_holds_no_trend_as_the_docs_say(real: dict[str, Any]) -> None:
    """The docs say the JSON is the report of one period, without trends or changes since the previous period
    (issue 19 item 2): should the JSON gain them, the docs must say so."""
    assert "has no trend and no changes since the previous" in re.sub(r"\s+", " ", DOC)
    assert "keeps every unit's trend" not in DOC

    def keys(o: Any) -> set[str]:
        if isinstance(o, dict):
            return set(o) | {k for v in o.values() for k in keys(v)}
        return {k for v in o for k in keys(v)} if isinstance(o, list) else set()

    assert not {k for k in keys(real) if "trend" in k or "change" in k}, "the JSON has a trend: update docs/report.md"


def test_the_overrides_are_outside_the_digest_as_the_docs_say(tmp_path: Path) -> None:
    """docs/report.md says the --number, --date, --signer and --place overrides are not in the provenance block
    (issue 19 item 3): two documents that differ only in them carry the same digest, and the block has no field
    for them."""
    assert "does **not** cover how the document was written" in re.sub(r"\s+", " ", DOC)
    digests = []
    for i, extra in enumerate((["--number", "1/BC-VP", "--date", "2020-12-21", "--signer", "A", "--place", "Huế"],
                               ["--number", "2/BC-VP", "--date", "2020-12-22", "--signer", "B"])):
        out = tmp_path / f"r{i}.html"
        proc = _kpirules("report", *COMMAND, "--layout", "official", *extra, "-o", str(out))
        assert proc.returncode == 1, proc.stderr
        html = out.read_text(encoding="utf-8")
        assert extra[1] in html
        digests.append(re.search(r"Mã kiểm chứng ([0-9a-f]{12})", html)[1])  # type: ignore[index]
    assert digests[0] == digests[1]
    block = json.loads(_kpirules("report", *COMMAND, "--format", "json").stdout)["provenance"]
    assert set(block) == {"tool", "version", "plan", "data", "number_format", "reporting", "period", "as_of",
                          "results", "results_sha256", "digest"}

"""The python examples of docs/api.md and docs/application.md pass mypy --strict, as a program that copies
them does (issue 22 item 5): the docs show code a user's type checker accepts.  Also what a program hands
kpirules (polars and DuckDB, which are typed; lists of mappings; a sqlite3 cursor) type-checks against
the protocols of the data constructors and of records_data.  pandas and pyarrow ship no types (their
stubs are packages of their own): they are Any here, as in a program without those stubs.  And what
kpirules refuses is refused by mypy too (WRONG), so the first test can fail.  One mypy run checks all of
them (a few seconds with its cache, under a minute without)."""

from __future__ import annotations

import importlib.util
import pathlib
import subprocess
import sys

import pytest

from test_docs import FENCE

ROOT = pathlib.Path(__file__).resolve().parent.parent
PAGES = ("docs/api.md", "docs/application.md")

CONFIG = """\
[mypy]
strict = True
python_version = 3.10
[mypy-pandas.*,pyarrow.*]
ignore_missing_imports = True
"""

#: what a program hands kpirules, typed as polars, DuckDB and sqlite3 type it
PROTOCOLS = '''\
import sqlite3

import duckdb
import polars as pl
import pyarrow as pa

import kpirules

plan = kpirules.load("examples/records/plan.kpi")
frame = pl.DataFrame({"period": ["2020-Q4"], "unit": ["BNV"], "metric": ["m"], "value": [1]})
data: kpirules.Data = kpirules.data_from_frame(frame)
data.merge(kpirules.data_from_frame(frame.to_arrow()))
data.merge(kpirules.data_from_cursor(sqlite3.connect(":memory:").execute("select 1 as value")))
rows = [{"ma_don_vi": "BNV", "ngay_tra_ket_qua": "2020-10-01"}]
counted = kpirules.records_data(plan, {"dossiers": rows}, "python", floats="shortest")
counted = kpirules.records_data(plan, {"dossiers": duckdb.read_csv("examples/records/dossiers.csv")})
counted = kpirules.records_data(plan, {"dossiers": pl.DataFrame(rows)}, engine="duckdb")
counted = kpirules.records_data(plan, {"dossiers": pa.Table.from_pylist(rows)})
counted = kpirules.records_data(plan, {"dossiers": "examples/records/dossiers.csv"}, years=(2019, 2020))
'''

#: what mypy must refuse: a path where Data goes, a number where rows go, a float policy records do not have
WRONG = '''\
import kpirules

plan = kpirules.load("examples/records/plan.kpi")
kpirules.Data().merge("x.json")
kpirules.records_data(plan, {"dossiers": 42})
kpirules.records_data(plan, {"dossiers": []}, floats="binary")
kpirules.data_from_frame(42)
kpirules.data_from_cursor("select 1")
kpirules.data_from_frame([{"period": "2020-Q4", "unit": "BNV", "metric": "m", "value": 1}])
kpirules.data.parse_csv_data(open("x.csv"), "x.csv")
'''


def python_blocks() -> list[tuple[str, str]]:
    out = []
    for page in PAGES:
        text = (ROOT / page).read_text(encoding="utf-8")
        for m in FENCE.finditer(text):
            if m.group("lang") == "python":
                out.append((f"{pathlib.Path(page).stem}_{text[: m.start('body')].count(chr(10)) + 1}", m.group("body")))
    return out


def mypy(tmp_path: pathlib.Path, files: dict[str, str]) -> subprocess.CompletedProcess[str]:
    (tmp_path / "mypy.ini").write_text(CONFIG, encoding="utf-8")
    for name, body in files.items():
        (tmp_path / f"{name}.py").write_text(body, encoding="utf-8")
    return subprocess.run([sys.executable, "-m", "mypy", "--config-file", "mypy.ini", "--cache-dir", ".cache",
                           *(f"{name}.py" for name in files)], cwd=tmp_path, capture_output=True, text=True,
                          timeout=600)


pytestmark = pytest.mark.skipif(importlib.util.find_spec("mypy") is None, reason="mypy is not installed")


@pytest.fixture(scope="module")
def errors(tmp_path_factory: pytest.TempPathFactory) -> dict[str, list[str]]:
    """One mypy run over every block, the protocols and the wrong calls: file name → its error lines."""
    blocks = dict(python_blocks())
    assert len(blocks) >= 8 and any("Flask" in b for b in blocks.values())
    proc = mypy(tmp_path_factory.mktemp("mypy"), {**blocks, "protocols": PROTOCOLS, "wrong": WRONG})
    assert proc.returncode in (0, 1), proc.stdout + proc.stderr  # (2: mypy itself failed)
    out: dict[str, list[str]] = {name: [] for name in (*blocks, "protocols", "wrong")}
    for line in proc.stdout.splitlines():
        if ": error:" in line:
            out[line.split(".py:", 1)[0]].append(line)
    return out


def test_the_python_examples_of_the_api_pages_pass_mypy_strict(errors: dict[str, list[str]]) -> None:
    refused = [line for name, lines in errors.items() if name != "wrong" for line in lines]
    assert not refused, "mypy --strict refuses the docs' examples (named PAGE_LINE):\n" + "\n".join(refused)


def test_mypy_refuses_what_kpirules_refuses(errors: dict[str, list[str]]) -> None:
    """(so the test above can fail: the types say what the constructors take)"""
    lines = errors["wrong"]
    assert sorted({int(ln.split(":")[1]) for ln in lines}) == [4, 5, 6, 7, 8, 9, 10], "\n".join(lines)

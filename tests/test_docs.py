"""The docs cannot drift: every example in README.md and docs/*.md is run.

* ```sh / ```bash / ```shell blocks: each line is one shell command, run from
  the repository root with a timeout; its exit status must be 0, or the
  number given by an HTML comment ``<!-- exit: N -->`` on the line just
  before the block (for commands that report findings, exit 1).  Lines that
  set up an environment are not run: a line starting with ``python3 -m venv``
  or containing ``pip install`` (the test suite already runs in one); a line
  ending in ``\\`` continues on the next.  Commands that write files
  (``-o FILE``, ``kpirules fmt`` without ``--check``) are run in a temporary
  copy of the repository when the block is preceded by ``<!-- copy -->``.
  A block preceded by ``<!-- needs: MODULE -->`` is skipped when that optional
  module (an extra such as WeasyPrint) is not installed, and fails under CI=true.
* ```python blocks are executed (from the repository root), each in a fresh
  namespace.
* ```kpi blocks are parsed with :func:`kpirules.parse` and must be in the
  canonical layout of ``kpirules fmt``; a block preceded by
  ``<!-- kpi: error -->`` must be rejected with a :class:`KpiError` instead
  (the docs show mistakes too), and one preceded by ``<!-- kpi: fragment -->``
  is parsed but not format-checked.
* ```console and ```json blocks are not run: they show output.
"""

from __future__ import annotations

import importlib.util
import os
import pathlib
import re
import runpy
import shutil
import subprocess
import sys

import pytest

import kpirules
from kpirules.errors import KpiError

ROOT = pathlib.Path(__file__).resolve().parent.parent
PAGES = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
FENCE = re.compile(r"^(?P<marks>(?:<!--[^\n]*-->\n)*)```(?P<lang>[\w-]*)[^\n]*\n(?P<body>.*?)^```[ \t]*$",
                   re.M | re.S)
SHELL = {"sh", "bash", "shell"}
TIMEOUT = 120


def blocks(lang: set[str]) -> list[tuple[str, str, dict[str, str]]]:
    out = []
    for page in PAGES:
        text = page.read_text(encoding="utf-8")
        for m in FENCE.finditer(text):
            if m.group("lang") not in lang:
                continue
            line = text[: m.start("body")].count("\n") + 1
            marks = dict(re.findall(r"<!--\s*([\w-]+)\s*:?\s*([^-]*?)\s*-->", m.group("marks")))
            out.append((f"{page.relative_to(ROOT)}:{line}", m.group("body"), marks))
    return out


def shell_lines(body: str) -> list[str]:
    lines: list[str] = []
    pending = ""
    for raw in body.splitlines():
        if raw.rstrip().endswith("\\"):
            pending += raw.strip()[:-1].strip() + " "
            continue
        line = (pending + raw.strip()).strip()
        pending = ""
        if not line or line.startswith("#"):
            continue
        if line.startswith("python3 -m venv") or "pip install" in line:
            continue  # environment setup: the tests already run in one
        lines.append(line)
    return lines


def test_the_docs_have_examples() -> None:
    assert len(blocks(SHELL)) >= 5
    assert len(blocks({"kpi"})) >= 10
    assert blocks({"python"})


def test_the_setup_lines_are_skipped() -> None:
    body = "python3 -m venv .venv && . .venv/bin/activate && pip install -e '.[test]'\nkpirules \\\n  --help\n# c\n"
    assert shell_lines(body) == ["kpirules --help"]


@pytest.mark.parametrize(("where", "body", "marks"), blocks(SHELL), ids=lambda v: v if isinstance(v, str) and
                         ":" in v and "\n" not in v else "")
def test_shell_block(where: str, body: str, marks: dict[str, str], tmp_path: pathlib.Path) -> None:
    want = int(marks.get("exit", "0"))
    if "needs" in marks:  # <!-- needs: weasyprint --> a block that needs an optional extra (the PDF)
        need = marks["needs"]
        if importlib.util.find_spec(need) is None:
            if os.environ.get("CI") == "true":
                pytest.fail(f"{where}: needs {need}, which .ci/run installs")
            pytest.skip(f"{where}: needs the optional {need} (pip install -e '.[pdf,docx]')")
    cwd = ROOT
    if "copy" in marks:
        cwd = tmp_path / "repo"
        shutil.copytree(ROOT, cwd, ignore=shutil.ignore_patterns(".git", ".venv", "*.egg-info", "__pycache__",
                                                                  ".hypothesis", ".pytest_cache"))
    env = dict(os.environ, PYTHONPATH=str(ROOT / "src"), PYTHONIOENCODING="utf-8")
    bindir = os.path.dirname(sys.executable)
    env["PATH"] = bindir + os.pathsep + env.get("PATH", "")
    for line in shell_lines(body):
        proc = subprocess.run(line, shell=True, cwd=cwd, env=env, capture_output=True, text=True, timeout=TIMEOUT)
        check_run(proc, want, where, line)


def check_run(proc: subprocess.CompletedProcess[str], want: int, where: str, line: str) -> None:
    """The command exited ``want`` and did not crash: a Python traceback (exit 1) is never an expected failure."""
    assert "Traceback (most recent call last)" not in proc.stderr, (
        f"{where}: `{line}` crashed with a Python traceback\n{proc.stderr[-2000:]}"
    )
    assert proc.returncode == want, (
        f"{where}: `{line}` exited {proc.returncode}, expected {want}\n{proc.stdout[-2000:]}\n{proc.stderr[-2000:]}"
    )


def test_docs_exit_1_block_fails_on_a_traceback() -> None:
    # Bug: a block marked `<!-- exit: 1 -->` passed when the command crashed, since a traceback exits 1 too.
    crash = subprocess.run([sys.executable, "-c", "raise RuntimeError('boom')"], capture_output=True, text=True)
    assert crash.returncode == 1
    with pytest.raises(AssertionError, match="crashed with a Python traceback"):
        check_run(crash, 1, "docs/x.md:1", "python -c ...")
    findings = subprocess.run([sys.executable, "-c", "import sys; sys.exit('kpirules: 1 finding')"],
                              capture_output=True, text=True)
    check_run(findings, 1, "docs/x.md:1", "python -c ...")  # an ordinary exit 1 still passes


@pytest.mark.parametrize(("where", "body", "marks"), blocks({"python"}), ids=lambda v: v if isinstance(v, str) and
                         ":" in v and "\n" not in v else "")
def test_python_block(where: str, body: str, marks: dict[str, str], monkeypatch: pytest.MonkeyPatch,
                      tmp_path: pathlib.Path) -> None:
    monkeypatch.chdir(ROOT)
    script = tmp_path / "snippet.py"
    script.write_text(body, encoding="utf-8")
    runpy.run_path(str(script), run_name="__main__")


@pytest.mark.parametrize(("where", "body", "marks"), blocks({"kpi"}), ids=lambda v: v if isinstance(v, str) and
                         ":" in v and "\n" not in v else "")
def test_kpi_block(where: str, body: str, marks: dict[str, str]) -> None:
    if marks.get("kpi") == "error":
        with pytest.raises(KpiError):
            kpirules.parse(body, where)
        return
    kpirules.parse(body, where)
    if marks.get("kpi") == "fragment":
        return
    from kpirules.fmt import format_text

    assert format_text(body) == body, f"{where}: not in the layout of `kpirules fmt`"


def test_the_windows_figure_is_up_to_date() -> None:
    proc = subprocess.run([sys.executable, str(ROOT / "tools" / "make_figures.py"), "--check"], cwd=ROOT,
                          capture_output=True, text=True, timeout=TIMEOUT,
                          env=dict(os.environ, PYTHONPATH=str(ROOT / "src")))
    assert proc.returncode == 0, proc.stderr
    svg = (ROOT / "docs" / "img" / "windows.svg").read_text(encoding="utf-8")
    assert "2019-12-15" in svg and "2020-Q1" in svg and "Dec 2019" in svg


def test_every_page_is_linked() -> None:
    index = (ROOT / "docs" / "index.md").read_text(encoding="utf-8")
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    for page in sorted((ROOT / "docs").glob("*.md")):
        if page.name != "index.md":
            assert f"({page.name})" in index or f"(docs/{page.name})" in readme, f"{page.name} is not linked"
    assert "(docs/index.md)" in readme


def test_the_unknown_unit_errors_the_docs_quote_are_the_real_ones(tmp_path: pathlib.Path,
                                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    """language.md and data.md quote the error of a declared unit written without its diacritics
    (`Vi Xuyen`): each quote is part of the message kpirules gives for it."""
    quoted = [q for page in ("language.md", "data.md")
              for q in re.findall(r"`([^`]*VX \(Vị Xuyên\)[^`]*)`",
                                  " ".join((ROOT / "docs" / page).read_text(encoding="utf-8").split()))]
    assert len(quoted) >= 2, quoted
    plan = kpirules.parse('unit VX "Vị Xuyên"\nunit QB "Quản Bạ"\n\nrule u:\n  for each unit: x >= 1\n')
    monkeypatch.chdir(tmp_path)
    pathlib.Path("f.csv").write_text("period,unit,metric,value\n2020-Q4,VX,x,1\n2020-Q4,QB,x,1\n"
                                     "2020-Q4,Vi Xuyen,x,1\n", encoding="utf-8")
    with pytest.raises(KpiError) as exc:
        plan.evaluate(kpirules.load_data("f.csv"), "2020-12-18")
    (real,) = (d.message for d in exc.value.diagnostics)
    for q in quoted:
        assert q in real, (q, real)

"""Rule files are inert: names that would run code in Python are only metric
names (no data → no_data) or syntax errors; nothing is imported, opened or run."""

from __future__ import annotations

import builtins
import os
from pathlib import Path

import pytest

import kpirules
from kpirules.data import parse_csv_data

DATA = parse_csv_data("period,unit,metric,value\n2020-Q4,,x,1\n")

NAMES = ["__import__", "os", "eval", "exec", "open", "compile", "globals", "__builtins__", "system",
         "subprocess", "getattr", "__class__", "breakpoint", "input", "socket", "urllib"]


@pytest.mark.parametrize("name", NAMES)
def test_a_python_name_is_just_an_unknown_metric(name: str) -> None:
    plan = kpirules.parse(f"rule a: {name} > 1\nrule b: ratio({name}, x) >= 20%\nrule c: {name}")
    results = plan.evaluate(DATA, "2020-12-18")
    assert [r.status.value for r in results] == ["no_data", "no_data", "no_data"]
    assert name in (results[0].reason or "")


@pytest.mark.parametrize("text", [
    'rule a: os.system("touch PWNED") > 1',
    'rule a: __import__("os").system("touch PWNED")',
    'rule a: open("/etc/passwd") > 1',
    "rule a: x.__class__ > 1",
    "rule a: x[0] > 1",
    "rule a: lambda: 1",
    "rule a: `id` > 1",
    "rule a: $(id) > 1",
])
def test_code_is_a_syntax_error(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, text: str) -> None:
    monkeypatch.chdir(tmp_path)
    opened: list[str] = []
    real_open = builtins.open

    def spy(file, *args, **kwargs):  # type: ignore[no-untyped-def]
        opened.append(str(file))
        return real_open(file, *args, **kwargs)

    monkeypatch.setattr(builtins, "open", spy)
    monkeypatch.setattr(os, "system", lambda *a: pytest.fail("os.system called"))
    with pytest.raises(kpirules.KpiError):
        kpirules.parse(text).evaluate(DATA, "2020-12-18")
    assert not (tmp_path / "PWNED").exists()
    assert not [f for f in opened if "passwd" in f]


def test_a_call_of_an_unknown_function_is_an_error_and_runs_nothing() -> None:
    # `eval(x)` was once read as the boolean metric `eval` then a bare rule `(x) > 1`; now it is named
    with pytest.raises(kpirules.KpiSyntaxError) as info:
        kpirules.parse("rule a: eval(x) > 1")
    assert "unknown function `eval`" in str(info.value)


def test_a_metric_called_like_a_python_name_reads_its_data() -> None:
    data = parse_csv_data("period,unit,metric,value\n2020-Q4,,__import__,5\n2020-Q4,,eval,2\n")
    [r] = kpirules.parse("rule a: __import__ > eval").evaluate(data, "2020-12-18")
    assert r.status.value == "met"

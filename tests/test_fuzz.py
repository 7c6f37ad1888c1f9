"""Only clear errors, ever: the parser, the plan loader and the data loaders
raise nothing but KpiError on any input, and evaluation of any plan on any
data terminates with statuses, never an exception.

Bounded for CI (about a minute in all); ``bench/fuzz.py`` runs the same tests
nightly-size by setting ``KPIRULES_FUZZ_EXAMPLES``.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import kpirules
from kpirules.cli import main
from kpirules.data import parse_csv_data, parse_json_data
from kpirules.errors import KpiError

ROOT = Path(__file__).resolve().parent.parent
SCALE = int(os.environ.get("KPIRULES_FUZZ_EXAMPLES", "0"))


def fuzz(n: int):  # type: ignore[no-untyped-def]
    """Hypothesis settings: ``n`` examples in CI, ``KPIRULES_FUZZ_EXAMPLES`` nightly."""
    return settings(max_examples=SCALE or n, deadline=None, derandomize=not SCALE,
                    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])


def _files(*patterns: str) -> list[Path]:
    out: list[Path] = []
    for pattern in patterns:
        out.extend(sorted(p for p in ROOT.glob(pattern) if p.is_file()))
    return out


KPI_FILES = _files("rules/*.kpi", "examples/**/*.kpi", "tests/data/**/*.kpi")
DATA_FILES = _files("examples/**/*.json", "examples/**/*.csv", "tests/data/**/*.json", "tests/data/**/*.csv")
SMALL_KPI = [p for p in KPI_FILES if p.stat().st_size < 5000]
# (values and tasks: its events are declared by rules/nq17_bkhcn.kpi only, and an event a plan does not
# declare is a load error)
EXAMPLE_DATA = kpirules.load_data([ROOT / "examples/nq17_bkhcn/values.csv", ROOT / "examples/nq17_bkhcn/tasks.csv"])

_TOKEN = re.compile(r"\s+|\w+|[^\w\s]")


@st.composite
def mutated(draw, texts: list[str]) -> str:  # type: ignore[no-untyped-def]
    """A text with lines or tokens deleted, duplicated or swapped."""
    text = draw(st.sampled_from(texts))
    by_line = draw(st.booleans())
    parts = text.split("\n") if by_line else _TOKEN.findall(text)
    for _ in range(draw(st.integers(1, 5))):
        if not parts:
            break
        i = draw(st.integers(0, len(parts) - 1))
        j = draw(st.integers(0, len(parts) - 1))
        op = draw(st.sampled_from(["delete", "duplicate", "swap", "insert"]))
        if op == "delete":
            del parts[i]
        elif op == "duplicate":
            parts.insert(i, parts[j])
        elif op == "swap":
            parts[i], parts[j] = parts[j], parts[i]
        else:
            parts.insert(i, draw(st.sampled_from(["(", ")", ",", ":", '"', "%", "-", "1.234", "by", "and",
                                                  "for each unit:", "\ufeff", "\x00", "1e999999999", "ratio("])))
    return ("\n" if by_line else "").join(parts)


def _only_kpi_errors(fn, *args):  # type: ignore[no-untyped-def]
    try:
        return fn(*args)
    except KpiError as exc:
        assert str(exc).strip(), "a KpiError must say what is wrong"
        return None


def _parse_and_evaluate(text: str) -> None:
    plan = _only_kpi_errors(kpirules.parse, text, "fuzz.kpi")
    if plan is not None:  # (a plan that declares units the example data does not name: a data error, said)
        results = _only_kpi_errors(plan.evaluate, EXAMPLE_DATA, "2020-12-18")
        assert results is None or all(r.status.value for r in results)


# --- the parser and the plan loader ----------------------------------------------


def test_the_repository_has_files_to_mutate() -> None:
    assert len(KPI_FILES) >= 3 and len(DATA_FILES) >= 3


@fuzz(150)
@given(st.text(alphabet=st.characters(codec="utf-8"), max_size=300))
def test_random_text_is_a_plan_or_a_kpi_error(text: str) -> None:
    _parse_and_evaluate(text)


_KPI_ALPHABET = list("()\n :,\"%-+*/<>=!#.0123456789abxyQHq") + [
    "rule ", "task ", "by ", "from ", "to ", " and ", " or ", "not ", "ratio(", "change(", "sum(", "count(units",
    " where ", " at ", "previous", "for each unit:", "between ", "2020", "Q4/2020", "2020-Q4", "20%", "lead ",
    "due ", "after ", "section ", "plan ", "reporting quarterly ", "cutoff ", "calendar", "group ", "true",
]


@fuzz(250)
@given(st.lists(st.sampled_from(_KPI_ALPHABET), max_size=60).map("".join))
def test_random_tokens_are_a_plan_or_a_kpi_error(text: str) -> None:
    _parse_and_evaluate(text)


@fuzz(120)
@given(mutated([p.read_text(encoding="utf-8") for p in SMALL_KPI]))
def test_mutated_small_rule_files(text: str) -> None:
    _parse_and_evaluate(text)


@fuzz(25)
@given(mutated([p.read_text(encoding="utf-8") for p in KPI_FILES if p not in SMALL_KPI]))
def test_mutated_large_rule_files(text: str) -> None:
    _only_kpi_errors(kpirules.parse, text, "fuzz.kpi")


@fuzz(80)
@given(st.binary(max_size=200))
def test_random_bytes_load_as_a_plan_or_a_kpi_error(tmp_path_factory, raw: bytes) -> None:  # type: ignore[no-untyped-def]
    path = tmp_path_factory.mktemp("fuzz") / "plan.kpi"
    path.write_bytes(raw)
    _only_kpi_errors(kpirules.load, path)


# --- the data loaders ---------------------------------------------------------------


def _load(text: str, name: str) -> None:
    for fmt in (None, "vi"):
        if name.endswith(".json"):
            _only_kpi_errors(parse_json_data, text, name)
        else:
            _only_kpi_errors(lambda t, n: parse_csv_data(t, n, fmt), text, name)


@fuzz(150)
@given(st.sampled_from([p.suffix for p in DATA_FILES]), st.data())
def test_mutated_data_files(suffix: str, data: st.DataObject) -> None:
    texts = [p.read_bytes().decode("utf-8", "replace")[:4000] for p in DATA_FILES if p.suffix == suffix]
    _load(data.draw(mutated(texts)), "fuzz" + suffix)


_DATA_ALPHABET = list('{}[]",:;\n\r 0123456789.,-e%truefalsnx') + [
    "period", "unit", "metric", "value", "task", "status", "2020-Q4", "có", '"snapshots"', '"values"', '"tasks"']


@fuzz(150)
@given(st.lists(st.sampled_from(_DATA_ALPHABET), max_size=80).map("".join), st.sampled_from([".json", ".csv"]))
def test_random_data_text(text: str, suffix: str) -> None:
    _load(text, "fuzz" + suffix)


@fuzz(80)
@given(st.binary(max_size=200), st.sampled_from([".json", ".csv", ".xlsx", ".dat"]))
def test_random_bytes_load_as_data_or_a_kpi_error(tmp_path_factory, raw: bytes, suffix: str) -> None:  # type: ignore[no-untyped-def]
    if suffix == ".xlsx":
        pytest.importorskip("openpyxl")
    path = tmp_path_factory.mktemp("fuzz") / ("data" + suffix)
    path.write_bytes(raw)
    _only_kpi_errors(kpirules.load_data, path)


# --- any plan on any data -----------------------------------------------------------------


@fuzz(60)
@given(mutated([p.read_text(encoding="utf-8") for p in SMALL_KPI]),
       mutated([(ROOT / "tests/data/language_example.json").read_text(encoding="utf-8"),
                (ROOT / "examples/nq17_bkhcn/values.csv").read_text(encoding="utf-8")[:3000]]),
       st.dates().map(str))
def test_any_plan_on_any_data_terminates_with_statuses(plan_text: str, data_text: str, as_of: str) -> None:
    plan = _only_kpi_errors(kpirules.parse, plan_text, "p.kpi")
    parse = parse_json_data if data_text.lstrip().startswith("{") else parse_csv_data
    data = _only_kpi_errors(parse, data_text, "d")
    if plan is None or data is None:
        return
    results = _only_kpi_errors(plan.evaluate, data, as_of)
    if results is not None:
        results.to_json()
        assert isinstance(results.warnings, list)


# --- the command prints errors without a traceback ------------------------------------------


@pytest.mark.parametrize("plan,data", [
    (b"rule a: (((", b'{"snapshots": []}'),
    (b"\xff\xfe\x00r", b'{"snapshots": []}'),
    (b"rule a: x > 1", b"\xc3\x28"),
    (b"rule a: x > 1", b"period,unit,metric,value\n2020-Q4,,x,1.234\n"),
    (b"rule a: x > 1", b'{"snapshots": [{"period": "2020-Q4", "values": {"x": 1e999999999}}]}'),
    (b"rule a: x > 1", b"[" * 100000),
])
def test_the_command_prints_a_clear_error_exit_2(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                                 plan: bytes, data: bytes) -> None:
    (tmp_path / "p.kpi").write_bytes(plan)
    suffix = ".csv" if data.startswith(b"period") or data == b"\xc3\x28" else ".json"
    (tmp_path / f"d{suffix}").write_bytes(data)
    code = main(["check", str(tmp_path / "p.kpi"), "--data", str(tmp_path / f"d{suffix}"), "--as-of", "2021-01-01"])
    err = capsys.readouterr().err
    assert code == 2
    assert "Traceback" not in err and err.startswith("kpirules: ")

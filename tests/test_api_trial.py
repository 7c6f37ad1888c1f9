"""Defects a new user's trial of the library API found (issue 22), each held here by a test."""

from __future__ import annotations

import datetime
import signal
from collections.abc import Iterator
from decimal import Decimal
from fractions import Fraction

import pandas as pd
import pyarrow as pa
import pytest

import kpirules
from kpirules import KpiDataError
from kpirules.data.cells import MAX_EXPONENT
from kpirules.text import MAX_DIGITS

KEY = kpirules.parse_period("2020-Q4").key


# --- item 1: the limits of a data file's numbers hold for Python values too (never a hang) -------------------------

HUGE = [Decimal("1e999999999"), Decimal("-1e-999999999"), Decimal(f"1e{MAX_EXPONENT + 1}"),
        Decimal("1" * (MAX_DIGITS + 1)), 10 ** MAX_DIGITS, -(10 ** MAX_DIGITS), Fraction(1, 10 ** MAX_DIGITS),
        Fraction(10 ** (MAX_DIGITS + 5), 7)]
WORDS = r"too large \(more than 400\)|more than 4000 digits"


@pytest.fixture
def no_hang() -> Iterator[None]:
    """A test that hangs fails after 20 s instead (a huge number expanded digit by digit would)."""
    def stop(*_: object) -> None:
        raise TimeoutError("hung: a number was expanded instead of refused")

    old = signal.signal(signal.SIGALRM, stop)
    signal.alarm(20)
    try:
        yield
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, old)


@pytest.mark.usefixtures("no_hang")
@pytest.mark.parametrize("value", HUGE, ids=lambda v: f"{type(v).__name__}-{str(v)[:12]}")
def test_a_huge_number_is_refused_by_every_constructor_naming_its_place(value: object) -> None:
    makers = [
        (lambda: kpirules.data_from_snapshots([{"period": "2020-Q4", "values": {"ok": 1}},
                                               {"period": "2020-Q4", "unit": "A", "values": {"a": value}}]),
         r"<snapshots>: \$\.snapshots\[1\]\.values\.a: "),
        (lambda: kpirules.data_from_rows([("2020-Q4", None, "ok", 1), ("2020-Q4", None, "a", value)]),
         r"<rows>: column value \(row 1\): "),
        (lambda: kpirules.data_from_frame(pd.DataFrame({"period": ["2020-Q4"] * 2, "metric": ["ok", "a"],
                                                        "value": pd.Series([1, value], dtype=object)})),
         r"<frame>: column value \(row 1\): "),
    ]
    for make, where in makers:
        with pytest.raises(KpiDataError, match=where + f".*(?:{WORDS})"):
            make()


def test_numbers_at_the_limits_are_read_exactly() -> None:
    edge = [Decimal(f"1e{MAX_EXPONENT}"), Decimal(f"1e-{MAX_EXPONENT}"), Decimal("9" * MAX_DIGITS),
            Decimal("0." + "1" * 500), 10 ** MAX_DIGITS - 1, Fraction(1, 10 ** MAX_DIGITS - 1)]
    for v in edge:
        data = kpirules.data_from_rows([("2020-Q4", None, "a", v)])
        assert data.value("a", KEY) == Fraction(v)


def test_the_constructors_share_the_limits_of_the_file_readers() -> None:
    # one helper: what the JSON reader refuses in a file, data_from_snapshots refuses as a Decimal
    with pytest.raises(KpiDataError, match="too large") as from_file:
        kpirules.data.parse_json_data('{"snapshots": [{"period": "2020-Q4", "values": {"a": 1e999999999}}]}', "d.json")
    with pytest.raises(KpiDataError, match="too large") as from_python:
        kpirules.data_from_snapshots([{"period": "2020-Q4", "values": {"a": Decimal("1e999999999")}}])
    said = str(from_file.value).split("too large")[1].splitlines()[0]
    assert said in str(from_python.value)

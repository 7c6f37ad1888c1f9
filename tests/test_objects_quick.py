"""The quick reading of in-memory rows (issue 22, the trial's item 1) reads what the general reading reads.

data_from_rows, data_from_frame and data_from_cursor read the usual rows of
values (a period label, a unit, a metric, an int, Decimal, … value) without
making table cells of them; every other row goes to the general reading, in
order.  Each test compares the quick reading with the general one alone, on
rows of good and bad Python values, or checks that the quick one is taken.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterator
from decimal import Decimal
from fractions import Fraction
from typing import Any
from unittest import mock

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import kpirules
from kpirules import KpiDataError
from kpirules.data import objects
from kpirules.data.table import Table

COLUMNS = ("period", "unit", "metric", "value")
CELLS: dict[str, list[Any]] = {
    "period": ["2020-Q1", "2020-Q2", " 2020-Q2", "Q1/2020", "2020-Q5", "", " ", None, 2020, 7,
               kpirules.parse_period("2020-Q3"), datetime.date(2020, 1, 1), Fraction(1, 2)],
    "unit": ["U1", "U2", " U1", "", None, 3, "Quả\u0309n"],
    "metric": ["a", "b", " a", "", " ", None, 5, "c d"],
    "value": [1, 2, 0, -3, 10**40, True, False, None, "1", "0012", "1.5", "12,5", "1.234", "20%", "có", "", " ",
              "text", "1e3", Decimal("1.50"), Decimal("2"), Decimal("-0.00"), Decimal("1E+2"), Decimal("NaN"),
              Decimal("Infinity"), Decimal("1e999999999"), Decimal("1." + "0" * 5000), Fraction(3, 2),
              Fraction(4, 2), 1.5, 0.1, 5.0, float("nan"), float("inf"), -0.0, datetime.date(2020, 1, 1),
              object, [1]],
}


def _shown(v: Any) -> Any:
    return (type(v).__name__, v if not isinstance(v, type) else v.__name__)


def _outcome(read: Any) -> Any:
    """What a reading gives: the data (each value with its type, each source as text), or the error."""
    try:
        data = read()
    except KpiDataError as exc:
        return ("error", str(exc))
    return ({k: {m: _shown(v) for m, v in snap.items()} for k, snap in data.snapshots.items()},
            sorted(((k, str(data.sources[k])) for k in data.sources), key=repr), list(data.periods), list(data.units),
            data.files)


def _general(data: Any, rows: Any, names: Any, col: Any, floats: Any, number_format: Any, name: str, label: Any,
             widths: Any, problems: Any, read: Any) -> Iterator[Any]:
    """The quick reading with nothing read quickly: every row is made cells for the general reading."""
    period = objects._period_column(names)
    for i, row in rows:
        cells = objects._cells(row, names, floats, name, i, problems, label, widths, period)
        if cells is not None:
            yield i, cells


class _Arrow:
    """The least an Arrow table offers (column_names, column(i).to_pylist()): any columns, in any order."""

    def __init__(self, names: list[str], rows: list[tuple[Any, ...]]) -> None:
        self.column_names = names
        self._columns = [list(c) for c in zip(*rows)] if rows else [[] for _ in names]

    def column(self, i: int) -> Any:
        values = self._columns[i]
        return type("Column", (), {"to_pylist": lambda self: list(values), "type": "x"})()


@st.composite
def tables(draw: Any) -> tuple[list[str], list[tuple[Any, ...]]]:
    """Rows of a few snapshots, as data held in Python has them: runs of one period and unit, values given
    again (the same, or another), and now and then a cell of another type or a bad one."""
    cols = draw(st.sampled_from([list(COLUMNS)] * 3 + [["metric", "value", "period"], ["value", "unit", "period",
                                                                                         "metric"]]))
    rows: list[tuple[Any, ...]] = []
    rare = draw(st.sampled_from([0, 6]))
    for _ in range(draw(st.integers(0, 6))):
        snap = {"period": draw(st.sampled_from(CELLS["period"][:4])), "unit": draw(st.sampled_from(CELLS["unit"][:5]))}
        for _ in range(draw(st.integers(1, 5))):
            cells = {**snap, "metric": draw(st.sampled_from(CELLS["metric"][:3])),
                     "value": draw(st.sampled_from(CELLS["value"][:4] + CELLS["value"][19:21]))}
            if rare and draw(st.integers(0, rare)) == 0:
                c = draw(st.sampled_from(cols))
                cells[c] = draw(st.sampled_from(CELLS[c]))
            rows.append(tuple(cells[c] for c in cols))
    return cols, rows


@settings(max_examples=300, deadline=None)
@given(tables(), st.sampled_from([None, "shortest", "binary"]), st.sampled_from([None, "vi", "en"]))
def test_the_quick_reading_of_a_table_is_the_general_one(table: Any, floats: Any, number_format: Any) -> None:
    cols, rows = table

    def read() -> Any:
        return _outcome(lambda: kpirules.data_from_frame(_Arrow(cols, rows), floats=floats,  # type: ignore[arg-type]
                                                         number_format=number_format, name="t"))

    quick = read()
    with mock.patch.object(objects, "_quick_rows", _general):
        assert quick == read()


@settings(max_examples=300, deadline=None)
@given(tables(), st.sampled_from([None, "shortest"]))
def test_the_quick_reading_of_rows_is_the_general_one(table: Any, floats: Any) -> None:
    cols, drawn = table
    rows = [tuple(dict(zip(cols, r)).get(c) for c in COLUMNS) for r in drawn]  # (period, unit, metric, value)

    def read() -> Any:
        return _outcome(lambda: kpirules.data_from_rows(rows, floats=floats))

    quick = read()
    with mock.patch.object(objects, "_quick_rows", _general):
        assert quick == read()


@pytest.mark.parametrize("value", CELLS["value"], ids=repr)
def test_each_kind_of_value_is_read_as_the_general_reading_reads_it(value: Any) -> None:
    rows = [("2020-Q1", "U", "a", 1), ("2020-Q1", "U", "b", value), ("2020-Q1", "U", "a", value)]
    for floats in (None, "shortest", "binary"):
        quick = _outcome(lambda: kpirules.data_from_rows(rows, floats=floats))  # type: ignore[arg-type]
        with mock.patch.object(objects, "_quick_rows", _general):
            assert quick == _outcome(lambda: kpirules.data_from_rows(rows, floats=floats))  # type: ignore[arg-type]


def test_the_usual_rows_are_read_without_cells_or_the_general_reading() -> None:
    kinds = [lambda q, u: q * u, lambda q, u: Decimal(f"{u}.25"), lambda q, u: f"{q},5", lambda q, u: 0.5 * u,
             lambda q, u: None, lambda q, u: True, lambda q, u: Fraction(q, 3), lambda q, u: "có"]
    rows = [(f"2020-Q{q}", f"U{u}", f"m{m}", kinds[m](q, u)) for q in (1, 2) for u in range(5) for m in range(8)]
    with mock.patch.object(objects, "_cells", side_effect=AssertionError("a cell made")), \
            mock.patch.object(Table, "_value_row", side_effect=AssertionError("the general reading")):
        data = kpirules.data_from_rows(rows, floats="shortest", number_format="vi")
        frame = kpirules.data_from_frame(_Arrow(list(COLUMNS), rows), floats="shortest",  # type: ignore[arg-type]
                                         number_format="vi")
    assert data.snapshots == frame.snapshots
    assert data.value("m2", kpirules.parse_period("2020-Q2").key, "U3") == Fraction(5, 2)
    assert data.value("m7", kpirules.parse_period("2020-Q2").key, "U3") is True
    assert str(data.source("m1", kpirules.parse_period("2020-Q1").key, "U4")) == "<rows>: row 33"


@given(st.one_of(st.floats(allow_nan=False, allow_infinity=False), st.integers(-2**60, 2**60).map(float),
                 st.sampled_from([2.0**53, -2.0**53, 2.0**53 - 1, 1e22, 1e23, -0.0, 5e-324])))
def test_a_float_read_the_shortest_way_is_the_number_repr_shows(v: float) -> None:
    got = objects._float(v, "shortest")
    assert got == Fraction(repr(v)) and type(got) is (int if Fraction(repr(v)).denominator == 1 else Fraction)
    assert objects._float(v, "binary") == Fraction(v)

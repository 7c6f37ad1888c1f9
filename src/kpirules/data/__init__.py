"""Reported data: snapshots of metric values task progress rows and events, read from JSON, CSV and .xlsx files."""

from __future__ import annotations

from kpirules.data.cells import MAX_EXPONENT, NUMBER_FORMATS, parse_cell, parse_number
from kpirules.data.csvfile import parse_csv_data
from kpirules.data.jsonfile import parse_json_data
from kpirules.data.load import load_data
from kpirules.data.objects import (
    data_from_cursor,
    data_from_events,
    data_from_frame,
    data_from_rows,
    data_from_snapshots,
    data_from_task_rows,
)
from kpirules.data.model import DONE, Data, EventRow, Source, TaskRow, Value, iter_values
from kpirules.data.table import Cell, column_letter
from kpirules.data.tasks import TASK_STATUS_WORDS, task_status
from kpirules.text import MAX_DIGITS

__all__ = [
    "Value",
    "Source",
    "TaskRow",
    "EventRow",
    "Data",
    "load_data",
    "data_from_snapshots",
    "data_from_rows",
    "data_from_task_rows",
    "data_from_events",
    "data_from_frame",
    "data_from_cursor",
    "parse_json_data",
    "parse_csv_data",
    "parse_cell",
    "parse_number",
    "NUMBER_FORMATS",
    "DONE",
]


# (a renamed public name of this module still works for one minor release: kpirules.deprecation)
from kpirules.deprecation import module_getattr as _module_getattr  # noqa: E402

__getattr__ = _module_getattr(__name__)

"""Reading data files: decoding, the choice of reader by extension, and merging several files."""

from __future__ import annotations

import os
import stat
from collections.abc import Iterable, Mapping

from kpirules.data.cells import NUMBER_FORMATS
from kpirules.data.csvfile import parse_csv_data, read_csv_stream, refuse_long_cells
from kpirules.data.duckcsv import MAX_LINE, read_large_csv, use_duckdb
from kpirules.data.jsonfile import parse_json_data
from kpirules.data.model import Data, FileSource
from kpirules.errors import Diagnostic, KpiDataError
from kpirules import text as texts
from kpirules.text import read_text


def _read_text(path: str) -> str:
    return read_text(path, "data file", KpiDataError)


def _over_limit(path: str) -> bool:
    """Whether a file is a regular one larger than the text kpirules holds (:data:`kpirules.text.MAX_TEXT_BYTES`)."""
    try:
        st = os.stat(path)
    except OSError:
        return False
    return stat.S_ISREG(st.st_mode) and st.st_size > texts.MAX_TEXT_BYTES


def _frame_like(obj: object) -> bool:
    """A data frame or a table (pandas, polars, Arrow, …), told by what it offers: nothing is imported."""
    return not isinstance(obj, (str, bytes, os.PathLike)) and (
        hasattr(obj, "columns") or hasattr(obj, "column_names"))


def _type_name(obj: object) -> str:
    t = type(obj)
    if obj is None:
        return "None"
    return t.__name__ if t.__module__ == "builtins" else f"{t.__module__.split('.')[0]}.{t.__name__}"


def load_data(paths: str | os.PathLike[str] | Iterable[str | os.PathLike[str]],
              number_format: str | None = None) -> Data:
    """Read reported data from one or more JSON, CSV or .xlsx files (chosen by extension).

    Several files are merged; a value given in two files with different
    contents is an error naming both.  ``number_format`` (``"vi"`` or
    ``"en"``) says how the numbers of CSV and spreadsheet cells are written;
    without it an ambiguous number such as ``1.234`` is an error naming its
    cell (see :func:`parse_number`).  JSON numbers are JSON's own.
    """
    if number_format is not None and number_format not in NUMBER_FORMATS:
        raise KpiDataError(f"unknown number format {number_format!r}; expected one of {', '.join(NUMBER_FORMATS)}")
    if isinstance(paths, Mapping):  # (a JSON data file's document held in Python: its keys are no paths)
        raise KpiDataError("load_data reads files, not a mapping; a data file's document held in Python goes in "
                           'with kpirules.data_from_snapshots(doc["snapshots"], doc.get("tasks", ()), '
                           'doc.get("events", ()))')
    if isinstance(paths, (bytes, bytearray, memoryview)):  # (a file's contents: an upload is no path)
        raise KpiDataError(f"load_data reads files: {_type_name(paths)} are no path; a file's contents held in "
                           "memory (an upload) go in with kpirules.data.parse_csv_data(text_or_bytes, name) or "
                           "parse_json_data(text_or_bytes, name), which read them exactly as load_data reads the file")
    if _frame_like(paths):  # (a pandas frame iterates its column names: each would be read as a file's path)
        raise KpiDataError(f"load_data reads files, not a {_type_name(paths)}; data held in Python goes in with "
                           "kpirules.data_from_frame (a DataFrame or an Arrow table), data_from_rows, "
                           "data_from_snapshots, …")
    if isinstance(paths, (str, os.PathLike)):
        paths = [paths]
    given = paths
    paths = list(paths) if isinstance(paths, Iterable) else paths
    if not isinstance(paths, list) or not all(isinstance(p, (str, os.PathLike)) for p in paths):
        what = (f"{given!r}" if not isinstance(paths, list) else
                next(f"a list holding {_type_name(p)} (item {i})" for i, p in enumerate(paths)
                     if not isinstance(p, (str, os.PathLike))))
        raise KpiDataError(f"load_data reads files: give a path or a list of paths, not {what} (data held in "
                           "Python goes in with kpirules.data_from_rows, data_from_snapshots, data_from_frame, …)")
    if not paths:  # (an empty list read as no file would give an empty Data, which no plan can be checked on)
        raise KpiDataError("load_data: no data file was given (an empty list of paths); give a path or a list of "
                           "paths")
    merged: Data | None = None
    partial: list[Data] = []  # (what the files with problems read well)
    problems: list[str] = []
    diagnostics: list[Diagnostic] = []
    for p in paths:
        path = os.fspath(p)
        try:
            ext = os.path.splitext(path)[1].lower()
            # (before the file is read whole, by either reader; DuckDB is given only plain files)
            plain = ext in (".csv", ".txt", ".tsv") and refuse_long_cells(path, MAX_LINE)
            if ext in (".xlsx", ".xlsm"):
                from kpirules.data.xlsx import parse_xlsx_data

                data = parse_xlsx_data(path, number_format)
            elif plain and use_duckdb(path) and (
                    large := read_large_csv(path, number_format)) is not None:
                data = large  # (a large long-form file that DuckDB reads as the Python reader would)
            elif plain and _over_limit(path) and (
                    streamed := read_csv_stream(path, number_format)) is not None:
                data = streamed  # (too large to hold as text: read a line at a time, the same messages)
            else:
                text = _read_text(path)
                if ext == ".json":
                    data = parse_json_data(text, path)
                elif ext in (".csv", ".txt", ".tsv"):
                    data = parse_csv_data(text, path, number_format)
                elif ext:
                    raise KpiDataError(f"{path}: kpirules reads .json, .csv (.txt, .tsv) and .xlsx data files, "
                                       f"not {ext} files")
                else:  # no extension: tell JSON from CSV by the first character
                    stripped = text.lstrip()
                    data = (parse_json_data(text, path) if stripped.startswith("{")
                            else parse_csv_data(text, path, number_format))
            data.file_sources.setdefault(path, FileSource(path))
            if data.is_empty():  # (LANGUAGE.md: data that cannot belong to the plan is refused)
                raise KpiDataError(f"{path}: the file holds no snapshot, no task row and no event: "
                                   f"there is nothing to check a plan on")
            if merged is None:
                merged = data  # the first file's Data is fresh: take it as it is, rather than copy it
            else:
                merged.merge(data)
        except KpiDataError as exc:  # (every file is read, so that one bad file hides no other's problems)
            problems.append(str(exc))
            diagnostics.extend(exc.diagnostics)
            if isinstance(exc.partial, Data):
                partial.append(exc.partial)
    if problems:
        err = KpiDataError("\n".join(problems), diagnostics)
        read = merged if merged is not None else Data()
        for part in partial:
            try:
                read.merge(part)
            except KpiDataError:
                pass  # (a value two files give differently: already among the problems, or not a unit's)
        err.partial = read
        raise err
    return Data() if merged is None else merged

"""Reading reported data straight from an Excel workbook (``.xlsx``).

Needs openpyxl, the optional extra ``xlsx`` (``pip install 'kpirules[xlsx]'``).
Every sheet whose first non-empty row is a values header
(``period,unit,metric,value``) or a tasks header (``task,status,…``) is read
with the same rules as a CSV file; other sheets (notes, charts) are skipped.
Errors name the cell as Excel does: ``data.xlsx: Sheet1!D7: …``.

Typed cells keep their type: a number cell is a number (a binary float
stored by Excel is read from its shortest decimal text, so ``0.1`` is 1/10;
a cell shown as ``20%`` holds 0.2 and reads as 1/5), a TRUE/FALSE cell a
boolean, a date cell a date (in the date column of tasks).  Text cells are
read like CSV cells, so ``1.234`` typed as text is ambiguous there too.
"""

from __future__ import annotations

import datetime
import math
import zipfile
from collections.abc import Iterator
from fractions import Fraction
from typing import Any

from kpirules.data.cells import normal_number
from kpirules.data.model import Data, Source
from kpirules.data.table import Cell, Table, column_letter
from kpirules.errors import Diagnostic, KpiDataError

__all__ = ["parse_xlsx_data"]


def _typed(value: Any) -> Cell:
    """An openpyxl cell value as a table cell."""
    if value is None or isinstance(value, (str, bool, int)):
        return value  # type: ignore[no-any-return]
    if isinstance(value, float):
        if not math.isfinite(value):
            return repr(value)  # read as text: an error where a number is needed
        return normal_number(Fraction(repr(value)))
    if isinstance(value, (datetime.datetime, datetime.date)):
        return value
    if isinstance(value, datetime.time):
        return value.isoformat()
    return str(value)


def parse_xlsx_data(path: str, number_format: str | None = None) -> Data:
    """Read every data sheet of a workbook; raise one KpiDataError listing all problems."""
    try:
        import openpyxl
    except ImportError:
        raise KpiDataError(
            f"{path}: reading .xlsx needs openpyxl: pip install 'kpirules[xlsx]' (or save the sheet as CSV UTF-8)"
        ) from None
    try:
        book = openpyxl.load_workbook(path, read_only=True, data_only=True)
    except FileNotFoundError:
        raise KpiDataError(f"{path}: cannot read the data file: no such file") from None
    except OSError as exc:
        raise KpiDataError(f"{path}: cannot read the data file: {exc.strerror or exc}") from None
    except (zipfile.BadZipFile, KeyError, ValueError, TypeError, IndexError, EOFError) as exc:
        raise KpiDataError(f"{path}: not a readable .xlsx workbook ({type(exc).__name__}: {exc})") from None
    except Exception as exc:  # openpyxl raises many kinds on a damaged file
        raise KpiDataError(f"{path}: not a readable .xlsx workbook ({type(exc).__name__}: {exc})") from None
    data = Data()
    data.files.append(path)
    problems: list[Diagnostic] = []
    found = False
    try:
        for sheet in book.worksheets:
            title = sheet.title
            ref = f"'{title}'" if not title.replace("_", "").isalnum() else title

            def locate(row: int, col: int | None, ref: str = ref) -> tuple[str, None, None, str]:
                if col is None:
                    return f"{path}: {ref} row {row}: ", None, None, ""
                return f"{path}: ", None, None, f"{ref}!{column_letter(col)}{row}"

            def source(row: int, col: int | None, ref: str = ref) -> Source:
                return Source(path, f"{ref}!{column_letter(col)}{row}" if col is not None else f"{ref}!{row}:{row}")

            def rows(sheet: Any = sheet) -> Iterator[tuple[int, list[Cell]]]:
                for i, values in enumerate(sheet.iter_rows(values_only=True), start=1):
                    yield i, [_typed(v) for v in values]

            sheet_data = Data()
            if Table(sheet_data, problems, number_format, locate, source).read(rows(), skip_foreign=True):
                found = True
            try:
                data.merge(sheet_data)
            except KpiDataError as exc:
                problems.extend(exc.diagnostics)  # (a KpiError has at least one)
    except KpiDataError:
        raise
    except Exception as exc:  # a damaged sheet part
        raise KpiDataError(f"{path}: not a readable .xlsx workbook ({type(exc).__name__}: {exc})") from None
    finally:
        book.close()
    if not found and not problems:
        problems.append(Diagnostic(f"{path}: no sheet starts with a data header "
                                   "(period,unit,metric,value or task,status,date,note)"))
    if problems:
        raise KpiDataError.from_diagnostics(problems)
    return data

"""Data as a plan reads it: units named by their declared codes, events checked against the plan."""

from __future__ import annotations

import difflib
import unicodedata

import attrs

from kpirules.data import Data
from kpirules.data.model import Source, spelling_key
from kpirules.errors import Diagnostic, KpiDataError

__all__ = ["bind", "closest_unit", "nfc", "renamed", "unit_names"]


def bind(data: Data, events: dict[str, str | None], units: dict[str, str | None]) -> Data:
    """``data`` checked against a plan's declared ``events`` and ``units`` (code → full name), its units
    renamed from full names to codes (:meth:`kpirules.engine.evaluate.Plan.bind` says the rules)."""
    problems: list[str] = []
    for e in data.events:
        if e.event not in events:
            close = difflib.get_close_matches(e.event, list(events), n=1)
            problems.append(f"{e.source or '<data>'}: event {e.event} is not declared by the plan"
                            + (f"; did you mean {close[0]}?" if close else
                               f" (declare it: event {e.event} \"…\")" if not events else
                               f"; the plan declares {', '.join(events)}"))
    rename: dict[str, str] = {}
    if units:
        by_name = unit_names(units)
        unknown: list[str] = []
        names = list(data.units) + [r.unit for r in data.task_rows if r.unit is not None]
        for unit in dict.fromkeys(names):
            known = by_name.get(nfc(unit))
            if known is None:
                unknown.append(unit)
            elif known != unit:
                rename[unit] = known
        where: dict[str | None, Source | None] = {}  # where each unknown name first appears
        if unknown:
            for (_, u, _), src in data.sources.items():
                where.setdefault(u, src)
            for r in data.task_rows:
                where.setdefault(r.unit, r.source)
        for unit in unknown:
            hint = closest_unit(unit, by_name)
            at = f"{where[unit]}: " if where.get(unit) is not None else ""
            problems.append(f"{at}unit {unit} in the data is not declared by the plan"
                            + (f"; the closest declared unit is {hint}" if hint else ""))
    if problems:
        raise KpiDataError("\n".join(problems))
    if rename:
        data = renamed(data, rename)
    return data


def unit_names(units: dict[str, str | None]) -> dict[str, str]:
    """Each way data may name a declared unit (its code, its full name; in NFC) → its code."""
    by_name: dict[str, str] = {}
    for code, name in units.items():
        by_name[code] = code
        if name is not None:
            by_name.setdefault(nfc(name), code)
    return by_name


def closest_unit(unit: str, by_name: dict[str, str]) -> str | None:
    """The declared unit closest to an undeclared name, as a message shows it (``VX (Vị Xuyên)``), or None.

    A name that is a declared one written without diacritics, case or spacing ("Vi Xuyen") is that
    unit, before any likeness of letters."""
    folded: dict[str, str] = {}
    for key in by_name:
        folded.setdefault(spelling_key(key), key)
    same = folded.get(spelling_key(unit))
    close = [same] if same is not None else difflib.get_close_matches(nfc(unit), list(by_name), n=1, cutoff=0.5)
    if not close:
        return None
    code = by_name[close[0]]
    return code if code == close[0] else f"{code} ({close[0]})"


def nfc(name: str) -> str:
    """``name`` in Unicode NFC, as units are compared."""
    return unicodedata.normalize("NFC", name)


def renamed(data: Data, rename: dict[str, str]) -> Data:
    """A copy of ``data`` with units renamed (full names to codes); two names of one unit are merged,
    and a value they give differently is an error naming both places."""
    out = Data()
    problems: list[Diagnostic] = []
    for (key, unit), snap in data.snapshots.items():
        period = data.periods[key]
        new = rename.get(unit, unit) if unit is not None else None
        out.add_snapshot(period, new, Source(None, ""))
        for metric, value in snap.items():
            source = data.sources.get((key, unit, metric)) or Source(None, "")
            out.add(period, new, metric, value, source, problems)
    for unit in data.units:
        out.units.setdefault(rename.get(unit, unit), None)
    out.task_rows = [attrs.evolve(r, unit=rename.get(r.unit, r.unit)) if r.unit in rename else r
                     for r in data.task_rows]
    for (key, unit), day in data.submitted.items():
        at = (key, rename.get(unit, unit) if unit is not None else None)
        out.submitted[at] = max(day, out.submitted.get(at, day))
    out.events = list(data.events)
    out.files = list(data.files)
    out.file_sources = dict(data.file_sources)
    out.defaults = data.defaults
    out.default_units = {rename.get(u, u) for u in data.default_units}
    for extra in ("notes", "counted"):  # (what the counting of records left: its warnings, its table)
        if hasattr(data, extra):
            setattr(out, extra, getattr(data, extra))
    if problems:
        raise KpiDataError.from_diagnostics(problems)
    return out

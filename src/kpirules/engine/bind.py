"""Data as a plan reads it: units named by their declared codes, events checked against the plan."""

from __future__ import annotations

import difflib
import unicodedata

import attrs

from kpirules.data import Data
from kpirules.data.model import Source, spelling_key
from kpirules.errors import Diagnostic, KpiDataError

__all__ = ["bind", "check_forms", "closest_unit", "nfc", "renamed", "unit_names"]


def bind(data: Data, events: dict[str, str | None], units: dict[str, str | None], plan: str | None = None) -> Data:
    """``data`` checked against a plan's declared ``events`` and ``units`` (code → full name), its units
    renamed from full names to codes (:meth:`kpirules.engine.evaluate.Plan.bind` says the rules).

    ``plan`` is the plan's id: a form made from another plan is refused as that, and so is data none of
    whose units the plan declares (none a declared name misspelt), rather than with a hint per unit."""
    check_forms(data, plan)
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
            where.update((u, src) for u, src in data.unit_sources.items() if u in unknown)
            for (_, u, _), src in data.sources.items():
                where.setdefault(u, src)
            for r in data.task_rows:
                where.setdefault(r.unit, r.source)
        named = list(dict.fromkeys(names))
        keys = {spelling_key(k) for k in by_name}
        if (unknown and len(unknown) == len(named) and not any(spelling_key(u) in keys for u in unknown)
                and (len(unknown) > 1 or closest_unit(unknown[0], by_name) is None)):
            files = ", ".join(data.files) or "the data"
            raise KpiDataError(
                f"{files}: none of the units in the data ({_few(unknown)}) is declared by the plan"
                + (f" {plan}" if plan else "") + f", which declares {_few(list(units))}: is it the data of "
                "another plan? (check it with its own plan; a unit name misspelt is named with the closest "
                "declared one when the data names a declared unit too)")
        for unit in unknown:
            hint = closest_unit(unit, by_name)
            at = f"{_unit_place(where[unit])}: " if where.get(unit) is not None else ""
            problems.append(f"{at}unit {unit} in the data is not declared by the plan"
                            + (f"; the closest declared unit is {hint}" if hint else ""))
    if problems:  # (one diagnostic a problem: the command lists each on its line, an API answer each alone)
        raise KpiDataError("\n".join(problems), [Diagnostic(p) for p in problems])
    if rename:
        data = renamed(data, rename)
    return data


def _unit_place(src: Source | None) -> Source | None:
    """Where a unit is named, from where one of its values is: a JSON value's snapshot names it in
    ``$.snapshots[i].unit``."""
    if src is not None and src.where.startswith("$.snapshots[") and ".values." in src.where:
        return Source(src.file, src.where.split(".values.", 1)[0] + ".unit")
    return src


def check_forms(data: Data, plan: str | None) -> None:
    """Refuse a data-entry form made from another plan (its hidden layout sheet names the plan)."""
    if plan is None:
        return
    other = [(f, p) for f, p in data.form_plans.items() if p != plan]
    if other:
        problems = [f"{f}: this form was made from the plan {p} (`kpirules template`), not from {plan}, the "
                    f"plan checked: check it with the plan {p}, or make the form of {plan} with `kpirules template`"
                    for f, p in other]
        raise KpiDataError("\n".join(problems), [Diagnostic(p) for p in problems])


def _few(names: list[str], shown: int = 5) -> str:
    return ", ".join(names[:shown]) + (f" and {len(names) - shown} more" if len(names) > shown else "")


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
    out.form_plans = dict(data.form_plans)
    out.defaults = data.defaults
    out.default_units = {rename.get(u, u) for u in data.default_units}
    for extra in ("notes", "counted"):  # (what the counting of records left: its warnings, its table)
        if hasattr(data, extra):
            setattr(out, extra, getattr(data, extra))
    if problems:
        raise KpiDataError.from_diagnostics(problems)
    return out

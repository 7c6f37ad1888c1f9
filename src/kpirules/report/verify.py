"""``kpirules verify``: re-derive what a report or check JSON holds from the files its provenance block
names, and say what differs.

:func:`verify` hashes the plan and the data files the block names (or those
given instead), evaluates the plan on the data again as of the stamped date and
period and compares the results with those the JSON holds and stamped; for a
report's JSON it also makes the report again from them and compares what the
report shows besides the results: the summary (the counts by status, the
attention list, the later-phase group, the deliveries, who has not reported),
the sections with their titles, each result's texts and the data warnings.
"""

from __future__ import annotations

import datetime
import json
import os
from collections.abc import Sequence
from typing import Any

import attrs

from kpirules.data import load_data
from kpirules.engine.evaluate import Plan, Results, load
from kpirules.errors import KpiError
from kpirules.report.provenance import (DATA_CHANGED, PLAN_CHANGED, RESULTS_DIFFER, block_digest, canonical_sha256,
                                        file_sha256, report_fields, results_digest, rules_sha256, scheme, short)
from kpirules.text import check_regular

__all__ = ["Verdict", "verify", "PLAN_CHANGED", "DATA_CHANGED", "RESULTS_DIFFER"]


@attrs.frozen
class Verdict:
    """What ``verify`` found: each finding in words, and the exit status it means."""

    code: int
    lines: tuple[str, ...]

    @property
    def text(self) -> str:
        return "\n".join(self.lines) + "\n"


def _result_key(o: dict[str, Any]) -> tuple[str, str, str]:
    return (str(o.get("kind")), str(o.get("id")), str(o.get("unit")))


def _stored_results(doc: dict[str, Any]) -> list[dict[str, Any]] | None:
    """The result objects a report or check JSON holds (None for a document that holds none)."""
    if "checks" in doc:  # a roll-up
        return [o for c in doc["checks"] for o in c.get("results", [])]
    res = doc.get("results")
    return res if isinstance(res, list) else None


def _read(path: str) -> dict[str, Any]:
    check_regular(path, "report", KpiError)
    try:
        with open(path, encoding="utf-8-sig") as fh:
            doc = json.load(fh)
    except OSError as exc:
        raise KpiError(f"{path}: cannot read the report: {exc.strerror or exc}") from None
    except ValueError as exc:
        raise KpiError(f"{path}: not a JSON report ({exc}); verify reads the JSON of `kpirules report "
                       f"--format json` or `kpirules check --format json`") from None
    if not isinstance(doc, dict) or not isinstance(doc.get("provenance"), dict):
        raise KpiError(f"{path}: the JSON has no provenance block; verify reads the JSON of `kpirules report "
                       f"--format json` or `kpirules check --format json` made by kpirules 0.1.0 or later")
    return doc


def _refuse_records(report_path: str, plan: Plan) -> None:
    """A plan that counts metrics from records: its results were counted from rows (``--records``) the
    provenance does not name, so they cannot be re-derived; said so, exit 2 (rather than the error
    of reading no data file)."""
    from kpirules.engine.records import counted_metrics

    counted = counted_metrics(plan)
    if not counted:
        return
    names = ", ".join(m.name for m in counted[:5]) + (f" and {len(counted) - 5} more" if len(counted) > 5 else "")
    datasets = ", ".join(dict.fromkeys(m.dataset for m in counted))
    raise KpiError(
        f"{report_path}: cannot verify a report counted from records: the plan counts {names} from the rows "
        f"of dataset {datasets} (--records), and the provenance stamps data files only, not those rows, so "
        "verify cannot count them again; it verifies reports and checks made from --data files")


def _unreadable(kind: str, path: str, given: bool) -> KpiError:
    """The error for a plan or data file that cannot be read: which path was tried and, for a file the
    report names, that it is relative to where the report was made, and the options that name another."""
    why = "no such file" if not os.path.exists(path) else "cannot read it"
    tried = f"tried {os.path.abspath(path)}: {why}"
    if given:
        return KpiError(f"{path}: cannot read the {kind} file ({tried})")
    return KpiError(f"{path}: cannot read the {kind} file the report names ({tried}); a report names its files as "
                    "they were given where it was made, relative to the directory it was made in: run verify "
                    "there, or give the files with --plan PLAN.kpi and --data FILE (each --data in the order "
                    "the report lists them)")


def _plan_change(ppath: str, raw: str, plan: Plan, plan_rec: dict[str, Any]) -> str:
    """What changed in a plan file whose bytes are not those stamped: layout or comments only, its report
    block only (and which of its fields), or its rules, tasks or other declarations."""
    head = (f"plan changed: {ppath} is not the file the report was made from "
            f"(sha256 {raw[:12]}, stamped {str(plan_rec.get('sha256'))[:12]})")
    if canonical_sha256(plan) == plan_rec.get("canonical_sha256"):
        return head + "; its canonical text is the same: only layout or comments differ"
    if "rules_sha256" not in plan_rec:  # (a stamp made before the report block was stamped apart)
        return head + ", and its canonical text differs too: its rules or tasks changed"
    old, new = plan_rec.get("report") or {}, report_fields(plan) or {}
    fields = [k for k in dict.fromkeys([*old, *new]) if old.get(k) != new.get(k)]
    block = ("its report block (the official layout's fields): " + "; ".join(
        f"{k} {json.dumps(old.get(k), ensure_ascii=False)} in the report, "
        f"{json.dumps(new.get(k), ensure_ascii=False)} now" for k in fields)) if fields else ""
    if rules_sha256(plan) == plan_rec.get("rules_sha256"):
        changes = block.split(": ", 1)[1] if block else ""
        return (head + "; only its report block (the official layout's fields) changed"
                + (f": {changes}" if changes else "")
                + ". Its rules, tasks and other declarations are the same, and so are the results")
    return (head + ", and its canonical text differs too: its rules, tasks or other declarations changed"
            + (f", and {block}" if block else ""))


def verify(report_path: str, data: Sequence[str] | None = None, plan_path: str | None = None,
           number_format: str | None = None) -> Verdict:
    """Re-derive the results of a report or check JSON from the files it names (or ``data``/``plan_path``
    given instead) and compare: the plan's and the data's digests, then the results, then (for a report)
    what the report shows besides them.

    The verdict's code is 0 when everything matches, :data:`PLAN_CHANGED` when
    the plan file differs from the one stamped, :data:`DATA_CHANGED` when a
    data file does (and the plan does not), :data:`RESULTS_DIFFER` when the
    inputs are the same but the results re-derived from them, or what a report
    shows of them, are not those the JSON holds.  Unreadable or missing files
    raise :class:`KpiError`.
    """
    doc = _read(report_path)
    prov = doc["provenance"]
    lines: list[str] = []
    code = 0

    def finding(c: int, text: str) -> None:
        nonlocal code
        lines.append(text)
        if code == 0 or c < code:
            code = c

    try:
        plan_rec = prov["plan"]
        data_rec = list(prov["data"])
        as_of = prov["as_of"]
    except (KeyError, TypeError):
        raise KpiError(f"{report_path}: the provenance block lacks plan, data or as_of") from None
    if prov.get("digest") != block_digest(prov):
        finding(RESULTS_DIFFER, "the provenance block was changed after it was made: its digest does not match")

    # the plan
    ppath = plan_path or plan_rec.get("file")
    if not ppath:
        raise KpiError(f"{report_path}: the report names no plan file; give it with --plan")
    raw = file_sha256(ppath)
    if raw is None:
        raise _unreadable("plan", ppath, plan_path is not None)
    plan = load(ppath)
    _refuse_records(report_path, plan)
    if raw != plan_rec.get("sha256"):
        finding(PLAN_CHANGED, _plan_change(ppath, raw, plan, plan_rec))
    if scheme(plan) != prov.get("reporting"):
        finding(PLAN_CHANGED, f"plan changed: its reporting scheme is {scheme(plan)}, "
                              f"stamped {prov.get('reporting')}")

    # the data
    files = list(data) if data else [str(d.get("file")) for d in data_rec]
    if len(files) != len(data_rec):
        finding(DATA_CHANGED, f"data changed: {len(files)} data file(s) given, the report was made from "
                              f"{len(data_rec)}: {', '.join(str(d.get('file')) for d in data_rec)}")
    for i, f in enumerate(files):
        got = file_sha256(f)
        if got is None:
            raise _unreadable("data", f, bool(data))
        if i < len(data_rec) and got != data_rec[i].get("sha256"):
            finding(DATA_CHANGED, f"data changed: {f} is not the file the report was made from "
                                  f"(sha256 {got[:12]}, stamped {str(data_rec[i].get('sha256'))[:12]} for "
                                  f"{data_rec[i].get('file')})")

    # the results, re-derived
    numbers = number_format if number_format is not None else prov.get("number_format")
    loaded = load_data(files, number_format=numbers)
    results: Results | None = None
    if "periods" in prov:
        checks = plan.evaluate_periods(loaded, [p for p, _ in prov["periods"] if p], as_of)
        again = [o for r in checks for o in r.to_json()["results"]]
    else:
        period = prov.get("period")
        results = plan.evaluate(loaded, as_of, current=period) if period else plan.evaluate(loaded, as_of)
        again = results.to_json()["results"]
    digest = results_digest(again)
    stored = _stored_results(doc)
    keys = set().union(*map(set, again)) if again else set(_CHECK_KEYS)
    plain = [{k: v for k, v in o.items() if k in keys} for o in stored if isinstance(o, dict)] \
        if stored is not None else None
    diffs = _differences(plain, again) if plain is not None and plain != again else []
    same_inputs = code == 0
    if digest != prov.get("results_sha256"):
        finding(RESULTS_DIFFER,
                f"results differ: re-derived {len(again)} results (sha256 {digest[:12]}), the report stamped "
                f"{prov.get('results')} (sha256 {str(prov.get('results_sha256'))[:12]})"
                + (" on the same inputs" if same_inputs else "")
                + (f"; {len(diffs)} differ{'s' if len(diffs) == 1 else ''} from the report's:" if diffs else ""))
    elif diffs:
        finding(RESULTS_DIFFER,
                f"results differ: the report's results are not those it stamped and its inputs give "
                f"(edited after it was made); {len(diffs)} differ{'s' if len(diffs) == 1 else ''}:")
    _list_some(lines, diffs)

    # what a report shows besides the results: only worth comparing when all the rest is the same
    if code == 0 and results is not None and doc.get("report") == "kpirules":
        shown = _shown_differences(doc, plan, results, numbers)
        if shown:
            finding(RESULTS_DIFFER,
                    f"results differ: what the report shows is not what its results give (edited after it was "
                    f"made); {len(shown)} difference{'' if len(shown) == 1 else 's'}:")
            _list_some(lines, shown)

    if code == 0:
        short_digest = short(prov)
        lines.append(f"verified: {report_path} ({short_digest}) matches its plan {ppath} and data "
                     f"{', '.join(files)}: {len(again)} results, the same")
    elif prov.get("version"):
        from kpirules import __version__

        if prov["version"] != __version__:
            lines.append(f"note: the report was made by kpirules {prov['version']}, this is {__version__}")
    return Verdict(code, tuple(lines))


#: the fields of a report's JSON that verify makes again and compares (``plan.file`` and each warning's
#: ``source`` name files as they were given, which --plan and --data may name otherwise: left out)
SHOWN = ("lang", "plan", "period", "as_of", "status_labels", "summary", "sections", "results", "warnings")


def _shown_differences(doc: dict[str, Any], plan: Plan, results: Results, numbers: str | None) -> list[str]:
    """What a report's JSON shows that the report made again from ``results`` does not: each differing
    value by its path (``summary.rules.met: 17 in the report, 16 re-derived``)."""
    from kpirules.report.i18n import LANGS
    from kpirules.report.json import report_dict
    from kpirules.report.model import Report

    lang = doc.get("lang")
    if lang not in LANGS or results.current is None:
        return [f"lang: {json.dumps(lang, ensure_ascii=False)} in the report, not a language of the report"]
    as_of = results.as_of if isinstance(results.as_of, datetime.date) else datetime.date.fromisoformat(doc["as_of"])
    again = report_dict(Report(plan, results, results.current, as_of, str(lang), number_format=numbers))
    out: list[str] = []
    for key in SHOWN:
        a, b = doc.get(key), again.get(key)
        if key == "plan":
            a = {k: v for k, v in a.items() if k != "file"} if isinstance(a, dict) else a
            b = {k: v for k, v in b.items() if k != "file"} if isinstance(b, dict) else b
        elif key == "warnings":
            a = [{k: v for k, v in w.items() if k != "source"} if isinstance(w, dict) else w for w in a] \
                if isinstance(a, list) else a
            b = [{k: v for k, v in w.items() if k != "source"} for w in b or []]
        _diff(a, b, key, out)
    return out


def _diff(a: Any, b: Any, path: str, out: list[str]) -> None:
    """Each place where ``a`` (the report's) and ``b`` (re-derived) differ, by its JSON path."""
    if a == b:
        return
    if isinstance(a, dict) and isinstance(b, dict):
        for k in dict.fromkeys([*a, *b]):
            _diff(a.get(k), b.get(k), f"{path}.{k}", out)
        return
    if isinstance(a, list) and isinstance(b, list) and len(a) == len(b):
        for i, (x, y) in enumerate(zip(a, b)):
            _diff(x, y, f"{path}[{i}]", out)
        return
    def show(v: Any) -> str:
        text = json.dumps(v, ensure_ascii=False)
        return text if len(text) <= 120 else text[:117] + "…"

    if isinstance(a, list) and isinstance(b, list):
        out.append(f"{path}: {len(a)} items in the report, {len(b)} re-derived")
    else:
        out.append(f"{path}: {show(a)} in the report, {show(b)} re-derived")


#: the fields of a result that ``check --format json`` writes (a report adds labels and texts to them)
_CHECK_KEYS = frozenset({"id", "kind", "status", "period", "unit", "value", "target", "reason", "target_range",
                         "title", "section", "op", "margin", "deadline", "lead", "deliveries"})


def _label(o: dict[str, Any]) -> str:
    return f"{o.get('kind')} {o.get('id')}" + (f" (unit {o['unit']})" if o.get("unit") else "")


def _differences(stored: list[dict[str, Any]], again: list[dict[str, Any]]) -> list[str]:
    """Each result that differs between the report and the re-derivation, field by field."""
    out: list[str] = []
    old: dict[tuple[str, str, str], list[dict[str, Any]]] = {}
    for o in stored:
        old.setdefault(_result_key(o), []).append(o)
    new: dict[tuple[str, str, str], list[dict[str, Any]]] = {}
    for o in again:
        new.setdefault(_result_key(o), []).append(o)
    for key in dict.fromkeys([*old, *new]):
        a, b = old.get(key, []), new.get(key, [])
        for i in range(max(len(a), len(b))):
            if i >= len(a):
                out.append(f"{_label(b[i])}: not in the report; re-derived {b[i].get('status')}")
            elif i >= len(b):
                out.append(f"{_label(a[i])}: in the report ({a[i].get('status')}), not re-derived")
            elif a[i] != b[i]:
                fields = [k for k in dict.fromkeys([*a[i], *b[i]]) if a[i].get(k) != b[i].get(k)]
                out.append(f"{_label(a[i])}: " + "; ".join(
                    f"{k} {json.dumps(a[i].get(k), ensure_ascii=False)} in the report, "
                    f"{json.dumps(b[i].get(k), ensure_ascii=False)} re-derived" for k in fields))
    return out


def _list_some(lines: list[str], items: list[str], limit: int = 50) -> None:
    """Add the first ``limit`` of ``items`` to ``lines``, indented, and how many more there are."""
    lines.extend("  " + d for d in items[:limit])
    if len(items) > limit:
        lines.append(f"  … and {len(items) - limit} more")

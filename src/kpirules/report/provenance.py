"""The stamp of a report or check: which tool, plan, data, scheme and as-of date made which results.

:func:`provenance` builds the block that every report and every
``kpirules check --format json`` carries::

    {"tool": "kpirules", "version": "0.1.0",
     "plan": {"file": "rules/nq17_bkhcn.kpi", "id": "676/QĐ-BKHCN", "sha256": "…", "canonical_sha256": "…"},
     "data": [{"file": "examples/nq17_bkhcn/data.json", "sha256": "…"}],
     "number_format": null,
     "reporting": {"kind": "quarter", "cutoff": 15, "due": 20},
     "period": "2020-Q4", "as_of": "2020-12-20",
     "results": 61, "results_sha256": "…", "digest": "…"}

``sha256`` is the digest of the plan file's bytes; ``canonical_sha256`` the
digest of its canonical text (the layout of ``kpirules fmt``, without
comments), so a change of layout or comments alone leaves it as it is.
``results_sha256`` is the digest of the results as ``check --format json``
writes them (:func:`results_digest`); ``digest`` the digest of the whole
block (every other field), whose first twelve characters (:func:`short`)
are printed in a report's footer.

:func:`verify` re-derives the results from the files a block names and
says what differs (``kpirules verify``).
"""

from __future__ import annotations

import datetime
import hashlib
import json
from collections.abc import Iterable, Sequence
from typing import Any, cast

import attrs

from kpirules.data import load_data
from kpirules.engine.evaluate import Plan, Results, load
from kpirules.errors import KpiError

__all__ = ["provenance", "results_digest", "block_digest", "short", "file_sha256", "canonical_sha256",
           "Verdict", "verify", "PLAN_CHANGED", "DATA_CHANGED", "RESULTS_DIFFER"]

#: the exit status of ``kpirules verify`` for each finding (0 the same, 2 bad input)
PLAN_CHANGED = 3
DATA_CHANGED = 4
RESULTS_DIFFER = 5


def _sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def file_sha256(path: str) -> str | None:
    """The sha256 of a file's bytes (None when it cannot be read)."""
    try:
        with open(path, "rb") as fh:
            return _sha(fh.read())
    except OSError:
        return None


def canonical_sha256(plan: Plan) -> str:
    """The sha256 of a plan's canonical text: its meaning, whatever its layout and comments."""
    from kpirules.fmt import format_plan

    return _sha(format_plan(plan.ast).encode("utf-8"))


def _canon(obj: object) -> bytes:
    return json.dumps(obj, ensure_ascii=False, sort_keys=True, separators=(",", ":")).encode("utf-8")


def results_digest(results: Sequence[dict[str, Any]], known: dict[int, str] | None = None) -> str:
    """The sha256 of a list of result objects (as ``check --format json`` writes them), keys sorted.

    ``known``: the canonical text of each object met before, by ``id`` (a roll-up lists the same object
    in many periods: it is written once); the objects must stay alive while it is used."""
    if known is None:
        return _sha(_canon(list(results)))
    texts = []
    encode = json.JSONEncoder(ensure_ascii=False, sort_keys=True, separators=(",", ":")).encode  # (as _canon)
    for o in results:  # (the text of a list is its items' texts joined by "," in brackets)
        text = known.get(id(o))
        if text is None:
            text = known[id(o)] = encode(o)
        texts.append(text)
    digest = hashlib.sha256(b"[")
    digest.update(",".join(texts).encode("utf-8"))
    digest.update(b"]")
    return digest.hexdigest()


def block_digest(block: dict[str, Any]) -> str:
    """The sha256 of a provenance block, its ``digest`` field left out."""
    return _sha(_canon({k: v for k, v in block.items() if k != "digest"}))


def short(block: dict[str, Any]) -> str:
    """The digest printed in a report's footer: the first twelve characters of the block's digest."""
    return str(block.get("digest", ""))[:12]


def _scheme(plan: Plan) -> dict[str, Any]:
    return {"kind": plan.kind.value, "cutoff": plan.scheme.cutoff, "due": plan.scheme.due}


def provenance(results: Results | Sequence[Results], *, data_files: Iterable[str] | None = None,
               number_format: str | None = None, result_objects: Sequence[dict[str, Any]] | None = None,
               as_of: datetime.date | None = None, shared: bool = False) -> dict[str, Any]:
    """The provenance block of one evaluation (or of a roll-up: a list of them, one per period).

    ``data_files`` defaults to the files the evaluation's data was read from;
    ``result_objects``, when given, are the ``to_json`` objects of the
    results already made (so they are not made twice); ``as_of`` is a
    roll-up's limit (default: the evaluation's as-of date, the latest of a
    roll-up's); ``shared``: ``result_objects`` list some objects several times (a roll-up's
    results that are the same in several periods), whose text is then made once.
    """
    from kpirules import __version__

    checks = [results] if isinstance(results, Results) else list(results)
    if not checks:
        raise KpiError("provenance: no evaluation to stamp")
    first = checks[0]
    plan = cast(Plan, first.plan)
    if data_files is None:
        data_files = list(first.data.files) if first.data is not None else []
    if result_objects is None:
        result_objects = [o for r in checks for o in r.to_json()["results"]]
    plan_file = plan.filename
    block: dict[str, Any] = {
        "tool": "kpirules",
        "version": __version__,
        "plan": {"file": plan_file, "id": plan.id,
                 "sha256": file_sha256(plan_file) if plan_file else None,
                 "canonical_sha256": canonical_sha256(plan)},
        "data": [{"file": f, "sha256": file_sha256(f)} for f in data_files],
        "number_format": number_format,
        "reporting": _scheme(plan),
    }
    if isinstance(results, Results):
        block["period"] = first.current.label if first.current else None
    else:
        block["periods"] = [(r.current.label if r.current else None, r.as_of.isoformat()) for r in checks]
    block["as_of"] = (as_of or max(r.as_of for r in checks)).isoformat()
    block["results"] = len(result_objects)
    block["results_sha256"] = results_digest(result_objects, {} if shared else None)
    block["digest"] = block_digest(block)
    return block


# --------------------------------------------------------------------------- verify


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


def verify(report_path: str, data: Sequence[str] | None = None, plan_path: str | None = None,
           number_format: str | None = None) -> Verdict:
    """Re-derive the results of a report or check JSON from the files it names (or ``data``/``plan_path``
    given instead) and compare: the plan's and the data's digests, then the results.

    The verdict's code is 0 when everything matches, :data:`PLAN_CHANGED` when
    the plan file differs from the one stamped, :data:`DATA_CHANGED` when a
    data file does (and the plan does not), :data:`RESULTS_DIFFER` when the
    inputs are the same but the results re-derived from them are not those
    the report holds.  Unreadable or missing files raise :class:`KpiError`.
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
        raise KpiError(f"{ppath}: cannot read the plan file")
    plan = load(ppath)
    canon = canonical_sha256(plan)
    if raw != plan_rec.get("sha256"):
        if canon == plan_rec.get("canonical_sha256"):
            finding(PLAN_CHANGED, f"plan changed: {ppath} is not the file the report was made from "
                                  f"(sha256 {raw[:12]}, stamped {str(plan_rec.get('sha256'))[:12]}); "
                                  "its canonical text is the same: only layout or comments differ")
        else:
            finding(PLAN_CHANGED, f"plan changed: {ppath} is not the file the report was made from "
                                  f"(sha256 {raw[:12]}, stamped {str(plan_rec.get('sha256'))[:12]}), "
                                  "and its canonical text differs too: its rules or tasks changed")
    if plan.scheme.cutoff != prov.get("reporting", {}).get("cutoff") or \
            plan.scheme.due != prov.get("reporting", {}).get("due") or \
            plan.kind.value != prov.get("reporting", {}).get("kind"):
        finding(PLAN_CHANGED, f"plan changed: its reporting scheme is {_scheme(plan)}, "
                              f"stamped {prov.get('reporting')}")

    # the data
    files = list(data) if data else [str(d.get("file")) for d in data_rec]
    if len(files) != len(data_rec):
        finding(DATA_CHANGED, f"data changed: {len(files)} data file(s) given, the report was made from "
                              f"{len(data_rec)}: {', '.join(str(d.get('file')) for d in data_rec)}")
    for i, f in enumerate(files):
        got = file_sha256(f)
        if got is None:
            raise KpiError(f"{f}: cannot read the data file" + ("" if data else "; give the data with --data"))
        if i < len(data_rec) and got != data_rec[i].get("sha256"):
            finding(DATA_CHANGED, f"data changed: {f} is not the file the report was made from "
                                  f"(sha256 {got[:12]}, stamped {str(data_rec[i].get('sha256'))[:12]} for "
                                  f"{data_rec[i].get('file')})")

    # the results, re-derived
    loaded = load_data(files, number_format=number_format if number_format is not None
                       else prov.get("number_format"))
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
    lines.extend("  " + d for d in diffs[:50])
    if len(diffs) > 50:
        lines.append(f"  … and {len(diffs) - 50} more")
    if code == 0:
        short_digest = short(prov)
        lines.append(f"verified: {report_path} ({short_digest}) matches its plan {ppath} and data "
                     f"{', '.join(files)}: {len(again)} results, the same")
    elif prov.get("version"):
        from kpirules import __version__

        if prov["version"] != __version__:
            lines.append(f"note: the report was made by kpirules {prov['version']}, this is {__version__}")
    return Verdict(code, tuple(lines))


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



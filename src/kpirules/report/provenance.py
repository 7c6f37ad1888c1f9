"""The stamp of a report or check: which tool, plan, data, scheme and as-of date made which results.

:func:`provenance` builds the block that every report and every
``kpirules check --format json`` carries::

    {"tool": "kpirules", "version": "0.1.0",
     "plan": {"file": "rules/nq17_bkhcn.kpi", "id": "676/QĐ-BKHCN", "sha256": "…", "canonical_sha256": "…",
              "rules_sha256": "…", "report": {"symbol": "BC-VP", "issuer": […], "place": "Hà Nội", …}},
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

``rules_sha256`` is the digest of the canonical text without the plan's
``report`` block, and ``report`` that block's fields, so that ``kpirules
verify`` (:mod:`kpirules.report.verify`) can say whether only the official
layout's fields changed.
"""

from __future__ import annotations

import datetime
import hashlib
import json
from collections.abc import Iterable, Sequence
from typing import Any, cast

import attrs

from kpirules.engine.evaluate import Plan, Results
from kpirules.errors import KpiError
from kpirules.text import not_regular

__all__ = ["provenance", "results_digest", "block_digest", "short", "file_sha256", "canonical_sha256",
           "rules_sha256", "report_fields", "scheme", "PLAN_CHANGED", "DATA_CHANGED", "RESULTS_DIFFER"]

#: the exit status of ``kpirules verify`` for each finding (0 the same, 2 bad input)
PLAN_CHANGED = 3
DATA_CHANGED = 4
RESULTS_DIFFER = 5


def _sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def file_sha256(path: str) -> str | None:
    """The sha256 of a file's bytes (None when it cannot be read, or is not a regular file)."""
    if not_regular(path) is not None:
        return None
    try:
        with open(path, "rb") as fh:
            return _sha(fh.read())
    except OSError:
        return None


def canonical_sha256(plan: Plan) -> str:
    """The sha256 of a plan's canonical text: its meaning, whatever its layout and comments."""
    from kpirules.fmt import format_plan

    return _sha(format_plan(plan.ast).encode("utf-8"))


def rules_sha256(plan: Plan) -> str:
    """The sha256 of a plan's canonical text without its ``report`` block: its rules, tasks and other
    declarations, whatever the official layout's fields (issuer, place, signer, recipients) say."""
    from kpirules.fmt import format_plan

    return _sha(format_plan(attrs.evolve(plan.ast, report=None)).encode("utf-8"))


def report_fields(plan: Plan) -> dict[str, Any] | None:
    """The fields of a plan's ``report`` block, as data (None without one)."""
    block = plan.ast.report
    if block is None:
        return None
    return {"symbol": block.symbol, "issuer": list(block.issuer), "place": block.place,
            "signer": list(block.signer), "recipients": list(block.recipients)}


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


def scheme(plan: Plan) -> dict[str, Any]:
    """The plan's reporting scheme as the block stamps it."""
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
                 "canonical_sha256": canonical_sha256(plan), "rules_sha256": rules_sha256(plan),
                 "report": report_fields(plan)},
        "data": [{"file": f, "sha256": file_sha256(f)} for f in data_files],
        "number_format": number_format,
        "reporting": scheme(plan),
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

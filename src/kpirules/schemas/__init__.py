"""The published JSON Schemas (draft 2020-12) of what kpirules reads and writes.

One schema a document kind (docs/schemas.md says what each one covers):

====================  =========================================================
``check``             ``kpirules check --format json``, ``Results.to_json()``
``rollup``            ``kpirules check --period all --format json``
``report``            ``kpirules report --format json``
``provenance``        the block that says how a check or report was made
``lint``              ``kpirules lint --format json``
``periods``           ``kpirules periods --format json``
``data``              a JSON data file (``load_data``, ``--data``)
``snapshot``          one item of its ``snapshots`` (``data_from_snapshots``)
``task-row``          one item of its ``tasks`` (``data_from_task_rows``)
``event``             one item of its ``events`` (``data_from_events``)
``common``            the definitions the others share (no document is one)
====================  =========================================================

::

    from kpirules import schemas

    schemas.load("check")["$id"]           # 'urn:kpirules:schema:check'
    schemas.validate("check", doc)         # KpiError naming the JSON path of each problem

The schemas are closed (``additionalProperties: false``): they describe
exactly what this version writes.  A later version may add fields (never
rename or remove one); ``load(name, closed=False)`` gives a copy that
accepts fields it does not know, for a tool that must read the output of
later versions too.  :func:`load` needs nothing but the standard library;
:func:`validator` and :func:`validate` need the ``jsonschema`` package.
"""

from __future__ import annotations

import copy
import functools
import json
from typing import Any

from kpirules.errors import Diagnostic, KpiError

__all__ = ["NAMES", "SCHEMA_VERSION", "load", "validator", "validate", "schema_id"]

#: the value of ``schema_version`` in every JSON object kpirules writes
SCHEMA_VERSION = 1

#: the shipped schemas, by name
NAMES = ("check", "rollup", "report", "provenance", "lint", "periods", "data", "snapshot", "task-row", "event",
         "common")

_PREFIX = "urn:kpirules:schema:"


def schema_id(name: str) -> str:
    """The ``$id`` of a schema (``urn:kpirules:schema:check``), by which the others ``$ref`` it."""
    _check_name(name)
    return _PREFIX + name


def _check_name(name: str) -> None:
    if name not in NAMES:
        raise KpiError(f"no schema named {name!r}; the schemas are: {', '.join(NAMES)}")


@functools.lru_cache(maxsize=None)
def _raw(name: str) -> str:
    from importlib import resources  # (here: kpirules is imported without it)

    return (resources.files(__package__) / f"{name}.schema.json").read_text(encoding="utf-8")


def load(name: str, *, closed: bool = True) -> dict[str, Any]:
    """The schema ``name`` (one of :data:`NAMES`), a fresh dict.

    ``closed=False``: every ``additionalProperties: false`` and
    ``unevaluatedProperties: false`` dropped, so fields added by a later
    version are accepted.
    """
    _check_name(name)
    doc: dict[str, Any] = json.loads(_raw(name))
    if not closed:
        _open(doc)
    return doc


def _open(node: Any) -> None:
    if isinstance(node, dict):
        for key in ("additionalProperties", "unevaluatedProperties"):
            if node.get(key) is False:
                del node[key]
        for v in node.values():
            _open(v)
    elif isinstance(node, list):
        for v in node:
            _open(v)


@functools.lru_cache(maxsize=None)
def _validator(name: str, closed: bool) -> Any:
    try:
        import jsonschema  # type: ignore[import-untyped, unused-ignore]
        import referencing
        from referencing.jsonschema import DRAFT202012
    except ImportError:  # pragma: no cover - depends on the environment
        raise KpiError("validating against the schemas needs the jsonschema package: pip install jsonschema") from None
    docs = [load(n, closed=closed) for n in NAMES]
    registry: Any = referencing.Registry().with_resources(
        (d["$id"], DRAFT202012.create_resource(d)) for d in docs)
    cls = jsonschema.Draft202012Validator
    return cls(docs[NAMES.index(name)], registry=registry, format_checker=cls.FORMAT_CHECKER)


def validator(name: str, *, closed: bool = True) -> Any:
    """A ``jsonschema.Draft202012Validator`` for the schema ``name``, the other schemas registered
    for its ``$ref``\\ s, checking formats (dates). Made once per name."""
    _check_name(name)
    return _validator(name, closed)


def validate(name: str, instance: Any, *, closed: bool = True) -> None:
    """Raise :class:`~kpirules.errors.KpiError` if ``instance`` does not follow the schema ``name``:
    one diagnostic per problem, each naming its JSON path (``$.results[3].status: …``)."""
    errors = sorted(validator(name, closed=closed).iter_errors(instance),
                    key=lambda e: [(0, p, "") if isinstance(p, int) else (1, 0, p) for p in e.absolute_path])
    seen: set[tuple[str, str]] = set()  # (a value that fails the same test twice, as `status` may, is told once)
    diagnostics = []
    for e in errors:
        if (e.json_path, str(e.validator)) not in seen:
            seen.add((e.json_path, str(e.validator)))
            diagnostics.append(Diagnostic(f"{e.json_path}: {e.message}"))
    if diagnostics:
        raise KpiError.from_diagnostics(diagnostics)


# (a renamed public name of this module still works for one minor release: kpirules.deprecation)
from kpirules.deprecation import module_getattr as _module_getattr  # noqa: E402

__getattr__ = _module_getattr(__name__)

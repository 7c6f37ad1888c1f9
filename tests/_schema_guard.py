"""Every JSON object kpirules makes in the test suite is checked against its published schema.

A pytest plugin (``pytest_plugins`` in the root conftest.py): at the start of
the run it wraps the functions that make kpirules' JSON documents, so that
each document made by any test (through the CLI in the same process, or the
library) is validated against ``kpirules.schemas``; a document that does not
follow its schema fails the test that made it, naming the JSON path.  As the
schemas are closed (``additionalProperties: false``), a field added to an
output without its schema fails the suite.

``check --format json`` is ``Results.to_json()`` with the ``provenance``
block added: each of the two is checked where it is made, and the whole
document too (``check_json``), so a field the command line adds is checked.
The places wrapped are listed in :data:`PRODUCERS`: (module, attribute,
schema reference).  A module or attribute that no longer exists is an error
of this plugin, so the list cannot silently go stale when code moves.
"""

from __future__ import annotations

import functools
import importlib
import json
from typing import Any

import pytest

#: (module, attribute of the module, "Class.method" or a function name, the schema it must follow)
PRODUCERS: list[tuple[str, str, str]] = [
    ("kpirules.engine.results", "Results.to_json", "urn:kpirules:schema:check"),
    ("kpirules.engine.results", "Result.to_json", "urn:kpirules:schema:check#/$defs/result"),
    ("kpirules.engine.export", "Rollup.to_json", "urn:kpirules:schema:rollup"),
    ("kpirules.engine.warnings", "Warning_.to_json", "urn:kpirules:schema:common#/$defs/warning"),
    ("kpirules.cli.check", "check_json", "urn:kpirules:schema:check"),  # (to_json with the provenance block)
    ("kpirules.cli.check", "rollup_json", "urn:kpirules:schema:rollup"),
    ("kpirules.cli.check", "rollup_text", "urn:kpirules:schema:rollup"),  # (text: with the provenance block)
    ("kpirules.report.json", "report_dict", "urn:kpirules:schema:report"),
    ("kpirules.report.provenance", "provenance", "urn:kpirules:schema:provenance"),
    ("kpirules.lint", "Finding.to_json", "urn:kpirules:schema:lint#/items"),
    ("kpirules.cli.periods", "_row", "urn:kpirules:schema:periods#/items"),
]

#: how many documents each producer had checked (the test of this plugin reads it)
CHECKED: dict[str, int] = {}


class SchemaViolation(AssertionError):
    """A JSON document kpirules made does not follow its published schema."""


def _validator(ref: str) -> Any:
    from kpirules import schemas

    return schemas.validator("common").evolve(schema={"$ref": ref})


def check(ref: str, doc: Any, where: str) -> None:
    """Raise :class:`SchemaViolation` if ``doc`` does not follow the schema ``ref``."""
    errors = list(_validators[ref].iter_errors(doc))
    CHECKED[where] = CHECKED.get(where, 0) + 1
    if errors:
        lines = "\n".join(f"  {e.json_path}: {e.message}" for e in errors[:20])
        raise SchemaViolation(f"{where} made JSON that does not follow {ref} (src/kpirules/schemas/):\n{lines}")


_validators: dict[str, Any] = {}


def _wrap(owner: Any, attr: str, ref: str, where: str) -> None:
    original = owner.__dict__[attr]

    @functools.wraps(original)
    def checked(*args: Any, **kwargs: Any) -> Any:
        doc = original(*args, **kwargs)
        check(ref, json.loads(doc) if isinstance(doc, str) else doc, where)
        return doc

    setattr(owner, attr, checked)


def install() -> None:
    for module_name, path, ref in PRODUCERS:
        module = importlib.import_module(module_name)
        *owners, attr = path.split(".")
        owner: Any = module
        for name in owners:
            owner = getattr(owner, name)
        if attr not in owner.__dict__:
            raise RuntimeError(f"tests/_schema_guard.py: {module_name}.{path} does not exist; update PRODUCERS")
        if ref not in _validators:
            _validators[ref] = _validator(ref)
        _wrap(owner, attr, ref, f"{module_name}.{path}")


def pytest_configure(config: pytest.Config) -> None:
    install()

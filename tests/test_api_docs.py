"""docs/api.md documents exactly the public API: every name of ``kpirules.__all__``."""

from __future__ import annotations

import inspect
import pathlib
import re

import pytest

import kpirules

API = (pathlib.Path(__file__).resolve().parent.parent / "docs" / "api.md").read_text(encoding="utf-8")
#: every documented name has a heading "### `kpirules.NAME`"
DOCUMENTED = re.findall(r"^### `kpirules\.([\w]+)", API, re.M)


@pytest.mark.parametrize("name", kpirules.__all__)
def test_every_public_name_is_documented(name: str) -> None:
    assert name in DOCUMENTED, f"docs/api.md has no section ### `kpirules.{name}`"


@pytest.mark.parametrize("name", kpirules.__all__)
def test_every_public_class_and_function_has_its_own_docstring(name: str) -> None:
    obj = getattr(kpirules, name)
    if not (inspect.isclass(obj) or inspect.isfunction(obj)):
        return  # constants (FAILING, __version__) are described in docs/api.md only
    doc = obj.__dict__.get("__doc__") if inspect.isclass(obj) else obj.__doc__
    assert doc and doc.strip(), f"kpirules.{name} has no docstring"


def test_no_stale_sections() -> None:
    stale = sorted(set(DOCUMENTED) - set(kpirules.__all__))
    assert not stale, f"docs/api.md documents names that are not in kpirules.__all__: {stale}"
    assert len(DOCUMENTED) == len(set(DOCUMENTED)), "a name is documented twice"

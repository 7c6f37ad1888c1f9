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


# --- the public submodules -------------------------------------------------------------

import importlib  # noqa: E402

_SECTION = API.split("\n## Public modules\n", 1)[1].split("\n## ", 1)[0] if "\n## Public modules\n" in API else ""
#: module → the names listed for it in the table of "## Public modules"
PUBLIC_MODULES = {m.group(1): re.findall(r"`(\w+)`", m.group(2))
                  for m in re.finditer(r"^\| `kpirules\.(\w+)` \| ([^|]*) \|", _SECTION, re.M)}
DOCS = pathlib.Path(__file__).resolve().parent.parent / "docs"


def test_api_docs_list_the_public_modules() -> None:
    # Bug: api.md called every module but `kpirules` internal while other pages told people to use
    # kpirules.testing, kpirules.nodes, kpirules.periods, kpirules.fmt, kpirules.lint, kpirules.engine.warnings …
    assert PUBLIC_MODULES, "docs/api.md has no '## Public modules' table"
    mentioned = set()
    for page in DOCS.glob("*.md"):
        if page.name in ("api.md", "architecture.md"):  # they name the internal modules too, to say they are internal
            continue
        text = page.read_text(encoding="utf-8")
        mentioned |= set(re.findall(r"\bkpirules\.([a-z]\w*)", text))
        mentioned |= set(re.findall(r"^from kpirules\.([a-z]\w*) import", text, re.M))
        mentioned |= set(re.findall(r"^from kpirules import ([a-z]\w*) as", text, re.M))
    modules = {m for m in mentioned if m not in kpirules.__all__}
    missing = sorted(m for m in modules if m not in PUBLIC_MODULES)
    assert not missing, f"docs use kpirules.{missing} but docs/api.md does not list them as public modules"


@pytest.mark.parametrize(("module", "name"), [(m, n) for m, names in PUBLIC_MODULES.items() for n in names])
def test_names_listed_for_public_modules_exist(module: str, name: str) -> None:
    mod = importlib.import_module(f"kpirules.{module}")
    assert hasattr(mod, name), f"docs/api.md lists kpirules.{module}.{name}, which does not exist"
    if hasattr(mod, "__all__"):
        assert name in mod.__all__, f"kpirules.{module}.{name} is listed in docs/api.md but not in its __all__"


def _modules() -> list[str]:
    import pkgutil

    return sorted(m.name for m in pkgutil.walk_packages(kpirules.__path__, "kpirules.")
                  if not m.name.endswith("__main__"))


@pytest.mark.parametrize("module", _modules())
def test_every_name_of_a_modules_all_exists_so_a_star_import_works(module: str) -> None:
    # Bug: kpirules.data.objects listed its protocols (ArrowTable, PandasFrame, …) in __all__ but made them only
    # under TYPE_CHECKING, so `from kpirules.data.objects import *` raised AttributeError.
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        mod = importlib.import_module(module)
    missing = [n for n in getattr(mod, "__all__", ()) if not hasattr(mod, n)]
    assert not missing, f"{module}.__all__ names {missing}, which the module does not define at run time"

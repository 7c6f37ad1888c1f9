"""The deprecation policy: a renamed public name keeps working for one minor release, with a warning."""

from __future__ import annotations

import importlib
import pathlib
import re
import warnings

import pytest

import kpirules
from kpirules import deprecation

#: the public modules, as docs/api.md lists them
PUBLIC_MODULES = re.findall(r"^\| `(kpirules\.\w+)` \|",
                            (pathlib.Path(__file__).parent.parent / "docs" / "api.md").read_text(encoding="utf-8"),
                            re.M)


def _version(v: str) -> tuple[int, ...]:
    return tuple(int(p) for p in v.split("."))


def test_a_renamed_name_works_with_a_deprecation_warning(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(deprecation.RENAMED, "kpirules.read_data", ("load_data", "0.2.0"))
    with pytest.warns(DeprecationWarning, match=r"kpirules.read_data is renamed kpirules.load_data; the old name "
                                                r"goes in 0.2.0: write kpirules.load_data") as caught:
        old = kpirules.read_data  # type: ignore[attr-defined]
    assert old is kpirules.load_data
    assert caught[0].filename == __file__  # the warning points at the code that uses the old name
    with pytest.warns(DeprecationWarning):  # (a from-import gets it too)
        from kpirules import read_data  # type: ignore[attr-defined]

    assert read_data is kpirules.load_data


def test_the_public_modules_are_the_table_of_api_md() -> None:
    assert len(PUBLIC_MODULES) >= 14 and "kpirules.data" in PUBLIC_MODULES and "kpirules.records" in PUBLIC_MODULES


@pytest.mark.parametrize("name", PUBLIC_MODULES)
def test_a_renamed_name_of_a_public_module_works_with_a_deprecation_warning(
        name: str, monkeypatch: pytest.MonkeyPatch) -> None:
    module = importlib.import_module(name)
    new = sorted(module.__all__)[-1]  # (in kpirules.records, a name loaded when first asked for)
    monkeypatch.setitem(deprecation.RENAMED, f"{name}.old_{new}", (new, "0.2.0"))
    with pytest.warns(DeprecationWarning, match=rf"^{re.escape(name)}.old_{new} is renamed {re.escape(name)}.{new}; "
                                                rf"the old name goes in 0.2.0: write {re.escape(name)}.{new}$") as caught:
        old = getattr(module, f"old_{new}")
    assert old is getattr(module, new)
    assert caught[0].filename == __file__
    with pytest.warns(DeprecationWarning):
        exec(f"from {name} import old_{new} as got", namespace := {})
    assert namespace["got"] is old
    with pytest.raises(AttributeError, match=f"module {name!r} has no attribute 'lod'"):
        getattr(module, "lod")
    monkeypatch.delitem(deprecation.RENAMED, f"{name}.old_{new}")
    assert not hasattr(module, f"old_{new}")  # (the old name is gone with its entry)


def test_an_unknown_name_is_still_an_attribute_error() -> None:
    with pytest.raises(AttributeError, match="module 'kpirules' has no attribute 'lod'"):
        kpirules.lod  # type: ignore[attr-defined]  # noqa: B018
    assert not hasattr(kpirules, "lod")
    with pytest.raises(ImportError):
        from kpirules.data import lod  # type: ignore[attr-defined]  # noqa: F401


def test_the_current_names_give_no_warning() -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        for name in kpirules.__all__:
            getattr(kpirules, name)
        for module in map(importlib.import_module, PUBLIC_MODULES):
            for name in module.__all__:
                getattr(module, name)


def test_every_renamed_name_points_at_a_public_name_and_goes_in_the_next_minor_release() -> None:
    """When the version reaches an entry's removal, this fails until the old name is removed."""
    here = _version(kpirules.__version__)
    for full, (new, removed_in) in deprecation.RENAMED.items():
        name, _, old = full.rpartition(".")
        assert name in ["kpirules", *PUBLIC_MODULES], f"{full}: not a name of kpirules or of a public module"
        module = importlib.import_module(name)
        assert new in module.__all__ and old not in module.__all__ and old not in vars(module), full
        gone = _version(removed_in)
        assert here < gone, f"{full} should have been removed in {removed_in}"
        assert gone[:2] <= (here[0], here[1] + 1), f"{full} is kept longer than one minor release"

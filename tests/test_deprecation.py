"""The deprecation policy: a renamed public name keeps working for one minor release, with a warning."""

from __future__ import annotations

import warnings

import pytest

import kpirules
from kpirules import deprecation


def _version(v: str) -> tuple[int, ...]:
    return tuple(int(p) for p in v.split("."))


def test_a_renamed_name_works_with_a_deprecation_warning(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(deprecation.RENAMED, "read_data", ("load_data", "0.2.0"))
    with pytest.warns(DeprecationWarning, match=r"kpirules.read_data is renamed kpirules.load_data; the old name "
                                                r"goes in 0.2.0: write kpirules.load_data") as caught:
        old = kpirules.read_data  # type: ignore[attr-defined]
    assert old is kpirules.load_data
    assert caught[0].filename == __file__  # the warning points at the code that uses the old name
    with pytest.warns(DeprecationWarning):  # (a from-import gets it too)
        from kpirules import read_data  # type: ignore[attr-defined]

    assert read_data is kpirules.load_data


def test_an_unknown_name_is_still_an_attribute_error() -> None:
    with pytest.raises(AttributeError, match="module 'kpirules' has no attribute 'lod'"):
        kpirules.lod  # type: ignore[attr-defined]  # noqa: B018
    assert not hasattr(kpirules, "lod")


def test_the_current_names_give_no_warning() -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        for name in kpirules.__all__:
            getattr(kpirules, name)


def test_every_renamed_name_points_at_a_public_name_and_goes_in_the_next_minor_release() -> None:
    """When the version reaches an entry's removal, this fails until the old name is removed."""
    here = _version(kpirules.__version__)
    for old, (new, removed_in) in deprecation.RENAMED.items():
        assert new in kpirules.__all__ and old not in kpirules.__all__, old
        gone = _version(removed_in)
        assert here < gone, f"kpirules.{old} should have been removed in {removed_in}"
        assert gone[:2] <= (here[0], here[1] + 1), f"kpirules.{old} is kept longer than one minor release"

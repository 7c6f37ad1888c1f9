"""Data warnings (public name kept): they are worked out in :mod:`kpirules.engine.warnings`."""

from kpirules.engine.warnings import Warning_, sanity_warnings

__all__ = ["Warning_", "sanity_warnings"]


# (a renamed public name of this module still works for one minor release: kpirules.deprecation)
from kpirules.deprecation import module_getattr as _module_getattr  # noqa: E402

__getattr__ = _module_getattr(__name__)

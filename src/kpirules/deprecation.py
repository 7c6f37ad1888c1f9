"""The deprecation policy, in code: a renamed public name keeps working for one minor release.

When a public name of :mod:`kpirules` or of one of its public modules (docs/api.md#public-modules) is
renamed, the old name is entered in :data:`RENAMED` by its full dotted name (``kpirules.OLD``,
``kpirules.data.OLD``) with the new name in the same module and the release that removes the old one
(the next minor release after the one that renames it).  Until then ``kpirules.data.OLD`` still gives
the object, with a :class:`DeprecationWarning` that says what to write instead; after it,
``tests/test_deprecation.py`` fails until the entry (and the name) is removed.  Each public module
answers for its old names with the one ``__getattr__`` that :func:`module_getattr` makes.
docs/application.md states the policy.

This module imports nothing of kpirules: every public module may use it.
"""

from __future__ import annotations

import sys
import warnings
from collections.abc import Callable
from typing import Any

__all__ = ["RENAMED", "module_getattr"]

#: the old public name, in full (``kpirules.OLD``, ``kpirules.MODULE.OLD``) → (the new name in the
#: same module, the version that removes the old one)
RENAMED: dict[str, tuple[str, str]] = {}


def module_getattr(module: str, fallback: Callable[[str], Any] | None = None) -> Callable[[str], Any]:
    """The module ``__getattr__`` (PEP 562) of the public module named ``module``: an old name in
    :data:`RENAMED` gives the object of its new name, with a DeprecationWarning pointing at the code
    that uses it; any other name goes to ``fallback`` (a module's own lazy names) or is an
    AttributeError, as for a module without one."""

    def __getattr__(name: str) -> Any:
        entry = RENAMED.get(f"{module}.{name}")
        if entry is not None:
            new, removed_in = entry
            warnings.warn(f"{module}.{name} is renamed {module}.{new}; the old name goes in {removed_in}: "
                          f"write {module}.{new}", DeprecationWarning, stacklevel=2)
            return getattr(sys.modules[module], new)
        if fallback is not None:
            return fallback(name)
        raise AttributeError(f"module {module!r} has no attribute {name!r}")

    return __getattr__


__getattr__ = module_getattr(__name__)  # (this module's own names, were one renamed)

"""The deprecation policy, in code: a renamed public name keeps working for one minor release.

When a public name of :mod:`kpirules` is renamed, the old name is entered in
:data:`RENAMED` with the new name and the release that removes it (the next
minor release after the one that renames it).  Until then ``kpirules.OLD``
still gives the object, with a :class:`DeprecationWarning` that says what to
write instead; after it, ``tests/test_deprecation.py`` fails until the entry
(and the name) is removed.  docs/application.md states the policy.
"""

from __future__ import annotations

import warnings
from typing import Any

__all__ = ["RENAMED", "lookup"]

#: old public name → (the new name, the version that removes the old one)
RENAMED: dict[str, tuple[str, str]] = {}


def lookup(name: str, namespace: dict[str, Any]) -> Any:
    """``kpirules.<name>`` for a name the module does not define (the module's ``__getattr__``):
    the object of a renamed name, with a DeprecationWarning; AttributeError for any other."""
    if name in RENAMED:
        new, removed_in = RENAMED[name]
        warnings.warn(f"kpirules.{name} is renamed kpirules.{new}; the old name goes in {removed_in}: "
                      f"write kpirules.{new}", DeprecationWarning, stacklevel=3)
        return namespace[new]
    raise AttributeError(f"module 'kpirules' has no attribute {name!r}")

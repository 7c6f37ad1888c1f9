"""How a status came about (public name kept): the explanation is built in :mod:`kpirules.engine.trace`."""

from kpirules.engine.trace import Explanation, Step, explain, explain_id

__all__ = ["Step", "Explanation", "explain", "explain_id"]


# (a renamed public name of this module still works for one minor release: kpirules.deprecation)
from kpirules.deprecation import module_getattr as _module_getattr  # noqa: E402

__getattr__ = _module_getattr(__name__)

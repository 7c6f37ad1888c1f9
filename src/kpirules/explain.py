"""How a status came about (public name kept): the explanation is built in :mod:`kpirules.engine.trace`."""

from kpirules.engine.trace import Explanation, Step, explain, explain_id

__all__ = ["Step", "Explanation", "explain", "explain_id"]

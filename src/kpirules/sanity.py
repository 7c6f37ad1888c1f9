"""Data warnings (public name kept): they are worked out in :mod:`kpirules.engine.warnings`."""

from kpirules.engine.warnings import Warning_, sanity_warnings

__all__ = ["Warning_", "sanity_warnings"]

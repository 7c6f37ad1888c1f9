"""Shared test set-up."""

from __future__ import annotations

import atexit
import os
import shutil
import tempfile

# The test run keeps lark's parser in a directory of its own, not in the user's ~/.cache/kpirules
# (subprocesses inherit it). A KPIRULES_CACHE_DIR set by the person running the tests is kept.
if "KPIRULES_CACHE_DIR" not in os.environ:
    _cache = tempfile.mkdtemp(prefix="kpirules-test-cache-")
    os.environ["KPIRULES_CACHE_DIR"] = _cache
    atexit.register(shutil.rmtree, _cache, True)

# Every JSON document kpirules makes in the suite is validated against its published schema.
pytest_plugins = ["tests._schema_guard"]

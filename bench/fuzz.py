#!/usr/bin/env python3
"""Nightly-size fuzz run: the tests of tests/test_fuzz.py with many more examples.

    python bench/fuzz.py            # 5,000 examples per test, random seeds
    python bench/fuzz.py 200000     # longer

CI runs the same tests bounded (about a minute, fixed seeds); this run draws
new seeds each time, so it finds what CI cannot.  A failure prints the
falsifying example; add it to tests/data/messy/ or as a regression test.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def main(argv: list[str]) -> int:
    examples = argv[0] if argv else "5000"
    env = dict(os.environ, KPIRULES_FUZZ_EXAMPLES=examples)
    cmd = [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", str(ROOT / "tests/test_fuzz.py"),
           str(ROOT / "tests/test_fuzz_outputs.py"),
           "--hypothesis-show-statistics"]
    return subprocess.call(cmd, env=env, cwd=ROOT)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

"""A pytest plugin (entry point ``pytest11``): plain ``pytest`` collects and runs ``*.kpitest`` files.

Each ``test`` block of a ``.kpitest`` file is one pytest item, named after the
test; a failure shows each unmet expectation with the explanation of the
result.  A file that cannot be read is a collection error naming its line.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from kpirules.errors import KpiError
from kpirules.engine.evaluate import Plan
from kpirules.kpitest import SUFFIX, KpiTest, Outcome, load_tests, run_test

_PLANS: dict[str, Plan] = {}  # each rule file is loaded once per session


def pytest_collect_file(file_path: Path, parent: pytest.Collector) -> pytest.Collector | None:
    if file_path.suffix == SUFFIX:
        return KpiTestFile.from_parent(parent, path=file_path)
    return None


class KpiTestFile(pytest.File):
    def collect(self) -> Iterator[pytest.Item]:
        try:
            tests = load_tests(self.path)
        except KpiError as exc:
            raise self.CollectError(str(exc)) from None
        seen: dict[str, int] = {}
        for t in tests:
            name = t.name
            seen[name] = seen.get(name, 0) + 1
            if seen[name] > 1:
                name = f"{name} [{seen[name]}]"
            yield KpiTestItem.from_parent(self, name=name, test=t)


class KpiTestFailed(Exception):
    def __init__(self, outcome: Outcome) -> None:
        super().__init__(outcome.text())
        self.outcome = outcome


class KpiTestItem(pytest.Item):
    def __init__(self, *, test: KpiTest, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.test = test

    def runtest(self) -> None:
        outcome = run_test(self.test, _PLANS)
        if not outcome.passed:
            raise KpiTestFailed(outcome)

    def repr_failure(self, excinfo: pytest.ExceptionInfo[BaseException], style: Any = None) -> str:
        if isinstance(excinfo.value, KpiTestFailed):
            return excinfo.value.outcome.text()
        return str(super().repr_failure(excinfo))

    def reportinfo(self) -> tuple[Path, int, str]:
        return self.path, self.test.line - 1, f"kpitest {self.test.name}"

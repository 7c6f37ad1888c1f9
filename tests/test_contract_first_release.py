"""The JSON of `check` is a contract (issue 15, Checked by): on the first release's own plans and data,
today's `check --format json` gives what the first release gave, with fields added and nothing renamed
or dropped.  Every value that differs is one of the second round's documented decisions
(docs/cli.md, "Changes since the first release"), and this test names each of them:

* a deadline written as a period is its last calendar day (`by 2020` is 2020-12-31, not the
  reporting window's 2020-12-14), in `deadline`, `deliveries` and the reasons that quote it;
* so task 13, finished on 2020-12-17 within its completion year, is `done`, not `done_late`;
* `count(units where C)` counts the units that report in the judged period, so NQ17.6 and NQ17.8
  are judged (met) although unit CB reports only in other quarters;
* the results of a `for each unit` rule come in unit order (declared order, then by name), not in
  the data's order (issue 21 item 7).

The expected files are the first release's output (commit a766fb2, `check --as-of 2021-01-05
--format json`) on its plans and data, kept in tests/data/first_release/.
"""

from __future__ import annotations

import datetime
import json
import pathlib
import re
import subprocess
import sys
from typing import Any

import pytest

HERE = pathlib.Path(__file__).parent / "data" / "first_release"
ROOT = pathlib.Path(__file__).parent.parent

#: what the second round adds to the JSON (never a rename)
ADDED_TOP = {"provenance", "reporting", "schema_version", "sources"}
ADDED_RESULT = {"reason_code", "reason_args", "deadlines", "margin"}
ADDED_WARNING = {"args"}
#: (plan, id) -> (first release's status, today's), each a decision of the second round
DECIDED = {("nq17_bkhcn", "13"): ("done_late", "done"),
           ("nq17_national", "NQ17.6"): ("no_data", "met"),
           ("nq17_national", "NQ17.8"): ("no_data", "met")}


def _check(name: str) -> dict[str, Any]:
    proc = subprocess.run(
        [sys.executable, "-m", "kpirules", "check", str(HERE / f"{name}.kpi"), "--data",
         str(HERE / f"{name}.data.json"), "--as-of", "2021-01-05", "--format", "json"],
        capture_output=True, text=True, cwd=ROOT)
    assert proc.returncode == 1, proc.stderr  # (targets not met in both, as in the first release)
    return json.loads(proc.stdout)  # type: ignore[no-any-return]


def _calendar_end(window_end: str) -> str:
    """The last calendar day of the month a Decree 09 window (15th to 14th) ends in: 2020-12-14 -> 2020-12-31."""
    day = datetime.date.fromisoformat(window_end)
    assert day.day == 14, window_end
    nxt = (day.replace(day=1) + datetime.timedelta(days=32)).replace(day=1)
    return (nxt - datetime.timedelta(days=1)).isoformat()


def _moved_deadlines(text: str) -> str:
    return re.sub(r"\b(due|deadline) (\d{4}-\d{2}-14)\b", lambda m: f"{m.group(1)} {_calendar_end(m.group(2))}",
                  text)


@pytest.mark.parametrize("name", ["nq17_bkhcn", "nq17_national"])
def test_check_json_keeps_the_first_releases_fields_and_values(name: str) -> None:
    old = json.loads((HERE / f"{name}.check.json").read_text(encoding="utf-8"))
    new = _check(name)
    assert set(old) <= set(new) and set(new) - set(old) <= ADDED_TOP
    for key in set(old) - {"results", "counts", "warnings"}:
        assert new[key] == old[key], key
    assert [w["message"] for w in new["warnings"]] == [w["message"] for w in old["warnings"]]
    assert all(set(w) - set(o) <= ADDED_WARNING and set(o) <= set(w)
               for w, o in zip(new["warnings"], old["warnings"]))

    def key(r: dict[str, Any]) -> tuple[str, str | None]:
        return r["id"], r.get("unit")
    before, after = {key(r): r for r in old["results"]}, {key(r): r for r in new["results"]}
    assert set(before) == set(after)
    # the same order of rules; a per-unit rule's units in the order its group lists them, or, for
    # `for each unit:` in a plan that declares no units, by name (the first release: the data's order)
    def units(results: list[dict[str, Any]]) -> dict[str, list[str]]:
        out: dict[str, list[str]] = {}
        for r in results:
            out.setdefault(r["id"], []).append(r.get("unit") or "")
        return out
    assert list(units(new["results"])) == list(units(old["results"]))
    for rule, now in units(new["results"]).items():
        was = units(old["results"])[rule]
        assert now == was or now == sorted(was), (rule, was, now)
    assert name != "nq17_bkhcn" or units(new["results"])["II.1.c.3"] == sorted(units(old["results"])["II.1.c.3"])

    decided = 0
    for k, o in before.items():
        r = after[k]
        assert set(o) <= set(r) and set(r) - set(o) <= ADDED_RESULT, (k, set(r) ^ set(o))
        for field, was in o.items():
            now = r[field]
            if (name, k[0]) in DECIDED and field in ("status", "value", "reason", "margin", "deliveries"):
                continue
            if field == "deadline" and was is not None:
                assert now == _calendar_end(was), (k, was, now)
            elif field == "deliveries":
                assert [(d["period"], d["done_on"]) for d in now] == [(d["period"], d["done_on"]) for d in was]
                assert [d["deadline"] for d in now] == [_calendar_end(d["deadline"]) for d in was]
            elif field == "reason" and was is not None and now is not None:
                assert now == _moved_deadlines(was), (k, was, now)
            else:
                assert now == was, (k, field, was, now)
        if (name, k[0]) in DECIDED:
            assert (o["status"], r["status"]) == DECIDED[(name, k[0])], k
            decided += 1
        elif "deliveries" in o:
            assert [d["status"] for d in r["deliveries"]] == [d["status"] for d in o["deliveries"]], k
    assert decided == sum(1 for plan, _ in DECIDED if plan == name)
    # the counts follow the statuses
    counts: dict[str, int] = {}
    for r in new["results"]:
        counts[r["status"]] = counts.get(r["status"], 0) + 1
    assert new["counts"] == counts


#: `kpirules.__all__` of the first release (a766fb2): a public name is never dropped (the deprecation
#: policy of docs/api.md keeps a renamed one working for a minor release)
FIRST_RELEASE_ALL = [
    'Data', 'Diagnostic', 'FAILING', 'Invalid', 'Kind', 'KpiDataError', 'KpiError', 'KpiPeriodError',
    'KpiSemanticError', 'KpiSyntaxError', 'Period', 'Plan', 'Result', 'Results', 'Scheme', 'Source', 'Span',
    'Status', 'TaskRow', 'Undefined', '__version__', 'load', 'load_data', 'parse', 'parse_period',
]


def test_every_public_name_of_the_first_release_is_still_public() -> None:
    import kpirules

    assert set(FIRST_RELEASE_ALL) <= set(kpirules.__all__)
    assert all(hasattr(kpirules, name) for name in FIRST_RELEASE_ALL)

"""Every output format survives big and hostile values (issue 21, Checked by: "the fuzz … extended to
render every output format of evaluations with big and hostile values").

A generated plan and data, with text from the plan and the data full of control characters, markup of
every output's kind, bidirectional controls, combining marks and words too long to wrap, and values from
zero to hundreds of digits, fractions with long decimals and zero denominators, go through the command
line as a user runs it: the `check` table and JSON, `explain`, and `report` as Markdown, HTML (screen and official),
JSON, Word and PDF.  Each run ends with exit 0 or 1 (a finding) and a file, never a traceback; the JSON
parses, and no raw control character reaches a file.  Bounded for CI; ``KPIRULES_FUZZ_EXAMPLES`` (see
bench/fuzz.py) runs it longer.
"""

from __future__ import annotations

import importlib.util
import json
import os
import re
from pathlib import Path

import pytest
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

from kpirules.cli import main

SCALE = int(os.environ.get("KPIRULES_FUZZ_EXAMPLES", "0"))
CHEAP = ("md", "html", "json")


def fuzz(n: int):  # type: ignore[no-untyped-def]
    # (no shrinking in CI: one example runs the command line a dozen times, and a failure prints its input)
    phases = [Phase.explicit, Phase.reuse, Phase.generate] + ([Phase.shrink] if SCALE else [])
    return settings(max_examples=SCALE or n, deadline=None, derandomize=not SCALE, phases=phases,
                    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large,
                                           HealthCheck.function_scoped_fixture])


_NASTY = ["\x1b[2J", "\x07", "\x00", "\u202e", "\u2066", "e\u0301\u0301", "<img src=x onerror=alert(1)>",
          "</w:t></w:r>", "]]>", "&amp;", "{{ 7*7 }}", "{% raw %}", "| a | b |", "*em* _u_ `c` [l](http://x)",
          "# head", "=1+1", "@SUM(A1)", "x" * 300, "Quản Bạ", "\t", "\ufeff", "\x85", "\u2028"]
#: text that a STRING of a rule file may hold (no quote, backslash or line end: the plan must parse)
plan_text = st.lists(st.sampled_from([s for s in _NASTY if not re.search(r'["\\\n\r\x85\u2028]', s)])
                     | st.text(alphabet=st.characters(blacklist_characters='"\\\n\r\x85\u2028\u2029'), max_size=20),
                     min_size=1, max_size=4).map("".join)
data_text = st.lists(st.sampled_from(_NASTY) | st.text(max_size=20), min_size=1, max_size=4).map("".join)
#: values from zero to past Python's int-to-text cap once squared or summed (2,201 digits), long fractions
number = st.one_of(st.integers(0, 10**6), st.integers(10**30, 10**300), st.integers(10**2200, 10**2201 - 1),
                   st.fractions(min_value=0, max_value=10**9, max_denominator=10**12)
                   .map(lambda f: format(float(f), ".12f") if f.denominator != 1 else int(f)),
                   st.just(0), st.decimals(min_value=0, max_value=10**20, places=9, allow_nan=False).map(str))


def _plan(titles: list[str]) -> str:
    t = [s.strip() or "t" for s in titles]
    return (f'plan "P {t[0]}"\n  title "{t[1]}"\n  reporting quarterly cutoff 15 due 20\n'
            f'  report "BC-{t[2][:20]}"\n    issuer "{t[2]}"\n    signer "{t[3]}", "{t[4]}"\n    place "{t[0]}"\n\n'
            f'unit U1 "{t[1]} 1"\nunit U2 "{t[2]} 2"\n\n'
            f'metric a "{t[3]}": count "{t[4]}"\nmetric b "{t[0]}": count\nmetric f: yesno\n\n'
            f'section S "{t[4]}"\n\n'
            f'rule R1 "{t[0]}":\n  sum(a) >= 1000000 by 2020\n  lead U1\n  note "{t[1]}"\n\n'
            f'rule R2 "{t[1]}":\n  for each unit: ratio(a, b) >= 20% by 2020\n  stretch ratio(a, b) >= 90%\n\n'
            f'rule R3 "{t[2]}":\n  for each unit: f by 2020\n\n'
            f'task 1 "{t[3]}":\n  due 2020\n  lead U1\n  support U2\n  product "{t[4]}"\n  note "{t[0]}"\n')


def _data(values: list[object], notes: list[str]) -> dict[str, object]:
    snaps = []
    for i, period in enumerate(("2020-Q3", "2020-Q4")):
        for j, unit in enumerate(("U1", "U2")):
            a, b = values[(2 * i + j) % len(values)], values[(2 * i + j + 1) % len(values)]
            snaps.append({"period": period, "unit": unit, "values": {"a": a, "b": b, "f": (i + j) % 2 == 0}})
    return {"snapshots": snaps, "tasks": [{"task": "1", "status": "in_progress", "date": "2020-12-10",
                                           "note": notes[0]},
                                          {"task": "1", "status": "done", "date": "2020-12-18", "note": notes[-1]}]}


def _run(tmp: Path, plan: str, data: dict[str, object], formats: tuple[str, ...],
         capsys: pytest.CaptureFixture[str]) -> None:
    (tmp / "p.kpi").write_text(plan, encoding="utf-8")
    (tmp / "d.json").write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    args = [str(tmp / "p.kpi"), "--data", str(tmp / "d.json")]
    for fmt in ("table", "json"):
        code = main(["check", *args, "--as-of", "2021-01-05", "--format", fmt])
        out, err = capsys.readouterr()
        assert code in (0, 1), err
        assert "Traceback" not in err and "\x1b" not in out + err
        if fmt == "json":
            json.loads(out)
    for ident in (["--id", "R1"], ["--id", "R2", "--unit", "U1"], ["--id", "1"]):  # explain: text for a terminal
        code = main(["explain", *args, "--as-of", "2021-01-05", *ident])
        out, err = capsys.readouterr()
        assert code in (0, 1), err
        assert not re.search("[\x00-\x08\x0b-\x1f\x7f-\x9f\u202e]", out + err), out
    for fmt in formats:
        for extra in ([["--layout", "official"]] if fmt == "html" else [[]]) + [[]] * (fmt != "html"):
            for lang in ("vi", "en"):
                out_file = tmp / f"r.{lang}.{fmt}"
                code = main(["report", *args, "--period", "2020-Q4", "--lang", lang, *extra, "-o", str(out_file)])
                _, err = capsys.readouterr()
                assert code in (0, 1), err
                assert "Traceback" not in err
                raw = out_file.read_bytes()
                assert raw, out_file
                if fmt == "json":
                    json.loads(raw)
                if fmt in ("md", "html", "json"):
                    text = raw.decode("utf-8")
                    # (the JSON keeps the data's exact text, which its escapes make safe; the others show it)
                    shown = "[\x00-\x08\x0b\x0c\x0e-\x1f]" if fmt == "json" else "[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\u202e]"
                    assert not re.search(shown, text), (fmt, extra)
                    if fmt == "html":
                        assert "<img src=x" not in text  # markup from the data stays text
                if fmt == "docx":
                    import docx

                    body = "\n".join(p.text for p in docx.Document(str(out_file)).paragraphs)
                    assert "R1" in body or "BÁO CÁO" in body or "REPORT" in body.upper()


#: a generated plan and its data: five hostile texts for the plan, two to four values, one or two notes
hostile_cases = st.tuples(st.lists(plan_text, min_size=5, max_size=5), st.lists(number, min_size=2, max_size=4),
                          st.lists(data_text, min_size=1, max_size=2)).map(
    lambda c: (_plan(c[0]), _data(c[1], c[2])))


@fuzz(12)
@given(hostile_cases)
def test_the_check_and_the_text_reports_survive_hostile_values(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                                               case: tuple[str, dict[str, object]]) -> None:
    _run(tmp_path, *case, CHEAP, capsys)


@fuzz(3)
@given(hostile_cases)
def test_the_word_and_pdf_reports_survive_hostile_values(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                                         case: tuple[str, dict[str, object]]) -> None:
    formats = tuple(f for f, module in (("docx", "docx"), ("pdf", "weasyprint"))
                    if importlib.util.find_spec(module) is not None)
    if not formats:
        if os.environ.get("CI") == "true":
            pytest.fail("the pdf and docx extras are installed by .ci/run")
        pytest.skip("needs the pdf or docx extra")
    _run(tmp_path, *case, formats, capsys)

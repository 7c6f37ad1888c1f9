"""Tests for rule files: the ``.kpitest`` format, its reader and its runner.

A ``.kpitest`` file sits next to the rule file it tests.  It is plain text,
one statement a line; ``#`` starts a comment; indentation is for the reader::

    # tests for nq17_bkhcn.kpi
    plan "nq17_bkhcn.kpi"                      # relative to this file

    test "xác thực điện tử: đạt 20% cuối năm 2020":
      as of 2020-12-18
      data 2020-Q4: eid_verified_users = 2500, egov_users = 10000
      data 2020-Q4 unit TTCNTT: work_records_online = 410, work_records = 500
      task 6 done 2019-11-20
      expect II.1.a.1 met value 0.25 target 20% period 2020-Q4
      expect III.unit_online unit TTCNTT met
      expect 6 done

Statements (docs/testing.md says them in full):

* ``plan PATH`` — the rule file (before the first test: for every test);
* ``as of DATE`` — the as-of date (before the first test: the default);
* ``data file PATH`` — reported data, JSON or CSV (before the first test: for
  every test);
* ``number format vi`` (or ``en``) — how the numbers of the CSV/.xlsx data
  files are written: ``vi`` 1.234,5, ``en`` 1,234.5 (before the first test:
  for every test; ``kpirules test --number-format`` gives it to the tests
  that state none);
* ``data PERIOD [unit UNIT]: metric = value, …`` — values given inline; they
  replace a file's value for the same period, unit and metric, and
  ``metric = missing`` removes one;
* ``task ID STATUS DATE [note TEXT]`` — a progress row of a task;
* ``expect ID [unit UNIT] STATUS [value V] [target V] [period P] [reason TEXT]``
  — the result with that id (every unit's, without ``unit``) has that
  status, and optionally that value, target, period, and a reason containing
  TEXT.

Paths and texts with spaces are quoted (``"…"``).  Values read as in CSV
data: ``12``, ``0.25``, ``20%``, ``true``, ``false``, ``"text"``; expected
values may also be fractions ``1/3``.
"""

from __future__ import annotations

import datetime
import difflib
import os
import re
from collections.abc import Iterable, Iterator
from fractions import Fraction
from typing import Any, NoReturn

import attrs

from kpirules.data import Data, Source, TaskRow, load_data, parse_cell
from kpirules.errors import Diagnostic, KpiError, KpiPeriodError, KpiSyntaxError, Span
from kpirules.engine.evaluate import Plan, Result, Status, load
from kpirules.periods import Period, parse_period
from kpirules.values import format_value
from kpirules.text import read_text

__all__ = ["Expectation", "KpiTest", "Outcome", "read_tests", "load_tests", "run_test", "run_paths",
           "find_test_files", "SUFFIX"]

SUFFIX = ".kpitest"


@attrs.frozen
class Expectation:
    """``expect ID [unit U] STATUS [value V] [target V] [period P] [reason TEXT]``."""

    id: str
    status: Status
    unit: str | None = None
    value: Any = None
    target: Any = None
    period: str | None = None
    reason: str | None = None
    line: int = 0
    text: str = ""


@attrs.frozen
class InlineValue:
    period: Period
    unit: str | None
    metric: str
    value: Any  # None: remove the value
    line: int


@attrs.frozen
class KpiTest:
    """One ``test`` block: its plan, as-of date, data and expectations."""

    name: str
    file: str
    line: int
    plan: str | None
    as_of: datetime.date | None
    data_files: tuple[str, ...] = ()
    values: tuple[InlineValue, ...] = ()
    tasks: tuple[TaskRow, ...] = ()
    expects: tuple[Expectation, ...] = ()
    number_format: str | None = None

    @property
    def location(self) -> str:
        return f"{self.file}:{self.line}"


@attrs.frozen
class Outcome:
    """The outcome of one test: passed when ``failures`` is empty."""

    test: KpiTest
    failures: tuple[str, ...] = ()

    @property
    def passed(self) -> bool:
        return not self.failures

    def text(self) -> str:
        head = f"{self.test.location}: {'ok' if self.passed else 'FAIL'}  {self.test.name}"
        return "\n".join([head] + ["    " + line for f in self.failures for line in f.splitlines()])


# --- reading ------------------------------------------------------------------------

_TOKEN = re.compile(r'\s*(?:(?P<str>"(?:[^"\\\n]|\\.)*")|(?P<punct>[,:=])|(?P<word>[^\s,:="#]+)|(?P<comment>#.*))')


@attrs.frozen
class _Tok:
    text: str
    col: int
    quoted: bool = False


def _tokens(line: str, lineno: int, fail: Any) -> list[_Tok]:
    out: list[_Tok] = []
    pos = 0
    while pos < len(line):
        m = _TOKEN.match(line, pos)
        if m is None or m.end() == pos:
            if line[pos:].strip() == "":
                break
            fail(lineno, pos + 1, f"cannot read {line[pos:].strip()[:20]!r}")
        assert m is not None
        if m.group("comment") is not None:
            break
        kind = m.lastgroup
        start = m.start(kind) + 1  # type: ignore[arg-type]
        raw = m.group(kind)  # type: ignore[arg-type]
        if kind == "str":
            out.append(_Tok(_unquote(raw), start, True))
        else:
            out.append(_Tok(raw, start))
        pos = m.end()
    return out


def _unquote(raw: str) -> str:
    return re.sub(r"\\(.)", lambda m: "\n" if m.group(1) == "n" else m.group(1), raw[1:-1])


_STATUS_WORDS = {s.value: s for s in Status}

_CLI_HINT = "state the format with --number-format vi or en"
_TEST_HINT = "state the format with `number format vi` or `number format en` in the .kpitest file"
_INLINE_HINT = ("values written in a .kpitest have no thousands separators: write 1234 for one thousand two "
                "hundred thirty-four, 1.2340 for the decimal")


def _test_hint(message: str) -> str:
    """A number-format error as a .kpitest reader should read it: naming the statement, not the option."""
    return message.replace(_CLI_HINT, _TEST_HINT)


class _Reader:
    def __init__(self, text: str, filename: str, number_format: str | None = None) -> None:
        self.filename = filename
        self.lines = text.lstrip("\ufeff").split("\n")
        self.problems: list[Diagnostic] = []
        self.default_format = number_format  # for the tests whose file states none

    def fail(self, line: int, col: int, message: str, hint: str | None = None) -> NoReturn:
        src = self.lines[line - 1] if 0 < line <= len(self.lines) else None
        self.problems.append(Diagnostic(message, Span(line, col, file=self.filename), hint, source_line=src))
        raise _Skip

    def read(self) -> list[KpiTest]:
        defaults: dict[str, Any] = {"plan": None, "as_of": None, "files": [], "number_format": None}
        tests: list[dict[str, Any]] = []
        cur: dict[str, Any] | None = None
        for lineno, line in enumerate(self.lines, 1):
            try:
                toks = _tokens(line, lineno, self.fail)
                if not toks:
                    continue
                head = toks[0]
                word = head.text if not head.quoted else ""
                if word == "test":
                    cur = self.test_head(toks, lineno)
                    tests.append(cur)
                    continue
                target = cur if cur is not None else defaults
                if word == "plan":
                    target["plan"] = self.path(toks, 1, lineno, "plan PATH")
                elif word == "as":
                    if len(toks) != 3 or toks[1].text != "of":
                        self.fail(lineno, head.col, "expected `as of YYYY-MM-DD`")
                    target["as_of"] = self.date(toks[2], lineno)
                elif word == "number":
                    if len(toks) != 3 or toks[1].text != "format" or toks[2].text not in ("vi", "en"):
                        self.fail(lineno, head.col, "expected `number format vi` (1.234,5) or `number format en` "
                                  "(1,234.5)")
                    if target["number_format"] is not None:
                        self.fail(lineno, head.col, "the number format is given twice")
                    target["number_format"] = toks[2].text
                elif word == "data" and len(toks) > 1 and toks[1].text == "file" and not toks[1].quoted:
                    target["files"].append(self.path(toks, 2, lineno, "data file PATH"))
                elif word in ("data", "task", "expect"):
                    if cur is None:
                        self.fail(lineno, head.col, f"`{word}` belongs inside a test",
                                  hint='start one with: test "what it checks":')
                    if word == "data":
                        cur["values"].extend(self.data(toks, lineno))
                    elif word == "task":
                        cur["tasks"].append(self.task(toks, lineno))
                    else:
                        cur["expects"].append(self.expect(toks, lineno, line))
                else:
                    words = ["test", "plan", "as of", "data", "data file", "number format", "task", "expect"]
                    close = difflib.get_close_matches(head.text, words, n=1)
                    self.fail(lineno, head.col, f"unknown statement `{head.text}`",
                              hint=(f"did you mean `{close[0]}`?" if close else
                                    "a line is one of: " + ", ".join(words)))
            except _Skip:
                continue
        out = []
        for t in tests:
            plan = t["plan"] or defaults["plan"]
            if plan is None:
                self.problems.append(Diagnostic(f"test {t['name']!r} names no plan",
                                                Span(t["line"], 1, file=self.filename),
                                                'add `plan "file.kpi"` before the first test'))
            if (t["as_of"] or defaults["as_of"]) is None:
                self.problems.append(Diagnostic(f"test {t['name']!r} has no as-of date",
                                                Span(t["line"], 1, file=self.filename),
                                                "add `as of YYYY-MM-DD` (in the test, or before the first test)"))
            if not t["expects"]:
                self.problems.append(Diagnostic(f"test {t['name']!r} expects nothing",
                                                Span(t["line"], 1, file=self.filename),
                                                "add a line such as: expect ID met"))
            out.append(KpiTest(t["name"], self.filename, t["line"], plan, t["as_of"] or defaults["as_of"],
                               tuple(defaults["files"] + t["files"]), tuple(t["values"]), tuple(t["tasks"]),
                               tuple(t["expects"]),
                               t["number_format"] or defaults["number_format"] or self.default_format))
        if self.problems:
            raise KpiSyntaxError.from_diagnostics(self.problems)
        return out

    # --- statements
    def test_head(self, toks: list[_Tok], lineno: int) -> dict[str, Any]:
        rest = toks[1:]
        if rest and rest[-1].text == ":" and not rest[-1].quoted:
            rest = rest[:-1]
        if not rest:
            self.fail(lineno, toks[0].col, 'a test needs a name: test "what it checks":')
        name = rest[0].text if len(rest) == 1 else " ".join(t.text for t in rest)
        return {"name": name, "line": lineno, "plan": None, "as_of": None, "files": [], "values": [],
                "tasks": [], "expects": [], "number_format": None}

    def path(self, toks: list[_Tok], i: int, lineno: int, form: str) -> str:
        if len(toks) != i + 1:
            self.fail(lineno, toks[0].col, f"expected `{form}` (quote a path with spaces)")
        p = toks[i].text
        here = os.path.dirname(os.path.abspath(self.filename))
        if os.path.isabs(p) or p.startswith("~"):
            self.fail(lineno, toks[i].col, f"`{p}` is an absolute path; a path in a test file is relative "
                      "to the test file's folder")
        path = os.path.normpath(os.path.join(os.path.dirname(self.filename), p))
        # (a test file may come from elsewhere: it reads no file outside its own folder and its project,
        # links followed, so it can never show a line of ~/.ssh/id_rsa in an error, whatever the working
        # directory: run from the home folder, `kpirules test Downloads/x/` once read ../../.ssh/id_rsa)
        real = os.path.realpath(path)
        here = os.path.realpath(here)
        project = _project_of(here)
        if not any(_inside(real, root) for root in (here, *([project] if project else []))):
            self.fail(lineno, toks[i].col, f"`{p}` is outside the test file's folder"
                      + (f" and its project ({project})" if project else " (which is in no git repository)")
                      + "; a test file reads only files inside them")
        return path

    def date(self, tok: _Tok, lineno: int) -> datetime.date:
        try:
            return datetime.date.fromisoformat(tok.text)
        except ValueError:
            self.fail(lineno, tok.col, f"{tok.text!r} is not a date YYYY-MM-DD")
        raise AssertionError  # pragma: no cover

    def period(self, tok: _Tok, lineno: int) -> Period:
        try:
            return parse_period(tok.text)
        except KpiPeriodError as exc:
            self.fail(lineno, tok.col, str(exc).splitlines()[0])
        raise AssertionError  # pragma: no cover

    def data(self, toks: list[_Tok], lineno: int) -> list[InlineValue]:
        if len(toks) < 3:
            self.fail(lineno, toks[0].col, "expected `data PERIOD [unit UNIT]: metric = value, …` or `data file PATH`")
        period = self.period(toks[1], lineno)
        i = 2
        unit = None
        if toks[i].text == "unit" and not toks[i].quoted:
            if i + 1 >= len(toks) or toks[i + 1].text == ":":
                self.fail(lineno, toks[i].col, "expected a unit name after `unit`")
            unit = toks[i + 1].text
            i += 2
        if i >= len(toks) or toks[i].text != ":":
            col = toks[i].col if i < len(toks) else len(self.lines[lineno - 1]) + 1
            self.fail(lineno, col, "expected `:` and then `metric = value, …`")
        i += 1
        out: list[InlineValue] = []
        if i == len(toks):  # a snapshot with no values: the unit reported nothing
            return [InlineValue(period, unit, "", None, lineno)]
        while i < len(toks):
            if i + 2 >= len(toks) or toks[i + 1].text != "=":
                self.fail(lineno, toks[i].col, "expected `metric = value`")
            name, val = toks[i], toks[i + 2]
            if name.quoted or not re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", name.text):
                self.fail(lineno, name.col, f"{name.text!r} is not a metric name")
            out.append(InlineValue(period, unit, name.text, self.value(val, lineno, inline=True), lineno))
            i += 3
            if i < len(toks):
                if toks[i].text != ",":
                    self.fail(lineno, toks[i].col, "expected `,` between values")
                i += 1
        return out

    def value(self, tok: _Tok, lineno: int, inline: bool = False) -> Any:
        if tok.quoted:
            return tok.text
        if inline and tok.text == "missing":
            return None
        m = re.fullmatch(r"(-?\d+)/(\d+)", tok.text)
        if m and not inline:
            if int(m.group(2)) == 0:
                self.fail(lineno, tok.col, "a fraction cannot have denominator 0")
            f = Fraction(int(m.group(1)), int(m.group(2)))
            return f.numerator if f.denominator == 1 else f
        try:
            v = parse_cell(tok.text)
        except (ValueError, ZeroDivisionError) as exc:
            self.fail(lineno, tok.col, str(exc).replace(_CLI_HINT, _INLINE_HINT))
        if isinstance(v, str) or v is None:
            self.fail(lineno, tok.col, f"{tok.text!r} is not a value; quote text (\"…\")"
                      + ("; write `missing` for no value" if inline else ""))
        return v

    def task(self, toks: list[_Tok], lineno: int) -> TaskRow:
        if len(toks) not in (4, 5, 6) or (len(toks) == 5 and toks[3].text != "on"):
            self.fail(lineno, toks[0].col, "expected `task ID STATUS DATE [note TEXT]` (e.g. task 6 done 2019-11-20)")
        i = 4 if toks[3].text == "on" and len(toks) >= 5 else 3
        d = self.date(toks[i], lineno)
        note = None
        rest = toks[i + 1:]
        if rest:
            if len(rest) != 2 or rest[0].text != "note":
                self.fail(lineno, rest[0].col, "expected `note \"…\"` at the end")
            note = rest[1].text
        status = toks[2].text.strip().lower().replace(" ", "_").replace("-", "_")
        return TaskRow(toks[1].text, status, d, note=note, source=Source(self.filename, f"line {lineno}"))

    def expect(self, toks: list[_Tok], lineno: int, line: str) -> Expectation:
        if len(toks) < 3:
            self.fail(lineno, toks[0].col, "expected `expect ID [unit UNIT] STATUS …` (e.g. expect II.1.a.1 met)")
        ident = toks[1].text
        i = 2
        unit = None
        if toks[i].text == "unit" and not toks[i].quoted:
            if i + 2 >= len(toks):
                self.fail(lineno, toks[i].col, "expected `unit UNIT` and then a status")
            unit = toks[i + 1].text
            i += 2
        st = toks[i]
        if st.text not in _STATUS_WORDS:
            close = difflib.get_close_matches(st.text, list(_STATUS_WORDS), n=1)
            self.fail(lineno, st.col, f"unknown status `{st.text}`",
                      hint=f"did you mean `{close[0]}`?" if close else "a status is one of "
                      + ", ".join(_STATUS_WORDS))
        fields: dict[str, Any] = {}
        i += 1
        while i < len(toks):
            key = toks[i]
            if key.text not in ("value", "target", "period", "reason") or key.quoted:
                self.fail(lineno, key.col, f"unexpected `{key.text}`; after the status come "
                          "value V, target V, period P, reason TEXT")
            if i + 1 >= len(toks):
                self.fail(lineno, key.col, f"`{key.text}` needs something after it")
            arg = toks[i + 1]
            if key.text in fields:
                self.fail(lineno, key.col, f"`{key.text}` is given twice")
            if key.text in ("value", "target"):
                fields[key.text] = self.value(arg, lineno)
            elif key.text == "period":
                fields["period"] = arg.text
            else:
                fields["reason"] = arg.text
            i += 2
        return Expectation(ident, _STATUS_WORDS[st.text], unit, line=lineno, text=line.strip(), **fields)


class _Skip(Exception):
    pass


def _project_of(folder: str) -> str | None:
    """The project a test file's folder belongs to: the nearest folder around it that is a git repository
    (holds `.git`, a worktree's file included), but never the home folder or the root of the file system
    (a home folder kept in git is no project: a test file anywhere in it would read ~/.ssh)."""
    home = os.path.realpath(os.path.expanduser("~"))
    at = folder
    while True:
        if os.path.exists(os.path.join(at, ".git")):
            return None if at == home or os.path.dirname(at) == at else at
        parent = os.path.dirname(at)
        if parent == at:
            return None
        at = parent


def _inside(path: str, folder: str) -> bool:
    try:
        return os.path.commonpath([path, folder]) == folder
    except ValueError:  # (another drive)
        return False


def read_tests(text: str, filename: str, number_format: str | None = None) -> list[KpiTest]:
    """Read the tests of a ``.kpitest`` text; paths are relative to ``filename``'s folder.

    ``number_format`` (``"vi"`` or ``"en"``) is the number format of the tests
    whose file states none (``number format …``).  Every problem of the file is
    collected and raised at once as a :class:`KpiSyntaxError`.
    """
    return _Reader(text, filename, number_format).read()


def load_tests(path: str | os.PathLike[str], number_format: str | None = None) -> list[KpiTest]:
    """Read a ``.kpitest`` file (``number_format``: as in :func:`read_tests`)."""
    name = os.fspath(path)
    text = read_text(name, "test file", KpiError)
    return read_tests(text, name, number_format)


# --- running ------------------------------------------------------------------------


def _build_data(test: KpiTest) -> Data:
    data = load_data(test.data_files, test.number_format) if test.data_files else Data()
    if not test.data_files:
        data.files.append(test.file)
    for v in test.values:
        src = Source(test.file, f"line {v.line}")
        data.add_snapshot(v.period, v.unit, src)
        if not v.metric:
            continue
        key = (v.period.key, v.unit)
        snap = data.snapshots[key]
        if v.value is None:
            snap.pop(v.metric, None)
            data.sources.pop((v.period.key, v.unit, v.metric), None)
            continue
        snap[v.metric] = v.value  # inline values replace a file's value
        data.sources[(v.period.key, v.unit, v.metric)] = src
    data.task_rows.extend(test.tasks)
    return data


def run_test(test: KpiTest, plans: dict[str, Plan] | None = None) -> Outcome:
    """Run one test; a plan or data file that cannot be read fails the test with its error."""
    plans = {} if plans is None else plans
    try:
        assert test.plan is not None
        plan = plans.get(test.plan)
        if plan is None:
            plan = plans[test.plan] = load(test.plan)
        data = _build_data(test)
        results = plan.evaluate(data, test.as_of)
    except KpiError as exc:
        return Outcome(test, (_test_hint(str(exc)),))
    failures = []
    for e in test.expects:
        problem = _check(e, results)
        if problem:
            failures.append(f"line {e.line}: {e.text}\n{problem}")
    return Outcome(test, tuple(failures))


def _check(e: Expectation, results: Any) -> str | None:
    found: list[Result] = results.by_id(e.id)
    if not found:
        ids = list(dict.fromkeys(r.id for r in results))
        close = difflib.get_close_matches(e.id, ids, n=1)
        return f"  the plan has no rule or task {e.id}" + (f"; did you mean {close[0]}?" if close else "")
    if e.unit is not None:
        found = [r for r in found if r.unit == e.unit]
        if not found:
            units = [r.unit for r in results.by_id(e.id) if r.unit is not None]
            return f"  {e.id} has no result for unit {e.unit} (units: {', '.join(units) or 'none'})"
    problems = []
    for r in found:
        wrong = []
        if r.status is not e.status:
            wrong.append(f"status {r.status.value}")
        if e.value is not None and not _same(r.value, e.value):
            wrong.append(f"value {format_value(r.value)}")
        if e.target is not None and not _same(r.target, e.target):
            wrong.append(f"target {_shown(r.target)}")
        if e.period is not None and not _same_period(r.period, e.period):
            wrong.append(f"period {r.period}")
        if e.reason is not None and e.reason.lower() not in (r.reason or "").lower():
            wrong.append(f"reason {r.reason!r}")
        if wrong:
            who = f"{r.id}" + (f" for unit {r.unit}" if r.unit is not None else "")
            text = f"  {who}: got " + ", ".join(wrong)
            try:
                text += "\n" + "\n".join("  | " + ln for ln in r.explain().text().rstrip("\n").splitlines())
            except Exception:  # pragma: no cover - the explanation is a courtesy  # noqa: BLE001
                pass
            problems.append(text)
    return "\n".join(problems) or None


def _shown(v: object) -> str:
    if isinstance(v, tuple):
        return " … ".join(str(format_value(x)) for x in v)
    return str(format_value(v))


def _same(got: object, want: object) -> bool:
    if isinstance(want, bool) or isinstance(got, bool):
        return got is want
    if isinstance(want, str) or isinstance(got, str):
        return got == want
    return got is not None and not isinstance(got, tuple) and got == want


def _same_period(got: str | None, want: str) -> bool:
    if got is None:
        return False
    if got == want:
        return True
    try:
        return parse_period(got) == parse_period(want)
    except KpiPeriodError:
        return False


def find_test_files(paths: Iterable[str | os.PathLike[str]]) -> Iterator[str]:
    """The ``.kpitest`` files among ``paths`` (folders searched recursively, in name order)."""
    for p in paths:
        name = os.fspath(p)
        if os.path.isdir(name):
            for root, dirs, files in os.walk(name):
                dirs.sort()
                for f in sorted(files):
                    if f.endswith(SUFFIX):
                        yield os.path.join(root, f)
        elif name.endswith(".kpi") and os.path.isfile(name):
            raise KpiError(_where_tests_live(name))
        elif os.path.exists(name):
            yield name
        else:
            raise KpiError(f"{name}: no such file or folder")


_PLAN_LINE = re.compile(r'^\s*plan\s+(?:"([^"\n]*)"|(\S+))', re.M)


def tests_of(rule_file: str | os.PathLike[str]) -> list[str]:
    """The ``.kpitest`` files in a rule file's folder that test it: the one of the same name, and every
    other whose ``plan`` line names it."""
    name = os.fspath(rule_file)
    folder = os.path.dirname(name) or "."
    found: list[str] = []
    try:
        entries = sorted(os.listdir(folder))
    except OSError:
        return found
    for entry in entries:
        path = os.path.join(folder, entry)
        if not entry.endswith(SUFFIX) or not os.path.isfile(path):
            continue
        if entry[: -len(SUFFIX)] == os.path.basename(name)[: -len(".kpi")]:
            found.append(path)
            continue
        try:
            text = read_text(path, "test file", KpiError)
        except KpiError:
            continue
        for m in _PLAN_LINE.finditer(text):
            planned = os.path.join(folder, m.group(1) if m.group(1) is not None else m.group(2))
            if os.path.exists(planned) and os.path.samefile(planned, name):
                found.append(path)
                break
    return found


def _where_tests_live(rule_file: str) -> str:
    found = tests_of(rule_file)
    if found:
        where = ", ".join(found)
        return (f"{rule_file} is a rule file, not a test file; its tests live in {where}: "
                f"run `kpirules test {' '.join(found)}`")
    stem = rule_file[: -len(".kpi")]
    return (f"{rule_file} is a rule file, not a test file, and no .kpitest file beside it tests it; "
            f"write its tests in {stem}{SUFFIX} (its first line `plan \"{os.path.basename(rule_file)}\"`; "
            "see docs/testing.md)")


def run_paths(paths: Iterable[str | os.PathLike[str]], number_format: str | None = None) -> list[Outcome]:
    """Read and run every test of the ``.kpitest`` files under ``paths``.

    ``number_format`` is the number format of the tests that state none (``number format …``).
    """
    plans: dict[str, Plan] = {}
    out: list[Outcome] = []
    for f in find_test_files(paths):
        for t in load_tests(f, number_format):
            out.append(run_test(t, plans))
    return out


# (a renamed public name of this module still works for one minor release: kpirules.deprecation)
from kpirules.deprecation import module_getattr as _module_getattr  # noqa: E402

__getattr__ = _module_getattr(__name__)

"""The .kpitest format, `kpirules test`, and the pytest plugin."""

from __future__ import annotations

from pathlib import Path

import pytest

import kpirules
from kpirules import nodes as n
from kpirules.cli import main
from kpirules.kpitest import load_tests, read_tests, run_paths

pytest_plugins = ["pytester"]

PLAN = """plan "small"
rule eid:
  ratio(eid, users) >= 20% by 2020
rule per_unit:
  for each unit: online >= 8
task 6:
  due 2020
"""

GOOD = """# a comment
plan small.kpi
as of 2020-12-18

test "met at the boundary":
  data 2020-Q4: eid = 2, users = 10   # 20%
  data 2020-Q4 unit A: online = 8
  data 2020-Q4 unit "Vụ B": online = 7
  task 6 done 2020-11-01 note "xong"
  expect eid met value 1/5 target 20% period Q4/2020
  expect per_unit unit A met
  expect per_unit unit "Vụ B" not_met value 7
  expect 6 done

test "data from a file, one value removed":
  data file d.csv
  data 2020-Q4: users = missing
  expect eid no_data reason "no value for users"
"""

BAD = """plan small.kpi
as of 2020-12-18
test "wrong on purpose":
  data 2020-Q4: eid = 1, users = 10
  expect eid met
  expect 6 done
"""


@pytest.fixture()
def folder(tmp_path: Path) -> Path:
    (tmp_path / "small.kpi").write_text(PLAN, encoding="utf-8")
    (tmp_path / "d.csv").write_text("period,unit,metric,value\n2020-Q4,,eid,3\n2020-Q4,,users,10\n", encoding="utf-8")
    (tmp_path / "good.kpitest").write_text(GOOD, encoding="utf-8")
    return tmp_path


def test_reading_a_file(folder: Path) -> None:
    tests = load_tests(folder / "good.kpitest")
    assert [t.name for t in tests] == ["met at the boundary", "data from a file, one value removed"]
    t = tests[0]
    assert t.line == 5 and t.plan == str(folder / "small.kpi") and str(t.as_of) == "2020-12-18"
    assert [e.id for e in t.expects] == ["eid", "per_unit", "per_unit", "6"]
    assert t.expects[2].unit == "Vụ B" and t.tasks[0].note == "xong"
    assert tests[1].data_files == (str(folder / "d.csv"),)


def test_passing_tests(folder: Path) -> None:
    outcomes = run_paths([folder])
    assert [o.passed for o in outcomes] == [True, True], [o.text() for o in outcomes]


def test_failures_say_what_was_expected_and_explain(folder: Path) -> None:
    (folder / "bad.kpitest").write_text(BAD, encoding="utf-8")
    (o,) = run_paths([folder / "bad.kpitest"])
    assert not o.passed
    text = o.text()
    assert "bad.kpitest:3: FAIL  wrong on purpose" in text
    assert "line 5: expect eid met" in text and "got status not_met" in text
    assert "| rule eid: not_met" in text  # the explanation follows
    assert "line 6: expect 6 done" in text and "got status open" in text  # due 2020-12-31: still open


@pytest.mark.parametrize(("text", "message"), [
    ('plan x.kpi\nas of 2020-12-18\ntest "t":\n  expect eid mett\n', "4:14: error: unknown status `mett`"),
    ('plan x.kpi\ntest "t":\n  expect eid met\n', "has no as-of date"),
    ('as of 2020-12-18\ntest "t":\n  expect eid met\n', "names no plan"),
    ('plan x.kpi\nas of 2020-12-18\ntest "t":\n', "expects nothing"),
    ('plan x.kpi\nas of 2020-12-32\n', "is not a date"),
    ('plan x.kpi\nexpect eid met\n', "`expect` belongs inside a test"),
    ('plan x.kpi\nas of 2020-12-18\ntest "t":\n  data 2020-Q5: a = 1\n  expect a met\n', "4:8"),
    ('plan x.kpi\nas of 2020-12-18\ntest "t":\n  data 2020-Q4: a = oops\n  expect a met\n', "quote text"),
    ('plan x.kpi\nas of 2020-12-18\ntest "t":\n  expct a met\n', "did you mean `expect`"),
    ('plan x.kpi\nnumber format de\n', "expected `number format vi`"),
    ('plan x.kpi\nnumber format vi\nnumber format en\n', "given twice"),
    ('plan x.kpi\nas of 2020-12-18\nnumber format vi\ntest "t":\n  data 2020-Q4: a = 1.234\n  expect a met\n',
     "5:21: error: '1.234' is ambiguous"),
])
def test_bad_files_are_errors_with_positions(text: str, message: str) -> None:
    with pytest.raises(kpirules.KpiSyntaxError) as exc:
        read_tests(text, "t.kpitest")
    assert message in str(exc.value)


def test_cli_summary_and_exit_codes(folder: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["test", str(folder)]) == 0
    out = capsys.readouterr().out
    assert out.splitlines()[-1] == "2 passed, 0 failed"
    (folder / "bad.kpitest").write_text(BAD, encoding="utf-8")
    assert main(["test", "-q", str(folder)]) == 1
    out = capsys.readouterr().out
    assert out.splitlines()[-1] == "2 passed, 1 failed" and "ok" not in out.split("FAIL")[0]
    (folder / "broken.kpitest").write_text("nonsense\n", encoding="utf-8")
    assert main(["test", str(folder / "broken.kpitest")]) == 2
    assert "broken.kpitest:1:1: error: unknown statement" in capsys.readouterr().err
    assert main(["test", str(folder / "nothing-here")]) == 2


def test_pytest_collects_kpitest_files(folder: Path, pytester: pytest.Pytester) -> None:
    (folder / "bad.kpitest").write_text(BAD, encoding="utf-8")
    result = pytester.runpytest(str(folder), "-p", "no:cacheprovider")
    result.assert_outcomes(passed=2, failed=1)
    result.stdout.fnmatch_lines(["*bad.kpitest:3: FAIL  wrong on purpose*", "*got status not_met*"])


def test_nq17_kpitest_covers_every_rule_task_and_status() -> None:
    plan = kpirules.load("rules/nq17_bkhcn.kpi")
    tests = load_tests("rules/nq17_bkhcn.kpitest")
    expected = {e.id for t in tests for e in t.expects}
    ids = {i.id for i in plan.ast.items if isinstance(i, (n.Rule, n.Task))}
    assert ids <= expected, ids - expected
    rule_statuses = {e.status.value for t in tests for e in t.expects if isinstance(plan.item(e.id), n.Rule)}
    task_statuses = {e.status.value for t in tests for e in t.expects if isinstance(plan.item(e.id), n.Task)}
    assert rule_statuses == {s.value for s in kpirules.engine.evaluate.RULE_STATUSES}
    assert task_statuses == {s.value for s in kpirules.engine.evaluate.TASK_STATUSES}
    assert all(o.passed for o in run_paths(["rules/nq17_bkhcn.kpitest"]))


VI_CSV = 'period,unit,metric,value\n2020-Q4,,eid,"2.500"\n2020-Q4,,users,10000\n'


def test_kpitest_number_format_reads_vietnamese_csv(folder: Path, capsys: pytest.CaptureFixture[str]) -> None:
    # Bug: a .kpitest had no way to say its CSV writes 2.500 for two thousand five hundred.
    (folder / "vi.csv").write_text(VI_CSV, encoding="utf-8")
    body = 'test "vi":\n  data file vi.csv\n  data 2020-Q4: users = 12500\n  expect eid met value 1/5\n'
    (folder / "vi.kpitest").write_text("plan small.kpi\nas of 2020-12-18\nnumber format vi\n" + body,
                                       encoding="utf-8")
    (t,) = load_tests(folder / "vi.kpitest")
    assert t.number_format == "vi" and t.values[0].value == 12500
    with pytest.raises(kpirules.KpiSyntaxError, match="no thousands separators: write 1234"):
        read_tests(body.replace("12500", "12.500"), "t.kpitest")  # inline values are not the CSV's
    (o,) = run_paths([folder / "vi.kpitest"])
    assert o.passed, o.text()
    # inside a test, and overriding the file's default
    (folder / "en.kpitest").write_text('plan small.kpi\nas of 2020-12-18\nnumber format en\n'
                                       'test "vi here":\n  number format vi\n  data file vi.csv\n'
                                       '  expect eid met value 1/4\n', encoding="utf-8")
    (o,) = run_paths([folder / "en.kpitest"])
    assert o.passed, o.text()


def test_kpitest_number_format_hint_names_the_statement(folder: Path, capsys: pytest.CaptureFixture[str]) -> None:
    # Bug: the ambiguity error told a .kpitest author to pass --number-format, which a test file cannot.
    (folder / "vi.csv").write_text(VI_CSV, encoding="utf-8")
    (folder / "vi.kpitest").write_text('plan small.kpi\nas of 2020-12-18\ntest "vi":\n  data file vi.csv\n'
                                       '  expect eid met\n', encoding="utf-8")
    (o,) = run_paths([folder / "vi.kpitest"])
    assert not o.passed
    assert "`number format vi` or `number format en`" in o.text() and "--number-format" not in o.text()
    # the command-line default applies to tests that state no format
    assert main(["test", "--number-format", "vi", str(folder / "vi.kpitest")]) == 0
    assert capsys.readouterr().out.splitlines()[-1] == "1 passed, 0 failed"
    assert main(["test", "--number-format", "en", str(folder / "vi.kpitest")]) == 1


@pytest.mark.parametrize("where", ["absolute", "above", "link"])
def test_a_test_file_reads_nothing_outside_its_folder_and_shows_none_of_it(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], where: str) -> None:
    secret = tmp_path / "secret"
    secret.mkdir()
    (secret / "id_rsa").write_text("SECRET-KEY-LINE\n", encoding="utf-8")
    tests = tmp_path / "project" / "tests"
    tests.mkdir(parents=True)
    (tests / "key.kpi").symlink_to(secret / "id_rsa")
    name = {"absolute": str(secret / "id_rsa"), "above": "../../secret/id_rsa", "link": "key.kpi"}[where]
    (tests / "t.kpitest").write_text(f'plan "{name}"\ntest "x":\n  expect a met\n', encoding="utf-8")
    monkeypatch.chdir(tests.parent)  # the working directory: the project, not the folder of the secret
    assert main(["test", str(tests)]) == 2
    err = capsys.readouterr().err
    assert "SECRET-KEY-LINE" not in err
    assert ("is an absolute path" if where == "absolute" else "is outside the test file's folder") in err


def test_a_test_file_may_read_the_files_of_its_git_repository(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / ".git").mkdir()  # (the project: the nearest git repository around the test file)
    (tmp_path / "rules").mkdir()
    (tmp_path / "examples").mkdir()
    (tmp_path / "rules" / "p.kpi").write_text("rule a: x >= 1\n", encoding="utf-8")
    (tmp_path / "examples" / "d.json").write_text('{"snapshots": [{"period": "2020-Q4", "values": {"x": 2}}]}',
                                                  encoding="utf-8")
    (tmp_path / "rules" / "t.kpitest").write_text(
        'plan "p.kpi"\ndata file "../examples/d.json"\nas of 2020-12-18\ntest "x":\n  expect a met\n',
        encoding="utf-8")
    monkeypatch.chdir(tmp_path / "rules")  # (whatever the working directory)
    assert main(["test", "."]) == 0


HOSTILE = Path(__file__).resolve().parent / "data" / "hostile"


@pytest.mark.parametrize("home_in_git", [False, True])
def test_a_test_file_run_from_the_home_folder_reads_nothing_of_it(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], home_in_git: bool) -> None:
    # `kpirules test Downloads/evil/` run from the home folder: the working directory holds ~/secret, but a
    # test file reads only its own folder and its git repository (never the home folder, kept in git or not)
    home = tmp_path / "home"
    (home / "secret").mkdir(parents=True)
    (home / "secret" / "id_rsa").write_text("SECRET-KEY-LINE\n", encoding="utf-8")
    evil = home / "Downloads" / "evil"
    evil.mkdir(parents=True)
    (evil / "t.kpitest").write_text((HOSTILE / "escape.kpitest.txt").read_text(encoding="utf-8"), encoding="utf-8")
    if home_in_git:
        (home / ".git").mkdir()
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.chdir(home)
    assert main(["test", "Downloads/evil"]) == 2
    err = capsys.readouterr().err
    assert "SECRET-KEY-LINE" not in err
    assert "`../../secret/id_rsa` is outside the test file's folder (which is in no git repository)" in err
    assert err.count("is outside the test file's folder") == 2  # the plan and the data file

"""No file destroyed: every file kpirules writes is written whole or not at all, and never over an input."""

from __future__ import annotations

import os
import resource
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from kpirules.cli import main
from kpirules.errors import KpiError
from kpirules.outfile import check_not_input, write_file

ROOT = Path(__file__).resolve().parents[1]
PLAN = ROOT / "rules" / "nq17_bkhcn.kpi"
DATA = ROOT / "examples" / "nq17_bkhcn" / "data.json"
OLD = "the old report, which must survive\n"

needs_rlimit = pytest.mark.skipif(not hasattr(resource, "RLIMIT_FSIZE"), reason="no RLIMIT_FSIZE here")


def _run_limited(args: list[str], cwd: Path, limit: int) -> subprocess.CompletedProcess[str]:
    """``python -m kpirules ARGS`` with files limited to ``limit`` bytes (as on a full disk)."""
    def limited() -> None:
        resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))

    env = {**os.environ, "KPIRULES_CACHE_DIR": "", "PYTHONDONTWRITEBYTECODE": "1"}
    return subprocess.run([sys.executable, "-m", "kpirules", *args], cwd=cwd, env=env, preexec_fn=limited,
                          capture_output=True, text=True, timeout=120)


@needs_rlimit
def test_report_on_a_full_disk_leaves_the_old_report_intact_and_names_the_file(tmp_path: Path) -> None:
    out = tmp_path / "report.md"
    out.write_text(OLD, encoding="utf-8")
    proc = _run_limited(["report", str(PLAN), "--data", str(DATA), "--period", "2020-Q4", "-o", str(out)],
                        tmp_path, 200)
    assert proc.returncode == 2, proc.stderr
    assert out.read_text(encoding="utf-8") == OLD
    assert f"kpirules: {out}: cannot write the file: File too large; the file is left as it was" in proc.stderr
    assert "Traceback" not in proc.stderr
    assert sorted(p.name for p in tmp_path.iterdir()) == ["report.md"]  # no temporary file left behind
    # and with room enough, the same command replaces it by the whole report
    proc = _run_limited(["report", str(PLAN), "--data", str(DATA), "--period", "2020-Q4", "-o", str(out)],
                        tmp_path, 10**8)
    assert proc.returncode in (0, 1), proc.stderr
    assert out.read_text(encoding="utf-8").startswith("# ") and out.stat().st_size > 1000


@needs_rlimit
def test_fmt_on_a_full_disk_leaves_the_rule_file_intact(tmp_path: Path) -> None:
    rules = tmp_path / "plan.kpi"
    text = 'plan "p"\n  reporting quarterly\n' + "".join(f"rule r{i}:   x{i}>=1   by   2020\n" for i in range(40))
    rules.write_text(text, encoding="utf-8")
    proc = _run_limited(["fmt", str(rules)], tmp_path, len(text) // 2)
    assert proc.returncode == 2, proc.stderr
    assert rules.read_text(encoding="utf-8") == text  # not truncated mid-rule
    assert f"{rules}: cannot write the file: File too large; the file is left as it was" in proc.stderr
    assert "0 files reformatted, 0 left unchanged, 1 in error" in proc.stderr  # (not "1 reformatted, -1 left")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["plan.kpi"]
    proc = _run_limited(["fmt", str(rules)], tmp_path, 10**8)
    assert proc.returncode == 0, proc.stderr
    assert "rule r39:\n  x39 >= 1 by 2020\n" in rules.read_text(encoding="utf-8")


@needs_rlimit
@pytest.mark.parametrize("command", [["check", "--as-of", "2020-12-18", "--format", "json"],
                                     ["report", "--period", "2020-Q4"]])
def test_standard_output_on_a_full_disk_is_an_error_that_says_so(tmp_path: Path, command: list[str]) -> None:
    # `kpirules check … > out.json` on a full disk: exit 2 and a message naming standard output, never
    # "kpirules: : File too large" with an empty name
    def limited() -> None:
        resource.setrlimit(resource.RLIMIT_FSIZE, (200, 200))

    env = {k: v for k, v in os.environ.items() if k != "PYTHONUNBUFFERED"}
    with open(tmp_path / "out", "w", encoding="utf-8") as out:
        proc = subprocess.run([sys.executable, "-m", "kpirules", command[0], str(PLAN), "--data", str(DATA),
                               *command[1:]], cwd=tmp_path, env={**env, "KPIRULES_CACHE_DIR": ""},
                              preexec_fn=limited, stdout=out, stderr=subprocess.PIPE, text=True, timeout=120)
    assert proc.returncode == 2, proc.stderr
    assert "kpirules: standard output: cannot write: File too large; the output is incomplete" in proc.stderr
    assert "kpirules: :" not in proc.stderr and "Traceback" not in proc.stderr


SMALL_OUTPUTS = [["check", str(PLAN), "--data", str(DATA), "--as-of", "2020-12-18"],
                 ["check", str(PLAN), "--data", str(DATA), "--as-of", "2020-12-18", "--format", "json"],
                 ["explain", str(PLAN), "--data", str(DATA), "--as-of", "2020-12-18", "--id", "II.1.a.1"],
                 ["report", str(PLAN), "--data", str(DATA), "--period", "2020-Q4", "--format", "md"],
                 ["report", str(PLAN), "--data", str(DATA), "--period", "2020-Q4", "-o", "-"],
                 ["periods", "2020"], ["--help"], ["check", "--help"]]
FULL_MESSAGE = "kpirules: standard output: cannot write: No space left on device; the output is incomplete\n"


@pytest.mark.skipif(not os.path.exists("/dev/full"), reason="no /dev/full here")
@pytest.mark.parametrize("unbuffered", [False, True])
@pytest.mark.parametrize("command", SMALL_OUTPUTS, ids=lambda c: " ".join(w for w in c if "/" not in w))
def test_standard_output_on_dev_full_is_our_message_alone_and_exit_2(command: list[str], unbuffered: bool) -> None:
    # `kpirules check … > /dev/full`: the message, then Python's "Exception ignored … OSError" and exit 120,
    # the output sitting in the buffer and failing again at the interpreter's exit; `--help` exited 0
    env = {k: v for k, v in os.environ.items() if k != "PYTHONUNBUFFERED"}
    if unbuffered:
        env["PYTHONUNBUFFERED"] = "1"
    with open("/dev/full", "w", encoding="utf-8") as full:
        proc = subprocess.run([sys.executable, "-m", "kpirules", *command], cwd=ROOT,
                              env={**env, "KPIRULES_CACHE_DIR": ""}, stdout=full, stderr=subprocess.PIPE,
                              text=True, timeout=120)
    assert proc.returncode == 2, proc.stderr
    assert proc.stderr.endswith(FULL_MESSAGE) and proc.stderr.count("kpirules: standard output") == 1
    assert "Exception ignored" not in proc.stderr and "Errno" not in proc.stderr


@needs_rlimit
def test_output_that_fits_the_buffer_on_a_full_disk_is_one_error(tmp_path: Path) -> None:
    # `report --format md > f` under `ulimit -f 2`: the output fits Python's buffer and failed only at exit
    env = {k: v for k, v in os.environ.items() if k != "PYTHONUNBUFFERED"}
    with open(tmp_path / "out", "w", encoding="utf-8") as out:
        proc = subprocess.run([sys.executable, "-m", "kpirules", "periods", "2020"], cwd=tmp_path,
                              env={**env, "KPIRULES_CACHE_DIR": ""}, stdout=out, stderr=subprocess.PIPE,
                              preexec_fn=lambda: resource.setrlimit(resource.RLIMIT_FSIZE, (100, 100)),
                              text=True, timeout=120)
    assert proc.returncode == 2, proc.stderr
    assert proc.stderr == "kpirules: standard output: cannot write: File too large; the output is incomplete\n"


@pytest.mark.parametrize("which", ["data", "plan", "data by another name"])
def test_report_refuses_to_write_over_its_own_input(tmp_path: Path, which: str,
                                                    capsys: pytest.CaptureFixture[str]) -> None:
    data = tmp_path / "mydata.json"
    data.write_bytes(DATA.read_bytes())
    plan = tmp_path / "plan.kpi"
    plan.write_bytes(PLAN.read_bytes())
    link = tmp_path / "link.json"
    link.symlink_to(data)
    out = {"data": data, "plan": plan, "data by another name": link}[which]
    before = out.read_bytes()
    code = main(["report", str(plan), "--data", str(data), "--period", "2020-Q4", "-o", str(out)])
    assert code == 2
    assert out.read_bytes() == before
    err = capsys.readouterr().err
    assert f"-o {out}: that is the {'plan' if which == 'plan' else '--data'} file this command reads" in err


def test_an_output_that_is_a_link_is_replaced_never_written_through(tmp_path: Path) -> None:
    elsewhere = tmp_path / "elsewhere.txt"
    elsewhere.write_text("precious\n", encoding="utf-8")
    link = tmp_path / "out.md"
    link.symlink_to(elsewhere)
    assert main(["report", str(PLAN), "--data", str(DATA), "--period", "2020-Q4", "-o", str(link)]) in (0, 1)
    assert elsewhere.read_text(encoding="utf-8") == "precious\n"
    assert not link.is_symlink() and link.read_text(encoding="utf-8").startswith("# ")


def test_fmt_rewrites_the_file_a_link_points_to(tmp_path: Path) -> None:
    real = tmp_path / "real.kpi"
    real.write_text("rule a:   x>=1\n", encoding="utf-8")
    link = tmp_path / "link.kpi"
    link.symlink_to(real)
    assert main(["fmt", str(link)]) == 0
    assert link.is_symlink() and real.read_text(encoding="utf-8") == "rule a:\n  x >= 1\n"


def test_a_replaced_file_keeps_its_permissions_and_a_new_one_follows_the_umask(tmp_path: Path) -> None:
    old = tmp_path / "old.txt"
    old.write_text("x", encoding="utf-8")
    old.chmod(0o640)
    write_file(old, "new")
    assert old.read_text(encoding="utf-8") == "new" and stat.S_IMODE(old.stat().st_mode) == 0o640
    mask = os.umask(0o022)
    try:
        write_file(tmp_path / "new.txt", b"bytes")
    finally:
        os.umask(mask)
    assert stat.S_IMODE((tmp_path / "new.txt").stat().st_mode) == 0o644
    write_file(tmp_path / "secret", "s", mode=0o600)
    assert stat.S_IMODE((tmp_path / "secret").stat().st_mode) == 0o600


def test_a_folder_that_cannot_be_written_is_an_error_naming_the_file(tmp_path: Path) -> None:
    with pytest.raises(KpiError, match=r"nowhere/out\.md: cannot write the file: .*; nothing was written"):
        write_file(tmp_path / "nowhere" / "out.md", "x")


def test_check_not_input_compares_files_not_names(tmp_path: Path) -> None:
    a = tmp_path / "a.json"
    a.write_text("{}", encoding="utf-8")
    with pytest.raises(KpiError, match="that is the --data file"):
        check_not_input(tmp_path / "." / "a.json", [("--data", a)])
    check_not_input(tmp_path / "b.json", [("--data", a)])  # another file: fine


def _special_files(tmp_path: Path) -> list[Path]:
    """A named pipe, and a character device like /dev/null when this user may make one (root)."""
    made = [tmp_path / "pipe.md"]
    os.mkfifo(made[0])
    try:
        os.mknod(tmp_path / "mynull.md", stat.S_IFCHR | 0o666, os.makedev(1, 3))
        made.append(tmp_path / "mynull.md")
    except (PermissionError, AttributeError, OSError):
        pass  # (mknod needs root: the pipe alone)
    link = tmp_path / "link.md"
    link.symlink_to(made[-1])
    return [*made, link]


def test_an_output_that_is_a_device_or_a_pipe_is_refused_and_left_as_it_was(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    # `-o /dev/full` said "wrote /dev/full", exit 0, and replaced the device by a regular file
    for out in _special_files(tmp_path):
        kind = stat.S_IFMT(os.stat(out).st_mode)
        assert main(["report", str(PLAN), "--data", str(DATA), "--period", "2020-Q4", "-o", str(out)]) == 2
        err = capsys.readouterr().err
        assert f"{out}: the output is a " in err and "not a regular file" in err and "nothing was written" in err
        assert stat.S_IFMT(os.stat(out).st_mode) == kind and not stat.S_ISREG(kind)
        with pytest.raises(KpiError, match="not a regular file"):
            write_file(out, "x")
    (tmp_path / "form.xlsx").symlink_to(tmp_path / "pipe.md")
    assert main(["template", str(PLAN), "--period", "2020-Q4", "-o", str(tmp_path / "form.xlsx")]) == 2
    assert "form.xlsx: the output is a named pipe, not a regular file" in capsys.readouterr().err
    assert stat.S_ISFIFO(os.stat(tmp_path / "form.xlsx").st_mode)
    assert not [p for p in tmp_path.iterdir() if p.name.endswith(".tmp")]


def test_a_read_only_file_is_not_replaced(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    # `chmod 444 ro.md; report -o ro.md` replaced it silently; `fmt` rewrote a 0444 rule file
    ro = tmp_path / "ro.md"
    ro.write_text(OLD, encoding="utf-8")
    ro.chmod(0o444)
    assert main(["report", str(PLAN), "--data", str(DATA), "--period", "2020-Q4", "-o", str(ro)]) == 2
    err = capsys.readouterr().err
    assert f"{ro}: the file is read-only (mode 0444)" in err and "left as it was" in err
    assert ro.read_text(encoding="utf-8") == OLD and stat.S_IMODE(ro.stat().st_mode) == 0o444
    rule = tmp_path / "r.kpi"
    rule.write_text("rule a:\n    x>=1\n", encoding="utf-8")
    rule.chmod(0o444)
    assert main(["fmt", str(rule)]) == 2
    assert f"{rule}: the file is read-only" in capsys.readouterr().err
    assert rule.read_text(encoding="utf-8") == "rule a:\n    x>=1\n"


def test_a_form_folder_with_one_file_refused_gets_no_file_at_all(tmp_path: Path,
                                                                 capsys: pytest.CaptureFixture[str]) -> None:
    # `template -o DIR/` wrote the forms before the refused one and left a partial set
    out = tmp_path / "forms"
    assert main(["template", str(PLAN), "--period", "2020-Q4", "-o", f"{out}/", "--format", "csv"]) == 0
    names = sorted(p.name for p in out.iterdir())
    assert len(names) > 2
    for p in out.iterdir():
        p.unlink()
    last = out / names[-1]
    last.write_text(OLD, encoding="utf-8")
    last.chmod(0o444)
    capsys.readouterr()
    assert main(["template", str(PLAN), "--period", "2020-Q4", "-o", f"{out}/", "--format", "csv"]) == 2
    assert f"{last}: the file is read-only" in capsys.readouterr().err
    assert sorted(p.name for p in out.iterdir()) == [last.name] and last.read_text(encoding="utf-8") == OLD

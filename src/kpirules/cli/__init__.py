"""The ``kpirules`` command.

Each subcommand lives in a module ``kpirules.cli.<name>`` that defines
``register(subparsers)``; the parser it adds sets ``func`` to a function
``(args) -> int``.  Exit codes are a contract:

* 0 — the job ran and nothing is wrong (for ``check``: no result is
  ``not_met``, ``overdue`` or ``error``);
* 1 — the job ran and found something wrong;
* 2 — bad input or usage; the message is on stderr, never a traceback.
"""

from __future__ import annotations

import argparse
import errno
import importlib
import io
import os
import re
import sys
from collections.abc import Sequence
from typing import NoReturn

from kpirules.errors import KpiError, render
from kpirules.text import visible

__all__ = ["main"]

# subcommand modules, in the order `kpirules --help` lists them
COMMANDS = ("check", "periods", "fmt", "lint", "explain", "report", "verify", "test", "sql", "template")

EXIT_OK = 0
EXIT_FINDINGS = 1
EXIT_USAGE = 2


class _Parser(argparse.ArgumentParser):
    #: the words of the command line (main sets them on the top parser, which reports unknown words)
    words: Sequence[str] = ()

    def error(self, message: str) -> NoReturn:  # argparse exits 2 too; keep the text short
        self.print_usage(sys.stderr)
        self.exit(EXIT_USAGE, f"{self.prog}: error: {message}{_hint(message, self.words)}\n")


def _hint(message: str, words: Sequence[str]) -> str:
    """What an argparse message most likely means, when a common slip caused it."""
    head, _, rest = message.partition(": ")
    if head != "unrecognized arguments" or "check" not in words or not any(w.startswith("--period") for w in words):
        return ""
    # `check --period 2020-Q3 .. 2020-Q4`, `2020-Q3 ..2020-Q4` or `2020-Q3.. 2020-Q4` (not a path such as ../x)
    if any(w == ".." or _RANGE_START.match(w) for w in rest.split()) or any(map(_RANGE_END.search, words)):
        return "\n(a range of periods is one word, without spaces: --period 2019-Q1..2020-Q4)"
    return ""


_RANGE_START = re.compile(r"\.\.\w")
_RANGE_END = re.compile(r"\w\.\.$")


def build_parser(only: str | None = None) -> argparse.ArgumentParser:
    """The command line's parser; with ``only`` (a subcommand's name) just that subcommand's parser is added
    (start-up: a run imports and builds one subcommand, `kpirules --help` and a misspelt command see all)."""
    from kpirules import __version__

    parser = _Parser(
        prog="kpirules",
        description="Check the targets and tasks of an action plan, period by period.",
    )
    parser.add_argument("--version", action="version", version=f"kpirules {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
    for name in (only,) if only in COMMANDS else COMMANDS:
        importlib.import_module(f"kpirules.cli.{name}").register(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; return the exit status.  Standard output is flushed here, for every command and
    for ``--help``: output small enough to sit in its buffer would else fail only at the interpreter's exit
    (on a full disk: Python's "Exception ignored … OSError" and exit 120); after an error of standard output
    what is left in its buffer is dropped, so nothing fails again at exit."""
    try:
        code = _main(argv)
        sys.stdout.flush()
        return code
    except BrokenPipeError:  # `kpirules check … | head`
        _drop_stdout()
        return EXIT_OK
    except OSError as exc:
        _drop_stdout()
        print(_shown(f"kpirules: {_os_error_text(exc)}"), file=sys.stderr)
        return EXIT_USAGE


def _drop_stdout() -> None:
    """Point standard output at the null device, so that what is left in its buffers (which Python keeps
    after a failed write and flushes again at exit) goes nowhere instead of failing a second time."""
    try:
        fd = sys.stdout.fileno()
        null = os.open(os.devnull, os.O_WRONLY)
    except (OSError, ValueError, AttributeError, io.UnsupportedOperation):  # (not a file: nothing at exit)
        return
    try:
        os.dup2(null, fd)
    except OSError:
        pass
    finally:
        os.close(null)


def _main(argv: Sequence[str] | None) -> int:
    _buffered_stdout()  # (before `--help`, which argparse writes ignoring errors)
    words = list(sys.argv[1:] if argv is None else argv)
    parser = build_parser(words[0] if words else None)
    parser.words = words  # type: ignore[attr-defined]
    try:
        args = parser.parse_args(argv)
    except SystemExit as exc:  # --help, --version, usage errors
        return int(exc.code or 0)
    if not getattr(args, "func", None):
        parser.print_help(sys.stderr)
        return EXIT_USAGE
    try:
        code = int(args.func(args))
        sys.stdout.flush()  # (a full disk is an error here, not a silent loss at exit)
        return code
    except KpiError as exc:
        print(error_text(exc), file=sys.stderr)
        return EXIT_USAGE
    except BrokenPipeError:  # `kpirules check … | head`
        _drop_stdout()
        return EXIT_OK
    except OSError as exc:
        if exc.filename is None:
            _drop_stdout()
        print(_shown(f"kpirules: {_os_error_text(exc)}"), file=sys.stderr)
        return EXIT_USAGE
    except MemoryError:  # (every reader is bounded; this is the last word, never a traceback)
        print("kpirules: error: out of memory: the input is too big for this machine; split the data",
              file=sys.stderr)
        return EXIT_USAGE


def _buffered_stdout() -> None:
    """Standard output through a buffer even under ``PYTHONUNBUFFERED``/``python -u``: unbuffered, Python drops
    the rest of a write the disk took only part of, silently; buffered (a line at a time, as unbuffered
    output appears), a full disk is an error."""
    out = sys.stdout
    raw = getattr(out, "buffer", None)
    if isinstance(out, io.TextIOWrapper) and isinstance(raw, io.FileIO) and out is sys.__stdout__:
        sys.stdout = io.TextIOWrapper(io.BufferedWriter(raw), encoding=out.encoding, errors=out.errors,
                                      line_buffering=True)


def _os_error_text(exc: OSError) -> str:
    """An error of the system, never with an empty name: one without a file is standard output's (a full
    disk under `kpirules check … > out.txt`) when it is an error of writing, else said as it is."""
    what = exc.strerror or str(exc) or type(exc).__name__
    if exc.filename is not None:
        return f"{exc.filename}: {what}"
    if exc.errno in (errno.ENOSPC, errno.EFBIG, errno.EIO, errno.EDQUOT, errno.EROFS, errno.EBADF):
        return f"standard output: cannot write: {what}; the output is incomplete"
    return f"error: {what}"


def error_text(exc: KpiError) -> str:
    """An error as the command prints it: each problem starts a line ``kpirules: `` (then
    ``FILE:LINE:COL: error: …`` or ``error: FILE: row N: …``, its source line, caret and hint below it), so
    every problem of a list reads alike; an error of one message alone is ``kpirules: MESSAGE``."""
    diags = exc.diagnostics
    if len(diags) == 1 and str(exc) == diags[0].message:
        return _shown(f"kpirules: {exc}")
    return "\n".join(_shown(f"kpirules: {render(d)}") for d in diags)


def _shown(message: str) -> str:
    """An error for the terminal: each line with its control characters written as escapes (a unit name
    or a file name from the data can neither move the cursor nor retitle the terminal), lines kept."""
    return "\n".join(visible(line) for line in message.split("\n"))


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())

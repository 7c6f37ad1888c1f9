"""Writing files whole or not at all: every file kpirules writes goes through :func:`write_file`.

The content goes to a new temporary file in the target's folder, is flushed
to the disk, and only then is renamed over the target: a full disk, a limit
on file size or an interruption leaves an existing file as it was, and no
temporary file behind.  A file replaced keeps its permissions; a new one gets
those of the umask.  A symbolic link named as the target is replaced by the
file, never written through (unless ``follow_links``: ``fmt`` rewrites the
file a link points to, the one it read).  Every error names the file.

A target that exists and is not a regular file (a device such as ``/dev/full``,
a named pipe, a folder), or a link to one, is refused, and so is a read-only
file (one without any write permission, or one the user may not write): see
:func:`check_output`, which a command calls for all its outputs before it
writes any.
"""

from __future__ import annotations

import os
import stat
import tempfile
from collections.abc import Iterable

from kpirules.errors import KpiError
from kpirules.text import not_regular

__all__ = ["write_file", "check_not_input", "check_output"]


def write_file(path: str | os.PathLike[str], content: str | bytes, *, mode: int | None = None,
               follow_links: bool = False) -> None:
    """Write ``content`` (text is written as UTF-8) to ``path``, replacing it only by a complete file.

    ``mode`` sets the new file's permissions (default: those of the file it replaces, else 0o666
    less the umask).  Raises :class:`KpiError` naming the file when it cannot be written.
    """
    name = os.fspath(path)
    check_output(name, follow_links=follow_links)
    data = content.encode("utf-8") if isinstance(content, str) else content
    target = os.path.realpath(name) if follow_links else os.path.abspath(name)
    folder = os.path.dirname(target)
    existed = os.path.lexists(target)
    if mode is None:
        mode = _mode_of(target)
    try:
        fd, tmp = tempfile.mkstemp(prefix=f".{os.path.basename(target)}.", suffix=".tmp", dir=folder)
    except OSError as exc:
        kept = "the file is left as it was" if existed else "nothing was written"
        raise KpiError(f"{name}: cannot write the file: {_why(exc)}; {kept}") from None
    try:
        try:
            with os.fdopen(fd, "wb") as fh:
                fh.write(data)
                fh.flush()
                os.fsync(fh.fileno())
            os.chmod(tmp, mode)
            os.replace(tmp, target)
        except BaseException:
            try:
                os.unlink(tmp)
            except OSError:
                pass
            raise
    except OSError as exc:
        kept = "the file is left as it was" if existed else "nothing was written"
        raise KpiError(f"{name}: cannot write the file: {_why(exc)}; {kept}") from None


def check_output(path: str | os.PathLike[str], *, follow_links: bool = False) -> None:
    """Refuse, before anything is written, an output that :func:`write_file` must not replace: one
    that exists and is not a regular file (a device, a named pipe, a folder; a link to one counts as
    it), or a read-only file.  Raises :class:`KpiError` naming it."""
    name = os.fspath(path)
    what = not_regular(name)  # (through a link: what the name shows)
    if what is not None:
        raise KpiError(f"{name}: the output is {what}, not a regular file; kpirules writes only files: "
                       f"give another name; nothing was written")
    try:
        st = os.stat(name)
    except (OSError, ValueError):
        return  # (a new file, or a link to nothing: writing it says what is wrong, if anything)
    if not st.st_mode & 0o222 or not os.access(name, os.W_OK):
        raise KpiError(f"{name}: the file is read-only (mode {stat.S_IMODE(st.st_mode):04o}); kpirules does not "
                       f"replace it: make it writable or give another name; the file is left as it was")


def check_not_input(output: str | os.PathLike[str], inputs: Iterable[tuple[str, str | os.PathLike[str]]],
                    option: str = "-o") -> None:
    """Refuse an output that is one of the command's inputs (``-o mydata.json``): ``inputs`` are
    (what, path) pairs, such as ("--data", "mydata.json"); the same file by another name counts."""
    out = os.fspath(output)
    for what, path in inputs:
        if _same(out, os.fspath(path)):
            raise KpiError(f"{option} {out}: that is the {what} file this command reads; "
                           f"write the output to another file")


def _same(a: str, b: str) -> bool:
    try:
        return os.path.samefile(a, b)
    except OSError:  # (one of them does not exist yet)
        return os.path.realpath(a) == os.path.realpath(b)


def _mode_of(target: str) -> int:
    try:
        return stat.S_IMODE(os.stat(target).st_mode)
    except OSError:
        mask = os.umask(0)
        os.umask(mask)
        return 0o666 & ~mask


def _why(exc: OSError) -> str:
    return exc.strerror or str(exc)

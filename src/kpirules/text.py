"""Text helpers shared by the readers of labels, data and rule files."""

from __future__ import annotations

import os
import re
import stat
import unicodedata
from collections.abc import Callable

__all__ = ["fold", "read_text", "check_regular", "not_regular", "decode_text", "not_utf8", "visible", "escape_controls", "CONTROL", "MAX_DIGITS",
           "MAX_TEXT_BYTES"]

#: most digits a number written in a rule file or a data cell may have (Python refuses int(text) past 4,300)
MAX_DIGITS = 4000


def fold(text: str) -> str:
    """Lower case without Vietnamese diacritics: ``"Quý IV năm 2019"`` → ``"quy iv nam 2019"``.

    ``đ`` becomes ``d`` (it is a letter of its own, not a ``d`` with a mark).
    """
    text = unicodedata.normalize("NFD", text.replace("đ", "d").replace("Đ", "D"))
    return "".join(c for c in text if not unicodedata.combining(c)).lower()


#: the largest rule, data or test file kpirules reads (as for a workbook uncompressed): 256 MiB
MAX_TEXT_BYTES = 256 * 1024 * 1024


def not_regular(path: str) -> str | None:
    """What ``path`` is when it exists and is not a regular file (nor a link to one): "a named pipe",
    "a device", "a folder", "a socket"; None for a regular file or a path that cannot be looked at
    (opening it then says why).  Looked at without opening it: opening a pipe blocks."""
    try:
        mode = os.stat(path).st_mode
    except (OSError, ValueError):
        return None
    if stat.S_ISREG(mode):
        return None
    if stat.S_ISFIFO(mode):
        return "a named pipe"
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return "a device"
    if stat.S_ISDIR(mode):
        return "a folder"
    if stat.S_ISSOCK(mode):
        return "a socket"
    return "not a regular file"


def check_regular(path: str, kind: str, error: Callable[[str], Exception]) -> None:
    """Raise ``error(message)`` naming ``path`` when it exists and is not a regular file (a pipe,
    a device, a folder): kpirules reads only files, and a pipe would block it for ever."""
    what = not_regular(path)
    if what is not None:
        raise error(f"{path}: the {kind} is {what}, not a file; kpirules reads only regular files")


def read_text(path: str, kind: str, error: Callable[[str], Exception]) -> str:
    """The text of a file kpirules reads (a rule file, a data file, a test file).

    UTF-8, with or without a byte-order mark (which is not part of the text);
    a file starting with a UTF-16 byte-order mark (Excel's and Notepad's
    "Unicode") is read as UTF-16.  Newlines are kept as they are.  A file that
    cannot be read or decoded raises ``error(message)``, the message naming
    the file (and, for bytes that are not UTF-8, the line and offset), for
    example ``plan.kpi:3: the rule file is not UTF-8 (byte 0xe1 at offset 40); save it as UTF-8``.
    ``kind`` names the file in the message: "rule file", "data file", "test file".
    """
    check_regular(path, kind, error)
    try:
        with open(path, "rb") as fh:
            # (bounded: a device, a pipe or a huge file never fills memory; and no buffer of the bound
            # for a file of its own size, which it would be for a moment)
            size = os.fstat(fh.fileno()).st_size
            raw = fh.read(min(MAX_TEXT_BYTES, size) + 1)
            if len(raw) == size + 1 <= MAX_TEXT_BYTES:  # (it grew as it was read)
                raw += fh.read(MAX_TEXT_BYTES + 1 - len(raw))
    except OSError as exc:
        raise error(f"{path}: cannot read the {kind}: {exc.strerror or exc}") from None
    if len(raw) > MAX_TEXT_BYTES:
        raise error(f"{path}: the {kind} is larger than {MAX_TEXT_BYTES:,} bytes, the most kpirules reads: "
                    "is this the right file?")
    return decode_text(raw, path, kind, error)


def decode_text(raw: bytes, name: str, kind: str, error: Callable[[str], Exception]) -> str:
    """The text of the bytes of a file named ``name``, decoded as :func:`read_text` decodes a file:
    for bytes that come from elsewhere than a path (an upload, a database column)."""
    if raw.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            return raw.decode("utf-16")
        except UnicodeDecodeError:
            raise error(f"{name}: the {kind} starts like UTF-16 but is not valid UTF-16") from None
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        raise not_utf8(name, kind, line, raw[exc.start], exc.start, raw[:4], error) from None


def not_utf8(name: str, kind: str, line: int, byte: int, offset: int, head: bytes,
             error: Callable[[str], Exception]) -> Exception:
    """The error for a ``byte`` that is not UTF-8 at ``offset`` (on ``line``) of a file whose first bytes
    are ``head``: what :func:`decode_text` raises, and a reader that decodes a file a line at a time."""
    excel = " (in Excel: CSV UTF-8)" if name.lower().endswith((".csv", ".txt", ".tsv")) else ""
    zipped = " (it looks like an .xlsx workbook: name it .xlsx)" if head.startswith(b"PK\x03\x04") else ""
    return error(f"{name}:{line}: the {kind} is not UTF-8 (byte 0x{byte:02x} at offset {offset}); "
                 f"save it as UTF-8{excel}{zipped}")


_NAMED = {"\n": "\\n", "\r": "\\r", "\t": "\\t"}
#: the characters that reorder text on screen (bidirectional embeddings, overrides and isolates)
_BIDI = frozenset("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")


#: the control characters an HTML or Word report writes as escapes (`visible`): all but line ends and tabs,
#: and the bidirectional controls
CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")


def escape_controls(text: str) -> str:
    """``text`` with the characters of :data:`CONTROL` written as escapes (``\\x1b``) and its line ends
    and tabs kept: text from a plan or data in a report that lays out lines of its own (HTML, Word)."""
    return CONTROL.sub(lambda m: visible(m[0]), text) if CONTROL.search(text) else text


def visible(text: str) -> str:
    """``text`` with every control character written as an escape (``\\x1b``, ``\\n``, ``\\u202e``), for
    one line of a terminal or a table: a unit name or a note from the data can then neither move the
    cursor, retitle the terminal nor split a line."""
    if text.isprintable() and not _BIDI.intersection(text):
        return text
    out = []
    for c in text:
        if c in _NAMED:
            out.append(_NAMED[c])
        elif c in _BIDI or (not c.isprintable() and c != " " and unicodedata.category(c) in ("Cc", "Cf", "Zl", "Zp")):
            code = ord(c)
            out.append(f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}")
        else:
            out.append(c)
    return "".join(out)

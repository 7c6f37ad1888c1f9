"""The grammar's lark parser: built once per process, and kept between runs in a cache file.

:func:`lark_parser` is lark's LALR parser with a contextual lexer for
grammar.lark; building its tables costs about a fifth of a second, so the
built parser is kept in a file of the user's own and read back (see
:func:`_cache_file` and :func:`_trusted`).
"""

from __future__ import annotations

import functools
import hashlib
import importlib.resources
import os
import io
import pickle
import sys

import lark
from lark import Lark

from kpirules.outfile import write_file

__all__ = ["lark_parser", "KEYWORDS", "lexer_codes", "keep_lexer_codes"]

KEYWORDS = (
    "plan title issued implements reporting monthly quarterly half-yearly yearly annual "
    "cutoff calendar due section rule task lead support product note after by from to at "
    "previous for each unit units where and or not between ratio change sum min max avg "
    "count true false group in report issuer place signer recipients "
    # the second round: recurring duties, events, declared units, stretch goals, totals over time
    "every event stretch over "
    # records (issue 18); `dated`, `distinct`, `is` and `missing` are words only where a dataset or a
    # filter has them, as `year` after `previous`
    "dataset metric"
).split()


@functools.cache
def lark_parser() -> Lark:
    """lark's LALR parser for grammar.lark, built once per process (read from the cache when it is there)."""
    grammar = importlib.resources.files("kpirules.lang").joinpath("grammar.lark").read_text(encoding="utf-8")
    path = _cache_file(grammar)
    if path is not None and _trusted(path):
        try:
            with open(path, "rb") as fh:
                return Lark.load(fh)
        except Exception:  # noqa: BLE001 - a damaged or foreign file: build the parser and write it anew
            pass
    parser = _build_lark()
    if path is not None:
        _write_cache(parser, path)
    return parser


#: how the parser is built from grammar.lark (part of the cache file's name: a change never reads an old file)
_LARK_OPTIONS = {"parser": "lalr", "lexer": "contextual", "propagate_positions": True, "maybe_placeholders": False}


def _build_lark() -> Lark:
    return Lark.open_from_package("kpirules.lang", "grammar.lark", **_LARK_OPTIONS)  # type: ignore[arg-type]


def _cache_file(grammar: str) -> str | None:
    """Where the parser built from ``grammar`` is kept between runs, or None (no cache).

    Building lark's LALR tables costs about a fifth of a second at every
    start of the command line; loading them back costs a tenth of that.  The
    file lives in ``$KPIRULES_CACHE_DIR`` (empty: no cache), else in
    ``$XDG_CACHE_HOME/kpirules`` or ``~/.cache/kpirules``: a directory of the
    user's own, as the file is a pickle, which only kpirules writes (see
    :func:`_trusted`).  Its name holds a digest of the grammar, the build
    options and the versions of lark and Python, so a file is only ever read
    by the same grammar, options, lark and Python that wrote it.
    """
    where = os.environ.get("KPIRULES_CACHE_DIR")
    if where is None:
        base = os.environ.get("XDG_CACHE_HOME", "")
        if not os.path.isabs(base):  # (the XDG rule: a relative path is ignored)
            base = os.path.join(os.path.expanduser("~"), ".cache")
        where = os.path.join(base, "kpirules")
    elif where:
        where = os.path.expanduser(where)
    if not where or not os.path.isabs(where):
        return None
    digest = hashlib.sha256((grammar + repr(sorted(_LARK_OPTIONS.items()))).encode("utf-8")).hexdigest()[:16]
    version = ".".join(map(str, sys.version_info[:2]))
    return os.path.join(where, f"grammar-{digest}-lark{lark.__version__}-py{version}.pickle")


def _trusted(path: str) -> bool:
    """Whether the cache file may be read: the user's own file in the user's own directory, and neither
    writable by anybody else (reading a pickle runs what it says, so nobody else may have written it)."""
    getuid = getattr(os, "getuid", None)
    try:
        for st in (os.stat(os.path.dirname(path)), os.stat(path)):
            if getuid is not None and (st.st_uid != getuid() or st.st_mode & 0o022):
                return False
    except OSError:
        return False
    return True


def _lexer_file() -> str | None:
    """Where the code of the lexer's regexes is kept between runs (beside the parser; its name holds the
    regex engine's version too), or None."""
    grammar = importlib.resources.files("kpirules.lang").joinpath("grammar.lark").read_text(encoding="utf-8")
    path = _cache_file(grammar)
    if path is None:
        return None
    import _sre  # type: ignore[import-not-found]

    return path.replace(os.sep + "grammar-", os.sep + "lexers-", 1)[: -len(".pickle")] + f"-sre{_sre.MAGIC}.pickle"


def lexer_codes() -> dict[str, tuple[object, ...]]:
    """The code of each lexer regex kept by earlier runs (pattern → what the regex engine is given), or {}.

    The lexer's regexes (one per parser state and first character, made as a
    text needs them) cannot be kept compiled; compiling them was a third of a
    first parse in a new process.  What the regex engine makes them from can be:
    a run keeps the code of those it made (:func:`keep_lexer_codes`), in the
    same directory and with the same care as the parser."""
    path = _lexer_file()
    if path is None or not os.path.exists(path) or not _trusted(path):
        return {}
    try:
        with open(path, "rb") as fh:
            codes = pickle.load(fh)
    except Exception:  # noqa: BLE001 - a damaged file: compile the regexes as re does
        return {}
    if not isinstance(codes, dict):
        return {}
    return {k: v for k, v in codes.items() if isinstance(k, str) and isinstance(v, tuple) and len(v) == 5}


def keep_lexer_codes(new: dict[str, tuple[object, ...]]) -> None:
    """Add ``new`` to the lexer codes kept between runs; never fail."""
    path = _lexer_file()
    if path is None or not new:
        return
    try:
        if not os.path.isdir(os.path.dirname(path)) or not _trusted(os.path.join(os.path.dirname(path), ".")):
            return  # (the parser's cache makes the directory, as the user's own)
        codes = lexer_codes()
        codes.update(new)
        write_file(path, pickle.dumps(codes, protocol=pickle.HIGHEST_PROTOCOL), mode=0o600)
    except Exception:  # noqa: BLE001 - a read-only or full disk: the next run compiles them again
        pass


def _write_cache(parser: Lark, path: str) -> None:
    """Keep ``parser`` at ``path``, whole or not at all (a new file renamed into place); never fail."""
    try:
        where = os.path.dirname(path)
        os.makedirs(where, mode=0o700, exist_ok=True)
        if hasattr(os, "getuid"):  # an existing directory (an older kpirules made it with the umask's mode)
            st = os.stat(where)
            if st.st_uid != os.getuid():
                return  # not ours: never written, never read
            if st.st_mode & 0o077:
                os.chmod(where, 0o700)
        buf = io.BytesIO()
        parser.save(buf)
        write_file(path, buf.getvalue(), mode=0o600)  # (a pickle: the user's alone)
    except Exception:  # noqa: BLE001 - a read-only or full disk: the next run builds the parser again
        pass


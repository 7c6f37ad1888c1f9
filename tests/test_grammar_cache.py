"""The parser built from grammar.lark is kept between runs: read back, it parses exactly as a new one."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from lark.exceptions import UnexpectedInput

from kpirules.lang import fast as _fast, grammar as _grammar

ROOT = Path(__file__).resolve().parents[1]
TEXTS = [p.read_text(encoding="utf-8") for p in sorted((ROOT / "rules").glob("*.kpi"))]
BROKEN = ["plan \"x\"\nrule a: ratio(a, b) >= \n", "rule a: a >= 1 by 2020-Q5", "rule 1a: x", "plan\n  reporting"]


@pytest.fixture()
def cache_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):  # type: ignore[no-untyped-def]
    monkeypatch.setenv("KPIRULES_CACHE_DIR", str(tmp_path / "cache"))
    _grammar.lark_parser.cache_clear()
    yield tmp_path / "cache"
    _grammar.lark_parser.cache_clear()
    _fast.fast_tables.cache_clear()


def _outcome(parser, text: str) -> object:  # type: ignore[no-untyped-def]
    try:
        return parser.parse(text)
    except UnexpectedInput as exc:
        return (type(exc).__name__, exc.line, exc.column, sorted(getattr(exc, "expected", None) or ()))


def test_a_parser_read_back_parses_as_a_new_one(cache_dir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    built = _grammar.lark_parser()  # built, and written
    [kept] = list(cache_dir.iterdir())
    assert kept.name.startswith("grammar-") and f"lark{_grammar.lark.__version__}" in kept.name
    assert oct(kept.stat().st_mode & 0o777) == oct(0o600)  # a pickle: the user's own
    _grammar.lark_parser.cache_clear()

    def no_build():  # type: ignore[no-untyped-def]
        raise AssertionError("the parser should come from the cache")

    monkeypatch.setattr(_grammar, "_build_lark", no_build)
    loaded = _grammar.lark_parser()
    assert loaded is not built
    for text in TEXTS + BROKEN:
        assert _outcome(loaded, text) == _outcome(built, text)
    _fast.fast_tables.cache_clear()
    if _grammar.lark.__version__ not in _fast.TESTED_LARK:
        return  # (the fast path does not run on this lark)
    assert _fast.fast_tables() is not None  # the fast path reads its tables as well, and parses
    for text in TEXTS:
        assert _fast.fast_parse(text, None, text.split("\n")) is not None


def test_a_damaged_file_is_built_again_and_replaced(cache_dir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    _grammar.lark_parser()
    [kept] = list(cache_dir.iterdir())
    kept.write_bytes(b"\x80\x04garbage")
    _grammar.lark_parser.cache_clear()
    builds = []
    real = _grammar._build_lark
    monkeypatch.setattr(_grammar, "_build_lark", lambda: builds.append(1) or real())
    assert _outcome(_grammar.lark_parser(), TEXTS[0]) == _outcome(real(), TEXTS[0])
    assert builds == [1]
    _grammar.lark_parser.cache_clear()
    _grammar.lark_parser()  # read back: no second build
    assert builds == [1] and len(list(cache_dir.iterdir())) == 1


@pytest.mark.parametrize("setting", ["", "relative/dir"])
def test_no_cache_when_switched_off_or_not_a_full_path(setting: str, monkeypatch: pytest.MonkeyPatch,
                                                     tmp_path: Path) -> None:
    monkeypatch.setenv("KPIRULES_CACHE_DIR", setting)
    monkeypatch.chdir(tmp_path)
    assert _grammar._cache_file("grammar") is None
    _grammar.lark_parser.cache_clear()
    try:
        assert _grammar.lark_parser().parse(TEXTS[0])
    finally:
        _grammar.lark_parser.cache_clear()
    assert list(tmp_path.iterdir()) == []


def test_a_cache_that_cannot_be_written_is_no_error(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    blocked = tmp_path / "file"
    blocked.write_text("not a directory")
    monkeypatch.setenv("KPIRULES_CACHE_DIR", str(blocked / "cache"))
    _grammar.lark_parser.cache_clear()
    try:
        assert _grammar.lark_parser().parse(TEXTS[0])
    finally:
        _grammar.lark_parser.cache_clear()
    assert blocked.read_text() == "not a directory"


def test_the_default_place_is_the_users_cache_directory(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.delenv("KPIRULES_CACHE_DIR", raising=False)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    path = _grammar._cache_file("grammar")
    assert path is not None and os.path.dirname(path) == str(tmp_path / "kpirules")
    assert _grammar._cache_file("another grammar") != path  # a changed grammar never reads the old file


@pytest.mark.skipif(not hasattr(os, "getuid"), reason="file modes: POSIX")
@pytest.mark.parametrize("where", ["file", "directory"])
def test_a_file_others_could_have_written_is_not_read(cache_dir: Path, monkeypatch: pytest.MonkeyPatch,
                                                      where: str) -> None:
    _grammar.lark_parser()
    [kept] = list(cache_dir.iterdir())
    assert oct(cache_dir.stat().st_mode & 0o777) == oct(0o700)  # made the user's own
    (kept if where == "file" else cache_dir).chmod(0o666 if where == "file" else 0o777)
    _grammar.lark_parser.cache_clear()
    builds = []
    real = _grammar._build_lark
    monkeypatch.setattr(_grammar, "_build_lark", lambda: builds.append(1) or real())
    _grammar.lark_parser()  # a pickle anybody could have put there is never loaded: built instead
    assert builds == [1]


def test_the_name_changes_with_the_build_options(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("KPIRULES_CACHE_DIR", str(tmp_path))
    before = _grammar._cache_file("grammar")
    monkeypatch.setitem(_grammar._LARK_OPTIONS, "propagate_positions", False)
    assert _grammar._cache_file("grammar") != before


def test_cache_settings_as_people_write_them(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.delenv("KPIRULES_CACHE_DIR", raising=False)
    monkeypatch.setenv("HOME", str(tmp_path))
    monkeypatch.setenv("XDG_CACHE_HOME", "relative")  # ignored, as the XDG rules say
    assert os.path.dirname(_grammar._cache_file("g") or "") == str(tmp_path / ".cache" / "kpirules")
    monkeypatch.setenv("KPIRULES_CACHE_DIR", "~/kc")
    assert os.path.dirname(_grammar._cache_file("g") or "") == str(tmp_path / "kc")


@pytest.mark.skipif(not hasattr(os, "getuid"), reason="file modes: POSIX")
def test_a_directory_an_older_version_left_open_is_made_the_users_own(tmp_path: Path,
                                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    where = tmp_path / "cache"
    where.mkdir()
    where.chmod(0o775)  # made with a umask of 002 before the cache checked modes
    monkeypatch.setenv("KPIRULES_CACHE_DIR", str(where))
    builds = []
    real = _grammar._build_lark
    monkeypatch.setattr(_grammar, "_build_lark", lambda: builds.append(1) or real())
    try:
        for _ in range(3):
            _grammar.lark_parser.cache_clear()
            _grammar.lark_parser()
    finally:
        _grammar.lark_parser.cache_clear()
    assert oct(where.stat().st_mode & 0o777) == oct(0o700)
    assert builds == [1]  # built once, then read back


def test_the_lexers_regexes_are_kept_and_read_back_as_compiled(cache_dir: Path,
                                                               monkeypatch: pytest.MonkeyPatch) -> None:
    """The code of the lexer regexes a parse made is kept beside the parser; a new process's tables make
    the same regexes from it without compiling them, and parse every text as before."""
    import re

    import kpirules
    from kpirules.lang import lalr

    if _grammar.lark.__version__ not in _fast.TESTED_LARK:
        pytest.skip("the fast path does not run on this lark")
    _fast.fast_tables.cache_clear()
    first = [repr(kpirules.parse(text).ast) for text in TEXTS]
    [kept] = [p for p in cache_dir.iterdir() if p.name.startswith("lexers-")]
    assert oct(kept.stat().st_mode & 0o777) == oct(0o600)
    codes = _grammar.lexer_codes()
    assert len(codes) > 20
    for pattern, code in codes.items():  # made from its code, each regex is the one re.compile makes
        made, compiled = lalr._sre_engine.compile(pattern, *code), re.compile(pattern, code[0] & ~re.UNICODE)
        assert (made.pattern, made.flags, made.groups, made.groupindex) == \
            (compiled.pattern, compiled.flags, compiled.groups, compiled.groupindex)
        for text in TEXTS[:3]:
            for pos in range(0, len(text), 7):
                a, b = made.match(text, pos), compiled.match(text, pos)
                assert (a and (a.lastgroup, a.span())) == (b and (b.lastgroup, b.span()))
    _fast.fast_tables.cache_clear()  # a new process: the tables anew, the codes read back

    compiled_anew: list[str] = []
    real = lalr.re.compile

    def spy(pattern, *args, **kwargs):  # type: ignore[no-untyped-def]
        if pattern in codes:
            compiled_anew.append(pattern)
        return real(pattern, *args, **kwargs)

    monkeypatch.setattr(lalr.re, "compile", spy)
    again = [repr(kpirules.parse(text).ast) for text in TEXTS]
    monkeypatch.undo()
    assert again == first and compiled_anew == []
    assert _fast.fast_tables().lexers.new == {}  # (and nothing new to keep)


def test_a_damaged_lexer_file_is_no_error(cache_dir: Path) -> None:
    import kpirules

    if _grammar.lark.__version__ not in _fast.TESTED_LARK:
        pytest.skip("the fast path does not run on this lark")
    _fast.fast_tables.cache_clear()
    want = repr(kpirules.parse(TEXTS[0]).ast)
    [kept] = [p for p in cache_dir.iterdir() if p.name.startswith("lexers-")]
    for junk in (b"not a pickle", __import__("pickle").dumps({"(?P<X>a)": (0, [1, 2, 3], 0, {}, (None,))})):
        kept.write_bytes(junk)
        kept.chmod(0o600)
        _fast.fast_tables.cache_clear()
        assert repr(kpirules.parse(TEXTS[0]).ast) == want

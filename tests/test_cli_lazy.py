"""A run builds (and imports) only the subcommand it names (issue 20, item 5); `kpirules --help` and a
misspelt command still see every subcommand."""

from __future__ import annotations

from kpirules.cli import COMMANDS, build_parser


def _commands(parser) -> list[str]:  # type: ignore[no-untyped-def]
    sub = next(a for a in parser._actions if a.dest == "command")
    return list(sub.choices)


def test_one_subcommand_builds_only_its_parser() -> None:
    assert _commands(build_parser("check")) == ["check"]


def test_help_and_unknown_words_see_every_subcommand() -> None:
    assert _commands(build_parser(None)) == list(COMMANDS)
    assert _commands(build_parser("--help")) == list(COMMANDS)
    assert _commands(build_parser("chek")) == list(COMMANDS)

"""The options of ``ravensec`` itself (those before any command) and the parser class of every level.

Apart from ``parser`` so that ``ravensec`` with no command, the terminal UI, reads its options without building
the parser of every command or importing the command modules (and with them aiohttp and cryptography).
"""

from __future__ import annotations

import argparse
from typing import Any, NoReturn

from .exitcodes import USAGE
from .output import FORMATS


class ArgumentsRefused(SystemExit):
    """argparse refused the command line: raised instead of its print-and-exit so ``parse_args`` can answer
    in JSON for ``-o json``; still a SystemExit(2) to anyone calling ``build_parser().parse_args``."""

    def __init__(self, parser: argparse.ArgumentParser, message: str) -> None:
        super().__init__(USAGE)
        self.parser = parser
        self.message = message


class RefusingParser(argparse.ArgumentParser):
    # Subparsers are built with the parent's class, so every level raises rather than exits.
    def error(self, message: str) -> NoReturn:
        raise ArgumentsRefused(self, message)


def add_global_options(parser: argparse.ArgumentParser, *, suppress: bool) -> None:
    def d(value: Any) -> Any:
        return argparse.SUPPRESS if suppress else value

    g = parser.add_argument_group("global options")
    g.add_argument("--profile", metavar="NAME", default=d(None),
                   help="profile to use (default: $RAVENSEC_PROFILE, then the current profile)")
    g.add_argument("--read-only", action="store_true", default=d(False), help="refuse every change")
    g.add_argument("-o", "--output", choices=FORMATS, default=d("table"), help="output format (default: table)")
    g.add_argument("-y", "--yes", action="store_true", default=d(False),
                   help="do not ask before destructive changes (required when not on a terminal)")
    g.add_argument("--no-color", action="store_true", default=d(False), help="no colour (also NO_COLOR=1)")
    g.add_argument("-v", "--verbose", action="count", default=d(0), help="more detail; tracebacks on errors")


def add_tui_options(parser: argparse.ArgumentParser) -> None:
    tui = parser.add_argument_group("terminal UI (no command)")
    tui.add_argument("--demo", action="store_true", help="start the UI against a built-in mock cloud")
    tui.add_argument("--world", metavar="NAME|FILE", help="mock world for --demo (demo, empty or a TOML file)")
    tui.add_argument("--log-level", default="info", metavar="LEVEL", help="debug, info, warning or error")


def tui_arguments(argv: list[str]) -> argparse.Namespace | None:
    """The options of ``ravensec`` with no command, or None when ``argv`` holds anything else (a command,
    ``--help``, a mistake): the full parser answers those. Same options as its top level, so whatever this
    accepts, it would read the same way."""
    parser = RefusingParser(prog="ravensec", add_help=False)
    add_global_options(parser, suppress=False)
    add_tui_options(parser)
    try:
        return parser.parse_args(argv)
    except ArgumentsRefused:
        return None

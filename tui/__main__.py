"""``ravensec``: with no command, the terminal UI; with a command, the headless CLI (which never loads Textual)."""

from __future__ import annotations

import argparse
import sys

from ravensec.tui.cli.options import tui_arguments
from ravensec.tui.demo import ServedDemo
from ravensec.tui.safetext import visible


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    args = tui_arguments(argv)
    if args is None:
        # Imported here, deliberately: the terminal UI needs neither the parser of every command nor the
        # command modules, which bring aiohttp and cryptography (~100 ms before its first frame).
        from ravensec.tui.cli.parser import parse_args
        from ravensec.tui.cli.run import run

        args = parse_args(argv)
        if getattr(args, "handler", None) is not None:
            return run(args)
    return _run_tui(args)


def _run_tui(args: argparse.Namespace) -> int:
    # First of all, the demo's mock: its own process boots on another core while this one loads Textual.
    try:
        served = ServedDemo.spawn(args.world or "demo") if args.demo else None
    except OSError as e:
        print(f"ravensec: cannot start the demo's mock: {visible(str(e))}", file=sys.stderr)
        return 1
    try:
        # Imported here, deliberately: a subcommand never loads the TUI (or Textual).
        from ravensec.tui.launch import run_tui

        return run_tui(profile=args.profile, demo=args.demo, world=args.world, demo_process=served,
                       read_only=args.read_only, log_level=args.log_level)
    finally:
        if served is not None:  # the app stops it too; this covers a failure before the app took it
            served.stop()


if __name__ == "__main__":
    raise SystemExit(main())

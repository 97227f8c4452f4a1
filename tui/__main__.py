"""``ravensec``: with no command, the terminal UI; with a command, the headless CLI (which never loads Textual)."""

from __future__ import annotations

import sys

from ravensec.tui.cli.parser import parse_args
from ravensec.tui.cli.run import run


def main(argv: list[str] | None = None) -> int:
    args = parse_args(sys.argv[1:] if argv is None else argv)
    if getattr(args, "handler", None) is None:
        # Imported here, deliberately: a subcommand never loads the TUI (or Textual).
        from ravensec.tui.launch import run_tui

        return run_tui(profile=args.profile, demo=args.demo, world=args.world,
                       read_only=args.read_only, log_level=args.log_level)
    return run(args)


if __name__ == "__main__":
    raise SystemExit(main())

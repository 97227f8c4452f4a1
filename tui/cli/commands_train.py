"""``ravensec train``: the CLI's door to training mode (everything else lives in ``ravensec.tui.training``)."""

from __future__ import annotations

import argparse
from pathlib import Path

from ravensec.core.errors import UsageError

from .context import Context


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("scenario", nargs="?", metavar="NAME", help="scenario to run (none: list them)")
    p.add_argument("--reset", action="store_true", help="start the scenario over (hints, answers, completion)")
    p.add_argument("--check", action="store_true", help="check NAME's goals against a running ravensec-mock")
    p.add_argument("--state-dir", metavar="DIR", help="with --check: the --state-dir of `ravensec-mock serve`")
    p.add_argument("--print-world", action="store_true",
                   help="print NAME's world as a world file (for `ravensec-mock serve --world FILE`)")


def train(ctx: Context) -> int:
    """Exit 0 ok / all goals met, 1 goals not met, 2 usage or a broken scenario; errors reach the runner, which
    reports them in the format asked for (``-o json`` too)."""
    # Imported here, deliberately: training runs on the embedded mock, which no other command loads.
    from ravensec.tui.training.launch import (
        check_report,
        check_text,
        list_text,
        run_training,
        scenario_rows,
        world_toml,
    )

    args, out = ctx.args, ctx.out
    name: str | None = args.scenario
    if args.check:
        if not name or not args.state_dir:
            raise UsageError("--check needs a scenario name and --state-dir DIR.")
        report = check_report(name, Path(args.state_dir))
        out.result(report, text=check_text(report))
        return 0 if report["ok"] else 1
    if args.print_world:
        if not name:
            raise UsageError("--print-world needs a scenario name.")
        world = world_toml(name)
        out.result({"scenario": name, "world": world}, text=world)
        return 0
    if not name:
        rows = scenario_rows()
        out.result(rows, text=list_text(rows))
        return 0
    if out.machine:
        raise UsageError(f"Training runs in the terminal UI; -o {out.fmt} cannot show it.",
                         hint="Drop -o, or use --check or --print-world for output a script can read.")
    return run_training(name, reset=bool(args.reset))

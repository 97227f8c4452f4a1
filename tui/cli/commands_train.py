"""``ravensec train``: the CLI's door to training mode (everything else lives in ``ravensec.tui.training``)."""

from __future__ import annotations

import argparse

from .context import Context


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("scenario", nargs="?", metavar="NAME", help="scenario to run (none: list them)")
    p.add_argument("--reset", action="store_true", help="start the scenario over (hints, answers, completion)")
    p.add_argument("--check", action="store_true", help="check NAME's goals against a running ravensec-mock")
    p.add_argument("--state-dir", metavar="DIR", help="with --check: the --state-dir of `ravensec-mock serve`")
    p.add_argument("--print-world", action="store_true",
                   help="print NAME's world as a world file (for `ravensec-mock serve --world FILE`)")


def train(ctx: Context) -> int:
    # Imported here, deliberately: training runs on the embedded mock, which no other command loads.
    from ravensec.tui.training.launch import main_train

    return main_train(ctx.args, ctx.out)

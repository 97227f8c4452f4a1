"""``ravensec train``: list the scenarios, run one in the TUI against its embedded mock, check one against a
running ``ravensec-mock serve`` (``--check``), or print a scenario's world (``--print-world``)."""

from __future__ import annotations

import argparse
import asyncio
import sys
from pathlib import Path

from ravensec.core.errors import RavensecError, UsageError
from ravensec.core.http.mock_ext import fetch_mock_state
from ravensec.mock import MockCloud
from ravensec.mock.training import list_scenarios, load_scenario
from ravensec.tui.demo import Demo
from ravensec.tui.training.handouts import materialize
from ravensec.tui.training.progress import load_progress, reset_progress


def run_training(name: str, reset: bool = False) -> int:
    """Start the scenario's mock, open the TUI with the task panel; the app's exit code."""
    # Imported here, deliberately: listing, --check and --print-world run headless, without Textual.
    from ravensec.tui.training.app import TrainingApp

    scenario = load_scenario(name)
    progress = reset_progress(scenario.name) if reset else load_progress(scenario.name)
    cloud: MockCloud = scenario.make_cloud()
    cloud.__enter__()
    try:
        handouts = materialize(scenario, cloud)
        app = TrainingApp(scenario, cloud, progress, handouts)
        app.demo_handle = Demo(cloud=cloud, profile=app.training_profile)
    except BaseException:
        cloud.__exit__(None, None, None)
        raise
    app.run()  # the app stops the mock on the way out (demo_handle)
    if app.fatal:
        print(app.fatal, file=sys.stderr)
    return app.return_code or 0


def list_text() -> str:
    rows = []
    for s in list_scenarios():
        p = load_progress(s.name)
        state = "done" if p.completed else ("started" if p.runs else "")
        rows.append(f"  {s.name:<22} {s.title:<26} {state}")
    return "Training scenarios (ravensec train NAME):\n" + "\n".join(rows)


def check_text(name: str, state_dir: Path) -> tuple[str, bool]:
    """Judge scenario ``name`` against the mock serving ``state_dir``: the report and whether all goals are met.

    core fetches the mock's state (the network), the scenario judges it (pure): nothing here opens a socket.
    """
    scenario = load_scenario(name)
    snap = asyncio.run(fetch_mock_state(state_dir))
    results = scenario.judge(snap, load_progress(scenario.name).answers)
    lines = [f"{scenario.title} ({scenario.name}) against {state_dir}:"]
    for r in results:
        lines.append(f"  [{'x' if r.met else ' '}] {r.goal.text}" + ("" if r.met or not r.detail else f" -- {r.detail}"))
    ok = all(r.met for r in results)
    lines.append("All goals met." if ok else f"{sum(r.met for r in results)}/{len(results)} goals met.")
    return "\n".join(lines), ok


def main_train(args: argparse.Namespace) -> int:
    """The ``train`` subcommand: exit 0 ok / all goals met, 1 goals not met, 2 usage or a broken scenario."""
    try:
        name: str | None = args.scenario
        if args.check:
            if not name or not args.state_dir:
                raise UsageError("--check needs a scenario name and --state-dir DIR.")
            text, ok = check_text(name, Path(args.state_dir))
            print(text)
            return 0 if ok else 1
        if args.print_world:
            if not name:
                raise UsageError("--print-world needs a scenario name.")

            sys.stdout.write(load_scenario(name).world_toml())
            return 0
        if not name:
            print(list_text())
            return 0
        return run_training(name, reset=bool(args.reset))
    except RavensecError as e:
        print(f"ravensec: {e}", file=sys.stderr)
        return e.exit_code


"""``ravensec train``: list the scenarios, run one in the TUI against its embedded mock, check one against a
running ``ravensec-mock serve`` (``--check``), or print a scenario's world (``--print-world``)."""

from __future__ import annotations

import asyncio
import sys
from pathlib import Path
from typing import Any

from ravensec.core.http.mock_ext import fetch_mock_state
from ravensec.core.words import plural
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
        app.demo_handle = Demo(cloud=cloud, profile=app.training_profile, offers_backup_keys=False)
    except BaseException:
        cloud.__exit__(None, None, None)
        raise
    app.run()  # the app stops the mock on the way out (demo_handle)
    if app.fatal:
        print(app.fatal, file=sys.stderr)
    return app.return_code or 0


def scenario_rows() -> list[dict[str, Any]]:
    """The scenarios with the trainee's progress: ``name``, ``title``, ``state`` (done, started or null)."""
    rows: list[dict[str, Any]] = []
    for s in list_scenarios():
        p = load_progress(s.name)
        rows.append({"name": s.name, "title": s.title, "state": "done" if p.completed else ("started" if p.runs else None)})
    return rows


def list_text(rows: list[dict[str, Any]]) -> str:
    lines = [f"  {r['name']:<22} {r['title']:<26} {r['state'] or ''}".rstrip() for r in rows]
    return "Training scenarios (ravensec train NAME):\n" + "\n".join(lines)


def check_report(name: str, state_dir: Path) -> dict[str, Any]:
    """Judge scenario ``name`` against the mock serving ``state_dir``: each goal, met or not, and ``ok``.

    core fetches the mock's state (the network), the scenario judges it (pure): nothing here opens a socket.
    """
    scenario = load_scenario(name)
    snap = asyncio.run(fetch_mock_state(state_dir))
    results = scenario.judge(snap, load_progress(scenario.name).answers)
    goals = [{"goal": r.goal.text, "met": r.met, "detail": r.detail or None} for r in results]
    return {"scenario": scenario.name, "title": scenario.title, "stateDir": str(state_dir),
            "ok": all(r.met for r in results), "met": sum(r.met for r in results), "goals": goals}


def check_text(report: dict[str, Any]) -> str:
    lines = [f"{report['title']} ({report['scenario']}) against {report['stateDir']}:"]
    for g in report["goals"]:
        lines.append(f"  [{'x' if g['met'] else ' '}] {g['goal']}"
                     + ("" if g["met"] or not g["detail"] else f" -- {g['detail']}"))
    total = len(report["goals"])
    lines.append("All goals met." if report["ok"] else f"{report['met']} of {plural(total, 'goal')} met.")
    return "\n".join(lines)


def world_toml(name: str) -> str:
    """Scenario ``name``'s world as a world file (for ``ravensec-mock serve --world FILE``)."""
    return load_scenario(name).world_toml()

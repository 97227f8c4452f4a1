"""Running a scenario's TrainingApp under Pilot against its real mock (in this loop, over real TLS)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from textual.widgets import Static

from ravensec.mock.training import load_scenario
from ravensec.tui.training.app import TrainingApp
from ravensec.tui.training.handouts import materialize
from ravensec.tui.training.panel import TaskPanel
from ravensec.tui.training.progress import load_progress
from ravensec.tui.widgets.grid import Grid
from tests.tui.helpers import settle, wait_until


@asynccontextmanager
async def training(name: str, size: tuple[int, int] = (160, 45)) -> AsyncIterator[tuple[Any, TrainingApp, Any]]:
    sc = load_scenario(name)
    async with sc.make_cloud() as cloud:
        app = TrainingApp(sc, cloud, load_progress(name), materialize(sc, cloud))
        async with app.run_test(size=size) as pilot:
            await settle(pilot)
            yield pilot, app, cloud


def panel_text(app: TrainingApp) -> str:
    panel = app.screen.query_one(TaskPanel)
    return "\n".join(str(w.render()) for w in panel.query(Static))


async def wait_judged(pilot: Any, app: TrainingApp, *, all_met: bool = True) -> None:
    """Let the panel's poll (every 0.5 s) see the state; fail with the panel's text if it never does."""
    try:
        await wait_until(pilot, lambda: bool(app.results) and all(r.met for r in app.results) == all_met,
                         f"the goals judged {'met' if all_met else 'unmet'}")
    except AssertionError:
        raise AssertionError(panel_text(app)) from None


def select(grid: Grid, key: str) -> None:
    grid.move_cursor(row=[r.key for r in grid.shown_rows].index(key))


def cert_key(screen: Any, name: str) -> str:
    return next(tp for tp, c in screen.certs.items() if c.name == name)


async def wait_for_text(pilot: Any, app: TrainingApp, text: str) -> None:
    """Until the panel shows ``text`` (the poll runs every 0.5 s; a loaded machine may be slower)."""
    try:
        await wait_until(pilot, lambda: text in panel_text(app), f"the panel to show {text!r}")
    except AssertionError:
        raise AssertionError(panel_text(app)) from None

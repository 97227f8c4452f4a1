"""The task panel: an SVG snapshot (fixed inputs, no mock) and its plain rendering functions.
Update the snapshot with: .venv/bin/pytest tests/training/test_panel.py --snapshot-update"""

from __future__ import annotations

from typing import Any

from textual.app import App, ComposeResult

from ravensec.mock.training import evaluate, load_scenario
from ravensec.mock.training.goals import Context
from ravensec.tui.training.panel import TaskPanel, render_debrief, render_goals, render_hints
from ravensec.tui.training.progress import Progress


def leaked_snapshot(*, revoked: bool) -> dict[str, Any]:
    certs = [{"name": "orders-service", "thumbprint": "B" * 40, "clearance": "ValidUser",
              "permissions": {"Orders": "ReadWrite"}, "not_after": "2031-01-01T00:00:00+00:00",
              "disabled": False, "generated_by_server": False},
             {"name": "shop.acme.client.certificate", "thumbprint": "0" * 40, "clearance": "Operator",
              "permissions": {}, "not_after": "2031-01-01T00:00:00+00:00", "disabled": False,
              "generated_by_server": False}]
    if not revoked:
        certs.append({"name": "ci-runner", "thumbprint": "A" * 40, "clearance": "ValidUser",
                      "permissions": {"Orders": "ReadWrite"}, "not_after": "2031-01-01T00:00:00+00:00",
                      "disabled": False, "generated_by_server": False})
    return {"now": "2030-01-01T00:00:00+00:00", "world": "leaked-certificate", "requests": [],
            "originals": {"ci-runner": ["A" * 40], "orders-service": ["B" * 40]},
            "products": [{"id": "p1", "name": "Shop", "tier": "Development", "nodes": ["A"], "operator": "0" * 40,
                          "allowed_ips": [], "certificates": certs, "backups": []}]}


class PanelApp(App[None]):
    def __init__(self, revoked: bool, hints: int) -> None:
        super().__init__()
        self.sc = load_scenario("leaked-certificate")
        self.results = evaluate(list(self.sc.goals), leaked_snapshot(revoked=revoked), Context("Shop"))
        self.progress = Progress("leaked-certificate", hints_shown=hints)

    def compose(self) -> ComposeResult:
        panel = TaskPanel(self.sc, [("the key file", "/tmp/example.pem")])
        panel.show(self.results, self.progress)
        yield panel


def test_panel_snapshot_in_progress(snap_compare: Any) -> None:
    assert snap_compare(PanelApp(revoked=False, hints=1), terminal_size=(104, 40))


def test_panel_snapshot_done(snap_compare: Any) -> None:
    assert snap_compare(PanelApp(revoked=True, hints=0), terminal_size=(104, 40))


def test_rendering() -> None:
    sc = load_scenario("leaked-certificate")
    open_ = evaluate(list(sc.goals), leaked_snapshot(revoked=False), Context("Shop"))
    done = evaluate(list(sc.goals), leaked_snapshot(revoked=True), Context("Shop"))
    assert "Goals[/] 2/3" in render_goals(open_) and "still registered" in render_goals(open_)
    assert "Goals[/] 3/3" in render_goals(done)
    assert render_debrief(sc, open_, Progress("x")) == ""
    assert "Done[/] (1 hint)" in render_debrief(sc, done, Progress("x", hints_shown=1))
    text = render_hints(sc, Progress("x", hints_shown=2))
    assert "2/3 used" in text and sc.hints[1] in text and sc.hints[2] not in text


async def test_show_at_any_point_of_the_panels_life() -> None:
    """The app pushes state on its own clock: before the panel is composed, while it is mounted, and while
    (or after) its screen is being removed. None of these may fail."""
    from textual.widgets import Static

    state = PanelApp(revoked=False, hints=1)
    app: App[None] = App()
    async with app.run_test(size=(104, 40)) as pilot:
        panel = TaskPanel(state.sc, [])
        panel.show(state.results, state.progress)  # not mounted: nothing composed yet
        await app.screen.mount(panel)
        await pilot.pause()
        text = "\n".join(str(w.render()) for w in panel.query(Static))
        assert "Goals 2/3" in text and "1/3 used" in text
        removing = panel.remove()
        panel.show(state.results, state.progress)  # mid-removal
        await removing
        panel.show(state.results, Progress("leaked-certificate", hints_shown=2))  # gone
        assert "2/3 used" in str(panel._hints.render())

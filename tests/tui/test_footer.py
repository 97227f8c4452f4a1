"""KeysFooter: dims and undims keys in place when only their state changes; rebuilds when the keys change."""

from __future__ import annotations

from textual.app import App, ComposeResult
from textual.binding import Binding
from textual.widgets._footer import FooterKey

from ravensec.tui.widgets.footer import KeysFooter


class Toggling(App[None]):
    BINDINGS = [Binding("a", "alpha", "Alpha", id="t.alpha"), Binding("b", "beta", "Beta", id="t.beta")]

    def __init__(self) -> None:
        super().__init__()
        self.alpha_on = False
        self.show_beta = True

    def compose(self) -> ComposeResult:
        yield KeysFooter()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "alpha":
            return True if self.alpha_on else None  # None: shown dimmed
        if action == "beta":
            return self.show_beta or False  # False: hidden
        return True

    def action_alpha(self) -> None:
        self.presses = getattr(self, "presses", 0) + 1


def keys(app: App[None]) -> dict[str, FooterKey]:
    return {k.action: k for k in app.query(FooterKey)}


async def test_enabled_changes_are_made_in_place_and_clicks_follow_them() -> None:
    app = Toggling()
    async with app.run_test() as pilot:
        await pilot.pause()
        before = keys(app)
        assert before["alpha"].has_class("-disabled") and "beta" in before
        app.alpha_on = True
        app.refresh_bindings()
        await pilot.pause()
        await pilot.pause()
        after = keys(app)
        assert after["alpha"] is before["alpha"], "an enabled flip must not rebuild the footer"
        assert not after["alpha"].has_class("-disabled")
        await pilot.click(after["alpha"])
        assert getattr(app, "presses", 0) == 1  # the undimmed key works with the mouse


async def test_a_key_coming_or_going_rebuilds_the_footer() -> None:
    app = Toggling()
    async with app.run_test() as pilot:
        await pilot.pause()
        before = keys(app)
        app.show_beta = False
        app.refresh_bindings()
        await pilot.pause()
        await pilot.pause()
        after = keys(app)
        assert "beta" not in after and after["alpha"] is not before["alpha"]

"""Before generating on a burstable server: what it costs in CPU credits and time, with "generate here and
register" (off-cloud: the key never leaves this machine, no credits) as the default."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.widgets import Button, Label, Static

from ravensec.tui.modals.base import BaseModal


class CreditsAdviceModal(BaseModal):
    """Dismisses with ``"local"`` (generate here and register), ``"server"`` or None (cancelled)."""

    AUTO_FOCUS = "#local"  # Enter takes the advice
    BINDINGS = [
        Binding("escape", "cancel", "Cancel", id="modal.cancel"),
        Binding("l", "local", "Generate here", id="credits.local"),
        Binding("s", "server", "On the server", id="credits.server"),
    ]

    def __init__(self, lines: list[str]) -> None:
        super().__init__()
        self._lines = lines

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog wide"):
            yield Label("This instance runs on CPU credits", classes="dialog-title")
            yield Static("\n\n".join(self._lines), id="credits-body")
            with Horizontal(classes="buttons"):
                yield Button("Generate here and register", id="local", variant="primary")
                yield Button("On the server anyway", id="server")
                yield Button("Cancel", id="cancel")

    def on_button_pressed(self, event: Button.Pressed) -> None:
        self.dismiss(None if event.button.id == "cancel" else event.button.id)

    def action_local(self) -> None:
        self.dismiss("local")

    def action_server(self) -> None:
        self.dismiss("server")

    def action_cancel(self) -> None:
        self.dismiss(None)

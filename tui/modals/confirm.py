"""A yes/no confirmation that names exactly what goes."""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.widgets import Button, Label, Static

from ravensec.tui.modals.base import BaseModal
from ravensec.tui.widgets.format import safe_text


class ConfirmModal(BaseModal):
    """Dismisses with True (confirmed) or False."""

    AUTO_FOCUS = "#no"  # a stray Enter cancels; confirming takes `y` or a click
    BINDINGS = [
        Binding("escape", "cancel", "Cancel", id="modal.cancel"),
        Binding("y", "confirm", "Yes", id="modal.confirm"),
    ]

    def __init__(self, title: str, lines: list[str], *, confirm_label: str = "Delete", danger: bool = True) -> None:
        super().__init__()
        self._title = title
        self._lines = lines
        self._confirm_label = confirm_label
        self._danger = danger

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog"):
            yield Label(safe_text(self._title), classes="dialog-title")
            # The lines name certificates and products: each one a line of data, never markup.
            yield Static(Text("\n").join(safe_text(line) for line in self._lines), id="confirm-body")
            with Horizontal(classes="buttons"):
                yield Button(self._confirm_label, id="yes", variant="error" if self._danger else "primary")
                yield Button("Cancel", id="no")

    def on_button_pressed(self, event: Button.Pressed) -> None:
        self.dismiss(event.button.id == "yes")

    def action_confirm(self) -> None:
        self.dismiss(True)

    def action_cancel(self) -> None:
        self.dismiss(False)

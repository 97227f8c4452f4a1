"""Modals that only show text: error details, help generated from bindings, results of an action."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical, VerticalScroll
from textual.widgets import Button, Label, Static

from ravensec.tui.modals.base import BaseModal
from ravensec.tui.widgets.format import safe_text


class InfoModal(BaseModal):
    BINDINGS = [Binding("escape", "close", "Close", id="modal.close")]

    def __init__(self, title: str, body: str, *, modal_id: str = "info") -> None:
        super().__init__(id=modal_id)
        self._title = title
        self._body = body

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog wide"):
            yield Label(safe_text(self._title), classes="dialog-title")
            with VerticalScroll(classes="dialog-body"):
                # File names from a package, an error's text from a server: data, shown with its line breaks.
                yield Static(safe_text(self._body, multiline=True), id="info-body")
            yield Button("Close", id="close", variant="primary")

    def on_button_pressed(self, event: Button.Pressed) -> None:
        self.dismiss(None)

    def action_close(self) -> None:
        self.dismiss(None)


def error_details(error: BaseException, where: str) -> str:
    """The long form of an error for the details modal: type, message, hint and wire facts; no secrets."""
    lines = [f"While: {where or 'working'}", f"Error: {type(error).__name__}", "", str(error)]
    for attr in ("status", "server_type", "server_message", "url", "portal_url"):
        value = getattr(error, attr, None)
        if value:
            lines.append(f"{attr}: {value}")
    cause = error.__cause__ or error.__context__
    if cause is not None:
        lines += ["", f"Caused by {type(cause).__name__}: {cause}"]
    return "\n".join(lines)


def help_text(rows: list[tuple[str, str, str, str | None]]) -> str:
    """rows: (key, description, binding id, refusal reason or None)."""
    width = max((len(k) for k, *_ in rows), default=4)
    out = []
    for key, desc, bid, reason in rows:
        line = f"{key:<{width}}  {desc}"
        if bid:
            line += f"  [{bid}]"
        if reason:
            line += f"\n{'':<{width}}    disabled: {reason}"
        out.append(line)
    out += ["", "Keys can be changed in the config's [keymap] table: binding id = \"keys\"."]
    return "\n".join(out)

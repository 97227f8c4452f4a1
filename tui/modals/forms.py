"""Small single-purpose forms: choose a folder, verify a backup key. Each keeps its values on failure."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.widgets import Button, Input, Label, Select, Static

from ravensec.core.errors import ValidationError
from ravensec.tui.modals.base import BaseModal
from ravensec.tui.widgets.format import safe_text


class KeepOpen(Exception):  # a signal, not an error: nothing failed
    """Raised by ``submit`` to keep the form open with a message (e.g. the plan was not confirmed)."""


class FormModal(BaseModal):
    """Base of every form: Save runs ``submit`` in a worker; success dismisses, failure stays open."""

    AUTO_FOCUS = "Input"  # not the scroll container: typing must land in the first field
    BINDINGS = [Binding("escape", "cancel", "Cancel", id="modal.cancel")]
    title_text = "Form"
    save_label = "Save"

    def body(self) -> ComposeResult:
        yield from ()

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog"):
            yield Label(safe_text(self.title_text), classes="dialog-title")
            with VerticalScroll(classes="dialog-fields"):
                yield from self.body()
            yield Static("", id="form-error", classes="form-error")
            with Horizontal(classes="buttons"):
                yield Button(self.save_label, id="save", variant="primary")
                yield Button("Cancel", id="cancel")

    def on_mount(self) -> None:
        # Borderless fields keep a six-field form inside a 24-line terminal.
        for widget in (*self.query(Input), *self.query(Select)):
            widget.compact = True
        # Focusing the first field scrolls it into view; keep its label visible too.
        fields = self.query_one(".dialog-fields", VerticalScroll)
        self.call_after_refresh(fields.scroll_home, animate=False)

    def show_error(self, text: str) -> None:
        # A server's refusal quotes names back: data, never markup.
        self.query_one("#form-error", Static).update(safe_text(text, multiline=True))

    async def submit(self) -> Any:
        """Validate and perform; raise a core error to keep the dialog open. Returns the dismiss value."""
        raise NotImplementedError

    def run_submit(self) -> None:
        # Named after the form ("Verify a backup"), so a failure's toast says which action failed.
        self.run_worker(self._submit_and_dismiss(), exclusive=True, exit_on_error=False, name=self.title_text)

    async def _submit_and_dismiss(self) -> None:
        button = self.query_one("#save", Button)
        button.disabled = True
        try:
            result = await self.submit()
        except KeepOpen as e:
            self.show_error(str(e))
            return
        except BaseException as e:
            self.show_error(str(e))
            raise
        finally:
            button.disabled = False
        self.dismiss(result)

    def on_button_pressed(self, event: Button.Pressed) -> None:
        if event.button.id == "save":
            self.run_submit()
        elif event.button.id == "cancel":
            self.dismiss(None)

    def on_input_submitted(self, event: Input.Submitted) -> None:
        self.run_submit()

    def action_cancel(self) -> None:
        self.dismiss(None)

    def value(self, widget_id: str) -> str:
        return self.query_one(f"#{widget_id}", Input).value.strip()


class FolderModal(FormModal):
    """Ask for a folder, then run ``action(folder)``; dismisses with its result."""

    def __init__(self, title: str, default: Path, action: Callable[[Path], Awaitable[Any]], *, save_label: str = "Save") -> None:
        super().__init__()
        self.title_text = title
        self.save_label = save_label
        self._default = default
        self._action = action

    def body(self) -> ComposeResult:
        yield Label("Folder (created if missing)")
        yield Input(str(self._default), id="folder")

    async def submit(self) -> Any:
        text = self.value("folder")
        if not text:
            raise ValidationError("Folder is empty.", hint="Type where the files should go.")
        return await self._action(Path(text).expanduser())

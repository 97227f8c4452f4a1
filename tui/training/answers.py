"""A modal asking a scenario's questions (``answer`` goals); dismisses with {id: text} of what was typed."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Input, Label

from ravensec.mock.training.goals import Goal
from ravensec.tui.widgets.format import safe_text


class AnswerModal(ModalScreen[dict[str, str] | None]):
    BINDINGS = [Binding("escape", "cancel", "Cancel")]
    DEFAULT_CSS = """
    AnswerModal { align: center middle; }
    AnswerModal > Vertical { width: 80; height: auto; border: thick $accent; padding: 1 2; background: $surface; }
    """

    def __init__(self, goals: list[Goal], answers: dict[str, str]) -> None:
        super().__init__(id="answer-form")
        self.goals = goals
        self.answers = answers

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Label("[b]Answers[/] (enter to save)")
            for g in self.goals:
                yield Label(safe_text(g.get("question")))
                yield Input(self.answers.get(g.get("id"), ""), id=f"answer-{g.get('id')}")
            yield Button("Save", id="save", variant="primary")

    def _collect(self) -> dict[str, str]:
        return {g.get("id"): self.query_one(f"#answer-{g.get('id')}", Input).value.strip() for g in self.goals}

    def on_input_submitted(self) -> None:
        self.dismiss(self._collect())

    def on_button_pressed(self, event: Button.Pressed) -> None:
        self.dismiss(self._collect())

    def action_cancel(self) -> None:
        self.dismiss(None)

"""The confirmation of a change: core's plan (summary, each effect with its severity) and the consents it needs.

Severity is styled and also written as a word ("warning:", "danger:"), so the plan reads the same with
NO_COLOR. Losing your own access needs more than a keystroke: the product's name, or "lock me out", typed.
"""

from __future__ import annotations

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.widgets import Button, Input, Label, Static

from ravensec.core.plan import ChangePlan, Consent, Severity
from ravensec.tui.modals.base import BaseModal

STYLE = {Severity.INFO: "", Severity.WARNING: "yellow", Severity.DANGER: "bold red"}
LOCKOUT_PHRASE = "lock me out"


def plan_text(plan: ChangePlan) -> Text:
    text = Text(plan.summary[:1].upper() + plan.summary[1:], style="bold")
    for e in plan.effects:
        text.append("\n")
        text.append(f"  {e.line()}", style=STYLE[e.severity])
    return text


class PlanModal(BaseModal):
    """Dismisses with the consents given (all the plan asks for), or None when cancelled."""

    AUTO_FOCUS = None  # on_mount chooses
    BINDINGS = [
        Binding("escape", "cancel", "Cancel", id="modal.cancel"),
        Binding("y", "confirm", "Yes", id="modal.confirm"),
    ]

    def __init__(self, title: str, plan: ChangePlan, *, product_name: str) -> None:
        super().__init__(id="plan-modal")
        self.plan = plan
        self._title = title
        self.product_name = product_name
        self.typed = Consent.LOCKOUT in plan.consents

    def compose(self) -> ComposeResult:
        plan = self.plan
        label = "Replace" if Consent.REPLACE in plan.consents else "Apply"
        danger = plan.severity is not Severity.INFO
        with Vertical(classes="dialog"):
            yield Label(self._title, classes="dialog-title")
            with VerticalScroll(classes="dialog-fields"):
                yield Static(plan_text(plan), id="plan-body")
            if self.typed:
                yield Label(f"This locks you out. Type {self.product_name!r} or {LOCKOUT_PHRASE!r} to go on:")
                yield Input("", id="typed", placeholder=LOCKOUT_PHRASE)
            with Horizontal(classes="buttons"):
                yield Button(label, id="yes", variant="error" if danger else "primary", disabled=self.typed)
                yield Button("Cancel", id="no")

    def on_mount(self) -> None:
        # A stray Enter cancels; a lockout starts in the box where the phrase is typed.
        self.query_one("#typed" if self.typed else "#no").focus()

    def matches(self, text: str) -> bool:
        typed = " ".join(text.split()).casefold()
        return typed in (self.product_name.casefold(), LOCKOUT_PHRASE)

    @on(Input.Changed, "#typed")
    def _typed(self, event: Input.Changed) -> None:
        self.query_one("#yes", Button).disabled = not self.matches(event.value)

    @on(Input.Submitted, "#typed")
    def _submitted(self) -> None:
        self.action_confirm()

    def on_button_pressed(self, event: Button.Pressed) -> None:
        if event.button.id == "yes":
            self.action_confirm()
        else:
            self.dismiss(None)

    def action_confirm(self) -> None:
        if self.typed and not self.matches(self.query_one("#typed", Input).value):
            self.notify(f"Type {self.product_name!r} or {LOCKOUT_PHRASE!r} first.", severity="warning")
            return
        self.dismiss(self.plan.consents)

    def action_cancel(self) -> None:
        self.dismiss(None)


def needs_asking(plan: ChangePlan) -> bool:
    """Whether a form's own button is not confirmation enough: the plan costs something or needs consent."""
    return bool(plan.consents) or plan.severity is not Severity.INFO

"""The IP rule editor (inline validation through ravensec.core.iprules) and the diff shown before saving."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.widgets import Input, Label

from ravensec.core.errors import RavensecError, ValidationError
from ravensec.core.iprules import parse_rule
from ravensec.core.models import IpRule
from ravensec.tui.modals.forms import FormModal


def _parse(text: str, alias: str) -> IpRule:
    return parse_rule(text, alias)


class IpRuleModal(FormModal):
    """Dismisses with the new IpRule (or None); refuses a CIDR already in ``others``."""

    def __init__(self, rule: IpRule | None, others: list[IpRule], *, prefill: str = "", alias: str = "") -> None:
        super().__init__(id="ip-rule-form")
        self.title_text = "Edit IP rule" if rule else "Add IP rule"
        self._rule = rule
        self._others = others
        self._prefill = rule.cidr if rule else prefill
        self._alias = rule.alias if rule else alias

    def body(self) -> ComposeResult:
        yield Label("Address or CIDR range (e.g. 203.0.113.7 or 203.0.113.0/24)")
        yield Input(self._prefill, id="cidr")
        yield Label("Alias")
        yield Input(self._alias, id="alias", placeholder="office, home, ci…")

    def on_input_changed(self, event: Input.Changed) -> None:
        if event.input.id != "cidr":
            return
        try:
            self._check(event.value.strip(), "")
            self.show_error("")
        except RavensecError as e:
            self.show_error(str(e) if event.value.strip() else "")

    def _check(self, text: str, alias: str) -> IpRule:
        if not text:
            raise ValidationError("Address is empty.", hint="Type an IP address or a CIDR range.")
        rule = _parse(text, alias)
        for other in self._others:
            if other.network == rule.network:
                raise ValidationError(f"{rule.cidr} is already in the list ({other.alias or 'no alias'}).")
        return rule

    async def submit(self) -> IpRule:
        return self._check(self.value("cidr"), self.value("alias"))

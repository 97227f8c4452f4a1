"""IP allow-list of one product: edit a working copy, validate it, show the diff, then save."""

from __future__ import annotations

import asyncio
from collections.abc import Callable

from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.widgets import Static

from ravensec.core import planning
from ravensec.core.iprules import diff_rules, rule_warnings, validate_rules
from ravensec.core.models import IpRule, Product
from ravensec.core.plan import ChangePlan, Consent
from ravensec.tui.messages import DataChanged
from ravensec.tui.modals.confirm import ConfirmModal
from ravensec.tui.modals.iprule import IpRuleModal
from ravensec.tui.modals.plan import PlanModal
from ravensec.tui.screens.base import BaseScreen
from ravensec.tui.widgets.badge import HeaderBadge
from ravensec.tui.widgets.footer import KeysFooter
from ravensec.tui.widgets.format import safe_text
from ravensec.tui.widgets.grid import Column, Grid, GridRow

# The note (the allow-all warning) is cut to the width rather than dropped.
COLUMNS = (Column("Address", 0, min_width=18), Column("Alias", 1, min_width=12), Column("Note", 2, min_width=16))
ALLOW_ALL_WARNING = "Allow all: any address on the internet can reach the nodes (a certificate is still needed)"


def rule_rows(rules: list[IpRule]) -> list[GridRow]:
    rows = []
    for i, r in enumerate(rules):
        if r.allows_all:
            rows.append(GridRow(str(i), (Text(r.cidr, style="bold red"), r.alias, Text("⚠ " + ALLOW_ALL_WARNING, style="red")), pinned=True))
        else:
            rows.append(GridRow(str(i), (r.cidr, r.alias, "")))
    return rows


class IpRulesScreen(BaseScreen):
    AUTO_FOCUS = "#rules"
    BINDINGS = [
        Binding("escape", "back", "Back", id="ip.back"),
        Binding("a", "add_rule", "Add", id="ip.add"),
        Binding("m", "add_my_ip", "Add my IP", id="ip.add_my_ip"),
        Binding("e", "edit_rule", "Edit", id="ip.edit"),
        Binding("x,delete", "remove_rule", "Remove", id="ip.remove"),
        Binding("ctrl+s", "save_rules", "Save", id="ip.save"),
        Binding("r", "reload", "Reload", id="ip.reload"),
    ]

    def __init__(self, product: Product, *, select: str | None = None) -> None:
        """``select``: a CIDR to put the cursor on once the rules are shown (a posture review's fix)."""
        super().__init__(id="iprules-screen")
        self.product = product
        self._pending_select = select
        self.saved: list[IpRule] = list(product.allowed_ips)
        self.working: list[IpRule] = list(product.allowed_ips)
        self.loaded = False
        self.saving = False

    def compose(self) -> ComposeResult:
        yield HeaderBadge()
        yield Static(safe_text(f"IP allow-list of {self.product.display_name}"), classes="screen-title")
        yield Static("", id="notice", classes="notice")
        yield Grid(COLUMNS, id="rules")
        yield Static("", id="problems", classes="reason")
        yield KeysFooter()

    @property
    def supported(self) -> bool:
        return self.ws.capabilities.edit_ip_rules

    def on_mount(self) -> None:
        self.rapp.refresh_badge()
        if not self.supported:
            url = self.ws.capabilities.portal_url
            self.query_one("#notice", Static).update(safe_text(
                "This account's API cannot change the IP allow-list. Edit it in the portal: "
                f"{url} → Products → {self.product.display_name} → Security. Shown read-only below."
            ))
            self._show()
        else:
            self.load()

    @work(exclusive=True, group="ip", exit_on_error=False, name="load IP rules")
    async def load(self, announce: bool = False) -> None:
        grid = self.query_one(Grid)
        grid.loading = True
        try:
            rules = await self.ws.get_ip_rules(self.product.id)
        finally:
            grid.loading = False
        self.saved, self.working, self.loaded = list(rules), list(rules), True
        self._show()
        if announce:
            self.announce_refresh(f"{len(rules)} IP rules")

    @property
    def dirty(self) -> bool:
        return [(r.cidr, r.alias) for r in self.working] != [(r.cidr, r.alias) for r in self.saved]

    def problems(self) -> list[str]:
        return validate_rules(self.working, provider=self.product.cloud_provider)

    def _show(self) -> None:
        self.query_one(Grid).set_rows(rule_rows(self.working))
        select, self._pending_select = self._pending_select, None
        cidrs = [r.cidr for r in self.working]
        if select in cidrs:
            grid = self.query_one(Grid)
            keys = [r.key for r in grid.shown_rows]
            grid.move_cursor(row=keys.index(str(cidrs.index(select))))

        lines = self.problems() if self.supported else []
        lines += [f"⚠ {w}" for w in rule_warnings(self.working, provider=self.product.cloud_provider)]
        if self.dirty:
            lines.append("Unsaved changes: ctrl+s to review and save.")
        self.query_one("#problems", Static).update(Text("\n").join(safe_text(line) for line in lines))
        self.refresh_bindings()

    @property
    def selected_index(self) -> int | None:
        key = self.query_one(Grid).selected_key()
        return int(key) if key is not None else None

    def own_refusal(self, action: str) -> str | None:
        # A save in flight is not cancelled by a reload or a second save (the group is exclusive), and the
        # working copy it will replace is not edited meanwhile.
        if self.saving and action in ("add_rule", "add_my_ip", "edit_rule", "remove_rule", "save_rules", "reload"):
            return "Saving the rules…"
        if action in ("add_rule", "add_my_ip", "edit_rule", "remove_rule", "save_rules"):
            if not self.supported:
                return f"IP rules can only be changed in the portal ({self.ws.capabilities.portal_url})."
            if not self.loaded:
                return "The rules are still loading."
        if action in ("edit_rule", "remove_rule") and self.selected_index is None:
            return "Select a rule first."
        if action == "save_rules" and not self.dirty:
            return "Nothing to save."
        return None

    def on_data_table_row_highlighted(self) -> None:
        self.refresh_bindings()

    # ---------------------------------------------------------------- actions
    def _editor(self, index: int | None, prefill: str = "", alias: str = "") -> None:
        rule = self.working[index] if index is not None else None
        others = [r for i, r in enumerate(self.working) if i != index]

        def done(new: IpRule | None) -> None:
            if new is None:
                return
            if index is None:
                self.working.append(new)
            else:
                self.working[index] = new
            self._show()

        self.app.push_screen(IpRuleModal(rule, others, prefill=prefill, alias=alias), done)

    def action_add_rule(self) -> None:
        self._editor(None)

    @work(exclusive=True, group="myip", exit_on_error=False, name="find my IP")
    async def action_add_my_ip(self) -> None:
        # As the product sees it: loopback for a mock (no public service is asked), else the public address.
        try:
            address = await asyncio.wait_for(self.ws.my_address(), timeout=5)
        except TimeoutError:
            address = None
        if not address:
            self.notify("Could not find your public IP address; type it instead.", severity="warning")
        self._editor(None, prefill=address or "", alias="my IP" if address else "")

    def action_edit_rule(self) -> None:
        if self.selected_index is not None:
            self._editor(self.selected_index)

    def action_remove_rule(self) -> None:
        index = self.selected_index
        if index is not None:
            del self.working[index]
            self._show()

    def action_reload(self) -> None:
        if self.supported:
            self.confirm_leave(lambda: self.load(announce=True), leaving="reload")
        else:
            self.notify("The IP rules shown are those the product reported; the portal is where they change.")

    def action_save_rules(self) -> None:
        problems = self.problems()
        if problems:
            self.notify("Fix these first: " + " ".join(problems), severity="error", timeout=8)
            return
        self.save()

    @work(exclusive=True, group="ip", exit_on_error=False, name="plan IP rules")
    async def save(self) -> None:
        """Core's plan (diff, warnings, your own address) in a PlanModal; saved and read back once confirmed."""
        plan = await planning.plan_ip_rules(self.ws, self.product.id, self.working,
                                            provider=self.product.cloud_provider)
        if not plan.changes:
            self.saved = list(self.working)
            self._show()
            return

        def answered(consents: frozenset[Consent] | None) -> None:
            if consents is not None:
                # From now until the read-back: reload, save and edits are refused, so nothing cancels the save
                # in flight (they share the "ip" worker group) or edits what is being saved.
                self.saving = True
                self.refresh_bindings()
                self.apply_plan(plan, consents)

        self.app.push_screen(PlanModal("Save IP rules", plan, product_name=self.product.display_name), answered)

    @work(exclusive=True, group="ip", exit_on_error=False, name="save IP rules")
    async def apply_plan(self, plan: ChangePlan, consents: frozenset[Consent]) -> None:
        try:
            done = await planning.apply(self.ws, plan, consents)
        finally:
            self.saving = False
            self.refresh_bindings()
        self.saved, self.working = list(done.rules), list(done.rules)
        self.notify(f"Saved {len(done.rules)} IP rules", timeout=5)
        self._show()
        self.app.post_message(DataChanged(self.product.id))

    def confirm_leave(self, go: Callable[[], object], *, leaving: str = "leave") -> None:
        """Run ``go`` now, or after a confirmation when unsaved edits would be lost (every way out asks)."""
        if not self.dirty:
            go()
            return

        def answer(yes: bool | None) -> None:
            if yes:
                go()

        if leaving == "switch":
            lines = ["Your IP rule changes are not saved (they stay here until you come back):",
                     *self._diff_lines()]
            modal = ConfirmModal("Unsaved changes", lines, confirm_label="Go anyway", danger=False)
        else:
            lines = ["Your unsaved IP rule changes will be lost:", *self._diff_lines()]
            modal = ConfirmModal("Discard changes", lines, confirm_label="Discard")
        self.app.push_screen(modal, answer)

    def action_back(self) -> None:
        self.confirm_leave(self.app.pop_screen)

    def _diff_lines(self) -> list[str]:
        return list(diff_rules(self.saved, self.working).render())

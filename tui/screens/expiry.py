"""Expiry overview: every certificate of every product expiring within 60 days or expired."""

from __future__ import annotations

from textual import work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.widgets import Static

from ravensec.core.certs.identity import ExpiryState, days_left, expiry_state
from ravensec.core.words import plural
from ravensec.tui.screens.base import BaseScreen
from ravensec.tui.widgets.badge import HeaderBadge
from ravensec.tui.widgets.footer import KeysFooter
from ravensec.tui.widgets.format import expiry_cell
from ravensec.tui.widgets.grid import Grid, GridRow

COLUMNS = ("Product", "Certificate", "Thumbprint", "Clearance", "Expires", "Days left")
WITHIN_DAYS = 60


class ExpiryScreen(BaseScreen):
    AUTO_FOCUS = "#expiry"
    BINDINGS = [
        Binding("escape", "back", "Back", id="expiry.back"),
        Binding("r", "refresh", "Refresh", id="expiry.refresh"),
    ]

    def __init__(self) -> None:
        super().__init__(id="expiry-screen")

    def compose(self) -> ComposeResult:
        yield HeaderBadge()
        yield Static(f"Certificates expiring within {WITHIN_DAYS} days or expired", classes="screen-title")
        yield Static("", id="summary", classes="notice")
        yield Grid(COLUMNS, id="expiry")
        yield KeysFooter()

    def on_mount(self) -> None:
        self.rapp.refresh_badge()
        self.load()

    @work(exclusive=True, group="expiry", exit_on_error=False, name="expiry overview")
    async def load(self) -> None:
        grid = self.query_one(Grid)
        grid.loading = True
        try:
            pairs = await self.ws.expiring(WITHIN_DAYS)
        finally:
            grid.loading = False
        now = self.rapp.now()
        rows = []
        for product, cert in sorted(pairs, key=lambda pc: (pc[1].not_after, pc[0].display_name, pc[1].name)):
            left = days_left(cert.not_after, now)
            rows.append(
                GridRow(
                    f"{product.id}/{cert.thumbprint}",
                    (product.display_name, cert.name, cert.thumbprint, cert.security_clearance.label,
                     expiry_cell(cert.not_after, now, cert.not_before), str(left) if left >= 0 else "expired"),
                    (None, None, None, None, cert.not_after.isoformat(), left),
                )
            )
        grid.set_rows(rows)
        expired = sum(1 for _, c in pairs if expiry_state(c.not_before, c.not_after, now) is ExpiryState.EXPIRED)
        self.query_one("#summary", Static).update(
            f"{plural(len(pairs), 'certificate')}: {expired} expired, {len(pairs) - expired} expiring soon"
            if pairs else "Nothing expires within 60 days."
        )

    def action_refresh(self) -> None:
        self.load()

    def action_back(self) -> None:
        self.app.pop_screen()

"""Expiry overview: every certificate of every product expiring within 60 days or expired.

`enter` opens the certificate in its product's certificates screen with its row selected; `/` and `s` work as
in the other tables."""

from __future__ import annotations

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.widgets import Input, Static

from ravensec.core.certs.expiry import ExpiryState, days_left, expiry_state
from ravensec.core.models import CertificateDefinition, Product
from ravensec.core.words import plural
from ravensec.tui.screens.base import TableScreen
from ravensec.tui.screens.certificates import CertificatesScreen
from ravensec.tui.widgets.badge import HeaderBadge
from ravensec.tui.widgets.footer import KeysFooter
from ravensec.tui.widgets.format import expiry_cell
from ravensec.tui.widgets.grid import Column, Grid, GridRow

COLUMNS = (
    Column("Product", 0, min_width=10),
    Column("Certificate", 0, min_width=16),
    Column("Thumbprint", 4),
    Column("Clearance", 3),
    Column("Expires", 2),
    Column("Days left", 1),
)
WITHIN_DAYS = 60


class ExpiryScreen(TableScreen):
    COLUMNS = COLUMNS
    AUTO_FOCUS = "#expiry"
    BINDINGS = [
        Binding("escape", "back", "Back", id="expiry.back"),
        Binding("enter", "open", "Open", id="expiry.open"),
        Binding("slash", "filter", "Filter", id="expiry.filter"),
        Binding("s", "sort", "Sort", id="expiry.sort"),
        Binding("r", "refresh", "Refresh", id="expiry.refresh"),
    ]

    def __init__(self) -> None:
        super().__init__(id="expiry-screen")
        self.pairs: dict[str, tuple[Product, CertificateDefinition]] = {}

    def compose(self) -> ComposeResult:
        yield HeaderBadge()
        yield Static(f"Certificates expiring within {WITHIN_DAYS} days or expired", classes="screen-title")
        yield Static("", id="summary", classes="notice")
        yield Input(placeholder="filter certificates…", id="filter", classes="filter")
        yield Grid(COLUMNS, id="expiry")
        yield KeysFooter()

    def on_mount(self) -> None:
        self.rapp.refresh_badge()
        self.load()

    @work(exclusive=True, group="expiry", exit_on_error=False, name="expiry overview")
    async def load(self, announce: bool = False) -> None:
        grid = self.query_one(Grid)
        grid.loading = True
        try:
            pairs = await self.ws.expiring(WITHIN_DAYS)
        finally:
            grid.loading = False
        now = self.rapp.now()
        rows = []
        self.pairs = {}
        for product, cert in sorted(pairs, key=lambda pc: (pc[1].not_after, pc[0].display_name, pc[1].name)):
            left = days_left(cert.not_after, now)
            key = f"{product.id}/{cert.thumbprint}"
            self.pairs[key] = (product, cert)
            rows.append(
                GridRow(
                    key,
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
        self.refresh_bindings()
        if announce:
            self.announce_refresh(f"{len(pairs)} certificates")

    def own_refusal(self, action: str) -> str | None:
        if action == "open" and self.query_one(Grid).selected_key() is None:
            return "Select a certificate first."
        return None

    @on(Grid.RowHighlighted, "#expiry")
    def _highlighted(self) -> None:
        self.refresh_bindings()

    @on(Grid.RowSelected, "#expiry")
    def _selected(self) -> None:
        self.action_open()

    def action_open(self) -> None:
        key = self.query_one(Grid).selected_key()
        if key is None or key not in self.pairs:
            return
        product, cert = self.pairs[key]
        self.rapp.set_product(product)
        self.app.push_screen(CertificatesScreen(product, select=cert.thumbprint))

    def action_refresh(self) -> None:
        self.load(announce=True)


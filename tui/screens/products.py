"""Products: the table, `/` filter, column sort, detail pane, live status, certificate package download."""

from __future__ import annotations

from pathlib import Path

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.widgets import Input, Static
from textual.worker import Worker

from ravensec.core.errors import RavensecError
from ravensec.core.fsutil import safe_file_name
from ravensec.core.models import Backup, CpuCredits, Product, ProductStatus, is_burstable
from ravensec.core.words import plural
from ravensec.tui.messages import ProductChosen
from ravensec.tui.modals.forms import FolderModal
from ravensec.tui.modals.info import InfoModal
from ravensec.tui.screens.backups import BackupsScreen
from ravensec.tui.screens.base import TableScreen
from ravensec.tui.screens.certificates import CertificatesScreen
from ravensec.tui.screens.iprules import IpRulesScreen
from ravensec.tui.screens.posture import PostureScreen
from ravensec.tui.widgets.badge import HeaderBadge
from ravensec.tui.widgets.footer import KeysFooter
from ravensec.tui.widgets.format import expiry_cell, fmt_time, human_size, safe_text
from ravensec.tui.widgets.grid import Column, Grid, GridRow
from ravensec.tui.widgets.split import SplitPane

# Left to right; when the width runs out the security columns (status, allow-all, the certificate's expiry)
# stay longest.
COLUMNS = (
    Column("Name", 0, min_width=12),
    Column("Tier", 4),
    Column("Type", 7),
    Column("Provider/Region", 6),
    Column("Status", 1),
    Column("Nodes", 5),
    Column("Cert expiry", 3),
    Column("Allow all", 2),
    Column("Labels", 8, min_width=10),
)
BUSY = (ProductStatus.CREATING, ProductStatus.DEPLOYING_CHANGES)
POLL_SECONDS = 3.0


def package_help(paths: list[Path]) -> str:
    names = "\n".join(f"  {p}" for p in paths)
    pem = next((p for p in paths if p.suffix == ".pem"), None)
    pfx = next((p for p in paths if p.suffix == ".pfx" and "with.password" in p.name), None)
    pfx = pfx or next((p for p in paths if p.suffix == ".pfx"), None)
    return (
        f"Wrote {plural(len(paths), 'file')} (key files are readable by you only):\n{names}\n\n"
        f"Browser: import {pfx.name if pfx else 'the .pfx'} into the browser or OS certificate store "
        "(Firefox needs the password-protected one; the password is in PASSWORD.TXT), then open a node URL "
        "and pick this certificate when asked.\n\n"
        "Python client: DocumentStore(urls, database) with store.certificate_pem_path = "
        f"'{pem if pem else 'PEM/<name>.pem'}' (certificate and key in one PEM; a .pfx is refused)."
    )


class ProductsScreen(TableScreen):
    COLUMNS = COLUMNS
    AUTO_FOCUS = "#products"
    BINDINGS = [
        Binding("slash", "filter", "Filter", id="products.filter"),
        Binding("s", "sort", "Sort", id="products.sort"),
        Binding("r", "refresh", "Refresh", id="products.refresh"),
        Binding("c,enter", "certificates", "Certificates", id="products.certificates"),
        Binding("i", "ip_rules", "IP rules", id="products.ip_rules"),
        Binding("b", "backups", "Backups", id="products.backups"),
        Binding("d", "download", "Download cert", id="products.download"),
        Binding("a", "posture", "Posture", id="products.posture"),
        Binding("escape", "clear_filter", "Clear filter", id="products.clear_filter", show=False),
    ]

    def __init__(self, products: list[Product] | None = None) -> None:
        """``products``: a list just read (the app lists while this module loads); else the screen reads it."""
        super().__init__(id="products-screen")
        self.products: dict[str, Product] = {}
        self._first: list[Product] | None = products
        self.backups: dict[str, list[Backup]] = {}
        self.credits: dict[str, CpuCredits | None] = {}  # None: reserved (no credits) or not readable
        self._loading: Worker[None] | None = None

    def compose(self) -> ComposeResult:
        yield HeaderBadge()
        yield Input(placeholder="filter products…", id="filter", classes="filter")
        with SplitPane():
            yield Grid(COLUMNS, id="products")
            yield Static("", id="detail", classes="detail")
        yield KeysFooter()

    def on_mount(self) -> None:
        self.rapp.refresh_badge()
        if self._first is not None:
            self._show_products(self._first)
            self._first = None
        else:
            self.reload()
        self.set_interval(POLL_SECONDS, self._poll)

    def caller_changed(self, product_id: str) -> None:
        if product_id in self.products:
            self._show_rows()
            self._show_detail()

    def data_changed(self, product_id: str | None) -> None:
        self.backups.pop(product_id or "", None)
        self.credits.pop(product_id or "", None)
        self.reload()

    # ---------------------------------------------------------------- loading
    def reload(self, announce: bool = False) -> None:
        """A fresh list now: a load still in flight may predate the change that asked for this one."""
        self._loading = self.load(announce)

    @work(exclusive=True, group="products", exit_on_error=False, name="load products")
    async def load(self, announce: bool = False) -> None:
        grid = self.query_one(Grid)
        grid.loading = not self.products
        try:
            products = await self.ws.list_products()
        finally:
            grid.loading = False
        self._show_products(products)
        if announce:
            self.announce_refresh(f"{len(products)} products")

    def _show_products(self, products: list[Product]) -> None:
        self.products = {p.id: p for p in products}
        self._show_rows()
        # The table first: whoami per product and the backups summary start once the rows are on screen. The
        # grid tells the screen it changed only when its own queue idles; marking the screen now makes the
        # callbacks after the refresh (here and the selection's) wait for the paint instead of running first.
        self.refresh()
        self.call_after_refresh(self._load_extras)

    def _load_extras(self) -> None:
        for product_id in self.products:
            self.rapp.ensure_caller(product_id)
        self._selection_changed()

    def _poll(self) -> None:
        # The poll only asks "anything new?": a load in flight answers that. Starting another would cancel it
        # (exclusive), and a list slower than the poll interval would then never arrive.
        if self._loading is not None and not self._loading.is_finished:
            return
        if any(p.status in BUSY for p in self.products.values()):
            self.reload()

    def _show_rows(self) -> None:
        now = self.rapp.now()
        rows = []
        for p in self.products.values():
            caller = self.rapp.callers.get(p.id)
            status_style = "yellow" if p.status in BUSY else ("green" if p.status is ProductStatus.ACTIVE else "red")
            cells = (
                p.display_name,
                p.tier.value,
                p.instance_type,
                f"{p.cloud_provider.lower()}/{p.region}",
                Text(p.status.value, style=status_style),
                str(len(p.nodes)),
                expiry_cell(caller.not_after, now) if caller else Text("…" if p.id not in self.rapp.callers else "?"),
                Text("⚠ allow all", style="bold red") if p.allows_all else "",
                ", ".join(p.labels),
            )
            keys = (None, None, None, None, None, len(p.nodes), caller.not_after.isoformat() if caller else "")
            rows.append(GridRow(p.id, cells, keys))
        self.query_one(Grid).set_rows(rows)

    # ---------------------------------------------------------------- selection and detail
    @property
    def selected(self) -> Product | None:
        key = self.query_one(Grid).selected_key()
        return self.products.get(key) if key else None

    @on(Grid.RowHighlighted, "#products")
    def _row_highlighted(self) -> None:
        self._selection_changed()

    @on(Grid.RowSelected, "#products")
    def _row_selected(self) -> None:
        self.action_certificates()

    def _selection_changed(self) -> None:
        product = self.selected
        if product is not None and product is not self.rapp.current_product:
            self.rapp.current_product = product  # at once: the message below arrives a moment later
            # What the selection needs from the network (whoami, backups, credits) starts once the new
            # selection is on screen: each opens a TLS connection on this loop, which would hold the paint.
            self.call_after_refresh(self._load_selected, product)
        self._show_detail()
        self.refresh_bindings()

    def _load_selected(self, product: Product) -> None:
        if product is not self.rapp.current_product:
            return  # the cursor moved on before the paint: the newer selection loads its own
        self.app.post_message(ProductChosen(product))
        if self.ws.capabilities.backups and product.id not in self.backups:
            self.load_backups(product.id)
        if product.id not in self.credits and is_burstable(product.tier, product.instance_type):
            self.load_credits(product.id)

    @work(group="backups", exit_on_error=False, name="load backups")
    async def load_backups(self, product_id: str) -> None:
        self.backups[product_id] = await self.ws.list_backups(product_id)
        self._show_detail()

    @work(group="credits", exit_on_error=False, name="load CPU credits")
    async def load_credits(self, product_id: str) -> None:
        self.credits[product_id] = None  # asked once per selection, even if it fails
        try:
            self.credits[product_id] = await self.ws.cpu_credits(product_id)
        except RavensecError:
            return  # the budget is a hint here: its absence is not an error to report
        self._show_detail()

    def _show_detail(self) -> None:
        p = self.selected
        detail = self.query_one("#detail", Static)
        if p is None:
            detail.update("No product selected." if self.products else "No products.")
            return
        # A Text line by line, never markup: each server string is data (see ravensec.tui.safetext).
        title = Text.assemble(safe_text(p.display_name, style="bold"), safe_text(f"  {p.id}"))
        lines = [title, safe_text(f"status {p.status.value}  tier {p.tier.value}"), Text()]
        lines += [safe_text(f"node {n.tag}  {n.url}") for n in p.nodes] or [Text("no nodes yet")]
        size = f"{p.storage.size} GB" if p.storage.size is not None else "-"
        lines += [Text(), safe_text(f"storage {size} {p.storage.type}"),
                  safe_text(f"release channel {p.release_channel or '-'}")]
        rules = ", ".join(r.cidr for r in p.allowed_ips) or "none"
        lines.append(safe_text(f"allowed IPs {rules}"))
        if p.allows_all:
            # "#ff0000": the red of the markup this line was written in before (Rich's "red" is the ANSI one).
            lines.append(Text("⚠ 0.0.0.0/0 lets any address reach the nodes", style="bold #ff0000"))
        budget = self.credits.get(p.id)
        if budget is not None:
            style = {"exhausted": "bold #ff0000", "low": "yellow"}.get(budget.state, "")
            lines += [Text(), Text.assemble("CPU credits ", Text(budget.summary(), style=style))]
        caller = self.rapp.callers.get(p.id)
        if caller is not None:
            lines += [Text(), safe_text(f"certificate in use {caller.name} ({caller.security_clearance.label})")]
        backups = self.backups.get(p.id)
        if backups is not None:
            last = max((b.created_at for b in backups), default=None)
            total = sum(b.size for b in backups)
            dbs = len({b.database for b in backups})
            lines += [Text(), Text(f"backups {plural(len(backups), 'file')}, {plural(dbs, 'database')}, {human_size(total)}"),
                      Text(f"last {fmt_time(last)}")]
        detail.update(Text("\n").join(lines))

    # ---------------------------------------------------------------- actions
    def own_refusal(self, action: str) -> str | None:
        if action in ("certificates", "ip_rules", "backups", "download", "posture") and self.selected is None:
            return "Select a product first."
        if action == "backups" and self.workspace_ready and not self.ws.capabilities.backups:
            return "This target does not list backups over its API."
        return None

    @property
    def workspace_ready(self) -> bool:
        return self.rapp.workspace is not None


    def action_clear_filter(self) -> None:
        box = self.query_one("#filter", Input)
        box.value = ""
        box.remove_class("shown")
        self.query_one(Grid).focus()

    def action_refresh(self) -> None:
        self.backups.clear()
        self.reload(announce=True)

    def action_certificates(self) -> None:
        if self.selected is not None:
            self.app.push_screen(CertificatesScreen(self.selected))

    def action_ip_rules(self) -> None:
        if self.selected is not None:
            self.app.push_screen(IpRulesScreen(self.selected))

    def action_backups(self) -> None:
        if self.selected is not None:
            self.app.push_screen(BackupsScreen(self.selected))

    def action_posture(self) -> None:
        if self.selected is not None:
            self.app.push_screen(PostureScreen(self.selected))

    def action_download(self) -> None:
        product = self.selected
        if product is None:
            return

        async def download(folder: Path) -> list[Path]:
            return await self.ws.download_certificate_package(product.id, folder)

        def done(paths: list[Path] | None) -> None:
            if paths:
                self.app.push_screen(InfoModal("Certificate package saved", package_help(paths)))

        # The product's name is the server's: no "/" or ".." of it may pick the folder.
        default = Path.cwd() / f"{safe_file_name(product.display_name)}-certificate"
        self.app.push_screen(
            FolderModal(f"Download the certificate package of {product.display_name}", default, download,
                        save_label="Download"),
            done,
        )

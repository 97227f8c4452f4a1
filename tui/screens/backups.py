"""Backups of one product: databases and backup files; verify a file with a key."""

from __future__ import annotations

from textual import work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.widgets import Input, Label, Static

from ravensec.core.backups import verify_backup
from ravensec.core.errors import ValidationError
from ravensec.core.models import Backup, Product
from ravensec.core.words import plural
from ravensec.tui.modals.forms import FormModal
from ravensec.tui.screens.base import BaseScreen
from ravensec.tui.widgets.badge import HeaderBadge
from ravensec.tui.widgets.footer import KeysFooter
from ravensec.tui.widgets.format import fmt_time, human_size, safe_text
from ravensec.tui.widgets.grid import Grid, GridRow

COLUMNS = ("Database", "Time", "Kind", "Size", "Encryption", "File")


class VerifyBackupModal(FormModal):
    """Download one backup file and check that the key opens it; dismisses with the verdict."""

    title_text = "Verify a backup"
    save_label = "Verify"

    def __init__(self, product: Product, backup: Backup, known_key: str | None = None) -> None:
        super().__init__(id="verify-form")
        self.product = product
        self.backup = backup
        self.known_key = known_key

    def body(self) -> ComposeResult:
        b = self.backup
        yield Label(safe_text(f"{b.database} / {b.file_name} ({b.kind.value}, {fmt_time(b.created_at)})"))
        hint = "the account's backup key" if b.key_source.value == "Account" else "the database's own key"
        yield Label(f"Key ({hint}; base64 or hex)")
        yield Input(self.known_key or "", id="key", password=True)
        if self.known_key:
            yield Label("Filled in with the key the mock hands out (its connection.json); replace it to try another.",
                        classes="reason")

    async def submit(self) -> str:
        key = self.value("key")
        if not key:
            raise ValidationError("Key is empty.", hint="Paste the backup key shown in the portal's restore dialog.")
        data = await self.ws.fetch_backup(self.product.id, self.backup.database, self.backup.file_name)
        result = verify_backup(data, key)
        if not result.ok:
            raise ValidationError(result.message)
        return f"{self.backup.file_name}: {result.message}"


class BackupsScreen(BaseScreen):
    AUTO_FOCUS = "#backups"
    BINDINGS = [
        Binding("escape", "back", "Back", id="backups.back"),
        Binding("v,enter", "verify", "Verify", id="backups.verify"),
        Binding("r", "refresh", "Refresh", id="backups.refresh"),
    ]

    def __init__(self, product: Product) -> None:
        super().__init__(id="backups-screen")
        self.product = product
        self.backups: list[Backup] = []

    def compose(self) -> ComposeResult:
        yield HeaderBadge()
        yield Static(safe_text(f"Backups of {self.product.display_name}"), classes="screen-title")
        yield Static("", id="summary", classes="notice")
        yield Grid(COLUMNS, id="backups")
        yield KeysFooter()

    def on_mount(self) -> None:
        self.rapp.refresh_badge()
        self.load()

    @work(exclusive=True, group="backups", exit_on_error=False, name="list backups")
    async def load(self, announce: bool = False) -> None:
        grid = self.query_one(Grid)
        grid.loading = True
        try:
            self.backups = sorted(
                await self.ws.list_backups(self.product.id), key=lambda b: (b.database, b.created_at), reverse=True
            )
        finally:
            grid.loading = False
        rows = [
            GridRow(
                str(i),
                (b.database, fmt_time(b.created_at), b.kind.value, human_size(b.size),
                 f"{'encrypted' if b.encrypted else 'none'} ({b.key_source.value} key)", b.file_name),
                (None, b.created_at.isoformat(), None, b.size),
            )
            for i, b in enumerate(self.backups)
        ]
        grid.set_rows(rows)
        dbs = sorted({b.database for b in self.backups})
        self.query_one("#summary", Static).update(
            safe_text(
                f"{plural(len(self.backups), 'file')} in {plural(len(dbs), 'database')}: {', '.join(dbs) or 'none'}"
            )
        )
        self.refresh_bindings()
        if announce:
            self.announce_refresh(f"{len(self.backups)} backup files")

    def own_refusal(self, action: str) -> str | None:
        if action == "verify" and self._selected() is None:
            return "Select a backup file first."
        return None

    def _selected(self) -> Backup | None:
        key = self.query_one(Grid).selected_key()
        return self.backups[int(key)] if key is not None else None

    def on_data_table_row_highlighted(self) -> None:
        self.refresh_bindings()

    def action_verify(self) -> None:
        backup = self._selected()
        if backup is None:
            return

        def done(verdict: str | None) -> None:
            if verdict:
                self.notify(verdict, title="Backup verified", timeout=8)

        self.app.push_screen(VerifyBackupModal(self.product, backup, self._known_key(backup)), done)

    def _known_key(self, backup: Backup) -> str | None:
        """The mock's key for this backup (demo, or a mock profile's connection.json); None for a real account."""
        demo = self.rapp.demo_handle
        if demo is not None:
            return demo.backup_key(backup.product_id, backup.database)
        return self.ws.known_backup_key(backup)

    def action_refresh(self) -> None:
        self.load(announce=True)

    def action_back(self) -> None:
        self.app.pop_screen()

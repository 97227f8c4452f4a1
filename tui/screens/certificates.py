"""Certificates of one product: table, filter, sort, detail pane and every certificate action."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from typing import Any

from rich.markup import escape
from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.widgets import Input, Static
from textual.worker import Worker

from ravensec.core import planning
from ravensec.core.certs.expiry import expiry_state
from ravensec.core.errors import RavensecError
from ravensec.core.models import CertificateDefinition, Product, SecurityClearance
from ravensec.core.models.credits import generation_advice
from ravensec.core.plan import ChangePlan, Consent
from ravensec.tui.messages import DataChanged
from ravensec.tui.modals.cert_forms import CertFormModal, Mode
from ravensec.tui.modals.credits import CreditsAdviceModal
from ravensec.tui.modals.plan import PlanModal
from ravensec.tui.screens.base import TableScreen
from ravensec.tui.widgets.badge import HeaderBadge
from ravensec.tui.widgets.footer import KeysFooter
from ravensec.tui.widgets.format import cert_state, fmt_date, fmt_permissions, safe_text, short_thumb
from ravensec.tui.widgets.grid import Column, Grid, GridRow
from ravensec.tui.widgets.policy import TARGETED_ACTIONS, cert_action_refusal, grantable
from ravensec.tui.widgets.split import SplitPane

_NEVER = datetime.min.replace(tzinfo=UTC)  # sorts a certificate without a start date first
# Left to right; the priority says which stay when the width runs out (the name and the state always do).
COLUMNS = (
    Column("Name", 0, min_width=20),
    Column("State", 0),
    Column("Thumbprint", 3),
    Column("Clearance", 2),
    Column("Permissions", 5, min_width=16),
    Column("Valid from", 4),
    Column("Expires", 1),
)


def cert_rows(certs: list[CertificateDefinition], now: datetime, in_use: str | None) -> list[GridRow]:
    rows = []
    # Once per clearance rather than per row: the enum properties cost more than the rest of a row.
    labels = {c: c.label for c in SecurityClearance}
    ranks = {c: c.rank for c in SecurityClearance}
    for c in certs:
        label = labels[c.security_clearance]
        state, style, state_key = cert_state(
            c.not_before, c.not_after, now, disabled=c.disabled, in_use=c.thumbprint == in_use
        )
        cells = (
            c.name,
            state,
            short_thumb(c.thumbprint),
            label,
            fmt_permissions(c.permissions),
            fmt_date(c.not_before),
            fmt_date(c.not_after),
        )
        keys = (None, state_key, None, ranks[c.security_clearance], None, c.not_before or _NEVER, c.not_after)
        # The state's words are searchable too: "/expired", "/off", "/in use".
        hay = f"{c.name} {state} {c.thumbprint} {label} {' '.join(c.permissions)}".lower()
        rows.append(GridRow(c.thumbprint, cells, keys, haystack=hay, style=style))
    return rows


class CertificatesScreen(TableScreen):
    COLUMNS = COLUMNS
    AUTO_FOCUS = "#certs"
    BINDINGS = [
        Binding("escape", "back", "Back", id="certs.back"),
        Binding("slash", "filter", "Filter", id="certs.filter"),
        Binding("s", "sort", "Sort", id="certs.sort"),
        Binding("r", "refresh", "Refresh", id="certs.refresh"),
        Binding("g", "generate", "Generate", id="certs.generate"),
        Binding("l", "generate_local", "Generate here", id="certs.generate_local"),
        Binding("u", "upload", "Upload", id="certs.upload"),
        Binding("e", "edit", "Edit", id="certs.edit"),
        Binding("n", "clone", "Clone", id="certs.clone"),
        Binding("delete,x", "delete", "Delete", id="certs.delete"),
        Binding("p", "purge", "Purge expired", id="certs.purge"),
    ]

    def __init__(
        self, product: Product, *, select: str | None = None, generate_local: CertificateDefinition | None = None
    ) -> None:
        """``select``: a thumbprint to put the cursor on; ``generate_local``: open "generate here" prefilled
        from it once the list is shown (the posture review's fixes land here)."""
        super().__init__(id="certificates-screen")
        self.product = product
        self._select = select  # a thumbprint to put the cursor on once the list is in (from the expiry overview)
        self.certs: dict[str, CertificateDefinition] = {}
        self.databases: list[str] = []
        self.load_error: str | None = None  # why the list could not be loaded; shown instead of "No certificates."
        self._pending_form = generate_local

    def compose(self) -> ComposeResult:
        yield HeaderBadge()
        yield Static(safe_text(f"Certificates of {self.product.display_name}"), classes="screen-title")
        yield Input(placeholder="filter certificates…", id="filter", classes="filter")
        with SplitPane():
            yield Grid(COLUMNS, id="certs")
            yield Static("", id="detail", classes="detail")
        yield Static("", id="reason", classes="reason")
        yield KeysFooter()

    def on_mount(self) -> None:
        self.rapp.refresh_badge()
        self._selection_changed()  # the refusal reasons do not wait for the list
        self.load()

    @property
    def caller(self) -> CertificateDefinition | None:
        return self.rapp.caller(self.product.id)

    def caller_changed(self, product_id: str) -> None:
        if product_id == self.product.id:
            self._show_rows()

    @work(exclusive=True, group="certs", exit_on_error=False, name="load certificates")
    async def load(self, announce: bool = False) -> None:
        caller = self.caller
        if caller is not None and caller.security_clearance.rank < SecurityClearance.OPERATOR.rank:
            # The server refuses the list to a User certificate; say so instead of failing.
            self.query_one("#detail", Static).update(
                f"Your certificate ({caller.security_clearance.label}) cannot list the certificates of this "
                "product; an Operator or Cluster Admin certificate can."
            )
            return
        grid = self.query_one(Grid)
        grid.loading = True
        try:
            certs = await self.ws.list_certificates(self.product.id)
        finally:
            grid.loading = False
        self.load_error = None
        self.certs = {c.thumbprint: c for c in certs}
        self._show_rows()
        if self._select is not None:
            grid = self.query_one(Grid)
            keys = [r.key for r in grid.shown_rows]
            if self._select in keys:
                grid.move_cursor(row=keys.index(self._select))
            self._select = None
        if announce:
            self.announce_refresh(f"{len(certs)} certificates")
        if not self.databases:
            self.load_databases()
        self._open_pending()

    def _open_pending(self) -> None:
        """Once: open the form a posture fix asked for (its certificate is selected like any ``select``)."""
        form, self._pending_form = self._pending_form, None
        if form is not None:
            if (why := self.refusal("generate_local")) is not None:
                self.notify(why, severity="warning")
            else:
                self._form("local", form)

    @work(group="dbs", exit_on_error=False, name="list databases")
    async def load_databases(self) -> None:
        self.databases = await self.ws.databases(self.product.id)

    def _show_rows(self) -> None:
        in_use = self.caller.thumbprint if self.caller else None
        self.query_one(Grid).set_rows(cert_rows(list(self.certs.values()), self.rapp.now(), in_use))
        self._selection_changed()

    @property
    def selected(self) -> CertificateDefinition | None:
        key = self.query_one(Grid).selected_key()
        return self.certs.get(key) if key else None

    @on(Grid.RowHighlighted, "#certs")
    def _highlighted(self) -> None:
        self._selection_changed()

    def _selection_changed(self) -> None:
        self.refresh_bindings()
        c = self.selected
        detail = self.query_one("#detail", Static)
        if c is None and self.load_error is not None:
            detail.update(f"[b red]The certificates could not be loaded.[/]\n{escape(self.load_error)}\n\n"
                          "Press r to try again.")
        elif c is None:
            detail.update("No certificate selected." if self.certs else "No certificates.")
        else:
            state = expiry_state(c.not_before, c.not_after, self.rapp.now())
            # Every line is built from the server's strings one by one: a Text, never markup.
            lines = [
                safe_text(c.name, style="bold"),
                safe_text(f"thumbprint {c.thumbprint}"),
                safe_text(f"clearance {c.security_clearance.label}"),
                safe_text(f"valid {fmt_date(c.not_before)} → {fmt_date(c.not_after)}"),
                safe_text(f"expiry {state}"),
                safe_text(f"pinning hash {c.public_key_pinning_hash or '-'}"),
                Text("DISABLED" if c.disabled else "enabled"),
                Text("permissions"),
            ]
            lines += [safe_text(f"  {db}: {a.value}") for db, a in sorted(c.permissions.items())] or [
                Text("  (none)")
            ]
            detail.update(Text("\n").join(lines))
        reasons = {self.refusal(a) for a in ("generate", "edit", "delete")} - {None}
        self.query_one("#reason", Static).update(safe_text("  ".join(sorted(r for r in reasons if r))))

    def own_refusal(self, action: str) -> str | None:
        if self.load_error is not None and action in (*TARGETED_ACTIONS, "purge"):
            # Not "Select a certificate first.": there is nothing to select until the list loads.
            return "The certificates could not be loaded; press r to try again."
        return cert_action_refusal(action, self.caller, self.selected)

    def worker_failed(self, worker: Worker[Any]) -> None:
        if worker.name == "load certificates":
            self.load_error = str(worker.error)
            self.certs = {}
            self.query_one(Grid).set_rows([])
            self._selection_changed()

    # ---------------------------------------------------------------- view actions

    def action_refresh(self) -> None:
        self.load(announce=True)

    # ---------------------------------------------------------------- write actions
    def _form(self, mode: Mode, source: CertificateDefinition | None = None) -> None:
        caller = self.caller
        form = CertFormModal(
            mode,
            self.product,
            grantable(caller.security_clearance if caller else None),
            source=source,
            databases=self.databases,
        )
        self.app.push_screen(form, self._done)

    def _done(self, result: str | None) -> None:
        if result:
            self.notify(result, title="Done", timeout=8)
            self.app.post_message(DataChanged(self.product.id))

    def data_changed(self, product_id: str | None) -> None:
        if product_id in (None, self.product.id):
            self.load()

    def action_generate(self) -> None:
        self.advise_generation()

    @work(exclusive=True, group="advice", exit_on_error=False, name="CPU credits advice")
    async def advise_generation(self) -> None:
        """On a burstable instance, say what generating on the server costs and offer off-cloud first."""
        cost = await self.ws.generation_cost(self.product.id)
        if cost is None:
            self._form("generate")
            return
        try:
            budget = await self.ws.cpu_credits(self.product.id)
        except RavensecError:
            budget = None  # the advice stands without the balance

        def chosen(choice: str | None) -> None:
            if choice == "local":
                self._form("local")
            elif choice == "server":
                self._form("generate")

        lines = generation_advice(self.product.instance_type, cost, budget)
        self.app.push_screen(CreditsAdviceModal(lines), chosen)

    def action_generate_local(self) -> None:
        self._form("local")

    def action_upload(self) -> None:
        self._form("upload")

    def action_edit(self) -> None:
        if self.selected is not None:
            self._form("edit", self.selected)

    def action_clone(self) -> None:
        if self.selected is not None:
            self._form("clone", self.selected)

    def action_delete(self) -> None:
        c = self.selected
        if c is not None:
            self.change("Delete certificate", lambda: planning.plan_delete(self.ws, self.product.id, c.thumbprint))

    def action_purge(self) -> None:
        self.change("Purge expired certificates", lambda: planning.plan_purge_expired(self.ws, self.product.id))

    @work(exit_on_error=False, name="plan the change")
    async def change(self, title: str, planned: Callable[[], Awaitable[ChangePlan]]) -> None:
        """Core's plan, shown in a PlanModal; applied (and read back) once confirmed."""
        plan = await planned()
        if not plan.changes:
            self.notify(plan.summary[:1].upper() + plan.summary[1:])
            return

        def answered(consents: frozenset[Consent] | None) -> None:
            if consents is not None:
                self.apply_plan(plan, consents)

        self.app.push_screen(PlanModal(title, plan, product_name=self.product.display_name), answered)

    @work(exit_on_error=False, name="apply the change")
    async def apply_plan(self, plan: ChangePlan, consents: frozenset[Consent]) -> None:
        try:
            done = await planning.apply(self.ws, plan, consents)
        finally:
            self.app.post_message(DataChanged(self.product.id))  # what the server shows now, either way
        self.notify(done.message[:1].upper() + done.message[1:], timeout=5)

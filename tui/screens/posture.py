"""Posture review of one product or of every product: findings, their evidence and advice, one-key fixes.

A fix never changes anything here: it opens the screen or form that does (the IP rules with the rule selected,
the certificates with the certificate selected, "generate here and register" prefilled), whose own
confirmation applies the change. Read-only profiles get the review with the fixes disabled.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.widgets import Static
from textual.worker import Worker

from ravensec.core.audit import Finding, FixKind, ProductPosture, Severity, audit
from ravensec.core.audit.credits import credits_reader
from ravensec.core.models import CertificateDefinition, Product
from ravensec.tui.screens.base import BaseScreen
from ravensec.tui.screens.certificates import CertificatesScreen
from ravensec.tui.screens.iprules import IpRulesScreen
from ravensec.tui.widgets.badge import HeaderBadge
from ravensec.tui.widgets.footer import KeysFooter
from ravensec.tui.widgets.grid import Column, Grid, GridRow
from ravensec.tui.widgets.policy import cert_action_refusal
from ravensec.tui.widgets.split import SplitPane

# The finding's title is the point of a row: always shown, cut short before the product name goes.
COLUMNS = (Column("Severity", 0), Column("Product", 1, min_width=10), Column("Finding", 0, min_width=24))
SEVERITY_STYLE = {Severity.HIGH: "bold red", Severity.MEDIUM: "yellow", Severity.LOW: "cyan"}
FIX_LABEL = {
    FixKind.IP_RULES: "open the IP rules with this rule selected",
    FixKind.CERTIFICATES: "open the certificates",
    FixKind.GENERATE_LOCAL: "open “generate here and register”, prefilled",
}


def finding_rows(findings: list[Finding]) -> list[GridRow]:
    return [
        GridRow(str(i), (Text(f.severity.value, style=SEVERITY_STYLE[f.severity]), f.product_name, f.title),
                (-f.severity.rank, None, None), haystack=f"{f.severity.value} {f.product_name} {f.code} {f.title}".lower())
        for i, f in enumerate(findings)
    ]


def prefill(finding: Finding, now: datetime) -> CertificateDefinition:
    """What the "generate here" form shows first: the clearance and permissions the finding suggests.

    The form fills itself from a certificate; this one is never registered (no thumbprint, no name)."""
    clearance = finding.fix.clearance
    assert clearance is not None
    return CertificateDefinition(name="", thumbprint="", security_clearance=clearance,
                                 permissions=dict(finding.fix.permissions), not_before=None, not_after=now)


class PostureScreen(BaseScreen):
    AUTO_FOCUS = "#findings"
    BINDINGS = [
        Binding("escape", "back", "Back", id="posture.back"),
        Binding("f", "fix", "Fix", id="posture.fix"),
        Binding("r", "refresh", "Refresh", id="posture.refresh"),
    ]

    def __init__(self, product: Product | None = None) -> None:
        """``product``: review that one; None: every product of the profile."""
        super().__init__(id="posture-screen")
        self.product = product
        self.postures: list[ProductPosture] = []
        self.findings: list[Finding] = []
        self.loaded = False

    def compose(self) -> ComposeResult:
        title = f"Posture review of {self.product.display_name}" if self.product else "Posture review of every product"
        yield HeaderBadge()
        yield Static(Text(title), classes="screen-title")
        yield Static("", id="summary", classes="notice")
        with SplitPane():
            yield Grid(COLUMNS, id="findings")
            yield Static("", id="detail", classes="detail posture-detail")
        yield Static("", id="reason", classes="reason")
        yield KeysFooter()

    def on_mount(self) -> None:
        self.rapp.refresh_badge()
        self._selection_changed()
        self.load()

    @work(exclusive=True, group="posture", exit_on_error=False, name="posture review")
    async def load(self) -> None:
        grid = self.query_one(Grid)
        grid.loading = True
        try:
            postures = await audit(self.ws, [self.product] if self.product else None, credits=credits_reader(self.ws))
        finally:
            grid.loading = False
        self.postures = postures
        # Most severe first across products; within a severity, in the products' order.
        self.findings = sorted((f for p in postures for f in p.findings), key=lambda f: -f.severity.rank)
        self.loaded = True
        grid.set_rows(finding_rows(self.findings))
        self.query_one("#summary", Static).update(self._summary())
        for product_id in {p.product.id for p in postures} - set(self.rapp.callers):
            self.rapp.load_caller(product_id)  # the generate-here fix depends on the caller's clearance
        self._selection_changed()

    def worker_failed(self, worker: Worker[Any]) -> None:
        if worker.name == "posture review":
            self.query_one("#summary", Static).update(Text("The review could not be made: ! shows why; r retries."))
            self.query_one("#detail", Static).update("")

    def _summary(self) -> Text:
        n = len(self.postures)
        counts = ", ".join(f"{sum(f.severity is s for f in self.findings)} {s.value}" for s in Severity)
        text = Text(f"{n} product{'s' if n != 1 else ''} reviewed: ")
        text.append(f"{len(self.findings)} findings ({counts})" if self.findings else "nothing to fix",
                    style="" if self.findings else "green")
        for p in self.postures:
            for gap in p.not_reviewed:
                text.append(f"\n{p.product.display_name}: {gap}")
        return text

    def data_changed(self, product_id: str | None) -> None:
        if self.loaded:
            self.load()

    def caller_changed(self, product_id: str) -> None:
        self._selection_changed()

    # ---------------------------------------------------------------- selection and detail
    @property
    def selected(self) -> Finding | None:
        key = self.query_one(Grid).selected_key()
        return self.findings[int(key)] if key is not None else None

    @on(Grid.RowHighlighted, "#findings")
    def _highlighted(self) -> None:
        self._selection_changed()

    @on(Grid.RowSelected, "#findings")
    def _chosen(self) -> None:
        self.action_fix()

    def _selection_changed(self) -> None:
        self.refresh_bindings()
        f = self.selected
        detail = self.query_one("#detail", Static)
        reason = self.refusal("fix") if f is not None else None
        self.query_one("#reason", Static).update(Text(f"Fix unavailable: {reason}") if reason else "")
        if f is None:
            detail.update("Reviewing…" if not self.loaded else "No findings." if not self.findings else "")
            return
        # Names and rules come from servers: Text, never markup.
        text = Text()
        text.append(f.title, style="bold")
        text.append(f"\n{f.severity.value} · {f.code} · {f.product_name}\n", style=SEVERITY_STYLE[f.severity])
        text.append("\nEvidence\n", style="bold")
        for line in f.evidence:
            text.append(f"  {line}\n")
        text.append("\nAdvice\n", style="bold")
        text.append(f"  {f.advice}\n")
        text.append("\nFix\n", style="bold")
        text.append(f"  {f.fix.hint}\n")
        if f.fix.command:
            text.append(f"  $ {f.fix.command}\n", style="dim")
        if reason is None:
            text.append(f"\nf: {FIX_LABEL[f.fix.kind]}", style="bold")
        detail.update(text)

    def _product(self, f: Finding) -> Product | None:
        return next((p.product for p in self.postures if p.product.id == f.product_id), None)

    def own_refusal(self, action: str) -> str | None:
        if action != "fix":
            return None
        f = self.selected
        if f is None:
            return "Select a finding first."
        if (why := self.rapp.read_only_refusal()) is not None:
            return why
        if f.fix.kind is FixKind.GENERATE_LOCAL:
            return cert_action_refusal("generate_local", self.rapp.caller(f.product_id), None)
        return None

    # ---------------------------------------------------------------- actions
    def action_fix(self) -> None:
        f = self.selected
        product = self._product(f) if f is not None else None
        if f is None or product is None:
            return
        if (why := self.refusal("fix")) is not None:
            self.notify(why, severity="warning")
            return
        if f.fix.kind is FixKind.IP_RULES:
            self.app.push_screen(IpRulesScreen(product, select=f.fix.rule))
        elif f.fix.kind is FixKind.CERTIFICATES:
            self.app.push_screen(CertificatesScreen(product, select=f.fix.thumbprint))
        else:
            self.app.push_screen(CertificatesScreen(product, generate_local=prefill(f, self.rapp.now())))

    def action_refresh(self) -> None:
        self.load()

    def action_back(self) -> None:
        self.app.pop_screen()

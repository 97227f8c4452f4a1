"""Certificate forms: generate on the server, generate locally and register, upload, edit, clone."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Literal

from textual import work
from textual.app import ComposeResult
from textual.widgets import Checkbox, Input, Label, Select

from ravensec.core import planning
from ravensec.core.certs.expiry import add_months
from ravensec.core.errors import ValidationError
from ravensec.core.models import CertificateDefinition, Product, SecurityClearance
from ravensec.core.plan import Access, ChangePlan, Consent
from ravensec.tui.modals.forms import FormModal, KeepOpen
from ravensec.tui.modals.plan import PlanModal, needs_asking
from ravensec.tui.widgets.format import fmt_permissions, parse_permissions_text

Mode = Literal["generate", "local", "upload", "edit", "clone"]
TITLES = {
    "generate": "Generate a certificate on the server",
    "local": "Generate a certificate here and register it",
    "upload": "Upload a certificate",
    "edit": "Edit a certificate",
    "clone": "Clone a certificate (generate a new one like it)",
}
KEY_TYPES = ("ec-p256", "rsa2048", "rsa4096")


class CertFormModal(FormModal):
    """Dismisses with a sentence saying what was done (and where files went), or None on cancel."""

    def __init__(
        self,
        mode: Mode,
        product: Product,
        grantable: list[SecurityClearance],
        *,
        source: CertificateDefinition | None = None,
        databases: list[str] | None = None,
        default_folder: Path | None = None,
    ) -> None:
        super().__init__(id=f"cert-form-{mode}")
        self.mode: Mode = mode
        self.title_text = TITLES[mode]
        self.save_label = {"edit": "Save", "upload": "Upload"}.get(mode, "Generate")
        self.product = product
        self.grantable = grantable
        self.source = source
        self.databases = databases or []
        self.default_folder = default_folder or Path.cwd()

    def body(self) -> ComposeResult:
        src = self.source
        name = src.name if src else ""
        if self.mode == "clone" and src:
            name = f"{src.name}-copy"
        yield Label("Name")
        yield Input(name, id="name", placeholder="e.g. orders-service")
        options = [(c.label, c.value) for c in self.grantable]
        initial = src.security_clearance.value if src and src.security_clearance in self.grantable else None
        yield Label("Clearance (what your certificate may grant)")
        yield Select(options, id="clearance", value=initial or (options[-1][1] if options else Select.BLANK), allow_blank=False)
        yield Label("Permissions (database:Read|ReadWrite|Admin, comma separated; for User clearance)")
        dbs = ", ".join(self.databases) or "none yet"
        yield Input(fmt_permissions(src.permissions) if src and src.permissions else "", id="perms", placeholder=f"databases: {dbs}")
        if self.mode == "upload":
            yield Label("Certificate file (.pfx, .pem or .crt)")
            yield Input("", id="file", placeholder="/path/to/client.pfx")
        if self.mode in ("generate", "clone", "local", "upload"):
            yield Label("Passphrase (optional)")
            yield Input("", id="password", password=True)
        if self.mode in ("generate", "clone"):
            yield Label("Valid for (months, empty for the server's default)")
            yield Input("", id="months", placeholder="60")
        if self.mode == "local":
            yield Label("Key type")
            yield Select([(k, k) for k in KEY_TYPES], id="key_type", value="ec-p256", allow_blank=False)
        if self.mode in ("generate", "clone", "local"):
            yield Label("Save the files in folder")
            yield Input(str(self.default_folder), id="folder")
        if self.mode == "edit":
            yield Checkbox("Disabled", value=bool(src and src.disabled), id="disabled")

    # ------------------------------------------------------------------ reading the form
    def _read_clearance(self) -> SecurityClearance:
        value = self.query_one("#clearance", Select).value
        if not isinstance(value, str):
            raise ValidationError("Choose a clearance.")
        return SecurityClearance(value)

    def _read_name(self) -> str:
        name = self.value("name")
        if not name:
            raise ValidationError("Name is empty.", hint="Give the certificate a name you will recognise.")
        return name

    def _read_password(self) -> str | None:
        return self.query_one("#password", Input).value or None

    def _read_not_after(self) -> datetime | None:
        text = self.value("months")
        if not text:
            return None
        if not text.isdigit() or not 1 <= int(text) <= 120:
            raise ValidationError(f"Valid for: {text!r} is not a number of months from 1 to 120.")
        return add_months(self.rapp.now(), int(text))  # calendar months, as the CLI's --valid-for 24m

    def _read_folder(self) -> Path:
        text = self.value("folder")
        if not text:
            raise ValidationError("Folder is empty.", hint="Type where the files should go.")
        return Path(text).expanduser()

    # ------------------------------------------------------------------ doing it
    async def make_plan(self) -> ChangePlan:
        """Core's plan for what the form says: the same validation and checks as the CLI's."""
        name, clearance = self._read_name(), self._read_clearance()
        access = Access(clearance, parse_permissions_text(self.value("perms")))
        ws, pid = self.ws, self.product.id
        if self.mode in ("generate", "clone"):
            return await planning.plan_generate(ws, pid, name, access, folder=self._read_folder(),
                                                password=self._read_password(), not_after=self._read_not_after())
        if self.mode == "local":
            key_type = str(self.query_one("#key_type", Select).value)
            return await planning.plan_generate_local(ws, pid, name, access, key_type=key_type,
                                                      folder=self._read_folder(), password=self._read_password())
        if self.mode == "upload":
            if not self.value("file"):
                raise ValidationError("Certificate file is empty.", hint="Type the path of a .pfx, .pem or .crt file.")
            path = Path(self.value("file")).expanduser()
            try:
                data = path.read_bytes()
            except OSError as e:
                raise ValidationError(f"Cannot read {path}: {e.strerror}.") from None
            return await planning.plan_register(ws, pid, name, data, access, self._read_password())
        assert self.source is not None
        disabled = self.query_one("#disabled", Checkbox).value
        return await planning.plan_edit(ws, pid, self.source.thumbprint, name=name, clearance=clearance,
                                        permissions=access.permissions, disabled=disabled)

    async def submit(self) -> str:
        plan = await self.make_plan()
        if not plan.changes:
            raise KeepOpen("Nothing to change.")
        if not needs_asking(plan):
            return await self._apply(plan, frozenset())
        # Asked in a modal whose answer comes back by callback (a worker waiting on a screen never ends).
        self.app.push_screen(PlanModal(self.title_text, plan, product_name=self.product.display_name),
                             lambda consents: self._answered(plan, consents))
        raise KeepOpen("")

    def _answered(self, plan: ChangePlan, consents: frozenset[Consent] | None) -> None:
        if consents is None:
            self.show_error("Not applied; nothing was changed.")
        else:
            self.apply_plan(plan, consents)

    @work(exclusive=True, exit_on_error=False, name="save")
    async def apply_plan(self, plan: ChangePlan, consents: frozenset[Consent]) -> None:
        try:
            message = await self._apply(plan, consents)
        except BaseException as e:
            self.show_error(str(e))
            raise
        self.dismiss(message)

    async def _apply(self, plan: ChangePlan, consents: frozenset[Consent]) -> str:
        done = await planning.apply(self.ws, plan, consents)
        return done.message[:1].upper() + done.message[1:]

"""First run: create a profile (Cloud API key, direct node URLs + certificate) or try the demo."""

from __future__ import annotations

from pathlib import Path

from textual import work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.widgets import Button, Input, Label, Static, TabbedContent, TabPane

from ravensec.core.config import load_config, save_config, store_secret
from ravensec.core.errors import ValidationError
from ravensec.core.profile import Profile
from ravensec.tui.screens.base import BaseScreen
from ravensec.tui.widgets.badge import HeaderBadge
from ravensec.tui.widgets.footer import KeysFooter
from ravensec.tui.widgets.format import safe_text

WELCOME = (
    "Welcome to ravensec. No profile is configured yet. Create one: a RavenDB Cloud API key, "
    "the node URLs of a cluster with a client certificate, or try the built-in demo (a local mock)."
)


class FirstRunScreen(BaseScreen):
    AUTO_FOCUS = "Tabs"
    BINDINGS = [Binding("ctrl+d", "demo", "Start demo", id="firstrun.demo")]

    def __init__(self) -> None:
        super().__init__(id="firstrun-screen")

    def compose(self) -> ComposeResult:
        yield HeaderBadge()
        yield Static(WELCOME, classes="notice")
        with TabbedContent(id="kinds"):
            with TabPane("Cloud API key", id="tab-cloud"), Vertical(classes="form"):
                yield Label("Profile name")
                yield Input("cloud", id="cloud-name")
                yield Label("API key (stored in the 0600 secrets file, not in the config)")
                yield Input("", id="cloud-key", password=True)
                yield Button("Create profile", id="create-cloud", variant="primary")
            with TabPane("Direct nodes", id="tab-direct"), Vertical(classes="form"):
                yield Label("Profile name")
                yield Input("cluster", id="direct-name")
                yield Label("Node URLs (comma separated)")
                yield Input("", id="direct-urls", placeholder="https://a.example.ravendb.cloud")
                yield Label("Client certificate (.pem with key, or .pfx)")
                yield Input("", id="direct-cert")
                yield Label("Certificate passphrase (optional)")
                yield Input("", id="direct-password", password=True)
                yield Label("CA file for the servers (optional; empty for the system store)")
                yield Input("", id="direct-ca")
                yield Button("Create profile", id="create-direct", variant="primary")
            with TabPane("Demo", id="tab-demo"), Vertical(classes="form"):
                yield Static("Starts a local mock of RavenDB Cloud on loopback ports; nothing is saved.")
                yield Button("Start the demo", id="start-demo", variant="primary")
        yield Static("", id="form-error", classes="form-error")
        yield KeysFooter()

    def on_mount(self) -> None:
        self.rapp.refresh_badge()

    def _value(self, widget_id: str) -> str:
        return self.query_one(f"#{widget_id}", Input).value.strip()

    def on_button_pressed(self, event: Button.Pressed) -> None:
        if event.button.id == "start-demo":
            self.action_demo()
        elif event.button.id in ("create-cloud", "create-direct"):
            self.create(event.button.id.removeprefix("create-"))

    def action_demo(self) -> None:
        self.rapp.start_demo()

    @work(exclusive=True, exit_on_error=False, name="create profile")
    async def create(self, kind: str) -> None:
        self.query_one("#form-error", Static).update("")
        try:
            profile = self._profile(kind)

            cfg = load_config()
            cfg.profiles[profile.name] = profile
            cfg.current = profile.name
            save_config(cfg)
        except Exception as e:
            self.query_one("#form-error", Static).update(safe_text(str(e), multiline=True))
            raise
        self.notify(f"Saved profile {profile.name!r} in {cfg.path}")
        self.rapp.open_profile(profile)

    def _profile(self, kind: str) -> Profile:
        if kind == "cloud":
            name, key = self._value("cloud-name"), self._value("cloud-key")
            if not name or not key:
                raise ValidationError("Profile name and API key are both needed.")

            ref = store_secret(f"{name}.api_key", key)
            return Profile(name=name, kind="cloud", api_key=key, api_key_ref=ref)
        name, urls, cert = self._value("direct-name"), self._value("direct-urls"), self._value("direct-cert")
        nodes = tuple(u.strip().rstrip("/") for u in urls.split(",") if u.strip())
        if not name or not nodes or not cert:
            raise ValidationError("Profile name, at least one node URL and a client certificate are needed.")
        bad = [u for u in nodes if not u.startswith("https://")]
        if bad:
            raise ValidationError(f"Node URLs must start with https:// ({', '.join(bad)}).")
        cert_path = Path(cert).expanduser()
        if not cert_path.is_file():
            raise ValidationError(f"{cert_path} is not a file.", hint="Give the path of a .pem or .pfx.")
        password = self.query_one("#direct-password", Input).value or None
        ref = ""
        if password:
            ref = store_secret(f"{name}.client_cert_password", password)
        ca = self._value("direct-ca")
        return Profile(
            name=name, kind="direct", nodes=nodes, client_cert=cert_path, client_cert_password=password,
            client_cert_password_ref=ref, ca_file=Path(ca).expanduser() if ca else None,
        )

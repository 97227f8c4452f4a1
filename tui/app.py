"""The Textual application: screens, global bindings, the one worker error funnel, read-only rule."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal
from collections.abc import Awaitable, Callable, Iterator, Mapping, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

from textual import events, work
from textual.app import App, ComposeResult
from textual.binding import Binding
from textual.dom import DOMNode
from textual.filter import LineFilter
from textual.notifications import SeverityLevel
from textual.widgets import LoadingIndicator
from textual.worker import Worker, WorkerState

from ravensec.core.config import config_path
from ravensec.core.errors import RavensecError
from ravensec.core.models import CertificateDefinition, Product
from ravensec.core.profile import Profile
from ravensec.tui.demo import DemoHandle, ServedDemo
from ravensec.tui.messages import DataChanged, ProductChosen
from ravensec.tui.modals.info import InfoModal, error_details, help_text
from ravensec.tui.safetext import visible
from ravensec.tui.screens.firstrun import FirstRunScreen
from ravensec.tui.widgets.badge import HeaderBadge, badge_for
from ravensec.tui.widgets.footer import KeysFooter
from ravensec.tui.widgets.palette import RavensecCommands
from ravensec.tui.widgets.policy import WRITE_ACTIONS, read_only_reason
from ravensec.tui.widgets.terminal_guard import ControlFilter

if TYPE_CHECKING:
    from ravensec.core.workspace import Workspace

log = logging.getLogger("ravensec.tui")
TOAST_LIMIT = 1000  # cells: a toast is a few lines; the whole text stays on `!` (the last error's details)

WorkspaceOpener = Callable[[Profile, bool | None], Awaitable["Workspace"]]  # (profile, read_only)

# The first frame needs no workspace: what an open profile needs (the workspace with aiohttp and the HTTP layer,
# the screens over it with the rest of core, ~130 ms of imports in all) is imported once a profile is opened,
# in the functions below, after the first frame is on screen. tests/core/test_import_cost.py keeps it so.


async def _open_workspace(profile: Profile, read_only: bool | None) -> Workspace:
    from ravensec.core.workspace import Workspace  # after the first frame (see above)

    return await Workspace.open(profile, read_only=read_only)


def _import_workspace() -> None:
    """On the demo's worker thread, while its mock boots in its own process (bench.tui_startup)."""
    import ravensec.core.workspace  # noqa: F401


def _import_screens() -> None:
    """On a thread while the profile opens and lists its products: the two overlap (bench.tui_startup)."""
    import ravensec.tui.screens.products  # noqa: F401


class RavensecApp(App[int]):
    CSS_PATH = "app.tcss"
    TITLE = "ravensec"
    # Only ravensec's own actions: Textual's system commands (themes, screenshots, its key panel) list
    # internal names the user cannot map to anything on screen.
    COMMANDS = {RavensecCommands}
    BINDINGS = [
        Binding("q", "quit", "Quit", id="app.quit"),
        Binding("question_mark", "help", "Help", id="app.help"),
        Binding("X", "expiry", "Expiry", id="app.expiry"),
        Binding("P", "posture", "Posture (all)", id="app.posture", show=False),
        Binding("exclamation_mark", "last_error", "Last error", id="app.last_error", show=False),
    ]

    def __init__(
        self,
        profile: Profile | None,
        *,
        demo: bool = False,
        read_only: bool = False,
        now: Callable[[], datetime] | None = None,
        keymap: Mapping[str, str] | None = None,
        opener: WorkspaceOpener | None = None,
        demo_world: str | None = None,
        demo_process: ServedDemo | None = None,
        config_file: Path | None = None,
    ) -> None:
        super().__init__()
        self.profile = profile
        self.demo = demo
        self.force_read_only = read_only
        self.now: Callable[[], datetime] = now or (lambda: datetime.now(UTC))
        self._keymap = dict(keymap or {})
        self.config_file = config_file  # where the keymap and the profile were read (named in messages)
        self._opener = opener or _open_workspace
        self.workspace: Workspace | None = None
        self.current_product: Product | None = None
        self.callers: dict[str, CertificateDefinition | None] = {}
        self._asking: set[str] = set()  # product ids with a whoami in flight
        self.errors: list[tuple[str, BaseException]] = []
        self.demo_handle: DemoHandle | None = None
        self.fatal: str | None = None  # printed by run_tui after the terminal is restored
        # --demo: the world to serve (None = no demo to start), and its mock if already spawned (``ravensec
        # --demo`` spawns it before Textual is imported); else it is spawned once the first frame is on screen.
        self._demo_world = demo_world
        self._demo_process = demo_process
        self._control_filter = ControlFilter()

    def get_line_filters(self) -> Sequence[LineFilter]:
        # Last: after colour filters, nothing a widget drew can carry a control character to the terminal.
        return [*super().get_line_filters(), self._control_filter]

    def notify(
        self,
        message: str,
        *,
        title: str = "",
        severity: SeverityLevel = "information",
        timeout: float | None = None,
        markup: bool = True,
    ) -> None:
        """Every toast: its text quotes names from servers (errors, results), so it is data, never markup.

        ``markup`` is accepted for Textual's signature and ignored: no toast of ravensec uses markup.
        """
        super().notify(visible(message, limit=TOAST_LIMIT, multiline=True), title=visible(title, limit=TOAST_LIMIT),
                       severity=severity, timeout=timeout, markup=False)

    # ------------------------------------------------------------------ start-up
    def compose(self) -> ComposeResult:
        yield HeaderBadge(id="badge")
        # Animates 16 times a second wherever it is, even under other screens: removed once loading ends.
        yield LoadingIndicator(id="starting")
        yield KeysFooter()

    def on_mount(self) -> None:
        if not self.is_headless:
            # A hang-up (terminal closed) or a plain `kill` leaves like `q`: the terminal is restored and the
            # demo's mock stopped and removed, instead of Python's default of dying on the spot.
            loop = asyncio.get_running_loop()
            for sig in (signal.SIGTERM, signal.SIGHUP):
                loop.add_signal_handler(sig, self.exit)
        if self._keymap:
            self.set_keymap(self._keymap)
            self._report_unknown_keymap_ids()
        self.refresh_badge()
        if self._demo_world is not None:
            # After the first frame: the imports of an open profile would otherwise hold the GIL while Textual
            # starts, and the user would look at a blank terminal instead of the header and a spinner.
            self.call_after_refresh(self._start_demo, self._demo_world, True)
        elif self.profile is None:
            self.push_screen(FirstRunScreen())
            self._loading_done()
        else:
            self.open_profile(self.profile)

    @work(exit_on_error=False, name="open profile")
    async def open_profile(self, profile: Profile) -> None:
        # The screens load on a thread while the profile opens and lists its products (network waits).
        screens = asyncio.ensure_future(asyncio.to_thread(_import_screens))
        try:
            try:
                ws = await self._opener(profile, True if self.force_read_only else None)
                # One clock for the app and the core (the demo-fixed world's, in a demo): expiry agrees everywhere.
                ws.now = self.now
            except RavensecError as e:
                log.error("could not open profile %s: %s", profile.name, e)
                self.fatal = f"ravensec: cannot open profile {profile.name!r}: {e}"
                self.exit(1, return_code=e.exit_code or 1)
                return
            products: list[Product] | None = None
            with contextlib.suppress(RavensecError):  # the screen then reads the list itself, and a failure
                products = await ws.list_products()  # reaches the error funnel there, with the screen on view
        finally:
            await screens
        if self.workspace is not None:
            await self.workspace.close()
        self.profile = profile
        self.workspace = ws
        self.callers.clear()
        self.refresh_badge()

        from ravensec.tui.screens.products import ProductsScreen  # loaded above, on a thread

        while len(self.screen_stack) > 1:
            self.pop_screen()
        self.push_screen(ProductsScreen(products))
        self._loading_done()

    def _report_unknown_keymap_ids(self) -> None:
        """Textual ignores a keymap id no binding has; say so once, or the remap silently does nothing."""
        unknown = sorted(set(self._keymap) - known_binding_ids())
        if unknown:
            names = ", ".join(repr(i) for i in unknown)
            self.notify(
                f"[keymap] in {self.config_file or config_path()}: no key has the id {names}; ignored. "
                "Help (?) lists every id.",
                title="Unknown key binding id",
                severity="warning",
                timeout=15,
                markup=False,
            )

    def _loading_done(self) -> None:
        self.screen_stack[0].query("#starting").remove()

    async def on_unmount(self) -> None:
        if self.workspace is not None:
            try:
                await self.workspace.close()
            except Exception:  # closing is best effort on the way out
                log.exception("closing the workspace failed")
        if self.demo_handle is not None:
            self.demo_handle.stop()

    def start_demo(self, world: str | None = None) -> None:
        """From the first-run screen: start the embedded mock, then open it like any profile."""
        self._start_demo(world, False)

    @work(thread=True, exclusive=True, exit_on_error=False, name="start demo")
    def _start_demo(self, world: str | None, fatal: bool) -> None:
        """``fatal``: started by ``--demo``, so without the mock there is nothing to show; else a toast."""
        served, self._demo_process = self._demo_process or ServedDemo.spawn(world or "demo"), None
        try:
            _import_workspace()  # on this thread while the mock boots in its own process
            served.wait_ready()
        except Exception as e:
            served.stop()
            if not fatal:
                raise
            log.exception("the demo mock did not start")
            with contextlib.suppress(RuntimeError):  # the user quit meanwhile: nothing to tell
                self.call_from_thread(self._fail, f"ravensec: the demo could not start: {e}")
            return
        try:
            self.call_from_thread(self._demo_started, served)
        except RuntimeError:  # the user quit while the mock was starting: nobody else will stop it
            served.stop()

    def _fail(self, message: str) -> None:
        self._loading_done()
        self.fatal = message
        self.exit(1, return_code=1)

    def _demo_started(self, demo: DemoHandle) -> None:
        self.demo_handle, self.demo, self.now = demo, True, demo.now
        self.open_profile(demo.profile)

    def require_workspace(self) -> Workspace:
        if self.workspace is None:
            raise RavensecError("No profile is open yet.")
        return self.workspace

    # ------------------------------------------------------------------ shared state
    @property
    def read_only(self) -> bool:
        return bool(self.workspace.read_only) if self.workspace is not None else self.force_read_only

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action in ("expiry", "posture") and self.workspace is None:
            return None
        return True

    def refusal(self, action: str) -> str | None:
        """The one read-only rule: every write action of every screen is refused here."""
        return self.read_only_refusal() if action in WRITE_ACTIONS else None

    def read_only_refusal(self) -> str | None:
        """Why nothing may be changed (and where read-only comes from), or None when changes are allowed."""
        if not self.read_only:
            return None
        return read_only_reason(
            flag=self.force_read_only,
            profile=self.profile.name if self.profile else "(none)",
            config_file=str(self.config_file or config_path()),
        )

    def on_key(self, event: events.Key) -> None:
        """A key whose action is disabled says why (the reason help shows) instead of doing nothing.

        Keys reach the app after the bindings ran (App._on_key): an enabled binding has acted, a disabled one
        was skipped, and a key no binding has stays silent."""
        active = self.screen.active_bindings.get(event.key)
        if active is None or active.enabled:
            return
        reason = _reason_for(active.node, active.binding.action)
        if reason:
            self.notify(reason, title=f"{active.binding.description or 'Key'}: not now", severity="warning",
                        timeout=6, markup=False)

    def caller(self, product_id: str | None) -> CertificateDefinition | None:
        return self.callers.get(product_id) if product_id else None

    def set_product(self, product: Product | None) -> None:
        self.current_product = product
        self.refresh_badge()
        if product is not None:
            self.ensure_caller(product.id)

    def on_product_chosen(self, message: ProductChosen) -> None:
        self.set_product(message.product)

    def on_data_changed(self, message: DataChanged) -> None:
        # A certificate edit may have touched the one in use (name, clearance): ask whoami again.
        if message.product_id is not None:
            self.callers.pop(message.product_id, None)
            self.load_caller(message.product_id)
        for screen in self.screen_stack:
            hook = getattr(screen, "data_changed", None)
            if hook is not None:
                hook(message.product_id)

    def ensure_caller(self, product_id: str) -> None:
        """Ask whoami unless the answer is known or on its way: the products poll asks on every reload, and
        a whoami slower than the poll would otherwise pile up requests."""
        if product_id not in self.callers and product_id not in self._asking:
            self.load_caller(product_id)

    def load_caller(self, product_id: str) -> None:
        """Ask whoami now, even if an answer is on its way (it may predate a change)."""
        self._asking.add(product_id)
        self._whoami(product_id)

    @work(exit_on_error=False, group="whoami", name="whoami")
    async def _whoami(self, product_id: str) -> None:
        try:
            caller = await self.require_workspace().whoami(product_id)
        except RavensecError as e:
            log.warning("whoami for %s failed: %s", product_id, e)
            caller = None
        finally:
            self._asking.discard(product_id)
        self.callers[product_id] = caller
        self.refresh_badge()
        for screen in self.screen_stack:
            screen.refresh_bindings()
            hook = getattr(screen, "caller_changed", None)
            if hook is not None:
                hook(product_id)

    def refresh_badge(self) -> None:
        p = self.profile
        product = self.current_product
        badge = badge_for(
            profile=p.name if p else "(none)",
            kind=p.kind if p else "-",
            demo=self.demo,
            read_only=self.read_only,
            caller=self.caller(product.id if product else None),
            product=product.display_name if product else None,
            now=self.now(),
        )
        for screen in self.screen_stack:
            for header in screen.query(HeaderBadge):
                header.show(badge)

    # ------------------------------------------------------------------ the error funnel
    def report_error(self, error: BaseException, *, where: str = "") -> None:
        """Every failed worker ends here: a toast with the core error's text; details on `!`."""
        self.errors.append((where, error))
        if isinstance(error, RavensecError):
            log.warning("%s failed: %s", where, error)
            message = str(error)
        else:
            log.error("%s failed unexpectedly", where, exc_info=error)
            message = f"Unexpected {type(error).__name__}: {error}"
        title = f"{where[:1].upper()}{where[1:]} failed" if where else "Failed"
        self.notify(message, title=title, severity="error", timeout=8)

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        if event.state == WorkerState.ERROR and event.worker.error is not None:
            self.report_error(event.worker.error, where=event.worker.name)

    def action_last_error(self) -> None:
        if not self.errors:
            self.notify("No errors so far.")
            return
        where, error = self.errors[-1]
        self.push_screen(InfoModal("Error details", error_details(error, where), modal_id="error-details"))

    # ------------------------------------------------------------------ global actions
    def action_help(self) -> None:
        screen = self.screen
        rows: list[tuple[str, str, str, str | None]] = []
        seen: set[str] = set()
        for active in screen.active_bindings.values():
            b = active.binding
            if b.action in seen or not b.description or not b.id:
                continue
            seen.add(b.action)
            reason = None if active.enabled else _reason_for(active.node, b.action)
            rows.append((self.get_key_display(b), b.description, b.id or "", reason))
        rows.sort(key=lambda r: r[2])
        self.push_screen(InfoModal("Keys", help_text(rows), modal_id="help"))

    def action_expiry(self) -> None:
        from ravensec.tui.screens.expiry import ExpiryScreen  # with the workspace (see _open_workspace)

        if self.workspace is None or isinstance(self.screen, ExpiryScreen):
            return
        self.leave_then(lambda: self.push_screen(ExpiryScreen()), leaving="switch")

    async def action_quit(self) -> None:
        self.leave_then(self.exit)

    def leave_then(self, go: Callable[[], object], *, leaving: str = "leave") -> None:
        """Run ``go`` once the current screen agrees: one with unsaved edits (``confirm_leave``) asks first."""
        guard = getattr(self.screen, "confirm_leave", None)
        if callable(guard):
            guard(go, leaving=leaving)
        else:
            go()

    def action_posture(self) -> None:
        """The posture review of every product, from anywhere (``a`` on the products screen: one product)."""
        from ravensec.tui.screens.posture import PostureScreen  # with the workspace (see _open_workspace)

        if self.workspace is None or (isinstance(self.screen, PostureScreen) and self.screen.product is None):
            return
        self.push_screen(PostureScreen())


def _classes(cls: type[DOMNode]) -> Iterator[type[DOMNode]]:
    yield cls
    for sub in cls.__subclasses__():
        yield from _classes(sub)


def known_binding_ids() -> set[str]:
    """Every binding id of every widget, screen and app class loaded (ravensec's and Textual's)."""
    ids: set[str] = set()
    for cls in _classes(DOMNode):
        for b in cls.__dict__.get("BINDINGS", ()):
            if isinstance(b, Binding) and b.id:
                ids.add(b.id)
    return ids


def _reason_for(node: DOMNode, action: str) -> str | None:
    refusal = getattr(node, "refusal", None)
    return refusal(action) if callable(refusal) else "not available here"

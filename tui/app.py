"""The Textual application: its screens, its start-up (a demo's mock, then a profile opened and its products
listed) and the global actions. The app is assembled from parts that each hold one concern:
``app_callers`` (who the app acts as, per product, and the header badge), ``app_keys`` (the read-only rule,
disabled keys and help) and ``app_errors`` (the one worker error funnel and the toasts).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal
from collections.abc import Awaitable, Callable, Mapping, Sequence
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING

from textual import work
from textual.app import App, ComposeResult
from textual.binding import Binding
from textual.filter import LineFilter
from textual.widgets import LoadingIndicator

from ravensec.core.clock import utc_now
from ravensec.core.errors import RavensecError
from ravensec.core.models import CertificateDefinition, Product
from ravensec.core.profile import Profile
from ravensec.tui.app_callers import CallerCache
from ravensec.tui.app_errors import ErrorFunnel
from ravensec.tui.app_keys import KeyRules
from ravensec.tui.demo import DemoHandle, ServedDemo
from ravensec.tui.screens.firstrun import FirstRunScreen
from ravensec.tui.widgets.badge import HeaderBadge
from ravensec.tui.widgets.footer import KeysFooter
from ravensec.tui.widgets.palette import RavensecCommands
from ravensec.tui.widgets.terminal_guard import ControlFilter

if TYPE_CHECKING:
    from ravensec.core.workspace import Workspace

log = logging.getLogger("ravensec.tui")

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


class RavensecApp(CallerCache, KeyRules, ErrorFunnel, App[int]):
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
        self.now: Callable[[], datetime] = now or utc_now
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

    # ------------------------------------------------------------------ global actions
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

"""The demo's mock, two ways: ``ServedDemo`` runs ``ravensec-mock serve`` as a child process (``--demo`` and the
first-run screen), ``Demo`` holds an in-process ``MockCloud`` (training, which judges its live state).

Light on purpose: ``ravensec --demo`` spawns the child before Textual is imported, so the mock boots on
another core while the interface loads (``bench.tui_startup``: the products table about 60 ms sooner than
with the mock in-process, where its imports and TLS handshakes share one interpreter lock with the UI).
"""

from __future__ import annotations

import contextlib
import logging
import shutil
import subprocess
import sys
import tempfile
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import IO, TYPE_CHECKING, Protocol

from ravensec.core.clock import utc_now
from ravensec.core.errors import RavensecError
from ravensec.core.mock_connection import MockConnection
from ravensec.core.profile import Profile

if TYPE_CHECKING:
    from ravensec.mock import MockCloud

log = logging.getLogger("ravensec.demo")

# Server-side generation on the demo's burstable instances takes a tenth of its simulated time for real
# (2.4 s on the Free one): enough to feel what generating here saves, not enough to bore.
DEMO_TIME_SCALE = 0.1
READY_LINE = b"Serving;"  # ravensec-mock serve prints it once every listener is up and connection.json written
STOP_SECONDS = 5.0


class DemoHandle(Protocol):
    """What the app needs of a running demo mock."""

    @property
    def profile(self) -> Profile: ...

    @property
    def now(self) -> Callable[[], datetime]: ...

    def backup_key(self, product_id: str, database: str) -> str | None: ...

    def stop(self) -> None: ...


class DemoError(RavensecError):
    """The demo's mock did not start; the message is what it said."""


@dataclass
class ServedDemo:
    """``ravensec-mock serve`` as a child of this process, reached like any mock profile (its connection.json).

    The child stops when its standard input closes (``--stop-on-eof``), so it never outlives this process,
    even one killed outright. Its files live in a temporary directory that :meth:`stop` removes."""

    process: subprocess.Popen[bytes]
    home: Path  # state/ (the mock's files: CA, certificates, connection.json) and mock.log (its stderr)
    connection: MockConnection | None = field(default=None, init=False)
    _stopping: threading.Lock = field(default_factory=threading.Lock, init=False, repr=False)

    @classmethod
    def spawn(cls, world: str = "demo") -> ServedDemo:
        """Start the child now and return at once; :meth:`wait_ready` blocks until it serves."""
        home = Path(tempfile.mkdtemp(prefix="ravensec-demo-"))
        try:
            with open(home / "mock.log", "wb") as errors:
                process = subprocess.Popen(
                    [sys.executable, "-m", "ravensec.mock.cli", "serve", "--world", world,
                     "--state-dir", str(home / "state"), "--cpu-time-scale", str(DEMO_TIME_SCALE), "--stop-on-eof"],
                    stdin=subprocess.PIPE,
                    stdout=subprocess.PIPE,  # the connection details, API key included: never to the terminal
                    stderr=errors,
                    # Its own session: the terminal's signals (hang-up, Ctrl-C outside raw mode) reach the UI,
                    # which stops the child in order.
                    start_new_session=True,
                )
        except BaseException:
            shutil.rmtree(home, ignore_errors=True)
            raise
        return cls(process, home)

    @property
    def profile(self) -> Profile:
        return Profile(name="demo", kind="mock", state_dir=self.home / "state")

    @property
    def now(self) -> Callable[[], datetime]:
        """The world's clock (fixed in ``demo-fixed``), so expiry highlighting matches the mock."""
        return self.connection.clock(utc_now) if self.connection is not None else utc_now

    def wait_ready(self) -> None:
        """Block until the mock serves; :class:`DemoError` with its own words if it exits first."""
        out = self.process.stdout
        assert out is not None
        for line in out:
            if line.startswith(READY_LINE):
                self.connection = MockConnection.read(self.home / "state")
                log.info("demo mock (pid %d) listening at %s", self.process.pid, self.connection.portal_url)
                return
        self.process.wait()
        raise DemoError(self._last_words())

    def _last_words(self) -> str:
        try:
            text = (self.home / "mock.log").read_text(encoding="utf-8", errors="replace")
        except OSError:
            text = ""
        lines = [ln.strip() for ln in text.splitlines() if ln.strip()]
        said = lines[-1].removeprefix("ravensec-mock: ") if lines else "no message"
        return f"{said} (the mock exited with code {self.process.returncode})"

    def backup_key(self, product_id: str, database: str) -> str | None:
        return self.connection.backup_key_for(product_id, database) if self.connection is not None else None

    def stop(self) -> None:
        """Stop the child (closing its input is the signal) and remove its files; safe to call twice, from two
        threads (the app on its way out, and the worker that started it if the user quit meanwhile)."""
        with self._stopping:
            self._stop()

    def _stop(self) -> None:
        if self.process.poll() is None:
            _close(self.process.stdin)
            try:
                self.process.wait(STOP_SECONDS)
            except subprocess.TimeoutExpired:
                log.warning("the demo mock did not stop within %.0f s: killed", STOP_SECONDS)
                self.process.kill()
                self.process.wait()
        _close(self.process.stdin)
        _close(self.process.stdout)
        shutil.rmtree(self.home, ignore_errors=True)


def _close(stream: IO[bytes] | None) -> None:
    if stream is not None:
        with contextlib.suppress(OSError):
            stream.close()


@dataclass
class Demo:
    """A running in-process mock and the profile that reaches it."""

    cloud: MockCloud
    profile: Profile
    # The demo offers its backup keys in the verify dialog; a training scenario hands them out itself.
    offers_backup_keys: bool = True

    def backup_key(self, product_id: str, database: str) -> str | None:
        """The key that opens ``database``'s backups in this mock: its own, else the account's."""
        if not self.offers_backup_keys:
            return None
        own = self.cloud.database_keys(product_id) if product_id in self.cloud.products else {}
        return next((k for name, k in own.items() if name.casefold() == database.casefold()), self.cloud.backup_key)

    @property
    def now(self) -> Callable[[], datetime]:
        """The world's clock (fixed in the demo world), so expiry highlighting matches the mock."""
        return self.cloud.state.clock

    def stop(self) -> None:
        try:
            self.cloud.__exit__(None, None, None)
        except Exception:  # stopping is best effort on the way out
            log.exception("stopping the demo mock failed")


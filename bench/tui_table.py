"""Large tables in the TUI (printed, never asserted): the real app over an in-memory workspace holding one
product with 10,000 certificates (and 100,000, to show how it scales), driven with Pilot at 120x40.

1. open: ``c`` on the products screen -> the certificates table painted with every row; target <= 300 ms.
2. filter: each keystroke typed into the filter (``svc-0123``, then backspace to the full table) -> the next
   frame; p50/p90/max over every keystroke; target p90 <= 50 ms.
3. end: ``end`` -> the last row painted.
"""

from __future__ import annotations

import asyncio
import statistics
import sys
import time
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from ravensec.core.models import (
    CertificateDefinition,
    DatabaseAccess,
    Node,
    Product,
    ProductStatus,
    SecurityClearance,
    Tier,
)
from ravensec.core.profile import Profile
from ravensec.tui.app import RavensecApp
from ravensec.tui.screens.certificates import CertificatesScreen
from ravensec.tui.widgets.grid import Grid

NOW = datetime(2026, 1, 1, tzinfo=UTC)
TYPED = "svc-0123"
ROUNDS = 3


@dataclass(frozen=True)
class _Capabilities:
    backups: bool = False
    edit_ip_rules: bool = False
    regenerate_certificate: bool = False
    portal_url: str = ""


class _Workspace:
    """What the products and certificates screens ask of ravensec.core.workspace.Workspace, from memory."""

    def __init__(self, n: int) -> None:
        self.read_only = True
        self.now = lambda: NOW
        self.capabilities = _Capabilities()
        self.product = Product("p1", "big", ProductStatus.ACTIVE, Tier.PRODUCTION, "AWS", "eu-west-1",
                               instance_type="PR10", nodes=(Node("A", "https://a.big.invalid"),))
        self.certs = [
            CertificateDefinition(
                name=f"svc-{i:06d}", thumbprint=f"{i * 7919:040X}", security_clearance=SecurityClearance.VALID_USER,
                permissions={"orders": DatabaseAccess.READ}, not_before=NOW, not_after=NOW + timedelta(days=i % 400),
            )
            for i in range(n)
        ]
        self.me = CertificateDefinition(name="operator", thumbprint="F" * 40,
                                        security_clearance=SecurityClearance.OPERATOR, permissions={},
                                        not_before=NOW, not_after=NOW + timedelta(days=900))

    async def close(self) -> None:
        pass

    async def list_products(self) -> list[Product]:
        return [self.product]

    async def whoami(self, product_id: str) -> CertificateDefinition:
        return self.me

    async def list_certificates(self, product_id: str) -> list[CertificateDefinition]:
        return [self.me, *self.certs]

    async def databases(self, product_id: str) -> list[str]:
        return ["orders"]


async def _settle(app: RavensecApp, pilot: Any) -> None:
    await pilot.pause()
    await app.workers.wait_for_complete()
    await pilot.pause()


class _Frames:
    """When each frame left the app (headless, Textual still composes it and hands it to ``App._display``), with
    the certificates table's filter, cursor and row count at that moment: a key's latency is from sending it to
    the first frame that shows its effect, without Pilot's own waits for idleness."""

    def __init__(self, app: RavensecApp) -> None:
        self.seen: list[tuple[float, str, int, int]] = []
        display = app._display

        def record(screen: Any, renderable: Any) -> None:
            display(screen, renderable)
            if renderable is not None and isinstance(screen, CertificatesScreen):
                grid = screen.query_one(Grid)
                self.seen.append((time.perf_counter(), grid.filter_text, grid.cursor_row, len(grid.shown_rows)))

        app._display = record  # type: ignore[method-assign]

    def first(self, since: float, *, filter_text: str | None = None, cursor: int | None = None,
              rows: int | None = None) -> float:
        for t, text, row, count in self.seen:
            if t > since and filter_text in (None, text) and cursor in (None, row) and rows in (None, count):
                return t - since
        raise RuntimeError("no frame showed the change")


async def measure(n: int) -> tuple[float, list[float], float]:
    """Seconds to open the table, to each filter keystroke's frame, and from ``end`` to its frame."""
    ws = _Workspace(n)

    async def opener(profile: Profile, read_only: bool | None) -> _Workspace:
        return ws

    app = RavensecApp(Profile(name="bench", kind="mock"), now=lambda: NOW, opener=opener)  # type: ignore[arg-type]
    async with app.run_test(size=(120, 40)) as pilot:
        frames = _Frames(app)
        await _settle(app, pilot)
        t0 = time.perf_counter()
        await pilot.press("c")
        await _settle(app, pilot)
        opened = frames.first(t0, rows=n + 1)
        await pilot.press("slash")
        keys: list[float] = []
        for _ in range(ROUNDS):
            typed = ""
            for key in [*TYPED, *["backspace"] * len(TYPED)]:
                typed = typed[:-1] if key == "backspace" else typed + key
                t0 = time.perf_counter()
                await pilot.press(key)
                await pilot.pause()
                keys.append(frames.first(t0, filter_text=typed))
        await pilot.press("enter")  # back to the table
        t0 = time.perf_counter()
        await pilot.press("end")
        await pilot.pause()
        end = frames.first(t0, cursor=n)
    return opened, keys, end


def _ms(seconds: float) -> str:
    return f"{seconds * 1000:.1f} ms"


def main() -> int:
    print(f"large tables, Pilot at 120x40 (filter: {TYPED!r} typed and erased {ROUNDS} times):")
    for n in (10_000, 100_000):
        opened, keys, end = asyncio.run(measure(n))
        cuts = statistics.quantiles(keys, n=10)
        print(f"  {n:>7,} certificates: open {_ms(opened)} (target <= 300 ms at 10,000); "
              f"filter key -> frame p50 {_ms(statistics.median(keys))} p90 {_ms(cuts[8])} max {_ms(max(keys))} "
              f"(target p90 <= 50 ms); end -> frame {_ms(end)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

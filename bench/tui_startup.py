"""TUI benchmarks (printed, never asserted):

1. start-up: process start -> first painted products table in demo mode, beside a minimal Textual app
   (one DataTable) measured the same way in the same run; target ratio < 1.5.
2. filter latency on a certificates table of 10,000 rows: keystroke -> table re-rendered; target < 100 ms.
"""

from __future__ import annotations

import statistics
import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

RUNS = 3


def _child_minimal() -> None:
    from textual.app import App, ComposeResult
    from textual.widgets import DataTable

    class Minimal(App[None]):
        def compose(self) -> ComposeResult:
            yield DataTable()

        def on_mount(self) -> None:
            table = self.query_one(DataTable)
            table.add_columns("Name", "Status")
            table.add_rows([("a", "Active"), ("b", "Active")])
            self.call_after_refresh(self._painted)

        def _painted(self) -> None:
            print(f"PAINTED {time.time()}", flush=True)
            self.exit()

    Minimal().run(headless=True, size=(120, 40))


def _child_ravensec() -> None:
    # The same start-up as tui.launch.run_tui for --demo (mock started beside Textual), but headless.
    from concurrent.futures import ThreadPoolExecutor

    from tui.demo import start_demo

    pending = ThreadPoolExecutor(1).submit(start_demo, "demo")
    from tui.app import RavensecApp
    from tui.screens.products import ProductsScreen
    from tui.widgets.grid import Grid

    app = RavensecApp(None, demo=True, pending_demo=pending)
    reported = False

    def check() -> None:
        nonlocal reported
        screen = app.screen
        grids = list(screen.query(Grid)) if isinstance(screen, ProductsScreen) else []
        if not reported and grids and grids[0].row_count:
            reported = True
            app.call_after_refresh(lambda: (print(f"PAINTED {time.time()}", flush=True), app.exit()))

    app.call_later(lambda: app.set_interval(0.005, check))
    app.run(headless=True, size=(120, 40))


def _time_child(kind: str) -> float:
    start = time.time()
    out = subprocess.run([sys.executable, "-m", "bench.tui_startup", kind], capture_output=True, text=True,
                         cwd=Path(__file__).resolve().parents[1], timeout=120)
    for line in out.stdout.splitlines():
        if line.startswith("PAINTED "):
            return float(line.split()[1]) - start
    raise RuntimeError(f"{kind} did not paint: {out.stderr[-2000:]}")


async def _filter_latency(n: int = 10_000) -> list[float]:
    from textual.app import App, ComposeResult

    from core.models import CertificateDefinition, DatabaseAccess, SecurityClearance
    from tui.screens.certificates import COLUMNS, cert_rows
    from tui.widgets.grid import Grid

    now = datetime(2026, 1, 1, tzinfo=UTC)
    certs = [
        CertificateDefinition(
            name=f"svc-{i:05d}", thumbprint=f"{i * 7919:040X}", security_clearance=SecurityClearance.VALID_USER,
            permissions={"orders": DatabaseAccess.READ}, not_before=now, not_after=now + timedelta(days=i % 400),
        )
        for i in range(n)
    ]

    class Bench(App[None]):
        def compose(self) -> ComposeResult:
            yield Grid(COLUMNS)

    timings = []
    app = Bench()
    async with app.run_test(size=(120, 40)) as pilot:
        grid = app.query_one(Grid)
        grid.set_rows(cert_rows(certs, now, None))
        await pilot.pause()
        typed = ""
        for ch in "svc-0123":
            typed += ch
            t0 = time.perf_counter()
            grid.set_filter(typed)
            await pilot.pause()
            timings.append(time.perf_counter() - t0)
        for _ in range(len(typed)):  # deleting back to the full 10,000 rows is the slow direction
            typed = typed[:-1]
            t0 = time.perf_counter()
            grid.set_filter(typed)
            await pilot.pause()
            timings.append(time.perf_counter() - t0)
    return timings


def main() -> int:
    if len(sys.argv) > 1 and sys.argv[1] == "child-minimal":
        _child_minimal()
        return 0
    if len(sys.argv) > 1 and sys.argv[1] == "child-ravensec":
        _child_ravensec()
        return 0
    minimal = [_time_child("child-minimal") for _ in range(RUNS)]
    ours = [_time_child("child-ravensec") for _ in range(RUNS)]
    m, o = statistics.median(minimal), statistics.median(ours)
    print(f"start-up to first painted table (median of {RUNS}): minimal Textual app {m * 1000:.0f} ms, "
          f"ravensec --demo {o * 1000:.0f} ms, ratio {o / m:.2f} (target < 1.5)")
    import asyncio

    lat = asyncio.run(_filter_latency())
    print(f"filter latency on 10,000 certificates: median {statistics.median(lat) * 1000:.1f} ms, "
          f"max {max(lat) * 1000:.1f} ms per keystroke (target < 100 ms)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

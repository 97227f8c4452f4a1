"""SVG snapshots of every screen at 120x40 and 80x24, against the demo-fixed world (fixed clock, fixed keys).

The mock runs in a thread (snap_compare runs the app in its own event loop) on fixed ports so that the
node URLs in the detail pane are stable. Update with: .venv/bin/pytest tests/tui/test_snapshots.py --snapshot-update
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from textual.widgets import Input

from ravensec.mock import MockCloud
from ravensec.tui.app import RavensecApp
from ravensec.tui.widgets.grid import Grid
from tests.tui.helpers import settle

SIZES = [(120, 40), (80, 24)]
# Fixed (and below the ephemeral port range, so no outgoing connection holds it) so that URLs in the
# snapshots do not change between runs.
PORT_BASE = 23310


@pytest.fixture(scope="module")
def demo_cloud() -> Iterator[Any]:
    with MockCloud("demo-fixed", port_base=PORT_BASE) as cloud:
        yield cloud


@pytest.fixture
def app(demo_cloud: Any) -> RavensecApp:
    demo_cloud.reset()
    return RavensecApp(demo_cloud.profile(name="demo"), demo=True, now=demo_cloud.state.clock)


async def steady_cursors(pilot: Any) -> None:
    """A focused Input's cursor blinks on a 0.5 s wall-clock timer, so a loaded machine took the screenshot
    in either phase. The blink stops with the cursor shown, as the stored snapshots have it."""
    for field in pilot.app.screen.query(Input):
        field.cursor_blink = False
    await pilot.pause()


def first_product_id(demo_cloud: Any) -> str:
    return next(p.id for p in demo_cloud.products.values() if p.node_urls)


def goto(key: str, product_id: str) -> Any:
    async def run_before(pilot: Any) -> None:
        await settle(pilot)
        grid = pilot.app.screen.query_one(Grid)
        grid.move_cursor(row=[r.key for r in grid.shown_rows].index(product_id))
        await settle(pilot)
        if key:
            await pilot.press(key)
            await settle(pilot)
        await steady_cursors(pilot)

    return run_before


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
@pytest.mark.parametrize("key", ["", "c", "i", "b"], ids=["products", "certificates", "iprules", "backups"])
def test_screen(snap_compare: Any, app: RavensecApp, demo_cloud: Any, key: str, size: tuple[int, int]) -> None:
    assert snap_compare(app, terminal_size=size, run_before=goto(key, first_product_id(demo_cloud)))


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
def test_expiry(snap_compare: Any, app: RavensecApp, demo_cloud: Any, size: tuple[int, int]) -> None:
    assert snap_compare(app, terminal_size=size, run_before=goto("X", first_product_id(demo_cloud)))


def test_posture(snap_compare: Any, app: RavensecApp, demo_cloud: Any) -> None:
    # The review across every product, the most severe finding selected (docs/screenshots/posture.svg).
    assert snap_compare(app, terminal_size=(120, 40), run_before=goto("P", first_product_id(demo_cloud)))


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
def test_first_run(snap_compare: Any, size: tuple[int, int]) -> None:
    async def run_before(pilot: Any) -> None:
        await settle(pilot)
        await steady_cursors(pilot)

    assert snap_compare(RavensecApp(None), terminal_size=size, run_before=run_before)


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
def test_generate_form(
    snap_compare: Any, app: RavensecApp, demo_cloud: Any, size: tuple[int, int], monkeypatch: pytest.MonkeyPatch
) -> None:
    # The form offers the working directory as the default folder: make it the same on every machine.
    monkeypatch.chdir("/")
    before = goto("c", first_product_id(demo_cloud))

    async def run_before(pilot: Any) -> None:
        await before(pilot)
        await pilot.press("g")
        await settle(pilot)
        await pilot.press("s")  # past the CPU credits advice: the server-side form
        await settle(pilot)
        await steady_cursors(pilot)

    assert snap_compare(app, terminal_size=size, run_before=run_before)


@pytest.mark.parametrize("size", [(80, 24), (120, 40), (200, 50)], ids=lambda s: f"{s[0]}x{s[1]}")
def test_certificates_of_shop(snap_compare: Any, app: RavensecApp, demo_cloud: Any, size: tuple[int, int]) -> None:
    """Shop has every row state: in use, expiring in 20 and 45 days, expired (old-admin), disabled (intern).
    The name and state columns show at every width; the others as the width allows."""
    assert snap_compare(app, terminal_size=size, run_before=goto("c", demo_cloud.product("Shop").id))

"""At 80x24 the header keeps the certificate in use and the footer keeps `?`; once loaded, nothing animates."""

from __future__ import annotations

from rich.text import Text
from textual.timer import Timer
from textual.widgets import LoadingIndicator
from textual.widgets._footer import FooterKey

from ravensec.tui.app import RavensecApp
from ravensec.tui.screens.products import ProductsScreen
from ravensec.tui.widgets.badge import Badge, Caller, HeaderBadge
from tests.tui.fake_workspace import FakeWorkspace
from tests.tui.helpers import settle
from tests.tui.test_ui_logic import fake_app

CALLER = Caller("free.acme.client.certificate", "321588DB3A7F" + "0" * 28, "Operator", Text("2031-11-26"))


def test_the_certificate_in_use_is_the_last_to_give_way() -> None:
    badge = Badge("a-long-profile-name", "cloud", True, True, "Playground", CALLER)
    assert "profile a-long-profile-name" in badge.fit(200).plain
    for width in (80, 70, 50, 36):
        line = badge.fit(width).plain
        name = "free.acme.client.certificate" if width >= 70 else "free.ac"  # narrower: the name is cut
        assert len(line) <= width
        assert all(part in line for part in (name, "Operator", "2031-11-26", "[RO]"))
        assert "profile" not in line and "Playground" not in line


async def test_header_and_footer_at_80x24() -> None:
    ws = FakeWorkspace()
    app = fake_app(ws)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, ProductsScreen)
        header = screen.query_one(HeaderBadge).render().plain
        assert ws.me.name in header and "Operator" in header and "2028-10-11" in header
        keys = [k for k in screen.query(FooterKey) if k.display]
        assert "help" in [k.action for k in keys]
        assert sum(k.outer_size.width for k in keys) <= 80  # whole keys only, none cut


def running_timers(app: RavensecApp) -> list[Timer]:
    nodes = [app, *(n for s in app.screen_stack for n in s.walk_children(with_self=True))]
    return [t for n in nodes for t in n._timers if t._task is not None and t._active.is_set()]


async def test_nothing_repaints_once_loaded() -> None:
    ws = FakeWorkspace()
    ws.products = [p for p in ws.products if p.id == "p1"]  # none busy: the status poll has nothing to watch
    app = fake_app(ws)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        assert isinstance(app.screen, ProductsScreen)
        assert not [w for s in app.screen_stack for w in s.query(LoadingIndicator)]
        assert not [w for s in app.screen_stack for w in s.walk_children() if w.auto_refresh is not None]
        # Each running interval timer fires once: none may repaint anything when nothing changed.
        timers = running_timers(app)
        assert timers, "the products screen polls for status changes"
        repaints: list[str] = []
        widgets = [w for s in app.screen_stack for w in s.walk_children(with_self=True)]
        for widget in widgets:
            def spy(*_a: object, _w: object = widget, _r: object = widget.refresh, **_k: object) -> object:
                repaints.append(repr(_w))
                return _r(*_a, **_k)  # type: ignore[operator]

            widget.refresh = spy  # type: ignore[method-assign]
        for timer in timers:
            await timer._tick(next_timer=0, count=1)
        await settle(pilot)
        assert repaints == []

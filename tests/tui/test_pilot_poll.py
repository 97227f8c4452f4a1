"""The products screen's poll, against the real mock: while a product is busy the list is read again, and
neither a slow list nor a slow whoami is cancelled or piled up by the next tick."""

from __future__ import annotations

import asyncio
from collections import Counter
from typing import Any

import pytest

import ravensec.tui.screens.products as products_mod
from ravensec.core.models import ProductStatus
from ravensec.core.profile import Profile
from ravensec.core.workspace import Workspace
from ravensec.tui.screens.products import ProductsScreen
from tests.tui.helpers import make_app, settle, wait_until


async def test_products_poll_does_not_pile_up_whoami(cloud: Any, product: Any, operator_profile: Profile,
                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    """Every products reload asks whoami for the products without an answer: not again while one is on its
    way, or a whoami slower than the poll would add a request per product per tick."""
    real_whoami = Workspace.whoami
    asked: Counter[str] = Counter()
    release = asyncio.Event()

    async def held_whoami(self: Workspace, product_id: str) -> Any:
        asked[product_id] += 1
        await release.wait()
        return await real_whoami(self, product_id)

    loads: list[int] = []
    real_load_extras = ProductsScreen._load_extras

    def counting_load_extras(self: ProductsScreen) -> None:
        loads.append(1)
        real_load_extras(self)

    monkeypatch.setattr(products_mod, "POLL_SECONDS", 0.05)
    monkeypatch.setattr(Workspace, "whoami", held_whoami)
    monkeypatch.setattr(ProductsScreen, "_load_extras", counting_load_extras)
    with cloud.state.lock:
        cloud.state.products[product.id].status = ProductStatus.CREATING
    app = make_app(operator_profile, now=cloud.state.clock)
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_until(pilot, lambda: len(loads) >= 5, "five products reloads", workers=False)
        assert asked and max(asked.values()) == 1, asked
        release.set()
        await wait_until(pilot, lambda: product.id in app.callers, "the whoami answer")
        assert app.callers[product.id] is not None


async def test_products_poll_while_creating(cloud: Any, product: Any, operator_profile: Profile,
                                            monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(products_mod, "POLL_SECONDS", 0.2)
    with cloud.state.lock:
        cloud.state.products[product.id].status = ProductStatus.CREATING
    app = make_app(operator_profile, now=cloud.state.clock)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, ProductsScreen)
        assert screen.products[product.id].status is ProductStatus.CREATING
        with cloud.state.lock:
            cloud.state.products[product.id].status = ProductStatus.ACTIVE
        # The next poll tick comes when the machine gets to it: wait for what it shows, not for a guess.
        await wait_until(pilot, lambda: screen.products[product.id].status is ProductStatus.ACTIVE,
                         "the poll to show the product active")
        assert screen.products[product.id].status is ProductStatus.ACTIVE


async def test_products_poll_does_not_starve_a_slow_load(cloud: Any, product: Any, operator_profile: Profile,
                                                          monkeypatch: pytest.MonkeyPatch) -> None:
    """A product list slower than the poll interval still arrives: the poll does not cancel it."""
    real_list = Workspace.list_products
    calls: list[str] = []
    release = asyncio.Event()

    async def slow_list(self: Workspace) -> list[Any]:
        calls.append("started")
        if len(calls) > 1:  # the first (on mount) answers at once; the poll's load waits until released
            await release.wait()
        products = await real_list(self)
        calls.append("finished")
        return products

    monkeypatch.setattr(products_mod, "POLL_SECONDS", 0.05)
    monkeypatch.setattr(Workspace, "list_products", slow_list)
    ticks: list[int] = []
    real_poll = ProductsScreen._poll

    def counting_poll(self: ProductsScreen) -> None:
        ticks.append(1)
        real_poll(self)

    monkeypatch.setattr(ProductsScreen, "_poll", counting_poll)
    with cloud.state.lock:
        cloud.state.products[product.id].status = ProductStatus.CREATING
    app = make_app(operator_profile, now=cloud.state.clock)
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_until(pilot, lambda: calls.count("started") == 2, "the poll to start a load", workers=False)
        screen = app.screen
        assert isinstance(screen, ProductsScreen)
        assert screen.products[product.id].status is ProductStatus.CREATING
        with cloud.state.lock:
            cloud.state.products[product.id].status = ProductStatus.ACTIVE
        # Many poll intervals pass while the load is held: none of them may start (and so cancel) another.
        seen = len(ticks)
        await wait_until(pilot, lambda: len(ticks) >= seen + 5, "five more poll ticks", workers=False)
        assert calls == ["started", "finished", "started"]
        release.set()
        await wait_until(pilot, lambda: screen.products[product.id].status is ProductStatus.ACTIVE,
                         "the held load to show the product active")
        assert calls[:4] == ["started", "finished", "started", "finished"]

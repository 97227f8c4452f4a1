"""A portal over a freshly built world, served by aiohttp's TestServer on a real loopback socket."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from functools import cache

from aiohttp.test_utils import TestClient, TestServer

from ravensec.mock.build import WorldBuilder
from ravensec.mock.portal.app import build_portal_app
from ravensec.mock.state import CloudState
from ravensec.mock.tls import MockPki
from ravensec.mock.worlds import load_world

UA = {"User-Agent": "ravensec-tests"}


@cache
def _pki() -> MockPki:
    return MockPki(0)


def demo_state(world: str = "demo") -> CloudState:
    state = WorldBuilder(load_world(world), _pki()).build()
    state.transition_seconds = 0.2
    return state


@asynccontextmanager
async def portal(state: CloudState | None = None) -> AsyncIterator[tuple[TestClient, CloudState]]:
    state = state or demo_state()
    key = sorted(state.account.api_keys)[0]
    client = TestClient(TestServer(build_portal_app(state)), headers={**UA, "X-Api-Key": key})
    await client.start_server()
    try:
        yield client, state
    finally:
        await client.close()


def product_id(state: CloudState, name: str) -> str:
    return next(p.id for p in state.products.values() if p.display_name == name)

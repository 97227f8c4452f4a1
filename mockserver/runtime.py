"""``MockCloud``: the portal and every node of every product as real HTTPS listeners on 127.0.0.1, either in
a background thread with its own event loop (``with MockCloud() as cloud``) or in the current loop
(``async with MockCloud() as cloud``).

Nodes are reconciled with the world after every portal request and after ``reset()``: a product created
through the API gets listeners before the portal's answer leaves, a removed one loses them. ``reset()``
puts the world back in place (the same ``CloudState`` object, so every app keeps seeing it) and also clears
the journal and the faults.

The listeners themselves are ``ravensec.mock.listeners``'; the files handed to clients (CA, PEM files,
connection.json), ``ravensec.mock.mock_files``'; a product's handle, ``ravensec.mock.mock_product``.
"""

from __future__ import annotations

import asyncio
import base64
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

from aiohttp import web
from aiohttp.typedefs import Handler

from ravensec.core import wiredates
from ravensec.core.clock import utc_now
from ravensec.core.errors import UsageError
from ravensec.core.profile import Profile
from ravensec.mock.build import WorldBuilder
from ravensec.mock.fair_share import FairShare, fair_share_middleware
from ravensec.mock.faults import Fault, Faults, faults_middleware
from ravensec.mock.http_limits import HttpLimits
from ravensec.mock.journal import Journal, journal_middleware
from ravensec.mock.listeners import HOSTS, Listeners
from ravensec.mock.loop_thread import call_in_loop, start_loop_thread, stop_loop_thread
from ravensec.mock.material_cache import MaterialCache
from ravensec.mock.mock_files import MockFiles
from ravensec.mock.mock_product import MockProduct
from ravensec.mock.node.listener import Listener
from ravensec.mock.node.portal_slot import find_portal, placeholder_portal
from ravensec.mock.state import CloudState, ProductState
from ravensec.mock.tls import MockPki
from ravensec.mock.worlds import load_world

__all__ = ["MockCloud", "MockProduct"]  # MockProduct is defined in mock_product, and imported from here

RESET_TIMEOUT = 30.0  # seconds: starting a product's listeners takes milliseconds; this only bounds a hang
StateFactory = Callable[[MockPki], CloudState]


class MockCloud:
    def __init__(
        self,
        world: str | Path | None = "demo",
        *,
        port_base: int = 0,
        state_dir: Path | str | None = None,
        seed: int | None = None,
        state_factory: StateFactory | None = None,
        material_cache: bool = True,
        limits: HttpLimits | None = None,
    ) -> None:
        """``world``: a world name or TOML path (ignored when ``state_factory`` builds the state instead);
        ``seed``: the PKI's seed, by default the world's own; ``material_cache``: keep the generated keys and
        certificates in the user's cache directory between runs (``ravensec.mock.material_cache``); ``limits``:
        timeouts and the body limit of every listener (``ravensec.mock.http_limits``, the server's by default)."""
        self.world = world
        self.port_base = port_base
        self.state_dir = Path(state_dir) if state_dir is not None else None
        self.journal = Journal()
        self.faults = Faults()
        self.limits = limits if limits is not None else HttpLimits()
        cache = MaterialCache.default() if material_cache else None
        if state_factory is None:
            state_factory, world_seed = self._world_factory(world, cache)
            seed = world_seed if seed is None else seed
        self.pki = MockPki(seed or 0, cache=cache)
        self._factory = state_factory
        self.state: CloudState = self._factory(self.pki)
        self._files = MockFiles(self.state_dir)
        self._listeners = Listeners(self.state, self.pki, self.journal, self.faults, self.limits, port_base)
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None
        self._sync_lock: asyncio.Lock | None = None

    @staticmethod
    def _world_factory(
        world: str | Path | None, cache: MaterialCache | None
    ) -> tuple[StateFactory, int]:
        spec = load_world(world)
        builders: dict[int, WorldBuilder] = {}

        def build(pki: MockPki) -> CloudState:
            # One builder per PKI, so that its key-material cache makes reset() cheap.
            builder = builders.get(id(pki))
            if builder is None:
                builder = builders[id(pki)] = WorldBuilder(spec, pki, cache=cache)
            return builder.build()

        return build, spec.seed

    # ------------------------------------------------------------------ public API

    @property
    def portal_url(self) -> str:
        portal = self._listeners.portal
        assert portal is not None, "the mock is not running"
        return portal.url

    @property
    def api_url(self) -> str:
        return self.portal_url + "/api/v1"

    @property
    def api_key(self) -> str:
        return sorted(self.state.account.api_keys)[0] if self.state.account.api_keys else ""

    @property
    def backup_key(self) -> str:
        """The account's backup key in base64, as the portal's restore dialog shows it: it opens the backups
        of every database without a key of its own (the demo world's Orders, for one)."""
        return base64.b64encode(self.state.account.backup_key).decode()

    def database_keys(self, product_id: str) -> dict[str, str]:
        """The own keys (base64) of a product's encrypted databases: their backups open with these only."""
        with self.state.lock:
            dbs = self.state.products[product_id].cluster.databases.values()
            return {d.name: base64.b64encode(d.key).decode() for d in dbs if d.key is not None}

    @property
    def ca_path(self) -> Path:
        return self._files.ca_path

    @property
    def products(self) -> dict[str, MockProduct]:
        with self.state.lock:
            return {p.id: self._mock_product(p) for p in self.state.products.values()}

    def product(self, name_or_id: str) -> MockProduct:
        prods = self.products
        if name_or_id in prods:
            return prods[name_or_id]
        for p in prods.values():
            if p.name.lower() == name_or_id.lower():
                return p
        raise UsageError(
            f"The mock world has no product {name_or_id!r}.",
            hint=f"Known: {', '.join(p.name for p in prods.values())}.",
        )

    def profile(self, name: str = "mock") -> Profile:
        prods = self.products
        return Profile(
            name=name,
            kind="mock",
            api_url=self.api_url,
            api_key=self.api_key,
            ca_file=self.ca_path,
            certificates={pid: p.operator_pem for pid, p in prods.items()},
            state_dir=self.state_dir,
            portal_url=self.portal_url,
        )

    def connection_info(self) -> dict[str, Any]:
        return {
            "portal_url": self.portal_url,
            "api_url": self.api_url,
            "api_key": self.api_key,
            "ca_path": str(self.ca_path),
            "backup_key": self.backup_key,
            # The world's fixed clock, so a client's expiry dates agree with the mock's; null on the real one.
            "now": None if self.state.clock is utc_now else wiredates.format(self.state.clock()),
            "products": {
                pid: {
                    "name": p.name,
                    "node_urls": dict(p.node_urls),
                    "operator_pem": str(p.operator_pem),
                    "cluster_admin_pem": str(p.cluster_admin_pem),
                    "database_keys": self.database_keys(pid),
                }
                for pid, p in self.products.items()
            },
        }

    def reset(self) -> None:
        """Put the world back as loaded (in place), clear the journal and the faults.

        Complete when it returns: the world's nodes have their listeners (and products created meanwhile
        have lost theirs). From a thread other than the mock's loop this waits for that loop; on the loop
        itself, a reset that must start or stop listeners cannot wait: use ``await cloud.areset()`` there."""
        loop = self._loop
        if self._swap_world() and loop is not None and loop.is_running():
            if _on_loop(loop):
                raise RuntimeError(
                    "MockCloud.reset() on the mock's own event loop must start or stop listeners: "
                    "use `await cloud.areset()`"
                )
            asyncio.run_coroutine_threadsafe(self._sync_nodes(), loop).result(RESET_TIMEOUT)
        self.journal.reset()
        self.faults.clear()

    async def areset(self) -> None:
        """``reset()`` from a coroutine on the mock's loop (``async with MockCloud()``)."""
        if self._swap_world() and self._loop is not None:
            await self._sync_nodes()
        self.journal.reset()
        self.faults.clear()

    def _swap_world(self) -> bool:
        """Put the fresh world in place; True when its nodes and the listeners differ (a sync must run)."""
        fresh = self._factory(self.pki)
        with self.state.lock:
            self.state.account = fresh.account
            self.state.products = fresh.products
            self.state.clock = fresh.clock
            self._listeners.apply()
            wanted = {(p.id, n.tag) for p in self.state.products.values() for n in p.nodes}
        return wanted != self._listeners.nodes.keys() or any(p not in self._files.written for p, _ in wanted)

    # ------------------------------------------------------------------ lifecycle

    def __enter__(self) -> MockCloud:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    async def __aenter__(self) -> MockCloud:
        await self.astart()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.astop()

    def start(self) -> None:
        """Serve from a daemon thread with its own loop; returns once every listener accepts."""
        self._thread = start_loop_thread(self.astart, self.astop, name="ravensec-mock")

    def stop(self) -> None:
        loop, thread = self._loop, self._thread
        if loop is None or thread is None:
            return
        stop_loop_thread(loop, thread)
        self._thread = None

    async def astart(self) -> None:
        self._loop = asyncio.get_running_loop()
        self._sync_lock = asyncio.Lock()
        self._files.write_ca(self.pki.ca_pem)
        self.faults.set_down_hook(self._down_hook)
        portal_bundle = self.pki.server_bundle(HOSTS, label="portal")
        portal = self._listeners.portal = Listener(
            self._portal_app(), self.pki.server_context(portal_bundle), port=self.port_base, limits=self.limits
        )
        await portal.start()
        await self._sync_nodes()
        self.pki.save()

    async def astop(self) -> None:
        if self._loop is None:
            return
        self.faults.set_down_hook(None)
        await self._listeners.stop()
        self._loop = None
        self.pki.close()
        self._files.remove()

    # ------------------------------------------------------------------ internals

    def _mock_product(self, p: ProductState) -> MockProduct:
        operator_pem, cluster_admin_pem = self._files.pem_paths(p.id)
        return MockProduct(
            id=p.id,
            name=p.display_name,
            node_urls={n.tag: n.url for n in p.nodes},
            operator_pem=operator_pem,
            cluster_admin_pem=cluster_admin_pem,
            state=self.state,
        )

    def _portal_app(self) -> web.Application:
        mws = [
            fair_share_middleware(FairShare()),
            journal_middleware(self.journal, "portal"),
            faults_middleware(self.faults, "portal"),
            self._sync_after,
        ]
        build_portal_app = find_portal()
        if build_portal_app is None:
            return placeholder_portal(mws)
        return build_portal_app(self.state, middlewares=mws)

    @web.middleware
    async def _sync_after(self, request: web.Request, handler: Handler) -> web.StreamResponse:
        resp = await handler(request)
        await self._sync_nodes()
        return resp

    async def _sync_nodes(self) -> None:
        """Listeners for every node of the world, none for nodes that left it; files and connection.json."""
        assert self._sync_lock is not None
        async with self._sync_lock:
            products = await self._listeners.sync()
            self._files.write_products(products)
            if self.state_dir is not None and self._listeners.portal is not None:
                self._files.write_connection(self.connection_info())

    def _down_hook(self, fault: Fault, down: bool) -> None:
        # The loop is read when the change runs on it: None there if the mock stopped meanwhile.
        call_in_loop(self._loop, lambda: self._listeners.fault_changed(fault, down, self._loop))


def _on_loop(loop: asyncio.AbstractEventLoop) -> bool:
    try:
        return asyncio.get_running_loop() is loop
    except RuntimeError:
        return False

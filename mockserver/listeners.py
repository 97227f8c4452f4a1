"""``Listeners``: the mock's HTTPS listeners on 127.0.0.1, the portal's and one per node of every product.

``sync()`` reconciles them with the world: a node that joined it gets a listener (behind the node's middleware:
fair share, journal, body limit, faults), a node that left loses its own, and every node of the world learns
its listener's URL and its product's server certificate thumbprint. A ``down`` fault takes the matching
listeners down (and marks the nodes down) until it is removed, or for its duration when it has one.
"""

from __future__ import annotations

import asyncio
import functools

from ravensec.core.certs.der import thumbprint_of_der
from ravensec.mock.fair_share import FairShare, fair_share_middleware
from ravensec.mock.faults import Fault, Faults, faults_middleware
from ravensec.mock.http_limits import HttpLimits, body_limit_middleware
from ravensec.mock.journal import Journal, journal_middleware
from ravensec.mock.node.app import build_node_app
from ravensec.mock.node.certificates import ISSUER_KEY, SERVER_BUNDLE_KEY
from ravensec.mock.node.listener import Listener
from ravensec.mock.state import CloudState, ProductState
from ravensec.mock.tls import MockPki

HOSTS = ["localhost", "127.0.0.1"]  # the names in every server certificate of the mock


class Listeners:
    def __init__(
        self, state: CloudState, pki: MockPki, journal: Journal, faults: Faults, limits: HttpLimits, port_base: int
    ) -> None:
        """``port_base``: the portal's port, the nodes' from the next one up (0: free ports)."""
        self.state = state
        self.pki = pki
        self.journal = journal
        self.faults = faults
        self.limits = limits
        self.portal: Listener | None = None
        self.nodes: dict[tuple[str, str], Listener] = {}
        self._next_port = port_base + 1 if port_base else 0
        self._down_timers: dict[int, asyncio.TimerHandle] = {}
        self._server_thumbprints: dict[str, str] = {}  # product id -> its nodes' certificate thumbprint

    def _take_port(self) -> int:
        if not self._next_port:
            return 0
        port = self._next_port
        self._next_port += 1
        return port

    async def sync(self) -> list[ProductState]:
        """Listeners for every node of the world, none for nodes that left it; returns the world's products.
        One at a time: the caller holds its lock around this."""
        with self.state.lock:
            wanted = {(p.id, n.tag) for p in self.state.products.values() for n in p.nodes}
            products = list(self.state.products.values())
        for key in [k for k in self.nodes if k not in wanted]:
            await self.nodes.pop(key).stop()
        for p in products:
            bundle = self.pki.server_bundle(HOSTS, label=p.id)
            # One context for all of the product's nodes, made when the first of them is called.
            ctx = functools.cache(functools.partial(self.pki.server_context, bundle))
            for n in list(p.nodes):
                if (p.id, n.tag) in self.nodes:
                    continue
                node = f"{p.id}/{n.tag}"
                mws = [
                    fair_share_middleware(FairShare()),  # a flood of one node must not starve the others
                    journal_middleware(self.journal, node),
                    body_limit_middleware(self.limits),
                    faults_middleware(self.faults, node),
                ]
                app = build_node_app(self.state, p.id, n.tag, middlewares=mws)
                app[ISSUER_KEY] = self.pki.ca
                app[SERVER_BUNDLE_KEY] = bundle
                lst = Listener(app, ctx, port=self._take_port(), limits=self.limits)
                await lst.start()
                self.nodes[(p.id, n.tag)] = lst
                if self.faults.is_down(node):
                    lst.take_down()
        with self.state.lock:
            self.apply()
        return products

    def apply(self) -> None:
        """Give the world's nodes their listener's URL (after start and after reset). Lock held."""
        listeners = dict(self.nodes)  # reset() runs on the caller's thread while the loop may add some
        for p in self.state.products.values():
            tp = self._server_thumbprints.get(p.id)
            if tp is None:
                tp = self._server_thumbprints[p.id] = thumbprint_of_der(
                    self.pki.server_bundle(HOSTS, label=p.id).cert_der()
                )
            p.cluster.server_thumbprint = tp
            for n in p.nodes:
                lst = listeners.get((p.id, n.tag))
                if lst is not None:
                    n.port, n.url = lst.port, lst.url

    def fault_changed(self, fault: Fault, down: bool, loop: asyncio.AbstractEventLoop | None) -> None:
        """A ``down`` fault was added (``down``) or removed: on ``loop``, the mock's (None once it stopped)."""
        if self.portal is not None and fault.matches_node("portal") and fault.node == "portal":
            if down:
                self.portal.take_down()
            elif not self.faults.is_down("portal"):
                self.portal.bring_up()
        for (pid, tag), lst in self.nodes.items():
            label = f"{pid}/{tag}"
            if not fault.matches_node(label):
                continue
            if down:
                lst.take_down()
            elif not self.faults.is_down(label):
                lst.bring_up()
            with self.state.lock:
                prod = self.state.products.get(pid)
                for n in prod.nodes if prod else []:
                    if n.tag == tag:
                        n.up = not self.faults.is_down(label)
        timer = self._down_timers.pop(id(fault), None)
        if timer is not None:
            timer.cancel()
        if down and fault.value and loop is not None:
            self._down_timers[id(fault)] = loop.call_later(float(fault.value), self.faults.remove, fault)

    async def stop(self) -> None:
        """Stop every listener; the nodes' are forgotten, the portal's is kept (stopped)."""
        for timer in self._down_timers.values():
            timer.cancel()
        self._down_timers.clear()
        listeners = [*self.nodes.values(), *([self.portal] if self.portal else [])]
        self.nodes.clear()
        for lst in listeners:
            await lst.stop()

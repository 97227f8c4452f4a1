"""Injected failures: latency, an error status, a dropped connection, a hang, a reset mid-response, a
truncated body, the server's 503 for exhausted CPU credits (``cpu-credits``) (per route, method and node,
once / N times / always), and a node down (its listener
closes, so connections are refused, until the fault is removed or its ``value`` seconds pass).

``route`` is a literal path (``/admin/certificates``), a route of the table (``/databases/*/docs``), or a
prefix ending in ``*`` (``/admin/*``). ``node`` is a tag (``"A"``, any product), ``"<product id>/A"``,
``"portal"``, or None for everywhere.
"""

from __future__ import annotations

import asyncio
import json
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Literal

from aiohttp import web
from aiohttp.typedefs import Handler, Middleware

from ravensec.core.errors import UsageError
from ravensec.mock import routes
from ravensec.mock.cpu_credits import REJECTED_MESSAGE

FaultKind = Literal["latency", "status", "drop", "down", "hang", "reset", "truncate", "cpu-credits"]
KINDS: tuple[str, ...] = ("latency", "status", "drop", "down", "hang", "reset", "truncate", "cpu-credits")


@dataclass
class Fault:
    kind: FaultKind
    route: str | None = None
    method: str | None = None
    node: str | None = None
    value: Any = None  # seconds (latency, hang, down), an HTTP status (status)
    times: int | None = 1  # None: until removed
    hits: int = 0
    # Set once the fault is removed and its effect undone (a "down" node listens again): a test waits for the
    # end of a timed fault on this instead of sleeping past its duration.
    ended: threading.Event = field(default_factory=threading.Event, compare=False, repr=False)

    def matches_node(self, node: str) -> bool:
        if self.node is None:
            return True
        return node == self.node or node.endswith("/" + self.node)

    def matches(self, method: str, path: str, node: str) -> bool:
        if not self.matches_node(node):
            return False
        if self.method is not None and self.method.upper() != method.upper():
            return False
        if self.route is None:
            return True
        path = path.split("?", 1)[0]
        if self.route.endswith("*") and path.lower().startswith(self.route[:-1].lower()):
            return True
        if path.lower().rstrip("/") == self.route.lower().rstrip("/"):
            return True
        rm = routes.match(method, path)
        return rm is not None and rm.route.path.lower() == self.route.lower()


DownHook = Callable[[Fault, bool], None]


class Faults:
    """The active faults; safe to change from any thread while the mock serves."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._faults: list[Fault] = []
        self._down_hook: DownHook | None = None

    def add(
        self,
        route: str | None = None,
        method: str | None = None,
        node: str | None = None,
        kind: FaultKind = "status",
        value: Any = None,
        times: int | None = 1,
    ) -> Fault:
        if kind not in KINDS:
            raise UsageError(f"Unknown fault kind {kind!r}.", hint=f"Use one of: {', '.join(KINDS)}.")
        if kind == "status" and value is None:
            value = 500
        if kind == "down" and node is None:
            raise UsageError("A 'down' fault needs a node.", hint='Pass node="A" (or "<product id>/A").')
        fault = Fault(kind=kind, route=route, method=method, node=node, value=value, times=times)
        with self._lock:
            self._faults.append(fault)
        if kind == "down" and self._down_hook is not None:
            self._down_hook(fault, True)
        return fault

    def remove(self, fault: Fault) -> None:
        with self._lock:
            if fault not in self._faults:
                return
            self._faults.remove(fault)
        if fault.kind == "down" and self._down_hook is not None:
            self._down_hook(fault, False)
        fault.ended.set()

    def clear(self) -> None:
        for f in self.active():
            self.remove(f)

    def active(self) -> list[Fault]:
        with self._lock:
            return list(self._faults)

    def take(self, method: str, path: str, node: str) -> Fault | None:
        """The first matching request fault, counting one use of it."""
        if not self._faults:  # the common case, without the lock: a fault added before a request is seen
            return None
        with self._lock:
            for f in self._faults:
                if f.kind != "down" and f.matches(method, path, node):
                    f.hits += 1
                    if f.times is not None:
                        f.times -= 1
                        if f.times <= 0:
                            self._faults.remove(f)
                    return f
        return None

    def is_down(self, node: str) -> bool:
        with self._lock:
            return any(f.kind == "down" and f.matches_node(node) for f in self._faults)

    def set_down_hook(self, hook: DownHook | None) -> None:
        self._down_hook = hook


async def _partial(request: web.Request, *, reset: bool) -> web.StreamResponse:
    body = json.dumps({"Results": [{"Name": "partial"}] * 50}).encode()
    resp = web.StreamResponse(status=200, headers={"Content-Type": "application/json; charset=utf-8"})
    resp.content_length = len(body)
    await resp.prepare(request)
    await resp.write(body[: len(body) // 2])
    await asyncio.sleep(0)
    tr = request.transport
    if tr is not None:
        if reset:
            tr.abort()
        else:
            tr.close()
    raise ConnectionResetError("fault: connection cut mid-response")


def faults_middleware(faults: Faults, node: str) -> Middleware:
    """An aiohttp middleware applying request faults to the app it is installed on (``node`` names it)."""

    @web.middleware
    async def middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
        fault = faults.take(request.method, request.path_qs, node)
        if fault is None:
            return await handler(request)
        if fault.kind == "latency":
            await asyncio.sleep(float(fault.value or 0.1))
            return await handler(request)
        if fault.kind == "status":
            status = int(fault.value)
            body = {
                "Type": "InjectedFault",
                "Message": f"Fault injected by the ravensec mock: HTTP {status}.",
            }
            headers = {"Retry-After": "1"} if status == 429 else {}
            return web.json_response(body, status=status, headers=headers)
        if fault.kind == "cpu-credits":
            # The server's refusal for exhausted credits, on any route (the real router only refuses flagged
            # database routes: product.set_cpu_credits(remaining=0) gives that; this tests a client's handling).
            return web.json_response({"Type": "Error", "Message": REJECTED_MESSAGE}, status=503)
        if fault.kind == "drop":
            if request.transport is not None:
                request.transport.abort()
            raise ConnectionResetError("fault: connection dropped")
        if fault.kind == "hang":
            await asyncio.sleep(float(fault.value) if fault.value else 3600.0)
            return await handler(request)
        return await _partial(request, reset=fault.kind == "reset")

    return middleware

"""Each listener's fair share of the one event loop that serves every product: at most ``per_turn`` of its
requests start per turn of the loop, the others wait their turn in arrival order.

Why: asyncio runs every ready callback of a turn before the next turn, first come first served. Product A
flooded by 500 clients puts hundreds of requests in each turn, and a request to product B waits behind all of
them (B's p99 was 150-450 ms while A had 500 clients, 5 ms alone). With a share per listener a turn holds at
most ``per_turn`` requests of A, and A's clients, each waiting for its answer, send no more than that, so a
turn stays short and B's request is served within a few turns. A's own throughput barely changes: the loop
is just as busy, in shorter turns.

Nothing is held while a request runs: a request that passed its turn may sleep (a latency or hang fault, the
CPU credits' delay) or wait for its body without keeping any other request out, so no fault and no slow
client can stall a listener.

Not a loop per product in its own thread: under the GIL a CPU-bound flood would still make B's thread wait
for the interpreter at each hand-off (up to the 5 ms switch interval, several per request), and every place
that assumes one loop (listeners' start and reset, the faults' node-down timers, ``call_in_loop``) would have
to learn several. Measured instead (bench.mock_bench, isolation): B's p99 under the flood went from 167-230 ms
to 12-22 ms with ``PER_TURN`` 4 (1 to 8 stayed under 31 ms, 16 reached 51 ms), A's throughput unchanged.
"""

from __future__ import annotations

import asyncio
from collections import deque

from aiohttp import web
from aiohttp.typedefs import Handler, Middleware

PER_TURN = 4  # requests of one listener started per turn of the loop (bench.mock_bench's isolation section)


class FairShare:
    """Per listener (the app of one node, or the portal); used on the loop that serves it."""

    def __init__(self, per_turn: int = PER_TURN) -> None:
        self.per_turn = per_turn
        self._started = 0  # in the current turn
        self._waiting: deque[asyncio.Future[None]] = deque()
        self._tick_pending = False

    @property
    def waiting(self) -> int:
        return len(self._waiting)

    async def turn(self) -> None:
        """Return when this request may start: at once while the listener has started fewer than
        ``per_turn`` requests in this turn of the loop and nobody waits before it."""
        if self._started < self.per_turn and not self._waiting:
            self._started += 1
            self._schedule_tick()
            return
        fut: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._waiting.append(fut)
        self._schedule_tick()
        await fut  # cancelled with its request: the tick skips it

    def _schedule_tick(self) -> None:
        if not self._tick_pending:
            self._tick_pending = True
            asyncio.get_running_loop().call_soon(self._tick)

    def _tick(self) -> None:
        # Runs once per turn while the listener is busy: a new turn's share, given first to those waiting
        # (they wake in the next turn, and count against it).
        self._tick_pending = False
        self._started = 0
        while self._waiting and self._started < self.per_turn:
            fut = self._waiting.popleft()
            if not fut.done():
                fut.set_result(None)
                self._started += 1
        if self._started:
            self._schedule_tick()


def fair_share_middleware(share: FairShare) -> Middleware:
    """Outermost middleware of a listener's app: its requests start at most ``share.per_turn`` a turn."""

    @web.middleware
    async def middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
        await share.turn()
        return await handler(request)

    return middleware

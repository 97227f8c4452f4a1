"""Every request the mock served (portal and nodes): method, path, node, caller thumbprint, status, peer.
Tests read ``cloud.journal`` to assert what went over the wire."""

from __future__ import annotations

import threading
from dataclasses import dataclass

from aiohttp import web
from aiohttp.typedefs import Handler, Middleware

from ravensec.mock.peer import peer_of

MAX_ENTRIES = 50_000  # the most recent requests kept; tests see far fewer


@dataclass(frozen=True)
class JournalEntry:
    method: str
    path: str  # path and query as sent
    node: str  # "portal" or "<product id>/<tag>"
    thumbprint: str  # of the client certificate, "" without one
    status: int  # 0 when the connection was dropped without an answer
    peer: str  # the client's IP address
    peer_port: int = 0  # the client's source port: equal ports mean one keep-alive connection


class Journal(list[JournalEntry]):
    """A list of entries, appended from the server loop; ``snapshot()`` copies it safely from any thread."""

    def __init__(self) -> None:
        super().__init__()
        self._lock = threading.Lock()
        self._recorded = threading.Condition(self._lock)

    def record(self, entry: JournalEntry) -> None:
        with self._lock:
            self.append(entry)
            # Bounded, oldest first out: a long-running mock (`ravensec-mock serve`, the soak) must not grow
            # without limit. Trimmed in batches so appending stays cheap.
            if len(self) > MAX_ENTRIES + MAX_ENTRIES // 10:
                del self[: len(self) - MAX_ENTRIES]
            self._recorded.notify_all()

    def wait_for(
        self,
        count: int,
        *,
        method: str | None = None,
        path: str | None = None,
        node: str | None = None,
        timeout: float = 30.0,
    ) -> list[JournalEntry]:
        """Block until at least ``count`` entries match (as :meth:`find`), at most ``timeout`` seconds; the
        matches. For what the mock answers later than its client gave up (a hang, a slow node): a test waits
        for the answer instead of sleeping "long enough". From a coroutine on the mock's own loop this would
        block it: use ``await asyncio.to_thread(journal.wait_for, ...)`` there."""
        with self._recorded:
            self._recorded.wait_for(lambda: len(_matching(self, method, path, node)) >= count, timeout)
            return _matching(self, method, path, node)

    def snapshot(self) -> list[JournalEntry]:
        with self._lock:
            return list(self)

    def reset(self) -> None:
        with self._lock:
            self.clear()

    def find(
        self, *, method: str | None = None, path: str | None = None, node: str | None = None
    ) -> list[JournalEntry]:
        """Entries matching all given fields; ``path`` matches without the query string."""
        return _matching(self.snapshot(), method, path, node)


def _matching(
    entries: list[JournalEntry], method: str | None, path: str | None, node: str | None
) -> list[JournalEntry]:
    return [
        e
        for e in entries
        if (method is None or e.method == method.upper())
        and (path is None or e.path.split("?", 1)[0] == path)
        and (node is None or e.node == node or e.node.endswith("/" + node))
    ]


def journal_middleware(journal: Journal, node: str) -> Middleware:
    """An aiohttp middleware recording every request handled by the app it is installed on."""

    @web.middleware
    async def middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
        peer = peer_of(request)

        def record(status: int) -> None:
            journal.record(
                JournalEntry(request.method, request.path_qs, node, peer.thumbprint, status, peer.ip, peer.port)
            )

        try:
            resp = await handler(request)
        except web.HTTPException as exc:
            record(exc.status)
            raise
        except BaseException:
            record(0)
            raise
        record(resp.status)
        return resp

    return middleware

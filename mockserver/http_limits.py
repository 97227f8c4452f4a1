"""The HTTP limits of RavenDB's web host (Kestrel), for every listener of the mock.

RavenDB configures Kestrel with ``MaxRequestBodySize = null`` (no limit) and ``MaxRequestLineSize`` from
``Http.MaxRequestLineSizeInKb`` (16 KB) and leaves Kestrel's timeouts at their defaults: 130 s keep-alive,
30 s to receive a request's headers (answered ``408`` and closed). The mock keeps every body in memory, so it
does cap them [mock choice]: at Kestrel's own default, 30,000,000 bytes, answered as Kestrel answers a body
over its limit: ``413`` with no body, and the connection closed.

aiohttp's keep-alive timer runs from the connection's start and from the end of each response until a
request's headers are complete; the 30 s headers timer below starts with a request's first byte.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from aiohttp import web
from aiohttp.web_protocol import RequestHandler

_TIMEOUT_408 = b"HTTP/1.1 408 Request Timeout\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"


@dataclass(frozen=True)
class HttpLimits:
    keep_alive_timeout: float = 130.0  # s, idle before a request (Kestrel's KeepAliveTimeout)
    request_headers_timeout: float = 30.0  # s, from a request's first byte to its last header line
    max_request_body: int = 30_000_000  # bytes (Kestrel's default; RavenDB has none, the mock needs one)
    max_request_line: int = 16 * 1024  # bytes (RavenDB's Http.MaxRequestLineSizeInKb)

    def runner_kwargs(self) -> dict[str, Any]:
        """For ``web.AppRunner``: passed down to aiohttp's ``RequestHandler``."""
        return {"keepalive_timeout": self.keep_alive_timeout, "max_line_size": self.max_request_line}


def body_too_large() -> web.Response:
    resp = web.Response(status=413)
    resp.force_close()
    return resp


def body_limit_middleware(limits: HttpLimits) -> Any:
    """Refuse a body over the limit before any handler reads it (by Content-Length), or while it is read
    (chunked): ``413``, empty, connection closed."""
    limit = limits.max_request_body

    @web.middleware
    async def body_limit(request: web.Request, handler: Any) -> web.StreamResponse:
        length = request.content_length
        if length is not None and length > limit:
            return body_too_large()
        if length is None and request.body_exists:
            request = request.clone(client_max_size=limit)
        try:
            resp: web.StreamResponse = await handler(request)
        except web.HTTPRequestEntityTooLarge:
            return body_too_large()
        return resp

    return body_limit


class _HeadersDeadline(RequestHandler):
    """aiohttp's connection handler with Kestrel's RequestHeadersTimeout: a request whose first bytes came
    but whose headers are not complete after ``headers_timeout`` gets ``408`` and the connection closes."""

    __slots__ = ("_headers_handle", "_headers_timeout", "peer")

    def __init__(self, manager: web.Server, *, headers_timeout: float, **kwargs: Any) -> None:
        super().__init__(manager, **kwargs)
        self._headers_timeout = headers_timeout
        self._headers_handle: asyncio.TimerHandle | None = None
        self.peer: object = None  # the connection's ``ravensec.mock.peer.Peer``, read at its first request

    def data_received(self, data: bytes) -> None:
        # Between requests (none queued, none being handled), these bytes start the next one.
        between = not self._messages and self._current_request is None and not (
            self._waiter is not None and self._waiter.done()
        )
        before = self._request_count
        super().data_received(data)
        if self._request_count != before:
            self._cancel_headers_timer()
        elif between and data and self._headers_handle is None:
            # Like Kestrel: from a request's first byte, its headers' timeout replaces the keep-alive one.
            if self._keepalive_handle is not None:
                self._keepalive_handle.cancel()
                self._keepalive_handle = None
            self._headers_handle = self._loop.call_later(self._headers_timeout, self._headers_timed_out)

    def connection_lost(self, exc: BaseException | None) -> None:
        self._cancel_headers_timer()
        super().connection_lost(exc)

    def _cancel_headers_timer(self) -> None:
        if self._headers_handle is not None:
            self._headers_handle.cancel()
            self._headers_handle = None

    def _headers_timed_out(self) -> None:
        self._headers_handle = None
        if self.transport is not None and self._current_request is None:
            self.transport.write(_TIMEOUT_408)
        self.force_close()


def protocol_factory(server: web.Server, limits: HttpLimits) -> Callable[[], RequestHandler]:
    """What ``loop.create_server`` calls per connection instead of ``server`` itself."""
    kwargs: dict[str, Any] = dict(server._kwargs)  # what AppRunner gave the server (keep-alive, line size)
    loop = asyncio.get_running_loop()

    def make() -> RequestHandler:
        return _HeadersDeadline(server, loop=loop, headers_timeout=limits.request_headers_timeout, **kwargs)

    return make

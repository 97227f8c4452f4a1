"""Shared plumbing of the HTTP clients: the User-Agent, reading bodies, Retry-After, connection failures.

Both clients go through aiohttp; what differs is how they read errors (the Cloud API's camelCase field
map versus the RavenDB server's ``Type``/``Message``/``Error``), which lives in each client's module.
"""

from __future__ import annotations

import asyncio
import json
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from functools import cache
from types import TracebackType
from typing import Any, Self

import aiohttp

from ..errors import Unavailable
from .tls import tls_error


@cache
def user_agent() -> str:
    """``ravensec/<version>``; importlib.metadata (~5 ms) loads when the first session opens, not at import."""
    from importlib import metadata

    try:
        return f"ravensec/{metadata.version('ravensec')}"
    except metadata.PackageNotFoundError:
        return "ravensec/0.0.0"


@dataclass(frozen=True)
class Answer:
    """A fully read HTTP response: status, headers and the raw body."""

    status: int
    headers: dict[str, str]
    body: bytes
    url: str

    def header(self, name: str) -> str:
        lowered = name.lower()
        for k, v in self.headers.items():
            if k.lower() == lowered:
                return v
        return ""

    def json(self) -> Any:
        """The body as JSON whatever the Content-Type says; None when empty or not JSON."""
        if not self.body.strip():
            return None
        try:
            return json.loads(self.body)
        except (ValueError, UnicodeDecodeError):
            return None


async def read_answer(resp: aiohttp.ClientResponse) -> Answer:
    body = await resp.read()
    return Answer(resp.status, {k: v for k, v in resp.headers.items()}, body, str(resp.url))


def retry_after_seconds(value: str, default: float = 1.0) -> float:
    """Parse ``Retry-After`` (delta seconds or an HTTP date) into seconds, never negative."""
    value = value.strip()
    if not value:
        return default
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return default
    return max(0.0, (when - datetime.now(UTC)).total_seconds())


def short_body(ans: Answer, limit: int = 200) -> str:
    text = ans.body[:limit].decode("utf-8", "replace").strip()
    return text + ("..." if len(ans.body) > limit else "")


# What failed on the way to a server, classified for failover decisions.
NOT_CONNECTED = "not-connected"  # the request never reached the server: safe to retry anywhere
MAYBE_SENT = "maybe-sent"  # the server may have acted: retry only idempotent calls


def classify_failure(exc: BaseException) -> str | None:
    """NOT_CONNECTED / MAYBE_SENT for network failures; None when ``exc`` is not one (TLS is separate)."""
    if isinstance(exc, aiohttp.ClientConnectorCertificateError | aiohttp.ClientSSLError):
        return None
    if isinstance(exc, aiohttp.ClientConnectorError):
        return NOT_CONNECTED
    if isinstance(exc, aiohttp.ServerDisconnectedError | aiohttp.ClientOSError | aiohttp.ClientPayloadError):
        return MAYBE_SENT
    if isinstance(exc, asyncio.TimeoutError | aiohttp.ServerTimeoutError):
        return MAYBE_SENT
    return None


def describe_failure(exc: BaseException) -> str:
    """A short phrase for one failed attempt, e.g. "connection refused"."""
    if isinstance(exc, asyncio.TimeoutError | aiohttp.ServerTimeoutError):
        return "timed out"
    if isinstance(exc, aiohttp.ServerDisconnectedError):
        return "the server closed the connection"
    os_err = getattr(exc, "os_error", None)
    if isinstance(os_err, ConnectionRefusedError):
        return "connection refused"
    if isinstance(exc, aiohttp.ClientConnectorError) and isinstance(os_err, ConnectionResetError | EOFError):
        # TCP was accepted (not refused) and then dropped while connecting: during the TLS handshake.
        return "the server closed the connection during the TLS handshake"
    if isinstance(os_err, ConnectionResetError) or isinstance(exc, ConnectionResetError):
        return "connection reset"
    if isinstance(os_err, OSError) and os_err.strerror:
        return os_err.strerror.lower()
    return str(exc) or type(exc).__name__


def is_tls_failure(exc: BaseException) -> bool:
    return isinstance(exc, aiohttp.ClientConnectorCertificateError | aiohttp.ClientSSLError)


def network_error(exc: BaseException, url: str) -> Unavailable:
    """A single endpoint (the Cloud API) could not be reached: TlsError or Unavailable."""
    if is_tls_failure(exc):
        return tls_error(exc, url)
    return Unavailable(
        f"Could not reach {url}: {describe_failure(exc)}.",
        hint="Check the URL and your network connection, then try again.",
    )


class SessionOwner:
    """One aiohttp session per target, opened on first use and closed by ``close()`` or ``async with``."""

    _session: aiohttp.ClientSession | None = None

    def _new_session(self) -> aiohttp.ClientSession:
        raise NotImplementedError

    def _open(self) -> aiohttp.ClientSession:
        if self._session is None or self._session.closed:
            self._session = self._new_session()
        return self._session

    async def __aenter__(self) -> Self:
        self._open()
        return self

    async def __aexit__(
        self, et: type[BaseException] | None, ev: BaseException | None, tb: TracebackType | None
    ) -> None:
        await self.close()

    async def close(self) -> None:
        if self._session is not None and not self._session.closed:
            await self._session.close()
        self._session = None

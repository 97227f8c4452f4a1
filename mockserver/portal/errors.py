"""The portal's error answers (JSON, camelCase) and the middlewares every Cloud API request passes:
User-Agent (403 at the gateway), X-Api-Key (401), the optional rate limit (429 + Retry-After) and the lazy
status transitions."""

from __future__ import annotations

import math
import time
from collections.abc import Awaitable, Callable
from typing import Any

from aiohttp import web

from ravensec.mock.backend import BackendError, InvalidFields, NotChangeable, ProductNotFound
from ravensec.mock.state import CloudState

STATE_KEY: web.AppKey[CloudState] = web.AppKey("state", CloudState)
Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


class PortalError(Exception):
    """Raised by handlers; rendered as ``body`` with ``status``."""

    def __init__(self, status: int, body: dict[str, Any], headers: dict[str, str] | None = None) -> None:
        super().__init__(str(body))
        self.status, self.body, self.headers = status, body, headers or {}


def message(status: int, text: str) -> PortalError:
    return PortalError(status, {"message": text})


def field_errors(errors: dict[str, list[str]]) -> PortalError:
    """400 with a field -> messages map, as the Cloud API answers validation failures."""
    return PortalError(400, errors)


def not_found(product_id: str) -> PortalError:
    return message(404, f"Product '{product_id}' was not found.")


def portal_error_of(err: BackendError) -> PortalError:
    """A rule's refusal as the Cloud API answers it."""
    if isinstance(err, InvalidFields):
        return field_errors(err.errors)
    if isinstance(err, ProductNotFound):
        return message(404, err.message)
    if isinstance(err, NotChangeable):
        return message(409, err.message)
    return message(400, err.message)


@web.middleware
async def errors_middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
    try:
        return await handler(request)
    except BackendError as e:
        err = portal_error_of(e)
        return web.json_response(err.body, status=err.status, headers=err.headers)
    except PortalError as e:
        return web.json_response(e.body, status=e.status, headers=e.headers)


@web.middleware
async def gateway_middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
    """What the real gateway checks before any handler: User-Agent, then the API key."""
    if not request.headers.get("User-Agent"):
        raise message(403, "Requests without a User-Agent header are refused.")
    state = request.app[STATE_KEY]
    key = request.headers.get("X-Api-Key", "")
    with state.lock:
        ok = bool(key) and key in state.account.api_keys
    if not ok:
        raise message(401, "The API key is missing, invalid or expired.")
    state.tick()
    return await handler(request)


class RateLimiter:
    """1 request per second per client IP per endpoint (method + route), like the real gateway."""

    def __init__(self, per_second: float = 1.0, clock: Callable[[], float] = time.monotonic) -> None:
        self.interval = 1.0 / per_second
        self.clock = clock
        self._last: dict[tuple[str, str], float] = {}

    def check(self, ip: str, endpoint: str) -> float:
        """0 when allowed (and counted), else the seconds to wait."""
        now = self.clock()
        last = self._last.get((ip, endpoint))
        if last is not None and now - last < self.interval:
            return self.interval - (now - last)
        self._last[(ip, endpoint)] = now
        return 0.0

    def clear(self) -> None:
        self._last.clear()


LIMITER_KEY: web.AppKey[RateLimiter] = web.AppKey("limiter", RateLimiter)


@web.middleware
async def rate_limit_middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
    state = request.app[STATE_KEY]
    if state.rate_limit and request.path.startswith("/api/"):
        info = request.match_info.route.resource
        endpoint = f"{request.method} {info.canonical if info is not None else request.path}"
        wait = request.app[LIMITER_KEY].check(request.remote or "", endpoint)
        if wait > 0:
            raise PortalError(
                429,
                {"message": "Too many requests: at most 1 per second per endpoint."},
                {"Retry-After": str(max(1, math.ceil(wait)))},
            )
    return await handler(request)

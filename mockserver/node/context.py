"""What a node handler gets: the request, the world, the product and node it runs on, and the caller;
plus the registry that maps a route of the table to the mock's handler for it."""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from functools import cached_property
from typing import Any

from aiohttp import web

from ravensec.mock.authz import Identity
from ravensec.mock.node.errors import ARGUMENT, BAD_REQUEST, ServerError
from ravensec.mock.state import CloudState, MockNode, ProductState


@dataclass
class Ctx:
    request: web.Request
    state: CloudState
    product: ProductState
    node: MockNode
    identity: Identity
    database: str | None

    @cached_property
    def _query(self) -> dict[str, str]:
        # Lower-cased names, the first value of each (the server's case-insensitive lookup), built once: a
        # handler asks for several parameters.
        out: dict[str, str] = {}
        for k, v in self.request.query.items():
            out.setdefault(k.lower(), v)
        return out

    def q(self, name: str, default: str | None = None) -> str | None:
        """A query-string value, matched case-insensitively as the server does."""
        return self._query.get(name.lower(), default)

    def q_int(self, name: str, default: int | None = None) -> int | None:
        """An integer query-string value; a non-number is the server's 500 ``System.ArgumentException``
        (RequestHandler's "Could not parse query string ... as int"), not a crash of the mock."""
        raw = self.q(name)
        if raw is None or raw == "":
            return default
        try:
            return int(raw)
        except ValueError:
            raise ServerError(
                ARGUMENT, f"Could not parse query string '{name}' as int, value was: {raw}"
            ) from None

    async def body(self) -> Any:
        """The body parsed as JSON whatever the Content-Type (the official client omits it)."""
        raw = await self.request.read()
        if not raw.strip():
            return None
        return parse_json(raw)


def parse_json(raw: str | bytes) -> Any:
    """JSON from a client; anything unreadable, nesting too deep for the parser included, is the 400."""
    try:
        return json.loads(raw)
    except (ValueError, RecursionError):
        # A 100,000-deep body exhausts Python's recursion, not RavenDB's streaming reader: still bad JSON to the
        # client, never a 500 from the mock.
        raise ServerError(BAD_REQUEST, "The request body is not valid JSON.", 400) from None


Handler = Callable[[Ctx], Awaitable[web.StreamResponse]]
HANDLERS: dict[tuple[str, str], Handler] = {}


def handles(method: str, route_path: str) -> Callable[[Handler], Handler]:
    """Register a handler for a route of the table (its path as written there, e.g. ``/databases/*/docs``)."""

    def deco(fn: Handler) -> Handler:
        HANDLERS[(method.upper(), route_path)] = fn
        return fn

    return deco

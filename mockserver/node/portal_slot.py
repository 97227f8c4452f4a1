"""Where the nodes' runtime gets the portal app: ``ravensec.mock.portal.app.build_portal_app``, and the
app that answers 503 on every path in its place (kept for the runtime's fallback; every build has a portal)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from aiohttp import web

from ravensec.mock.portal.app import build_portal_app


def find_portal() -> Callable[..., web.Application]:
    """The portal's app factory."""
    return build_portal_app


async def portal_missing(request: web.Request) -> web.StreamResponse:
    return web.json_response(
        {"message": "The portal of the ravensec mock is not available in this build (ravensec.mock.portal)."},
        status=503,
    )


def placeholder_portal(middlewares: list[Any]) -> web.Application:
    app = web.Application(middlewares=middlewares)
    app.router.add_route("*", "/{tail:.*}", portal_missing)
    return app

"""Where the portal app comes from: the portal helper's ``build_portal_app``, or, in a build without it, an
app that says so (503) on every path."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from aiohttp import web


def find_portal() -> Callable[..., web.Application] | None:
    """The portal helper's ``build_portal_app``, wherever in ``ravensec.mock.portal`` it lives."""
    import importlib

    for mod in ("ravensec.mock.portal", "ravensec.mock.portal.app"):
        try:
            fn = getattr(importlib.import_module(mod), "build_portal_app", None)
        except ImportError:
            continue
        if fn is not None:
            return fn  # type: ignore[no-any-return]
    return None


async def portal_missing(request: web.Request) -> web.StreamResponse:
    return web.json_response(
        {"message": "The portal of the ravensec mock is not available in this build (ravensec.mock.portal)."},
        status=503,
    )


def placeholder_portal(middlewares: list[Any]) -> web.Application:
    app = web.Application(middlewares=middlewares)
    app.router.add_route("*", "/{tail:.*}", portal_missing)
    return app

"""Mock-only ``GET /ext/v1/state``: a JSON snapshot of the live world for ``ravensec train --check``.

A real RavenDB Cloud account has no such endpoint (404): it exists so an instructor can judge a training
scenario against a running ``ravensec-mock serve``. Same ``X-Api-Key`` as every portal route.
"""

from __future__ import annotations

from typing import Any

from aiohttp import web

from ravensec.mock.journal import Journal

from .errors import STATE_KEY


def _journal(app: web.Application) -> Journal | None:
    """The runtime's request journal. The portal app is built without a reference to it, only with the
    journal middleware; its closure holds the journal, so look there rather than widen the portal's API."""
    for mw in app.middlewares:
        for cell in getattr(mw, "__closure__", None) or ():
            try:
                value: Any = cell.cell_contents
            except ValueError:  # an empty cell
                continue
            if isinstance(value, Journal):
                return value
    return None


async def get_state(request: web.Request) -> web.StreamResponse:
    # Imported here: training is only for `ravensec train --check`, never on the mock's start-up path.
    from ravensec.mock.training.snapshot import snapshot

    journal = _journal(request.app)
    return web.json_response(snapshot(request.app[STATE_KEY], journal.snapshot() if journal else ()))

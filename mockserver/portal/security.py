"""Mock extension endpoints for what the real API leaves to the portal's UI: the allowed-IP list (get/put,
validated with ``ravensec.core.iprules``) and regenerating the initial certificate. Plus ``/ext/v1/capabilities``,
which tells a client it talks to the mock (a real account answers 404)."""

from __future__ import annotations

import asyncio

from aiohttp import web

from ravensec.mock.backend import CloudBackend

from .errors import STATE_KEY, field_errors
from .products import body_json


async def capabilities(request: web.Request) -> web.StreamResponse:
    return web.json_response({"allowedIpsEdit": True, "backups": True, "regenerateCertificate": True})


async def get_allowed_ips(request: web.Request) -> web.StreamResponse:
    rules = CloudBackend(request.app[STATE_KEY]).allowed_ips(request.match_info["id"])
    return web.json_response({"allowedIps": [r.to_api() for r in rules]})


async def put_allowed_ips(request: web.Request) -> web.StreamResponse:
    raw = (await body_json(request)).get("allowedIps")
    if not isinstance(raw, list):
        raise field_errors({"allowedIps": ["Expected a list of {ip, alias} entries."]})
    rules = CloudBackend(request.app[STATE_KEY]).set_allowed_ips(request.match_info["id"], raw)
    return web.json_response({"allowedIps": [r.to_api() for r in rules]})


async def regenerate_certificate(request: web.Request) -> web.StreamResponse:
    # Off the event loop: with the key pool empty, the fresh RSA-4096 key takes up to a second to make.
    backend = CloudBackend(request.app[STATE_KEY])
    entry = await asyncio.to_thread(backend.regenerate_initial_certificate, request.match_info["id"])
    return web.json_response({"thumbprint": entry.thumbprint})

"""The mock portal as one aiohttp application: Cloud API v1 under ``/api/v1`` and the mock's extension
endpoints under ``/ext/v1`` (same ``X-Api-Key``). ``build_portal_app(state)`` is what the runtime serves over
HTTPS; unit tests serve it over plain HTTP."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from aiohttp import web

from ravensec.mock.state import CloudState

from . import backups, metadata, products, security, state_dump
from .errors import (
    LIMITER_KEY,
    STATE_KEY,
    RateLimiter,
    errors_middleware,
    gateway_middleware,
    message,
    rate_limit_middleware,
)

API = "/api/v1"
EXT = "/ext/v1"


async def account_info(request: web.Request) -> web.StreamResponse:
    state = request.app[STATE_KEY]
    with state.lock:
        return web.json_response({"domainName": state.account.domain, "maxPaidProducts": state.account.max_paid_products})


async def unknown(request: web.Request) -> web.StreamResponse:
    raise message(404, f"No such endpoint: {request.method} {request.path}")


def build_portal_app(state: CloudState, *, middlewares: Iterable[Any] = ()) -> web.Application:
    """The portal over ``state``; ``middlewares`` (journal, faults...) run before the gateway checks."""
    app = web.Application(
        middlewares=[*middlewares, errors_middleware, gateway_middleware, rate_limit_middleware]
    )
    app[STATE_KEY] = state
    app[LIMITER_KEY] = RateLimiter()
    r = app.router
    r.add_get(f"{API}/account/info", account_info)
    r.add_get(f"{API}/metadata/regions/{{provider}}", metadata.regions)
    r.add_get(f"{API}/metadata/instance-types/{{provider}}/{{region}}", metadata.instance_types)
    r.add_get(f"{API}/metadata/release-channels", metadata.channels)
    r.add_get(f"{API}/products/list", products.list_products)
    r.add_get(f"{API}/products/details/{{id}}", products.details)
    r.add_post(f"{API}/products/create", products.create)
    r.add_post(f"{API}/products/terminate/{{id}}", products.terminate)
    r.add_post(f"{API}/products/instance-type", products.change_instance_type)
    r.add_post(f"{API}/products/storage", products.change_storage)
    r.add_post(f"{API}/products/additional-node/add", products.add_node)
    r.add_post(f"{API}/products/additional-node/remove", products.remove_node)
    r.add_post(f"{API}/products/restart-node", products.restart_node)
    r.add_get(f"{API}/products/security/certificate/{{id}}", products.certificate_package)
    r.add_get(f"{EXT}/capabilities", security.capabilities)
    r.add_get(f"{EXT}/products/{{id}}/allowed-ips", security.get_allowed_ips)
    r.add_put(f"{EXT}/products/{{id}}/allowed-ips", security.put_allowed_ips)
    r.add_post(f"{EXT}/products/{{id}}/certificate/regenerate", security.regenerate_certificate)
    r.add_get(f"{EXT}/products/{{id}}/backups", backups.list_backups)
    r.add_get(f"{EXT}/products/{{id}}/backups/{{database}}/{{file}}", backups.fetch_backup)
    r.add_get(f"{EXT}/state", state_dump.get_state)  # mock-only snapshot for `ravensec train --check`
    r.add_route("*", "/{tail:.*}", unknown)
    return app

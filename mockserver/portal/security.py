"""Mock extension endpoints for what the real API leaves to the portal's UI: the allowed-IP list (get/put,
validated with ``ravensec.core.iprules``) and regenerating the initial certificate. Plus ``/ext/v1/capabilities``,
which tells a client it talks to the mock (a real account answers 404)."""

from __future__ import annotations

from typing import Any

from aiohttp import web

from ravensec.core.errors import ValidationError
from ravensec.core.models import IpRule

from .errors import STATE_KEY, PortalError, field_errors
from .products import body_json, get_product, require_changeable


def parse_rules(raw: list[Any], *, provider: str = "") -> list[IpRule]:
    """Rules from ``["1.2.3.0/24", {"ip", "alias"}, ...]``; 400 ``{"allowedIps": [...]}`` listing every problem."""
    from ravensec.core.iprules import parse_rule, validate_rules

    rules: list[IpRule] = []
    problems: list[str] = []
    for i, item in enumerate(raw):
        if isinstance(item, str):
            text, alias = item, ""
        elif isinstance(item, dict):
            text, alias = item.get("ip") or item.get("cidr") or "", item.get("alias") or ""
            if not isinstance(text, str) or not isinstance(alias, str):
                problems.append(f"Entry {i + 1}: 'ip' and 'alias' must be strings.")
                continue
        else:
            problems.append(f"Entry {i + 1}: expected a CIDR string or an object {{ip, alias}}.")
            continue
        try:
            rules.append(parse_rule(text, alias))
        except ValidationError as e:
            problems.append(str(e))
    if not problems:
        problems = validate_rules(rules, provider=provider)
    if problems:
        raise field_errors({"allowedIps": problems})
    return rules


async def capabilities(request: web.Request) -> web.StreamResponse:
    return web.json_response({"allowedIpsEdit": True, "backups": True, "regenerateCertificate": True})


async def get_allowed_ips(request: web.Request) -> web.StreamResponse:
    state = request.app[STATE_KEY]
    with state.lock:
        p = get_product(state, request.match_info["id"])
        return web.json_response({"allowedIps": [r.to_api() for r in p.allowed_ips]})


async def put_allowed_ips(request: web.Request) -> web.StreamResponse:
    state = request.app[STATE_KEY]
    b = await body_json(request)
    raw = b.get("allowedIps")
    if not isinstance(raw, list):
        raise field_errors({"allowedIps": ["Expected a list of {ip, alias} entries."]})
    with state.lock:
        p = get_product(state, request.match_info["id"])
        require_changeable(p)
        p.allowed_ips = parse_rules(raw, provider=p.cloud_provider)
        return web.json_response({"allowedIps": [r.to_api() for r in p.allowed_ips]})


async def regenerate_certificate(request: web.Request) -> web.StreamResponse:
    from ravensec.mock.build import operator_entry, regenerate_operator

    state = request.app[STATE_KEY]
    with state.lock:
        p = get_product(state, request.match_info["id"])
        require_changeable(p)
        generation = len(p.cluster.certificates)
    bundle = regenerate_operator(state, p, generation)  # key generation outside the lock
    entry = operator_entry(bundle)
    with state.lock:
        if state.products.get(p.id) is not p:
            raise PortalError(409, {"message": "The world was reset while regenerating; try again."})
        # Like the cloud: the new certificate becomes the product's initial one, the old one stays registered.
        p.cluster.certificates[entry.thumbprint] = entry
        p.operator_cert = bundle
    return web.json_response({"thumbprint": entry.thumbprint})

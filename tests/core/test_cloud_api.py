"""CloudApi against a local HTTPS server that answers like the Cloud API v1 (and the mock's /ext/v1)."""

from __future__ import annotations

import json
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from typing import Any

import pytest
from aiohttp import web

from ravensec.core.errors import (
    ApiError,
    AuthError,
    Conflict,
    NotFound,
    NotSupported,
    RateLimited,
    ServerError,
    Unavailable,
    ValidationError,
)
from ravensec.core.http.cloud_api import CloudApi
from ravensec.core.models import BackupKind, IpRule, ProductStatus, Tier
from tests.core.localserver import Pki, Recorder, dead_port, json_response, serve

KEY = "test-api-key-123"
DETAILS = {
    "id": "p-1", "displayName": "shop", "status": "Active", "tier": "Production", "cloudProvider": "aws",
    "region": "us-east-1", "subdomainName": "shop", "instanceType": "PB10", "releaseChannel": "Stable62",
    "dns": ["a.shop.acme.ravendb.cloud", "b.shop.acme.ravendb.cloud"], "nodeTags": ["A", "B"],
    "security": {"allowedIps": ["203.0.113.10/32"]},
}

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


def answer(status: int, body: Any = None, headers: dict[str, str] | None = None) -> Handler:
    async def handler(request: web.Request) -> web.StreamResponse:
        if status == 204 or body is None:
            return web.Response(status=status, headers=headers)
        if isinstance(body, bytes):
            return web.Response(status=status, body=body, headers=headers, content_type="application/octet-stream")
        return json_response(status, body, headers)

    return handler


@asynccontextmanager
async def cloud(pki: Pki, routes: dict[tuple[str, str], Handler], **kw: Any) -> AsyncIterator[tuple[CloudApi, Recorder]]:
    rec = Recorder()
    async with serve(pki, routes, rec) as url, CloudApi(url + "/api/v1", KEY, ca_file=pki.ca_file, portal_url=url, **kw) as api:
        yield api, rec


async def test_headers_and_products(pki: Pki) -> None:
    routes = {
        ("GET", "/api/v1/products/list"): answer(200, {"items": [{"id": "p-1", "name": "shop"}]}),
        ("GET", "/api/v1/products/details/p-1"): answer(200, DETAILS),
    }
    async with cloud(pki, routes) as (api, rec):
        summaries = await api.list_products()
        product = await api.product("p-1")
    assert [s.id for s in summaries] == ["p-1"]
    assert product.status is ProductStatus.ACTIVE and product.tier is Tier.PRODUCTION
    assert product.node_urls == {"A": "https://a.shop.acme.ravendb.cloud", "B": "https://b.shop.acme.ravendb.cloud"}
    assert [r.cidr for r in product.allowed_ips] == ["203.0.113.10/32"]
    for _m, _p, headers, _b, _tp in rec.seen:
        assert headers["X-Api-Key"] == KEY
        assert headers["User-Agent"].startswith("ravensec/")
    assert KEY not in repr(api)


async def test_create_product_sends_camel_case(pki: Pki) -> None:
    routes = {("POST", "/api/v1/products/create"): answer(202, {"productId": "p-9"})}
    async with cloud(pki, routes) as (api, rec):
        pid = await api.create_product(
            display_name="n", cloud_provider="aws", instance_type="Dev10", region="us-east-1",
            release_channel="Stable62", disk_size=10, storage_type="SsdStandard", tier="Development",
            subdomain="n1", allowed_ips=[IpRule.from_api("198.51.100.0/24")],
        )
    assert pid == "p-9"
    sent = json.loads(rec.seen[0][3])
    assert sent["instanceTypeName"] == "Dev10" and sent["allowedIps"] == ["198.51.100.0/24"]
    assert sent["subdomainName"] == "n1" and sent["storageTypeName"] == "SsdStandard"


async def test_simple_posts_and_package(pki: Pki) -> None:
    routes = {
        ("POST", "/api/v1/products/terminate/p-1"): answer(202),
        ("POST", "/api/v1/products/restart-node"): answer(200),
        ("POST", "/api/v1/products/additional-node/remove"): answer(200),
        ("GET", "/api/v1/products/security/certificate/p-1"): answer(200, b"PK\x03\x04zip"),
    }
    async with cloud(pki, routes) as (api, rec):
        await api.terminate("p-1", hide=True)
        await api.restart_node("p-1", "B")
        await api.remove_node("p-1", "D")
        assert await api.certificate_package("p-1") == b"PK\x03\x04zip"
    bodies = [json.loads(b) for _m, _p, _h, b, _t in rec.seen[:3]]
    assert bodies == [{"hideInPortal": True}, {"productId": "p-1", "nodeTag": "B"}, {"productId": "p-1", "nodeTag": "D"}]


async def test_429_honours_retry_after_then_succeeds(pki: Pki) -> None:
    calls = 0

    async def limited(request: web.Request) -> web.Response:
        nonlocal calls
        calls += 1
        if calls == 1:
            return json_response(429, {"message": "slow down"}, {"Retry-After": "1"})
        return json_response(200, {"domainName": "acme"})

    async with cloud(pki, {("GET", "/api/v1/account/info"): limited}) as (api, _rec):
        start = time.monotonic()
        info = await api.account_info()
        elapsed = time.monotonic() - start
    assert info.domain == "acme" and calls == 2
    assert elapsed >= 0.9


async def test_429_gives_up_with_rate_limited(pki: Pki) -> None:
    routes = {("GET", "/api/v1/account/info"): answer(429, {"message": "slow"}, {"Retry-After": "30"})}
    async with cloud(pki, routes, max_retries=2, retry_cap=0.01) as (api, rec):
        with pytest.raises(RateLimited) as err:
            await api.account_info()
    assert err.value.retry_after == 30 and err.value.status == 429
    assert len(rec.seen) == 3


@pytest.mark.parametrize(
    ("status", "body", "exc", "text"),
    [
        (401, {"message": "bad key"}, AuthError, "keys last at most 12 months"),
        (403, None, AuthError, "gateway refused"),
        (404, None, NotFound, "Not found"),
        (409, {"message": "busy"}, Conflict, "busy"),
        (412, {"message": "limit"}, Conflict, "at most 3 paid products"),
        (500, {"message": "boom"}, ServerError, "boom"),
        (418, None, ApiError, "418"),
    ],
)
async def test_error_mapping(pki: Pki, status: int, body: Any, exc: type[Exception], text: str) -> None:
    async with cloud(pki, {("GET", "/api/v1/products/details/x"): answer(status, body)}) as (api, _rec):
        with pytest.raises(exc) as err:
            await api.product("x")
    assert text in str(err.value)
    assert KEY not in str(err.value)


async def test_400_field_map_becomes_field_errors(pki: Pki) -> None:
    body = {"subdomainName": ["Subdomain is already taken."]}
    routes = {("POST", "/api/v1/products/create"): answer(400, body)}
    async with cloud(pki, routes) as (api, _rec):
        with pytest.raises(ValidationError) as err:
            await api.create_product(
                display_name="n", cloud_provider="aws", instance_type="Dev10", region="r",
                release_channel="c", disk_size=10, storage_type="s", tier="Development", subdomain="taken",
            )
    assert err.value.field_errors == {"subdomainName": ["Subdomain is already taken."]}
    assert "Subdomain is already taken." in str(err.value)


async def test_real_account_probe_404_means_no_extensions(pki: Pki) -> None:
    routes = {("GET", "/api/v1/products/details/p-1"): answer(200, DETAILS)}
    async with cloud(pki, routes) as (api, rec):
        caps = await api.capabilities()
        assert not (caps.allowed_ips_edit or caps.backups or caps.regenerate_certificate)
        with pytest.raises(NotSupported) as err:
            await api.set_allowed_ips("p-1", [IpRule.from_api("10.0.0.0/8")])
        # Reading still works, from the product details.
        assert [r.cidr for r in await api.allowed_ips("p-1")] == ["203.0.113.10/32"]
        with pytest.raises(NotSupported):
            await api.backups("p-1")
    assert "cannot change allowed IPs; use the portal" in str(err.value)
    assert err.value.portal_url == api.portal_url
    # Probed once, and the refused edit sent nothing.
    assert rec.paths().count("GET /ext/v1/capabilities") == 1
    assert not any(p.startswith("PUT") for p in rec.paths())


async def test_probe_answering_html_means_no_extensions(pki: Pki) -> None:
    async def html(request: web.Request) -> web.Response:
        return web.Response(text="<html>portal</html>", content_type="text/html")

    async with cloud(pki, {("GET", "/ext/v1/capabilities"): html}) as (api, _rec):
        assert (await api.capabilities()).allowed_ips_edit is False


async def test_mock_extensions(pki: Pki) -> None:
    rules = {"allowedIps": [{"ip": "203.0.113.0/24", "alias": "office"}]}
    backup = {"productId": "p-1", "database": "orders", "fileName": "f 1.bak", "createdAt": "2026-01-01T00:00:00.0000000Z",
              "kind": "Full", "size": 12}

    async def put_rules(request: web.Request) -> web.Response:
        return json_response(200, await request.json())

    routes = {
        ("GET", "/ext/v1/capabilities"): answer(200, {"allowedIpsEdit": True, "backups": True, "regenerateCertificate": True}),
        ("GET", "/ext/v1/products/p-1/allowed-ips"): answer(200, rules),
        ("PUT", "/ext/v1/products/p-1/allowed-ips"): put_rules,
        ("POST", "/ext/v1/products/p-1/certificate/regenerate"): answer(200, {"thumbprint": "ab12"}),
        ("GET", "/ext/v1/products/p-1/backups"): answer(200, {"items": [backup]}),
        ("GET", "/ext/v1/products/p-1/backups/orders/{name}"): answer(200, b"RVNBKP1\n..."),
    }
    async with cloud(pki, routes) as (api, rec):
        got = await api.allowed_ips("p-1")
        assert [(r.cidr, r.alias) for r in got] == [("203.0.113.0/24", "office")]
        new = [IpRule.from_api({"ip": "198.51.100.7/32", "alias": "me"})]
        assert await api.set_allowed_ips("p-1", new) == new
        assert await api.regenerate_certificate("p-1") == "AB12"
        [b] = await api.backups("p-1")
        assert b.kind is BackupKind.FULL and b.file_name == "f 1.bak"
        assert await api.backup_file("p-1", "orders", "f 1.bak") == b"RVNBKP1\n..."
    assert {"ip": "198.51.100.7/32", "alias": "me"} in json.loads(rec.seen[2][3])["allowedIps"]


async def test_ext_400_is_a_validation_error(pki: Pki) -> None:
    routes = {
        ("GET", "/ext/v1/capabilities"): answer(200, {"allowedIpsEdit": True}),
        ("PUT", "/ext/v1/products/p-1/allowed-ips"): answer(400, {"allowedIps": ["10.0.0.1/8 has host bits set"]}),
    }
    async with cloud(pki, routes) as (api, _rec):
        with pytest.raises(ValidationError) as err:
            await api.set_allowed_ips("p-1", [IpRule.from_api("10.0.0.0/8")])
    assert err.value.field_errors["allowedIps"] == ["10.0.0.1/8 has host bits set"]


async def test_unreachable_api_is_unavailable(pki: Pki) -> None:
    async with CloudApi(f"https://127.0.0.1:{dead_port()}/api/v1", KEY, ca_file=pki.ca_file) as api:
        with pytest.raises(Unavailable) as err:
            await api.list_products()
    assert "connection refused" in str(err.value)

"""InstanceClient over real mTLS against local nodes: identity, failover, error mapping, the certificate routes."""

from __future__ import annotations

import asyncio
import base64
import json
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from aiohttp import web
from cryptography import x509
from cryptography.hazmat.primitives import hashes

from ravensec.core.errors import (
    AuthError,
    Conflict,
    Forbidden,
    NotFound,
    ServerError,
    Unavailable,
    ValidationError,
)
from ravensec.core.http.instance import InstanceClient
from ravensec.core.models import DatabaseAccess, SecurityClearance
from tests.core.localserver import Pki, Recorder, dead_port, json_response, peer_thumbprint, serve

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


def tp_of(cert: x509.Certificate) -> str:
    return cert.fingerprint(hashes.SHA1()).hex().upper()


def definition(tp: str, name: str = "me", clearance: str = "Operator", **extra: Any) -> dict[str, Any]:
    return {"Name": name, "Thumbprint": tp, "SecurityClearance": clearance, "Permissions": {},
            "NotBefore": "2026-01-01T00:00:00.0000000", "NotAfter": "2031-01-01T00:00:00.0000000", **extra}


async def whoami(request: web.Request) -> web.Response:
    tp = peer_thumbprint(request)
    if tp is None:
        return web.Response(status=204)
    return json_response(200, definition(tp))


def answer(status: int, body: Any = None, headers: dict[str, str] | None = None) -> Handler:
    async def handler(request: web.Request) -> web.StreamResponse:
        if body is None:
            return web.Response(status=status, headers=headers)
        if isinstance(body, bytes):
            return web.Response(status=status, body=body, headers=headers)
        return json_response(status, body, headers)

    return handler


async def test_whoami_over_mtls_with_pem_bundle(pki: Pki) -> None:
    bundle = pki.client("alice")
    async with serve(pki, {("GET", "/certificates/whoami"): whoami}) as url, \
            InstanceClient([url], bundle, ca_file=pki.ca_file, learn_topology=False) as nodes:
        me = await nodes.whoami()
    assert me is not None and me.thumbprint == tp_of(bundle.certificate)
    assert me.security_clearance is SecurityClearance.OPERATOR


async def test_whoami_without_certificate_is_none(pki: Pki) -> None:
    async with serve(pki, {("GET", "/certificates/whoami"): whoami}) as url, \
            InstanceClient([url], None, ca_file=pki.ca_file, learn_topology=False) as nodes:
        assert await nodes.whoami() is None


async def test_mtls_with_pfx_and_passphrase(pki: Pki, tmp_path: Path) -> None:
    load = pytest.importorskip("ravensec.core.certs.load")
    from cryptography.hazmat.primitives.serialization import BestAvailableEncryption, pkcs12

    bundle = pki.client("pfx-user")
    pfx = pkcs12.serialize_key_and_certificates(
        b"pfx-user", bundle.private_key, bundle.certificate, None, BestAvailableEncryption(b"s3cret")  # type: ignore[arg-type]
    )
    path = tmp_path / "u.pfx"
    path.write_bytes(pfx)
    loaded = load.load_bundle_file(path, "s3cret")
    async with serve(pki, {("GET", "/certificates/whoami"): whoami}) as url, \
            InstanceClient([url], loaded, ca_file=pki.ca_file, learn_topology=False) as nodes:
        me = await nodes.whoami()
    assert me is not None and me.thumbprint == tp_of(bundle.certificate)


async def test_failover_when_first_node_refuses(pki: Pki) -> None:
    rec = Recorder()
    dead = f"https://127.0.0.1:{dead_port()}"
    async with serve(pki, {("GET", "/build/version"): answer(200, {"ProductVersion": "7.2", "BuildVersion": 72})},
                     rec) as url, \
            InstanceClient({"A": dead, "B": url}, pki.client(), ca_file=pki.ca_file, learn_topology=False) as nodes:
        v = await nodes.build_version()
        assert v.product_version == "7.2" and v.build_version == 72
        await nodes.build_version()
    # The second call goes straight to the node that answered.
    assert rec.paths() == ["GET /build/version", "GET /build/version"]


async def test_all_nodes_refusing_lists_the_nodes_tried(pki: Pki) -> None:
    a, b = dead_port(), dead_port()
    nodes = InstanceClient({"A": f"https://127.0.0.1:{a}", "B": f"https://127.0.0.1:{b}"}, pki.client(),
                           ca_file=pki.ca_file)
    async with nodes:
        with pytest.raises(Unavailable) as err:
            await nodes.database_names()
    text = str(err.value)
    assert f"A https://127.0.0.1:{a} (connection refused)" in text
    assert f"B https://127.0.0.1:{b} (connection refused)" in text


async def test_topology_adds_nodes(pki: Pki) -> None:
    dead = f"https://127.0.0.1:{dead_port()}"
    holder: dict[str, str] = {}

    async def topology(request: web.Request) -> web.Response:
        members = {"A": holder["url"], "C": dead}
        return json_response(200, {"Leader": "A", "NodeTag": "A", "Etag": 3,
                                    "Topology": {"TopologyId": "t", "Members": members, "Etag": 3}})

    routes = {("GET", "/cluster/topology"): topology, ("GET", "/databases"): answer(200, {"Databases": ["orders"]})}
    async with serve(pki, routes) as url:
        holder["url"] = url
        async with InstanceClient([url], pki.client(), ca_file=pki.ca_file) as nodes:
            assert await nodes.database_names() == ["orders"]
            assert nodes.nodes == {"A": url, "C": dead}
            topo = await nodes.cluster_topology()
    assert topo.leader == "A" and topo.etag == 3


async def test_timeout_fails_over_for_reads(pki: Pki) -> None:
    release = asyncio.Event()

    async def hang(request: web.Request) -> web.Response:
        await release.wait()
        return web.Response(status=204)

    async with serve(pki, {("GET", "/databases"): hang}) as slow, \
            serve(pki, {("GET", "/databases"): answer(200, {"Databases": [{"Name": "x"}]})}) as fast, \
            InstanceClient({"A": slow, "B": fast}, pki.client(), ca_file=pki.ca_file, timeout=0.3,
                           learn_topology=False) as nodes:
        assert await nodes.database_names() == ["x"]
        release.set()


async def test_generate_is_not_repeated_after_the_request_may_have_been_sent(pki: Pki) -> None:
    rec_b = Recorder()

    async def drop(request: web.Request) -> web.Response:
        assert request.transport is not None
        request.transport.abort()
        return web.Response(status=500)

    async with serve(pki, {("POST", "/admin/certificates"): drop}) as bad, \
            serve(pki, {("POST", "/admin/certificates"): answer(200, b"PK")}, rec_b) as good, \
            InstanceClient({"A": bad, "B": good}, pki.client(), ca_file=pki.ca_file, learn_topology=False) as nodes:
        with pytest.raises(Unavailable) as err:
            await nodes.generate("n", SecurityClearance.VALID_USER, {"db": DatabaseAccess.READ})
    assert "not safe to repeat" in str(err.value)
    assert rec_b.seen == []


async def test_certificate_routes(pki: Pki) -> None:
    rec = Recorder()
    me = pki.client("me")
    other = pki.client("other")
    zipped = b"PK\x03\x04fake-zip"
    listing = {"Results": [definition("AA"), definition("BB", "u", "ValidUser", Permissions={"db": "Read"})]}

    async def certificates(request: web.Request) -> web.Response:
        tp = request.query.get("thumbprint")
        if tp is None:
            return json_response(200, listing)
        if tp == "AA":
            return json_response(200, {"Results": [definition("AA")]})
        return web.Response(status=404)

    routes = {
        ("GET", "/admin/certificates"): certificates,
        ("POST", "/admin/certificates"): answer(200, zipped, {"Content-Type": "application/octet-stream"}),
        ("PUT", "/admin/certificates"): answer(201),
        ("POST", "/admin/certificates/edit"): answer(201),
        ("DELETE", "/admin/certificates"): answer(204),
        ("DELETE", "/admin/certificates/purge"): answer(204),
    }
    async with serve(pki, routes, rec) as url, \
            InstanceClient([url], me, ca_file=pki.ca_file, learn_topology=False) as nodes:
        certs = await nodes.certificates(page_size=50)
        assert [c.thumbprint for c in certs] == ["AA", "BB"]
        assert certs[1].permissions == {"db": DatabaseAccess.READ}
        assert (await nodes.certificate("AA")) is not None
        assert await nodes.certificate("ZZ") is None
        not_after = datetime.now(UTC) + timedelta(days=30)
        data = await nodes.generate("gen", "ValidUser", {"db": "ReadWrite"}, password="pw", not_after=not_after)
        assert data == zipped
        await nodes.register("other", other, SecurityClearance.VALID_USER, {"db": DatabaseAccess.READ_WRITE})
        await nodes.edit("BB", "renamed", SecurityClearance.VALID_USER, {"db": "Admin"}, disabled=True)
        await nodes.delete("BB")
        await nodes.purge_expired()
    by_route = {f"{m} {p.split('?')[0]}": (p, h, b) for m, p, h, b, _ in rec.seen}
    assert "pageSize=50" in rec.seen[0][1]
    _p, headers, body = by_route["POST /admin/certificates"]
    assert headers["Content-Type"].startswith("application/json")
    sent = json.loads(body)
    assert sent["Name"] == "gen" and sent["SecurityClearance"] == "ValidUser" and sent["Password"] == "pw"
    assert sent["Permissions"] == {"db": "ReadWrite"} and sent["NotAfter"]
    _p, _h, body = by_route["PUT /admin/certificates"]
    assert b"PRIVATE KEY" not in body and b"Password" not in body
    sent = json.loads(body)
    assert x509.load_der_x509_certificate(base64.b64decode(sent["Certificate"])) == other.certificate
    _p, _h, body = by_route["POST /admin/certificates/edit"]
    assert json.loads(body) == {"Thumbprint": "BB", "Name": "renamed", "SecurityClearance": "ValidUser",
                                "Permissions": {"db": "Admin"}, "Disabled": True}
    assert by_route["DELETE /admin/certificates"][0] == "/admin/certificates?thumbprint=BB"
    assert "DELETE /admin/certificates/purge" in by_route


async def test_databases(pki: Pki) -> None:
    rec = Recorder()
    routes = {
        ("PUT", "/admin/databases"): answer(201, {"Name": "orders"}),
        ("DELETE", "/admin/databases"): answer(200, {"PendingDeletes": []}),
    }
    async with serve(pki, routes, rec) as url, \
            InstanceClient([url], pki.client(), ca_file=pki.ca_file, learn_topology=False) as nodes:
        await nodes.create_database("orders", replication_factor=2)
        await nodes.delete_database("orders")
    assert "name=orders" in rec.seen[0][1] and "replicationFactor=2" in rec.seen[0][1]
    assert json.loads(rec.seen[0][3])["DatabaseName"] == "orders"
    assert json.loads(rec.seen[1][3])["DatabaseNames"] == ["orders"]


UNKNOWN = ("The supplied client certificate 'CN=x(Thumbprint: AB)' is unknown to the server. In order to register "
           "your certificate please contact your system administrator.")
OPERATOR_ON_ADMIN = ("Insufficient security clearance to access the server using provided client certificate "
                     "'CN=x(Thumbprint: AB)'. ClusterAdmin access is required but not given to this certificate.")
LOWER = ("Cannot generate the client certificate 'n' with 'Cluster Admin' security clearance because the current "
         "client certificate being used has a lower clearance: Operator")


@pytest.mark.parametrize(
    ("status", "body", "headers", "exc", "text"),
    [
        (403, {"Type": "InvalidAuth", "Message": UNKNOWN}, None, AuthError, "the server does not know this certificate"),
        (403, {"Type": "InvalidAuth", "Message": "The supplied client certificate 'CN=x' has expired on Monday"},
         None, AuthError, "has expired"),
        (403, {"Type": "InvalidAuth", "Message": OPERATOR_ON_ADMIN}, None, Forbidden, "this needs Cluster Admin"),
        (500, {"Type": "System.InvalidOperationException", "Message": LOWER}, None, Forbidden, "lower clearance"),
        (500, {"Type": "System.ArgumentException", "Message": "Name is a required field"}, None, ValidationError,
         "Name is a required field"),
        (409, {"Type": "Raven.Client.Exceptions.ConcurrencyException", "Message": "Database 'd' already exists!"},
         None, Conflict, "already exists"),
        (503, {"Type": "Error", "Message": "Database d wasn't found"}, {"Database-Missing": "d"}, NotFound, "'d'"),
        (500, {"Type": "System.Exception", "Message": "disk on fire", "Error": "..."}, None, ServerError, "disk on fire"),
        (404, None, None, NotFound, "Not found"),
    ],
)
async def test_error_mapping(
    pki: Pki, status: int, body: Any, headers: dict[str, str] | None, exc: type[Exception], text: str
) -> None:
    async with serve(pki, {("GET", "/databases"): answer(status, body, headers)}) as url, \
            InstanceClient([url], pki.client(), ca_file=pki.ca_file, learn_topology=False) as nodes:
        with pytest.raises(exc) as err:
            await nodes.database_names()
    assert text in str(err.value)
    if body and isinstance(err.value, AuthError | Forbidden):
        assert err.value.server_message == body["Message"]


async def test_edit_of_unknown_thumbprint_is_not_found(pki: Pki) -> None:
    msg = "Cannot edit permissions for certificate with thumbprint 'ZZ'. It doesn't exist in the cluster."
    routes = {("POST", "/admin/certificates/edit"): answer(500, {"Type": "System.InvalidOperationException",
                                                                 "Message": msg})}
    async with serve(pki, routes) as url, \
            InstanceClient([url], pki.client(), ca_file=pki.ca_file, learn_topology=False) as nodes:
        with pytest.raises(NotFound, match="doesn't exist"):
            await nodes.edit("ZZ", "n", "ValidUser", {})

"""``/admin/certificates``: list, generate, register, edit, delete, purge and export, with the server's
clearance rules and messages (RavenDB's ``src/Raven.Server/Web/Authentication/AdminCertificatesHandler.cs``;
the rules themselves are in :mod:`ravensec.mock.backend`). Those rules throw .NET exceptions from inside the
handler, so the server answers 500, not 403.

Certificates generated here have a fresh RSA-4096 key, as the server's (made ahead by
:mod:`ravensec.mock.keypool`). [mock choice] They are signed by the mock CA, the issuer of every node
certificate, where the server signs with its own certificate.
"""

from __future__ import annotations

import asyncio
import base64
import binascii
import itertools
import json
import urllib.parse
from collections.abc import Iterable, Iterator, Mapping
from typing import Any, TypeVar

from aiohttp import web

from ravensec.core.certs.bundle import CertMaterial
from ravensec.core.models import SecurityClearance
from ravensec.mock.backend import Caller, ClusterBackend, entry_for
from ravensec.mock.cpu_credits import work_delay
from ravensec.mock.node.cert_definition import clearance_of, not_after_of, validate_definition
from ravensec.mock.node.context import Ctx, handles
from ravensec.mock.node.errors import JSON_TYPE, argument_error, json_body, json_response
from ravensec.mock.node.listing_cache import BodyCache
from ravensec.mock.state import CertEntry

ISSUER_KEY: web.AppKey[CertMaterial] = web.AppKey("issuer")
SERVER_BUNDLE_KEY: web.AppKey[CertMaterial] = web.AppKey("server_bundle")


_server_defs: dict[bytes, dict[str, Any]] = {}  # by the server certificate's DER
listing_cache = BodyCache()
_T = TypeVar("_T")


def server_definition(ctx: Ctx) -> dict[str, Any]:
    """The synthesized "Server Certificate" entry the server adds to a listing."""
    bundle = ctx.request.app[SERVER_BUNDLE_KEY]
    der = bundle.cert_der()
    hit = _server_defs.get(der)
    if hit is None:
        e = entry_for(bundle.certificate, "Server Certificate", SecurityClearance.CLUSTER_NODE, {})
        hit = _server_defs[der] = e.definition().to_wire()
    return hit


def _backend(ctx: Ctx) -> ClusterBackend:
    return ClusterBackend(ctx.state, ctx.product)


def _caller(ctx: Ctx) -> Caller:
    """The client certificate's clearance and the thumbprint it connects with."""
    # AdminCertificatesHandler.Delete compares the presented certificate's thumbprint only (not the entry a
    # renewal inherits its rights from, nor the other keys of its collection).
    ident = ctx.identity
    return Caller(ident.clearance, frozenset({ident.thumbprint} - {""}))


def _bool(v: str | None) -> bool:
    return (v or "").lower() == "true"


@handles("GET", "/admin/certificates")
async def list_certificates(ctx: Ctx) -> web.StreamResponse:
    tp = (ctx.q("thumbprint") or "").upper()
    name = ctx.q("name")
    meta = _bool(ctx.q("metadataOnly"))
    secondary = _bool(ctx.q("secondary"))
    start = max(ctx.q_int("start") or 0, 0)
    page_size = ctx.q_int("pageSize") or None
    server = server_definition(ctx)
    with ctx.state.lock:
        cluster = ctx.product.cluster
        if tp:
            # AdminCertificatesHandler.TryGetAndAddCertificateByThumbprint: only the cluster's certificates (the
            # server's own is added to full listings only, so its thumbprint is 404), and a secondary key of a
            # collection answers with its primary's definition.
            entry = cluster.certificates.get(tp)
            if entry is not None and entry.primary_key:
                entry = cluster.certificates.get(entry.primary_key)
            if entry is None:
                return web.Response(status=404)
            results = [entry.definition().to_wire(metadata_only=meta)]
        else:
            well_known = tuple(cluster.well_known_admin_thumbprints)
            # The version stands for every certificate: the key costs the same with 10 or 10,000 of them.
            key = (cluster.cert_version, server["Thumbprint"], well_known, meta, secondary, name, start, page_size)
            body = listing_cache.get(key)
            if body is None:
                body = json_body({
                    "Results": _page(cluster.certificates, server, meta, secondary, name, start, page_size),
                    "LoadedServerCert": server["Thumbprint"],
                    "WellKnownAdminCerts": list(well_known),
                    "WellKnownIssuers": [],
                })
                listing_cache.put(key, body)
            return web.Response(body=body, headers={"Content-Type": JSON_TYPE})
        body_obj = {
            "Results": results,
            "LoadedServerCert": server["Thumbprint"],
            "WellKnownAdminCerts": list(cluster.well_known_admin_thumbprints),
            "WellKnownIssuers": [],
        }
    return json_response(body_obj)


def _page(
    certs: Mapping[str, CertEntry],
    server: dict[str, Any],
    meta: bool,
    secondary: bool,
    name: str | None,
    start: int,
    page_size: int | None,
) -> list[dict[str, Any]]:
    """The server's synthesized entry first, then the registered ones; only the page is serialised."""
    listed: Iterator[CertEntry] = (e for e in certs.values() if secondary or not e.primary_key)
    first = server if not meta else {k: v for k, v in server.items() if k != "Certificate"}
    if name is not None:
        # AdminCertificatesHandler.GetAllRegisteredCertificates: `name != def.Name`, exact and case-sensitive;
        # GetCertificates adds the server's entry only for no name or exactly "Server Certificate".
        listed = (e for e in listed if e.name == name)
        if first["Name"] != name:
            return [e.definition().to_wire(metadata_only=meta) for e in _cut(listed, start, page_size)]
    page = list(_cut(itertools.chain([None], listed), start, page_size))
    return [first if e is None else e.definition().to_wire(metadata_only=meta) for e in page]


def _cut(items: Iterable[_T], start: int, page_size: int | None) -> Iterator[_T]:
    return itertools.islice(items, start, start + page_size if page_size else None)


@handles("POST", "/admin/certificates")
async def generate(ctx: Ctx) -> web.StreamResponse:
    from ravensec.core.certs.packages import build_server_package

    d = await _generate_body(ctx)
    backend = _backend(ctx)
    # AdminCertificatesHandler.Generate: the clearance is checked first, then GenerateCertificateInternal
    # validates the definition.
    raw_name = d.get("Name") if isinstance(d, dict) else None
    backend.check_generate(raw_name if isinstance(raw_name, str) else "", clearance_of(d), _caller(ctx))
    name, clearance, perms = validate_definition(d)
    not_after = not_after_of(d.get("NotAfter"), ctx.state.clock())
    # Off the event loop: with the key pool empty, the fresh RSA-4096 key takes up to a second to make.
    bundle = await asyncio.to_thread(
        backend.make, name, not_after=not_after, issuer=ctx.request.app[ISSUER_KEY]
    )
    # On a burstable instance the server's RSA-4096 generation spends CPU credits and takes that long.
    await work_delay(ctx.state, backend.charge_generation(ctx.node.tag))
    # The answer is made before the certificate is registered: a registered certificate whose key was never
    # handed out could not be used by anyone.
    data = build_server_package(bundle, name, password=d.get("Password") or None)
    # AdminCertificatesHandler.Generate: the file name is Uri.EscapeDataString(Name) (RFC 3986 unreserved kept),
    # so CR, LF, ';' or quotes in a name cannot break the header.
    response = web.Response(
        body=data,
        headers={
            "Content-Type": "application/octet-stream",
            # Uri.EscapeDataString: everything but RFC 3986's unreserved characters is %-escaped.
            "Content-Disposition": f"attachment; filename={urllib.parse.quote(name, safe='')}.zip",
        },
    )
    backend.store_generated(bundle, name, clearance, perms)
    return response


async def _generate_body(ctx: Ctx) -> Any:
    ctype = ctx.request.headers.get("Content-Type", "")
    if ctype.startswith(("multipart/form-data", "application/x-www-form-urlencoded")):
        form = await ctx.request.post()
        opts = form.get("Options")
        try:
            return json.loads(opts if isinstance(opts, str) else "")
        except (ValueError, RecursionError):
            raise argument_error("Name is a required field in the certificate definition") from None
    return await ctx.body()


@handles("PUT", "/admin/certificates")
async def register(ctx: Ctx) -> web.StreamResponse:
    d = await ctx.body()
    name, clearance, perms = validate_definition(d)
    # AdminCertificatesHandler.Put: the clearance before the Certificate property.
    _backend(ctx).check_register(name, clearance, _caller(ctx))
    raw = d.get("Certificate")
    if not raw:
        raise argument_error("Certificate is a mandatory property when saving an existing certificate")
    try:
        decoded = base64.b64decode(str(raw), validate=True)
    except (binascii.Error, ValueError):
        raise argument_error("Unable to parse the Certificate property, expected a Base64 value") from None
    _backend(ctx).register(name, clearance, perms, decoded, password=d.get("Password") or None,
                           caller=_caller(ctx))
    return web.Response(status=201)


@handles("POST", "/admin/certificates/edit")
async def edit(ctx: Ctx) -> web.StreamResponse:
    d = await ctx.body()
    name, clearance, perms = validate_definition(d)  # first: it refuses a body that is not an object
    _backend(ctx).edit(str(d.get("Thumbprint") or ""), name, clearance, perms,
                       disabled=bool(d.get("Disabled", False)), caller=_caller(ctx))
    return web.Response(status=201)


@handles("DELETE", "/admin/certificates")
async def delete(ctx: Ctx) -> web.StreamResponse:
    _backend(ctx).delete(ctx.q("thumbprint") or "", caller=_caller(ctx))
    return web.Response(status=204)


@handles("DELETE", "/admin/certificates/purge")
async def purge(ctx: Ctx) -> web.StreamResponse:
    _backend(ctx).purge()
    return web.Response(status=204)


@handles("GET", "/admin/certificates/export")
async def export(ctx: Ctx) -> web.StreamResponse:
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.serialization import pkcs12

    bundle = ctx.request.app[SERVER_BUNDLE_KEY]
    data = pkcs12.serialize_key_and_certificates(
        None, None, None, [bundle.certificate], serialization.NoEncryption()
    )
    return web.Response(
        body=data,
        headers={
            "Content-Type": "application/octet-stream",
            "Content-Disposition": "attachment; filename=ClusterCertificatesCollection.pfx",
        },
    )
